"""Recording and reading the history back, on SQLite and on PostgreSQL.

The tables are small hand-made rows of the real tables (tests/historydata.py);
the simulators' end-to-end run is in test_history_simulator.py.
"""

from __future__ import annotations

import json
import threading

import pandas as pd
import pytest
from historydata import (T0, at, cluster, config, datastore, host, reading, record, tables,
                         vm, vm_event)
from pyVmomi import vim
from sqlalchemy import text

from vcompanion import ConfigError, HistoryError
from vcompanion.history import History, capacity
from vcompanion.tables import TABLES

ADMIN = "CORP\\admin"


@pytest.fixture()
def history(tmp_path, history_url):
    h = History(config(tmp_path, history_url))
    yield h
    h.close()


def _prod(*vms, **more):
    return tables("prod", vms=vms, **more)


def test_first_recording_is_a_baseline_and_unchanged_objects_change_nothing(history):
    frames = _prod(vm("vm-1", "web01"), vm("vm-2", "db01"), hosts=[host("host-1", "esx-01")])
    first = record(history, at(0), reading("prod", frames, at(0)))
    assert [(o.status, o.objects, o.changes) for o in first.outcomes] == [("baseline", 3, 0)]
    again = _prod(vm("vm-1", "web01"), vm("vm-2", "db01"), hosts=[host("host-1", "esx-01")])
    second = record(history, at(15), reading("prod", again, at(15)))
    assert [(o.status, o.changes) for o in second.outcomes] == [("complete", 0)]
    assert history.changes(since=T0, until=at(60)).empty


def test_changes_are_exactly_what_changed_with_old_and_new_values(history):
    record(history, at(0), reading("prod", _prod(
        vm("vm-1", "web01"), vm("vm-2", "db01"), vm("vm-3", "old01")), at(0)))
    result = record(history, at(15), reading("prod", _prod(
        vm("vm-1", "web01-new", num_cpu=4, memory_mb=8192, ip_addresses=["10.0.0.1"]),
        vm("vm-2", "db01", power_state="poweredOff"),
        vm("vm-4", "new01")), at(15)))
    assert result.changes == 6
    got = history.changes(since=T0, until=at(60))
    assert list(got.columns[:12]) == ["time", "vcenter", "kind", "name", "moid", "change",
                                      "property", "old", "new", "user", "event",
                                      "event_time"]
    rows = {(r.moid, r.change, r.property): (r.old, r.new, r.name)
            for r in got.astype(object).where(got.notna(), None).itertuples()}
    assert rows == {
        ("vm-1", "modified", "name"): ("web01", "web01-new", "web01-new"),
        ("vm-1", "modified", "num_cpu"): (2, 4, "web01-new"),
        ("vm-1", "modified", "memory_mb"): (4096, 8192, "web01-new"),
        ("vm-2", "modified", "power_state"): ("poweredOn", "poweredOff", "db01"),
        ("vm-3", "removed", None): (None, None, "old01"),
        ("vm-4", "created", None): (None, None, "new01"),
    }
    assert set(got["vcenter"]) == {"prod"} and set(got["kind"]) == {"vm"}
    assert (got["time"] == pd.Timestamp(at(15))).all()
    assert history.changes(since=at(16), until=at(60)).empty
    assert len(history.changes(since=T0, until=at(60), kind="vms")) == 6
    assert history.changes(since=T0, until=at(60), kind="host").empty
    assert history.changes(since=T0, until=at(60), vcenter="dr").empty


def test_as_of_is_each_past_inventory_with_todays_column_names(history):
    first = _prod(vm("vm-1", "web01"), vm("vm-2", "gone01", datastores=["DS2", "DS1"]),
                  hosts=[host("host-1", "esx-01")],
                  datastores=[datastore("datastore-1", "DS1")])
    record(history, at(0), reading("prod", first, at(0)))
    record(history, at(60), reading("prod", _prod(
        vm("vm-1", "web01", num_cpu=8), vm("vm-3", "new01"),
        hosts=[host("host-1", "esx-01", in_maintenance=True)],
        datastores=[datastore("datastore-1", "DS1")]), at(60)))
    past = history.as_of(at(30), "vms")
    shown = [c.name for c in TABLES["vms"].columns
             if c.name in ("vcenter", "moid") or c.tracked or c.history == "identity"]
    assert list(past.columns) == shown
    expected = first["vms"][shown].copy()
    expected["datastores"] = [sorted(v) for v in expected["datastores"]]
    pd.testing.assert_frame_equal(past, expected.reset_index(drop=True))
    assert dict(past.dtypes) == {c: TABLES["vms"].column(c).dtype for c in shown}
    now = history.as_of(at(61), "vms")
    assert list(now["name"]) == ["new01", "web01"] and list(now["num_cpu"]) == [2, 8]
    assert history.as_of(at(-1), "vms").empty
    assert bool(history.as_of(at(30), "hosts")["in_maintenance"].iloc[0]) is False
    assert bool(history.as_of("2025-03-01T07:00:00Z", "hosts")["in_maintenance"].iloc[0])
    with pytest.raises(ConfigError, match="keeps no table 'alarms'"):
        history.as_of(at(30), "alarms")


