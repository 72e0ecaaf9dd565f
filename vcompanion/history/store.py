"""The history database: an engine from the settings, and its errors in one place.

One code path for both databases (SQLAlchemy 2 Core):

* SQLite (the default, ``data_dir/history.sqlite``): WAL mode, so dashboards,
  the scheduler, the CLI and notebooks read while one process writes; a busy
  timeout instead of an immediate "database is locked"; foreign keys on.  A
  writing transaction starts with ``BEGIN IMMEDIATE``: two writers queue up
  instead of failing half-way.
* PostgreSQL (``history.database_url``): psycopg 3, a connection check
  before each use, a connect timeout.  Writers lock the rows they change
  (``SELECT ... FOR UPDATE``, see recorder.py).

Every database error becomes one ``HistoryError`` line naming the SQLite
file, or the PostgreSQL host:port, database and user, with the password
masked (``translate``).  A file that is missing is created (with its folder)
only by a writer; a corrupt one is never recreated.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .. import files
from ..errors import HistoryError

log = logging.getLogger(__name__)

FILE_NAME = "history.sqlite"
ENV_PASSWORD = "VCOMPANION_HISTORY_PASSWORD"
BUSY_SECONDS = 60  # SQLite: how long a writer waits for another one
CONNECT_SECONDS = 10  # PostgreSQL


def database_url(config) -> URL:
    """The history's URL: ``history.database_url``, else the SQLite file in data_dir.

    A PostgreSQL URL without a password takes $VCOMPANION_HISTORY_PASSWORD
    (else psycopg's own PGPASSWORD / ~/.pgpass apply).
    """
    given = config.get("history.database_url")
    if not given:
        return URL.create("sqlite", database=str(Path(config.data_dir) / FILE_NAME))
    url = make_url(given)
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
        if url.password is None and os.environ.get(ENV_PASSWORD):
            url = url.set(password=os.environ[ENV_PASSWORD])
    return url


def describe(url: URL) -> str:
    """What messages call the database: the file, or host:port/database as user."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    host = url.host or "localhost"
    return (f"PostgreSQL {host}:{url.port or 5432}, database {url.database or '?'}, "
            f"user {url.username or '(default)'}")


class Store:
    """An open history database (``open_store``)."""

    def __init__(self, url: URL):
        self.url = url
        self.where = describe(url)
        self.dialect = url.get_backend_name()
        self.engine = _engine(url)

    @property
    def masked_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def path(self) -> Path | None:
        """The SQLite file (None for PostgreSQL)."""
        return sqlite_path(self.url) if self.dialect == "sqlite" else None

    @contextmanager
    def read(self, what: str = "reading") -> Iterator[Connection]:
        """A connection in a read transaction (a consistent view)."""
        with self.errors(what), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, what: str = "writing") -> Iterator[Connection]:
        """A connection in a write transaction: committed at the end, rolled back
        (nothing written) if anything fails."""
        with self.errors(what):
            with self.engine.connect() as conn:
                conn = conn.execution_options(history_write=True)
                with conn.begin():
                    yield conn

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn database and file errors into a ``HistoryError`` naming the database."""
        try:
            yield
        except HistoryError:
            raise
        except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
            raise translate(exc, self.where, what) from None

    def close(self) -> None:
        self.engine.dispose()


def sqlite_path(url: URL) -> Path:
    """The file of a SQLite URL, also in SQLite's URI form
    (``sqlite:///file:/path/h.sqlite?mode=ro&uri=true``)."""
    database = url.database or ""
    if str(url.query.get("uri", "")).lower() in ("true", "1") and database.startswith("file:"):
        return Path(unquote(urlsplit(database).path))
    return Path(database)


def open_store(url: URL, create: bool = True) -> Store | None:
    """The database at ``url``; None when it is a SQLite file that does not exist
    and ``create`` is False (readers then answer "nothing recorded yet")."""
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if not path.exists():
            if not create:
                return None
            try:  # a private folder and an empty file (0600): SQLite's new database
                files.private_sqlite(path)
            except OSError as exc:
                raise translate(exc, describe(url), "creating it") from None
        else:
            for name in (path.name, *(path.name + s for s in files.SQLITE_SIDE_FILES)):
                files.drop_others(path.with_name(name))
    return Store(url)


def _engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True,
                             connect_args={"connect_timeout": CONNECT_SECONDS})
    engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Transactions are begun explicitly below (pysqlite's own handling
        # would defer BEGIN and break BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")
            cursor.execute("PRAGMA foreign_keys = ON")
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL never corrupts; a power cut may undo the last
            # recording, which the next one records again.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        writing = conn.get_execution_options().get("history_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


# --- errors ---------------------------------------------------------------------------

_SQLITE = (
    (re.compile(r"database (table )?is locked|database is busy", re.I),
     "is locked by another process (waited {busy} s); try again, or find the process "
     "that holds it"),
    (re.compile(r"readonly database|read-only", re.I),
     "is read-only: vCompanion needs to write the file and its folder (-wal and -shm "
     "files next to it)"),
    (re.compile(r"not a database|malformed|disk image|file is encrypted", re.I),
     "is corrupt or not a vCompanion history (it is left as it is: restore it from a "
     "backup, or move it away and a new one is started)"),
    (re.compile(r"disk is full|database or disk is full|no space", re.I),
     "cannot grow: the disk is full (nothing was written)"),
    (re.compile(r"unable to open database", re.I),
     "cannot be opened: check that its folder exists and is writable"),
)
_POSTGRES = (
    (re.compile(r"password authentication failed|no password supplied", re.I),
     "refused the user name or password (set the password in "
     f"{ENV_PASSWORD} or ~/.pgpass)"),
    (re.compile(r"database \S+ does not exist", re.I), "has no such database"),
    (re.compile(r"role \S+ does not exist", re.I), "has no such user"),
    (re.compile(r"connection refused|could not connect|timeout expired|timed out|"
                r"name or service not known|could not translate host|"
                r"no route to host|network is unreachable|connection.*failed", re.I),
     "cannot be reached"),
    (re.compile(r"permission denied", re.I), "refused: permission denied"),
    (re.compile(r"could not extend|no space left|disk full", re.I),
     "cannot grow: its disk is full (nothing was written)"),
)


def translate(exc: BaseException, where: str, what: str) -> HistoryError:
    """One clear line for a database or file error (no traceback, no password)."""
    original = getattr(exc, "orig", None) or exc
    text = " ".join(str(original).split())
    rules = _POSTGRES if where.startswith("PostgreSQL") else _SQLITE
    for pattern, meaning in rules:
        if pattern.search(text):
            detail = _first_line(text)
            meaning = meaning.replace("{busy}", f"{BUSY_SECONDS:g}")
            return HistoryError(f"history database ({where}) {meaning} [{what}: {detail}]")
    if isinstance(exc, OSError) and not isinstance(exc, DBAPIError):
        return HistoryError(f"history database ({where}): {what}: "
                            f"{exc.strerror or exc}")
    return HistoryError(f"history database ({where}): {what} failed: "
                        f"{type(original).__name__}: {_first_line(text)}")


def _first_line(text: str) -> str:
    text = re.sub(r"\(Background on this error at: [^)]*\)", "", text)
    text = re.sub(r"\[SQL: .*", "", text).strip()
    text = re.sub(r"postgresql(\+\w+)?://[^\s@]*@", "postgresql://***@", text)
    return text[:300]


__all__ = ["ENV_PASSWORD", "FILE_NAME", "Store", "database_url", "describe", "open_store",
           "translate"]
