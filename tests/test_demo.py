"""The built-in demo: same tables as the real collector, every problem, anywhere.

The schema test compares the demo with the tables read from the govmomi
simulators; the others need no simulator.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from datetime import datetime, timezone

import pandas as pd
import pytest
from conftest import PASSWORD, USERNAME
from pyVmomi import VmomiSupport, vim

from vcompanion import Companion, demo, load_config, tables
from vcompanion.vsphere.connection import VCenterConnection
from vcompanion.credentials import Credentials
from vcompanion.problems import RULES


@pytest.fixture(scope="module")
def vc():
    """One demo Companion for the read-only tests of this module."""
    companion = Companion.demo()
    yield companion
    companion.close()


def _schema(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return [(name, str(dtype)) for name, dtype in frame.dtypes.items()]


@pytest.mark.simulator
def test_demo_tables_have_the_real_collectors_columns_and_types(vc, companion):
    for name in tables.INVENTORY:
        real, fake = companion.table(name), vc.table(name)
        assert len(real) and len(fake), name
        assert _schema(fake) == _schema(real), name
    real_events, demo_events = companion.events(hours=24 * 30), vc.events(hours=24 * 8)
    assert len(real_events) and len(demo_events)
    assert _schema(demo_events) == _schema(real_events)
    assert _schema(vc.problems()) == _schema(companion.problems())
    # status() has no declared dtypes (a failed vCenter makes counts float): names only.
    assert list(vc.status().columns) == list(companion.status().columns)
    assert _schema(vc.search("10.10.140.0/24")) == _schema(companion.search("*"))
    # Cell types too: a list column holds lists of text, a text column text, ...
    for name in tables.INVENTORY:
        real, fake = companion.table(name), vc.table(name)
        for column in real.columns:
            kinds_real = {_base_type(v) for v in real[column].dropna()}
            kinds_fake = {_base_type(v) for v in fake[column].dropna()}
            if kinds_real and kinds_fake:
                assert kinds_fake == kinds_real, (name, column, kinds_fake, kinds_real)


@pytest.mark.simulator
def test_demo_values_have_the_types_pyvmomi_reads(vc, sim_config):
    """The raw values have the types pyvmomi's decoder gives a real read (enums,
    long, typed arrays).  A subtype is fine: vCenter's switches are
    VmwareDistributedVirtualSwitch, the simulator's plain DistributedVirtualSwitch."""
    config = load_config(sim_config)
    real_types: dict = {}
    for vcenter in config.vcenters:
        conn = VCenterConnection(vcenter, Credentials(USERNAME, PASSWORD))
        try:
            conn.connect()
            inventory, _stats = tables.collect(conn, decoder="pyvmomi")
        finally:
            conn.close()
        _value_types([inventory], real_types)
    demo_types = _value_types(vc.inventories())
    shared = set(real_types) & set(demo_types)
    assert len(shared) > 100
    for key in shared:
        for kind in demo_types[key]:
            assert any(issubclass(kind, real) for real in real_types[key]), \
                (key, kind, real_types[key])


def _base_type(value) -> str:
    """The builtin a cell value is (an enum of pyvmomi's is a str, a long an int)."""
    for base in (bool, str, int, float, list, pd.Timestamp):
        if isinstance(value, base):
            return base.__name__
    return type(value).__name__


def _value_types(inventories, found=None) -> dict[tuple[str, str], set[type]]:
    """(type name, property path) -> the Python types of the values read."""
    found = {} if found is None else found
    for inventory in inventories:
        for kind_name, objects in inventory.objects.items():
            for props in objects.values():
                for path, value in props.items():
                    if value is not None and path != "_ref":
                        found.setdefault((kind_name, path), set()).add(type(value))
    return found


def _allowed_paths() -> dict[type, set[str]]:
    return {kind: set(paths) for kind, paths in tables.inventory_specs().items()}


def _property_info(kind: type, path: str):
    """pyvmomi's declaration of ``path`` on ``kind`` (following nested data types)."""
    current, info = kind, None
    for part in path.split("."):
        info = current._GetPropertyInfo(part)
        current = info.type
    return info


