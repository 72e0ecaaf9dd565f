"""The history as one page may show it: every read filtered by the page's vCenters.

Pages never read the history directly: they make a ``HistoryReader`` with
``history_reader(data, frames)`` and ask it.  The reader knows the vCenters
the page may show -- the ones in its FrameSet's status table, which for a
login that may see only some vCenters holds only those -- and passes them
to every query: the changes, gaps, capacity series, forecasts, the
inventory as of a time, the status.  A vCenter asked for that is not among
them gives nothing, never another vCenter's rows.

The history is a database (SQLite or PostgreSQL): call the reader from a
background thread (``ui/background.py``), never on the session's event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ...errors import VCompanionError
from ...history import History
from ...history.queries import (CAPACITY_COLUMNS, capacity_frame_empty, changes_frame_empty,
                                gaps_frame_empty)


def history_of(data) -> History | None:
    """The History behind a page's data: ``data.history`` when the data offers
    one (a view of the shared data may), else its Companion's; None when there
    is none (the history turned off: the pages say so)."""
    history = getattr(data, "history", None)
    if isinstance(history, History):
        return history
    companion = getattr(data, "companion", None)
    if companion is None:
        return None
    try:
        return companion.history
    except VCompanionError:  # history.enabled is false
        return None


def visible_vcenters(frames) -> list[str]:
    """The vCenters a page may show: those of its FrameSet."""
    status = frames.status
    return [str(v) for v in status["vcenter"]] if len(status) else []


def history_reader(data, frames) -> HistoryReader:
    return HistoryReader(history_of(data), visible_vcenters(frames))


@dataclass
class Removal:
    """When and by whom an object was removed (its last change)."""

    time: datetime
    name: str
    kind: str
    user: str
    event: str


class HistoryReader:
    """Reads of ``history`` limited to ``vcenters`` (see the module docstring)."""

    def __init__(self, history: History | None, vcenters: list[str]):
        self.history = history
        self.vcenters = list(vcenters)

    @property
    def available(self) -> bool:
        return self.history is not None

    def allowed(self, wanted=None) -> list[str]:
        """The vCenters to read: ``wanted`` (a name or names; None: all) that the
        page may show."""
        if wanted is None or (not isinstance(wanted, str) and not list(wanted)):
            return list(self.vcenters)
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        return [n for n in names if n in self.vcenters]

    def changes(self, since="24h", until=None, vcenter=None, kind=None,
                moid: str | None = None) -> pd.DataFrame:
        names = self.allowed(vcenter)
        if not self.available or not names:
            return changes_frame_empty()
        return self.history.changes(since, until, names, kind, moid=moid)

    def gaps(self, since="30d", until=None, vcenter=None) -> pd.DataFrame:
        names = self.allowed(vcenter)
        if not self.available or not names:
            return gaps_frame_empty()
        return self.history.gaps(since, until, names)

    def capacity(self, kind: str, since="90d", until=None, vcenter=None,
                 resolution: str = "day", metric: str | None = None) -> pd.DataFrame:
        names = self.allowed(vcenter)
        if not self.available or not names:
            return capacity_frame_empty()[CAPACITY_COLUMNS]
        return self.history.capacity(kind, since, until, names, resolution, metric)

    def forecasts(self) -> pd.DataFrame:
        if not self.available:
            from ...history.forecast import COLUMNS
            return pd.DataFrame(columns=COLUMNS)
        frame = self.history.forecasts()
        return frame[frame["vcenter"].isin(self.vcenters)].reset_index(drop=True)

    def as_of(self, when, table: str, vcenter=None) -> pd.DataFrame:
        from ...history.tracked import tracked
        names = self.allowed(vcenter)
        if not self.available or not names:
            return tracked(table).shown.empty()
        return self.history.as_of(when, table, names)

    def status(self) -> pd.DataFrame:
        if not self.available:
            return pd.DataFrame(columns=["vcenter", "last_recording"])
        frame = self.history.status()
        return frame[frame["vcenter"].isin(self.vcenters)].reset_index(drop=True)

    def newest(self) -> datetime | None:
        """The newest recording of these vCenters (None: none): pages reload when
        it moves on."""
        if not self.available:
            return None
        times = [t for name, t in self.history.last_recordings().items()
                 if name in self.vcenters]
        return max(times, default=None)

    def removal(self, vcenter: str, moid: str) -> Removal | None:
        """The removal of ``moid`` in ``vcenter`` (None: the history saw none)."""
        found = self.changes(since=None, vcenter=vcenter, moid=moid)
        gone = found[found["change"] == "removed"]
        if not len(gone):
            return None
        last = gone.iloc[-1]
        when = last["event_time"] if pd.notna(last["event_time"]) else last["time"]
        return Removal(when.to_pydatetime(), _text(last["name"]), _text(last["kind"]),
                       _text(last["user"]), _text(last["event"]))


def _text(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float)
                                                     and value != value) else str(value)


__all__ = ["HistoryReader", "Removal", "history_of", "history_reader", "visible_vcenters"]
