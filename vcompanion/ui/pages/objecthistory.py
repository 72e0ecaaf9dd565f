"""The history on object pages: the "Change history" section's look, and what a
gone object's page says.

- The section itself is ``vcompanion.objects``' ``history`` (its changes,
  newest first; ``vcompanion object`` prints it too).  Here: its rows in words
  (``changes.display``: friendly values, sizes, lists as text) and a link to
  all its changes on the Changes page.
- ``GONE_OBJECT_HOOKS``: an object no longer in its vCenter says when it was
  removed and by whom (the history's ``removed`` change and its event), and
  links its changes.  One indexed query (the object's changes), through the
  page's ``HistoryReader``: only for a vCenter the page may show.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd

from ..objectparts import GoneObject
from ..pagedata.history import history_reader
from .changes import display
from .object import GONE_OBJECT_HOOKS, SECTION_LOOKS, SectionLook


def changes_url(vcenter: str, moid: str, kind: str = "", since: str = "730d") -> str:
    """/changes of one object (bookmarkable; by default the two years the history
    keeps by default)."""
    query = {"vcenter": vcenter, "moid": moid, "since": since}
    if kind:
        query["kind"] = kind
    return "/changes?" + urlencode(query)


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The section's rows (newest first already) in words."""
    return display(frame.iloc[::-1])


def _link(view) -> tuple[str, str]:
    return changes_url(view.vcenter, view.moid, view.kind), "All its changes ›"


def gone_from_history(ctx, vcenter: str, moid: str) -> GoneObject | None:
    """When and by whom the object was removed, with a link to its changes."""
    reader = history_reader(ctx.data, ctx.data.latest)
    if vcenter not in reader.vcenters or not reader.available:
        return None
    removal = reader.removal(vcenter, moid)
    if removal is None:
        return None
    return GoneObject(name=removal.name, kind=removal.kind, removed=removal.time,
                      removed_by=removal.user, removed_event=removal.event,
                      history_url=changes_url(vcenter, moid, removal.kind),
                      history_text="See its changes")


SECTION_LOOKS["history"] = SectionLook(rows=_rows, link=_link)
GONE_OBJECT_HOOKS.append(gone_from_history)

__all__ = ["changes_url", "gone_from_history"]
