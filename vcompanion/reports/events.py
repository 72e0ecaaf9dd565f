"""The critical-events workbook: what went wrong in the last N hours.

What an administrator forwards to a manager after an incident.  Sheets:
Summary (the period, and per vCenter its status and the counts by
severity), Problems (the health problems now, worst first, per vCenter),
Events (the period's critical, error and warning events, per vCenter, worst
and newest first) and vSource (the vCenters).

"Critical" events are the ones alerts send: event types listed in
``alerts.critical_events`` (see vcompanion/alerts/engine.py), so the report
and the alerts agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from .. import problems as problems_module
from ..clock import utc_now
from . import layout, writer
from .inventory import status_styles

SUMMARY = "Summary"
SHEET_NAMES = (SUMMARY, layout.PROBLEMS.name, layout.EVENTS.name, layout.VSOURCE.name)
# vCenter's event categories, worst first; "user" events are the log of who did what.
EVENT_SEVERITIES = ("error", "warning", "user", "info")
REPORTED = ("error", "warning")  # kept by default, with every critical event


@dataclass
class EventsData:
    """The period's events, the current problems and each vCenter's status."""

    events: pd.DataFrame
    problems: pd.DataFrame
    status: pd.DataFrame
    hours: float
    critical_events: list[str] = field(default_factory=list)  # event type patterns
    generated_at: datetime = field(default_factory=lambda: utc_now(seconds=True))

    @classmethod
    def from_companion(cls, vc, hours: float | None = None) -> EventsData:
        hours = vc.config.get("collection.event_hours") if hours is None else hours
        try:
            patterns = list(vc.config.get("alerts.critical_events"))
        except KeyError:
            patterns = []
        return cls(events=vc.events(hours=hours), problems=vc.problems(),
                   status=vc.status(), hours=float(hours), critical_events=patterns)

    @property
    def since(self) -> datetime:
        return self.generated_at - timedelta(hours=self.hours)


def mark_critical(events: pd.DataFrame, patterns: list[str]) -> pd.DataFrame:
    """``events`` with a boolean ``critical`` column: the type is one alerts send."""
    events = events.copy()
    records = events[["type", "message"]].astype(object).to_dict("records")
    events["critical"] = pd.array([problems_module.is_critical_event(e, patterns) for e in records],
                                  dtype="boolean")
    return events


def _rank(events: pd.DataFrame) -> pd.Series:
    """0 for critical events, then vCenter's categories worst first."""
    rank = events["severity"].map({s: i + 1 for i, s in enumerate(EVENT_SEVERITIES)})
    rank = rank.astype("Float64").fillna(len(EVENT_SEVERITIES) + 1)
    if "critical" in events:
        rank = rank.where(~events["critical"].fillna(False).astype(bool), 0)
    return rank


def kept_events(events: pd.DataFrame, all_events: bool = False) -> pd.DataFrame:
    """Critical, error and warning events (every event with ``all_events``)."""
    if all_events or events.empty:
        return events
    keep = events["severity"].isin(REPORTED).fillna(False).astype(bool)
    if "critical" in events:
        keep |= events["critical"].fillna(False).astype(bool)
    return events[keep]


