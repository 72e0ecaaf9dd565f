"""The history database: migrations, and every database fault as one clear line."""

from __future__ import annotations

import os

import pytest
from historydata import at, config, reading, tables, vm
from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from vcompanion import HistoryError
from vcompanion.history import History, migrations, schema, store
from vcompanion.history.store import Store


def _shape(url: str) -> dict:
    """Tables -> (columns with types and nullability, indexes, unique constraints)."""
    engine = create_engine(make_url(url).set(
        drivername="postgresql+psycopg" if url.startswith("postgresql") else "sqlite"))
    try:
        seen = inspect(engine)
        shape = {}
        for name in sorted(seen.get_table_names()):
            shape[name] = (
                sorted((c["name"], str(c["type"]).split("(")[0], c["nullable"])
                       for c in seen.get_columns(name)),
                sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                       for i in seen.get_indexes(name)),
                sorted(tuple(u["column_names"]) for u in seen.get_unique_constraints(name)),
                tuple(seen.get_pk_constraint(name)["constrained_columns"]),
                sorted((tuple(f["constrained_columns"]), f["referred_table"])
                       for f in seen.get_foreign_keys(name)))
        return shape
    finally:
        engine.dispose()


def _declared(url: str, tmp_path) -> dict:
    """The shape of schema.py's declaration, created directly in a scratch database."""
    if url.startswith("sqlite"):
        scratch = f"sqlite:///{tmp_path / 'declared.sqlite'}"
        engine = create_engine(scratch)
        schema.metadata.create_all(engine)
        engine.dispose()
        return _shape(scratch)
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA declared"))
        copy = MetaData(schema="declared")
        for table in schema.metadata.sorted_tables:
            table.to_metadata(copy, schema="declared")
        copy.create_all(conn)
    try:
        seen = inspect(engine)
        shape = {}
        for name in sorted(seen.get_table_names(schema="declared")):
            shape[name] = (
                sorted((c["name"], str(c["type"]).split("(")[0], c["nullable"])
                       for c in seen.get_columns(name, schema="declared")),
                sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                       for i in seen.get_indexes(name, schema="declared")),
                sorted(tuple(u["column_names"])
                       for u in seen.get_unique_constraints(name, schema="declared")),
                tuple(seen.get_pk_constraint(name, schema="declared")["constrained_columns"]),
                sorted((tuple(f["constrained_columns"]), f["referred_table"])
                       for f in seen.get_foreign_keys(name, schema="declared")))
        return shape
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA declared CASCADE"))
        engine.dispose()


@pytest.mark.parametrize("start", [v for v, _, _ in [(0, None, None), *migrations.MIGRATIONS]
                                   if v < migrations.LATEST])
def test_migrations_build_the_declared_schema_from_empty_and_every_older_version(
        history_url, tmp_path, start):
    db = Store(make_url(history_url))
    try:
        assert migrations.migrate(db, target=start) == start
        with db.read() as conn:
            assert migrations.version(conn) == start
        assert migrations.migrate(db) == migrations.LATEST
        with db.read() as conn:
            assert migrations.version(conn) == migrations.LATEST
        assert migrations.migrate(db) == migrations.LATEST  # again: nothing to do
    finally:
        db.close()
    assert _shape(history_url) == _declared(history_url, tmp_path)


def test_a_schema_newer_than_the_code_is_refused(history_url, tmp_path):
    db = Store(make_url(history_url))
    migrations.migrate(db)
    with db.write() as conn:
        conn.execute(text("UPDATE history_meta SET value = '99' WHERE key = 'schema_version'"))
    db.close()
    with pytest.raises(HistoryError, match=r"schema version 99, newer than this vCompanion "
                                           rf"knows \({migrations.LATEST}\): update vCompanion"):
        History(config(tmp_path, history_url)).changes()


def _recorded(tmp_path, url: str) -> History:
    h = History(config(tmp_path, url))
    h.record([reading("prod", tables("prod", vms=[vm("vm-1", "web01")]), at(0))], now=at(0))
    return h


def test_a_locked_sqlite_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "BUSY_SECONDS", 1)
    path = tmp_path / "h.sqlite"
    h = _recorded(tmp_path, f"sqlite:///{path}")
    h.close()
    import sqlite3
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(HistoryError) as caught:
            h.record([reading("prod", tables("prod", vms=[vm("vm-1", "x")]), at(15))],
                     now=at(15))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = str(caught.value)
    assert message.startswith(f"history database (SQLite file {path}) is locked by another "
                              "process (waited 1 s)")
    assert "\n" not in message and "Traceback" not in message


