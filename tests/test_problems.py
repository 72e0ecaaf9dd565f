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


def expected_problems(snapshot_days=14, ds_warning=15, ds_critical=10) -> set[tuple]:
    """(rule, vcenter, object, severity, detail) for every problem the seed implies."""
    out = set()
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
    # worst first; keys unique and stable
    ranks = problems["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    assert ranks.is_monotonic_increasing
    assert problems["key"].is_unique


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