def test_a_vcenter_that_fails_removes_nothing_and_the_gap_shows(history):
    prod = _prod(vm("vm-1", "web01"))
    dr = tables("dr", vms=[vm("vm-10", "dr01"), vm("vm-11", "dr02")])
    record(history, at(0), reading("prod", prod, at(0)), reading("dr", dr, at(0)))
    down = record(history, at(15), reading("prod", prod, at(15)),
                  reading("dr", error="vCenter 'dr' (vc-dr:443): cannot connect: refused"))
    assert [(o.vcenter, o.status, o.changes) for o in down.outcomes] == [
        ("prod", "complete", 0), ("dr", "failed", 0)]
    assert [o.vcenter for o in down.incomplete] == ["dr"]
    record(history, at(30), reading("prod", prod, at(30)), reading("dr", error="refused"))
    assert history.changes(since=T0, until=at(60)).empty
    assert len(history.as_of(at(31), "vms")) == 3  # dr's VMs as last seen
    back = tables("dr", vms=[vm("vm-10", "dr01")])
    record(history, at(45), reading("prod", prod, at(45)), reading("dr", back, at(45)))
    got = history.changes(since=T0, until=at(60))
    assert list(zip(got["vcenter"], got["moid"], got["change"])) == [("dr", "vm-11",
                                                                      "removed")]
    gaps = history.gaps(since=T0, until=at(60))
    assert list(gaps["vcenter"]) == ["dr"]
    assert gaps["start"].iloc[0] == pd.Timestamp(at(0))
    assert gaps["end"].iloc[0] == pd.Timestamp(at(45))
    assert gaps["recordings"].iloc[0] == 2 and "refused" in gaps["reason"].iloc[0]
    status = history.status().set_index("vcenter")
    assert status.loc["dr", "failed_recordings"] == 2 and status.loc["dr", "gaps"] == 1
    assert status.loc["dr", "last_status"] == "complete"
    assert status.loc["prod", "objects"] == 1 and status.loc["dr", "changes"] == 1


def test_a_vcenter_renamed_in_the_config_keeps_its_history(history):
    record(history, at(0), reading("prod", _prod(vm("vm-1", "web01")), at(0), uuid="U-1"))
    record(history, at(15), reading("production", tables("production", vms=[
        vm("vm-1", "web01", num_cpu=4)]), at(15), uuid="U-1"))
    got = history.changes(since=T0, until=at(60))
    assert list(zip(got["vcenter"], got["property"], got["old"], got["new"])) == [
        ("production", "num_cpu", 2, 4)]
    assert list(history.status()["vcenter"]) == ["production"]


def test_users_and_events_explain_the_changes(history):
    record(history, at(0), reading("prod", _prod(vm("vm-1", "web01"), vm("vm-2", "db01"),
                                                 vm("vm-3", "tmp01")), at(0)))
    events = [vm_event(vim.event.VmPoweredOffEvent, "vm-1", "web01", ADMIN, at(5), 11),
              vm_event(vim.event.VmReconfiguredEvent, "vm-2", "db01", "CORP\\dba", at(7), 12),
              vm_event(vim.event.VmPoweredOffEvent, "vm-2", "db01", "CORP\\x", at(-30), 13),
              vm_event(vim.event.VmRemovedEvent, "vm-3", "tmp01", ADMIN, at(9), 14)]
    record(history, at(15), reading("prod", _prod(
        vm("vm-1", "web01", power_state="poweredOff", ip_addresses=[]),
        vm("vm-2", "db01", memory_mb=16384, power_state="poweredOff")), at(15), events))
    got = history.changes(since=T0, until=at(60)).astype(object)
    who = {(r["moid"], r["property"] or r["change"]): (r["user"], r["event"])
           for r in got.where(got.notna(), None).to_dict("records")}
    assert who == {
        ("vm-1", "power_state"): (ADMIN, "VmPoweredOffEvent"),
        ("vm-1", "ip_addresses"): (ADMIN, "VmPoweredOffEvent"),
        ("vm-2", "memory_mb"): ("CORP\\dba", "VmReconfiguredEvent"),
        ("vm-2", "power_state"): (None, None),  # its power event is older than the window
        ("vm-3", "removed"): (ADMIN, "VmRemovedEvent"),
    }
    assert got.loc[got["moid"] == "vm-3", "event_time"].iloc[0] == pd.Timestamp(at(9))