def test_a_read_only_sqlite_file_is_named(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite"
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # a URI file name is the file, not a folder "file:" made here
    _recorded(tmp_path, f"sqlite:///{path}").close()
    # As root, file permissions do not apply: open it read-only through SQLite itself.
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    with pytest.raises(HistoryError, match=r"\) is read-only: vCompanion needs to write"):
        History(config(tmp_path, url)).record(
            [reading("prod", tables("prod", vms=[vm("vm-1", "x")]), at(15))], now=at(15))
    assert list(work.iterdir()) == []


def test_a_corrupt_sqlite_file_is_named_and_left_as_it_is(tmp_path):
    path = tmp_path / "h.sqlite"
    garbage = b"this is not a database, but somebody's notes\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(HistoryError, match=rf"history database \(SQLite file {path}\) is "
                                           "corrupt or not a vCompanion history"):
        History(config(tmp_path, f"sqlite:///{path}")).changes()
    assert path.read_bytes() == garbage  # never recreated


def test_a_full_disk_writes_nothing_and_says_so(tmp_path):
    path = tmp_path / "h.sqlite"
    h = _recorded(tmp_path, f"sqlite:///{path}")
    # A disk that fills up: SQLite refuses to grow the file past a few pages.
    event.listen(h.store().engine, "connect",
                 lambda conn, _: conn.execute("PRAGMA max_page_count = 40"))
    h.store().engine.dispose()
    many = tables("prod", vms=[vm(f"vm-{i}", f"web{i:05d}", annotation="x" * 500)
                               for i in range(400)])
    with pytest.raises(HistoryError, match=r"cannot grow: the disk is full \(nothing was "
                                           "written\\)"):
        h.record([reading("prod", many, at(15))], now=at(15))
    h.close()
    fresh = History(config(tmp_path, f"sqlite:///{path}"))
    assert fresh.changes(since=at(-10), until=at(60)).empty
    assert fresh.status()["last_complete"].iloc[0].minute == 0


def test_an_unreachable_postgresql_is_named_without_its_password(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://hist:S3cret-Pw@127.0.0.1:{port}/vcompanion"
    h = History(config(tmp_path, url))
    assert h.database == f"postgresql+psycopg://hist:***@127.0.0.1:{port}/vcompanion"
    with pytest.raises(HistoryError) as caught:
        h.changes()
    message = str(caught.value)
    assert message.startswith(f"history database (PostgreSQL 127.0.0.1:{port}, database "
                              "vcompanion, user hist) cannot be reached")
    assert "S3cret" not in message and "\n" not in message


def test_a_refused_postgresql_password_is_named(tmp_path, postgres):
    url = postgres.url("postgres", password="wrong-Pw-123")
    with pytest.raises(HistoryError) as caught:
        History(config(tmp_path, url)).changes()
    message = str(caught.value)
    assert message.startswith(f"history database (PostgreSQL 127.0.0.1:{postgres.port}, "
                              "database postgres, user vcompanion) refused the user name or "
                              "password")
    assert "wrong-Pw" not in message


def test_the_postgresql_password_can_come_from_the_environment(tmp_path, postgres,
                                                               monkeypatch):
    url = postgres.create_database()
    try:
        monkeypatch.setenv(store.ENV_PASSWORD, make_url(url).password)
        bare = make_url(url).set(password=None).render_as_string(hide_password=False)
        h = _recorded(tmp_path, bare)
        assert len(h.as_of(at(1), "vms")) == 1
        assert "Hist-Passw0rd" not in h.database
        h.close()
    finally:
        postgres.drop_database(url)


def test_the_default_database_is_the_sqlite_file_in_data_dir(tmp_path):
    h = History(config(tmp_path, None))
    assert h.database == f"sqlite:///{tmp_path / 'data' / 'history.sqlite'}"
    h.record([reading("prod", tables("prod", vms=[vm("vm-1", "web01")]), at(0))], now=at(0))
    assert (tmp_path / "data" / "history.sqlite").exists()
    with h.store().read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    h.close()
    assert os.path.getsize(tmp_path / "data" / "history.sqlite") > 0


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_sqlite_file_and_its_journal_are_the_owners_only(tmp_path):
    """Inventory history is for the account that runs vCompanion (issue 16 #10)."""
    import stat
    old = os.umask(0o022)
    try:
        h = History(config(tmp_path, None))
        h.record([reading("prod", tables("prod", vms=[vm("vm-1", "web01")]), at(0))],
                 now=at(0))
        data = tmp_path / "data"
        written = [p for p in data.iterdir() if p.name.startswith("history.sqlite")]
        assert len(written) >= 2  # the database and its write-ahead log
        for path in written:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        h.close()
    finally:
        os.umask(old)
