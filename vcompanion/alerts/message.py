"""Wording shared by every notifier: titles, summaries, subjects.

An *item* is one thing to tell, a plain dict (it is stored as JSON in the
outbox)::

    key, change (new | escalated | resolved | event | test), severity,
    previous_severity, vcenter, category, object, object_type, message,
    since, detected, rule, event_type, user
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from ..problems import SEVERITY_RANK

CHANGE_LABELS = {"new": "New", "escalated": "Escalated", "resolved": "Resolved",
                 "event": "Event", "test": "Test"}
SEVERITY_COLORS = {"critical": "#d13438", "warning": "#f7a600", "info": "#2f80ed",
                   "resolved": "#2e9d4f"}


def sort_items(items: list[dict]) -> list[dict]:
    """Worst first; resolved notices last."""
    return sorted(items, key=lambda i: (i["change"] == "resolved",
                                        SEVERITY_RANK.get(i.get("severity"), 9),
                                        i.get("vcenter") or "", i.get("object") or ""))


def headline(item: dict) -> str:
    """One line: ``CRITICAL (new) prod / esx-01: Host is disconnected``."""
    if item["change"] == "resolved":
        tag = f"RESOLVED (was {item.get('severity')})"
    elif item["change"] == "escalated":
        tag = f"{item['severity'].upper()} (escalated from {item.get('previous_severity')})"
    else:
        tag = f"{(item.get('severity') or 'info').upper()} ({item['change']})"
    where = " / ".join(x for x in (item.get("vcenter"), item.get("object")) if x)
    return f"{tag} {where}: {item.get('message') or ''}".rstrip(": ")


def when_text(value: str | None) -> str:
    """An ISO time as ``2024-05-01 13:45 UTC``."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


def counts(items: list[dict]) -> str:
    """``2 critical, 1 warning, 1 resolved``."""
    counter = Counter("resolved" if i["change"] == "resolved" else i.get("severity")
                      for i in items)
    order = ("critical", "warning", "info", "resolved")
    return ", ".join(f"{counter[k]} {k}" for k in order if counter.get(k))


def subject(items: list[dict]) -> str:
    """E-mail subject / card title for a batch."""
    items = sort_items(items)
    if len(items) == 1:
        return f"[vCompanion] {headline(items[0])}"[:200]
    vcenters = sorted({i.get("vcenter") for i in items if i.get("vcenter")})
    where = f" in {', '.join(vcenters)}" if 0 < len(vcenters) <= 3 else ""
    return f"[vCompanion] {len(items)} alerts{where}: {counts(items)}"


def details(item: dict) -> list[tuple[str, str]]:
    """(label, value) pairs shown under an item's headline."""
    pairs = [("vCenter", item.get("vcenter")),
             ("Object", " ".join(x for x in (item.get("object"),
                                             f"({item['object_type']})"
                                             if item.get("object_type") else None) if x)),
             ("Category", item.get("category")),
             ("Event type", item.get("event_type")),
             ("User", item.get("user")),
             ("Since", when_text(item.get("since"))),
             ("Detected", when_text(item.get("detected")))]
    return [(k, v) for k, v in pairs if v]