def test_demo_holds_only_what_the_collector_reads_with_the_declared_types(vc):
    """Every property is one the tables request for that type, and pyvmomi accepts
    its value for the declared property type: the same shapes a real read gives."""
    allowed = _allowed_paths()
    checked = 0
    for inventory in vc.inventories():
        for kind_name, objects in inventory.objects.items():
            for oid, props in objects.items():
                ref = props["_ref"]
                assert ref._moId == oid and ref._wsdlName == kind_name
                kind = type(ref)
                paths = set().union(*(p for t, p in allowed.items()
                                      if issubclass(kind, t)))
                unknown = set(props) - paths - {"_ref"}
                assert not unknown, (kind_name, oid, unknown)
                for path, value in props.items():
                    if path == "_ref":
                        continue
                    if isinstance(value, list):  # e.g. ManagedObject[]: check each item
                        value = list(value)
                    VmomiSupport.CheckField(_property_info(kind, path), value)
                    checked += 1
    assert checked > 50_000


def test_every_problem_rule_fires_in_the_demo(vc):
    found = vc.problems()
    assert set(RULES) <= set(found["rule"]), set(RULES) - set(found["rule"])
    assert set(found["severity"]) == {"critical", "warning", "info"}


def test_demo_statistics_plant_every_performance_scenario(vc):
    from vcompanion.demo.perf import NOISY, SLOW
    from vcompanion.tables.performance import METRICS, PERFORMANCE
    vms = vc.performance("vms", since="15m")
    assert list(vms.columns) == PERFORMANCE["vms"].names
    by_name = vms.set_index(["vcenter", "name"])
    for vcenter, noisy in NOISY.items():
        for name in noisy:  # noisy neighbours wait for CPU
            assert by_name.loc[(vcenter, name), "cpu_ready_pct"] > 10
    quiet = vms[~vms["name"].isin([n for v in NOISY.values() for n in v])]
    assert (quiet["cpu_ready_pct"].dropna() < 5).all()
    hosts = vc.performance("hosts", since="15m")
    ballooning = hosts[hosts["mem_balloon_mb"] > 0]
    assert len(ballooning) == 1 and ballooning.iloc[0]["mem_usage_pct"] > 90
    host = ballooning.iloc[0]["name"]
    on_it = vms[(vms["host"] == host) & vms["missing"].isna()]
    assert len(on_it) and (on_it["mem_balloon_mb"] > 0).all()
    assert (vms["mem_swapped_mb"] > 0).sum() == 1
    stores = vc.performance("datastores", since="15m").set_index("name")
    for name, (read, write) in SLOW["prod"].items():
        assert stores.loc[name, "read_latency_ms"] == pytest.approx(read, rel=0.2)
        assert stores.loc[name, "write_latency_ms"] == pytest.approx(write, rel=0.2)
        assert stores.loc[name, "hosts"] > 0
    assert (stores.drop(index=list(SLOW["prod"]))["read_latency_ms"].dropna() < 10).all()
    # the lab's sandboxes idle for weeks (vCenter's daily samples)
    daily = vc.metrics("vms", counters=["cpu.usage.average"], since="30d", interval=86400)
    assert list(daily.columns) == METRICS.names and set(daily["interval"]) == {86400}
    means = daily.groupby("name", observed=True)["value"].mean()
    sandboxes = means[means.index.str.startswith("sbx-")]
    assert len(sandboxes) and (sandboxes < 5).all()
    assert (means[~means.index.str.startswith("sbx-")] >= 5).all()
    # the unreachable vCenter has no statistics, and says so like a real one
    assert "branch" not in set(vms["vcenter"]) and "branch" in vc.failures


def test_demo_statistics_are_deterministic_raw_samples():
    from vcompanion.demo import generate
    from vcompanion.sources import PerfQuery
    now = datetime(2025, 3, 1, 10, 0, 7, tzinfo=timezone.utc)
    env = generate(now)
    stats = env.statistics("prod")
    vms = [oid for oid, p in env.inventories["prod"].of("VirtualMachine").items()
           if p.get("summary.runtime.powerState") == "poweredOn"][:5]
    query = PerfQuery("VirtualMachine", tuple(vms), ("cpu.ready.summation",
                                                     "mem.active.average"), 900)
    first, again = stats.answer(query, now), generate(now).statistics("prod").answer(query, now)
    assert list(first.data.series()) == list(again.data.series())
    assert first.interval.seconds == 20 and first.end == now
    for _moid, _counter, _instance, times, values in first.data.series():
        assert len(times) == 45 and all(t % 20 == 0 for t in times)
        assert all(isinstance(v, int) and v >= 0 for v in values)
    week = stats.answer(PerfQuery("VirtualMachine", tuple(vms), ("mem.active.average",),
                                  7 * 86400), now)
    assert week.interval.seconds == 1800 and not len(week.data)
    assert [m.reason for m in week.missing] == [
        "not collected: a level 2 counter, and the 1800 s interval keeps level 1"]


