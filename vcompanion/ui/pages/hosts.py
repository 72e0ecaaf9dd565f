"""/hosts: ESXi hosts -- states, versions, CPU and memory usage.

Host names (in the table and the busiest lists) link to the host's page (its
VMs), cluster names to the cluster's (its hosts).
"""

from __future__ import annotations

import pandas as pd
import panel as pn

from ...tables import TABLES
from ..charts import Bars
from ..fragments import kpi_grid, short_host, html_pane, kpi, num, usage_bars
from ..links import LINK_CSS, link_formatter, object_url
from ..pagedata.objects import object_ids
from .base import (TABLE_CSS, DownloadButtons, Page, card, column_setup, flex, percent_bar,
                   status_formatter, table)

COLUMNS = ["vcenter", "name", "cluster", "connection_state", "in_maintenance",
           "cpu_usage_pct", "memory_usage_pct", "vm_count", "version", "build", "vendor",
           "model", "cpu_model", "cpu_cores", "memory_gb", "uptime_hours",
           "overall_status", "config_issues", "alarm_count", "moid", "cluster_moid"]
HIDDEN = ["moid", "cluster_moid"]  # what the name and cluster links point to


class HostsPage(Page):
    slug = "hosts"
    title = "Hosts"
    icon = "server"

    def __init__(self, ctx):
        super().__init__(ctx)
        p = self.palette
        self.cards = html_pane("")
        self.versions = Bars(p, "ESXi versions", height=240, x_max=None, x_label="hosts",
                             tooltips=[("", "@label"), ("hosts", "@value{0,0}")])
        self.cpu = html_pane("", stylesheets=[LINK_CSS])
        self.memory = html_pane("", stylesheets=[LINK_CSS])
        self.vcenters = pn.widgets.MultiChoice(placeholder="All vCenters", options=[],
                                               width=240, margin=(4, 8, 4, 4))
        self.table = table(page_size=25, header_filters={
            c: {"type": "input", "func": "like", "placeholder": "filter"}
            for c in ("name", "cluster", "version", "connection_state", "model")},
            stylesheets=[TABLE_CSS, LINK_CSS])
        self.table.add_filter(self.vcenters.param.value, "vcenter")
        self.downloads = DownloadButtons(self.table, "hosts")
        self.layout.objects = [
            self.cards,
            flex(card(self.versions.pane), card(self.cpu, title="Busiest CPU"),
                 card(self.memory, title="Busiest memory"), basis="320px"),
            pn.FlexBox(self.vcenters, self.downloads.row, flex_wrap="wrap",
                       align_items="center", sizing_mode="stretch_width", margin=0),
            self.table]

    def update(self, frames) -> None:
        p = self.palette
        hosts = frames.hosts
        s = frames.summary["hosts"]
        cpu = pd.to_numeric(hosts["cpu_usage_pct"], errors="coerce")
        mem = pd.to_numeric(hosts["memory_usage_pct"], errors="coerce")
        clusters = len(hosts["cluster"].dropna().unique()) if len(hosts) else 0
        self.cards.object = kpi_grid([
            kpi("Hosts", num(s["total"], "hosts-total"),
                f'{num(s["connected"], "hosts-connected")} connected · {clusters} '
                f'cluster{"s" if clusters != 1 else ""}',
                "ok" if s["connected"] == s["total"] else ""),
            kpi("In maintenance", num(s["maintenance"], "hosts-maintenance"),
                "running no VMs", "warning" if s["maintenance"] else ""),
            kpi("Not connected", num(s["not_connected"], "hosts-down"),
                "disconnected or not responding",
                "critical" if s["not_connected"] else "ok"),
            kpi("Average usage", f'{cpu.mean():.0f}<small> % CPU</small>'
                if cpu.notna().any() else "–",
                f'memory {mem.mean():.0f} % · busiest CPU {cpu.max():.0f} %'
                if cpu.notna().any() and mem.notna().any() else ""),
        ])
        versions = hosts.assign(v=hosts["version"].fillna("unknown")).groupby("v").size() \
            .sort_values(ascending=False) if len(hosts) else pd.Series(dtype=int)
        self.versions.update([{"label": f"ESXi {v}", "value": int(n), "color": c,
                               "text": f"{int(n)} hosts"}
                              for (v, n), c in zip(versions.head(8).items(),
                                                   p.series * 2)])
        self.cpu.object = self._top(hosts, "cpu_usage_pct", "cpu_usage_mhz",
                                    "cpu_capacity_mhz", "MHz")
        self.memory.object = self._top(hosts, "memory_usage_pct", "memory_usage_gb",
                                       "memory_gb", "GiB")
        self.vcenters.options = list(frames.status["vcenter"]) if len(frames.status) else []
        display = frames.display("hosts")
        clusters = object_ids(frames)
        frame = display.assign(cluster_moid=[
            clusters.get((vc, "cluster"), {}).get(name, "")
            for vc, name in zip(display["vcenter"], display["cluster"])])[COLUMNS]
        setup = column_setup(frame, TABLES["hosts"])
        setup["formatters"].update({
            "cpu_usage_pct": percent_bar(p), "memory_usage_pct": percent_bar(p),
            "connection_state": status_formatter(p, {"Connected": p.ok,
                                                     "Disconnected": p.critical,
                                                     "Not responding": p.critical}),
            "overall_status": status_formatter(p, {"Normal": p.ok, "Warning": p.warning,
                                                   "Critical": p.critical}),
            "name": link_formatter("moid"), "cluster": link_formatter("cluster_moid")})
        setup["widths"] = {"cpu_usage_pct": 130, "memory_usage_pct": 130}
        self.table.param.update(value=frame, hidden_columns=HIDDEN, **setup)

    def _top(self, hosts, pct, used, total, unit) -> str:
        if not len(hosts):
            return usage_bars([], self.palette)
        top = hosts.assign(_p=pd.to_numeric(hosts[pct], errors="coerce")) \
            .dropna(subset=["_p"]).sort_values("_p", ascending=False).head(6)
        rows = [(short_host(r["name"]), r["_p"], f"{r['_p']:.0f} %",
                 object_url(r["vcenter"], r["moid"])) for _, r in top.iterrows()]
        return usage_bars(rows, self.palette)