def test_two_recorders_at_once_write_each_change_once(tmp_path, history_url):
    record(History(config(tmp_path, history_url)), at(0),
           reading("prod", _prod(vm("vm-1", "web01")), at(0)))
    changed = _prod(vm("vm-1", "web01", num_cpu=4))
    recorders = [History(config(tmp_path, history_url)) for _ in range(2)]
    for h in recorders:
        h.store()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run(h):
        try:
            barrier.wait()  # the time of a recording is taken once it holds the vCenter
            results.append(h.record([reading("prod", changed, at(14))]))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(h,)) for h in recorders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    outcomes = sorted((o.status, o.changes) for r in results for o in r.outcomes)
    assert outcomes == [("complete", 1), ("skipped", 0)]
    assert len(recorders[0].changes(since=T0, until=None)) == 1
    for h in recorders:
        h.close()


def test_another_process_that_recorded_is_read_back_not_repeated(tmp_path, history_url):
    one, two = (History(config(tmp_path, history_url)) for _ in range(2))
    record(one, at(0), reading("prod", _prod(vm("vm-1", "web01")), at(0)))
    record(two, at(15), reading("prod", _prod(vm("vm-1", "web01", num_cpu=4)), at(15)))
    again = record(one, at(30), reading("prod", _prod(vm("vm-1", "web01", num_cpu=4)),
                                        at(30)))
    assert again.changes == 0
    assert len(one.changes(since=T0, until=at(60))) == 1
    one.close()
    two.close()


