"""``vcompanion credentials set|clear|show``, ``config validate|example|docs`` and
``docs tables``: the commands that set vCompanion up and document it; they
read no vCenter.
"""

from __future__ import annotations

import getpass
import sys

from .. import credentials
from ..config import docs_markdown, example_config_text, load_config
from ..errors import CredentialsError
from ..tables import TABLES
from ..tables.schema import docs_markdown as tables_markdown
from .common import EXIT_OK, EXIT_USAGE, Fail, open_config


def register(subparsers) -> None:
    creds = subparsers.add_parser("credentials", help="store the service account in "
                                                      "the OS credential store")
    creds_sub = creds.add_subparsers(dest="action", metavar="ACTION", required=True)
    cset = creds_sub.add_parser("set", help="store user and password (prompted)")
    cset.add_argument("--vcenter", metavar="NAME",
                      help="for this vCenter only (its own SSO domain)")
    cset.add_argument("--username", help="user name (prompted when missing)")
    cset.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input")
    cset.set_defaults(handler=cmd_credentials_set)
    cclear = creds_sub.add_parser("clear", help="remove stored credentials")
    cclear.add_argument("--vcenter", metavar="NAME")
    cclear.set_defaults(handler=cmd_credentials_clear)
    for p in (cset, cclear):
        p.add_argument("--smtp", action="store_true",
                       help="the SMTP login for e-mail alerts instead (the password is "
                            f"also read from ${credentials.ENV_SMTP_PASSWORD})")
    cshow = creds_sub.add_parser("show", help="show which user each vCenter would use "
                                              "(never the password)")
    cshow.set_defaults(handler=cmd_credentials_show)

    cfg = subparsers.add_parser("config", help="validate or document the configuration")
    cfg_sub = cfg.add_subparsers(dest="action", metavar="ACTION", required=True)
    cfg_sub.add_parser("validate", help="check the configuration file").set_defaults(
        handler=cmd_config_validate)
    cfg_sub.add_parser("example", help="print config.example.json").set_defaults(
        handler=cmd_config_example)
    cfg_sub.add_parser("docs", help="print docs/configuration.md").set_defaults(
        handler=cmd_config_docs)

    docs = subparsers.add_parser("docs", help="print generated documentation")
    docs.add_argument("topic", choices=("tables",), help="tables: the column reference")
    docs.set_defaults(handler=cmd_docs)


# --- credentials ---------------------------------------------------------------------

def cmd_credentials_show(args) -> int:
    config = open_config(args)
    for vc in config.vcenters:
        try:
            found = credentials.resolve(vc.name, config_username=vc.username)
            print(f"{vc.name}: {found.username} (from {found.source})")
        except CredentialsError:
            print(f"{vc.name}: no credentials")
    show_smtp(args)
    return EXIT_OK


def show_smtp(args) -> None:
    """The `credentials show` line for the SMTP login of e-mail alerts."""
    try:
        config = load_config(args.config)
    except Exception:  # noqa: BLE001 - already reported by the main command
        return
    email = config.get("alerts.email")
    if not email["host"]:
        return
    found = credentials.smtp_credentials(email["username"])
    if found:
        print(f"smtp ({email['host']}): {found.username} (from {found.source})")
    elif email["username"]:
        print(f"smtp ({email['host']}): {email['username']}: no password")
    else:
        print(f"smtp ({email['host']}): no login")


def _scope(args) -> str | None:
    """The credential store scope of ``set``/``clear``; checks --vcenter and --smtp."""
    if args.smtp and args.vcenter:
        raise Fail("--smtp and --vcenter cannot be combined", EXIT_USAGE)
    if args.vcenter:
        load_config(args.config).vcenter(args.vcenter)  # the name must exist
    return credentials.SMTP_SCOPE if args.smtp else None


def cmd_credentials_clear(args) -> int:
    removed = credentials.clear_store(args.vcenter, scope=_scope(args))
    print("removed" if removed else "nothing stored", file=sys.stderr)
    return EXIT_OK


def cmd_credentials_set(args) -> int:
    scope = _scope(args)
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


# --- config and docs -----------------------------------------------------------------

def cmd_config_validate(args) -> int:
    config = load_config(args.config)
    print(f"{config.path}: OK, {len(config.vcenters)} vCenter(s): "
          f"{', '.join(v.name for v in config.vcenters)}")
    return EXIT_OK


def cmd_config_example(args) -> int:
    sys.stdout.write(example_config_text())
    return EXIT_OK


def cmd_config_docs(args) -> int:
    sys.stdout.write(docs_markdown())
    return EXIT_OK


def cmd_docs(args) -> int:
    sys.stdout.write(tables_markdown(list(TABLES.values())))
    return EXIT_OK
