"""``vcompanion audit``: the audit trail -- sign-ins and failures, lockouts,
sign-outs and idle timeouts, workbooks generated and downloaded, alert test
sends, configurations that failed at start (``vcompanion/audit.py``).

    vcompanion audit                          # the last 7 days, newest first
    vcompanion audit --since 30d --event sign_in_failed --event lockout
    vcompanion audit --user smith --format csv > audit.csv

Exit codes as everywhere: 0 ok (also when nothing matches), 2 a bad option or
configuration, or a history database that cannot be read.
"""

from __future__ import annotations

import sys

from ..audit import EVENTS, trail
from .common import EXIT_OK, EXIT_USAGE, Fail, csv_options, open_config
from .output import FORMATS, render

BRIEF = ["time", "event", "user", "client", "outcome", "vcenters", "detail"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "audit", help="the audit trail: sign-ins, lockouts, sign-outs, workbooks, "
                      "alert tests (newest first)")
    p.add_argument("--since", default="7d",
                   help="from this long ago (90m, 24h, 7d, 2w) or an ISO date/time "
                        "(default 7d)")
    p.add_argument("--until", default=None, help="up to this time (same forms)")
    p.add_argument("--event", action="append", metavar="EVENT", choices=EVENTS,
                   help=f"only this event (repeatable): {', '.join(EVENTS)}")
    p.add_argument("--user", metavar="TEXT",
                   help="only rows whose user name contains TEXT (any case)")
    p.add_argument("--limit", type=int, default=0,
                   help="at most this many rows (default 0: all)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (for people, default), csv or json")
    p.add_argument("--all-columns", action="store_true",
                   help="table format: the machine and process columns too")
    csv_options(p)
    p.set_defaults(handler=cmd_audit)


def cmd_audit(args) -> int:
    if args.limit < 0:
        raise Fail("--limit must not be negative", EXIT_USAGE)
    config = open_config(args)
    found = trail(config, "vcompanion audit")
    if not found.keep:
        print(f"vcompanion: the audit trail is not kept: history.enabled is false in "
              f"{config.where} (audit events go to the log file)", file=sys.stderr)
    frame = found.rows(since=args.since, until=args.until, events=args.event,
                       user=args.user, limit=args.limit or None)
    if args.format == "table" and not args.all_columns:
        frame = frame[BRIEF]
    sys.stdout.write(render(frame, args.format, args.csv_safe))
    return EXIT_OK
