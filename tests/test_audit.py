"""The audit trail (issue 16): the library on SQLite and PostgreSQL, the
``vcompanion audit`` command, and the real dashboards on the simulators --
a sign-in, a failure, a download, a sign-out and the Audit section in Chromium.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import run_cli, write_json
from historydata import config as history_config

from conftest import PASSWORD, USERNAME
from vcompanion.audit import AuditTrail, clean
from vcompanion.clock import utc_now
from vcompanion.config import Config, load_config
from vcompanion.history import History

HOSTILE = '<img src=x onerror="window.__pwned=1">\nlogin accepted: user=admin\r\x1b[31m'


def _events(frame) -> list[str]:
    return list(frame["event"])


# --- the library ----------------------------------------------------------------------

def test_every_event_is_recorded_filtered_and_pruned_by_the_retention(history_url,
                                                                      tmp_path):
    cfg = history_config(tmp_path, history_url, retention={"audit_days": 30})
    trail = AuditTrail(cfg, "pytest")
    try:
        trail.sign_in("alice@corp", "10.1.1.1", ["prod", "lab"],
                      {"dr": "user name or password rejected"})
        trail.sign_in_failed("mallory", "10.6.6.6", "invalid",
                             {"prod": "user name or password rejected"})
        # The one-line call the sign-in throttle (branch harden-web) makes.
        trail.lockout(user="mallory", client="10.6.6.6", minutes=15, failures=5)
        trail.signed_out("alice@corp", "10.1.1.1", "logout")
        trail.signed_out("bob", "10.2.2.2", "idle timeout")
        trail.workbook_generated("alice@corp", "10.1.1.1", "inventory", "inv.xlsx")
        trail.workbook_downloaded("alice@corp", "10.1.1.1", "vms.csv", rows=12)
        trail.alert_test_sent("root", "local", "webhook ops", "http://hook", ok=False,
                              error="HTTP 500")
        rows = trail.rows()
        assert _events(rows) == ["alert_test_sent", "workbook_downloaded",
                                 "workbook_generated", "idle_timeout", "sign_out",
                                 "lockout", "sign_in_failed", "sign_in"]  # newest first
        first = rows.iloc[-1]
        assert (first["user"], first["client"], first["outcome"]) == \
            ("alice@corp", "10.1.1.1", "accepted")
        assert first["vcenters"] == ["prod", "lab"]
        assert "dr: user name or password rejected" in first["detail"]
        assert first["process"].startswith("pytest (pid ") and first["machine"]
        assert str(rows["time"].dtype) == "datetime64[ns, UTC]"
        lock = rows[rows["event"] == "lockout"].iloc[0]
        assert (lock["user"], lock["client"], lock["outcome"]) == \
            ("mallory", "10.6.6.6", "locked")
        assert "5 failed sign-ins" in lock["detail"] and "15 minutes" in lock["detail"]
        assert _events(trail.rows(events=["lockout", "sign_in_failed"])) == \
            ["lockout", "sign_in_failed"]
        assert set(trail.rows(user="ALICE")["user"]) == {"alice@corp"}
        assert trail.rows(until=utc_now() - timedelta(minutes=5)).empty
        assert len(trail.rows(since="5m", limit=3)) == 3
        # Retention: audit_days (30) from the retention routine, nothing else.
        counts = History(cfg).purge(now=utc_now() + timedelta(days=29))
        assert counts["audit rows"] == 0
        counts = History(cfg).purge(now=utc_now() + timedelta(days=31))
        assert counts["audit rows"] == 8
        assert trail.rows().empty
    finally:
        trail.close()


def test_control_characters_are_escaped_so_nothing_is_forged(tmp_path):
    cfg = history_config(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite'}")
    trail = AuditTrail(cfg, "pytest")
    trail.sign_in_failed(HOSTILE + "\u2028\u202e", "10.0.0.1\n10.0.0.2", "invalid", {})
    row = trail.rows().iloc[0]
    trail.close()
    assert row["user"].startswith('<img src=x onerror="window.__pwned=1">\\nlogin')
    assert "\\r\\x1b[31m\\u2028\\u202e" in row["user"]
    assert row["client"] == "10.0.0.1\\n10.0.0.2"
    assert all(c.isprintable() for c in row["user"] + row["client"])
    assert clean("CORP\\j.smith") == "CORP\\j.smith"  # backslashes stay as they are
    assert len(clean("x" * 5000, 300)) == 300


def test_a_database_that_cannot_be_reached_never_breaks_the_action(tmp_path, caplog):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://auditor:S3cret-pw-42@127.0.0.1:{port}/vcompanion"
    trail = AuditTrail(history_config(tmp_path, url), "pytest")
    with caplog.at_level(logging.WARNING, logger="vcompanion.audit"):
        assert trail.sign_in("alice", "10.1.1.1", ["prod"], {}) is None
        assert trail.record("sign_out", "alice", "10.1.1.1") is False
    trail.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "vcompanion.audit"]
    assert len(lines) == 1, lines  # one warning, not one per row
    assert f"PostgreSQL 127.0.0.1:{port}" in lines[0] and "\n" not in lines[0]
    assert "S3cret-pw-42" not in caplog.text


def test_with_the_history_off_no_rows_are_kept_and_the_log_has_the_event(tmp_path,
                                                                           caplog):
    cfg = history_config(tmp_path, None, enabled=False)
    trail = AuditTrail(cfg, "pytest")
    with caplog.at_level(logging.INFO, logger="vcompanion.audit"):
        assert trail.record("sign_in", "a\nb", "10.0.0.1", "accepted", ["prod"]) is False
    assert not trail.keep and trail.rows().empty
    assert not (tmp_path / "data").exists()
    assert "audit sign_in user=a\\nb client=10.0.0.1" in caplog.text


def test_the_idle_timeout_and_logout_of_the_server_are_recorded(tmp_path, monkeypatch):
    from vcompanion.ui.runtime import Runtime
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in ("VCOMPANION_USERNAME", "VCOMPANION_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    cfg = Config.from_dict({"vcenters": [{"name": "prod", "host": "127.0.0.1"}],
                            "data_dir": str(tmp_path / "data"),
                            "session": {"idle_timeout_minutes": 1}}, base_dir=tmp_path)
    rt = Runtime(cfg)  # no service account: personal logins, nothing started
    try:
        idle = rt.logins.create("carol", "10.3.3.3")
        gone = rt.logins.create("dave", "10.4.4.4")
        idle.last_activity -= 120
        assert rt.logins.sweep() == 1  # what the server's sweeper thread runs
        rt.logins.end(gone.id, "logout")  # the Sign out button, /logout
        assert rt.audit.flush()
        rows = rt.audit.rows()
    finally:
        rt.stop()
    assert [tuple(r) for r in rows[["event", "user", "client", "outcome"]].values] == [
        ("sign_out", "dave", "10.4.4.4", "signed out"),
        ("idle_timeout", "carol", "10.3.3.3", "ended")]


# --- the command ------------------------------------------------------------------------

@pytest.fixture()
def audited(tmp_path) -> Path:
    """A config file and a history with a few audit rows, one with a formula name."""
    path = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "prod", "host": "127.0.0.1"}], "data_dir": "data"})
    trail = AuditTrail(load_config(path), "pytest")
    trail.sign_in("alice", "10.1.1.1", ["prod"], {})
    trail.sign_in_failed('=HYPERLINK("http://x.example","y")', "10.6.6.6", "invalid",
                         {"prod": "user name or password rejected"})
    trail.lockout(user="mallory", client="10.6.6.6", minutes=15, failures=5)
    trail.close()
    return path


def test_the_audit_command_in_table_csv_and_json(audited):
    out = run_cli("--config", str(audited), "audit")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:4] == ["time", "event", "user", "client"]
    assert [ln.split()[3] for ln in lines[2:]] == ["lockout", "sign_in_failed", "sign_in"]
    assert "machine" not in lines[0]

    out = run_cli("--config", str(audited), "audit", "--format", "json", "--since", "1h")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["event"] for r in rows] == ["lockout", "sign_in_failed", "sign_in"]
    assert rows[2]["vcenters"] == ["prod"] and rows[2]["time"].endswith("+00:00")
    assert rows[0]["process"].startswith("pytest")

    out = run_cli("--config", str(audited), "audit", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows[1]["user"] == "'=HYPERLINK(\"http://x.example\",\"y\")"  # never a formula
    out = run_cli("--config", str(audited), "audit", "--format", "csv", "--csv-raw")
    assert list(csv.DictReader(io.StringIO(out.stdout)))[1]["user"].startswith("=HYPER")

    out = run_cli("--config", str(audited), "audit", "--event", "lockout", "--event",
                  "sign_in", "--user", "MALL", "--format", "json")
    assert [r["event"] for r in json.loads(out.stdout)] == ["lockout"]


def test_the_audit_command_exit_codes(audited, tmp_path):
    for args in (["--since", "yesterdayish"], ["--event", "nope"], ["--limit", "-1"]):
        out = run_cli("--config", str(audited), "audit", *args)
        assert out.returncode == 2, (args, out.stdout)
        assert "Traceback" not in out.stderr and out.stdout == ""
        last = out.stderr.strip().splitlines()[-1]  # argparse prints its usage above
        assert last.startswith("vcompanion") and args[0].strip("-") in last, out.stderr
    off = write_json(tmp_path / "off.json", {
        "vcenters": [{"name": "prod", "host": "127.0.0.1"}], "data_dir": "data",
        "history": {"enabled": False}})
    out = run_cli("--config", str(off), "audit")
    assert out.returncode == 0 and out.stdout == "(no rows)\n"
    assert "not kept" in out.stderr


def test_a_configuration_that_fails_at_start_is_recorded(audited, tmp_path):
    broken = write_json(tmp_path / "broken.json", {
        "vcenters": [{"name": "prod", "host": "127.0.0.1", "port": 70000}],
        "data_dir": "data"})
    out = run_cli("--config", str(broken), "inventory", "vms")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "70000" in out.stderr
    out = run_cli("--config", str(audited), "audit", "--event", "config_invalid",
                  "--format", "json")
    (row,) = json.loads(out.stdout)
    assert row["outcome"] == "exit 2" and "vcenters[0].port" in row["detail"]
    assert row["process"].startswith("vcompanion inventory") and row["client"] == "local"
    # No history next to a broken file: nothing is created, the error stays one line.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bad = write_json(elsewhere / "config.json", {"vcenters": [], "data_dir": "data"})
    out = run_cli("--config", str(bad), "check")
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert not (elsewhere / "data").exists()


def test_an_alert_test_send_is_recorded(tmp_path):
    from receivers import HttpSink
    sink = HttpSink().start()
    try:
        path = write_json(tmp_path / "config.json", {
            "vcenters": [{"name": "prod", "host": "127.0.0.1"}], "data_dir": "data",
            "alerts": {"webhooks": [{"name": "ops", "format": "generic",
                                     "url": sink.url("/hook")}]}})
        out = run_cli("--config", str(path), "alerts", "test")
        assert out.returncode == 0, out.stderr
        assert len(sink.posts("/hook")) == 1
    finally:
        sink.stop()
    rows = AuditTrail(load_config(path), "pytest").rows()
    (row,) = rows.itertuples()
    assert (row.event, row.outcome, row.client) == ("alert_test_sent", "sent", "local")
    assert "webhook 'ops'" in row.detail and row.process.startswith("vcompanion alerts")


# --- the dashboards, on the simulators ------------------------------------------------

@pytest.fixture(scope="module")
def dash(vcsims, sim_config, tmp_path_factory):
    """``vcompanion serve`` (service account) that refreshes every 5 s."""
    from test_dashboards import EXE, Server, base_env, write_config
    folder = tmp_path_factory.mktemp("audit-dash")
    config = write_config(sim_config, folder, dashboard={"refresh_seconds": 5})
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 folder, folder / "server.out")
    srv.config = config
    yield srv
    srv.stop()


def _wait_rows(config: Path, event: str, n: int = 1, timeout: float = 30):
    trail = AuditTrail(load_config(config), "pytest")
    deadline = time.monotonic() + timeout
    try:
        while True:
            rows = trail.rows(events=[event])
            if len(rows) >= n or time.monotonic() > deadline:
                return rows
            time.sleep(0.2)
    finally:
        trail.close()


@pytest.mark.simulator
@pytest.mark.browser
def test_sign_ins_downloads_and_sign_outs_of_the_dashboards(dash, tmp_path):
    from playwright.sync_api import sync_playwright
    from test_dashboards import CHROMIUM, CHROMIUM_ARGS, LAPTOP, login, shoot, wait_page
    wrong = "wrong-" + PASSWORD
    from test_web_security import Client
    # A hostile user name posted straight to the form (a browser field has no newline),
    # with the form's CSRF token as a browser sends it.
    status, headers, _ = Client(dash.url).login(HOSTILE, wrong)
    assert status == 302 and "error=invalid" in headers["Location"]  # the form again
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport=LAPTOP, accept_downloads=True)
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, dash.url, password=wrong)
        page.wait_for_selector("#error")
        login(page, dash.url, target="/inventory")
        wait_page(page, "[data-rows]")
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="CSV").click()
        download = info.value.suggested_filename
        info.value.save_as(tmp_path / download)

        # The Audit section: the newest rows, hostile names as text.
        page.goto(dash.url + "/alerts")
        wait_page(page, "text=Audit trail")
        deadline = time.monotonic() + 60
        text = ""
        while "workbook_downloaded" not in text and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            text = page.locator(".tabulator").last.inner_text()
        assert "sign_in_failed" in text and "sign_in" in text and download in text
        assert '<img src=x onerror="window.__pwned=1">\\nlogin accepted' in text
        assert page.locator(".tabulator img").count() == 0
        assert page.evaluate("window.__pwned") is None
        shoot(page, "alerts-audit")
        page.locator('.tabulator-col[tabulator-field="event"] input').click()
        page.keyboard.type("download")
        deadline = time.monotonic() + 20
        while "sign_in_failed" in text and time.monotonic() < deadline:
            page.wait_for_timeout(300)
            text = page.locator(".tabulator").last.inner_text()
        assert "workbook_downloaded" in text and "sign_in_failed" not in text
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/login**", timeout=20_000)
        assert not errors, errors
        browser.close()

    config = dash.config
    failed = _wait_rows(config, "sign_in_failed", 2)
    mine = failed[failed["user"] == USERNAME].iloc[0]
    assert (mine["client"], mine["outcome"], mine["vcenters"]) == \
        ("127.0.0.1", "invalid", [])
    assert "user name or password rejected" in mine["detail"]
    hostile = failed[failed["user"] != USERNAME].iloc[0]
    # (Tornado already turns most C0 characters into spaces; CR and LF arrive.)
    assert hostile["user"].isprintable() and "\\nlogin accepted" in hostile["user"]
    assert "user=admin\\r" in hostile["user"]
    signed_in = _wait_rows(config, "sign_in").iloc[0]
    assert (signed_in["user"], signed_in["client"], signed_in["outcome"]) == \
        (USERNAME, "127.0.0.1", "accepted")
    assert sorted(signed_in["vcenters"]) == ["dr", "lab", "prod"]
    got = _wait_rows(config, "workbook_downloaded").iloc[0]
    assert (got["user"], got["client"]) == (USERNAME, "127.0.0.1")
    assert got["detail"].startswith(download) and "rows" in got["detail"]
    out = _wait_rows(config, "sign_out").iloc[0]
    assert (out["user"], out["outcome"]) == (USERNAME, "signed out")

    # A lockout: session.lockout_failures (5) wrong passwords of one user name; the
    # sixth sign-in is refused at once (HTTP 429) and the audit trail has the lockout.
    guesser = Client(dash.url)
    target = "lock-me@vsphere.local"
    statuses = [guesser.login(target, wrong)[0] for _ in range(6)]
    assert statuses == [302] * 5 + [429], statuses
    locked = _wait_rows(config, "lockout").iloc[0]
    assert (locked["user"], locked["client"]) == (target, "127.0.0.1")
    assert (locked["outcome"], locked["detail"]) == (
        "locked", "5 failed sign-ins: locked for 15 minutes")

    # Never a password: not in any cell of the table, nor in the command's output.
    db = Path(load_config(config).data_dir) / "history.sqlite"
    with sqlite3.connect(db) as conn:
        cells = " ".join(str(v) for row in conn.execute("SELECT * FROM history_audit")
                         for v in row)
    assert USERNAME in cells and PASSWORD not in cells and wrong not in cells
    for fmt in ("table", "csv", "json"):
        shown = run_cli("--config", str(config), "audit", "--format", fmt,
                        "--all-columns")
        assert shown.returncode == 0 and "sign_in_failed" in shown.stdout
        assert PASSWORD not in shown.stdout + shown.stderr
