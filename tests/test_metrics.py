"""Performance statistics against the seeded simulators (tests/vcsim/perf.go).

The simulators serve deterministic series (seed.PERF_*): every figure below
is derived from the seed, sample by sample, at the times vCenter reports.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import PASSWORD, USERNAME
from helpers import write_json

import simulators
from simulators import load_seed
from vcompanion import Companion, CollectionError, ConnectError
from vcompanion.tables.performance import KINDS, METRICS, PERFORMANCE

pytestmark = pytest.mark.simulator

seed = load_seed()


def epoch(times) -> list[int]:
    return [int(t.timestamp()) for t in times]


def test_counters_are_found_by_name_in_each_vcenters_catalog(companion):
    keys = {}
    for name, source in companion.sources.items():
        source.connect()
        manager = source.connection.content.perfManager
        keys[name] = {f"{c.groupInfo.key}.{c.nameInfo.key}.{c.rollupType}": c.key
                      for c in manager.perfCounter}
    assert keys["dr"]["cpu.ready.summation"] == keys["prod"]["cpu.ready.summation"] + 1000
    assert "cpu.costop.summation" not in keys["lab"]
    frame = companion.metrics("vms", counters=["cpu.ready.summation", "cpu.usage.average"],
                              since="15m")
    assert list(frame.columns) == METRICS.names
    for (vcenter, name, counter), rows in frame.groupby(
            ["vcenter", "name", "counter"], observed=True):
        kind_name = "VirtualMachine"
        expected = [seed.perf_value(vcenter, kind_name, name, counter, t)
                    for t in epoch(rows["time"])]
        assert rows["raw"].tolist() == expected, (vcenter, name, counter)
    # every powered-on VM on a connected host, in every vCenter, has 45 samples of both
    on = {(vc, name) for vc, topo in seed.TOPOLOGIES.items()
          for name, vm in topo["vms"].items()
          if vm["power_state"] == "poweredOn" and vm["connection_state"] == "connected"}
    assert set(frame[["vcenter", "name"]].astype(str).itertuples(index=False)) == on
    assert (frame.groupby(["vcenter", "name", "counter"], observed=True).size() == 45).all()


def test_cpu_ready_per_vcpu_is_the_raw_summation_over_the_interval(companion):
    # the default counters: the same answer (kept for cache_seconds) as performance()
    frame = companion.metrics("vms", since="15m")
    frame = frame[frame["counter"] == "cpu.ready.summation"]
    vcpus = {(vc, name): vm["num_cpu"] for vc, topo in seed.TOPOLOGIES.items()
             for name, vm in topo["vms"].items()}
    assert set(frame["unit"]) == {"%"} and set(frame["interval"]) == {20}
    for row in frame.to_dict("records"):
        # ready % = ms / (20 s x 1000) x 100, divided by the vCPU count
        expected = row["raw"] / (20 * 1000) * 100 / vcpus[(row["vcenter"], row["name"])]
        assert row["value"] == pytest.approx(expected), row
    db = frame[(frame["vcenter"] == "dr") & (frame["name"] == "dr-db-01")]
    assert sorted(set(db["value"])) == [2.5, 5.0, 7.5, 10.0]  # 4000..16000 ms, 8 vCPUs
    performance = companion.performance("vms", since="15m").set_index(["vcenter", "name"])
    row = performance.loc[("dr", "dr-db-01")]
    assert row["cpu_ready_pct"] == pytest.approx(db["value"].mean())
    assert row["cpu_ready_pct_max"] == 10.0 and row["samples"] == 45
    assert performance.loc[("prod", "db-01"), "cpu_ready_pct"] == pytest.approx(24.0)
    assert performance.loc[("prod", "app-01"), "cpu_ready_pct"] == pytest.approx(14.0)


def test_units_and_figures_per_kind(companion):
    vms = companion.performance("vms", since="15m").set_index(["vcenter", "name"])
    assert list(vms.reset_index().columns) == PERFORMANCE["vms"].names
    mail = vms.loc[("prod", "mail-01")]
    assert mail["mem_balloon_mb"] == 512.0  # 524288 KB
    assert mail["mem_usage_pct"] == 30.0 and mail["cpu_usage_pct"] == 20.0  # hundredths
    reporting = vms.loc[("prod", "reporting-01")]
    assert reporting["mem_swapped_mb"] == 256.0 and reporting["mem_swapin_kbps_max"] == 128
    assert vms.loc[("prod", "file-01"), "disk_latency_ms"] == pytest.approx(30.0)
    hosts = companion.performance("hosts", since="15m").set_index(["vcenter", "name"])
    b01 = hosts.loc[("prod", "esx-prod-b01.corp.example.com")]
    assert (b01["cpu_usage_pct"], b01["mem_usage_pct"], b01["mem_balloon_mb"]) == (95, 70, 1024)
    clusters = companion.performance("clusters", since="15m")
    assert set(clusters["interval"]) == {300} and (clusters["cpu_usage_pct"] == 35).all()
    stores = companion.performance("datastores", since="1h").set_index(["vcenter", "name"])
    ds3 = stores.loc[("prod", "prod-ds-03")]
    assert (ds3["read_latency_ms"], ds3["write_latency_ms"], ds3["hosts"]) == (60, 28, 2)
    assert stores.loc[("prod", "prod-nfs-01"), "hosts"] == 6
    # dr's esx-dr-03 is disconnected: dr-nfs-01 is measured by the other two
    assert stores.loc[("dr", "dr-nfs-01"), "hosts"] == 2
    tidy = companion.metrics("datastores", since="1h")
    ds3_rows = tidy[(tidy["vcenter"] == "prod") & (tidy["name"] == "prod-ds-03")]
    assert set(ds3_rows["instance"]) == set(seed.PROD["datastores"]["prod-ds-03"]["hosts"])
    assert len(ds3_rows) == 2 * 2 * 12  # 2 hosts x 2 counters x 12 five-minute samples


def test_a_missing_counter_is_reported_with_its_reason_never_as_zero(companion):
    vms = companion.performance("vms", since="15m")
    lab = vms[vms["vcenter"] == "lab"].set_index("name")
    on = lab.loc["lab-k8s-01"]
    assert pd.isna(on["cpu_costop_pct"]) and pd.isna(on["cpu_costop_pct_max"])
    assert on["missing"] == "cpu_costop_pct: not in this vCenter's counter catalog"
    assert on["cpu_ready_pct"] == pytest.approx(0.5)  # the other figures are there
    off = lab.loc["lab-win11-01"]  # powered off: no realtime statistics
    assert off["missing"] == "powered off" and pd.isna(off["cpu_usage_pct"])
    prod = vms[(vms["vcenter"] == "prod") & vms["missing"].isna()]
    assert len(prod) == 18 and (prod["cpu_costop_pct"] == 0).sum() == 17  # db-01: 1 %
    frame = companion.metrics("vms", counters=["cpu.costop.summation"], since="15m")
    assert "lab" not in set(frame["vcenter"])
    assert "lab: cpu.costop.summation: not in this vCenter's counter catalog" in \
        frame.attrs["missing"]
    # statistics levels: prod keeps level 2 for a day (300 s), level 1 for a week
    day = companion.performance("vms", since="1d").set_index(["vcenter", "name"])
    week = companion.performance("vms", since="7d").set_index(["vcenter", "name"])
    assert day.loc[("prod", "db-01"), "mem_active_mb"] == 512.0
    assert day.loc[("prod", "db-01"), "interval"] == 300
    db01 = week.loc[("prod", "db-01")]
    assert db01["interval"] == 1800 and pd.isna(db01["mem_active_mb"])
    assert "mem_active_mb, mem_swapped_mb: not collected: a level 2 counter, and the " \
           "1800 s interval keeps level 1" in db01["missing"]
    assert "cpu_costop_pct" in db01["missing"]  # level 2 as well


@pytest.mark.parametrize("since, interval", [
    ("15m", 20), ("1h", 20), ("2h", 300), ("1d", 300), ("7d", 1800), ("30d", 7200),
    ("90d", 86400)])
def test_the_finest_interval_vcenter_keeps_for_the_window(companion, since, interval):
    frame = companion.metrics("hosts", counters=["cpu.usage.average"], since=since)
    rows = frame[(frame["vcenter"] == "prod") & (frame["name"] == "esx-prod-a01.corp.example.com")]
    assert set(rows["interval"]) == {interval}
    seconds = {"15m": 900, "1h": 3600, "2h": 7200, "1d": 86400, "7d": 604800,
               "30d": 2592000, "90d": 7776000}[since]
    assert len(rows) == min(seconds, 365 * 86400) // interval
    times = epoch(rows["time"])
    assert times == sorted(times) and all(t % interval == 0 for t in times)


def test_the_window_ends_on_vcenters_clock(companion):
    source = companion.sources["prod"]
    source.connect()
    before = source.connection.si.CurrentTime()
    frame = companion.performance("hosts", since="14m")  # a window not read before
    after = source.connection.si.CurrentTime()
    prod = frame[frame["vcenter"] == "prod"]
    assert (prod["end"] >= pd.Timestamp(before)).all() and (prod["end"] <= pd.Timestamp(after)).all()
    assert ((prod["end"] - prod["start"]) == pd.Timedelta(minutes=14)).all()


@pytest.fixture()
def own_lab(tmp_path):
    """A lab simulator of this test's own (its statistics get broken or limited)."""
    sim = simulators.Simulator("mylab", "lab", workdir=tmp_path / "sim")
    sim.start()
    yield sim
    sim.stop()


