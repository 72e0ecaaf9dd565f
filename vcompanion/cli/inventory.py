"""``vcompanion check | inventory KIND | search QUERY | problems``: the commands
that read every vCenter and print one table for all of them."""

from __future__ import annotations

import argparse
import sys

from .. import problems
from ..search import describe_fields, parse
from ..tables import TABLES
from .common import (EXIT_OK, open_companion, open_config, report_failures,
                     select_columns, table_options)
from .output import render

INVENTORY_KINDS = tuple(TABLES)
SEARCH_BRIEF = ["vcenter", "kind", "name", "matched", "value", "power_state",
                "ip_addresses", "host"]


def register(subparsers) -> None:
    check = subparsers.add_parser("check", help="connect to every vCenter and report "
                                                "its status")
    check.set_defaults(handler=cmd_check)

    inv = subparsers.add_parser("inventory", help="print an inventory table for all "
                                                  "vCenters")
    inv.add_argument("kind", choices=INVENTORY_KINDS, metavar="KIND",
                     help="one of: " + ", ".join(INVENTORY_KINDS))
    table_options(inv)
    inv.add_argument("--hours", type=float, default=None,
                     help="events: how far back (default from the config, 24)")
    inv.set_defaults(handler=cmd_inventory)

    search = subparsers.add_parser(
        "search", help="search VMs, IPs, hosts, datastores, ... across all vCenters",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Free text finds names (exact, substring, * and ? wildcards), IP "
                    "addresses, CIDRs\n(10.1.0.0/16), IP prefixes (10.1.2.), guest host "
                    "names, MACs, UUIDs and MoIDs.\nField filters narrow it down; "
                    "everything given must match, e.g.\n  vcompanion search "
                    "'10.20.0.0/16 power:on tag:Env:Prod'",
        epilog="fields (values case-insensitive, * and ? wildcards, \"double quotes\" "
               "keep spaces):\n" + "\n".join(
                   "  " + line for line in describe_fields().splitlines()))
    search.add_argument("query", help="free text and field:value filters, e.g. web-*, "
                                      "10.1.0.0/16, 'os:windows* power:off'")
    table_options(search)
    search.set_defaults(handler=cmd_search)

    probs = subparsers.add_parser("problems", help="health problems in every vCenter, "
                                                   "worst first")
    table_options(probs)
    probs.add_argument("--min-severity", choices=("info", "warning", "critical"),
                       default="info", help="hide problems below this severity")
    probs.add_argument("--rules", action="store_true",
                       help="list the rules and exit")
    probs.set_defaults(handler=cmd_problems)


def cmd_check(args) -> int:
    config = open_config(args)
    with open_companion(args, config) as companion:
        print(render(companion.check(), "table"), end="")
        return report_failures(companion)


def cmd_inventory(args) -> int:
    config = open_config(args)
    with open_companion(args, config) as companion:
        if args.kind == "events":
            frame = companion.events(hours=args.hours)
        else:
            frame = companion.table(args.kind)
        frame = select_columns(frame, args, TABLES[args.kind].brief_names)
        sys.stdout.write(render(frame, args.format, args.csv_safe))
        return report_failures(companion)


def cmd_search(args) -> int:
    parse(args.query)  # an unknown field fails at once, before any vCenter is read
    config = open_config(args)
    with open_companion(args, config) as companion:
        frame = companion.search(args.query)
        frame = select_columns(frame, args, SEARCH_BRIEF)
        sys.stdout.write(render(frame, args.format, args.csv_safe))
        code = report_failures(companion)
        if frame.empty and args.format == "table" and code == EXIT_OK:
            print(f"vcompanion: nothing matches '{args.query}'", file=sys.stderr)
        return code


def cmd_problems(args) -> int:
    if args.rules:
        for name, rule in problems.RULES.items():
            print(f"{name:24} {(rule.__doc__ or '').strip()}")
        return EXIT_OK
    config = open_config(args)
    with open_companion(args, config) as companion:
        frame = companion.problems()
        worst = problems.SEVERITY_RANK[args.min_severity]
        frame = frame[frame["severity"].map(problems.SEVERITY_RANK) <= worst]
        frame = select_columns(frame.reset_index(drop=True), args,
                               problems.TABLE.brief_names)
        sys.stdout.write(render(frame, args.format, args.csv_safe))
        return report_failures(companion)
