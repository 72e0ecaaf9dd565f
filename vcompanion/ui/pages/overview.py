"""/overview: the team screen -- KPIs, vCenter status, six charts, and the
fullest datastores and oldest snapshots as lists linking to their pages."""

from __future__ import annotations

from html import escape

import panel as pn

from .. import fragments, labels
from ..charts import Bars, Columns, Donut, StackedBars
from ..fragments import kpi, num, sev_dot
from ..links import LINK_CSS, object_link
from ..theme import severity_color
from .base import Page, card, flex, section


CATEGORY = {"vm": "VM", "vcenter": "vCenter", "tools": "VMware Tools"}


class OverviewPage(Page):
    slug = "overview"
    title = "Overview"
    icon = "grid"
    needs_tables = False  # the page most people open first: no Tabulator JavaScript

    def __init__(self, ctx):
        super().__init__(ctx)
        self.kpis = fragments.html_pane()
        self.badges = fragments.html_pane()
        self.charts = pn.Column(sizing_mode="stretch_width", margin=0, min_height=600)
        self.fullest = fragments.html_pane(stylesheets=[LINK_CSS])
        self.oldest = fragments.html_pane(stylesheets=[LINK_CSS])
        self.built = False
        self.frames = None
        self.layout.objects = [self.kpis, section("vCenter Servers"), self.badges,
                               self.charts,
                               flex(card(self.fullest, title="Fullest datastores"),
                                    card(self.oldest, title="Oldest snapshots"))]
        # The numbers paint first; the charts (many Bokeh models) follow as soon
        # as the page is on screen.
        pn.state.onload(self._build_charts)

    def _build_charts(self) -> None:
        p = self.palette
        self.per_vcenter = StackedBars(p, "VMs per vCenter", [
            ("on", "Powered on", p.ok), ("off", "Powered off", p.off),
            ("suspended", "Suspended", p.warning)], height=250)
        self.power = Donut(p, "Power states", height=250)
        self.datastores = Bars(p, "Top datastores by used %", height=300, x_max=100,
                               x_label="used %")
        self.categories = StackedBars(p, "Problems by category", [
            ("critical", "Critical", p.critical), ("warning", "Warning", p.warning),
            ("info", "Info", p.info)], height=300)
        self.ages = Columns(p, "Snapshot ages", height=260, y_label="snapshots")
        self.capacity = StackedBars(p, "Datastore capacity per vCenter (TiB)", [
            ("used", "Used", p.accent), ("free", "Free", p.off)], height=260,
            counts=False)
        self.built = True
        if self.frames is not None:
            self._update_charts(self.frames)
        self.charts.objects = [
            flex(card(self.per_vcenter.pane), card(self.power.pane)),
            flex(card(self.datastores.pane), card(self.categories.pane)),
            flex(card(self.capacity.pane), card(self.ages.pane))]
        self.charts.min_height = None

    def update(self, frames) -> None:
        self.frames = frames
        s, p = frames.summary, self.palette
        self.kpis.object = self._kpis(s, frames)
        per = {row["vcenter"]: row["total"] for row in s["per_vcenter"]}
        self.badges.object = fragments.vcenter_badges(frames.status, per, p)
        self.fullest.object = _list(
            ["Datastore", "vCenter", "Used", "Free"],
            [(object_link(d["name"], d["vcenter"], d["moid"]), d["vcenter"],
              f'{d["used_pct"]:.0f} %', labels.size(d["free_bytes"]))
             for d in s["top_datastores"][:6]], "No datastores")
        self.oldest.object = _list(
            ["VM", "vCenter", "Snapshot", "Age"],
            [(object_link(o["vm"], o["vcenter"], o["vm_moid"]), o["vcenter"], o["name"],
              labels.age(o["age_days"])) for o in s["snapshots"]["oldest_list"]],
            "No snapshots")
        if self.built:
            self._update_charts(frames)

    def _update_charts(self, frames) -> None:
        s, p = frames.summary, self.palette
        rows = s["per_vcenter"]
        self.per_vcenter.update([r["vcenter"] for r in rows],
                                {k: [r[k] for r in rows] for k in ("on", "off",
                                                                   "suspended")})
        vms = s["vms"]
        self.power.update([
            {"label": "Powered on", "value": vms["on"], "color": p.ok},
            {"label": "Powered off", "value": vms["off"], "color": p.off},
            {"label": "Suspended", "value": vms["suspended"], "color": p.warning}])
        warn = 100 - self.ctx.runtime.config.get("problems.datastore_free_warning_pct")
        crit = 100 - self.ctx.runtime.config.get("problems.datastore_free_critical_pct")
        self.datastores.update([
            {"label": f'{d["name"]} · {d["vcenter"]}', "value": d["used_pct"],
             "color": p.critical if d["used_pct"] >= crit else p.warning
             if d["used_pct"] > warn else p.accent,
             "text": f'{d["used_pct"]:.1f} % used',
             "detail": f'{labels.size(d["free_bytes"])} free of '
                       f'{labels.size(d["capacity_bytes"])}'}
            for d in s["top_datastores"]])
        cap = s["capacity_per_vcenter"]
        self.capacity.update([c["vcenter"] for c in cap],
                             {"used": [c["used_bytes"] / 1024 ** 4 for c in cap],
                              "free": [c["free_bytes"] / 1024 ** 4 for c in cap]})
        cats = s["problems"]["categories"]
        self.categories.update([CATEGORY.get(c["category"], c["category"].capitalize())
                                for c in cats],
                               {k: [c[k] for c in cats]
                                for k in ("critical", "warning", "info")})
        limit = self.ctx.runtime.config.get("problems.snapshot_age_days")
        self.ages.update([{"label": b["label"], "value": b["count"],
                           "color": p.warning if b["low"] >= limit else p.accent}
                          for b in s["snapshots"]["ages"]])

    def _kpis(self, s: dict, frames) -> str:
        p = self.palette
        vc, vms, hosts = s["vcenters"], s["vms"], s["hosts"]
        ds, snaps, probs = s["datastores"], s["snapshots"], s["problems"]
        down = vc["total"] - vc["ok"]
        cards = [
            kpi("vCenters", f'{num(vc["ok"], "vcenters-ok")}<small> / '
                f'{num(vc["total"], "vcenters-total")}</small>',
                "all connected" if not down else f"{down} not available",
                "ok" if not down else "critical", tooltip="vCenter Servers connected "
                "and read / configured", test_id="vcenters"),
            kpi("Virtual machines", num(vms["total"], "vms-total"),
                f'{sev_dot(p.ok)}{num(vms["on"], "vms-on")} on · {sev_dot(p.off)}'
                f'{num(vms["off"], "vms-off")} off'
                + (f' · {num(vms["suspended"], "vms-suspended")} susp.'
                   if vms["suspended"] else "")
                + (f' · {num(vms["templates"], "vms-templates")} templates'
                   if vms["templates"] else ""),
                href="/inventory?table=vms", test_id="vms",
                tooltip="Virtual machines (templates not counted)"),
            kpi("Hosts", num(hosts["total"], "hosts-total"),
                f'{num(hosts["connected"], "hosts-connected")} connected'
                + (f' · {num(hosts["maintenance"], "hosts-maintenance")} maint.'
                   if hosts["maintenance"] else "")
                + (f' · {num(hosts["not_connected"], "hosts-down")} down'
                   if hosts["not_connected"] else ""),
                "warning" if hosts["not_connected"] else "", href="/hosts",
                test_id="hosts"),
            kpi("Clusters", num(s["clusters"]["total"], "clusters-total"),
                f'{len(s["per_vcenter"])} vCenter{"s" if len(s["per_vcenter"]) != 1 else ""}',
                href="/inventory?table=clusters", test_id="clusters"),
            kpi("Datastores", self._used_pct(ds),
                f'<span data-bytes="datastores-used" data-value="{ds["used_bytes"]:.0f}">'
                f'{labels.size(ds["used_bytes"])}</span> used · '
                f'<span data-bytes="datastores-free" data-value="{ds["free_bytes"]:.0f}">'
                f'{labels.size(ds["free_bytes"])}</span> free · '
                f'{num(ds["total"], "datastores-total")} datastores',
                self._ds_kind(ds), href="/datastores", test_id="datastores",
                tooltip="Used share of all datastores' capacity"),
            kpi("Snapshots", num(snaps["total"], "snapshots-total"), self._oldest(snaps),
                self._snap_kind(snaps), href="/snapshots", test_id="snapshots"),
            kpi("Triggered alarms", num(s["alarms"]["total"], "alarms-total"),
                f'{sev_dot(p.critical)}{num(s["alarms"]["red"], "alarms-red")} critical · '
                f'{sev_dot(p.warning)}{num(s["alarms"]["yellow"], "alarms-yellow")} warning',
                "critical" if s["alarms"]["red"] else "warning" if s["alarms"]["yellow"]
                else "ok", href="/problems?category=alarm", test_id="alarms",
                tooltip="Alarms vCenter has triggered and not cleared"),
            kpi("Problems", num(probs["total"], "problems-total"),
                " ".join(f'<span class="sev">{sev_dot(severity_color(p, sev))}'
                         f'{num(probs[sev], "problems-" + sev)} {sev}</span>'
                         for sev in ("critical", "warning", "info")),
                "critical" if probs["critical"] else "warning" if probs["warning"]
                else "ok", href="/problems", test_id="problems"),
        ]
        return f'<div class="kpis">{"".join(cards)}</div>'

    @staticmethod
    def _used_pct(ds: dict) -> str:
        if not ds["capacity_bytes"]:
            return "–"
        pct = 100 * ds["used_bytes"] / ds["capacity_bytes"]
        return f'{pct:.0f}<small> % used</small>'

    def _ds_kind(self, ds: dict) -> str:
        if not ds["capacity_bytes"]:
            return "off"
        free = 100 * ds["free_bytes"] / ds["capacity_bytes"]
        cfg = self.ctx.runtime.config
        if free <= cfg.get("problems.datastore_free_critical_pct"):
            return "critical"
        if free < cfg.get("problems.datastore_free_warning_pct"):
            return "warning"
        return "ok"

    @staticmethod
    def _oldest(snaps: dict) -> str:
        old = snaps.get("oldest")
        if not old:
            return "none"
        return (f'oldest <b data-age="{old["age_days"]:.2f}">{labels.age(old["age_days"])}'
                f'</b> · {escape(str(old["vm"]))}')

    def _snap_kind(self, snaps: dict) -> str:
        old = snaps.get("oldest")
        limit = self.ctx.runtime.config.get("problems.snapshot_age_days")
        if old and old["age_days"] > limit:
            return "warning"
        return "ok" if snaps["total"] == 0 else ""


def _list(heads: list[str], rows: list[tuple], nothing: str) -> str:
    """A small table: the first cell is trusted HTML (a link made by object_link),
    the others text; the last column is a number."""
    if not rows:
        return fragments.empty(nothing)
    head = "".join(f"<th>{escape(h)}</th>" for h in heads[:-1]) + \
        f'<th class="num">{escape(heads[-1])}</th>'
    body = "".join(
        "<tr><td>" + first + "</td>"
        + "".join(f'<td class="muted">{escape(str(c))}</td>' for c in middle)
        + f'<td class="num">{escape(str(last))}</td></tr>'
        for first, *middle, last in rows)
    return f'<table class="list"><tr>{head}</tr>{body}</table>'
