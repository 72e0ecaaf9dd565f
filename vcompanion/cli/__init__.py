"""The ``vcompanion`` command.

Exit codes, the same for every command:
  0  everything worked
  1  the object asked for does not exist (``vcompanion object``)
  2  usage or configuration error (bad option, bad config file, no credentials)
  3  authentication failed (a vCenter rejected the user or password)
  4  partial: some vCenters could not be read; the output holds the others and
     stderr names each failed vCenter and why

User errors print one line on stderr, never a traceback.

Each command group is a module of this package with ``register(subparsers)``:
it adds its commands and sets each one's ``handler(args) -> exit code`` with
``set_defaults(handler=...)``.  ``COMMAND_GROUPS`` lists them in the order of
``vcompanion --help``; what they share (``Fail``, the exit codes, opening the
config and the Companion, ...) is in ``common.py``, the table/csv/json output
in ``output.py``.  The commands reach vCenters only through ``Companion``.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..errors import VCompanionError
from . import (alerts, audit, inventory, metrics, notebook, objects, reports, scheduler, serve,
               settings)
from .common import EXIT_OK, EXIT_USAGE, Fail

COMMAND_GROUPS = (
    inventory,   # check, inventory, search, problems
    objects,     # object
    metrics,     # metrics, performance
    settings,    # credentials, config, docs
    alerts,      # alerts run|history|pending|test
    scheduler,   # scheduler
    reports,     # report
    serve,       # serve
    notebook,    # notebook
    audit,       # audit
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vcompanion",
        description="One view of all your vCenter Servers: inventory, search, "
                    "health, alerts and reports.",
        epilog="Exit codes: 0 ok, 1 no such object (object), 2 usage or configuration "
               "error, 3 authentication failed, 4 some vCenters could not be read.")
    parser.add_argument("--version", action="version",
                        version=f"vcompanion {__version__}")
    parser.add_argument("--config", metavar="PATH",
                        help="configuration file (default: $VCOMPANION_CONFIG, else "
                             "./config.json)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.handler(args)
    except Fail as exc:
        print(f"vcompanion: {exc}", file=sys.stderr)
        return exc.code
    except VCompanionError as exc:
        print(f"vcompanion: {exc}", file=sys.stderr)
        return exc.exit_code if exc.exit_code in (2, 3, 4) else EXIT_USAGE
    except KeyboardInterrupt:
        print("vcompanion: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `vcompanion inventory vms | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
