"""``vcompanion metrics KIND`` and ``vcompanion performance KIND``: performance
statistics of every vCenter (``vc.metrics()``, ``vc.performance()``).

``metrics`` prints every sample (vcenter, name, counter, instance, time,
value, unit, ...); ``performance`` one row per object with each figure's
average and maximum over the window, ``--top N --by COLUMN`` the N highest
by one column (descending; objects without that figure last).  Both exit 4
when a vCenter's statistics (or inventory) could not be read, naming it on
stderr; the others are printed.
"""

from __future__ import annotations

import sys

from ..clock import parse_duration
from ..tables.performance import KINDS, METRICS, PERFORMANCE
from .common import (EXIT_USAGE, Fail, open_companion, open_config, report_failures,
                     select_columns, table_options)
from .output import render

INTERVALS = (20, 300, 1800, 7200, 86400)
# What --top sorts by when --by is not given.
DEFAULT_BY = {"vms": "cpu_ready_pct", "hosts": "cpu_usage_pct",
              "clusters": "cpu_usage_pct", "datastores": "write_latency_ms"}


def sortable(kind: str) -> list[str]:
    """The columns ``--by`` takes for ``kind``: each figure, its maximum, samples."""
    return [c for f in KINDS[kind].figures for c in (f.column, f.column + "_max")] + [
        "samples"]


def register(subparsers) -> None:
    kinds = tuple(KINDS)
    met = subparsers.add_parser(
        "metrics", help="every sample of performance counters (CPU ready, memory, "
                        "latency, ...) in every vCenter",
        description="Print every sample of the counters of every object of KIND over "
                    "the window, one row each. Short windows read vCenter's realtime "
                    "20-second samples (hosts, VMs), longer ones its 5-minute, 30-minute, "
                    "2-hour or daily rollups (or the history's finer samples of hosts, "
                    "clusters and datastores). See docs/metrics.md.",
        epilog="Exit codes: 0 ok, 2 usage or configuration error, 3 a vCenter refused "
               "the login, 4 some vCenter's statistics could not be read.")
    met.add_argument("kind", choices=kinds, metavar="KIND",
                     help="one of: " + ", ".join(kinds))
    met.add_argument("--counter", action="append", metavar="NAME",
                     help="a vCenter counter, group.name.rollup (repeatable; default: "
                          "those of 'vcompanion performance KIND'), e.g. "
                          "cpu.ready.summation")
    _window(met)
    met.add_argument("--interval", type=int, choices=INTERVALS, metavar="SECONDS",
                     help="seconds per sample: " + ", ".join(map(str, INTERVALS))
                          + " (default: the finest kept for the window)")
    table_options(met)
    met.set_defaults(handler=cmd_metrics)

    perf = subparsers.add_parser(
        "performance", help="per VM, host, cluster or datastore: CPU ready, co-stop, "
                            "ballooning, swapping, latency, usage (average and maximum)",
        description="Print one row per object of KIND with each figure's average and "
                    "maximum over the window; a figure vCenter does not have is empty "
                    "and 'missing' says why (never 0). See docs/metrics.md.",
        epilog="Exit codes: 0 ok, 2 usage or configuration error, 3 a vCenter refused "
               "the login, 4 some vCenter's statistics could not be read.")
    perf.add_argument("kind", choices=kinds, metavar="KIND",
                      help="one of: " + ", ".join(kinds))
    _window(perf)
    perf.add_argument("--top", type=int, metavar="N",
                      help="only the N objects with the highest --by value")
    perf.add_argument("--by", metavar="COLUMN",
                      help="sort by this column, highest first (default with --top: "
                           + ", ".join(f"{k} {c}" for k, c in DEFAULT_BY.items()) + ")")
    table_options(perf)
    perf.set_defaults(handler=cmd_performance)


def _window(p) -> None:
    p.add_argument("--since", default="1h", metavar="DURATION",
                   help="the window, ending now: 15m, 1h (default), 1d, 7d, 30d, ...")


def _check_since(value: str) -> None:
    try:
        parse_duration(value)
    except ValueError as exc:
        raise Fail(f"--since: {exc}", EXIT_USAGE) from None


def cmd_metrics(args) -> int:
    _check_since(args.since)
    config = open_config(args)
    with open_companion(args, config) as companion:
        frame = companion.metrics(args.kind, counters=args.counter, since=args.since,
                                  interval=args.interval)
        frame = select_columns(frame, args, METRICS.brief_names)
        sys.stdout.write(render(frame, args.format, args.csv_safe))
        return _done(companion, frame)


def cmd_performance(args) -> int:
    _check_since(args.since)
    by = args.by or (DEFAULT_BY[args.kind] if args.top is not None else None)
    if by is not None and by not in sortable(args.kind):
        raise Fail(f"--by: {args.kind} have no column '{by}'; sort by one of: "
                   f"{', '.join(sortable(args.kind))}", EXIT_USAGE)
    if args.top is not None and args.top < 1:
        raise Fail("--top: give a number of objects, 1 or more", EXIT_USAGE)
    config = open_config(args)
    with open_companion(args, config) as companion:
        frame = companion.performance(args.kind, since=args.since)
        if by is not None:
            frame = frame.sort_values(by, ascending=False, na_position="last",
                                      kind="stable").reset_index(drop=True)
        if args.top is not None:
            frame = frame.head(args.top)
        brief = PERFORMANCE[args.kind].brief_names
        if by is not None and by not in brief:
            brief = [*brief[:2], by, *brief[2:]]
        frame = select_columns(frame, args, brief)
        sys.stdout.write(render(frame, args.format, args.csv_safe))
        return _done(companion, frame)


def _done(companion, frame) -> int:
    """Notes on what has no rows (metrics), then the exit code: report_failures
    names every vCenter that failed, statistics included (the reads are not quiet)."""
    for note in frame.attrs.get("missing", ()):
        print(f"vcompanion: note: {note}", file=sys.stderr)
    return report_failures(companion)


__all__ = ["DEFAULT_BY", "register", "sortable"]
