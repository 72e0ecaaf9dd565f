"""``vcompanion history record | changes | as-of | forecast | status | purge``.

    vcompanion history record                         # read every vCenter, record what changed
    vcompanion history changes --since 7d --kind vm   # who changed what, old -> new
    vcompanion history as-of 2025-03-01T06:00 vms     # the VMs as they were then
    vcompanion history forecast --within 30           # datastores / clusters full within 30 days
    vcompanion history status                         # per vCenter: recordings, gaps, rows
    vcompanion history purge                          # apply the retention settings now

Only ``record`` reads the vCenters; the others read the history database
alone (docs/history.md).  Every table command takes ``--format
table|csv|json``, ``--columns`` and the CSV options.

Exit codes: 0 ok; 2 usage, configuration or history database error (the
history turned off, a bad time, a database that is locked, corrupt or
unreachable); 3 / 4 from ``record``: a vCenter refused the login / could not
be read or recorded -- the others are recorded, stderr names each one.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import Iterator

import pandas as pd

from ..history import History
from ..history.forecast import STATUSES
from ..history.tracked import TRACKED
from .common import (EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, Fail, csv_options, open_config,
                     report_failures, select_columns, table_options)
from .output import FORMATS, render

CHANGE_BRIEF = ["time", "vcenter", "kind", "name", "change", "property", "old", "new",
                "user", "event"]
RECORD_BRIEF = ["vcenter", "status", "objects", "changes", "message"]
FORECAST_BRIEF = ["vcenter", "kind", "name", "metric", "status", "days_low", "days_high",
                  "used", "capacity", "unit", "growth_per_day"]
STATUS_BRIEF = ["vcenter", "first_recording", "last_complete", "last_status", "objects",
                "changes", "failed_recordings", "gaps"]
AS_OF_TABLES = tuple(TRACKED)
KIND_CHOICES = ("vm", "host", "datastore", "cluster", "network")
WHEN = "a duration before now (90m, 24h, 7d, 2w) or an ISO date or time (UTC unless given)"


def register(subparsers) -> None:
    top = subparsers.add_parser(
        "history", help="the history: record, changes, the inventory as of a time, "
                        "forecasts, status, purge",
        description="Every change of the inventory across all vCenters, who made it, the "
                    "inventory as of any date and capacity forecasts (docs/history.md). "
                    "Only 'record' reads the vCenters; the others read the history.",
        epilog="Exit codes: 0 ok, 2 usage, configuration or history database error, "
               "3 a vCenter refused the login (record), 4 some vCenters could not be "
               "recorded (record; the others are).")
    sub = top.add_subparsers(dest="history_command", metavar="COMMAND", required=True)

    record = sub.add_parser("record", help="read every vCenter and record what changed "
                                           "(what the scheduler does on its interval)")
    _format_options(record)
    record.add_argument("--vcenter", action="append", metavar="NAME",
                        help="only this vCenter (repeatable)")
    record.add_argument("--purge", action="store_true",
                        help="then apply the retention settings (as the scheduler does)")
    record.set_defaults(handler=cmd_record)

    changes = sub.add_parser(
        "changes", help="what changed, when and who did it (old -> new)",
        description="The change log, oldest first: time (the recording that saw it), "
                    "vcenter, kind, name, moid, change (created, removed, modified), "
                    "property, old, new, user and event (the vCenter event that explains "
                    "it), event_time.")
    changes.add_argument("--since", default="24h", metavar="WHEN",
                         help=f"from ({WHEN}; default 24h)")
    changes.add_argument("--until", default=None, metavar="WHEN", help="until (default now)")
    changes.add_argument("--kind", choices=KIND_CHOICES, help="only objects of this kind")
    changes.add_argument("--moid", metavar="ID", help="only this object (e.g. vm-42; with "
                                                     "--vcenter)")
    changes.add_argument("--change", choices=("created", "removed", "modified"),
                         help="only changes of this type")
    table_options(changes)
    changes.set_defaults(handler=cmd_changes)

    as_of = sub.add_parser(
        "as-of", help="an inventory table as it was at a time",
        description="The table as the history says it was at TIME: its tracked columns "
                    "(docs/tables.md marks them) and its identity columns.")
    as_of.add_argument("when", metavar="TIME", help=WHEN)
    as_of.add_argument("table", metavar="TABLE", choices=AS_OF_TABLES,
                       help="one of: " + ", ".join(AS_OF_TABLES))
    table_options(as_of)
    as_of.set_defaults(handler=cmd_as_of)

    forecast = sub.add_parser(
        "forecast", help="days until each datastore and cluster is full, as a range",
        description="One row per datastore (space) and cluster (cpu, memory): days_low "
                    "(at the fastest plausible growth) .. days_high (at the slowest) and "
                    "a status: " + ", ".join(STATUSES) + ".")
    forecast.add_argument("--kind", choices=("datastore", "cluster"),
                          help="only datastores or only clusters")
    forecast.add_argument("--within", type=float, metavar="DAYS",
                          help="only those that may be full within DAYS (days_low)")
    table_options(forecast)
    forecast.set_defaults(handler=cmd_forecast)

    status = sub.add_parser("status", help="per vCenter: first and last recordings, gaps, "
                                           "objects and changes kept; the database")
    table_options(status)
    status.set_defaults(handler=cmd_status)

    purge = sub.add_parser("purge", help="delete what the retention settings no longer "
                                         "keep (history.retention), now")
    _format_options(purge)
    purge.set_defaults(handler=cmd_purge)


def _format_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (for people, default), csv or json")
    csv_options(p)


@contextmanager
def _history(args) -> Iterator[History]:
    """The history of the config (read only: it creates no database)."""
    history = History(open_config(args))
    try:
        yield history
    finally:
        history.close()


def _vcenters(args, history: History) -> list[str] | None:
    """--vcenter names, each configured or known to the history (else exit 2)."""
    names = getattr(args, "vcenter", None)
    if not names:
        return None
    known = {vc.name for vc in history.config.vcenters}
    unknown = [n for n in names if n not in known]
    if unknown:
        known |= set(history.status()["vcenter"])
        unknown = [n for n in names if n not in known]
    if unknown:
        raise Fail(f"unknown vCenter(s) {', '.join(unknown)}; known: "
                   f"{', '.join(sorted(known)) or '(none)'}", EXIT_USAGE)
    return list(names)


def _print(frame: pd.DataFrame, args, brief: list[str] | None = None) -> None:
    if brief is not None:
        frame = select_columns(frame.reset_index(drop=True), args, brief)
    sys.stdout.write(render(frame, args.format, args.csv_safe))


# --- record ----------------------------------------------------------------------------

def cmd_record(args) -> int:
    from ..companion import Companion
    config = open_config(args)
    with Companion(config, vcenters=args.vcenter or None) as companion:
        result = companion.record()
        if args.purge:
            companion.history.purge()
        frame = result.frame()
        frame.insert(0, "recording", result.recording)
        frame.insert(1, "time", pd.Timestamp(result.time))
        _print(frame if args.format != "table" else frame[RECORD_BRIEF], args)
        if args.format == "table":
            print(f"recording {result.recording} at {result.time:%Y-%m-%d %H:%M:%S} UTC: "
                  f"{result.changes} change(s) in {result.seconds:.1f} s", file=sys.stderr)
        code = report_failures(companion)
        failed = set(companion.failures)
        for outcome in result.incomplete:
            if outcome.vcenter not in failed:  # skipped, or failed after its read
                print(f"vcompanion: vCenter '{outcome.vcenter}' not recorded: "
                      f"{outcome.status}: {outcome.message or 'no reason given'}",
                      file=sys.stderr)
                code = code or EXIT_PARTIAL
        return code


# --- reading ---------------------------------------------------------------------------

def cmd_changes(args) -> int:
    with _history(args) as history:
        vcenters = _vcenters(args, history)
        if args.moid and not vcenters:
            raise Fail("--moid needs --vcenter: managed object ids repeat between "
                       "vCenters", EXIT_USAGE)
        frame = history.changes(args.since, args.until, vcenters, args.kind, moid=args.moid)
        if args.change:
            frame = frame[frame["change"] == args.change]
        _print(frame, args, CHANGE_BRIEF)
        if args.format == "table":
            _gap_notes(history, args.since, args.until, vcenters)
    return EXIT_OK


def _gap_notes(history: History, since, until, vcenters) -> None:
    """stderr: the periods without data in the window (a change seen after one
    happened somewhere in it)."""
    for gap in history.gaps(since, until, vcenters).itertuples():
        end = f"to {gap.end:%Y-%m-%d %H:%M} UTC" if pd.notna(gap.end) else "until now"
        print(f"vcompanion: no data for {gap.vcenter} from {gap.start:%Y-%m-%d %H:%M} UTC "
              f"{end} ({gap.reason}); a change seen after it happened somewhere in it",
              file=sys.stderr)


def cmd_as_of(args) -> int:
    with _history(args) as history:
        frame = history.as_of(args.when, args.table, _vcenters(args, history))
        _print(frame, args, list(TRACKED[args.table].shown.brief_names))
    return EXIT_OK


def cmd_forecast(args) -> int:
    with _history(args) as history:
        vcenters = _vcenters(args, history)
        frame = history.forecasts()
        if vcenters:
            frame = frame[frame["vcenter"].isin(vcenters)]
        if args.kind:
            frame = frame[frame["kind"] == args.kind]
        if args.within is not None:
            soon = frame["days_low"].astype("Float64").fillna(float("inf")) <= args.within
            frame = frame[soon.to_numpy(dtype=bool)]
        frame = frame.sort_values("days_low", na_position="last", kind="stable")
        _print(frame, args, FORECAST_BRIEF)
    return EXIT_OK


def cmd_status(args) -> int:
    with _history(args) as history:
        vcenters = _vcenters(args, history)
        frame = history.status()
        if vcenters:
            frame = frame[frame["vcenter"].isin(vcenters)]
        _print(frame, args, STATUS_BRIEF)
        if args.format == "table":
            version = frame["schema_version"].iloc[0] if len(frame) else None
            print(f"\ndatabase: {history.database}"
                  + (f" (schema version {version})" if version is not None else
                     " (no recording yet)"))
    return EXIT_OK


def cmd_purge(args) -> int:
    with _history(args) as history:
        counts = history.purge()
        frame = pd.DataFrame({"table": list(counts), "deleted": list(counts.values())})
        _print(frame, args)
    return EXIT_OK