def companion_for(sims, tmp_path, **sections):
    config = {"vcenters": [{"name": s.name, "host": s.host, "port": s.port,
                            "ca_bundle": s.cert_path} for s in sims], **sections}
    return Companion.from_config(write_json(tmp_path / "config.json", config),
                                 username=USERNAME, password=PASSWORD)


def test_historical_batches_respect_a_small_max_query_metrics(own_lab, tmp_path):
    own_lab.control("/perf/limit", max=8, advertise=True)
    with companion_for([own_lab], tmp_path) as vc:
        day = vc.metrics("vms", since="1d")
        queries = own_lab.control("/perf/queries", method="GET", clear=True)["queries"]
        historical = [q for q in queries if q["interval"] == 300]
        assert historical and not any(q["faulted"] for q in historical)
        assert max(q["metrics"] for q in historical) == 8  # read from the OptionManager
        # lab: 5 VMs x 7 counters (costop absent, mem.active/swapped above level 1)
        assert sum(q["metrics"] for q in historical) == 35
        # realtime is served by the hosts and is not held to the limit
        vc.metrics("vms", since="15m")
        realtime = own_lab.control("/perf/queries", method="GET", clear=True)["queries"]
        assert [q["metrics"] for q in realtime] == [4 * 9]
        # the vCenter enforces less than it says: a fault halves the batch
        own_lab.control("/perf/limit", max=5)
        vc.refresh()
        again = vc.metrics("vms", since="1d")
        queries = own_lab.control("/perf/queries", method="GET", clear=True)["queries"]
        faulted = [q for q in queries if q["faulted"]]
        assert faulted and all(q["metrics"] > 5 for q in faulted)
        assert all(q["metrics"] <= 4 for q in queries if not q["faulted"])
        # every 5-minute sample of a day (the powered-off VM has none)
        assert len(again) == len(day) == 4 * 7 * 288
        key = ["name", "counter", "time"]
        both = day.merge(again, on=key, suffixes=("", "_again"))
        assert len(both) >= len(day) - 28 and (both["raw"] == both["raw_again"]).all()
        assert not vc.failures


