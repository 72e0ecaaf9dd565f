"""/capacity: where datastores and clusters are heading, and when they are full.

The history's forecasts (docs/history.md, Forecasts): per datastore (space)
and cluster (CPU, memory) the days until full as a range, days_low (at the
fastest plausible growth) to days_high (at the slowest), and a status.  The
"full within N days" table (N selectable, or every row) names each one,
linked to its object page; a click on a row draws its trend: the daily
peaks of use against the capacity over the forecast window, and the
forecast range from today to the "full" dates.

``/capacity?vcenter=prod&name=PRD-VMFS-05`` selects one (``metric``: cpu or
memory for a cluster; ``kind``, ``within``).  Read through ``HistoryReader``
(only the vCenters this page may show), in the background.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html import escape

import pandas as pd
import panel as pn

from ...history.forecast import METRICS
from .. import labels
from ..background import Background
from ..fragments import html_pane, info_banner, kpi, kpi_grid, num
from ..links import LINK_CSS, link_formatter
from ..timecharts import CapacityTrend
from .base import (TABLE_CSS, DownloadButtons, HistoryPage, card, column_setup, fill,
                   spinner_box, status_formatter, table)

KINDS = {"Datastores": "datastore", "Clusters": "cluster"}
# The row whose trend is drawn, in the page's colours (both themes).
SELECTED_CSS = """
.tabulator-row.tabulator-selected, .tabulator-row.tabulator-selected.tabulator-row-even {
  background: color-mix(in srgb, var(--vc-accent) 24%, var(--vc-surface)) !important;
  color: var(--vc-text) !important; }