def worst_first(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` per vCenter, worst then newest first."""
    if events.empty:
        return events.reset_index(drop=True)
    order = pd.DataFrame({"vcenter": events["vcenter"].str.lower(),
                          "rank": _rank(events), "time": events["time"]})
    order = order.sort_values(["vcenter", "rank", "time"],
                              ascending=[True, True, False], kind="stable")
    return events.loc[order.index].reset_index(drop=True)


def worst_overall(events: pd.DataFrame) -> pd.DataFrame:
    """Critical, error and warning events of every vCenter, worst then newest first."""
    kept = kept_events(events)
    if kept.empty:
        return kept
    order = pd.DataFrame({"rank": _rank(kept), "time": kept["time"]})
    order = order.sort_values(["rank", "time"], ascending=[True, False], kind="stable")
    return kept.loc[order.index].reset_index(drop=True)


def problems_per_vcenter(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems grouped per vCenter, worst first within each."""
    if problems.empty:
        return problems
    rank = problems["severity"].map(problems_module.SEVERITY_RANK)
    order = pd.DataFrame({"vcenter": problems["vcenter"].str.lower(), "rank": rank})
    order = order.sort_values(["vcenter", "rank"], kind="stable")
    return problems.loc[order.index].reset_index(drop=True)


def write(data: EventsData, path: str | Path, all_events: bool = False) -> Path:
    """Write the critical-events workbook to ``path`` (atomically)."""
    marked = mark_critical(data.events, data.critical_events)
    events = worst_first(kept_events(marked, all_events))
    problems = problems_per_vcenter(data.problems)
    critical = {writer.TRUE: writer.SEVERITY_STYLES["critical"]}
    book = writer.new_workbook()
    try:
        summary = writer.BlockSheet(book, SUMMARY)
        sheets = ((layout.PROBLEMS, problems, {"severity": writer.SEVERITY_STYLES}),
                  (layout.EVENTS, events, {"severity": writer.SEVERITY_STYLES,
                                           "critical": critical}),
                  (layout.VSOURCE, data.status,
                   {"status": status_styles(data.status["status"])}))
        counts = {sheet.name: writer.SheetWriter(book, sheet, colour).write(frame)
                  for sheet, frame, colour in sheets}
        _summary(summary, data, marked, counts, all_events)
        summary.write()
        return book.save(path)
    finally:
        book.close()


def _count(frame: pd.DataFrame, column: str, value: str, names: list[str]) -> dict:
    if frame.empty:
        return {n: 0 for n in names}
    counted = frame[frame[column] == value].groupby("vcenter").size()
    return {n: int(counted.get(n, 0)) for n in names}


def _summary(block: writer.BlockSheet, data: EventsData, events: pd.DataFrame,
             counts: dict, all_events: bool) -> None:
    status = data.status
    names = list(status["vcenter"])
    for frame in (data.events, data.problems):
        for name in frame["vcenter"].dropna().unique() if not frame.empty else ():
            if name not in names:
                names.append(name)
    columns = {"Critical events": _count(events, "critical", True, names)}
    columns.update({f"{s.capitalize()} events": _count(events, "severity", s, names)
                    for s in EVENT_SEVERITIES})
    columns.update({f"{s.capitalize()} problems": _count(data.problems, "severity", s,
                                                         names)
                    for s in problems_module.SEVERITIES})
    info = {row["vcenter"]: row for row in status.to_dict("records")}

    block.title("vCompanion critical events report")
    block.pair("Generated at (UTC)", data.generated_at)
    block.pair("Period from (UTC)", data.since)
    block.pair("Period to (UTC)", data.generated_at)
    block.pair("Hours", int(data.hours) if float(data.hours).is_integer() else data.hours)
    block.pair("Times", "All dates and times in this workbook are UTC.")
    kept = "all events" if all_events else "critical, error and warning events"
    block.pair("Events sheet", f"{kept} of the period, per vCenter, worst and newest "
                               "first")
    block.pair("Critical events", "event types that alerts send (alerts.critical_"
                                  "events); counted also under their vCenter severity")
    block.pair("Problems sheet", "health problems at the time of the report, per "
                                 "vCenter, worst first")
    block.blank()
    headers = ["VI SDK Server", "Status", *columns, "Message"]
    rows = [[n, (info.get(n) or {}).get("status"), *(c[n] for c in columns.values()),
             None if (info.get(n) or {}).get("status") == "ok"
             else (info.get(n) or {}).get("message")] for n in names]
    total = ["Total", None, *(sum(c.values()) for c in columns.values()), None]
    block.table(headers, rows, styles={1: status_styles(r[1] for r in rows)},
                total=total)
    worst = worst_overall(events).head(10)
    if not worst.empty:
        block.blank()
        block.note("The 10 worst events of the period (critical first, newest first)")
        block.table(["Date / time", "VI SDK Server", "Critical", "Severity", "Message"],
                    [[r["time"], r["vcenter"], bool(r["critical"]), r["severity"],
                      r["message"]] for r in worst.to_dict("records")],
                    styles={2: {True: writer.SEVERITY_STYLES["critical"]},
                            3: writer.SEVERITY_STYLES})
    block.blank()
    block.table(["Sheet", "Rows"], [[name, rows] for name, rows in counts.items()])
