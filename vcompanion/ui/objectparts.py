"""HTML of the object page (pages/object.py): its head, its facts, the tags and
attributes, and the messages for an object that is gone or not available.

Pure functions of data -> HTML text; every value from vCenter is escaped
here (names, tags, paths, the moid of the URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

import numpy as np
import pandas as pd

from . import labels
from .fragments import pill
from .links import object_link
from .theme import Palette

KIND_TITLE = {"vm": "Virtual machine", "host": "Host", "datastore": "Datastore",
              "cluster": "Cluster", "network": "Network"}
SECTION_TITLE = {"tags": "Tags", "attributes": "Custom attributes",
                 "alarms": "Triggered alarms", "problems": "Problems",
                 "events": "Recent events", "nics": "Network adapters",
                 "cdroms": "CD/DVD drives", "disks": "Virtual disks",
                 "snapshots": "Snapshots", "vms": "Virtual machines", "hosts": "Hosts",
                 "datastores": "Datastores", "networks": "Networks"}
# Facts shown elsewhere on the page (the head and its state pills, the tags and
# attributes sections).
NOT_FACTS = {"vcenter", "name", "moid", "tags", "attributes", "power_state",
             "connection_state", "overall_status"}
# Fact columns naming other objects: kind of the object(s) they name.
LINKED = {"host": "host", "hosts": "host", "cluster": "cluster", "datastore": "datastore",
          "datastores": "datastore", "network": "network", "networks": "network"}

OBJECT_CSS = """
.head { display: flex; align-items: center; flex-wrap: wrap; gap: 8px 14px;
        padding: 2px 2px 4px 2px; }
.head h2 { margin: 0; font-size: 22px; font-weight: 650; overflow-wrap: anywhere; }
.head .kind { font-size: 12px; text-transform: uppercase; letter-spacing: .06em;
              color: var(--vc-muted); font-weight: 600; }
.head .where { width: 100%; font-size: 13px; color: var(--vc-muted); }
.head .where code { font-size: 12.5px; }
.facts { column-width: 340px; column-gap: 28px; width: 100%; }
.fact { display: grid; grid-template-columns: minmax(110px, 40%) 1fr; gap: 10px;
        padding: 4px 2px; border-bottom: 1px solid var(--vc-border); font-size: 13.5px;
        min-width: 0; break-inside: avoid; }
.fact .k { color: var(--vc-muted); }
.fact .v { overflow-wrap: anywhere; min-width: 0; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; padding: 4px 0; }
.chip { border: 1px solid var(--vc-border); border-radius: 999px; padding: 2px 10px;
        font-size: 12.5px; background: var(--vc-surface-alt); white-space: nowrap; }
