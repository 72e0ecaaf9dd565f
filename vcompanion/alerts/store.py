"""Alert state, the outbox of pending deliveries and the history: one SQLite file.

``data_dir/alerts.sqlite3`` holds three tables:

* ``alerts``   every problem seen (active or resolved) and every critical event
               already handled, keyed by the problem's or event's key, with the
               worst severity already notified;
* ``outbox``   one row per (notifier, change) still to be delivered: a notifier
               that fails keeps its rows and the next run retries them;
* ``history``  one row per item per delivery attempt: what, when, to whom, outcome.

State changes and the outbox rows they cause are written in one transaction,
so a crash or restart neither repeats nor loses an alert.  Times are ISO 8601
strings in UTC.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .. import files
from ..clock import iso, parse_iso
from ..clock import utc_now as now_utc
from ..errors import StoreBusyError, VCompanionError

log = logging.getLogger(__name__)

FILE_NAME = "alerts.sqlite3"
SCHEMA_VERSION = 1
HISTORY_COLUMNS = ["time", "notifier", "recipients", "change", "severity", "vcenter",
                   "object", "message", "outcome", "error", "attempt", "key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    key               TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,          -- problem | event
    vcenter           TEXT NOT NULL,
    severity          TEXT NOT NULL,
    category          TEXT,
    object            TEXT,
    object_type       TEXT,
    message           TEXT,
    rule              TEXT,
    since             TEXT,
    state             TEXT NOT NULL,          -- active | resolved | event
    notified_severity TEXT,                   -- worst severity already notified
    first_seen        TEXT NOT NULL,
    last_seen         TEXT NOT NULL,
    resolved_at       TEXT
);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts (state, vcenter);
CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    notifier     TEXT NOT NULL,
    alert_key    TEXT NOT NULL,
    change       TEXT NOT NULL,
    item         TEXT NOT NULL,               -- JSON: what to tell
    created      TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_attempt TEXT,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS outbox_notifier ON outbox (notifier, id);
CREATE TABLE IF NOT EXISTS history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       TEXT NOT NULL,
    notifier   TEXT NOT NULL,
    recipients TEXT,
    change     TEXT,
    severity   TEXT,
    vcenter    TEXT,
    object     TEXT,
    message    TEXT,
    outcome    TEXT NOT NULL,                 -- sent | failed | dropped
    error      TEXT,
    attempt    INTEGER,
    alert_key  TEXT
);
CREATE INDEX IF NOT EXISTS history_time ON history (time);
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT
);
"""


