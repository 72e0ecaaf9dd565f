"""/changes: what changed in every vCenter, when, and who did it.

Filters: the period (24 h, 7 days, 30 days or custom dates), vCenters, kind,
change type and free text over names, users, properties and values.  A
chart counts the changes over time per vCenter or kind, with the periods
without data shaded; the periods are listed too ("no data for dr from ...
to ..."): a change seen after one happened somewhere in it.  The table
lists every change (time, vCenter, kind, name linked to the object page,
change, property, old and new value, user, event), with CSV and Excel
downloads of the rows the filters leave.

Bookmarkable: ``/changes?vcenter=prod&kind=vm&moid=vm-42&since=7d`` (also
``until``, ``change``, ``q``, ``by``); the object page and the Hosts and
Datastores pages link here.  The history is read through ``HistoryReader``
(only the vCenters this page may show), in a background thread with a
spinner, when the filters that query it change and when a new recording
arrives; the other filters work on the rows already read.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from html import escape

import pandas as pd
import panel as pn
from bokeh.models.widgets.tables import DateFormatter

from ...history.times import parse_when
from .. import labels
from ..background import Background
from ..fragments import html_pane, info_banner
from ..links import LINK_CSS, link_formatter, object_url
from ..timecharts import ChangeCounts
from .base import (TABLE_CSS, DownloadButtons, HistoryPage, card, column_setup, fill,
                   section, spinner_box, status_formatter, table)

WINDOWS = {"24 h": "24h", "7 days": "7d", "30 days": "30d", "Custom": "custom"}
BUCKETS = {"24h": timedelta(hours=1), "7d": timedelta(hours=6), "30d": timedelta(days=1)}
KINDS = {"All kinds": "", "VMs": "vm", "Hosts": "host", "Datastores": "datastore",
         "Clusters": "cluster", "Networks": "network"}
KIND_WORD = {"vm": "VM", "host": "Host", "datastore": "Datastore", "cluster": "Cluster",
             "network": "Network"}
TABLE_OF = {"vm": "vms", "host": "hosts", "datastore": "datastores", "cluster": "clusters",
            "network": "networks"}
CHANGES = {"All changes": "", "Created": "created", "Removed": "removed",
           "Modified": "modified"}
SPLITS = {"By vCenter": "vcenter", "By kind": "kind"}
COLUMNS = ["time", "vcenter", "kind", "name", "change", "property", "old", "new", "user",
           "event", "event_time", "moid"]
TITLES = {"time": "Recorded", "vcenter": "vCenter", "kind": "Kind", "name": "Name",
          "change": "Change", "property": "Property", "old": "Old value",
          "new": "New value", "user": "User", "event": "Event",
          "event_time": "Event time (UTC)"}
TIPS = {"time": "The recording that saw the change, UTC (a change after a period without "
                "data happened somewhere in it).",
        "user": "The vCenter user of the event that explains the change.",
        "event": "The vCenter event that explains the change.",
        "event_time": "When vCenter logged that event."}
# The table fits 1366 px: the event (and its time) only in the downloads.
WIDTHS = {"time": 138, "vcenter": 96, "kind": 72, "name": 140, "change": 108,
          "property": 115, "user": 150}
HIDDEN = ["moid", "event", "event_time"]
SEARCHED = ("name", "user", "property", "old", "new", "event")
GAPS_SHOWN = 6


def value_text(prop, value) -> str:
    """An old or new value in words (sizes, enumerations, lists)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "(none)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    prop = prop if isinstance(prop, str) else ""
    if prop.endswith("_bytes") and isinstance(value, (int, float)):
        return labels.size(value)
    return labels.friendly(prop, value)


def property_title(kind, prop) -> str:
    if not isinstance(prop, str) or not prop:
        return ""
    text = labels.title(prop, TABLE_OF.get(kind, ""))
    return text.replace(" GiB", "") if prop.endswith("_bytes") else text


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """The change log for the table: newest first, words, values as text."""
    frame = frame.iloc[::-1].reset_index(drop=True)
    out = pd.DataFrame({
        "time": labels.display_frame(frame[["time"]])["time"],
        "vcenter": frame["vcenter"].astype(object),
        "kind": [KIND_WORD.get(k, str(k)) for k in frame["kind"]],
        "name": frame["name"].astype(object).where(frame["name"].notna(), ""),
        "change": [str(c).capitalize() for c in frame["change"]],
        "property": [property_title(k, p) for k, p in zip(frame["kind"], frame["property"])],
        "old": [value_text(p, v) for p, v in zip(frame["property"], frame["old"])],
        "new": [value_text(p, v) for p, v in zip(frame["property"], frame["new"])],
        "user": frame["user"].astype(object).where(frame["user"].notna(), ""),
        "event": frame["event"].astype(object).where(frame["event"].notna(), ""),
        "event_time": labels.display_frame(frame[["event_time"]])["event_time"],
        "moid": frame["moid"].astype(object),
        "_kind": frame["kind"].astype(object), "_change": frame["change"].astype(object),
        "_time": frame["time"]}, index=frame.index)
    # (a list, not agg: an empty frame's agg is a frame, not a series)
    out["_text"] = pd.Series(["\u241f".join(map(str, values)).lower()
                              for values in out[list(SEARCHED)].itertuples(index=False)],
                             index=out.index, dtype=object)
    return out


