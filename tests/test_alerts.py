"""Alerts: real SMTP (aiosmtpd) and HTTP receivers on loopback, real simulators.

The scenario test runs `vcompanion alerts run` (a new process each time, so
every run is a restart) against its own simulator and changes the
simulator's state between runs through the control API.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli, write_json
from receivers import HttpSink, SmtpSink, free_port, self_signed_cert

from vcompanion.alerts import NotifyError, engine, notify_email
from vcompanion.alerts.notify_webhook import WebhookNotifier
from vcompanion.alerts.store import AlertStore
from vcompanion.config import Config
from vcompanion.problems import TABLE as PROBLEMS_TABLE
from vcompanion.problems import is_critical_event
from vcompanion.tables.events import TABLE as EVENTS_TABLE

TESTS = Path(__file__).resolve().parent
SECRET_PATH = "/hooks/T0KEN-s3cr3t-123"


@pytest.fixture
def http_sink():
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory):
    pytest.importorskip("cryptography")
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


def config_for(tmp_path: Path, alerts: dict, vcenters=None) -> Config:
    data = {"vcenters": vcenters or [{"name": "none", "host": "127.0.0.1", "port": 9}],
            "data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs"),
            "alerts": alerts}
    path = write_json(tmp_path / "config.json", data)
    from vcompanion.config import load_config
    return load_config(path)


def item(key="k1", change="new", severity="critical", **extra) -> dict:
    base = {"key": key, "change": change, "severity": severity, "previous_severity": None,
            "vcenter": "prod", "category": "host", "object": "esx-01 <b>&",
            "object_type": "HostSystem", "message": "Host is disconnected",
            "since": "2024-05-01T10:00:00+00:00", "detected": "2024-05-01T10:05:00+00:00",
            "rule": "host_not_connected", "event_type": None, "user": None}
    base.update(extra)
    return base


# --- e-mail ---------------------------------------------------------------------------

def test_send_mail_starttls_with_login_html_and_attachment(tmp_path, tls_cert, monkeypatch):
    smtp = SmtpSink("starttls", cert=tls_cert, users={"alerts@corp": "Sm7p-Pa55"}).start()
    try:
        config = config_for(tmp_path, {"email": {
            "host": "127.0.0.1", "port": smtp.port, "security": "starttls",
            "ca_bundle": str(tls_cert[0]), "username": "alerts@corp",
            "from": "vcompanion@corp.example.com", "to": ["a@corp.example.com"]}})
        monkeypatch.setenv("VCOMPANION_SMTP_PASSWORD", "Sm7p-Pa55")
        workbook = tmp_path / "inventory.xlsx"
        workbook.write_bytes(b"PK\x03\x04 not really a workbook")
        notify_email.send_mail(config, ["a@corp.example.com", "b@corp.example.com"],
                               "Inventory ✓", "plain body", "<p>html body</p>", [workbook])
        [msg] = smtp.wait_for(1)
        assert smtp.logins == ["alerts@corp"]
        assert smtp.envelopes[0].rcpt_tos == ["a@corp.example.com", "b@corp.example.com"]
        assert msg["Subject"] == "Inventory ✓"
        assert msg["From"] == "vcompanion@corp.example.com"
        assert msg.get_body(("plain",)).get_content().strip() == "plain body"
        assert msg.get_body(("html",)).get_content().strip() == "<p>html body</p>"
        [attachment] = list(msg.iter_attachments())
        assert attachment.get_filename() == "inventory.xlsx"
        assert attachment.get_content_type() == \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert attachment.get_content() == workbook.read_bytes()
    finally:
        smtp.stop()


def test_send_mail_ssl(tmp_path, tls_cert):
    smtp = SmtpSink("ssl", cert=tls_cert).start()
    try:
        config = config_for(tmp_path, {"email": {
            "host": "127.0.0.1", "port": smtp.port, "security": "ssl",
            "ca_bundle": str(tls_cert[0]), "to": ["a@corp.example.com"]}})
        notify_email.send_mail(config, ["a@corp.example.com"], "s", "t")
        assert len(smtp.wait_for(1)) == 1
    finally:
        smtp.stop()


def test_send_mail_errors_name_the_server_and_what_failed(tmp_path, tls_cert, monkeypatch):
    smtp = SmtpSink("starttls", cert=tls_cert, users={"alerts@corp": "right"}).start()
    base = {"host": "127.0.0.1", "port": smtp.port, "to": ["a@corp.example.com"],
            "timeout": 5}
    where = f"SMTP server 127.0.0.1:{smtp.port}"
    try:
        def fails(settings, password=None):
            if password is None:
                monkeypatch.delenv("VCOMPANION_SMTP_PASSWORD", raising=False)
            else:
                monkeypatch.setenv("VCOMPANION_SMTP_PASSWORD", password)
            monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
            config = config_for(tmp_path, {"email": {**base, **settings}})
            with pytest.raises(NotifyError) as info:
                notify_email.send_mail(config, config.get("alerts.email.to"), "s", "t")
            text = str(info.value)
            assert "\n" not in text and where in text
            return text

        text = fails({"ca_bundle": str(tls_cert[0]), "username": "alerts@corp"}, "wrong")
        assert "login as alerts@corp failed" in text and "wrong" not in text
        assert "certificate not trusted" in fails({})  # self-signed, no ca_bundle
        assert "VCOMPANION_SMTP_PASSWORD" in fails(
            {"ca_bundle": str(tls_cert[0]), "username": "alerts@corp"})
        assert "TLS failed" in fails({"security": "ssl"})
        ok = config_for(tmp_path, {"email": {**base, "ca_bundle": str(tls_cert[0]),
                                             "verify_ssl": False}})
        smtp.stop()
        with pytest.raises(NotifyError, match="connection refused"):
            notify_email.send_mail(ok, ["a@corp.example.com"], "s", "t")
    finally:
        smtp.stop()
    plain = SmtpSink("none").start()
    try:
        config = config_for(tmp_path, {"email": {**base, "port": plain.port}})
        with pytest.raises(NotifyError, match="STARTTLS not supported.*security"):
            notify_email.send_mail(config, ["a@corp.example.com"], "s", "t")
    finally:
        plain.stop()


def test_alert_email_has_text_and_html_worst_first(tmp_path):
    smtp = SmtpSink().start()
    try:
        config = config_for(tmp_path, {"email": {
            "host": "127.0.0.1", "port": smtp.port, "security": "none",
            "to": ["ops@corp.example.com"]}})
        [notifier] = engine.notifiers(config)
        notifier.send([item("w", severity="warning", message="Only 12.0 % free"),
                       item("c"), item("r", change="resolved", severity="warning",
                                       message="Snapshot gone")])
        [msg] = smtp.wait_for(1)
        assert msg["Subject"] == "[vCompanion] 3 alerts in prod: 1 critical, 1 warning, " \
                                 "1 resolved"
        text = msg.get_body(("plain",)).get_content()
        lines = [line for line in text.splitlines() if line.startswith(("CRIT", "WARN",
                                                                        "RESOLVED"))]
        assert lines == ["CRITICAL (new) prod / esx-01 <b>&: Host is disconnected",
                         "WARNING (new) prod / esx-01 <b>&: Only 12.0 % free",
                         "RESOLVED (was warning) prod / esx-01 <b>&: Snapshot gone"]
        html = msg.get_body(("html",)).get_content()
        assert "esx-01 &lt;b&gt;&amp;" in html and "<b>&" not in html.replace(
            "<b>esx", "")
    finally:
        smtp.stop()


# --- webhooks ---------------------------------------------------------------------------

def test_webhook_payloads_generic_teams_slack(http_sink):
    items = [item("a"), item("b", change="escalated", severity="critical",
                             previous_severity="warning", object="prod-ds-02",
                             message="Only 5.0 % free"),
             item("c", change="event", event_type="HostConnectionLostEvent",
                  user="CORP\\x")]
    for fmt in ("generic", "teams", "slack"):
        WebhookNotifier({"name": fmt, "url": http_sink.url(f"/{fmt}"), "format": fmt,
                         "timeout": 5}).send(items)
    [generic] = http_sink.posts("/generic")
    assert generic["source"] == "vcompanion"
    # worst first, then by vCenter and object
    assert [a["key"] for a in generic["alerts"]] == ["a", "c", "b"]
    assert generic["alerts"][2]["previous_severity"] == "warning"
    [teams] = http_sink.posts("/teams")
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    containers = [b for b in card["body"] if b["type"] == "Container"]
    assert len(containers) == 3
    assert containers[2]["items"][0]["text"] == \
        "CRITICAL (escalated from warning) prod / prod-ds-02: Only 5.0 % free"
    assert containers[0]["items"][0]["color"] == "attention"
    [slack] = http_sink.posts("/slack")
    assert slack["text"].startswith("[vCompanion] 3 alerts")
    sections = [b for b in slack["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    assert "esx-01 &lt;b&gt;&amp;" in sections[0]["text"]["text"]  # Slack escaping
    assert "HostConnectionLostEvent" in sections[1]["text"]["text"]


def test_webhook_failure_hides_the_secret_url(http_sink):
    http_sink.status[SECRET_PATH] = 500
    notifier = WebhookNotifier({"name": "teams", "url": http_sink.url(SECRET_PATH),
                                "format": "teams", "timeout": 5})
    with pytest.raises(NotifyError) as info:
        notifier.send([item()])
    text = str(info.value)
    assert "webhook 'teams'" in text and "HTTP 500" in text and "receiver says no" in text
    assert "T0KEN" not in text and "T0KEN" not in notifier.recipients
    dead = WebhookNotifier({"name": "gone", "url": f"http://127.0.0.1:{free_port()}/x",
                            "format": "generic", "timeout": 5})
    with pytest.raises(NotifyError, match="webhook 'gone'.*connection refused"):
        dead.send([item()])


# --- deciding what to send (real SQLite, synthetic inputs) ------------------------------

def problems_frame(*rows) -> pd.DataFrame:
    full = []
    for vcenter, severity, obj, message in rows:
        full.append({"vcenter": vcenter, "severity": severity, "category": "datastore",
                     "object": obj, "object_type": "Datastore", "message": message,
                     "since": None, "rule": "datastore_free_space",
                     "key": f"datastore_free_space|{vcenter}|Datastore|{obj}|"})
    return PROBLEMS_TABLE.frame(full)


def events_frame(*rows) -> pd.DataFrame:
    now = datetime.now(UTC)
    return EVENTS_TABLE.frame([
        {"vcenter": vc, "time": now - timedelta(minutes=5), "type": type_,
         "severity": "error", "message": message, "entity": "esx-01",
         "entity_type": "host", "datacenter": "DC", "user": None, "key": key,
         "chain_id": key} for vc, type_, message, key in rows])


def test_plan_new_escalated_resolved_and_events_once(tmp_path):
    settings = Config.from_dict({"vcenters": [{"name": "a", "host": "h"}]},
                                base_dir=tmp_path).get("alerts")
    store = AlertStore(tmp_path / "alerts.sqlite3")

    def step(problems, events=None, resolvable=("prod", "dr"), **overrides):
        with store.transaction():
            return [(i["change"], i["object"], i["severity"]) for i in engine.plan(
                store, problems, events if events is not None else events_frame(),
                set(resolvable), {**settings, **overrides})]

    def ds(sev, obj="ds1", vc="prod"):
        return (vc, sev, obj, "x")

    assert step(problems_frame(ds("warning"), ds("info", "ds2"))) == \
        [("new", "ds1", "warning")]
    assert step(problems_frame(ds("warning"), ds("info", "ds2"))) == []
    # info -> warning is "new" (info was never sent); warning -> critical escalates
    assert step(problems_frame(ds("critical"), ds("warning", "ds2"))) == \
        [("escalated", "ds1", "critical"), ("new", "ds2", "warning")]
    # back down and up again: announced once only
    assert step(problems_frame(ds("warning"), ds("warning", "ds2"))) == []
    assert step(problems_frame(ds("critical"), ds("warning", "ds2"))) == []
    # a vCenter that could not be read resolves nothing
    assert step(problems_frame(ds("warning", "ds2")), resolvable=("dr",)) == []
    assert step(problems_frame(ds("warning", "ds2"))) == [("resolved", "ds1", "critical")]
    assert step(problems_frame(), send_resolved=False) == []
    assert store.alerts("resolved").keys() == {
        "datastore_free_space|prod|Datastore|ds1|", "datastore_free_space|prod|Datastore|ds2|"}
    # comes back: new again
    assert step(problems_frame(ds("warning"))) == [("new", "ds1", "warning")]
    # min_severity critical: a new warning is tracked, not sent
    assert step(problems_frame(ds("warning"), ds("warning", "ds3")),
                min_severity="critical") == []
    # critical events: each once; alarms only when they turn red
    events = events_frame(
        ("prod", "HostConnectionLostEvent", "Host esx-01 is not responding", 7),
        ("prod", "com.vmware.vc.ha.VmRestartedByHAEvent", "vSphere HA restarted vm1", 8),
        ("prod", "AlarmStatusChangedEvent", "Alarm 'Host CPU usage' on esx-01 changed "
                                            "from Green to Yellow", 9),
        ("prod", "AlarmStatusChangedEvent", "Alarm 'Host CPU usage' on esx-01 changed "
                                            "from Yellow to Red", 10),
        ("prod", "VmPoweredOffEvent", "vm1 is powered off", 11),
        ("dr", "HostConnectionLostEvent", "Host esx-01 is not responding", 7))
    found = step(problems_frame(ds("warning"), ds("warning", "ds3")), events)
    # (ds3, held back by min_severity critical, is sent now that warnings are wanted)
    assert sorted(found) == [("event", "esx-01", "critical")] * 4 + [("new", "ds3", "warning")]
    assert step(problems_frame(ds("warning"), ds("warning", "ds3")), events) == []
    store.close()


# --- CLI: alerts test, history, credentials --smtp ------------------------------------

def test_alerts_test_command_and_history(tmp_path, http_sink):
    smtp = SmtpSink().start()
    http_sink.status["/broken"] = 500
    try:
        config = config_for(tmp_path, {
            "email": {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                      "to": ["ops@corp.example.com"]},
            "webhooks": [{"name": "chat", "url": http_sink.url("/chat"), "format": "slack"},
                         {"name": "broken", "url": http_sink.url("/broken")}]})
        done = run_cli("--config", str(config.path), "alerts", "test")
        assert done.returncode == 4, done.stderr
        assert "sent: e-mail via 127.0.0.1" in done.stdout
        assert "sent: webhook 'chat'" in done.stdout
        assert done.stderr.strip().splitlines() == [
            f"vcompanion: FAILED: webhook 'broken' (http://127.0.0.1:"
            f"{http_sink.server.server_address[1]}/…): HTTP 500 Internal Server Error: "
            f"receiver says no"]
        assert "Test notice" in smtp.wait_for(1)[0]["Subject"]
        assert len(http_sink.posts("/chat")) == 1
        only = run_cli("--config", str(config.path), "alerts", "test", "--notifier", "chat")
        assert only.returncode == 0 and len(http_sink.posts("/chat")) == 2
        missing = run_cli("--config", str(config.path), "alerts", "test", "--notifier", "x")
        assert missing.returncode == 2 and "no notifier named 'x'" in missing.stderr

        hist = run_cli("--config", str(config.path), "alerts", "history", "--format", "json")
        rows = json.loads(hist.stdout)
        assert [(r["notifier"], r["outcome"]) for r in rows] == [
            ("webhook:chat", "sent"), ("webhook:broken", "failed"),
            ("webhook:chat", "sent"), ("email", "sent")]
        assert rows[-1]["recipients"] == "ops@corp.example.com"
        assert rows[1]["error"].endswith("HTTP 500 Internal Server Error: receiver says no")
        table = run_cli("--config", str(config.path), "alerts", "history")
        assert table.returncode == 0 and "webhook:broken" in table.stdout
    finally:
        smtp.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_password_from_the_credential_store(tmp_path):
    env = {"PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring",
           "TEST_KEYRING_FILE": str(tmp_path / "keyring.json"), "PYTHONPATH": str(TESTS)}
    smtp = SmtpSink("none", users={"relay-user": "Fr0m-St0re"}).start()
    try:
        config = config_for(tmp_path, {"email": {
            "host": "127.0.0.1", "port": smtp.port, "security": "none",
            "to": ["ops@corp.example.com"]}})
        stored = run_cli("--config", str(config.path), "credentials", "set", "--smtp",
                         "--username", "relay-user", "--password-stdin", env=env,
                         stdin="Fr0m-St0re\n")
        assert stored.returncode == 0, stored.stderr
        shown = run_cli("--config", str(config.path), "credentials", "show", env=env)
        assert "smtp (127.0.0.1): relay-user (from credential store (smtp))" in shown.stdout
        sent = run_cli("--config", str(config.path), "alerts", "test", env=env)
        assert sent.returncode == 0, sent.stderr
        assert smtp.logins == ["relay-user"]
        assert "Fr0m-St0re" not in (tmp_path / "logs" / "vcompanion.log").read_text()
        cleared = run_cli("--config", str(config.path), "credentials", "clear", "--smtp",
                          env=env)
        assert cleared.returncode == 0 and "removed" in cleared.stderr
    finally:
        smtp.stop()


# --- the scenario: simulator, SMTP and webhooks, several runs ----------------------------

@pytest.fixture(scope="module")
def own_prod(tmp_path_factory):
    """A prod simulator of this module's own: the scenario changes its state."""
    import simulators
    sim = simulators.Simulator("prod", "prod",
                               workdir=tmp_path_factory.mktemp("own-prod")).start()
    yield sim
    sim.stop()


