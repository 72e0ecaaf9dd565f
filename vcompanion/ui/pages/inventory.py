"""/inventory: every VM, host, cluster, datastore or network of every vCenter.

One Tabulator with remote pagination (only the visible page travels to the
browser), header filters, a vCenter filter, a quick filter over every text
column, a column chooser, and CSV / Excel downloads of exactly the rows the
filters leave.  ``?table=hosts&vcenter=prod&q=esx`` opens it that way.

"As of…" swaps the table for the history's (``asof.py``): VMs, hosts,
clusters, datastores and networks as they were at a chosen time, with a
banner saying so and a way back to now (``?as_of=2025-03-01T06:00``).
"""

from __future__ import annotations

import pandas as pd
import panel as pn

from ...history.tracked import TRACKED
from ...tables import TABLES
from .. import labels
from ..fragments import html_pane
from ..links import LINK_CSS, link_formatter
from .asof import AsOf
from .base import TABLE_CSS, DownloadButtons, Page, column_setup, table

KINDS = {"VMs": "vms", "Hosts": "hosts", "Clusters": "clusters",
         "Datastores": "datastores", "Networks": "networks", "VM NICs": "nics",
         "CD/DVD drives": "cdroms"}
# The column linking each row to an object page, and the row's moid column.
LINKS = {"vms": ("name", "moid"), "hosts": ("name", "moid"), "clusters": ("name", "moid"),
         "datastores": ("name", "moid"), "networks": ("name", "moid"),
         "nics": ("vm", "vm_moid"), "cdroms": ("vm", "vm_moid")}
NOUN = {"vms": ("VM", "VMs"), "hosts": ("host", "hosts"), "clusters": ("cluster", "clusters"),
        "datastores": ("datastore", "datastores"), "networks": ("network", "networks"),
        "nics": ("adapter", "adapters"), "cdroms": ("drive", "drives")}


def header_filters(frame: pd.DataFrame) -> dict:
    """Text columns filter by substring, numbers by minimum; times are not filtered."""
    filters = {}
    for name in frame.columns:
        kind = frame[name].dtype.kind
        if kind == "f" or kind == "i":
            filters[name] = {"type": "number", "func": ">=", "placeholder": "≥"}
        elif kind == "O":
            filters[name] = {"type": "input", "func": "like", "placeholder": "filter"}
    return filters


def haystack(frames, name: str) -> pd.Series:
    """Every text cell of a row, lowercased and joined: the quick filter's target."""
    key = f"{name}:haystack"
    found = frames.cache.get(key)
    if found is None:
        frame = frames.display(name)
        text = [frame[c].astype(str) for c in frame.columns if frame[c].dtype.kind == "O"]
        found = text[0].str.cat(text[1:], sep="\u241f").str.lower() if text else \
            pd.Series("", index=frame.index)
        frames.cache[key] = found
    return found


