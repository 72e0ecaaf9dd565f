"""What every command shares: exit codes, ``Fail``, opening the config and the
``Companion``, reporting failed vCenters, the table options, console logging.

Exit codes, the same for every command:
  0  everything worked
  2  usage or configuration error (bad option, bad config file, no credentials)
  3  authentication failed (a vCenter rejected the user or password)
  4  partial: some vCenters could not be read; the output holds the others and
     stderr names each failed vCenter and why
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from ..config import Config, find_config, load_config
from ..errors import (AuthenticationError, ConfigError, CredentialsError,
                      NoPermissionError)
from ..logs import SecretFilter, setup_from_config
from .output import FORMATS

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_PARTIAL = 0, 2, 3, 4


class Fail(Exception):
    """Stop the command with this message and exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def table_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (for people, default), csv or json")
    p.add_argument("--vcenter", action="append", metavar="NAME",
                   help="only this vCenter (repeatable)")
    p.add_argument("--columns", metavar="A,B,...",
                   help="columns to print (default for table: the key ones; "
                        "csv and json: all)")
    p.add_argument("--all-columns", action="store_true",
                   help="print every column in table format too")
    csv_options(p)


def csv_options(p: argparse.ArgumentParser) -> None:
    """``--csv-safe`` (the default) / ``--csv-raw``: see ``frames.csv_text``."""
    spreadsheet = p.add_mutually_exclusive_group()
    spreadsheet.add_argument(
        "--csv-safe", dest="csv_safe", action="store_true", default=True,
        help="csv (the default): text that a spreadsheet would run as a formula "
             "(starting with = + - @, tab or CR) gets a leading ' and text is quoted")
    spreadsheet.add_argument(
        "--csv-raw", dest="csv_safe", action="store_false",
        help="csv: every value exactly as vCenter sent it, for programs; do not open "
             "such a file in a spreadsheet")


def open_config(args) -> Config:
    """Load the config named by --config (or the defaults) and start logging;
    a file that fails validation is recorded in the audit trail (audit.py)."""
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        path = find_config(args.config).expanduser()
        if path.is_file():
            from ..audit import config_invalid
            config_invalid(path, exc, f"vcompanion {getattr(args, 'command', '')}")
        raise
    try:
        setup_from_config(config)
    except OSError as exc:
        print(f"vcompanion: warning: cannot write logs in {config.logs_dir}: "
              f"{exc.strerror}", file=sys.stderr)
    return config


def open_companion(args, config: Config):
    from ..companion import Companion
    return Companion(config, vcenters=args.vcenter if getattr(args, "vcenter", None)
                     else None)


def report_failures(companion) -> int:
    """Print one line per failed vCenter on stderr; the exit code they imply."""
    failures = companion.failures
    for error in failures.values():
        print(f"vcompanion: {error}", file=sys.stderr)
    if not failures:
        return EXIT_OK
    if any(isinstance(e, (CredentialsError, ConfigError)) for e in failures.values()):
        return EXIT_USAGE
    if any(isinstance(e, (AuthenticationError, NoPermissionError))
           for e in failures.values()):
        return EXIT_AUTH
    return EXIT_PARTIAL


def select_columns(frame, args, brief):
    """The columns to print: --columns, else the brief ones for table format."""
    if args.columns:
        wanted = [c.strip() for c in args.columns.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in frame.columns]
        if unknown:
            raise Fail(f"unknown column(s) {', '.join(unknown)}; available: "
                       f"{', '.join(frame.columns)}", EXIT_USAGE)
        return frame[wanted]
    if args.format == "table" and not args.all_columns:
        return frame[[c for c in brief if c in frame.columns]]
    return frame


def console_logging(show: Callable[[logging.LogRecord], bool],
                    time_format: str) -> logging.Handler:
    """Print the ``vcompanion`` log records that ``show`` accepts on stderr too,
    as "<time> LEVEL message" (``time_format``: strftime), secrets scrubbed.

    For the long-running commands (serve, scheduler); the log file still gets
    everything at the configured level.  Returns the handler: remove it from
    ``logging.getLogger("vcompanion")`` to stop.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                           time_format))
    handler.addFilter(SecretFilter())
    handler.addFilter(show)
    logging.getLogger("vcompanion").addHandler(handler)
    return handler


def audit_trail(args, config):
    """This command's audit trail (``audit.trail``): user and client for its rows
    are the account running it and ``local``."""
    from ..audit import trail
    return trail(config, f"vcompanion {args.command}")
