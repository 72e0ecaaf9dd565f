"""The dashboards' data: one ``DataStore`` of DataFrames, fed by a Companion.

Views never fetch: they read a ``Snapshot`` (every table of one collection,
consistent with each other) from a store and redraw when ``version`` moves
on.  A store refreshes itself on a timer in one background thread
(``start``), so any number of browser sessions share one collection::

    store = DataStore(Companion.from_config("config.json"))
    store.refresh()          # or store.start() for the timer
    store.vms.head(); store.summary["vms"]["total"]

The same store works in a notebook: every table is a DataFrame parameter.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
import param

from ..problems import SEVERITIES
from ..problems import TABLE as PROBLEMS_TABLE
from ..search import SearchIndex
from ..tables import TABLES

log = logging.getLogger(__name__)

FRAMES = ("vms", "hosts", "clusters", "datastores", "networks", "snapshots", "alarms",
          "nics", "cdroms", "problems", "status")
# Snapshot age bins of the overview and the snapshots page (days).
_display_lock = threading.Lock()
AGE_BINS = ((0, 1, "<1d"), (1, 7, "1–7d"), (7, 14, "7–14d"), (14, 30, "14–30d"),
            (30, 90, "30–90d"), (90, float("inf"), ">90d"))


def _empty(name: str) -> pd.DataFrame:
    if name == "problems":
        return PROBLEMS_TABLE.empty()
    if name == "status":
        from ..companion import STATUS_COLUMNS
        return pd.DataFrame(columns=STATUS_COLUMNS)
    return TABLES[name].empty()


@dataclass(frozen=True)
class Snapshot:
    """Every table of one collection, plus the overview figures made from them."""

    version: int
    refreshed_at: datetime | None
    frames: dict[str, pd.DataFrame]
    summary: dict
    index: SearchIndex | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. vCenters this user cannot use
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def display(self, name: str) -> pd.DataFrame:
        """Table ``name`` ready for a Tabulator (friendly words; see labels.py).

        Made once per snapshot and shared by every browser session: treat it
        as read-only.
        """
        with _display_lock:
            frame = self.cache.get(name)
            if frame is None:
                from ..problems import TABLE as problems_table
                from .labels import display_frame
                decl = problems_table if name == "problems" else TABLES.get(name)
                frame = display_frame(self.frames[name], decl, name)
                self.cache[name] = frame
            return frame

    def __getattr__(self, name: str) -> pd.DataFrame:
        frames = object.__getattribute__(self, "frames")
        if name in frames:
            return frames[name]
        raise AttributeError(name)

    @property
    def loaded(self) -> bool:
        return self.version > 0


class DataStore(param.Parameterized):
    """DataFrames of every vCenter, refreshed from one Companion."""

    vms = param.DataFrame(default=None, allow_None=True, doc="Virtual machines.")
    hosts = param.DataFrame(default=None, allow_None=True, doc="ESXi hosts.")
    clusters = param.DataFrame(default=None, allow_None=True, doc="Clusters.")
    datastores = param.DataFrame(default=None, allow_None=True, doc="Datastores.")
    networks = param.DataFrame(default=None, allow_None=True, doc="Networks.")
    snapshots = param.DataFrame(default=None, allow_None=True, doc="VM snapshots.")
    alarms = param.DataFrame(default=None, allow_None=True, doc="Triggered alarms.")
    nics = param.DataFrame(default=None, allow_None=True, doc="VM network adapters.")
    cdroms = param.DataFrame(default=None, allow_None=True, doc="VM CD/DVD drives.")
    problems = param.DataFrame(default=None, allow_None=True, doc="Health problems.")
    status = param.DataFrame(default=None, allow_None=True, doc="One row per vCenter.")
    summary = param.Dict(default={}, doc="The overview's figures.")
    version = param.Integer(default=0, doc="+1 after every completed refresh.")
    refreshing = param.Boolean(default=False, doc="A refresh is running.")
    refreshed_at = param.Date(default=None, allow_None=True,
                              doc="When the last refresh finished (UTC).")
    refresh_seconds = param.Number(default=60, bounds=(1, None),
                                   doc="Interval of the background refresh.")
    error = param.String(default="", doc="Why the last refresh failed, if it did.")

    def __init__(self, companion, notes: tuple[str, ...] = (), **params):
        super().__init__(**params)
        self.companion = companion
        self.notes = tuple(notes)
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._snapshot = Snapshot(0, None, {n: _empty(n) for n in FRAMES},
                                  summarize({n: _empty(n) for n in FRAMES}), None,
                                  self.notes)
        self.param.update(**self._snapshot.frames, summary=self._snapshot.summary)

    # --- reading ---------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The latest consistent set of tables (version 0 until the first refresh)."""
        with self._lock:
            return self._snapshot

    def search(self, query: str, limit: int | None = 500) -> pd.DataFrame:
        """Objects matching ``query`` across every vCenter (see SearchIndex)."""
        snap = self.snapshot
        if snap.index is None or not query.strip():
            from ..search import RESULT
            return RESULT.empty()
        return snap.index.search(query.strip(), limit=limit)

    # --- refreshing ------------------------------------------------------------------

    def refresh(self) -> Snapshot:
        """Read every vCenter again and publish the new tables (blocking)."""
        with self._refresh_lock:
            self.refreshing = True
            started = time.perf_counter()
            try:
                snap = self._collect()
            except Exception as exc:  # noqa: BLE001 - keep the old data on screen
                log.exception("dashboard refresh failed")
                self.param.update(refreshing=False, error=f"{type(exc).__name__}: {exc}")
                return self.snapshot
            with self._lock:
                self._snapshot = snap
            self.param.update(**snap.frames, summary=snap.summary, version=snap.version,
                              refreshed_at=snap.refreshed_at, refreshing=False, error="")
            log.info("dashboard data refreshed in %.2f s: %d VMs, %d hosts, %d problems",
                     time.perf_counter() - started, len(snap.vms), len(snap.hosts),
                     len(snap.problems))
            return snap

    def _collect(self) -> Snapshot:
        vc = self.companion
        vc.refresh()
        frames = {name: vc.table(name) for name in FRAMES[:9]}
        frames["status"] = vc.status()
        try:
            frames["problems"] = vc.problems()
        except Exception:  # noqa: BLE001 - problems must not hide the inventory
            log.exception("problems could not be evaluated")
            frames["problems"] = _empty("problems")
        index = SearchIndex.from_tables(
            vms=frames["vms"], hosts=frames["hosts"], datastores=frames["datastores"],
            clusters=frames["clusters"], networks=frames["networks"],
            nics=frames["nics"])
        snap = Snapshot(self.version + 1, datetime.now(timezone.utc), frames,
                        summarize(frames), index, self.notes)
        snap.cache["alerts"] = alert_history(vc.config, list(frames["status"]["vcenter"]))
        # Prepare the big tables here, in the background, not in a user's session.
        for name in ("vms", "hosts", "datastores", "snapshots", "problems"):
            snap.display(name)
        return snap

    # --- alerts and reports ---------------------------------------------------------

    def alerts(self) -> AlertHistory | None:
        """Active alerts and delivery history (None: alerts are not available)."""
        return self.snapshot.cache.get("alerts")

    def report(self, kind: str = "inventory", hours: float | None = None,
               keep: bool = True) -> tuple[str, bytes]:
        """Write a workbook (``Companion.report``); returns (file name, contents).

        ``keep=True`` leaves the file in data_dir/reports (next to scheduled
        exports); ``keep=False`` writes it to a temporary file that is read
        back and deleted at once (data collected with a user's own
        credentials stays in memory).
        """
        import tempfile
        from pathlib import Path
        report = getattr(self.companion, "report", None)
        if report is None:
            raise RuntimeError("reports are not available in this version")
        if keep:
            path = Path(report(kind=kind, hours=hours))
            return path.name, path.read_bytes()
        with tempfile.TemporaryDirectory(prefix="vcompanion-report-") as folder:
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d_%H%M%SZ")
            path = Path(report(Path(folder) / f"vcompanion-{kind}_{stamp}.xlsx",
                               kind=kind, hours=hours))
            return path.name, path.read_bytes()

    def report_files(self, limit: int = 30) -> list[dict]:
        """Workbooks in data_dir/reports, newest first (name, path, size, time)."""
        from pathlib import Path
        try:
            from ..reports import report_dir
            folder = report_dir(self.companion.config)
        except Exception:  # noqa: BLE001 - reports not available
            folder = Path(self.companion.config.data_dir) / "reports"
        if not folder.is_dir():
            return []
        files = []
        for path in folder.glob("*.xlsx"):
            try:
                stat = path.stat()
            except OSError:
                continue
            files.append({"name": path.name, "path": path, "size": stat.st_size,
                          "modified": datetime.fromtimestamp(stat.st_mtime, timezone.utc)})
        files.sort(key=lambda f: f["modified"], reverse=True)
        return files[:limit]

    def start(self) -> DataStore:
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

    def wait_loaded(self, timeout: float = 60) -> bool:
        """Block until the first refresh has finished (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        while self.version == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.version > 0


# --- alert history ---------------------------------------------------------------

@dataclass(frozen=True)
class AlertHistory:
    """What the alerting (``vcompanion alerts run`` / the scheduler) has done."""

    active: pd.DataFrame    # alerts now active
    history: pd.DataFrame   # deliveries, newest first
    path: str


def alert_history(config, vcenters: list[str], limit: int = 1000) -> AlertHistory | None:
    """Read the alerts database in data_dir without creating it (None if absent)."""
    from pathlib import Path
    try:
        from ..alerts.store import FILE_NAME, HISTORY_COLUMNS, AlertStore
    except ImportError:
        return None
    path = Path(config.data_dir) / FILE_NAME
    if not path.is_file():
        return AlertHistory(pd.DataFrame(), pd.DataFrame(columns=HISTORY_COLUMNS), "")
    try:
        with AlertStore(path) as db:
            history = pd.DataFrame(db.history(limit=limit), columns=HISTORY_COLUMNS)
            active = pd.DataFrame(list(db.alerts(state="active").values()))
    except Exception as exc:  # noqa: BLE001 - a locked or broken file must not break pages
        log.warning("alerts database %s not readable: %s", path, exc)
        return None
    wanted = set(vcenters)
    if len(history):
        history = history[history["vcenter"].isin(wanted) | history["vcenter"].isna()]
        history["time"] = pd.to_datetime(history["time"], utc=True, errors="coerce")
    if len(active):
        active = active[active["vcenter"].isin(wanted)]
    return AlertHistory(active.reset_index(drop=True), history.reset_index(drop=True),
                        str(path))


# --- the overview's figures --------------------------------------------------------

def summarize(frames: dict[str, pd.DataFrame]) -> dict:
    """KPIs and chart data for the overview, from one set of tables."""
    vms, hosts = frames["vms"], frames["hosts"]
    datastores, snaps = frames["datastores"], frames["snapshots"]
    status, problems = frames["status"], frames["problems"]

    templates = vms["is_template"].fillna(False).astype(bool) if len(vms) else \
        pd.Series([], dtype=bool)
    real = vms[~templates] if len(vms) else vms
    power = real["power_state"].fillna("unknown") if len(real) else pd.Series([], dtype=object)

    per_vcenter = []
    # vCenters that could not be read have no data: the charts leave them out
    # (their badge and the banner say why).
    names = list(status.loc[status["status"] == "ok", "vcenter"]) if len(status) else []
    for name in names:
        mine = real[real["vcenter"] == name] if len(real) else real
        p = mine["power_state"] if len(mine) else pd.Series([], dtype=object)
        per_vcenter.append({"vcenter": name, "on": int((p == "poweredOn").sum()),
                            "off": int((p == "poweredOff").sum()),
                            "suspended": int((p == "suspended").sum()),
                            "total": int(len(mine))})

    used = pd.to_numeric(datastores["used_bytes"], errors="coerce") if len(datastores) \
        else pd.Series([], dtype=float)
    free = pd.to_numeric(datastores["free_bytes"], errors="coerce") if len(datastores) \
        else pd.Series([], dtype=float)
    capacity = pd.to_numeric(datastores["capacity_bytes"], errors="coerce") \
        if len(datastores) else pd.Series([], dtype=float)
    top = []
    if len(datastores):
        ds = datastores.assign(used_pct=100 - pd.to_numeric(datastores["free_pct"],
                                                             errors="coerce"))
        ds = ds.dropna(subset=["used_pct"]).sort_values("used_pct", ascending=False)
        for row in ds.head(10).itertuples():
            top.append({"name": row.name, "vcenter": row.vcenter,
                        "used_pct": float(row.used_pct),
                        "free_bytes": _num(row.free_bytes),
                        "capacity_bytes": _num(row.capacity_bytes)})

    capacity_per_vcenter = []
    for name in names:
        mine = datastores[datastores["vcenter"] == name] if len(datastores) else datastores
        capacity_per_vcenter.append({
            "vcenter": name,
            "used_bytes": float(pd.to_numeric(mine["used_bytes"], errors="coerce").sum())
            if len(mine) else 0.0,
            "free_bytes": float(pd.to_numeric(mine["free_bytes"], errors="coerce").sum())
            if len(mine) else 0.0})

    oldest = None
    if len(snaps) and snaps["age_days"].notna().any():
        row = snaps.loc[pd.to_numeric(snaps["age_days"], errors="coerce").idxmax()]
        oldest = {"vm": row["vm"], "name": row["name"], "vcenter": row["vcenter"],
                  "age_days": float(row["age_days"])}
    ages = pd.to_numeric(snaps["age_days"], errors="coerce") if len(snaps) else \
        pd.Series([], dtype=float)
    age_bins = [{"label": label, "low": low,
                 "count": int(((ages >= low) & (ages < high)).sum())}
                for low, high, label in AGE_BINS]

    severities = {s: int((problems["severity"] == s).sum()) if len(problems) else 0
                  for s in SEVERITIES}
    categories = []
    if len(problems):
        grouped = problems.groupby(["category", "severity"]).size()
        for category in sorted({c for c, _ in grouped.index}):
            item = {"category": str(category)}
            item.update({s: int(grouped.get((category, s), 0)) for s in SEVERITIES})
            categories.append(item)
        categories.sort(key=lambda c: -sum(c[s] for s in SEVERITIES))

    alarms = frames["alarms"]
    alarm_status = alarms["status"] if len(alarms) else pd.Series([], dtype=object)
    ok = int((status["status"] == "ok").sum()) if len(status) else 0
    conn = hosts["connection_state"] if len(hosts) else pd.Series([], dtype=object)
    maint = hosts["in_maintenance"].fillna(False).astype(bool) if len(hosts) else \
        pd.Series([], dtype=bool)
    return {
        "vcenters": {"ok": ok, "total": int(len(status))},
        "vms": {"total": int(len(real)), "on": int((power == "poweredOn").sum()),
                "off": int((power == "poweredOff").sum()),
                "suspended": int((power == "suspended").sum()),
                "templates": int(templates.sum())},
        "hosts": {"total": int(len(hosts)),
                  "connected": int((conn == "connected").sum()),
                  "maintenance": int(maint.sum()),
                  "not_connected": int(((conn != "connected") & conn.notna()).sum())},
        "clusters": {"total": int(len(frames["clusters"]))},
        "datastores": {"total": int(len(datastores)), "used_bytes": float(used.sum()),
                       "free_bytes": float(free.sum()),
                       "capacity_bytes": float(capacity.sum())},
        "snapshots": {"total": int(len(snaps)), "oldest": oldest,
                      "ages": age_bins},
        "problems": {**severities, "total": int(len(problems)),
                     "categories": categories},
        "alarms": {"total": int(len(alarms)), "red": int((alarm_status == "red").sum()),
                   "yellow": int((alarm_status == "yellow").sum())},
        "per_vcenter": per_vcenter,
        "capacity_per_vcenter": capacity_per_vcenter,
        "top_datastores": top,
    }


def _num(value) -> float | None:
    try:
        return None if pd.isna(value) else float(value)
    except TypeError:
        return None