def seeded_critical_events(topology, hours: float) -> set[str]:
    """Keys of seeded events the default settings alert on (ground truth).

    An alarm that turned red and is still red is sent as a problem, not again
    as an event."""
    sys.path.insert(0, str(TESTS / "vcsim"))
    import seed  # tests/vcsim/seed.py

    from vcompanion.settings import CRITICAL_EVENTS
    topo = seed.TOPOLOGIES[topology]
    still_red = {(a["entity"], a["alarm"]) for a in topo["alarms"] if a["status"] == "red"}
    keys = set()
    for number, ev in enumerate(topo["events"], start=1):
        row = {"type": ev.get("event_type_id") or ev["type"], "message": ev["message"]}
        if ev["hours_ago"] < hours and is_critical_event(row, CRITICAL_EVENTS) \
                and (ev["entity"], ev.get("alarm")) not in still_red:
            keys.add(f"event|{topology}|{number}")
    return keys


def test_alert_runs_deliver_once_retry_and_resolve(tmp_path, own_prod, http_sink, sim_env):
    import simulators
    smtp = SmtpSink().start()
    config_path = simulators.write_config([own_prod], tmp_path / "config.json")
    data = json.loads(config_path.read_text())
    data.update({"data_dir": "data", "logs_dir": "logs", "alerts": {
        "email": {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                  "to": ["ops@corp.example.com", "oncall@corp.example.com"]},
        "webhooks": [{"name": "generic", "url": http_sink.url("/generic")},
                     {"name": "teams", "url": http_sink.url(SECRET_PATH), "format": "teams"},
                     {"name": "slack", "url": http_sink.url("/slack"), "format": "slack"}]}})
    write_json(config_path, data)

    def run(expect=0):
        done = run_cli("--config", str(config_path), "alerts", "run", env=sim_env)
        assert done.returncode == expect, done.stdout + done.stderr
        return done

    def sent_keys(posts):
        return [a["key"] for p in posts for a in p["alerts"]]

    try:
        # 1. first run: every problem at warning or worse, and the critical events
        from vcompanion import Companion
        with Companion.from_config(config_path) as vc:
            problems = vc.problems()
        expected = set(problems.loc[problems["severity"] != "info", "key"]) | \
            seeded_critical_events("prod", 24)
        assert len(expected) >= 10
        first = run()
        assert f"{len(expected)} change(s) found" in first.stdout
        [mail] = smtp.wait_for(1)
        assert sorted(mail["To"].split(", ")) == ["oncall@corp.example.com",
                                                  "ops@corp.example.com"]
        body = mail.get_body(("plain",)).get_content()
        assert "CRITICAL (new) prod / prod-ds-02: Only 5.0 % free" in body
        assert "Snapshot 'pre-upgrade-baseline' is 30 days old" in body
        assert "before-patch" not in body  # 3 days old: not a problem
        assert "maintenance" not in body   # info: below min_severity
        assert set(sent_keys(http_sink.posts("/generic"))) == expected
        assert len(sent_keys(http_sink.posts("/generic"))) == len(expected)
        assert len(http_sink.posts(SECRET_PATH)) == 1 and len(http_sink.posts("/slack")) == 1

        # 2. nothing changed: nothing sent
        second = run()
        assert "0 change(s) found" in second.stdout
        assert len(smtp.wait_for(2, timeout=1)) == 1
        assert len(http_sink.posts("/generic")) == 1

        # 3. a host loses its connection: exactly that is sent
        host = "esx-prod-a01.corp.example.com"
        own_prod.control("/host/connection", name=host, state="disconnected")
        run()
        mails = smtp.wait_for(2)
        assert len(mails) == 2
        new = sent_keys(http_sink.posts("/generic")[1:])
        assert f"host_not_connected|prod|HostSystem|{host}|" in new
        # its VMs have no statistics any more: db-01's CPU ready problem resolves
        statistics_gone = {"vm_cpu_ready|prod|VirtualMachine|db-01|"}
        assert set(new) & expected == statistics_gone
        assert "CRITICAL (new) prod / esx-prod-a01.corp.example.com: Host is disconnected" \
            in mails[1].get_body(("plain",)).get_content()
        already = expected | set(new)

        # 4. SMTP down and Teams answering 500: the generic webhook still delivers
        smtp.stop()
        http_sink.status[SECRET_PATH] = 500
        own_prod.control("/datastore/free", name="prod-ds-03", pct=12)
        failed = run(expect=4)
        assert f"SMTP server 127.0.0.1:{smtp.port}" in failed.stderr
        assert "HTTP 500" in failed.stderr and "T0KEN" not in failed.stderr
        ds3 = "datastore_free_space|prod|Datastore|prod-ds-03|"
        assert sent_keys(http_sink.posts("/generic")[-1:]) == [ds3]
        pending = run_cli("--config", str(config_path), "alerts", "pending",
                          "--format", "json")
        assert sorted((r["notifier"], r["object"]) for r in json.loads(pending.stdout)) == [
            ("email", "prod-ds-03"), ("webhook:teams", "prod-ds-03")]

        # 5. both back: the queued alert arrives, once, and only where it was missing
        smtp.clear()
        smtp.start()
        del http_sink.status[SECRET_PATH]
        generic_before = len(http_sink.posts("/generic"))
        run()
        [late] = smtp.wait_for(1)
        assert "WARNING (new) prod / prod-ds-03: Only 12.0 % free" in late["Subject"]
        assert len(http_sink.posts("/generic")) == generic_before
        teams = http_sink.posts(SECRET_PATH)
        assert len(teams) == 3 and "prod-ds-03" in json.dumps(teams[-1])
        assert json.loads(run_cli("--config", str(config_path), "alerts", "pending",
                                  "--format", "json").stdout) == []

        # 6. worse, and the host is back: escalated + resolved
        own_prod.control("/datastore/free", name="prod-ds-03", pct=8)
        own_prod.control("/host/connection", name=host, state="connected")
        run()
        last = http_sink.posts("/generic")[-1]["alerts"]
        assert sorted((a["change"], a["object"], a["severity"], a["previous_severity"])
                      for a in last) == [
            ("escalated", "prod-ds-03", "critical", "warning"),
            ("new", "db-01", "critical", None),  # its statistics are back
            ("resolved", host, "critical", None)]

        # 7. a critical event: sent once
        own_prod.control("/event", type="HostConnectionLostEvent",
                         entity="esx-prod-b02.corp.example.com",
                         message="Host esx-prod-b02.corp.example.com in DC-Prod is not "
                                 "responding")
        run()
        [event] = http_sink.posts("/generic")[-1]["alerts"]
        assert (event["change"], event["event_type"], event["object"]) == (
            "event", "HostConnectionLostEvent", "esx-prod-b02.corp.example.com")
        assert event["key"] not in already
        count = len(http_sink.posts("/generic"))
        run()
        assert len(http_sink.posts("/generic")) == count

        # history: what, when, to whom, outcome
        hist = run_cli("--config", str(config_path), "alerts", "history", "--format", "csv",
                       "--limit", "0")
        rows = list(csv.DictReader(io.StringIO(hist.stdout)))
        email_rows = [r for r in rows if r["notifier"] == "email"]
        assert {r["recipients"] for r in email_rows} == {
            "ops@corp.example.com, oncall@corp.example.com"}
        assert [r["outcome"] for r in email_rows if r["key"] == ds3
                and r["change"] == "new"] == ["sent", "failed"]  # newest first
        assert all(r["time"] for r in rows)
        assert "T0KEN" not in hist.stdout
        log_text = (tmp_path / "logs" / "vcompanion.log").read_text(encoding="utf-8")
        assert "T0KEN" not in log_text
    finally:
        smtp.stop()