.chip .c { color: var(--vc-muted); }
.none { color: var(--vc-muted); font-size: 13px; padding: 2px 0; }
.sec-head { display: flex; align-items: baseline; gap: 8px; }
.sec-head .count { font-size: 12px; color: var(--vc-muted); font-weight: 600; }
"""


def section_title(name: str) -> str:
    return SECTION_TITLE.get(name) or name.replace("_", " ").capitalize()


def head(view, frames, p: Palette) -> str:
    """Kind, name, state pills, vCenter and moid of an object."""
    facts = view.facts
    kind = "Template" if view.kind == "vm" and bool(facts.get("is_template")) \
        else KIND_TITLE.get(view.kind, view.kind)
    pills = []
    for column, colors in (("power_state", {"poweredOn": p.ok, "suspended": p.warning}),
                           ("connection_state", {"connected": p.ok}),
                           ("overall_status", {"green": p.ok, "yellow": p.warning,
                                               "red": p.critical})):
        value = facts.get(column)
        if isinstance(value, str) and value:
            text = labels.friendly(column, value)
            if column == "overall_status":
                text = f"Health: {text}"
            pills.append(pill(text, colors.get(value, p.off if column != "connection_state"
                                               else p.critical)))
    if view.kind == "host" and facts.get("in_maintenance") is True:
        pills.append(pill("In maintenance", p.warning))
    read = labels.ago(frames.refreshed_at) if frames.refreshed_at is not None else ""
    return (f'<div class="head" data-kind="{escape(view.kind)}">'
            f'<span class="kind">{escape(kind)}</span>'
            f'<h2 data-name>{escape(view.name)}</h2>{"".join(pills)}'
            f'<div class="where">vCenter <b>{escape(view.vcenter)}</b> · managed object '
            f'<code>{escape(view.moid)}</code>{" · read " + escape(read) if read else ""}'
            f'</div></div>')


def facts_html(view, frames, decl, resolve) -> str:
    """The object's row as label / value pairs, friendly words, sizes, links to
    the objects it names; empty values left out."""
    units = {c.name: c.unit for c in decl.columns} if decl is not None else {}
    tips = {c.name: c.description for c in decl.columns} if decl is not None else {}
    items = []
    for column, value in view.facts.items():
        if column in NOT_FACTS:
            continue
        text = _value(view, column, value, units.get(column, ""), resolve)
        if text == "":
            continue
        title = labels.title(column, decl.name if decl is not None else "")
        if units.get(column) == "bytes":
            title = title.replace(" (GiB)", "")
        items.append(f'<div class="fact" data-fact="{escape(column)}">'
                     f'<span class="k" title="{escape(tips.get(column, ""))}">'
                     f'{escape(title)}</span><span class="v">{text}</span></div>')
    return f'<div class="facts">{"".join(items)}</div>'


def _value(view, column: str, value, unit: str, resolve) -> str:
    """One fact as HTML ('' when empty)."""
    if isinstance(value, (list, tuple)):
        if not value:
            return ""
        if column in LINKED:
            return ", ".join(_linked(view, LINKED[column], v, resolve) for v in value)
        return escape(", ".join(map(str, value)))
    if value is None or value is pd.NA or value is pd.NaT or \
            (isinstance(value, float) and value != value):
        return ""
    if column in LINKED and isinstance(value, str):
        return _linked(view, LINKED[column], value, resolve) if value else ""
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if isinstance(value, (pd.Timestamp, datetime)):
        return f'{escape(labels.utc_text(value))} <span class="muted">' \
               f'({escape(labels.ago(value))})</span>'
    if unit == "bytes":
        return escape(labels.size(value))
    if isinstance(value, str):
        return escape(labels.friendly(column, value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if column.endswith("_pct"):
            return f"{number:.1f} %"
        return f"{number:,.1f}" if number != int(number) else f"{int(number):,}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return escape(str(value))


def _linked(view, kind: str, name, resolve) -> str:
    return object_link(name, view.vcenter, resolve(view.vcenter, kind, name))


def chips(frame: pd.DataFrame, first: str, second: str, sep: str) -> str:
    """Tags (category: tag) or attributes (name = value) as chips."""
    if frame is None or not len(frame):
        return '<div class="none">none</div>'
    items = [f'<span class="chip"><span class="c">{escape(str(a))}{sep}</span>'
             f'{escape(str(b))}</span>' for a, b in zip(frame[first], frame[second])]
    return f'<div class="chips">{"".join(items)}</div>'


def section_head(name: str, count: int | None, description: str = "") -> str:
    number = "" if count is None else f'<span class="count">{count:,}</span>'
    rows = "" if count is None else f' data-rows="{count}"'
    return (f'<div class="sec-head" data-section="{escape(name)}"{rows}><span '
            f'class="section-title" title="{escape(description)}">'
            f'{escape(section_title(name))}</span>{number}</div>')


@dataclass(frozen=True)
class GoneObject:
    """What is known about an object that is no longer in its vCenter."""

    last_seen: datetime | None = None  # when it was last seen
    name: str = ""
    kind: str = ""
    history_url: str = ""  # its history page (once the history exists)
    history_text: str = "See its history"


def gone(vcenter: str, moid: str, read_at, info: GoneObject | None) -> str:
    """The message of an object no longer in the inventory."""
    info = info or GoneObject()
    what = (f'{KIND_TITLE.get(info.kind, "Object")} {info.name} ({moid})'
            if info.name else moid)
    if info.last_seen is not None:
        seen = f"It was last seen {labels.utc_text(info.last_seen)} " \
               f"({labels.ago(info.last_seen)})."
    else:
        seen = f"It was last seen before {labels.utc_text(read_at)}, when vCenter " \
               f"{vcenter} was last read; the object page shows it again if it " \
               f"comes back." if read_at is not None else ""
    link = (f'<div style="margin-top:10px"><a href="{escape(info.history_url)}" '
            f'data-history>{escape(info.history_text)}</a></div>'
            if info.history_url else "")
    return (f'<div class="empty" data-gone="{escape(moid)}"><h3>{escape(what)} no longer '
            f'exists in vCenter {escape(vcenter)}</h3><div>{escape(seen)}</div>{link}'
            f'<div style="margin-top:10px"><a href="/inventory">Inventory</a> · '
            f'<a href="/search">Search</a></div></div>')


def not_available(vcenter: str, why: str = "") -> str:
    """An unknown vCenter, or one this login cannot see (the same words for both)."""
    text = why or ("It is not configured here, or your login cannot read it.")
    return (f'<div class="empty" data-unavailable="{escape(vcenter)}"><h3>vCenter '
            f'{escape(vcenter)} is not available</h3><div>{escape(text)}</div></div>')


def which() -> str:
    return ('<div class="empty" data-unavailable=""><h3>Which object?</h3><div>Open a '
            'VM, host, datastore or cluster from the Inventory, Search, Problems, '
            'Hosts, Datastores or Snapshots pages: every name there links to its '
            'page.</div></div>')


__all__ = ["GoneObject", "KIND_TITLE", "OBJECT_CSS", "chips", "facts_html", "gone", "head",
           "not_available", "section_head", "section_title", "which"]
