"""The audit trail: who signed in or out, generated or downloaded a workbook,
sent a test alert, and which configuration failed at start -- append-only.

::

    EVENTS            what is recorded (the ``event`` column)
    AuditTrail        writes rows (never raises), reads them back (``rows``)
    trail(config)     this process's AuditTrail of a configuration
    config_invalid()  a configuration file that failed validation at start

Rows go to the history database (table ``history_audit``, see
history/schema.py), on SQLite or PostgreSQL like the rest of the history.
Nothing here updates or deletes a row; only the retention
(``history.retention.audit_days``, history/retention.py) prunes old ones.

With ``history.enabled`` false (and in the demo, which writes nothing to
disk) no rows are kept: each event is written to the log file instead, one
line on the ``vcompanion.audit`` logger.

Writing never breaks what is being audited: when the database cannot be
opened or written, one warning line (the database named, never a password)
goes to the log, at most one a minute, and the action goes on.  The server
writes in one background thread (``background=True``), so a slow database
never holds up a sign-in; rows keep their order and the time of the event.

Every text value is one line of at most a few hundred characters: control
characters (CR, LF, tab, DEL, C1, line separators, zero-width and bidi
characters) are escaped as in the log files (``\\n``, ``\\x1b``, ``\\u202e``;
``clean``), so a user name with a newline forges nothing.  No function here
takes a password.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.engine import URL

from .clock import utc_now
from .history import migrations
from .history.schema import audit as table
from .history.store import FILE_NAME, Store, database_url, describe
from .history.times import from_us, parse_when, to_us
from .logs import clean as one_line, scrub

log = logging.getLogger(__name__)

EVENTS = ("sign_in", "sign_in_failed", "lockout", "sign_out", "idle_timeout",
          "workbook_generated", "workbook_downloaded", "alert_test_sent",
          "config_invalid")
COLUMNS = ["time", "event", "user", "client", "outcome", "vcenters", "detail",
           "machine", "process"]
LOCAL = "local"  # the client of command-line and scheduler events
MAX_PENDING = 1000  # background rows waiting for a slow database; more are dropped
WARN_SECONDS = 60.0  # at most one "cannot write" warning this often

_URL_LOGIN = re.compile(r"://[^/\s@]+@")


def clean(value, limit: int = 300) -> str | None:
    """``value`` as one line of text (control characters escaped as in the log
    files, ``logs.clean``), cut at ``limit``."""
    if value is None:
        return None
    out = one_line(value)
    return out if len(out) <= limit else out[:limit - 1] + "…"


def local_user() -> str:
    """The account running a command (the ``user`` of command-line events)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name: still record the event
        return "?"