class AlertStore:
    """The alerts database; open with ``AlertStore.open(config)`` or a path."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            files.private_sqlite(self.path)  # 0600, its folder 0700
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise VCompanionError(f"cannot open the alerts database {self.path}: "
                                  f"{exc}") from None
        self.db.row_factory = sqlite3.Row
        self.db.executescript(_SCHEMA)
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif version > SCHEMA_VERSION:
            raise VCompanionError(f"{self.path} was written by a newer vCompanion "
                                  f"(schema {version}); update vCompanion")

    @classmethod
    def open(cls, config) -> AlertStore:
        """The store in the config's data_dir."""
        return cls(Path(config.data_dir) / FILE_NAME)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self, rollback: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction; ``rollback=True`` discards it (dry runs)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("ROLLBACK" if rollback else "COMMIT")

    # --- one run at a time ------------------------------------------------------

    @contextmanager
    def lease(self, ttl_seconds: float = 1800, wait_seconds: float = 60) -> Iterator[None]:
        """Hold the store for one run; waits, then raises StoreBusyError.

        A lease older than ``ttl_seconds`` (a crashed run) is taken over.
        """
        import time
        owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        deadline = time.monotonic() + wait_seconds
        while True:
            with self.transaction() as db:
                row = db.execute("SELECT value FROM meta WHERE name = 'lease'").fetchone()
                held = json.loads(row["value"]) if row else None
                if held is None or parse_iso(held["expires"]) < now_utc():
                    expires = iso(now_utc() + timedelta(seconds=ttl_seconds))
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('lease', ?)",
                               (json.dumps({"owner": owner, "since": iso(now_utc()),
                                            "expires": expires}),))
                    break
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"another alert run ({held['owner']}, since {held['since']}) is "
                    f"still working on {self.path}; try again later")
            time.sleep(0.5)
        try:
            yield
        finally:
            with self.transaction() as db:
                db.execute("DELETE FROM meta WHERE name = 'lease' AND "
                           "json_extract(value, '$.owner') = ?", (owner,))

    # --- meta ------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    # --- alert state -------------------------------------------------------------

    def alerts(self, state: str | None = None) -> dict[str, dict]:
        """key -> alert row, optionally only those in ``state``."""
        if state is None:
            rows = self.db.execute("SELECT * FROM alerts")
        else:
            rows = self.db.execute("SELECT * FROM alerts WHERE state = ?", (state,))
        return {r["key"]: dict(r) for r in rows}

    def alert(self, key: str) -> dict | None:
        row = self.db.execute("SELECT * FROM alerts WHERE key = ?", (key,)).fetchone()
        return dict(row) if row else None

    def put_alert(self, row: dict[str, Any]) -> None:
        columns = ("key", "kind", "vcenter", "severity", "category", "object",
                   "object_type", "message", "rule", "since", "state",
                   "notified_severity", "first_seen", "last_seen", "resolved_at")
        self.db.execute(
            f"INSERT OR REPLACE INTO alerts ({', '.join(columns)}) VALUES "
            f"({', '.join('?' for _ in columns)})", [row.get(c) for c in columns])

    def forget_events(self, before: datetime) -> int:
        """Drop handled events older than ``before`` (outside every look-back)."""
        cur = self.db.execute("DELETE FROM alerts WHERE kind = 'event' AND since < ?",
                              (iso(before),))
        return cur.rowcount

    # --- outbox ---------------------------------------------------------------------

    def queue(self, notifier: str, item: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO outbox (notifier, alert_key, change, item, created) "
            "VALUES (?, ?, ?, ?, ?)",
            (notifier, item["key"], item["change"], json.dumps(item, default=str),
             iso(now_utc())))

    def pending(self, notifier: str | None = None) -> list[dict]:
        """Outbox rows (oldest first), with ``item`` decoded."""
        if notifier is None:
            rows = self.db.execute("SELECT * FROM outbox ORDER BY id")
        else:
            rows = self.db.execute("SELECT * FROM outbox WHERE notifier = ? ORDER BY id",
                                   (notifier,))
        result = []
        for r in rows:
            row = dict(r)
            row["item"] = json.loads(row["item"])
            result.append(row)
        return result

    def pending_notifiers(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT notifier FROM outbox ORDER BY notifier")]

    def delivered(self, rows: list[dict], recipients: str) -> None:
        """These outbox rows reached the notifier: history, then out of the outbox."""
        self._finish(rows, recipients, "sent", None, remove=True)

    def failed(self, rows: list[dict], recipients: str, error: str) -> None:
        """A delivery attempt failed: the rows stay pending."""
        self._finish(rows, recipients, "failed", error, remove=False)

    def dropped(self, rows: list[dict], reason: str) -> None:
        """Rows for a notifier that is no longer configured."""
        self._finish(rows, "", "dropped", reason, remove=True)

    def _finish(self, rows, recipients, outcome, error, remove) -> None:
        when = iso(now_utc())
        with self.transaction() as db:
            for row in rows:
                attempt = row["attempts"] + 1
                item = row["item"]
                db.execute(
                    "INSERT INTO history (time, notifier, recipients, change, severity, "
                    "vcenter, object, message, outcome, error, attempt, alert_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (when, row["notifier"], recipients, item["change"],
                     item.get("severity"), item.get("vcenter"), item.get("object"),
                     item.get("message"), outcome, error, attempt, item["key"]))
                if remove:
                    db.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
                else:
                    db.execute("UPDATE outbox SET attempts = ?, last_attempt = ?, "
                               "last_error = ? WHERE id = ?",
                               (attempt, when, error, row["id"]))

    def record(self, notifier: str, recipients: str, item: dict, outcome: str,
               error: str | None = None) -> None:
        """A history row for something sent outside the outbox (test notices)."""
        self.db.execute(
            "INSERT INTO history (time, notifier, recipients, change, severity, vcenter, "
            "object, message, outcome, error, attempt, alert_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (iso(now_utc()), notifier, recipients, item["change"], item.get("severity"),
             item.get("vcenter"), item.get("object"), item.get("message"), outcome,
             error, item["key"]))

    # --- history ----------------------------------------------------------------------

    def history(self, limit: int | None = None) -> list[dict]:
        """History rows, newest first."""
        sql = ("SELECT time, notifier, recipients, change, severity, vcenter, object, "
               "message, outcome, error, attempt, alert_key AS key FROM history "
               "ORDER BY id DESC")
        params: tuple = ()
        if limit:
            sql += " LIMIT ?"
            params = (int(limit),)
        return [dict(r) for r in self.db.execute(sql, params)]

    def prune_history(self, days: float = 365) -> int:
        cur = self.db.execute("DELETE FROM history WHERE time < ?",
                              (iso(now_utc() - timedelta(days=days)),))
        return cur.rowcount
