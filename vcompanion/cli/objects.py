"""``vcompanion object VCENTER MOID``: one VM, host, datastore, cluster or
network with everything related to it (``Companion.object``).

Reads only that vCenter.  ``--format table`` prints the facts as a
two-column list, then every section under its name (``(none)`` when it has
no rows); ``json`` one object (``vcenter``, ``moid``, ``kind``, ``name``,
``facts``, ``sections``: name -> rows, ``errors``: section -> why it is
empty); ``csv`` the facts as ``field,value``, then each section after a
blank line and a ``# section: NAME`` line -- or, with ``--section NAME``,
that section's rows alone (one clean CSV table).

Exit codes: 0 shown; 1 no such object (never there, or gone since); 2 an
unknown vCenter name or section; 3 / 4 the vCenter could not be read (its
login was refused / anything else); 4 also when a section could not be read
(the rest is printed; stderr says which and why).
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from ..errors import NotFoundError
from ..frames import records
from ..objects import SECTIONS, shown_columns
from .common import EXIT_OK, EXIT_PARTIAL, Fail, csv_options, open_config
from .output import FORMATS, render, to_table

EXIT_NOT_FOUND = 1


def register(subparsers) -> None:
    obj = subparsers.add_parser(
        "object", help="one VM, host, datastore, cluster or network with its tags, "
                       "alarms, problems, events, devices, disks, snapshots, ...",
        description="Print one object's facts and sections (tags, attributes, alarms, "
                    "problems, recent events, a VM's NICs, CD drives, disks and "
                    "snapshots, a host's VMs, a datastore's VMs and hosts, a cluster's "
                    "hosts, ...). MOID is the managed object id (vm-42, host-10, "
                    "datastore-7, ...), shown in the moid column of every table.",
        epilog="Exit codes: 0 ok, 1 no such object (any more), 2 unknown vCenter or "
               "section, 3 the vCenter refused the login, 4 the vCenter (or a section) "
               "could not be read.")
    obj.add_argument("vcenter", metavar="VCENTER", help="configured vCenter name")
    obj.add_argument("moid", metavar="MOID", help="managed object id, e.g. vm-42")
    obj.add_argument("--format", choices=FORMATS, default="table",
                     help="table (for people, default), csv or json")
    csv_options(obj)
    obj.add_argument("--section", action="append", metavar="NAME",
                     help="only this section (repeatable; " + ", ".join(SECTIONS) + ")")
    obj.add_argument("--hours", type=float, default=None,
                     help="events: how far back (default from the config, 24)")
    obj.set_defaults(handler=cmd_object)


def cmd_object(args) -> int:
    from ..companion import Companion
    config = open_config(args)
    config.vcenter(args.vcenter)  # ConfigError naming the configured ones
    unknown = [s for s in args.section or () if s not in SECTIONS]
    if unknown:
        raise Fail(f"unknown section(s) {', '.join(unknown)}; sections: "
                   f"{', '.join(SECTIONS)}", 2)
    with Companion(config, vcenters=[args.vcenter]) as companion:
        try:
            view = companion.object(args.vcenter, args.moid, hours=args.hours)
        except NotFoundError as exc:
            raise Fail(str(exc), EXIT_NOT_FOUND) from None
        names = [s for s in view.sections if not args.section or s in args.section]
        skipped = [s for s in args.section or () if s not in view.sections]
        if skipped:
            print(f"vcompanion: {view.kind} pages have no section "
                  f"{', '.join(skipped)}", file=sys.stderr)
        frames = {name: view[name] for name in names}
        sys.stdout.write(_render(view, frames, args))
        for name, why in view.errors.items():
            print(f"vcompanion: section {name} unavailable: {why}", file=sys.stderr)
        return EXIT_PARTIAL if view.errors else EXIT_OK


def _render(view, frames: dict[str, pd.DataFrame], args) -> str:
    if args.format == "json":
        return json.dumps({
            "vcenter": view.vcenter, "moid": view.moid, "kind": view.kind,
            "name": view.name, "facts": records(view.facts.to_frame().T)[0],
            "sections": {name: records(frame) for name, frame in frames.items()},
            "errors": dict(view.errors)}, indent=1, ensure_ascii=False) + "\n"
    if args.format == "csv":
        if args.section and len(frames) == 1:
            return render(next(iter(frames.values())), "csv", args.csv_safe)
        parts = [] if args.section else [render(_facts(view), "csv", args.csv_safe)]
        parts += [f"# section: {name}\n{render(frame, 'csv', args.csv_safe)}"
                  for name, frame in frames.items()]
        return "\n".join(parts)
    out = []
    if not args.section:
        out.append(f"{view.kind} {view.name} ({view.moid}) in vCenter {view.vcenter}\n\n")
        out.append(to_table(_facts(view), max_width=100))
    for name, frame in frames.items():
        out.append(f"\n== {name} ({len(frame)})\n")
        out.append(to_table(_brief(view, name, frame)) if len(frame) else "(none)\n")
    return "".join(out)


def _facts(view) -> pd.DataFrame:
    """The facts as rows of field and value, the empty ones left out."""
    rows = [(field, value) for field, value in view.facts.items()
            if not _missing(value)]
    return pd.DataFrame(rows, columns=["field", "value"]).astype(object)


def _missing(value) -> bool:
    if isinstance(value, (list, tuple)):
        return not value
    try:
        return bool(pd.isna(value)) or value == ""
    except (TypeError, ValueError):
        return False


def _brief(view, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A section's key columns for a terminal (objects.shown_columns)."""
    return frame[shown_columns(view, name, frame)]
