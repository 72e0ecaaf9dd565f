"""/snapshots: how old, how many, which VMs -- the age histogram and the worst ones.

Every VM name links to the VM's page (its disks, its snapshots with their sizes).
"""

from __future__ import annotations

from html import escape

import pandas as pd
import panel as pn

from ...tables import TABLES
from .. import labels
from ..charts import Columns
from ..fragments import kpi_grid, empty, html_pane, kpi, num
from ..links import LINK_CSS, link_formatter, object_link
from .base import TABLE_CSS, DownloadButtons, Page, card, column_setup, flex, table

# Columns that may hold a snapshot's size (the table declares one when the
# collector reads it); the "largest" list uses the first present.
SIZE_COLUMNS = (("size_bytes", 1), ("size_mb", 1024 ** 2), ("size_mib", 1024 ** 2),
                ("size_gb", 1024 ** 3), ("size_gib", 1024 ** 3))


class SnapshotsPage(Page):
    slug = "snapshots"
    title = "Snapshots"
    icon = "camera"

    def __init__(self, ctx):
        super().__init__(ctx)
        p = self.palette
        self.cards = html_pane("")
        self.ages = Columns(p, "Snapshot ages", height=280, y_label="snapshots")
        self.oldest = html_pane("", stylesheets=[LINK_CSS])
        self.largest = html_pane("", stylesheets=[LINK_CSS])
        self.largest_card = card(self.largest, title="Largest")
        self.vcenters = pn.widgets.MultiChoice(placeholder="All vCenters", options=[],
                                               width=240, margin=(4, 8, 4, 4))
        self.table = table(page_size=25, header_filters={
            c: {"type": "input", "func": "like", "placeholder": "filter"}
            for c in ("vm", "name", "description")} | {
            "age_days": {"type": "number", "func": ">=", "placeholder": "≥ days"}},
            stylesheets=[TABLE_CSS, LINK_CSS])
        self.table.add_filter(self.vcenters.param.value, "vcenter")
        self.downloads = DownloadButtons(self.table, "snapshots")
        self.layout.objects = [
            self.cards,
            flex(card(self.ages.pane), card(self.oldest, title="Oldest"),
                 self.largest_card, basis="340px"),
            pn.FlexBox(self.vcenters, self.downloads.row, flex_wrap="wrap",
                       align_items="center", sizing_mode="stretch_width", margin=0),
            self.table]

    def update(self, frames) -> None:
        p = self.palette
        limit = self.ctx.runtime.config.get("problems.snapshot_age_days")
        snaps = frames.snapshots
        ages = pd.to_numeric(snaps["age_days"], errors="coerce")
        old = int((ages > limit).sum())
        vms = snaps[["vcenter", "vm"]].drop_duplicates() if len(snaps) else snaps
        oldest = frames.summary["snapshots"]["oldest"]
        size_col, factor = self._size_column(snaps)
        total_size = float(pd.to_numeric(snaps[size_col], errors="coerce").sum()) * factor \
            if size_col else None
        self.cards.object = kpi_grid([
            kpi("Snapshots", num(len(snaps), "snapshots-total"),
                f"on {len(vms):,} VM{'s' if len(vms) != 1 else ''}"),
            kpi(f"Older than {limit:g} days", num(old, "snapshots-old"),
                "delete or consolidate them", "warning" if old else "ok",
                href="/problems?category=snapshot"),
            kpi("Oldest", labels.age(oldest["age_days"]) if oldest else "–",
                escape(f'{oldest["vm"]} · {oldest["name"]}') if oldest else "none",
                "warning" if oldest and oldest["age_days"] > limit else ""),
            kpi("Total size", labels.size(total_size), "of all snapshots")
            if total_size is not None else
            kpi("Longest chain", num(int(pd.to_numeric(snaps["depth"]).max()) + 1
                                     if len(snaps) else 0, "snapshots-chain"),
                escape(self._deepest(snaps)) or "no snapshots"),
        ])
        self.ages.update([{"label": b["label"], "value": b["count"],
                           "color": p.warning if b["low"] >= limit else p.accent}
                          for b in frames.summary["snapshots"]["ages"]])
        self.oldest.object = self._list(snaps.assign(_k=ages).sort_values(
            "_k", ascending=False).head(8), lambda r: labels.age(r["_k"]))
        if size_col:
            sized = snaps.assign(_k=pd.to_numeric(snaps[size_col], errors="coerce")
                                 * factor).sort_values("_k", ascending=False).head(8)
            self.largest.object = self._list(sized, lambda r: labels.size(r["_k"]), "Size")
        else:
            chains = snaps.groupby(["vcenter", "vm", "vm_moid"]).size().sort_values(
                ascending=False).head(8) if len(snaps) else pd.Series(dtype=int)
            rows = "".join(f'<tr><td>{object_link(vm, vc, moid)}</td><td class="muted">'
                           f'{escape(str(vc))}</td><td class="num">{n}</td></tr>'
                           for (vc, vm, moid), n in chains.items())
            self.largest.object = (f'<table class="list"><tr><th>VM</th><th>vCenter</th>'
                                   f'<th class="num">Snapshots</th></tr>{rows}</table>'
                                   if rows else empty("No snapshots"))
        self.largest_card.objects[0].object = (
            '<div class="section-title">Largest</div>' if size_col else
            '<div class="section-title">Most snapshots per VM</div>')
        self.vcenters.options = list(frames.status["vcenter"]) if len(frames.status) else []
        frame = frames.display("snapshots")
        setup = column_setup(frame, TABLES["snapshots"])
        setup["formatters"]["age_days"] = {"type": "money", "precision": 1, "symbol": ""}
        setup["formatters"]["vm"] = link_formatter("vm_moid")
        self.table.param.update(value=frame.sort_values("age_days", ascending=False),
                                hidden_columns=["vm_moid", "moid"], **setup)

    @staticmethod
    def _deepest(snaps) -> str:
        if not len(snaps):
            return ""
        row = snaps.loc[pd.to_numeric(snaps["depth"]).idxmax()]
        return f'{row["vm"]} · {row["vcenter"]}'

    @staticmethod
    def _size_column(snaps) -> tuple[str | None, float]:
        for name, factor in SIZE_COLUMNS:
            if name in snaps.columns:
                return name, factor
        return None, 1

    @staticmethod
    def _list(rows: pd.DataFrame, value, heading: str = "Age") -> str:
        if not len(rows):
            return empty("No snapshots")
        body = "".join(f'<tr><td>{object_link(r["vm"], r["vcenter"], r["vm_moid"], str(r["name"]))}'
                       f'</td><td class="muted">{escape(str(r["vcenter"]))}</td>'
                       f'<td class="num">{escape(value(r))}</td></tr>'
                       for _, r in rows.iterrows())
        return (f'<table class="list"><tr><th>VM</th><th>vCenter</th><th class="num">'
                f'{escape(heading)}</th></tr>{body}</table>')
