"""``vcompanion report``: write an Excel workbook for every vCenter.

    vcompanion report                                  # inventory, data_dir/reports
    vcompanion report --kind events --hours 24 --out incident.xlsx
    vcompanion report --schedule daily-inventory       # run one configured schedule now
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..audit import LOCAL, local_user
from .common import (EXIT_USAGE, Fail, audit_trail, open_companion, open_config,
                     report_failures)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="write an Excel workbook: RVTools-style inventory of all "
                       "vCenters, or critical events")
    p.add_argument("--kind", choices=("inventory", "events"), default="inventory",
                   help="inventory (default): vInfo, vHost, vCluster, vDatastore, ... "
                        "for all vCenters; events: critical events and problems")
    p.add_argument("--hours", type=float, default=None,
                   help="events: the period covered (default from the config, 24)")
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
    config = open_config(args)
    with open_companion(args, config) as companion:
        if args.schedule:
            if args.out or args.vcenter or args.hours is not None:
                raise Fail("--schedule takes its settings from the config; do not "
                           "combine it with --out, --vcenter or --hours", EXIT_USAGE)
            from ..reports.schedule import export
            path = export(config, args.schedule, companion=companion)
        else:
            try:
                path = write_report(companion, args.out, kind=args.kind, hours=args.hours,
                                    all_events=args.all_events)
            except OSError as exc:
                raise Fail(f"cannot write {args.out or 'the report'}: "
                           f"{exc.strerror or exc}", EXIT_USAGE) from None
        print(path)
        audit_trail(args, config).workbook_generated(
            local_user(), LOCAL, args.schedule or args.kind, str(path))
        code = report_failures(companion)
        if code:
            print("vcompanion: the workbook holds the vCenters that could be read; "
                  "its Summary and vSource sheets name the others", file=sys.stderr)
        return code