class AuditTrail:
    """The audit trail of one history database (see the module docstring).

    ``process`` names what writes (``vcompanion serve``, ``vcompanion report``
    ...); ``background``: write in one background thread (the server).
    """

    def __init__(self, config, process: str, background: bool = False,
                 keep: bool | None = None, url: URL | None = None):
        """``keep``: False keeps no rows (the demo); ``url``: this database
        instead of the configuration's (``config`` may then be None)."""
        if url is None and keep is not False:
            keep = bool(config.get("history.enabled"))
            url = database_url(config) if keep else None
        self.keep = url is not None and keep is not False
        self.url: URL | None = url if self.keep else None
        self.where = describe(self.url) if self.url is not None else "not kept"
        self.process = clean(f"{process} (pid {os.getpid()})", 200)
        self.machine = clean(socket.gethostname(), 200)
        self._store: Store | None = None
        self._lock = threading.Lock()  # the counters and warnings (held briefly)
        self._open_lock = threading.Lock()  # opening the database (may take seconds)
        self._pool = (ThreadPoolExecutor(1, thread_name_prefix="vcompanion-audit")
                      if background else None)
        self._pending = 0
        self._warned = 0.0
        self._quiet = 0  # warnings left out since the last one

    # --- writing ------------------------------------------------------------------

    def record(self, event: str, user=None, client=None, outcome=None,
               vcenters: Iterable[str] = (), detail=None) -> bool:
        """Append one row; never raises (see the module docstring).  False: the
        row could not be written (or is not kept)."""
        try:
            row = {"time": to_us(utc_now()), "event": clean(event, 32),
                   "username": clean(user, 200), "client": clean(client, 200),
                   "outcome": clean(outcome, 64),
                   "vcenters": json.dumps([clean(v, 200) for v in vcenters or ()]),
                   "detail": clean(detail and scrub(str(detail)), 1000),
                   "machine": self.machine, "process": self.process}
        except Exception as exc:  # noqa: BLE001 - auditing must not break the action
            self._warn(f"cannot make an audit row for {clean(event, 32)}: "
                       f"{type(exc).__name__}")
            return False
        if not self.keep:
            log.info("audit %s user=%s client=%s outcome=%s vcenters=%s %s",
                     row["event"], row["username"], row["client"], row["outcome"],
                     row["vcenters"], row["detail"] or "")
            return False
        if self._pool is None:
            return self._write(row)
        with self._lock:
            full = self._pending >= MAX_PENDING
            if not full:
                self._pending += 1
        if full:
            self._warn(f"audit: {MAX_PENDING} rows wait for {self.where}: "
                       f"{row['event']} dropped")
            return False
        self._pool.submit(self._write, row, True)
        return True

    def _write(self, row: dict, queued: bool = False) -> bool:
        try:
            store = self._open(create=True)
            with store.write("writing an audit row") as conn:
                conn.execute(insert(table).values(**row))
            return True
        except Exception as exc:  # noqa: BLE001 - never break the action audited
            self._warn(f"audit: {row['event']} not recorded in {self.where}: "
                       f"{_one_line(exc)}")
            return False
        finally:
            if queued:
                with self._lock:
                    self._pending -= 1

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            if self._warned and now - self._warned < WARN_SECONDS:
                self._quiet += 1
                return
            quiet, self._quiet, self._warned = self._quiet, 0, now
        more = f" ({quiet} more since the last warning)" if quiet else ""
        log.warning("%s%s", message, more)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until the background rows are written (True: none left)."""
        deadline = time.monotonic() + timeout
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._pending

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        with self._open_lock:
            if self._store is not None:
                self._store.close()
            self._store = None

    def _open(self, create: bool) -> Store | None:
        with self._open_lock:
            if self._store is None:
                store = migrations.open_current(self.url, create=create)
                if store is None:
                    return None
                self._store = store
            return self._store

    # --- the events -----------------------------------------------------------------

    def sign_in(self, user: str, client: str, accepted: list[str],
                refused: dict[str, str]) -> None:
        """An accepted sign-in: the vCenters that accepted (the others in detail)."""
        detail = "; ".join(f"{k}: {v}" for k, v in refused.items()) if refused else None
        self.record("sign_in", user, client, "accepted", accepted,
                    f"refused by {detail}" if detail else None)

    def sign_in_failed(self, user: str, client: str, reason: str,
                       refused: dict[str, str]) -> None:
        """A refused sign-in: ``reason`` (invalid, noaccess, unreachable, ...), and
        what each vCenter said."""
        self.record("sign_in_failed", user, client, reason, (),
                    "; ".join(f"{k}: {v}" for k, v in refused.items()) or None)

    def lockout(self, user: str | None, client: str | None, minutes: float,
                failures: int) -> None:
        """A user name or client address locked out by the sign-in throttle."""
        self.record("lockout", user, client, "locked",
                    detail=f"{failures} failed sign-ins: locked for {minutes:g} minutes")

    def signed_out(self, user: str, client: str, reason: str) -> None:
        """A login ended: ``reason`` logout, idle timeout or expired (sessions.py)."""
        if reason == "idle timeout":
            self.record("idle_timeout", user, client, "ended")
        else:
            self.record("sign_out", user, client,
                        "expired" if reason == "expired" else "signed out")

    def workbook_generated(self, user: str, client: str, kind: str, name: str | None,
                           ok: bool = True, detail=None) -> None:
        text = f"{kind}: {name}" if name else kind
        self.record("workbook_generated", user, client, "written" if ok else "failed",
                    detail=f"{text} ({detail})" if detail else text)

    def workbook_downloaded(self, user: str, client: str, name: str,
                            rows: int | None = None) -> None:
        self.record("workbook_downloaded", user, client, "sent",
                    detail=name + (f" ({rows} rows)" if rows is not None else ""))

    def alert_test_sent(self, user: str, client: str, notifier: str, recipients: str,
                        ok: bool, error: str | None = None) -> None:
        self.record("alert_test_sent", user, client, "sent" if ok else "failed",
                    detail=f"{notifier} -> {recipients}" + (f": {error}" if error else ""))

    # --- reading ----------------------------------------------------------------------

    def rows(self, since=None, until=None, events: Iterable[str] | None = None,
             user: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The rows, newest first (``COLUMNS``); empty when nothing was recorded.

        ``since``/``until``: a duration before now (7d) or an ISO time;
        ``user``: rows whose user contains this text (any case).  Raises
        HistoryError when the database cannot be read.
        """
        now = utc_now()
        start = to_us(parse_when(since, now, "since")) if since is not None else None
        end = to_us(parse_when(until, now, "until")) if until is not None else None
        if not self.keep:
            return empty_frame()
        store = self._open(create=False)
        if store is None:
            return empty_frame()
        c = table.c
        query = select(c.time, c.event, c.username, c.client, c.outcome, c.vcenters,
                       c.detail, c.machine, c.process).order_by(c.time.desc(),
                                                                 c.id.desc())
        if start is not None:
            query = query.where(c.time >= start)
        if end is not None:
            query = query.where(c.time <= end)
        if events:
            query = query.where(c.event.in_(list(events)))
        if user:
            query = query.where(func.lower(c.username).contains(user.lower(),
                                                                autoescape=True))
        if limit:
            query = query.limit(int(limit))
        with store.read("reading the audit trail") as conn:
            return _frame(conn.execute(query).all())


