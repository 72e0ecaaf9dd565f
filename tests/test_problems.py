"""Health problems against the seeded simulators, with the default thresholds.

The expected problems are derived from tests/vcsim/seed.py (the ground truth
the simulators implement), following the rules as the issue states them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli, write_json

from vcompanion import Companion
from vcompanion.problems import RULES, SEVERITIES, TABLE, Facts, evaluate

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS / "vcsim"))
import seed  # noqa: E402 - from tests/vcsim, put on the path above

pytestmark = pytest.mark.simulator


def _mean(values) -> float:
    return sum(values) / len(values)


def expected_performance_problems(topology: str) -> set[tuple]:
    """The performance rules' problems the seeded series imply (seed.PERF_*), with
    the default thresholds: (rule, vcenter, object, severity, detail)."""
    topo, out = seed.TOPOLOGIES[topology], set()
    for name, v in topo["vms"].items():
        if v["power_state"] != "poweredOn" or v["connection_state"] != "connected":
            continue
        def series(counter, name=name):
            return seed.perf_series(topology, "VirtualMachine", name, counter)
        ready = _mean(series("cpu.ready.summation")) / 200 / v["num_cpu"]  # % per vCPU
        if ready > 10:
            out.add(("vm_cpu_ready", topology, name, "critical" if ready > 20 else "warning",
                     ""))
        if max(series("mem.vmmemctl.average")) > 0:
            out.add(("ballooning", topology, name, "warning", ""))
        if max(series("mem.swapped.average")) > 0 or max(series("mem.swapinRate.average")) > 0:
            out.add(("vm_swapping", topology, name, "warning", ""))
        latency = _mean(series("disk.maxTotalLatency.latest"))
        if latency > 20:
            out.add(("vm_disk_latency", topology, name,
                     "critical" if latency > 50 else "warning", ""))
        if _mean(series("cpu.usage.average")) / 100 < 5:
            out.add(("idle_vm", topology, name, "info", ""))
    for name, h in topo["hosts"].items():
        if h["connection_state"] != "connected":
            continue
        def series(counter, name=name):
            return seed.perf_series(topology, "HostSystem", name, counter)
        if max(series("mem.vmmemctl.average")) > 0:
            out.add(("ballooning", topology, name, "warning", ""))
        for what, counter in (("cpu", "cpu.usage.average"), ("memory", "mem.usage.average")):
            if _mean(series(counter)) / 100 > 90:
                out.add(("host_usage_high", topology, name, "warning", what))
    for name in topo["datastores"]:
        worst = max(_mean(seed.perf_series(topology, "Datastore", name, counter))
                    for counter in ("datastore.totalReadLatency.average",
                                    "datastore.totalWriteLatency.average"))
        if worst > 20:
            out.add(("datastore_latency", topology, name,
                     "critical" if worst > 50 else "warning", ""))
    return out


def expected_problems(snapshot_days=14, ds_warning=15, ds_critical=10) -> set[tuple]:
    """(rule, vcenter, object, severity, detail) for every problem the seed implies."""
    out = set()
    for vc in seed.TOPOLOGIES:
        out |= expected_performance_problems(vc)
    for vc, topo in seed.TOPOLOGIES.items():
        for a in topo["alarms"]:
            out.add(("triggered_alarms", vc, a["entity"],
                     "critical" if a["status"] == "red" else "warning", a["alarm"]))
        for name, h in topo["hosts"].items():
            if h["connection_state"] != "connected":
                out.add(("host_not_connected", vc, name, "critical", h["connection_state"]))
            if h["maintenance"]:
                out.add(("host_in_maintenance", vc, name, "info", ""))
            for _event, message in h["config_issues"]:
                out.add(("host_config_issues", vc, name, "warning", message))
        for name, d in topo["datastores"].items():
            if d["free_pct"] <= ds_critical:
                out.add(("datastore_free_space", vc, name, "critical", f"{d['free_pct']:.1f}"))
            elif d["free_pct"] < ds_warning:
                out.add(("datastore_free_space", vc, name, "warning", f"{d['free_pct']:.1f}"))
        for name, v in topo["vms"].items():
            on = v["power_state"] == "poweredOn" and not v["template"]
            for s in v["snapshots"]:
                if s["age_days"] > snapshot_days:
                    out.add(("old_snapshots", vc, name, "warning", s["name"]))
            if v["consolidation_needed"]:
                out.add(("consolidation_needed", vc, name, "warning", ""))
            if on and v["tools_running_status"] == "guestToolsNotRunning":
                out.add(("tools_not_running", vc, name, "warning",
                         "not installed" if v["tools"] == "none" else "not running"))
            if v["tools"] == "old":
                out.add(("tools_out_of_date", vc, name, "info", ""))
            if on and v["cdrom_connected"]:
                out.add(("cdrom_connected", vc, name, "info", ""))
    return out


def detail(row) -> str:
    """The part of a problem's message that identifies it, as in expected_problems."""
    rule, message = row["rule"], row["message"]
    if rule == "triggered_alarms":
        return message.split("'")[1]
    if rule == "host_not_connected":
        return message.split("Host is ")[1].split(" ")[0]
    if rule == "host_config_issues":
        return message.removeprefix("Configuration issue: ")
    if rule == "datastore_free_space":
        return message.split("Only ")[1].split(" %")[0]
    if rule == "old_snapshots":
        return message.split("'")[1]
    if rule == "tools_not_running":
        return "not installed" if "not installed" in message else "not running"
    if rule == "host_usage_high":
        return message.split(" ")[0].lower()
    return ""


