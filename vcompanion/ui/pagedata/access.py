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
             unchecked: frozenset[str] = frozenset(),
             notes: tuple[str, ...] | None = None) -> FrameSet:
    """``frames`` with the rows of the ``allowed`` vCenters only.

    ``unchecked``: vCenters that could not be reached when the login was checked.
    While one is still down its status row stays (its badge and the banner say it
    is down, as for everyone; it has no inventory to show); once it answers it is
    one of those "not available" until the user signs in again.  ``notes``
    (default: how many vCenters are not available) are added to the frames'.
    """
    status = frames.tables.get("status")
    names = set(status["vcenter"]) if status is not None and len(status) else set()
    down: frozenset[str] = frozenset()
    if names:
        down = frozenset(status.loc[(status["status"] != "ok")
                                    & status["vcenter"].isin(unchecked - allowed), "vcenter"])
    if notes is None:
        notes = not_available(len(names - allowed - down))
    tables = {name: _rows(name, frame, allowed, down)
              for name, frame in frames.tables.items()}
    index = None
    if frames.index is not None:
        index = SearchIndex.from_tables(
            vms=tables["vms"], hosts=tables["hosts"], datastores=tables["datastores"],
            clusters=tables["clusters"], networks=tables["networks"],
            nics=tables.get("nics"))
    alerts = frames.alerts
    if alerts is not None:
        alerts = AlertHistory(_alert_rows(alerts.active, allowed, down),
                              _alert_rows(alerts.history, allowed, down), alerts.path)
    hidden = names - allowed
    return FrameSet(frames.version, frames.refreshed_at, tables, summarize(tables), index,
                    tuple(frames.notes) + tuple(notes), alerts,
                    audit_of(frames.audit, allowed, hidden))


def _rows(name: str, frame: pd.DataFrame, allowed: frozenset[str],
          down: frozenset[str]) -> pd.DataFrame:
    """Table ``name`` of ``allowed``, with the status of the vCenters ``down`` (and
    their problem "vCenter not reachable"), nothing else of theirs."""
    if name == "status":
        return only(frame, allowed | down)
    if name == "problems" and down and "category" in frame.columns and len(frame):
        keep = frame["vcenter"].isin(allowed) | (
            frame["vcenter"].isin(down) & (frame["category"] == "vcenter"))
        return frame[keep.fillna(False)].reset_index(drop=True)
    return only(frame, allowed)


def _alert_rows(history: pd.DataFrame, allowed: frozenset[str],
                down: frozenset[str]) -> pd.DataFrame:
    """The alerts (active, or deliveries) about the ``allowed`` vCenters, those about
    no vCenter (test sends), and those saying a vCenter ``down`` is down (its
    object is itself)."""
    if history is None or not len(history) or "vcenter" not in history.columns:
        return only(history, allowed)
    keep = history["vcenter"].isin(allowed) | history["vcenter"].isna()
    if down and "object" in history.columns:
        keep |= history["vcenter"].isin(down) & (history["object"] == history["vcenter"])
    return history[keep.fillna(False)].reset_index(drop=True)


def audit_of(rows: pd.DataFrame | None, allowed: frozenset[str],
             hidden: set[str]) -> pd.DataFrame | None:
    """The audit rows a restricted login sees: those of the ``allowed`` vCenters
    only (a sign-in they accepted), never a row or a detail that names another
    vCenter; failed sign-ins and the rest of the trail name users of any vCenter
    and are left to those who see every vCenter (and ``vcompanion audit``)."""
    if rows is None or not len(rows):
        return rows
    mine = rows["vcenters"].map(lambda v: bool(v) and set(v) <= allowed)
    rows = rows[mine].reset_index(drop=True)
    if hidden and len(rows):
        rows = rows.assign(detail=rows["detail"].map(
            lambda d: None if isinstance(d, str) and any(h in d for h in hidden) else d))
    return rows