def empty_frame() -> pd.DataFrame:
    """No audit rows: the columns and their types."""
    return _frame([])


def _frame(found) -> pd.DataFrame:
    frame = pd.DataFrame([list(r) for r in found], columns=COLUMNS)
    frame["time"] = pd.to_datetime([from_us(t) for t in frame["time"]], utc=True
                                   ).astype("datetime64[ns, UTC]")
    frame["vcenters"] = pd.Series([json.loads(v) if v else [] for v in frame["vcenters"]],
                                  dtype=object)
    return frame.astype({c: "string" for c in COLUMNS if c not in ("time", "vcenters")})


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return clean(_URL_LOGIN.sub("://***@", scrub(text)), 400)


# --- this process's trails ----------------------------------------------------------

_TRAILS: dict[tuple, AuditTrail] = {}
_TRAILS_LOCK = threading.Lock()


def trail(config, process: str = "vcompanion") -> AuditTrail:
    """This process's AuditTrail for ``config``'s history database (one per
    database and process name, so a command writes over one connection pool)."""
    key = (str(database_url(config)) if config.get("history.enabled") else None,
           process)
    with _TRAILS_LOCK:
        found = _TRAILS.get(key)
        if found is None:
            found = _TRAILS[key] = AuditTrail(config, process)
        return found


def config_invalid(path: Path, error: BaseException, process: str) -> bool:
    """Record that the configuration file ``path`` failed validation at start.

    The configuration is broken, so only a simple case is recorded: the file
    is JSON, the history is not turned off, ``history.database_url`` is not
    set, and the SQLite history ``data_dir/history.sqlite`` (data_dir as the
    file gives it, default ``data`` next to it) already exists: no database
    is created from a broken configuration.  Otherwise the event goes to the
    log only.  Returns whether a row was written; never raises.
    """
    message = _one_line(error)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        history = raw.get("history") if isinstance(raw, dict) else None
        history = history if isinstance(history, dict) else {}
        data_dir = raw.get("data_dir", "data")
        usable = (isinstance(data_dir, str) and history.get("enabled", True) is not False
                  and history.get("database_url") is None)
    except Exception:  # noqa: BLE001 - unreadable: the log is all there is
        usable = False
    if usable:
        db = Path(path).resolve().parent / Path(data_dir).expanduser() / FILE_NAME
        if db.is_file():  # never created from a broken configuration
            found = AuditTrail(None, process, url=URL.create("sqlite", database=str(db)))
            try:
                if found.record("config_invalid", local_user(), LOCAL, "exit 2",
                                detail=message):
                    return True
            finally:
                found.close()
    log.info("audit config_invalid (not recorded in a database) %s: %s",
             clean(str(path)), message)
    return False


__all__ = ["COLUMNS", "EVENTS", "LOCAL", "AuditTrail", "clean", "config_invalid",
           "empty_frame", "local_user", "trail"]
