"""``vcompanion report``: write an Excel workbook for every vCenter.

    vcompanion report                                  # inventory, data_dir/reports
    vcompanion report --kind events --hours 24 --out incident.xlsx
    vcompanion report --kind changes --hours 168       # the history's changes of a week
    vcompanion report --as-of 2025-03-01               # the inventory as it was then
    vcompanion report --schedule daily-inventory       # run one configured schedule now

``--kind changes`` and ``--as-of`` read the history only, never a vCenter.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..audit import LOCAL, local_user
from .common import (EXIT_OK, EXIT_USAGE, Fail, audit_trail, open_companion, open_config,
                     report_failures)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="write an Excel workbook: RVTools-style inventory of all "
                       "vCenters (now or as of a time), critical events, or changes")
    p.add_argument("--kind", choices=("inventory", "events", "changes"), default="inventory",
                   help="inventory (default): vInfo, vHost, vCluster, vDatastore, ... "
                        "for all vCenters; events: critical events and problems; "
                        "changes: the history's changes, with who made them")
    p.add_argument("--hours", type=float, default=None,
                   help="events and changes: the period covered (default from the "
                        "config, 24)")
    p.add_argument("--as-of", metavar="TIME", default=None,
                   help="inventory: as the history says it was then (a duration before "
                        "now such as 30d, or an ISO date or time): the tracked columns")
    p.add_argument("--all-events", action="store_true",
                   help="events: keep info and user events too (default: errors and "
                        "warnings)")
    p.add_argument("--out", metavar="FILE.xlsx", type=Path, default=None,
                   help="where to write (default: data_dir/reports/"
                        "vcompanion-KIND_<UTC time>Z.xlsx)")
    p.add_argument("--vcenter", action="append", metavar="NAME",
                   help="only this vCenter (repeatable)")
    p.add_argument("--schedule", metavar="NAME",
                   help="run the configured reports.schedules entry NAME now "
                        "(writes, prunes and mails as the scheduler would)")
    p.set_defaults(handler=cmd_report)


def cmd_report(args) -> int:
    from ..reports import write_report

    if args.hours is not None and args.hours < 0:
        raise Fail("--hours must not be negative", EXIT_USAGE)
    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        raise Fail(f"--out must name an .xlsx file, not {args.out}", EXIT_USAGE)
    if args.as_of is not None and args.kind != "inventory":
        raise Fail(f"--as-of applies to the inventory workbook, not to --kind {args.kind}",
                   EXIT_USAGE)
    history_only = args.kind == "changes" or args.as_of is not None
    config = open_config(args)
    with open_companion(args, config) as companion:
        if args.schedule:
            if args.out or args.vcenter or args.hours is not None or args.as_of or \
                    args.kind != "inventory":
                raise Fail("--schedule takes its settings from the config; do not "
                           "combine it with --kind, --out, --vcenter, --hours or --as-of",
                           EXIT_USAGE)
            from ..reports.schedule import export
            path = export(config, args.schedule, companion=companion)
        else:
            try:
                path = write_report(companion, args.out, kind=args.kind, hours=args.hours,
                                    all_events=args.all_events, as_of=args.as_of)
            except OSError as exc:
                raise Fail(f"cannot write {args.out or 'the report'}: "
                           f"{exc.strerror or exc}", EXIT_USAGE) from None
        print(path)
        audit_trail(args, config).workbook_generated(
            local_user(), LOCAL, args.schedule or args.kind, str(path))
        if history_only and not args.schedule:
            return EXIT_OK  # from the history alone: no vCenter was read
        code = report_failures(companion)
        if code:
            print("vcompanion: the workbook holds the vCenters that could be read; "
                  "its Summary and vSource sheets name the others", file=sys.stderr)
        return code
