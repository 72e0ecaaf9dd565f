"""The ``vcompanion`` command.

Exit codes, the same for every command:
  0  everything worked
  2  usage or configuration error (bad option, bad config file, no credentials)
  3  authentication failed (a vCenter rejected the user or password)
  4  partial: some vCenters could not be read; the output holds the others and
     stderr names each failed vCenter and why

User errors print one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from . import __version__, credentials
from .config import Config, docs_markdown, example_config_text, load_config
from .errors import (AuthenticationError, ConfigError, CredentialsError,
                     NoPermissionError, VCompanionError)
from .logs import setup_from_config
from .output import FORMATS, render

log = logging.getLogger(__name__)

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_PARTIAL = 0, 2, 3, 4
INVENTORY_KINDS = ("vms", "hosts", "clusters", "datastores", "networks", "snapshots",
                   "alarms", "nics", "cdroms", "events")


class Fail(Exception):
    """Stop the command with this message and exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vcompanion",
        description="One view of all your vCenter Servers: inventory, search, "
                    "health, alerts and reports.",
        epilog="Exit codes: 0 ok, 2 usage or configuration error, 3 authentication "
               "failed, 4 some vCenters could not be read.")
    parser.add_argument("--version", action="version",
                        version=f"vcompanion {__version__}")
    parser.add_argument("--config", metavar="PATH",
                        help="configuration file (default: $VCOMPANION_CONFIG, else "
                             "./config.json)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("check", help="connect to every vCenter and report its status")

    inv = sub.add_parser("inventory", help="print an inventory table for all vCenters")
    inv.add_argument("kind", choices=INVENTORY_KINDS, metavar="KIND",
                     help="one of: " + ", ".join(INVENTORY_KINDS))
    table_options(inv)
    inv.add_argument("--hours", type=float, default=None,
                     help="events: how far back (default from the config, 24)")

    search = sub.add_parser("search", help="search VMs, IPs, hosts, datastores, ... "
                                           "across all vCenters")
    search.add_argument("query", help="name, wildcard (web-*), IP, CIDR (10.1.0.0/16), "
                                      "IP prefix (10.1.2.), host name, MAC or UUID")
    table_options(search)

    probs = sub.add_parser("problems", help="health problems in every vCenter, "
                                            "worst first")
    table_options(probs)
    probs.add_argument("--min-severity", choices=("info", "warning", "critical"),
                       default="info", help="hide problems below this severity")
    probs.add_argument("--rules", action="store_true",
                       help="list the rules and exit")

    creds = sub.add_parser("credentials", help="store the service account in the OS "
                                               "credential store")
    creds_sub = creds.add_subparsers(dest="action", metavar="ACTION", required=True)
    cset = creds_sub.add_parser("set", help="store user and password (prompted)")
    cset.add_argument("--vcenter", metavar="NAME",
                      help="for this vCenter only (its own SSO domain)")
    cset.add_argument("--username", help="user name (prompted when missing)")
    cset.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input")
    cclear = creds_sub.add_parser("clear", help="remove stored credentials")
    cclear.add_argument("--vcenter", metavar="NAME")
    for p in (cset, cclear):
        p.add_argument("--smtp", action="store_true",
                       help="the SMTP login for e-mail alerts instead (the password is "
                            f"also read from ${credentials.ENV_SMTP_PASSWORD})")
    cshow = creds_sub.add_parser("show", help="show which user each vCenter would use "
                                              "(never the password)")
    cshow.set_defaults()

    cfg = sub.add_parser("config", help="validate or document the configuration")
    cfg_sub = cfg.add_subparsers(dest="action", metavar="ACTION", required=True)
    cfg_sub.add_parser("validate", help="check the configuration file")
    cfg_sub.add_parser("example", help="print config.example.json")
    cfg_sub.add_parser("docs", help="print docs/configuration.md")

    docs = sub.add_parser("docs", help="print generated documentation")
    docs.add_argument("topic", choices=("tables",), help="tables: the column reference")

    for module in _command_modules():
        COMMANDS.update(module.register(sub))
    return parser


# Further commands live in their own modules.  Each module has
# ``register(subparsers) -> {command name: handler(args) -> exit code}`` and
# uses the helpers of this module (open_config, open_companion, ...).
COMMAND_MODULES: tuple[str, ...] = (
    "vcompanion.cli_alerts",
    "vcompanion.cli_reports",
    "vcompanion.cli_serve",
    "vcompanion.cli_notebook",
)


def _command_modules():
    import importlib
    return [importlib.import_module(name) for name in COMMAND_MODULES]


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


# --- commands ----------------------------------------------------------------------

def open_config(args) -> Config:
    """Load the config named by --config (or the defaults) and start logging."""
    config = load_config(args.config)
    try:
        setup_from_config(config)
    except OSError as exc:
        print(f"vcompanion: warning: cannot write logs in {config.logs_dir}: "
              f"{exc.strerror}", file=sys.stderr)
    return config


def open_companion(args, config: Config):
    from .companion import Companion
    return Companion(config, vcenters=args.vcenter if getattr(args, "vcenter", None)
                     else None)


def report_failures(companion) -> int:
    """Print one line per failed vCenter on stderr; the exit code they imply."""
    failures = companion.failures
    for name, error in failures.items():
        print(f"vcompanion: {error}", file=sys.stderr)
    if not failures:
        return EXIT_OK
    if any(isinstance(e, (CredentialsError, ConfigError)) for e in failures.values()):
        return EXIT_USAGE
    if any(isinstance(e, (AuthenticationError, NoPermissionError))
           for e in failures.values()):
        return EXIT_AUTH
    return EXIT_PARTIAL


def cmd_check(args) -> int:
    config = open_config(args)
    with open_companion(args, config) as companion:
        print(render(companion.check(), "table"), end="")
        return report_failures(companion)


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


def cmd_inventory(args) -> int:
    from .tables import TABLES

    config = open_config(args)
    with open_companion(args, config) as companion:
        if args.kind == "events":
            frame = companion.events(hours=args.hours)
        else:
            frame = companion.table(args.kind)
        frame = select_columns(frame, args, TABLES[args.kind].brief_names)
        sys.stdout.write(render(frame, args.format))
        return report_failures(companion)


def cmd_search(args) -> int:
    config = open_config(args)
    with open_companion(args, config) as companion:
        frame = companion.search(args.query)
        brief = ["vcenter", "kind", "name", "matched", "value", "power_state",
                 "ip_addresses", "host"]
        frame = select_columns(frame, args, brief)
        sys.stdout.write(render(frame, args.format))
        code = report_failures(companion)
        if frame.empty and args.format == "table" and code == EXIT_OK:
            print(f"vcompanion: nothing matches '{args.query}'", file=sys.stderr)
        return code


def cmd_problems(args) -> int:
    from . import problems
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
        sys.stdout.write(render(frame, args.format))
        return report_failures(companion)


def cmd_credentials(args) -> int:
    if args.action == "show":
        from .cli_alerts import show_smtp
        config = open_config(args)
        for vc in config.vcenters:
            try:
                found = credentials.resolve(vc.name, config_username=vc.username)
                print(f"{vc.name}: {found.username} (from {found.source})")
            except CredentialsError:
                print(f"{vc.name}: no credentials")
        show_smtp(args)
        return EXIT_OK
    if args.smtp and args.vcenter:
        raise Fail("--smtp and --vcenter cannot be combined", EXIT_USAGE)
    if args.vcenter:
        load_config(args.config).vcenter(args.vcenter)  # the name must exist
    scope = credentials.SMTP_SCOPE if args.smtp else None
    if args.action == "clear":
        removed = credentials.clear_store(args.vcenter, scope=scope)
        print("removed" if removed else "nothing stored", file=sys.stderr)
        return EXIT_OK
    what = "SMTP" if args.smtp else "vCenter"
    username = args.username or input(f"{what} user name (e.g. svc-vcompanion@vsphere"
                                      ".local): ").strip()
    if not username:
        raise Fail("no user name given", EXIT_USAGE)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {username}: ")
    if not password:
        raise Fail("no password given", EXIT_USAGE)
    store = credentials.save_to_store(username, password, args.vcenter, scope=scope)
    target = ("the SMTP login" if args.smtp else
              f"vCenter '{args.vcenter}'" if args.vcenter else "all vCenters")
    print(f"stored {username} for {target} in {store}", file=sys.stderr)
    return EXIT_OK


def cmd_config(args) -> int:
    if args.action == "example":
        sys.stdout.write(example_config_text())
    elif args.action == "docs":
        sys.stdout.write(docs_markdown())
    else:
        config = load_config(args.config)
        print(f"{config.path}: OK, {len(config.vcenters)} vCenter(s): "
              f"{', '.join(v.name for v in config.vcenters)}")
    return EXIT_OK


def cmd_docs(args) -> int:
    from .tables import TABLES
    from .tables.schema import docs_markdown as tables_markdown
    sys.stdout.write(tables_markdown(list(TABLES.values())))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "inventory": cmd_inventory, "search": cmd_search,
            "problems": cmd_problems,
            "credentials": cmd_credentials, "config": cmd_config, "docs": cmd_docs}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
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


if __name__ == "__main__":
    sys.exit(main())