class InventoryPage(Page):
    slug = "inventory"
    title = "Inventory"
    icon = "table"
    query = {"table": tuple(KINDS.values()), "vcenter": None, "q": None}

    def __init__(self, ctx):
        super().__init__(ctx)
        # Before the filters below: Tabulator applies them as they are added
        # (?q= gives the quick filter a value at once).
        self.frames = None
        args = ctx.args
        kind = args.get("table", "vms")
        self.kind = pn.widgets.RadioButtonGroup(
            options=KINDS, value=kind if kind in KINDS.values() else "vms",
            button_type="primary", button_style="outline", margin=(4, 8, 4, 4))
        self.vcenters = pn.widgets.MultiChoice(
            name="", placeholder="All vCenters", options=[], width=240,
            value=[v for v in args.get("vcenter", "").split(",") if v],
            margin=(4, 8, 4, 4))
        self.quick = pn.widgets.TextInput(placeholder="Filter every column…",
                                          value=args.get("q", ""), width=260,
                                          margin=(4, 8, 4, 4))
        self.columns = pn.widgets.MultiChoice(name="Columns shown", options=[],
                                              sizing_mode="stretch_width",
                                              margin=(4, 8), visible=False)
        self.choose = pn.widgets.Toggle(name="Columns…", button_type="default",
                                        button_style="outline", width=100,
                                        margin=(4, 4))
        self.choose.param.watch(lambda e: setattr(self.columns, "visible", e.new),
                                "value")
        self.count = html_pane("", margin=(8, 8, 0, 4))
        self.table = table(page_size=25, header_filters={}, frozen_columns=[],
                           sortable=True, stylesheets=[TABLE_CSS, LINK_CSS])
        self.downloads = DownloadButtons(self.table, self.kind.value)
        self.table.add_filter(self.vcenters.param.value, "vcenter")
        self.table.add_filter(pn.bind(self._quick_filter, query=self.quick.param.value_input))
        self.as_of = AsOf(ctx, self._as_of_changed)
        self.kind.param.watch(self._kind_changed, "value")
        self.columns.param.watch(self._columns_changed, "value")
        for widget in (self.vcenters, self.quick):
            widget.param.watch(self._count_changed, "value")
        self.quick.param.watch(self._count_changed, "value_input")
        self.table.param.watch(self._count_changed, "filters")
        self.layout.objects = [
            pn.FlexBox(self.kind, self.vcenters, self.quick, self.as_of.control,
                       pn.Row(self.choose, *self.downloads.row.objects, margin=0),
                       flex_wrap="wrap", align_items="center",
                       sizing_mode="stretch_width", margin=0),
            self.as_of.banner, self.columns, self.count, self.table]

    # --- data ---------------------------------------------------------------------

    def update(self, frames) -> None:
        self.frames = frames
        names = list(frames.status["vcenter"]) if len(frames.status) else []
        self.vcenters.options = names
        self.vcenters.value = [v for v in self.vcenters.value if v in names]
        self.as_of.update(frames)
        self._load(keep_columns=True)

    def _load(self, keep_columns: bool) -> None:
        name = self.kind.value
        decl = TABLES[name]
        self.as_of.sync(name)
        frame = self.frames.display(name)
        if self.as_of.active and self.as_of.offers(name):
            past = self.as_of.frame(name)
            if past is None:
                self.as_of.load(name)  # drawn when read (_as_of_changed)
                past = frame.iloc[0:0][[c for c in frame.columns if c in set(
                    TRACKED[name].shown.names)]]
            frame = past
        setup = column_setup(frame, decl)
        if name in LINKS:
            column, moid = LINKS[name]
            setup["formatters"][column] = link_formatter(moid)
        chosen = self.columns.value if keep_columns and self.columns.value and \
            set(self.columns.value) <= set(frame.columns) else \
            [c for c in decl.brief_names if c in frame.columns]
        if "vcenter" not in chosen:
            chosen = ["vcenter", *chosen]
        options = {setup["titles"][c]: c for c in frame.columns}
        with pn.io.hold():
            self.columns.param.update(options=options, value=list(chosen))
            self.table.param.update(
                value=frame, hidden_columns=[c for c in frame.columns if c not in chosen],
                header_filters=header_filters(frame), **setup)
        self.downloads.stem = name
        self._count_changed()

    def _quick_filter(self, df: pd.DataFrame, query: str = "") -> pd.DataFrame:
        query = (query or "").strip().lower()
        if not query or self.frames is None:
            return df
        name = self.kind.value
        hay = self.as_of.haystack(name) if self.as_of.active and \
            self.as_of.frame(name) is not None else haystack(self.frames, name)
        mask = hay.reindex(df.index).str.contains(query, regex=False).fillna(False)
        return df[mask.to_numpy(dtype=bool)]

    # --- events -------------------------------------------------------------------

    def _kind_changed(self, event) -> None:
        if self.frames is not None:
            self.table.filters = []
            self._load(keep_columns=False)
        pn.state.location.update_query(table=event.new)

    def _as_of_changed(self) -> None:
        """An as-of read arrived, or the view went back to now."""
        if self.frames is not None:
            self.table.filters = []
            self._load(keep_columns=True)

    def _columns_changed(self, event) -> None:
        frame = self.table.value
        if frame is None:
            return
        self.table.hidden_columns = [c for c in frame.columns if c not in event.new]

    def _count_changed(self, *events) -> None:
        if self.frames is None:
            return
        shown = len(self.table.current_view)
        total = len(self.table.value) if self.table.value is not None else 0
        one, many = NOUN[self.kind.value]
        text = (f"{total:,} {many}" if shown == total else
                f"{shown:,} of {total:,} {many} match the filters")
        when = f"read {labels.ago(self.frames.refreshed_at)}"
        if self.as_of.active and self.as_of.offers(self.kind.value):
            when = f"as of {labels.utc_text(self.as_of.when)}"
        self.count.object = (f'<div class="status-line" data-rows="{shown}">{text} · '
                             f'{when}</div>')
