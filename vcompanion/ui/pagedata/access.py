"""What one login may see: the vCenters that accepted it, nothing of the others.

With a service account one collection serves every user, but vCenters are
not linked: a user whom only ``lab`` accepts (its own SSO domain, a
customer's administrator) must not read prod's inventory.  ``LoginView``
is the shared ``DashboardData`` as such a user sees it, and every page goes
through it (``Runtime.data_for``): its ``latest`` is a ``FrameSet`` made of
the allowed vCenters' rows only -- tables, status, problems, the overview's
figures, a search index built from those rows, the alert history -- and
its workbooks are written from ``VCenterSubset``, a Companion that answers
with those rows only.  The other vCenters are not named anywhere; a note
says how many are not available.

A view answers only what it declares: nothing reaches the shared data
unfiltered by accident.
"""

from __future__ import annotations

import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ...reports import write_report
from ...search import SearchIndex
from .alerts import AlertHistory
from .frames import FrameSet
from .summary import summarize


def only(frame: pd.DataFrame, allowed: frozenset[str]) -> pd.DataFrame:
    """The rows of ``frame`` of the ``allowed`` vCenters (none without a vcenter
    column: what cannot be attributed is not shown)."""
    if frame is None:
        return frame
    if "vcenter" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["vcenter"].isin(allowed)].reset_index(drop=True)


def not_available(hidden: int) -> tuple[str, ...]:
    """The note of a login that cannot see ``hidden`` vCenters (nothing: none)."""
    if not hidden:
        return ()
    return (f"{hidden} vCenter{'s are' if hidden != 1 else ' is'} not available to your "
            "account.",)


def restrict(frames: FrameSet, allowed: frozenset[str],
             notes: tuple[str, ...] = ()) -> FrameSet:
    """``frames`` with the rows of the ``allowed`` vCenters only."""
    tables = {name: only(frame, allowed) for name, frame in frames.tables.items()}
    index = None
    if frames.index is not None:
        index = SearchIndex.from_tables(
            vms=tables["vms"], hosts=tables["hosts"], datastores=tables["datastores"],
            clusters=tables["clusters"], networks=tables["networks"],
            nics=tables.get("nics"))
    alerts = frames.alerts
    if alerts is not None:
        alerts = AlertHistory(only(alerts.active, allowed), only(alerts.history, allowed),
                              alerts.path)
    return FrameSet(frames.version, frames.refreshed_at, tables, summarize(tables), index,
                    tuple(frames.notes) + tuple(notes), alerts)


class VCenterSubset:
    """A Companion's tables for the ``allowed`` vCenters only: what the workbook
    writers read (``reports.write_report``) for a restricted login."""

    TABLES = ("vms", "hosts", "clusters", "datastores", "snapshots", "networks", "alarms",
              "nics", "cdroms", "problems", "status")

    def __init__(self, companion, allowed: frozenset[str]):
        self._companion, self._allowed = companion, frozenset(allowed)
        self.config = companion.config

    @property
    def vcenter_names(self) -> list[str]:
        return [n for n in self._companion.vcenter_names if n in self._allowed]

    def table(self, name: str) -> pd.DataFrame:
        return only(self._companion.table(name), self._allowed)

    def events(self, hours: float | None = None) -> pd.DataFrame:
        return only(self._companion.events(hours=hours), self._allowed)

    def __getattr__(self, name: str):
        if name in VCenterSubset.TABLES:
            method = getattr(self._companion, name)
            return lambda: only(method(), self._allowed)
        raise AttributeError(f"{type(self).__name__} has no {name!r}")


class LoginView:
    """The shared data as a login that may see ``allowed`` vCenters only."""

    keeps_reports = False  # scheduled exports in data_dir hold every vCenter

    def __init__(self, data, allowed: frozenset[str]):
        self._data = data
        self.allowed = frozenset(allowed)
        names = list(data.companion.vcenter_names)
        self.vcenter_names = [n for n in names if n in self.allowed]
        self.notes = not_available(len(names) - len(self.vcenter_names))

    @property
    def latest(self) -> FrameSet:
        return self._data.restricted(self.allowed, self.notes)

    @property
    def refreshing(self) -> bool:
        return self._data.refreshing

    @property
    def error(self) -> str:
        # The error may name any vCenter: the details are in the server's log.
        return "details in the server's log" if self._data.error else ""

    @property
    def config(self):
        return self._data.config

    def report(self, kind: str = "inventory", hours: float | None = None,
               keep: bool = False) -> tuple[str, bytes]:
        """A workbook of the allowed vCenters, to the browser only (never kept)."""
        subset = VCenterSubset(self._data.companion, self.allowed)
        with tempfile.TemporaryDirectory(prefix="vcompanion-report-") as folder:
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d_%H%M%SZ")
            path = Path(write_report(subset, Path(folder) / f"vcompanion-{kind}_{stamp}.xlsx",
                                     kind=kind, hours=hours))
            return path.name, path.read_bytes()


class RestrictedCache:
    """The restricted frame sets of one DashboardData, made once per collection
    and set of vCenters, shared by the sessions of every login with that set."""

    def __init__(self):
        self._lock = threading.Lock()
        self._made: dict[tuple[frozenset[str], tuple[str, ...]], FrameSet] = {}
        self._locks: dict[tuple, threading.Lock] = {}

    def get(self, frames: FrameSet, allowed: frozenset[str],
            notes: tuple[str, ...]) -> FrameSet:
        key = (allowed, notes)
        with self._lock:
            found = self._made.get(key)
            if found is not None and found.version == frames.version:
                return found
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one session makes it, the others wait for it
            with self._lock:
                found = self._made.get(key)
            if found is None or found.version != frames.version:
                found = restrict(frames, allowed, notes)
                with self._lock:
                    # Older collections' views are dropped as newer ones are made.
                    self._made = {k: v for k, v in self._made.items()
                                  if v.version == frames.version}
                    self._made[key] = found
            return found