def test_demo_content_looks_like_a_real_estate(vc):
    status = vc.status().set_index("vcenter")
    readable = status[status["status"] == "ok"]
    assert list(readable.index) == ["prod", "dr", "lab"]
    assert set(readable["product"]) == {"VMware vCenter Server (demo)"}
    assert all(v.startswith("8.0.") for v in readable["version"])
    assert status.loc["branch", "status"] == "unreachable"
    assert list(vc.failures) == ["branch"]

    vms = vc.vms()
    assert 1400 <= len(vms) <= 1600
    assert vms.groupby("vcenter").size().min() >= 150
    assert vms["name"].str.fullmatch(r"[a-z0-9-]+").all()
    oses = set(vms["guest_os"])
    for expected in ("Microsoft Windows Server 2019 (64-bit)",
                     "Microsoft Windows Server 2022 (64-bit)",
                     "Red Hat Enterprise Linux 8 (64-bit)",
                     "Red Hat Enterprise Linux 9 (64-bit)", "Ubuntu Linux (64-bit)"):
        assert expected in oses
    assert vms["is_template"].sum() >= 4
    assert (vms["power_state"] == "poweredOff").sum() >= 100

    addresses = vms.explode("ip_addresses").dropna(subset=["ip_addresses"])
    parsed = addresses["ip_addresses"].map(ipaddress.ip_address)
    assert (parsed.map(lambda a: a.version) == 6).any()
    global_v6 = parsed.map(lambda a: a.version == 6 and not a.is_link_local)
    assert global_v6.sum() >= 50
    v4 = addresses[parsed.map(lambda a: a.version) == 4]
    across = v4.groupby("ip_addresses")["vcenter"].nunique()
    assert 3 <= (across > 1).sum() <= 10  # a few duplicates across vCenters
    on = vms[vms["power_state"] == "poweredOn"]
    assert (on["ip_addresses"].map(len) == 0).sum() >= 3  # running VMs without an IP

    hosts = vc.hosts()
    assert hosts["version"].nunique() >= 3 and hosts["build"].nunique() >= 4
    assert hosts["model"].nunique() >= 5 and hosts["memory_gb"].nunique() >= 4
    clusters = vc.clusters()
    assert clusters["host_count"].min() <= 3 and clusters["host_count"].max() >= 14

    datastores = vc.datastores()
    assert datastores["free_pct"].min() < 10 and datastores["free_pct"].max() > 60
    assert (datastores["provisioned_pct"] > 100).any()  # thin overcommit

    snapshots = vc.snapshots()
    assert snapshots["age_days"].min() < 1 and snapshots["age_days"].max() > 365
    assert (snapshots["depth"] > 0).any()
    assert "VEEAM BACKUP TEMPORARY SNAPSHOT" in set(snapshots["name"])

    alarms = vc.alarms()
    assert set(alarms["status"]) == {"red", "yellow"}
    assert alarms["acknowledged"].any() and not alarms["acknowledged"].all()
    assert {"VirtualMachine", "HostSystem", "Datastore", "ClusterComputeResource",
            "Folder"} <= set(alarms["entity_type"])
    # Alarms show on parents too, but each is counted once.
    assert not alarms.duplicated(["vcenter", "key"]).any()
    vm_alarms = alarms[alarms["entity_type"] == "VirtualMachine"]
    assert vms["alarm_count"].sum() == len(vm_alarms)

    week, day = vc.events(hours=24 * 7), vc.events(hours=24)
    assert len(week) > len(day) > 100
    assert {"info", "warning", "error"} <= set(week["severity"])
    assert week["time"].is_monotonic_decreasing
    assert (day["severity"] == "error").any()
    snapshot_tasks = week[week["message"] == "Task: Create virtual machine snapshot"]
    assert snapshot_tasks["user"].str.startswith("CORP\\").all() and len(snapshot_tasks)