class VCenterSubset:
    """A Companion's tables, events and statistics for the ``allowed`` vCenters
    only: what the workbook writers (``reports.write_report``), the object page's
    slower sections and the performance page read for a restricted login."""

    TABLES = ("vms", "hosts", "clusters", "datastores", "snapshots", "networks", "alarms",
              "nics", "cdroms", "disks", "tags", "attributes", "problems", "status")

    def __init__(self, companion, allowed: frozenset[str]):
        self._companion, self._allowed = companion, frozenset(allowed)
        self.config = companion.config

    @property
    def vcenter_names(self) -> list[str]:
        return [n for n in self._companion.vcenter_names if n in self._allowed]

    def table(self, name: str) -> pd.DataFrame:
        return only(self._companion.table(name), self._allowed)

    @property
    def failures(self) -> dict:
        return {k: v for k, v in self._companion.failures.items() if k in self._allowed}

    def _names(self, wanted: str | list[str] | None) -> list[str]:
        """The vCenters of ``wanted`` (None: all) this login may read."""
        if wanted is None:
            return self.vcenter_names
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        return [n for n in names if n in self._allowed]

    def events(self, hours: float | None = None,
               vcenters: list[str] | None = None) -> pd.DataFrame:
        return only(self._companion.events(hours=hours, vcenters=self._names(vcenters)),
                    self._allowed)

    def metrics(self, kind: str, counters: list[str] | None = None, since="1h",
                interval: int | None = None, *, quiet: bool = False,
                vcenter: str | list[str] | None = None,
                moids: list[str] | None = None) -> pd.DataFrame:
        return only(self._companion.metrics(kind, counters, since, interval, quiet=quiet,
                                            vcenter=self._names(vcenter), moids=moids),
                    self._allowed)

    def performance(self, kind: str, since="1h", interval: int | None = None, *,
                    quiet: bool = False, vcenter: str | list[str] | None = None,
                    moids: list[str] | None = None) -> pd.DataFrame:
        return only(self._companion.performance(kind, since, interval, quiet=quiet,
                                                vcenter=self._names(vcenter), moids=moids),
                    self._allowed)

    # The history (the changes and as-of workbooks, vc.changes() and friends).
    @property
    def history(self):
        """The history; its readers take ``vcenter=``, and the workbooks pass
        this subset's names (``reports.selected_vcenters``)."""
        return self._companion.history

    def history_status(self) -> pd.DataFrame:
        return only(self._companion.history_status(), self._allowed)

    def changes(self, since="24h", until=None, vcenter=None, kind=None,
                moid=None) -> pd.DataFrame:
        return only(self._companion.changes(since, until, self._names(vcenter), kind, moid),
                    self._allowed)

    def as_of(self, when, table: str = "vms", vcenter=None) -> pd.DataFrame:
        return only(self._companion.as_of(when, table, self._names(vcenter)), self._allowed)

    def __getattr__(self, name: str):
        if name in VCenterSubset.TABLES:
            method = getattr(self._companion, name)
            return lambda: only(method(), self._allowed)
        raise AttributeError(f"{type(self).__name__} has no {name!r}")


class LoginView:
    """The shared data as a login that may see ``allowed`` vCenters only."""

    keeps_reports = False  # scheduled exports in data_dir hold every vCenter

    def __init__(self, data, allowed: frozenset[str], unchecked: frozenset[str] = frozenset()):
        """``unchecked``: vCenters unreachable at sign-in (see ``restrict``)."""
        self._data = data
        self.allowed, self.unchecked = frozenset(allowed), frozenset(unchecked)
        names = list(data.companion.vcenter_names)
        self.vcenter_names = [n for n in names if n in self.allowed]

    @property
    def latest(self) -> FrameSet:
        return self._data.restricted(self.allowed, self.unchecked)

    @property
    def companion(self) -> VCenterSubset:
        """What the pages read beyond the FrameSet (events, statistics), of the
        allowed vCenters only."""
        return VCenterSubset(self._data.companion, self.allowed)

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
        subset = self.companion
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
            unchecked: frozenset[str]) -> FrameSet:
        key = (allowed, unchecked)
        with self._lock:
            found = self._made.get(key)
            if found is not None and found.version == frames.version:
                return found
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one session makes it, the others wait for it
            with self._lock:
                found = self._made.get(key)
            if found is None or found.version != frames.version:
                found = restrict(frames, allowed, unchecked)
                with self._lock:
                    # Older collections' views are dropped as newer ones are made.
                    self._made = {k: v for k, v in self._made.items()
                                  if v.version == frames.version}
                    self._made[key] = found
            return found
