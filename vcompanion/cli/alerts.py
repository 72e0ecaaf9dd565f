"""``vcompanion alerts run|history|pending|test``: problems and critical events
by e-mail and webhooks (the SMTP password: ``vcompanion credentials set --smtp``,
in settings.py; on a schedule: ``vcompanion scheduler``, in scheduler.py).

Exit codes as everywhere: 0 ok, 2 usage/config, 3 authentication, 4 partial
(some vCenter could not be read, or a notifier failed: its alerts stay queued
and the next run retries them).
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from ..audit import LOCAL, local_user
from .common import (EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, Fail, audit_trail, csv_options,
                     open_companion, open_config, report_failures, select_columns,
                     table_options)
from .output import FORMATS, render

HISTORY_BRIEF = ["time", "notifier", "recipients", "change", "severity", "vcenter",
                 "object", "outcome", "error"]
ITEM_COLUMNS = ["change", "severity", "vcenter", "object", "object_type", "category",
                "message", "since", "event_type", "user", "key"]
ITEM_BRIEF = ["change", "severity", "vcenter", "object", "message"]


def register(subparsers) -> None:
    alerts = subparsers.add_parser(
        "alerts", help="send new, escalated and resolved problems and critical events "
                       "by e-mail and webhooks")
    actions = alerts.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="evaluate every vCenter once and notify what "
                                         "changed since the last run")
    run.add_argument("--dry-run", action="store_true",
                     help="show what would be sent; change and send nothing")
    run.add_argument("--vcenter", action="append", metavar="NAME",
                     help="only this vCenter (repeatable)")
    run.add_argument("--format", choices=FORMATS, default="table",
                     help="how to print the changes: table (default), csv or json")
    csv_options(run)
    run.set_defaults(handler=cmd_run)
    hist = actions.add_parser("history", help="what was sent, when, to whom, outcome "
                                              "(newest first)")
    table_options(hist)
    hist.add_argument("--limit", type=int, default=100,
                      help="at most this many rows (default 100; 0: all)")
    hist.set_defaults(handler=cmd_history)
    pend = actions.add_parser("pending", help="notices queued for a notifier that "
                                              "failed (retried by the next run)")
    pend.add_argument("--format", choices=FORMATS, default="table")
    csv_options(pend)
    pend.set_defaults(handler=cmd_pending)
    test = actions.add_parser("test", help="send a test notice through every notifier")
    test.add_argument("--notifier", metavar="NAME",
                      help="only this one: email, or a webhook's name")
    test.set_defaults(handler=cmd_test)


def _items_frame(items):
    import pandas as pd
    return pd.DataFrame([{c: i.get(c) for c in ITEM_COLUMNS} for i in items],
                        columns=ITEM_COLUMNS)


def cmd_run(args) -> int:
    from ..alerts import engine
    config = open_config(args)
    with open_companion(args, config) as companion:
        result = engine.run(config, companion=companion, dry_run=args.dry_run)
    frame = _items_frame(result.items)
    if args.format == "table":
        frame = frame[ITEM_BRIEF]
    if result.items or args.format != "table":
        sys.stdout.write(render(frame, args.format, args.csv_safe))
    out = sys.stderr if args.format != "table" else sys.stdout
    verb = "would be sent" if args.dry_run else "found"
    print(f"{len(result.items)} change(s) {verb}", file=out)
    if not args.dry_run and not result.deliveries:
        print("vcompanion: no notifier is set up (alerts.email, alerts.webhooks): "
              "nothing was sent", file=sys.stderr)
    for d in result.deliveries:
        if d.ok:
            print(f"{d.description} -> {d.recipients}: {d.sent} sent", file=out)
        else:
            print(f"vcompanion: {d.error}; {d.sent} sent, {d.pending} queued for the "
                  f"next run", file=sys.stderr)
    code = report_failures(SimpleNamespace(failures=result.failures))
    if code == EXIT_OK and result.failed_notifiers:
        code = EXIT_PARTIAL
    return code


def _store(args):
    from ..alerts.store import AlertStore
    config = open_config(args)
    return config, AlertStore.open(config)


def cmd_history(args) -> int:
    import pandas as pd

    from ..alerts.store import HISTORY_COLUMNS
    _config, store = _store(args)
    with store:
        rows = store.history(limit=None if args.vcenter else (args.limit or None))
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    if args.vcenter:
        frame = frame[frame["vcenter"].isin(args.vcenter)]
        if args.limit:
            frame = frame.head(args.limit)
    if not frame.empty:
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame = select_columns(frame.reset_index(drop=True), args, HISTORY_BRIEF)
    sys.stdout.write(render(frame, args.format, args.csv_safe))
    return EXIT_OK


def cmd_pending(args) -> int:
    import pandas as pd
    _config, store = _store(args)
    with store:
        rows = store.pending()
    frame = pd.DataFrame(
        [{"notifier": r["notifier"], "queued": r["created"], "attempts": r["attempts"],
          "last_error": r["last_error"], "change": r["item"]["change"],
          "severity": r["item"].get("severity"), "vcenter": r["item"].get("vcenter"),
          "object": r["item"].get("object"), "message": r["item"].get("message")}
         for r in rows],
        columns=["notifier", "queued", "attempts", "last_error", "change", "severity",
                 "vcenter", "object", "message"])
    sys.stdout.write(render(frame, args.format, args.csv_safe))
    if frame.empty and args.format == "table":
        print("nothing pending", file=sys.stderr)
    return EXIT_OK


def cmd_test(args) -> int:
    from ..alerts import engine
    config = open_config(args)
    results = engine.send_test(config, only=args.notifier)
    if not results:
        what = f"no notifier named '{args.notifier}'" if args.notifier else \
            "no notifier is set up (alerts.email, alerts.webhooks)"
        raise Fail(f"{what} in {config.where}", EXIT_USAGE)
    trail = audit_trail(args, config)
    for d in results:
        trail.alert_test_sent(local_user(), LOCAL, d.description, d.recipients, d.ok,
                              None if d.ok else d.error)
        if d.ok:
            print(f"sent: {d.description} -> {d.recipients}")
        else:
            print(f"vcompanion: FAILED: {d.error}", file=sys.stderr)
    return EXIT_OK if all(d.ok for d in results) else EXIT_PARTIAL
