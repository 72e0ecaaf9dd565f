"""/datastores: capacity, free space and overcommitment of every datastore.

Datastore names link to the datastore's page (its VMs and hosts).
"""

from __future__ import annotations

import pandas as pd
import panel as pn

from ...tables import TABLES
from .. import labels
from ..charts import Bars, StackedBars
from ..fragments import kpi_grid, html_pane, kpi, num
from ..links import LINK_CSS, link_formatter
from .base import (TABLE_CSS, DownloadButtons, Page, card, column_setup, flex, percent_bar,
                   status_formatter, table)

COLUMNS = ["vcenter", "name", "used_pct", "free_pct", "capacity_bytes", "free_bytes",
           "used_bytes", "provisioned_bytes", "provisioned_pct", "type", "accessible",
           "maintenance_mode", "host_count", "vm_count", "datacenter", "overall_status",
           "url", "moid"]


class DatastoresPage(Page):
    slug = "datastores"
    title = "Datastores"
    icon = "database"

    def __init__(self, ctx):
        super().__init__(ctx)
        p = self.palette
        self.cards = html_pane("")
        self.fullest = Bars(p, "Fullest datastores (used %)", height=300, x_max=100,
                            x_label="used %")
        self.capacity = StackedBars(p, "Capacity per vCenter (TiB)", [
            ("used", "Used", p.accent), ("free", "Free", p.off)], height=300,
            counts=False)
        self.vcenters = pn.widgets.MultiChoice(placeholder="All vCenters", options=[],
                                               width=240, margin=(4, 8, 4, 4))
        self.table = table(page_size=25, header_filters={
            "name": {"type": "input", "func": "like", "placeholder": "filter"},
            "type": {"type": "input", "func": "like", "placeholder": "filter"},
            "free_pct": {"type": "number", "func": "<=", "placeholder": "≤"}},
            stylesheets=[TABLE_CSS, LINK_CSS])
        self.table.add_filter(self.vcenters.param.value, "vcenter")
        self.downloads = DownloadButtons(self.table, "datastores")
        self.layout.objects = [
            self.cards, flex(card(self.fullest.pane), card(self.capacity.pane)),
            pn.FlexBox(self.vcenters, self.downloads.row, flex_wrap="wrap",
                       align_items="center", sizing_mode="stretch_width", margin=0),
            self.table]

    def update(self, frames) -> None:
        p = self.palette
        cfg = self.ctx.runtime.config
        warn_free = cfg.get("problems.datastore_free_warning_pct")
        crit_free = cfg.get("problems.datastore_free_critical_pct")
        ds = frames.datastores
        s = frames.summary["datastores"]
        free_pct = pd.to_numeric(ds["free_pct"], errors="coerce")
        low = int((free_pct < warn_free).sum())
        critical = int((free_pct <= crit_free).sum())
        provisioned = float(pd.to_numeric(ds["provisioned_bytes"], errors="coerce").sum())
        cap = s["capacity_bytes"]
        self.cards.object = kpi_grid([
            kpi("Datastores", num(s["total"], "datastores-total"),
                f'{int((~ds["accessible"].fillna(True).astype(bool)).sum())} '
                "inaccessible"),
            kpi("Capacity", labels.size(cap), "all datastores"),
            kpi("Used", labels.size(s["used_bytes"]),
                f'{100 * s["used_bytes"] / cap:.0f} % of capacity' if cap else ""),
            kpi("Free", labels.size(s["free_bytes"]),
                f'{100 * s["free_bytes"] / cap:.0f} % of capacity' if cap else "",
                "ok" if cap and s["free_bytes"] / cap > warn_free / 100 else "warning"),
            kpi("Provisioned", labels.size(provisioned),
                f'{100 * provisioned / cap:.0f} % of capacity' if cap else "",
                "warning" if cap and provisioned > cap else ""),
            kpi("Low on space", num(low, "datastores-low"),
                f"{critical} critical (≤ {crit_free:g} % free)",
                "critical" if critical else "warning" if low else "ok",
                href="/problems?category=datastore"),
        ])
        self.fullest.update([
            {"label": f'{d["name"]} · {d["vcenter"]}', "value": d["used_pct"],
             "color": p.critical if 100 - d["used_pct"] <= crit_free else p.warning
             if 100 - d["used_pct"] < warn_free else p.accent,
             "text": f'{d["used_pct"]:.1f} % used',
             "detail": f'{labels.size(d["free_bytes"])} free of '
                       f'{labels.size(d["capacity_bytes"])}'}
            for d in frames.summary["top_datastores"]])
        per = frames.summary["capacity_per_vcenter"]
        self.capacity.update([c["vcenter"] for c in per],
                             {"used": [c["used_bytes"] / 1024 ** 4 for c in per],
                              "free": [c["free_bytes"] / 1024 ** 4 for c in per]})
        self.vcenters.options = list(frames.status["vcenter"]) if len(frames.status) else []
        frame = frames.display("datastores").assign(
            used_pct=lambda f: 100 - f["free_pct"])[COLUMNS]
        setup = column_setup(frame, TABLES["datastores"])
        setup["titles"]["used_pct"] = "Used %"
        setup["header_tooltips"]["used_pct"] = "Space in use as a share of capacity."
        warn, crit = 100 - warn_free, 100 - crit_free
        setup["formatters"].update({
            "used_pct": {**percent_bar(p), "color": _threshold_colors(p, warn, crit)},
            "accessible": status_formatter(p, {"Yes": p.ok, "No": p.critical}),
            "overall_status": status_formatter(p, {"Normal": p.ok, "Warning": p.warning,
                                                   "Critical": p.critical}),
            "name": link_formatter("moid")})
        setup["widths"] = {"used_pct": 140}
        self.table.param.update(value=frame.sort_values("used_pct", ascending=False),
                                hidden_columns=["moid"], **setup)


def _threshold_colors(p, warn: float, crit: float) -> list[str]:
    """100 colours for Tabulator's progress bar: ok below warn, then warning, critical."""
    return [p.critical if i >= crit else p.warning if i > warn else p.ok
            for i in range(100)]
