"""The CLI of the tags issue against the seeded simulators: ``inventory tags |
attributes | disks`` in every format, ``search`` fields (help, unknown field),
and ``vcompanion object`` (facts and sections; exit codes 1, 2, 4)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import PASSWORD, USERNAME
from helpers import run_cli, write_json
from simulators import load_seed

pytestmark = pytest.mark.simulator
seed = load_seed()
CREDS = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}


@pytest.fixture(scope="module")
def db01(companion):
    return companion.vms().set_index(["vcenter", "name"]).loc[("prod", "db-01"), "moid"]


@pytest.mark.parametrize("kind", ["tags", "attributes", "disks"])
def test_inventory_tags_attributes_disks_in_every_format(sim_config, companion, kind):
    frame = companion.table(kind)
    out = {}
    for fmt in ("table", "csv", "json"):
        result = run_cli("--config", str(sim_config), "inventory", kind, "--format", fmt,
                         env=CREDS)
        assert result.returncode == 0, result.stderr
        out[fmt] = result.stdout
    rows = json.loads(out["json"])
    assert len(rows) == len(frame) > 0 and list(rows[0]) == list(frame.columns)
    table = list(csv.DictReader(io.StringIO(out["csv"])))
    assert len(table) == len(frame) and list(table[0]) == list(frame.columns)
    assert len(out["table"].splitlines()) == len(frame) + 2  # header, rule, rows
    if kind == "tags":
        tags = {(r["vcenter"], r["kind"], r["name"], f'{r["category"]}:{r["tag"]}')
                for r in rows}
        assert tags == {(vc, k, n, t) for vc, topo in seed.TOPOLOGIES.items()
                        for (k, n), labels in topo["tags"].items() for t in labels}
    if kind == "disks":
        db01 = [r for r in rows if (r["vcenter"], r["vm"]) == ("prod", "db-01")]
        assert [r["capacity_bytes"] for r in db01] == \
            [gb * seed.GIB for gb in seed.PROD["vms"]["db-01"]["disks_gb"]]


def test_search_help_lists_the_fields_and_unknown_fields_exit_2(sim_config):
    from vcompanion.search import FIELDS
    result = run_cli("search", "--help")
    assert result.returncode == 0
    for field, text in FIELDS.items():
        assert " ".join(f"{field}: {text}".split()) in " ".join(result.stdout.split())
    # An unknown field fails at once (before any vCenter is read), naming the known ones.
    result = run_cli("--config", str(sim_config), "search", "colour:red web", env=CREDS)
    assert result.returncode == 2
    assert "unknown search field 'colour'" in result.stderr
    assert "known: attr, cluster, ds, host, kind, net, os, power, tag, vcenter" in \
        result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def test_object_prints_facts_and_sections(sim_config, companion, db01):
    vm = seed.PROD["vms"]["db-01"]
    result = run_cli("--config", str(sim_config), "object", "prod", db01, env=CREDS)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"vm db-01 ({db01}) in vCenter prod")
    assert f"== disks ({len(vm['disks_gb'])})" in out
    assert f"== snapshots ({len(vm['snapshots'])})" in out
    for tag in seed.PROD["tags"][("vm", "db-01")]:
        category, _, name = tag.partition(":")
        assert any(line.split() == [category, name] for line in out.splitlines()), tag
    assert "== datastores (1)" in out and "prod-ds-01" in out

    result = run_cli("--config", str(sim_config), "object", "prod", db01, "--format", "json",
                     env=CREDS)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["kind"], data["name"], data["facts"]["num_cpu"]) == ("vm", "db-01",
                                                                      vm["num_cpu"])
    assert [d["capacity_bytes"] for d in data["sections"]["disks"]] == \
        [gb * seed.GIB for gb in vm["disks_gb"]]
    assert sorted(s["size_bytes"] for s in data["sections"]["snapshots"]) == \
        sorted(s["size_mb"] * seed.MIB for s in vm["snapshots"])
    assert data["errors"] == {}

    result = run_cli("--config", str(sim_config), "object", "prod", db01, "--format", "csv",
                     "--section", "disks", env=CREDS)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["label"] for r in rows] == ["Hard disk 1", "Hard disk 2"]
    result = run_cli("--config", str(sim_config), "object", "prod", db01, "--format", "csv",
                     env=CREDS)
    assert result.stdout.startswith('"field","value"\n')  # safe CSV quotes text
    assert "\n# section: tags\n" in result.stdout

    host = companion.hosts().set_index(["vcenter", "name"]).loc[
        ("prod", "esx-prod-a01.corp.example.com"), "moid"]
    result = run_cli("--config", str(sim_config), "object", "prod", host, "--format", "json",
                     "--section", "vms", env=CREDS)
    names = {r["name"] for r in json.loads(result.stdout)["sections"]["vms"]}
    assert names == {n for n, v in seed.PROD["vms"].items()
                     if v["host"] == "esx-prod-a01.corp.example.com"}


def test_object_exit_codes(sim_config, vcsims, tmp_path, db01):
    result = run_cli("--config", str(sim_config), "object", "prod", "vm-999999", env=CREDS)
    assert result.returncode == 1
    assert "vCenter 'prod' has no VM, host, datastore, cluster or network 'vm-999999'" in \
        result.stderr
    result = run_cli("--config", str(sim_config), "object", "nowhere", "vm-1", env=CREDS)
    assert result.returncode == 2 and "no vCenter named 'nowhere'" in result.stderr
    result = run_cli("--config", str(sim_config), "object", "prod", db01, "--section",
                     "colours", env=CREDS)
    assert result.returncode == 2 and "unknown section(s) colours" in result.stderr
    # A vCenter that cannot be read: exit 4 and why.
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_json(tmp_path / "config.json", {"vcenters": [
        {"name": "down", "host": "127.0.0.1", "port": port}],
        "collection": {"connect_timeout_seconds": 3}})
    result = run_cli("--config", str(config), "object", "down", "vm-1", env=CREDS)
    assert result.returncode == 4, result.stderr
    assert "vCenter 'down'" in result.stderr and "Traceback" not in result.stderr
