"""What the history feeds: the demo's 60 days, the datastore forecast rule,
removal alerts, the changes and as-of workbooks, the scheduler's recording job."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
from openpyxl import load_workbook
from receivers import HttpSink

from vcompanion import Companion
from vcompanion.alerts import engine
from vcompanion.clock import utc_now
from vcompanion.config import Config, load_config
from vcompanion.demo import SITES, demo_sources
from vcompanion.history import History, demo
from vcompanion.jobs import history as history_jobs
from vcompanion.problems import RULES, Facts, evaluate
from vcompanion.tables import TABLES


@pytest.fixture(scope="module")
def demo_vc():
    vc = Companion.demo()
    yield vc
    vc.close()


def test_the_demo_has_sixty_days_made_by_the_recorder(demo_vc):
    status = demo_vc.history_status().set_index("vcenter")
    assert set(status.index) == {s.name for s in SITES}
    first = status.loc["prod", "first_recording"]
    assert timedelta(days=59) < utc_now() - first < timedelta(days=62)
    assert status.loc["branch", "last_status"] == "failed"  # never answers
    changes = demo_vc.changes(since="60d")
    assert {"created", "removed", "modified"} <= set(changes["change"])
    assert changes["user"].str.startswith("CORP\\").sum() > 50  # who did it
    removed = changes[changes["change"] == "removed"]
    assert (removed["user"].notna() & (removed["event"] == "VmRemovedEvent")).all()
    last_night = demo_vc.changes(since="24h")
    assert (last_night["change"] == "removed").sum() >= 3
    gaps = demo_vc.history.gaps(since="60d")
    assert {"dr", "branch"} <= set(gaps["vcenter"])
    forecasts = demo_vc.forecasts()
    filling = forecasts[(forecasts["kind"] == "datastore")
                        & (forecasts["status"] == "growing")].sort_values("days_low")
    assert 5 < filling["days_low"].iloc[0] < 15  # the one that fills in about ten days
    assert filling["days_of_data"].iloc[0] < 30  # its window starts where it was grown
    week = demo_vc.capacity("datastores", since="7d")
    assert len(week) and set(week["metric"]) == {"capacity_bytes", "free_bytes",
                                                 "provisioned_bytes"}
    problems = demo_vc.problems()
    assert (problems["rule"] == "datastore_filling_up").any()


def test_the_demo_copy_is_moved_forward_by_whole_days(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DAYS", 6)
    monkeypatch.setattr(demo, "VERSION", 99)
    url = History(Config.from_dict({"vcenters": [{"name": "x", "host": "h"}],
                                    "data_dir": str(tmp_path)})).url
    now = utc_now()
    monkeypatch.setattr(demo, "utc_now", lambda: now - timedelta(days=3, hours=2))
    old = demo.seed(url)
    monkeypatch.setattr(demo, "utc_now", lambda: now)
    new = demo.seed(url)
    assert old.database != new.database and (tmp_path / demo.file_name("template")
                                             ).exists()
    assert "-v99-" in demo.file_name("template")
    config = Config.from_dict({"vcenters": [{"name": "x", "host": "h"}],
                               "data_dir": str(tmp_path),
                               "history": {"database_url": str(new)}})
    h = History(config)
    last = h.status()["last_complete"].max()
    assert timedelta(0) <= now - last < timedelta(days=1)
    assert (last - (now - timedelta(days=3, hours=2))) % timedelta(days=1) == timedelta(0)
    daily = h.capacity("datastores", since="5d", resolution="day")
    assert (daily["time"].dt.hour == 0).all()
    h.close()


def _forecast(days_low, status="growing", kind="datastore", name="DS1"):
    return {"vcenter": "prod", "kind": kind, "name": name, "metric": "space",
            "days_low": days_low, "days_high": None if days_low is None else days_low * 1.2,
            "status": status, "moid": "datastore-1", "used": 1.0, "capacity": 2.0,
            "unit": "bytes", "growth_per_day": 50 * 2**30, "days_of_data": 20,
            "window_start": None}


def _facts(forecasts):
    empty = {n: TABLES[n].empty() for n in ("vms", "hosts", "datastores", "snapshots",
                                            "alarms", "cdroms")}
    settings = {"datastore_free_warning_pct": 15, "datastore_free_critical_pct": 10,
                "snapshot_age_days": 14, "disabled_rules": [],
                "datastore_full_warning_days": 30, "datastore_full_critical_days": 7}
    return Facts(**empty, status=pd.DataFrame(columns=["vcenter", "status", "message"]),
                 settings=settings, forecasts=forecasts)


def test_the_datastore_forecast_rule_warns_and_needs_no_history():
    rules = {"datastore_filling_up": RULES["datastore_filling_up"]}
    frame = pd.DataFrame([_forecast(5, name="soon"), _forecast(20, name="later"),
                          _forecast(45, name="far"), _forecast(None, "stable", name="flat"),
                          _forecast(0, "full", name="full"),
                          _forecast(3, kind="cluster", name="C1")])
    found = evaluate(_facts(frame), rules)
    assert dict(zip(found["object"], found["severity"])) == {
        "soon": "critical", "full": "critical", "later": "warning"}
    assert "Forecast full in 20 to 24 days" in found.set_index("object").loc["later",
                                                                              "message"]
    assert evaluate(_facts(None), rules).empty


def test_problems_without_a_history_neither_fail_nor_create_one(tmp_path):
    config = Config.from_dict({"vcenters": [{"name": s.name, "host": s.host} for s in SITES],
                               "data_dir": str(tmp_path / "data"),
                               "collection": {"decoder": "pyvmomi", "decode_processes": 0}})
    with Companion(config, sources=demo_sources(config)) as vc:
        problems = vc.problems()
    assert len(problems) and not (problems["rule"] == "datastore_filling_up").any()
    assert not (tmp_path / "data" / "history.sqlite").exists()


def test_removed_vms_are_alerted_once_and_wait_for_a_notifier_that_is_down(tmp_path):
    sink = HttpSink().start()
    try:
        config = Config.from_dict({
            "vcenters": [{"name": s.name, "host": s.host} for s in SITES],
            "data_dir": str(tmp_path / "data"),
            "collection": {"decoder": "pyvmomi", "decode_processes": 0},
            "alerts": {"webhooks": [{"name": "hook", "url": sink.url("/hook")}]}})
        history = History(config, seed=demo.seed)

        def run():
            with Companion(config, sources=demo_sources(config), history=history) as vc:
                return engine.run(config, vc)

        def removals():
            return [i for post in sink.posts("/hook") for i in post["alerts"]
                    if i["change"] == "removed"]

        sink.status["/hook"] = 503  # the receiver is down
        first = run()
        assert [d.pending for d in first.deliveries][0] > 0
        assert sum(i["change"] == "removed" for i in first.items) >= 3
        assert removals() == []
        del sink.status["/hook"]
        run()
        sent = removals()
        assert len(sent) >= 3 and len({i["key"] for i in sent}) == len(sent)
        assert all(i["severity"] == "warning" and i["user"] for i in sent)
        assert any("was removed by CORP\\" in i["message"] for i in sent)
        run()
        assert len(removals()) == len(sent)  # never twice
        history.close()
    finally:
        sink.stop()


def test_the_changes_workbook_and_the_inventory_as_it_was(demo_vc, tmp_path):
    path = demo_vc.report(tmp_path / "changes.xlsx", kind="changes", hours=24 * 7)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Summary", "Changes", "Gaps", "History"]
    rows = book["Changes"].max_row - 1
    assert rows == len(demo_vc.changes(since="7d")) and rows > 10
    book.close()
    path = demo_vc.report(tmp_path / "asof.xlsx", as_of="30d")
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Summary", "vInfo", "vHost", "vCluster", "vDatastore",
                               "vPortgroup", "vSource"]
    assert book["vInfo"].max_row - 1 == len(demo_vc.as_of("30d", "vms"))
    header = [c.value for c in next(book["vInfo"].iter_rows(max_row=1))]
    assert header[:3] == ["VM", "Powerstate", "IP addresses"] and "VM UUID" in header
    summary = [r for r in book["Summary"].iter_rows(values_only=True)]
    assert any(r and r[0] == "Inventory as of (UTC)" for r in summary)
    book.close()


def test_the_scheduler_records_every_interval(tmp_path):
    base = {"vcenters": [{"name": "a", "host": "127.0.0.1", "port": 9}], "data_dir": "data"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base))
    [spec] = history_jobs.jobs(load_config(path))
    assert (spec.id, spec.name) == ("history", "history recording every 15 min")
    assert spec.trigger.interval.total_seconds() == 900
    for off in ({"enabled": False}, {"interval_minutes": 0}):
        path.write_text(json.dumps({**base, "history": off}))
        assert history_jobs.jobs(load_config(path)) == []


@pytest.mark.simulator
def test_the_recording_job_records_the_simulators(tmp_path, sim_config, sim_env):
    data = json.loads(sim_config.read_text())
    data.update(data_dir=str(tmp_path / "data"))
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    first = history_jobs.run_recording(str(path))
    assert sorted((o.vcenter, o.status) for o in first.outcomes) == [
        ("dr", "baseline"), ("lab", "baseline"), ("prod", "baseline")]
    second = history_jobs.run_recording(str(path))
    assert {o.status for o in second.outcomes} == {"complete"}
    assert (tmp_path / "data" / "history.sqlite").exists()