.tabulator-row.tabulator-selected a.obj { color: var(--vc-accent) !important; }
.tabulator-row { cursor: pointer; }
"""
HIDDEN = ["moid", "key", "days_of_data"]  # (the window in the chart)
# Every title fits (with its sort arrow) and the clusters' table fits 1366 px;
# a datastore's resource is always its space (that column hidden).
WIDTHS = {"vcenter": 100, "name": 145, "metric": 110, "status": 120, "full_in": 110,
          "full_by": 95, "used_pct": 95, "used_text": 95, "capacity_text": 115,
          "growth_text": 100}
WITHIN = {"7 days": 7, "30 days": 30, "90 days": 90, "180 days": 180, "1 year": 365,
          "Any time": 0}
STATUS_WORD = {"full": "Full", "growing": "Growing", "stable": "Stable",
               "insufficient data": "Not enough data"}
METRIC_WORD = {"space": "Space", "cpu": "CPU", "memory": "Memory"}
COLUMNS = ["vcenter", "name", "metric", "status", "full_in", "full_by", "used_pct",
           "used_text", "capacity_text", "growth_text", "days_of_data", "moid", "key"]
# The table before the first read: its columns, and a number where numbers go
# (the formats follow the types: column_setup).
EMPTY = pd.DataFrame({c: pd.Series(dtype="float64" if c == "used_pct" else object)
                      for c in COLUMNS})
TITLES = {"vcenter": "vCenter", "name": "Name", "metric": "Resource", "status": "Status",
          "full_in": "Full in", "full_by": "Full by", "used_pct": "Used %",
          "used_text": "Used", "capacity_text": "Capacity", "growth_text": "Per day",
          "days_of_data": "Days of data"}
TIPS = {"full_in": "days_low – days_high: at the fastest and at the slowest growth the "
                   "data makes plausible (90 % confidence).",
        "full_by": "The day it is full at the fastest plausible growth (the earliest).",
        "used_text": "The latest daily peak of use.",
        "growth_text": "Growth per day (the median trend).",
        "days_of_data": "Days since the window start (a step change restarts it)."}


def scale_of(kind: str, metric: str, capacity: float) -> tuple[float, str]:
    """(divisor, unit) to show a series in."""
    if metric == "space":
        return (1024 ** 4, "TiB") if capacity >= 2 * 1024 ** 4 else (1024 ** 3, "GiB")
    if metric == "cpu":
        return 1000.0, "GHz"
    return (1024.0, "TiB") if capacity >= 2048 else (1.0, "GiB")


def growth_text(metric: str, growth) -> str:
    """Growth per day in a unit that shows it (sizes adapt, CPU in MHz or GHz)."""
    if growth is None or pd.isna(growth):
        return ""
    sign = "+" if growth >= 0 else "−"
    if metric in ("space", "memory"):
        return sign + labels.size(abs(growth) * (1 if metric == "space" else 1024 ** 3))
    return f"{sign}{abs(growth):,.0f} MHz" if abs(growth) < 1000 else \
        f"{sign}{abs(growth) / 1000:,.1f} GHz"


def full_in(status: str, low, high) -> str:
    if status == "full":
        return "full now"
    if low is None or pd.isna(low):
        return "no growth" if status == "stable" else "–"
    low_text = "< 1" if low < 1 else f"{low:,.0f}"
    if status == "stable":
        return f"not before {low_text} days"
    if high is None or pd.isna(high):
        return f"{low_text}+ days"
    high_text = "< 1" if high < 1 else f"{high:,.0f}"
    return f"{low_text} days" if low_text == high_text else f"{low_text}–{high_text} days"


def rows_of(forecasts: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """The forecasts for the table: words, sizes, sorted soonest first."""
    out = []
    for r in forecasts.to_dict("records"):
        scale, unit = scale_of(r["kind"], r["metric"], r["capacity"] or 0)
        used, cap, growth = (r[k] if r[k] is not pd.NA else None
                             for k in ("used", "capacity", "growth_per_day"))
        low = r["days_low"] if r["days_low"] is not pd.NA else None
        high = r["days_high"] if r["days_high"] is not pd.NA else None
        out.append({
            "vcenter": r["vcenter"], "name": r["name"] or "", "kind": r["kind"],
            "metric": METRIC_WORD.get(r["metric"], r["metric"]), "metric_key": r["metric"],
            "status": STATUS_WORD.get(r["status"], r["status"]), "status_key": r["status"],
            "full_in": full_in(r["status"], low, high),
            "full_by": (now + timedelta(days=float(low))).strftime("%Y-%m-%d")
            if low is not None and r["status"] in ("growing", "full") else "",
            "used_pct": round(100 * used / cap, 1) if used is not None and cap else None,
            "used_text": f"{used / scale:,.1f} {unit}" if used is not None else "",
            "capacity_text": f"{cap / scale:,.1f} {unit}" if cap is not None else "",
            "growth_text": growth_text(r["metric"], growth),
            "days_of_data": r["days_of_data"], "days_low": low, "days_high": high,
            "used": used, "capacity": cap, "window_start": r["window_start"],
            "moid": r["moid"], "key": f'{r["vcenter"]}|{r["moid"]}|{r["metric"]}'})
    frame = pd.DataFrame(out, columns=[*COLUMNS, "kind", "metric_key", "status_key",
                                       "days_low", "days_high", "used", "capacity",
                                       "window_start"])
    order = frame["status_key"].map({"full": 0}).fillna(1)
    return frame.assign(_o=order, _d=frame["days_low"].astype("float64")).sort_values(
        ["_o", "_d", "vcenter", "name"], na_position="last", kind="stable").drop(
        columns=["_o", "_d"]).reset_index(drop=True)


def trend(capacity: pd.DataFrame, kind: str, metric: str, moid: str) -> tuple:
    """(days, daily peak use, capacity) of one series, as the forecast reads them."""
    spec = next(m for m in METRICS[kind] if m[0] == metric)
    _, (base, base_side, minus, minus_side), cap_metric, _ = spec
    mine = capacity[capacity["moid"] == moid]
    if not len(mine):
        return [], [], []
    wide = mine.pivot_table(index="time", columns="metric", values=["low", "high"],
                            aggfunc="first")
    need = [(base_side, base), ("low", cap_metric)] + ([(minus_side, minus)] if minus else [])
    if any(c not in wide.columns for c in need):
        return [], [], []
    demand = wide[(base_side, base)] - (wide[(minus_side, minus)] if minus else 0)
    both = pd.DataFrame({"used": demand, "cap": wide[("low", cap_metric)]}).dropna()
    if minus and ("low", base) in wide.columns:
        # A day the capacity changed (a datastore grown): the day's highest
        # capacity less its lowest free space mixes before and after, so its
        # "peak" is no use.  Left out (the forecast's window starts after it).
        moved = (wide[("high", base)] != wide[("low", base)]).reindex(both.index)
        both = both[~moved.fillna(False).astype(bool)]
    return ([t.to_pydatetime() for t in both.index], both["used"].astype(float).tolist(),
            both["cap"].astype(float).tolist())


class CapacityPage(HistoryPage):
    slug = "capacity"
    title = "Capacity"
    icon = "trend"
    query = {"kind": None, "vcenter": None, "name": None, "metric": None, "within": None}

    history_off = ": forecasts come from the recorded capacity."

    def __init__(self, ctx):
        super().__init__(ctx)
        args = ctx.args
        self.wanted = (args.get("vcenter", ""), args.get("name", ""), args.get("metric", ""))
        kind = args.get("kind", "")
        common = {"margin": (4, 8, 4, 4)}
        self.kind = pn.widgets.RadioButtonGroup(
            options=KINDS, value=kind if kind in KINDS.values() else "datastore",
            button_type="primary", button_style="outline", **common)
        within = args.get("within", "")
        self.within = pn.widgets.Select(
            name="", options=WITHIN, width=130, **common,
            value=int(within) if within.isdigit() and int(within) in WITHIN.values()
            else 0 if self.wanted[1] else 30)  # (a link to one: every one, it too)
        self.vcenters = pn.widgets.MultiChoice(placeholder="All vCenters", options=[],
                                               width=220, **common)
        self.spinner = spinner_box()
        self.cards = html_pane("")
        self.chart = CapacityTrend(self.palette)
        self.count = html_pane("", margin=(8, 8, 0, 4))
        self.problem = html_pane("")  # (emptied to hide it: see spinner_box)
        # (made with its columns: it is filled after a read, see fill)
        self.table = table(EMPTY.copy(), page_size=12, sortable=True, selectable=1,
                           stylesheets=[TABLE_CSS, LINK_CSS, SELECTED_CSS],
                           header_filters=False, layout="fit_columns",
                           hidden_columns=self._hidden(), **self._setup())
        self.downloads = DownloadButtons(self.table, "capacity")
        self.background = Background(self._busy)
        self.selected = ""  # key of the row drawn
        for widget in (self.kind, self.within, self.vcenters):
            widget.param.watch(self._filters_changed, "value")
        self.table.on_click(self._clicked)
        self.layout.objects = [
            self.problem, self.cards,
            pn.FlexBox(self.kind, self.vcenters,
                       pn.Row(html_pane('<div class="status-line">Full within</div>',
                                        margin=(10, 0, 0, 4), sizing_mode="fixed",
                                        width=80), self.within, margin=0),
                       self.spinner, flex_wrap="wrap", align_items="center",
                       sizing_mode="stretch_width", margin=0),
            card(self.chart.pane),
            pn.Row(self.count, self.downloads.row, sizing_mode="stretch_width", margin=0),
            self.table]

    # --- data -----------------------------------------------------------------------

    def _load(self) -> None:
        reader = self.reader
        if reader is None:
            return

        def read():
            return reader.newest(), reader.forecasts()

        self.background.run(read, self._loaded, self._failed, name="forecasts")

    def _loaded(self, result) -> None:
        newest, forecasts = result
        self.loaded_mark = newest
        self.rows = rows_of(forecasts, datetime.now(timezone.utc))
        self.problem.object = ""
        if newest is None:
            self._say("No recording yet", "Forecasts need a few days of recordings "
                      "(docs/history.md, Who records).")
        self._apply_wanted()
        self._draw()

    def _failed(self, exc: Exception) -> None:
        self._say("The history could not be read", str(exc))

    def _say(self, title: str, text: str) -> None:
        self.problem.object = info_banner(f"<b>{escape(title)}.</b> {escape(text)}",
                                          "warning")

    # --- drawing --------------------------------------------------------------------

    def _mine(self) -> pd.DataFrame:
        rows = self.rows
        rows = rows[rows["kind"] == self.kind.value]
        if self.vcenters.value:
            rows = rows[rows["vcenter"].isin(self.vcenters.value)]
        return rows

    def _shown(self) -> pd.DataFrame:
        rows = self._mine()
        within = self.within.value
        if within:
            soon = (rows["days_low"].astype("float64") <= within) | \
                (rows["status_key"] == "full")
            rows = rows[soon.fillna(False).to_numpy(dtype=bool)]
        return rows

    def _draw(self) -> None:
        if self.rows is None:
            return
        mine, shown = self._mine(), self._shown()
        noun = "datastores" if self.kind.value == "datastore" else "cluster resources"
        counts = mine["status_key"].value_counts()
        within = self.within.value
        horizon = within or 365
        soon = (mine["days_low"].astype("float64") <= horizon).fillna(False) | \
            (mine["status_key"] == "full")
        soon = int(soon.sum())
        self.cards.object = kpi_grid([
            kpi(f"Full within {horizon} days", num(soon, "capacity-soon"), noun,
                "critical" if soon else "ok"),
            kpi("Growing", num(int(counts.get("growing", 0)), "capacity-growing"),
                "growth is significant", "warning" if counts.get("growing", 0) else ""),
            kpi("Stable", num(int(counts.get("stable", 0)), "capacity-stable"),
                "no significant growth", "ok"),
            kpi("Not enough data", num(int(counts.get("insufficient data", 0)),
                                       "capacity-insufficient"),
                "too few days since the window start")])
        frame = shown[COLUMNS].reset_index(drop=True)
        with pn.io.hold():
            fill(self.table, frame, hidden_columns=self._hidden())
        what = "within " + f"{within} days" if within else "in all"
        hint = "click a row for its trend" if len(frame) or not len(mine) else \
            "the chart shows the soonest of all; Any time lists every one"
        self.count.object = (f'<div class="status-line" data-rows="{len(frame)}">'
                             f'{len(frame):,} of {len(mine):,} {noun} {escape(what)} · '
                             f'{hint}</div>')
        self._select(self._initial(shown, mine))

    def _setup(self) -> dict:
        """The table's titles, tooltips, widths and formatters: set once, whatever
        the rows hold (fill)."""
        p = self.palette
        setup = column_setup(EMPTY, None, TITLES)
        setup["header_tooltips"].update(TIPS)
        setup["widths"] = WIDTHS
        setup["formatters"].update({
            "name": link_formatter("moid"),
            "status": status_formatter(p, {"Full": p.critical, "Growing": p.warning,
                                           "Stable": p.ok, "Not enough data": p.off})})
        return setup

    def _hidden(self) -> list[str]:
        # a datastore's resource is always its space
        return HIDDEN + (["metric"] if self.kind.value == "datastore" else [])

    def _initial(self, shown: pd.DataFrame, mine: pd.DataFrame) -> str:
        """The row to draw: the one chosen (URL or click), else the soonest."""
        if self.selected and self.selected in set(mine["key"]):
            return self.selected
        pool = shown if len(shown) else mine
        return str(pool.iloc[0]["key"]) if len(pool) else ""

    def _apply_wanted(self) -> None:
        """The row the URL names: its kind, and every row listed if it would not be."""
        vcenter, name, metric = self.wanted
        self.wanted = ("", "", "")
        if not (vcenter and name):
            return
        hit = self.rows[(self.rows["vcenter"] == vcenter) & (self.rows["name"] == name)]
        if metric:
            hit = hit[hit["metric_key"] == metric]
        if not len(hit):
            return
        row = hit.iloc[0]
        self.selected = str(row["key"])
        self._quiet = True
        try:
            self.kind.value = row["kind"]
            low = row["days_low"]
            if self.within.value and row["status_key"] != "full" and (
                    low is None or pd.isna(low) or low > self.within.value):
                self.within.value = 0  # list every one, this one too
        finally:
            self._quiet = False

    def _select(self, key: str) -> None:
        self.selected = key
        if not key:
            self.chart.update("Nothing to show", [], [], [], "", 1.0, None)
            return
        row = self.rows[self.rows["key"] == key].iloc[0]
        shown = self.table.value
        where = shown.index[shown["key"] == key].tolist() if shown is not None and \
            len(shown) else []
        if where:  # its page of the table, the row highlighted
            position = shown.index.get_loc(where[0])
            self.table.page = position // self.table.page_size + 1
        self.table.selection = where[:1]
        reader = self.reader
        days = int(self.ctx.data.config.get("history.forecast_window_days"))
        kind = row["kind"]

        def read():
            return reader.capacity(f"{kind}s", since=f"{days}d", vcenter=row["vcenter"],
                                   resolution="day")

        self.background.run(read, lambda frame: self._draw_trend(row, frame),
                            self._failed, name="capacity")

    def _draw_trend(self, row, frame: pd.DataFrame) -> None:
        days, used, capacity = trend(frame, row["kind"], row["metric_key"], row["moid"])
        scale, unit = scale_of(row["kind"], row["metric_key"],
                               row["capacity"] or (capacity[-1] if capacity else 0))
        title = (f'{row["name"]} · {row["vcenter"]} · {row["metric"].lower()}: '
                 f'{row["status"].lower()}')
        if row["full_in"] not in ("–", "no growth"):
            title += f' ({row["full_in"]})'
        forecast = None
        if row["status_key"] in ("growing", "stable", "full") and row["used"] is not None:
            forecast = {"used": row["used"], "capacity": row["capacity"],
                        "days_low": row["days_low"], "days_high": row["days_high"]}
        start = row["window_start"]
        first = days[0] if days else None
        self.chart.update(title, days, used, capacity, unit, scale, forecast,
                          start if pd.notna(start) and first is not None
                          and pd.Timestamp(start) > pd.Timestamp(first) else None,
                          now=datetime.now(timezone.utc))

    # --- events ---------------------------------------------------------------------

    def _busy(self, busy: bool) -> None:
        self.spinner.visible = busy

    _quiet = False  # widgets set by the page itself: one redraw after

    def _filters_changed(self, event) -> None:
        if self._quiet:
            return
        self._draw()
        if pn.state.location is not None:
            pn.state.location.update_query(kind=self.kind.value,
                                           within=str(self.within.value))

    def _clicked(self, event) -> None:
        shown = self.table.value
        if shown is None or event.row is None or event.row >= len(shown):
            return
        if event.column == "name":
            return  # the link opens the object page
        row = self.rows[self.rows["key"] == shown.iloc[event.row]["key"]].iloc[0]
        self._select(str(row["key"]))
        if pn.state.location is not None:
            pn.state.location.update_query(vcenter=row["vcenter"], name=row["name"],
                                           metric=row["metric_key"])
