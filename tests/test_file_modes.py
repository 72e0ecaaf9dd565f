"""What vCompanion writes is its owner's only: data_dir and logs_dir 0700, the
log (rotated files too), workbooks, databases and the cookie secret 0600 on
POSIX, whatever the umask (files.py).  Windows has no modes: there the files
live in the service account's profile (docs/dashboards.md)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from helpers import run_cli, write_json

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask of most systems: files 0644, folders 0755 unless told otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_own_folders_are_made_private_and_user_folders_left_alone(tmp_path):
    from vcompanion import files
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    reports = files.private_dir(data / "reports", root=data)
    assert mode(reports) == 0o700 and mode(data) == 0o700  # an existing one tightened
    before = mode(tmp_path)
    files.make_dirs(tmp_path / "a" / "b")
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    files.make_dirs(shared / "x")
    assert mode(shared) == 0o755 and mode(shared / "x") == 0o700  # theirs stays theirs
    assert mode(tmp_path) == before


def test_log_files_rotated_ones_too(tmp_path):
    from vcompanion.logs import LOGGER_NAME, setup_logging
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o755)
    old = logs / "vcompanion.log.1"  # left by an older version
    old.write_text("old\n")
    os.chmod(old, 0o644)
    path = setup_logging(logs, "INFO", max_bytes=10_000, backups=3)
    logger = logging.getLogger(LOGGER_NAME)
    try:
        for i in range(400):
            logger.info("record %d %s", i, "x" * 80)
    finally:
        for handler in list(logger.handlers):
            if getattr(handler, "_vcompanion", False):
                logger.removeHandler(handler)
                handler.close()
    written = sorted(logs.glob("vcompanion.log*"))
    assert path in written and len(written) == 4  # the current file and 3 rotated
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}
    assert mode(logs) == 0o700


def test_workbooks_are_private(tmp_path):
    from vcompanion import write_workbook
    path = write_workbook(tmp_path / "new" / "book.xlsx", {"VMs": pd.DataFrame(
        {"name": ["a"]})})
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    again = write_workbook(path, {"VMs": pd.DataFrame({"name": ["b"]})})
    assert mode(again) == 0o600  # replaced, still private
    assert [p.name for p in path.parent.iterdir()] == ["book.xlsx"]


def test_reports_folder_and_data_dir(tmp_path):
    from vcompanion.config import Config
    from vcompanion.reports import default_path
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    config = Config.from_dict({"vcenters": [{"name": "a", "host": "h"}],
                               "data_dir": str(data)}, base_dir=tmp_path)
    path = default_path(config, "inventory")
    assert mode(path.parent) == 0o700 and mode(data) == 0o700


def test_alert_database_and_its_journal(tmp_path):
    from vcompanion.alerts.store import AlertStore
    data = tmp_path / "data"
    with AlertStore(data / "alerts.sqlite3") as store:
        with store.transaction() as db:
            db.execute("INSERT INTO meta (name, value) VALUES ('x', 'y')")
            journals = [p for p in data.iterdir() if p.name != "alerts.sqlite3"]
            assert all(mode(p) == 0o600 for p in journals), journals
    assert mode(data / "alerts.sqlite3") == 0o600 and mode(data) == 0o700
    # A database an older version left readable by everyone is tightened.
    os.chmod(data / "alerts.sqlite3", 0o644)
    AlertStore(data / "alerts.sqlite3").close()
    assert mode(data / "alerts.sqlite3") == 0o600


def test_cookie_secret_and_its_folder(tmp_path):
    from vcompanion.ui.sessions import cookie_secret
    data = tmp_path / "fresh" / "data"
    cookie_secret(data)
    assert mode(data / "cookie_secret") == 0o600 and mode(data) == 0o700


@pytest.mark.simulator
def test_a_real_report_run_leaves_nothing_readable_by_others(vcsims, tmp_path):
    lab = vcsims["lab"]
    config = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "lab", "host": lab.host, "port": lab.port,
                      "ca_bundle": lab.cert_path}]})
    result = run_cli("--config", str(config), "report",
                     env={"VCOMPANION_USERNAME": lab.username,
                          "VCOMPANION_PASSWORD": lab.password})
    assert result.returncode == 0, result.stderr
    written = [p for p in tmp_path.rglob("*") if p.name != "config.json"]
    assert {p.relative_to(tmp_path).parts[0] for p in written} == {"data", "logs"}
    assert any(p.suffix == ".xlsx" for p in written)
    assert any(p.name == "vcompanion.log" for p in written)
    loose = {str(p.relative_to(tmp_path)): oct(mode(p)) for p in written
             if mode(p) != (0o700 if p.is_dir() else 0o600)}
    assert loose == {}