def test_dry_run_changes_and_sends_nothing(tmp_path, vcsims, sim_config, sim_env, http_sink):
    data = json.loads(Path(sim_config).read_text())
    data.update({"data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs"),
                 "alerts": {"min_severity": "critical",
                            "webhooks": [{"name": "g", "url": http_sink.url("/g")}]}})
    config = write_json(tmp_path / "config.json", data)
    dry = run_cli("--config", str(config), "alerts", "run", "--dry-run", "--format", "json",
                  env=sim_env)
    assert dry.returncode == 0, dry.stderr
    items = json.loads(dry.stdout)
    assert items and {i["severity"] for i in items} == {"critical"}
    assert {i["vcenter"] for i in items} == {"prod", "dr"}
    assert http_sink.posts("/g") == []
    real = run_cli("--config", str(config), "alerts", "run", "--format", "json",
                   env=sim_env)
    assert real.returncode == 0, real.stderr
    assert sorted(i["key"] for i in json.loads(real.stdout)) == \
        sorted(i["key"] for i in items)
    assert len(http_sink.posts("/g")) == 1


def test_unreadable_vcenter_is_alerted_and_exit_code_is_partial(tmp_path, http_sink,
                                                                 sim_env):
    port = free_port()
    config = config_for(tmp_path, {"webhooks": [{"name": "g", "url": http_sink.url("/g")}]},
                        vcenters=[{"name": "gone", "host": "127.0.0.1", "port": port,
                                   "verify_ssl": False}])
    done = run_cli("--config", str(config.path), "alerts", "run", env=sim_env)
    assert done.returncode == 4
    assert f"vcompanion: vCenter 'gone' (127.0.0.1:{port}" in done.stderr
    [alert] = http_sink.posts("/g")[0]["alerts"]
    assert (alert["severity"], alert["category"], alert["object"]) == (
        "critical", "vcenter", "gone")