def window_of(value: str, first, last, now: datetime) -> tuple[datetime, datetime]:
    """The period a window choice stands for (custom: from the start of day
    ``first`` to the end of day ``last``, UTC)."""
    if value != "custom":
        return parse_when(value, now), now
    first = first or (now - timedelta(days=7)).date()
    last = last or now.date()
    if last < first:
        first, last = last, first
    return (datetime.combine(first, time.min, timezone.utc),
            min(now, datetime.combine(last, time.max, timezone.utc)))


def bucket_of(window: str, start: datetime, end: datetime) -> timedelta:
    if window in BUCKETS:
        return BUCKETS[window]
    hours = max(1.0, (end - start).total_seconds() / 3600 / 40)
    for step in (1, 3, 6, 12, 24, 48, 168):
        if hours <= step:
            return timedelta(hours=step)
    return timedelta(days=30)


class EveryColumn(DownloadButtons):
    """Downloads with every column of the change log (the event and its time too)."""

    def view(self) -> tuple[pd.DataFrame, dict[str, str]]:
        view = self.tabulator.current_view
        columns = [c for c in COLUMNS if c in view.columns and c != "moid"]
        return view[columns], {c: TITLES.get(c, c) for c in columns}


class ChangesPage(HistoryPage):
    slug = "changes"
    title = "Changes"
    icon = "history"
    query = {"vcenter": None, "kind": None, "moid": None, "since": None, "until": None,
             "change": None, "q": None, "by": None}

    history_off = " to record changes (docs/history.md)."

    def __init__(self, ctx):
        super().__init__(ctx)
        args = ctx.args
        now = datetime.now(timezone.utc)
        since = args.get("since", "24h")
        window = since if since in BUCKETS else "custom"
        start = end = None
        if window == "custom":
            try:
                start = parse_when(since, now, "since").date()
                end = parse_when(args["until"], now, "until").date() \
                    if args.get("until") else now.date()
            except Exception:  # noqa: BLE001 - a bad link opens the default period
                window, start, end = "24h", None, None
        common = {"margin": (4, 8, 4, 4)}
        self.window = pn.widgets.RadioButtonGroup(
            options=WINDOWS, value=window, button_type="primary", button_style="outline",
            **common)
        self.start = pn.widgets.DatePicker(name="", value=start or (now - timedelta(
            days=7)).date(), end=now.date(), width=130, visible=window == "custom",
            **common)
        self.end = pn.widgets.DatePicker(name="", value=end or now.date(), end=now.date(),
                                         width=130, visible=window == "custom", **common)
        self.vcenters = pn.widgets.MultiChoice(
            placeholder="All vCenters", options=[], width=220,
            value=[v for v in args.get("vcenter", "").split(",") if v], **common)
        self.kind = pn.widgets.Select(options=KINDS, width=130, **common,
                                      value=args.get("kind", "") if args.get("kind", "")
                                      in KINDS.values() else "")
        self.change = pn.widgets.Select(options=CHANGES, width=140, **common,
                                        value=args.get("change", "") if args.get(
                                            "change", "") in CHANGES.values() else "")
        self.text = pn.widgets.TextInput(placeholder="Name, user, property, value…",
                                         value=args.get("q", ""), width=230, **common)
        self.split = pn.widgets.RadioButtonGroup(
            options=SPLITS, value=args.get("by") if args.get("by") in SPLITS.values()
            else "vcenter", button_type="default", button_style="outline", margin=(0, 4))
        self.moid = args.get("moid", "")
        self.spinner = spinner_box()
        self.focus = html_pane("", visible=bool(self.moid), stylesheets=[LINK_CSS])
        self.clear = pn.widgets.Button(name="Show every object", button_type="default",
                                       button_style="outline", visible=bool(self.moid),
                                       margin=(0, 4), align="center")
        self.gaps = html_pane("")  # (emptied to hide it: see spinner_box)
        self.chart = ChangeCounts(self.palette, title="")
        self.count = html_pane("", margin=(8, 8, 0, 4))
        # Every column in the page's width; long values (host names, address lists)
        # are cut, whole in their tooltip.
        self.table = table(pd.DataFrame(columns=COLUMNS), page_size=20, sortable=True,
                           stylesheets=[TABLE_CSS, LINK_CSS], header_filters=False,
                           layout="fit_columns", hidden_columns=HIDDEN,
                           configuration={"columnDefaults": {"tooltip": True}},
                           **self._setup())
        self.downloads = EveryColumn(self.table, "changes")
        self.background = Background(self._busy)
        self.period = (now, now)
        self.bucket = BUCKETS["24h"]
        self.problem = html_pane("")  # (emptied to hide it: see spinner_box)
        self._watch()
        self.layout.objects = [
            self.problem,
            pn.FlexBox(self.window, self.start, self.end, self.vcenters, self.kind,
                       self.change, self.text, self.spinner, flex_wrap="wrap",
                       align_items="center", sizing_mode="stretch_width", margin=0),
            pn.Row(self.focus, self.clear, sizing_mode="stretch_width", margin=0,
                   align="center"),
            self.gaps,
            card(pn.Row(section("Changes over time"), pn.layout.HSpacer(), self.split,
                        margin=0, sizing_mode="stretch_width"), self.chart.pane),
            pn.Row(self.count, self.downloads.row, sizing_mode="stretch_width", margin=0),
            self.table]

    def _watch(self) -> None:
        for widget in (self.window, self.start, self.end, self.vcenters, self.kind):
            widget.param.watch(self._query_changed, "value")
        self.window.param.watch(self._window_changed, "value")
        for widget in (self.change, self.split):
            widget.param.watch(self._shown_changed, "value")
        self.text.param.watch(self._shown_changed, "value_input")
        self.clear.on_click(self._clear_object)

    # --- data ---------------------------------------------------------------------

    def _query(self) -> dict:
        now = datetime.now(timezone.utc)
        start, end = window_of(self.window.value, self.start.value, self.end.value, now)
        return {"since": start, "until": end,
                "vcenter": list(self.vcenters.value) or None,
                "kind": self.kind.value or None,
                "moid": self.moid or None}

    def _load(self) -> None:
        if self.reader is None:
            return
        reader, query = self.reader, self._query()
        if query["moid"] and not query["vcenter"]:
            query["moid"] = None  # an object is named by its vCenter and moid

        def read():
            newest = reader.newest()
            frame = reader.changes(query["since"], query["until"], query["vcenter"],
                                   query["kind"], query["moid"])
            gaps = reader.gaps(query["since"], query["until"], query["vcenter"])
            status = reader.status() if len(gaps) else None
            never = [] if status is None else \
                list(status["vcenter"][status["first_recording"].isna()])
            return newest, display(frame), (gaps, never), query

        self.background.run(read, self._loaded, self._failed, name="changes")

    def _loaded(self, result) -> None:
        newest, rows, (gaps, self.never_read), query = result
        self.loaded_mark = newest
        self.rows = rows
        self.period = (query["since"], query["until"])
        self.bucket = bucket_of(self.window.value, *self.period)
        self.problem.object = ""
        if newest is None:
            self._say("No recording yet", "The history starts with the first recording: "
                      "`vcompanion history record`, the scheduler, or this server after "
                      "its refresh (docs/history.md, Who records).", keep=True)
        self._show_focus(rows)
        self._show_gaps(gaps)
        self._draw()

    def _failed(self, exc: Exception) -> None:
        self._say("The history could not be read", str(exc), keep=True)

    def _say(self, title: str, text: str, keep: bool = False) -> None:
        self.problem.object = info_banner(f"<b>{escape(title)}.</b> {escape(text)}",
                                          "warning")
        if not keep:
            fill(self.table, pd.DataFrame(columns=COLUMNS))

    # --- drawing -----------------------------------------------------------------------

    def _shown(self) -> pd.DataFrame:
        rows = self.rows
        if rows is None:
            return pd.DataFrame(columns=COLUMNS)
        if self.change.value:
            rows = rows[rows["_change"] == self.change.value]
        words = (self.text.value_input or self.text.value or "").strip().lower()
        if words:
            rows = rows[rows["_text"].str.contains(words, regex=False)]
        return rows

    def _draw(self) -> None:
        rows = self._shown()
        p = self.palette
        split = self.split.value
        series = rows["vcenter"] if split == "vcenter" else rows["kind"]
        names = sorted(set(series)) if split == "vcenter" else \
            [w for w in KIND_WORD.values() if w in set(series)]
        colors = {n: c for n, c in zip(names, p.series * 4)}
        counts = pd.DataFrame({"bucket": rows["_time"].dt.floor(self.bucket),
                               "series": series}).groupby(
            ["bucket", "series"]).size().rename("count").reset_index() if len(rows) \
            else pd.DataFrame(columns=["bucket", "series", "count"])
        start, end = self.period
        self.chart.update(counts, start, end, self.bucket, colors, self.gap_spans)
        frame = rows[COLUMNS] if len(rows) else pd.DataFrame(columns=COLUMNS)
        with pn.io.hold():
            fill(self.table, frame.reset_index(drop=True))
        total = len(self.rows) if self.rows is not None else 0
        text = (f"{len(rows):,} change{'s' if len(rows) != 1 else ''}" if len(rows) == total
                else f"{len(rows):,} of {total:,} changes match the filters")
        users = rows["user"][rows["user"] != ""].nunique() if len(rows) else 0
        objects = rows["moid"].nunique() if len(rows) else 0
        self.count.object = (f'<div class="status-line" data-rows="{len(rows)}">{text} · '
                             f'{objects:,} object{"s" if objects != 1 else ""} · {users:,} '
                             f'user{"s" if users != 1 else ""} · {start:%Y-%m-%d %H:%M} – '
                             f'{end:%Y-%m-%d %H:%M} UTC</div>')

    def _setup(self) -> dict:
        """The table's titles, tooltips, widths and formatters: set once, whatever
        the rows hold (fill)."""
        p = self.palette
        setup = column_setup(pd.DataFrame(columns=COLUMNS), None, TITLES)
        setup["header_tooltips"].update(TIPS)
        setup["widths"] = WIDTHS
        setup["formatters"].update({
            "time": DateFormatter(format="%Y-%m-%d %H:%M"),
            "name": link_formatter("moid"),
            "change": status_formatter(p, {"Created": p.ok, "Removed": p.critical,
                                           "Modified": p.accent})})
        return setup

    def _show_gaps(self, gaps: pd.DataFrame) -> None:
        spans, lines = [], []
        never = set(self.never_read)
        for gap in gaps.itertuples():
            end = gap.end.to_pydatetime() if pd.notna(gap.end) else self.period[1]
            until = f"to {gap.end:%Y-%m-%d %H:%M} UTC" if pd.notna(gap.end) \
                else "until now"
            if gap.vcenter in never:  # never read: nothing of it to shade
                text = f"no data for {gap.vcenter}: never read completely"
            else:
                text = (f"no data for {gap.vcenter} from {gap.start:%Y-%m-%d %H:%M} UTC "
                        f"{until}")
                spans.append((gap.start.to_pydatetime(), end, f"{text} ({gap.reason})"))
            lines.append(f'<li data-gap="{escape(str(gap.vcenter))}">{escape(text)} '
                         f'<span class="muted">({escape(str(gap.reason))})</span></li>')
        self.gap_spans = spans
        more = len(lines) - GAPS_SHOWN
        if more > 0:
            lines = lines[:GAPS_SHOWN] + [f"<li>… and {more} more period"
                                          f"{'s' if more != 1 else ''}</li>"]
        self.gaps.object = info_banner(
            "<b>Periods without data</b> (shaded in the chart; a change seen after one "
            f'happened somewhere in it):<ul style="margin:4px 0 0 0">{"".join(lines)}</ul>',
            "info") if lines else ""

    def _show_focus(self, rows: pd.DataFrame) -> None:
        if not self.moid:
            return
        vcenter = (self.vcenters.value or [""])[0]
        name = next((n for n in rows["name"] if n), "") if len(rows) else ""
        link = (f'<a class="obj" href="{escape(object_url(vcenter, self.moid))}">'
                f'{escape(name or self.moid)}</a>')
        self.focus.object = (f'<div class="status-line" data-focus="{escape(self.moid)}">'
                             f'Changes of {link} ({escape(self.moid)}) in vCenter '
                             f'{escape(vcenter)}</div>')

    # --- events --------------------------------------------------------------------------

    gap_spans: list = []
    never_read: list = []

    def _busy(self, busy: bool) -> None:
        self.spinner.visible = busy

    def _query_changed(self, event) -> None:
        self._load()
        self._location()

    def _window_changed(self, event) -> None:
        custom = event.new == "custom"
        self.start.visible = self.end.visible = custom

    def _shown_changed(self, event) -> None:
        if self.rows is not None:
            self._draw()
        self._location()

    def _clear_object(self, event) -> None:
        self.moid = ""
        self.focus.visible = self.clear.visible = False
        self._load()
        self._location()

    def _location(self) -> None:
        if pn.state.location is None:
            return
        window = self.window.value
        query = {"since": window if window != "custom" else f"{self.start.value}",
                 "until": f"{self.end.value}" if window == "custom" else "",
                 "vcenter": ",".join(self.vcenters.value), "kind": self.kind.value,
                 "change": self.change.value, "moid": self.moid,
                 "q": self.text.value_input or "", "by": self.split.value}
        pn.state.location.update_query(**{k: v for k, v in query.items()})
