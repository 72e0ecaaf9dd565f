"""``DashboardData``: the tables of every vCenter for the dashboards, refreshed
from one Companion on a timer.

A refresh reads every vCenter, builds a new ``FrameSet`` and publishes it
at once (``latest``); pages redraw when its ``version`` moves on.  One
background thread (``start``) serves any number of browser sessions::

    data = DashboardData(Companion.from_config("config.json"))
    data.refresh()           # or data.start() for the timer
    data.latest.vms.head(); data.latest.summary["vms"]["total"]
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import param

from ...search import SearchIndex
from .access import RestrictedCache
from .alerts import alert_history, audit_rows
from .frames import INVENTORY, FrameSet, empty_frame, empty_frame_set
from .summary import summarize

log = logging.getLogger(__name__)

# Display frames prepared in the background thread, not in a user's session.
PREPARED = ("vms", "hosts", "datastores", "snapshots", "problems")


class DashboardData(param.Parameterized):
    """The dashboards' data from one Companion; ``latest`` is what pages read."""

    version = param.Integer(default=0, doc="+1 after every completed refresh.")
    refreshing = param.Boolean(default=False, doc="A refresh is running.")
    refreshed_at = param.Date(default=None, allow_None=True,
                              doc="When the last refresh finished (UTC).")
    refresh_seconds = param.Number(default=60, bounds=(1, None),
                                   doc="Interval of the background refresh.")
    error = param.String(default="", doc="Why the last refresh failed, if it did.")

    def __init__(self, companion, notes: tuple[str, ...] = (), keeps_reports: bool = True,
                 **params):
        """``keeps_reports``: workbooks generated from the Reports page are kept in
        data_dir/reports and listed there (False: data read with a user's own
        credentials, the workbook goes to the browser only)."""
        super().__init__(**params)
        self.companion = companion
        self.notes = tuple(notes)
        self.keeps_reports = keeps_reports
        self._restricted = RestrictedCache()
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._latest = empty_frame_set(self.notes)

    @property
    def config(self):
        """The configuration of the Companion (data_dir, thresholds)."""
        return self.companion.config

    @property
    def latest(self) -> FrameSet:
        """The latest consistent set of tables (version 0 until the first refresh)."""
        with self._lock:
            return self._latest

    @property
    def vcenter_names(self) -> list[str]:
        return list(self.companion.vcenter_names)

    def restricted(self, allowed: frozenset[str],
                   unchecked: frozenset[str] = frozenset()) -> FrameSet:
        """``latest`` with the rows of the ``allowed`` vCenters only (see access.py),
        made once per collection and set of vCenters."""
        return self._restricted.get(self.latest, frozenset(allowed), frozenset(unchecked))

    # --- refreshing ------------------------------------------------------------------

    def refresh(self) -> FrameSet:
        """Read every vCenter again and publish the new tables (blocking)."""
        with self._refresh_lock:
            self.refreshing = True
            started = time.perf_counter()
            try:
                frames = self._collect()
            except Exception as exc:  # noqa: BLE001 - keep the old data on screen
                log.exception("dashboard refresh failed")
                self.param.update(refreshing=False, error=f"{type(exc).__name__}: {exc}")
                return self.latest
            with self._lock:
                self._latest = frames
            self.param.update(version=frames.version, refreshed_at=frames.refreshed_at,
                              refreshing=False, error="")
            log.info("dashboard data refreshed in %.2f s: %d VMs, %d hosts, %d problems",
                     time.perf_counter() - started, len(frames.vms), len(frames.hosts),
                     len(frames.problems))
            return frames

    def _collect(self) -> FrameSet:
        vc = self.companion
        vc.refresh()
        tables = {name: vc.table(name) for name in INVENTORY}
        tables["status"] = vc.status()
        try:
            tables["problems"] = vc.problems()
        except Exception:  # noqa: BLE001 - problems must not hide the inventory
            log.exception("problems could not be evaluated")
            tables["problems"] = empty_frame("problems")
        index = SearchIndex.from_tables(
            vms=tables["vms"], hosts=tables["hosts"], datastores=tables["datastores"],
            clusters=tables["clusters"], networks=tables["networks"],
            nics=tables["nics"])
        alerts = alert_history(vc.config, list(tables["status"]["vcenter"]))
        frames = FrameSet(self.version + 1, datetime.now(timezone.utc), tables,
                          summarize(tables), index, self.notes, alerts,
                          audit_rows(vc.config))
        for name in PREPARED:
            frames.display(name)
        return frames

    def start(self) -> DashboardData:
        """Refresh now and then every ``refresh_seconds``, in one background thread."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vcompanion-refresh",
                                        daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            if self._stop.wait(self.refresh_seconds):
                break

    def stop(self, close: bool = True) -> None:
        """Stop the timer; with ``close`` also log out of every vCenter."""
        self._stop.set()
        if close:
            try:
                self.companion.close()
            except Exception:  # noqa: BLE001 - closing must not fail
                log.debug("closing the companion failed", exc_info=True)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the background refresh (after ``stop``) to end; True if it has."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def wait_loaded(self, timeout: float = 60) -> bool:
        """Block until the first refresh has finished (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while self.version == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.version > 0

    # --- reports ---------------------------------------------------------------------

    def report(self, kind: str = "inventory", hours: float | None = None,
               keep: bool = True) -> tuple[str, bytes]:
        """Write a workbook (``Companion.report``); returns (file name, contents).

        ``keep=True`` leaves the file in data_dir/reports (next to scheduled
        exports); ``keep=False`` writes it to a temporary file that is read
        back and deleted at once (data collected with a user's own
        credentials stays in memory).
        """
        if keep:
            path = Path(self.companion.report(kind=kind, hours=hours))
            return path.name, path.read_bytes()
        with tempfile.TemporaryDirectory(prefix="vcompanion-report-") as folder:
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d_%H%M%SZ")
            path = Path(self.companion.report(
                Path(folder) / f"vcompanion-{kind}_{stamp}.xlsx", kind=kind, hours=hours))
            return path.name, path.read_bytes()