def test_demo_tags_attributes_disks_and_snapshot_sizes(vc):
    """Tags, custom attributes, virtual disks and snapshot sizes, as an estate has them."""
    tags = vc.tags()
    assert set(tags["kind"]) == {"vm", "host", "datastore", "cluster", "network"}
    assert {"Env", "App", "Backup", "Site", "Tier", "Zone"} == set(tags["category"])
    vms = vc.vms()
    backup_none = vc.search("tag:Backup:None kind:vm")
    assert set(backup_none["vcenter"]) == {"prod", "dr", "lab"}
    assert all("Backup:None" in t for t in vms.set_index(["vcenter", "moid"]).loc[
        list(zip(backup_none["vcenter"], backup_none["moid"])), "tags"])
    finance_dr = vc.search("tag:App:Finance vcenter:dr")
    assert len(finance_dr) >= 5 and set(finance_dr["vcenter"]) == {"dr"}
    single = tags[tags["category"].isin(["Env", "Backup"])]
    assert not single.duplicated(["vcenter", "moid", "category"]).any()  # SINGLE cardinality
    attributes = vc.attributes()
    assert {"Owner", "CostCentre", "LastBackup", "Rack"} == set(attributes["attribute"])
    assert set(attributes[attributes["attribute"] == "Rack"]["kind"]) == {"host"}
    assert len(vc.search("attr:Owner=\"Database Team\"")) >= 10
    # one disk row per disk a VM has (summary.config.numVirtualDisks)
    disks = vc.disks()
    counted = disks.groupby(["vcenter", "vm_moid"]).size()
    expected = vms.set_index(["vcenter", "moid"])["num_disks"]
    assert (counted.reindex(expected.index, fill_value=0) == expected).all()
    assert set(disks["controller_type"]) >= {"pvscsi", "lsilogic-sas"}
    assert disks["thin"].any() and not disks["thin"].all()
    assert (disks["controller"] == "SCSI controller 1").any()  # database data disks
    snapshots = vc.snapshots()
    assert snapshots["size_bytes"].notna().all() and (snapshots["size_bytes"] > 0).all()
    old = snapshots[snapshots["age_days"] > 100]["size_bytes"].median()
    assert old > snapshots[snapshots["age_days"] < 2]["size_bytes"].median() * 10
    # the workbook's custom attribute columns and the object pages work on the demo too
    row = vms[(vms["vcenter"] == "prod") & (vms["name"] == "sql-fin-01")].iloc[0]
    page = vc.object("prod", row["moid"])
    assert len(page.disks) == 4 and "Backup:Gold" in page.facts["tags"]
    assert set(page.attributes["attribute"]) >= {"Owner", "CostCentre"}


def test_demo_search_spans_the_vcenters(vc):
    same_name = vc.search("sql-fin-02")
    assert set(same_name["vcenter"]) == {"prod", "dr"}  # the SRM placeholder in DR
    subnet = vc.search("10.10.140.0/24")
    assert len(subnet) >= 15 and set(subnet["kind"]) == {"vm"}
    assert vc.search("esx-prd-c02-14*")["kind"].tolist() == ["host"]


def test_demo_is_deterministic_and_refreshes():
    now = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    first, second = demo.generate(now), demo.generate(now)
    for name in tables.INVENTORY:
        a = tables.build(name, list(first.inventories.values()))
        b = tables.build(name, list(second.inventories.values()))
        pd.testing.assert_frame_equal(a, b, obj=name)
    assert [e.key for e in first.events("prod")] == [e.key for e in second.events("prod")]

    vc = Companion.demo()
    before = vc.vms()
    collected = vc.status()["last_collection"].max()
    vc.refresh()
    after = vc.vms()
    assert after["name"].tolist() == before["name"].tolist()
    assert vc.status()["last_collection"].max() > collected


def test_demo_runs_from_any_directory_without_config(tmp_path):
    """No config file, no credentials, no network, and nothing written to the cwd."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCOMPANION_")}
    env["VCOMPANION_CONFIG"] = str(tmp_path / "does-not-exist.json")
    code = ("from vcompanion import Companion\n"
            "vc = Companion.demo()\n"
            "print(len(vc.vms()), len(vc.problems()), sorted(vc.failures))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    vms, problems, failures = result.stdout.split(" ", 2)
    assert 1400 <= int(vms) <= 1600 and int(problems) > 100
    assert failures.strip() == "['branch']"
    assert list(tmp_path.iterdir()) == []


def test_demo_unreachable_vcenter_behaves_like_a_real_failure(vc):
    from vcompanion.errors import ConnectError
    error = vc.failures["branch"]
    assert isinstance(error, ConnectError)
    assert "vcsa-branch.corp.example.com:443" in str(error)
    problem = vc.problems().query("rule == 'vcenter_unreadable'")
    assert problem["object"].tolist() == ["branch"]


def test_demo_objects_are_pyvmomi_objects(vc):
    inventory = next(i for i in vc.inventories() if i.vcenter == "prod")
    vm = next(p for p in inventory.of("VirtualMachine").values() if p.get("snapshot"))
    assert isinstance(vm["_ref"], vim.VirtualMachine)
    assert isinstance(vm["snapshot"], vim.vm.SnapshotInfo)
    assert all(isinstance(n, vim.vm.GuestInfo.NicInfo) for n in vm["guest.net"])
    events = demo.generate().events("prod")
    assert all(isinstance(e, vim.event.Event) for e in events)
