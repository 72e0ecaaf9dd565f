"""/problems: what is wrong right now in every vCenter, worst first.

Severity, vCenter and category filters (``?severity=critical&category=alarm``
opens it filtered), the rule's message with its numbers, and downloads.
Each problem's object links to its page (its moid found by type and name in
the same FrameSet).
"""

from __future__ import annotations

import panel as pn

from ...problems import SEVERITIES
from ...problems import TABLE as PROBLEMS
from .. import labels
from ..fragments import kpi_grid, empty, html_pane, kpi, num, sev_dot
from ..links import LINK_CSS, link_formatter
from ..pagedata.objects import with_moids
from ..theme import severity_color
from .base import (TABLE_CSS, DownloadButtons, Page, column_setup, status_formatter,
                   table)

CATEGORY = {"vm": "VM", "vcenter": "vCenter", "tools": "VMware Tools"}
OBJECT_TYPE = {"VirtualMachine": "VM", "HostSystem": "Host",
               "ClusterComputeResource": "Cluster", "Datastore": "Datastore",
               "Datacenter": "Datacenter", "vCenter": "vCenter",
               "DistributedVirtualPortgroup": "Portgroup", "Network": "Network"}


class ProblemsPage(Page):
    slug = "problems"
    title = "Problems"
    icon = "alert"
    query = {"severity": SEVERITIES, "category": ("alarm", "host", "datastore", "snapshot",
                                                  "vm", "tools", "vcenter")}

    def __init__(self, ctx):
        super().__init__(ctx)
        p = self.palette
        args = ctx.args
        wanted = [s for s in args.get("severity", "").split(",") if s in SEVERITIES]
        self.severity = pn.widgets.CheckButtonGroup(
            options={labels.SEVERITY[s]: labels.SEVERITY[s] for s in SEVERITIES},
            value=[labels.SEVERITY[s] for s in (wanted or SEVERITIES)],
            button_type="primary", button_style="outline", margin=(4, 8, 4, 4))
        self.vcenters = pn.widgets.MultiChoice(placeholder="All vCenters", options=[],
                                               width=240, margin=(4, 8, 4, 4))
        self.category = pn.widgets.Select(options=["All categories"], width=190,
                                          margin=(4, 8, 4, 4))
        self._wanted_category = args.get("category", "")
        self.cards = html_pane("")
        self.table = table(page_size=50, header_filters={
            "object": {"type": "input", "func": "like", "placeholder": "filter"},
            "message": {"type": "input", "func": "like", "placeholder": "filter"},
            "object_type": {"type": "input", "func": "like", "placeholder": "filter"}},
            layout="fit_data_stretch", stylesheets=[TABLE_CSS, LINK_CSS])
        self.table.formatters = {"severity": status_formatter(p, {
            labels.SEVERITY[s]: severity_color(p, s) for s in SEVERITIES}),
            "object": link_formatter("object_moid")}
        self.table.add_filter(self.severity.param.value, "severity")
        self.table.add_filter(self.vcenters.param.value, "vcenter")
        self.table.add_filter(pn.bind(self._category_filter, category=self.category.param.value))
        self.downloads = DownloadButtons(self.table, "problems")
        self.empty = html_pane(empty("No problems found",
                                     "Every rule passed in every vCenter that could be "
                                     "read."), visible=False)
        self.layout.objects = [
            self.cards,
            pn.FlexBox(self.severity, self.vcenters, self.category, self.downloads.row,
                       flex_wrap="wrap", align_items="center",
                       sizing_mode="stretch_width", margin=0),
            self.table, self.empty]

    def _category_filter(self, df, category: str = ""):
        # (Tabulator also filters its empty first value, which has no columns.)
        if not category or category == "All categories" or "category" not in df.columns:
            return df
        return df[df["category"] == category]

    def update(self, frames) -> None:
        p = self.palette
        s = frames.summary["problems"]
        cards = [kpi(labels.SEVERITY[sev], num(s[sev], f"problems-{sev}"),
                     {"critical": "act now", "warning": "act soon",
                      "info": "good to know"}[sev],
                     sev if sev != "info" else "", href=f"/problems?severity={sev}",
                     test_id=f"problems-{sev}") for sev in SEVERITIES]
        alarms = frames.summary["alarms"]
        cards.append(kpi("Triggered alarms", num(alarms["total"], "alarms-total"),
                         f'{sev_dot(p.critical)}{alarms["red"]} critical · '
                         f'{sev_dot(p.warning)}{alarms["yellow"]} warning',
                         href="/problems?category=alarm"))
        self.cards.object = kpi_grid(cards)
        names = list(frames.status["vcenter"]) if len(frames.status) else []
        self.vcenters.options = names
        frame = with_moids(frames, frames.display("problems"))
        frame["category"] = frame["category"].map(
            lambda c: CATEGORY.get(c, str(c).capitalize()) if c else c)
        frame["object_type"] = frame["object_type"].map(lambda t: OBJECT_TYPE.get(t, t))
        frame = frame[["severity", *[c for c in frame.columns if c != "severity"]]]
        categories = sorted(c for c in frame["category"].unique() if c)
        wanted = CATEGORY.get(self._wanted_category, self._wanted_category.capitalize())
        self._wanted_category = ""
        current = wanted if wanted in categories else self.category.value
        self.category.options = ["All categories", *categories]
        self.category.value = current if current in self.category.options \
            else "All categories"
        setup = column_setup(frame, PROBLEMS)
        setup["formatters"].update(self.table.formatters)
        self.table.param.update(value=frame, hidden_columns=["rule", "key", "object_moid"],
                                **setup)
        self.table.visible = bool(len(frame))
        self.empty.visible = not len(frame)