def test_an_alarm_still_red_is_not_sent_again_as_an_event(tmp_path):
    settings = Config.from_dict({"vcenters": [{"name": "a", "host": "h"}]},
                                base_dir=tmp_path).get("alerts")
    alarm = PROBLEMS_TABLE.frame([{
        "vcenter": "prod", "severity": "critical", "category": "alarm", "object": "esx-01",
        "object_type": "HostSystem", "message": "Alarm 'Host CPU usage' is red",
        "since": None, "rule": "triggered_alarms",
        "key": "triggered_alarms|prod|HostSystem|esx-01|Host CPU usage"}])
    events = events_frame(
        ("prod", "AlarmStatusChangedEvent", "Alarm 'Host CPU usage' on esx-01 changed from "
                                            "Green to Red", 1),
        ("prod", "AlarmStatusChangedEvent", "Alarm 'Host memory usage' on esx-01 changed "
                                            "from Green to Red", 2))
    with AlertStore(tmp_path / "alerts.sqlite3") as store, store.transaction():
        items = engine.plan(store, alarm, events, {"prod"}, settings)
    assert [(i["change"], i["message"]) for i in items] == [
        ("new", "Alarm 'Host CPU usage' is red"),
        ("event", "Alarm 'Host memory usage' on esx-01 changed from Green to Red")]