def found(frame: pd.DataFrame) -> set[tuple]:
    return {(r["rule"], r["vcenter"], r["object"], r["severity"], detail(r))
            for r in frame.to_dict("records")}


def test_every_rule_fires_on_the_seeded_state_and_nowhere_else(companion):
    problems = companion.problems()
    assert list(problems.columns) == TABLE.names
    assert found(problems) == expected_problems()
    assert len(problems) == len(expected_problems())  # no duplicates
    # every rule that has seeded ground truth fired at least once
    seeded_rules = {p[0] for p in expected_problems()}
    # datastore_filling_up needs a history (tests/test_history_features.py)
    assert seeded_rules == set(RULES) - {"datastore_inaccessible", "vcenter_unreadable",
                                         "datastore_filling_up"}
    # the performance rules found what the seeded statistics hold
    assert {p[:3] for p in expected_performance_problems("prod")} == {
        ("vm_cpu_ready", "prod", "app-01"), ("vm_cpu_ready", "prod", "db-01"),
        ("ballooning", "prod", "mail-01"), ("ballooning", "prod", _B1),
        ("vm_swapping", "prod", "reporting-01"), ("vm_disk_latency", "prod", "file-01"),
        ("datastore_latency", "prod", "prod-ds-03"), ("host_usage_high", "prod", _B1),
        ("idle_vm", "prod", "dns-02")}
    # worst first; keys unique and stable
    ranks = problems["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    assert ranks.is_monotonic_increasing
    assert problems["key"].is_unique


_B1 = "esx-prod-b01.corp.example.com"


def test_performance_messages_carry_the_numbers(companion):
    rows = {(r["rule"], r["object"]): r for r in companion.problems().to_dict("records")}
    assert rows[("vm_cpu_ready", "db-01")]["message"] == (
        "CPU ready 24.0 % per vCPU over the last 15 min (peak 25.0 %): its vCPUs wait for "
        "physical CPUs")
    assert rows[("vm_cpu_ready", "db-01")]["category"] == "performance"
    assert rows[("ballooning", _B1)]["message"] == (
        "Balloon drivers hold its VMs' memory 1,024 MiB on average over the last 15 min "
        "(peak 1,024 MiB): the host is short of memory")
    assert rows[("datastore_latency", "prod-ds-03")]["message"] == (
        "Read latency 60.0 ms, write 28.0 ms on average over the last 15 min (peaks 60 / "
        "28 ms)")
    assert rows[("datastore_latency", "prod-ds-03")]["severity"] == "critical"
    assert rows[("host_usage_high", _B1)]["message"] == (
        "CPU 95.0 % in use on average over the last 15 min (peak 95.0 %)")
    assert rows[("idle_vm", "dns-02")]["message"] == (
        "Idle: CPU 1.5 % on average over 30 days (peak 1.5 %): a candidate for fewer vCPUs "
        "or retirement")
    # web-03 peaks at 15 % ready but stays near 4 % on average: quiet
    assert ("vm_cpu_ready", "web-03") not in rows


def test_performance_thresholds_from_the_config(companion):
    facts = Facts.from_companion(companion)
    facts.settings = {**facts.settings, "cpu_ready_warning_pct": 5,
                      "cpu_ready_critical_pct": 14.5, "disk_latency_warning_ms": 100,
                      "disk_latency_critical_ms": 200, "host_usage_pct": 69,
                      "idle_cpu_pct": 1}
    found_now = {(r["rule"], r["object"], r["severity"]) for r in
                 evaluate(facts).to_dict("records") if r["category"] == "performance"}
    assert ("vm_cpu_ready", "app-01", "warning") in found_now  # 14 % < 14.5
    assert ("vm_cpu_ready", "db-01", "critical") in found_now
    assert ("vm_cpu_ready", "dr-db-01", "warning") in found_now  # 6.25 % > 5
    assert not any(r[0] in ("vm_disk_latency", "datastore_latency", "idle_vm")
                   for r in found_now)
    assert ("host_usage_high", _B1, "warning") in found_now  # CPU 95, memory 70 > 69
    assert len([r for r in evaluate(facts).to_dict("records")
                if r["rule"] == "host_usage_high" and r["object"] == _B1]) == 2


def test_problems_do_not_fail_when_statistics_do(vcsims, tmp_path, sim_env):
    import simulators
    sim = simulators.Simulator("flaky", "prod", workdir=tmp_path / "sim")
    sim.start()
    try:
        sim.control("/perf/fail", mode="fault")
        config = write_json(tmp_path / "config.json", {"vcenters": [
            {"name": "flaky", "host": sim.host, "port": sim.port, "ca_bundle": sim.cert_path}]})
        with Companion.from_config(config) as vc:
            problems = vc.problems()
            assert not vc.failures  # the inventory stays; only the statistics are gone
        assert set(problems["rule"]) == {p[0] for p in expected_problems()
                                         if p[1] == "prod"} - set(_PERFORMANCE)
    finally:
        sim.stop()


_PERFORMANCE = ("vm_cpu_ready", "ballooning", "vm_swapping", "datastore_latency",
                "vm_disk_latency", "host_usage_high", "idle_vm")


def test_quiet_where_it_should_be(companion):
    problems = companion.problems()
    # 3-day-old snapshots (web-01 before-patch, db-01 before-hotfix), a 10-day one (lab)
    snaps = problems[problems["rule"] == "old_snapshots"]
    assert not snaps["message"].str.contains("before-patch|before-hotfix|clean-install").any()
    # 60 % free is fine, 12 % is a warning, 5 % critical
    ds = problems[problems["rule"] == "datastore_free_space"].set_index("object")
    assert "prod-ds-01" not in ds.index
    assert ds.loc["dr-ds-01", "severity"] == "warning"
    assert ds.loc["prod-ds-02", "severity"] == "critical"
    # powered-off VMs and templates: no Tools or CD-ROM problems
    tools = problems[problems["rule"] == "tools_not_running"]["object"]
    assert not tools.isin(["db-03", "archive-01", "tmpl-ubuntu-2204", "dr-test-02"]).any()
    # lab has nothing wrong
    assert problems[problems["vcenter"] == "lab"].empty


def test_messages_carry_the_numbers(companion):
    rows = {(r["rule"], r["object"], detail(r)): r for r in
            companion.problems().to_dict("records")}
    ds = rows[("datastore_free_space", "prod-ds-02", "5.0")]
    assert ds["message"] == "Only 5.0 % free (102 GiB of 2,048 GiB)"
    snap = rows[("old_snapshots", "db-01", "pre-upgrade-baseline")]
    assert snap["message"] == "Snapshot 'pre-upgrade-baseline' is 30 days old (limit 14)"
    assert abs((pd.Timestamp.now(tz="UTC") - snap["since"]).days - 30) <= 1
    alarm = rows[("triggered_alarms", "esx-prod-b01.corp.example.com", "Host CPU usage")]
    assert alarm["message"] == "Alarm 'Host CPU usage' is red"
    assert alarm["object_type"] == "HostSystem" and alarm["severity"] == "critical"
    assert pd.notna(alarm["since"])


def test_thresholds_and_disabled_rules_from_the_config(companion):
    facts = Facts.from_companion(companion)
    facts.settings = {**facts.settings, "snapshot_age_days": 2,
                      "datastore_free_warning_pct": 50, "datastore_free_critical_pct": 12.5,
                      "disabled_rules": ["tools_out_of_date"]}
    problems = evaluate(facts)
    assert found(problems) == {p for p in expected_problems(2, 50, 12.5)
                               if p[0] != "tools_out_of_date"}


def test_inaccessible_datastore_fires(companion):
    facts = Facts.from_companion(companion)
    facts.datastores.loc[facts.datastores["name"] == "lab-nfs-01", "accessible"] = False
    problems = evaluate(facts)
    lab = problems[problems["vcenter"] == "lab"]
    assert lab[["rule", "severity", "object", "message"]].values.tolist() == [
        ["datastore_inaccessible", "critical", "lab-nfs-01", "Datastore is not accessible"]]


def test_unreadable_vcenter_is_critical_and_the_others_complete(vcsims, tmp_path, sim_env):
    lab = vcsims["lab"]
    config = write_json(tmp_path / "config.json", {"vcenters": [
        {"name": "lab", "host": lab.host, "port": lab.port, "ca_bundle": lab.cert_path},
        {"name": "gone", "host": "127.0.0.1", "port": 9, "verify_ssl": False}]})
    with Companion.from_config(config) as vc:
        problems = vc.problems()
    gone = problems[problems["vcenter"] == "gone"]
    assert gone[["rule", "severity", "category", "object", "object_type"]].values.tolist() \
        == [["vcenter_unreadable", "critical", "vcenter", "gone", "vCenter"]]
    assert "127.0.0.1:9" in gone.iloc[0]["message"]
    assert problems[problems["vcenter"] == "lab"].empty  # lab was read, and is healthy


def test_cli_problems(sim_config, sim_env):
    done = run_cli("--config", str(sim_config), "problems", "--format", "json",
                   "--min-severity", "warning", env=sim_env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {(r["rule"], r["vcenter"], r["object"], r["severity"]) for r in rows} == \
        {p[:4] for p in expected_problems() if p[3] != "info"}
    assert all(r["key"] for r in rows)
    table = run_cli("--config", str(sim_config), "problems", "--vcenter", "dr", env=sim_env)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["vcenter", "severity", "category", "object", "message",
                                "since"]
    assert len(lines) == 2 + len([p for p in expected_problems() if p[1] == "dr"])
    rules = run_cli("problems", "--rules")
    assert rules.returncode == 0
    assert [line.split()[0] for line in rules.stdout.splitlines()] == list(RULES)


def test_unknown_disabled_rule_is_a_config_error(sim_config, sim_env, tmp_path):
    data = json.loads(Path(sim_config).read_text())
    data["problems"] = {"disabled_rules": ["old_snapshot"]}
    config = write_json(tmp_path / "config.json", data)
    done = run_cli("--config", str(config), "problems", env=sim_env)
    assert done.returncode == 2
    assert "unknown rule(s) in 'problems.disabled_rules': old_snapshot" in done.stderr
    assert "Traceback" not in done.stderr