def test_each_answer_is_bounded(own_lab, tmp_path):
    with companion_for([own_lab], tmp_path, metrics={"max_answer_samples": 1000}) as vc:
        frame = vc.metrics("vms", since="1h")  # 4 VMs x 9 counters x 180 samples
    queries = own_lab.control("/perf/queries", method="GET")["queries"]
    assert len(frame) == 4 * 9 * 180
    assert max(q["values"] for q in queries) <= 1000
    assert len(queries) == -(-4 * 9 // (1000 // 180))


@pytest.mark.parametrize("mode", ["fault", "delay"])
def test_one_vcenter_failing_leaves_the_others_complete(own_lab, vcsims, tmp_path, mode):
    own_lab.control("/perf/fail", mode=mode, seconds=4)
    prod = vcsims["prod"]
    with companion_for([prod, own_lab], tmp_path,
                       collection={"read_timeout_seconds": 2}) as vc:
        vc.vms()  # the inventory reads fine
        frame = vc.performance("vms", since="15m")
        assert set(frame["vcenter"]) == {"prod"}
        assert len(frame) == len([v for v in seed.PROD["vms"].values() if not v["template"]])
        error = vc.failures["mylab"]
        assert isinstance(error, CollectionError if mode == "fault" else ConnectError)
        assert f"{own_lab.host}:{own_lab.port}" in str(error) and "mylab" in str(error)
        assert frame.attrs["failures"] == {"mylab": str(error)}
        status = vc.status().set_index("vcenter")
        assert status.loc["mylab", "status"] == error.status
        assert status.loc["prod", "status"] == "ok"
    with companion_for([prod, own_lab], tmp_path,
                       collection={"read_timeout_seconds": 2}) as vc:
        quiet = vc.performance("vms", since="15m", quiet=True)
        assert set(quiet["vcenter"]) == {"prod"} and "mylab" in quiet.attrs["failures"]
        assert not vc.failures  # a quiet read does not take lab's inventory away
        assert "mylab" in set(vc.vms()["vcenter"])


def test_answers_are_kept_for_cache_seconds(own_lab, tmp_path):
    with companion_for([own_lab], tmp_path, metrics={"cache_seconds": 300}) as vc:
        first = vc.performance("hosts", since="15m")
        second = vc.performance("hosts", since="15m")
        assert len(own_lab.control("/perf/queries", method="GET")["queries"]) == 1
        assert first.equals(second)
        vc.refresh()  # asks vCenter again
        vc.performance("hosts", since="15m")
        assert len(own_lab.control("/perf/queries", method="GET")["queries"]) == 2


def test_fast_and_pyvmomi_decoders_give_the_same_frames(vcsims, tmp_path):
    sims = [vcsims["prod"], vcsims["dr"]]
    frames = {}
    for decoder in ("fast", "pyvmomi"):
        (tmp_path / decoder).mkdir()
        with companion_for(sims, tmp_path / decoder, collection={"decoder": decoder}) as vc:
            frames[decoder] = {k: vc.metrics(k, since="1h") for k in KINDS}
    for kind in KINDS:
        fast, slow = frames["fast"][kind], frames["pyvmomi"][kind]
        assert len(fast) > 0
        key = ["vcenter", "name", "counter", "instance"]
        # both read the last hour at slightly different times: compare the samples
        # both have
        merged = fast.merge(slow, on=[*key, "time"], suffixes=("", "_pyvmomi"))
        assert len(merged) >= 0.9 * len(fast)
        assert (merged["raw"] == merged["raw_pyvmomi"]).all(), kind
        assert (merged["value"] == merged["value_pyvmomi"]).all(), kind


def test_bad_arguments_are_config_errors(companion):
    from vcompanion import ConfigError
    with pytest.raises(ConfigError, match="unknown kind 'vm' .*vms, hosts"):
        companion.metrics("vm")
    with pytest.raises(ConfigError, match="not a counter name"):
        companion.metrics("vms", counters=["ready"])
    with pytest.raises(ConfigError, match="since: not a duration"):
        companion.performance("hosts", since="yesterday")
    with pytest.raises(ConfigError, match="clusters have samples every 300, 1800"):
        companion.metrics("clusters", interval=20)
