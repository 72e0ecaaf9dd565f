"""``vcompanion metrics`` and ``vcompanion performance`` against the seeded
simulators: figures from the seed (tests/vcsim/perf.go, seed.PERF_*), --top and
--by, the formats, and exit 4 naming a vCenter whose statistics fail."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from conftest import PASSWORD, USERNAME
from helpers import run_cli, write_json

import simulators
from simulators import load_seed
from vcompanion.cli.metrics import sortable

pytestmark = pytest.mark.simulator
seed = load_seed()
CREDS = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}


def cli(sim_config, *args):
    return run_cli("--config", str(sim_config), *args, env=CREDS)


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_performance_top_by_cpu_ready(sim_config):
    result = cli(sim_config, "performance", "vms", "--since", "15m", "--top", "3",
                 "--by", "cpu_ready_pct", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["vcenter"], r["name"]) for r in rows] == [
        ("prod", "db-01"), ("prod", "app-01"), ("dr", "dr-db-01")]
    # db-01: 36,800 / 40,000 / 38,400 ms of ready per 20 s on 8 vCPUs
    assert (rows[0]["cpu_ready_pct"], rows[0]["cpu_ready_pct_max"]) == (24.0, 25.0)
    assert rows[1]["cpu_ready_pct"] == pytest.approx(14.0)  # 4 vCPUs
    # dr-db-01 cycles 2.5, 5, 7.5 and 10 %: its average is that of the 45 samples
    # vCenter stamped in the window
    db = rows[2]
    times = [t for t in range(epoch(db["start"]) + 1, epoch(db["end"]) + 1) if t % 20 == 0]
    expected = [seed.perf_value("dr", "VirtualMachine", "dr-db-01", "cpu.ready.summation",
                                t) / 20_000 * 100 / 8 for t in times[-45:]]
    assert db["samples"] == 45 and db["cpu_ready_pct_max"] == 10.0
    assert db["cpu_ready_pct"] == pytest.approx(sum(expected) / len(expected))

    # The table: the sort column beside the name, highest first
    table = cli(sim_config, "performance", "vms", "--since", "15m", "--top", "2",
                "--by", "mem_balloon_mb_max")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["vcenter", "name", "mem_balloon_mb_max"]
    assert len(lines) == 4 and lines[2].split()[:3] == ["prod", "mail-01", "512.0"]


def test_performance_of_hosts_and_datastores_in_csv(sim_config):
    result = cli(sim_config, "performance", "hosts", "--since", "15m", "--vcenter", "prod",
                 "--format", "csv", "--top", "1")  # --by defaults to cpu_usage_pct
    assert result.returncode == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (row["name"], row["cpu_usage_pct"], row["mem_balloon_mb"]) == (
        "esx-prod-b01.corp.example.com", "95.0", "1024.0")
    stores = cli(sim_config, "performance", "datastores", "--top", "1", "--format", "json")
    [slow] = json.loads(stores.stdout)
    assert (slow["name"], slow["read_latency_ms"], slow["write_latency_ms"]) == (
        "prod-ds-03", 60.0, 28.0)


def test_metrics_every_sample_as_the_seed_has_it(sim_config):
    result = cli(sim_config, "metrics", "hosts", "--counter", "cpu.usage.average",
                 "--counter", "mem.usage.average", "--since", "15m", "--vcenter", "prod",
                 "--format", "csv", "--csv-raw")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    connected = [n for n, h in seed.PROD["hosts"].items()
                 if h["connection_state"] == "connected"]
    assert {r["vcenter"] for r in rows} == {"prod"}
    assert {r["name"] for r in rows} == set(connected)
    assert len(rows) == len(connected) * 2 * 45
    for r in rows:
        raw = seed.perf_value("prod", "HostSystem", r["name"], r["counter"], epoch(r["time"]))
        assert int(r["raw"]) == raw and float(r["value"]) == raw / 100
        assert (r["unit"], r["interval"]) == ("%", "20")
    # the table: the brief columns
    table = cli(sim_config, "metrics", "clusters", "--since", "1h", "--vcenter", "dr")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["vcenter", "name", "counter", "instance",
                                                    "time", "value", "unit"]
    # 5-minute samples: cpu and memory of DR-Cluster, 12 each
    assert len(table.stdout.splitlines()) == 2 + 2 * 12


def test_a_counter_a_vcenter_lacks_is_a_note_not_zeros(sim_config):
    result = cli(sim_config, "metrics", "vms", "--counter", "cpu.costop.summation",
                 "--since", "15m", "--vcenter", "lab", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert "lab: cpu.costop.summation: not in this vCenter's counter catalog" in result.stderr


def test_usage_errors_exit_2_before_reading(tmp_path):
    config = write_json(tmp_path / "config.json",
                        {"vcenters": [{"name": "nowhere", "host": "127.0.0.1", "port": 9}]})
    result = run_cli("--config", str(config), "performance", "vms", "--top", "5", "--by",
                     "ready")
    assert result.returncode == 2
    assert "vms have no column 'ready'" in result.stderr
    assert ", ".join(sortable("vms")) in result.stderr
    assert run_cli("--config", str(config), "metrics", "hosts", "--since",
                   "yesterday").returncode == 2
    bad = run_cli("--config", str(config), "metrics", "hosts", "--counter", "ready")
    assert bad.returncode == 2 and "not a counter name" in bad.stderr
    assert run_cli("metrics", "vm").returncode == 2  # argparse: unknown kind


@pytest.fixture()
def broken_lab(tmp_path):
    """A lab simulator whose every QueryPerf faults."""
    sim = simulators.Simulator("mylab", "lab", workdir=tmp_path / "sim")
    sim.start()
    sim.control("/perf/fail", mode="fault")
    yield sim
    sim.stop()


def test_a_vcenter_whose_statistics_fail_exits_4_naming_it(vcsims, broken_lab, tmp_path):
    prod = vcsims["prod"]
    config = write_json(tmp_path / "config.json", {"vcenters": [
        {"name": s.name, "host": s.host, "port": s.port, "ca_bundle": s.cert_path}
        for s in (prod, broken_lab)], "data_dir": str(tmp_path / "data")})
    for args in (("performance", "hosts", "--since", "15m", "--format", "json"),
                 ("metrics", "vms", "--counter", "cpu.ready.summation", "--since", "15m",
                  "--format", "json")):
        result = run_cli("--config", str(config), *args, env=CREDS)
        assert result.returncode == 4, (args, result.stderr)
        assert "mylab" in result.stderr and f"{broken_lab.host}:{broken_lab.port}" in \
            result.stderr
        rows = json.loads(result.stdout)
        assert rows and {r["vcenter"] for r in rows} == {"prod"}