def test_an_interrupted_recording_leaves_nothing_half_written(history, monkeypatch):
    record(history, at(0), reading("prod", _prod(vm("vm-1", "web01")), at(0)))

    def broken(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(capacity, "rollup", broken)
    with pytest.raises(RuntimeError):
        record(history, at(15), reading("prod", _prod(vm("vm-1", "web01", num_cpu=4),
                                                      vm("vm-2", "db01")), at(15)))
    with history.store().read() as conn:
        assert conn.execute(text("SELECT count(*) FROM history_recordings")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM history_changes")).scalar() == 0
    monkeypatch.undo()
    result = record(history, at(30), reading("prod", _prod(
        vm("vm-1", "web01", num_cpu=4), vm("vm-2", "db01")), at(30)))
    assert result.changes == 2  # nothing lost: the next recording sees both


def test_a_clock_that_went_back_is_refused(history):
    record(history, at(60), reading("prod", _prod(vm("vm-1", "web01")), at(60)))
    with pytest.raises(HistoryError, match="the clock went back: .*vCenter 'prod' was "
                                           "recorded at 2025-03-01 07:00:00 UTC; nothing"):
        record(history, at(0), reading("prod", _prod(vm("vm-1", "web01", num_cpu=4)), at(0)))
    assert history.changes(since=T0 - pd.Timedelta(days=1), until=at(90)).empty


def test_a_newly_tracked_column_is_adopted_not_reported(history):
    frames = _prod(vm("vm-1", "web01", annotation="hello"))
    record(history, at(0), reading("prod", frames, at(0)))
    store = history.store()
    with store.write() as conn:  # as an older vCompanion (without 'annotation') left it
        state = json.loads(conn.execute(text("SELECT state FROM history_objects")).scalar())
        del state["annotation"]
        conn.execute(text("UPDATE history_objects SET state = :s"), {"s": json.dumps(state)})
    history.close()
    result = record(history, at(15), reading("prod", frames, at(15)))
    assert result.changes == 0
    assert history.as_of(at(16), "vms")["annotation"].tolist() == ["hello"]


def test_capacity_is_sampled_rolled_up_and_pruned(tmp_path, history_url):
    h = History(config(tmp_path, history_url, retention={"raw_samples_days": 1}))
    for step in range(0, 3 * 24 * 4):  # three days, every 15 minutes
        free = (600 - step) * 2**30
        frames = tables("prod", vms=[vm("vm-1", "web01"), vm("vm-2", "t", is_template=True,
                                                              power_state="poweredOff")],
                        datastores=[datastore("datastore-1", "DS1", free=free)],
                        clusters=[cluster("domain-c1", "C1")],
                        hosts=[host("host-1", "esx-01")])
        h.record([reading("prod", frames, at(15 * step))], now=at(15 * step))
    raw = h.capacity("datastores", since=at(0), until=at(60), resolution="raw")
    assert set(raw["metric"]) == {"capacity_bytes", "free_bytes", "provisioned_bytes"}
    free = raw[raw["metric"] == "free_bytes"]
    assert list(free["value"]) == [(600 - s) * 2**30 for s in range(5)]
    hourly = h.capacity("datastores", since=at(0), until=at(59), resolution="hour",
                        metric="free_bytes")
    assert len(hourly) == 1 and hourly["low"].iloc[0] == 597 * 2**30
    assert hourly["high"].iloc[0] == 600 * 2**30 and hourly["value"].iloc[0] == 598.5 * 2**30
    daily = h.capacity("datastores", since=at(0), until=at(3 * 24 * 60), resolution="day",
                       metric="free_bytes")
    # 06:00 on the first day to 05:45 on the fourth: the last day is not rolled up yet
    assert list(daily["low"]) == [529 * 2**30, 433 * 2**30, 337 * 2**30, 313 * 2**30]
    assert list(daily["time"].dt.day) == [1, 2, 3, 4]
    vcenter = h.capacity("vcenters", since=at(0), until=at(10), resolution="raw")
    assert dict(zip(vcenter["metric"], vcenter["value"])) == {
        "vms": 1, "vms_powered_on": 1, "vms_powered_off": 0, "vms_suspended": 0,
        "templates": 1, "snapshots": 0}
    assert set(h.capacity("clusters", since=at(0), until=at(10))["metric"]) == {
        "host_count", "vm_count", "cpu_capacity_mhz", "cpu_usage_mhz", "memory_capacity_gb",
        "memory_usage_gb"}
    counts = h.purge(now=at(3 * 24 * 60))
    assert counts["raw samples"] > 0 and counts["hourly samples"] == 0
    left = h.capacity("datastores", since=at(0), until=at(3 * 24 * 60), resolution="raw")
    assert left["time"].min() >= pd.Timestamp(at(2 * 24 * 60 - 60))
    again = h.capacity("datastores", since=at(0), until=at(3 * 24 * 60), resolution="day",
                       metric="free_bytes")
    pd.testing.assert_frame_equal(again, daily)  # the rollups stay
    h.close()


def test_readers_of_a_history_not_yet_recorded_get_empty_answers(tmp_path):
    h = History(config(tmp_path, f"sqlite:///{tmp_path / 'none' / 'h.sqlite'}"))
    assert h.changes().empty and h.as_of("1d", "hosts").empty
    assert h.capacity("clusters").empty and h.forecasts().empty and h.status().empty
    assert h.gaps().empty
    assert not (tmp_path / "none").exists()  # reading creates nothing


def test_a_history_turned_off_says_so(tmp_path):
    with pytest.raises(ConfigError, match="history is turned off"):
        History(config(tmp_path, None, enabled=False))


def test_vcenters_reporting_the_same_instance_uuid_stay_apart(history):
    # Cloned appliances (and simulators) can report the same instance UUID.
    record(history, at(0), reading("a", tables("a", vms=[vm("vm-1", "web01")]), at(0),
                                   uuid="SAME"),
           reading("b", tables("b", vms=[vm("vm-1", "db01")]), at(0), uuid="SAME"))
    record(history, at(15), reading("a", tables("a", vms=[vm("vm-1", "web01")]), at(15),
                                    uuid="SAME"),
           reading("b", tables("b", vms=[vm("vm-1", "db01", num_cpu=8)]), at(15),
                   uuid="SAME"))
    got = history.changes(since=T0, until=at(60))
    assert list(zip(got["vcenter"], got["property"])) == [("b", "num_cpu")]
    assert sorted(history.as_of(at(20), "vms")["name"]) == ["db01", "web01"]
