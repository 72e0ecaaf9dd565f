"""The unified inventory against three seeded simulators: every required column
of every table is checked against the state the simulators were seeded with
(tests/vcsim/seed.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from simulators import load_seed
from vcompanion.tables import TABLES

pytestmark = pytest.mark.simulator

seed = load_seed()
GIB = 1024 ** 3


def by_key(frame, *keys):
    clean = frame.astype(object).where(frame.notna(), None)
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r
            for r in clean.to_dict("records")}


def seeded(kind):
    """(vcenter, name) -> seeded dict for hosts / vms / datastores."""
    return {(t, name): item for t, topo in seed.TOPOLOGIES.items()
            for name, item in topo[kind].items()}


def test_every_table_has_its_declared_columns_and_dtypes(companion):
    for name, table in TABLES.items():
        if name == "events":
            frame = companion.events(hours=1)
        elif name == "metrics":
            frame = companion.metrics("vms", since="15m")
        elif name.startswith("performance_"):
            frame = companion.performance(name.removeprefix("performance_"), since="15m")
        else:
            frame = companion.table(name)
        assert list(frame.columns) == table.names, name
        for column in table.columns:
            assert str(frame[column.name].dtype) == column.dtype, (name, column.name)


def test_vms_match_the_seed(companion):
    vms = by_key(companion.vms(), "vcenter", "name")
    expected = seeded("vms")
    assert set(vms) == set(expected)
    for key, vm in expected.items():
        row = vms[key]
        assert row["power_state"] == vm["power_state"], key
        assert sorted(row["ip_addresses"]) == sorted(vm["ips"]), key
        assert row["primary_ip"] == vm["ip_address"], key
        running = vm["tools_running_status"] == "guestToolsRunning"
        assert row["mac_addresses"] == (vm["macs"] if running else []), key  # guest's
        assert row["guest_hostname"] == vm["hostname"], key
        assert row["guest_id"] == vm["guest_id"], key
        assert row["guest_os"] == vm["guest_full_name"], key
        assert (row["num_cpu"], row["memory_mb"]) == (vm["num_cpu"], vm["memory_mb"]), key
        assert row["num_disks"] == len(vm["disks_gb"]) and row["num_nics"] == len(vm["nics"])
        assert row["host"] == vm["host"] and row["cluster"] == vm["cluster"], key
        assert row["datacenter"] == seed.TOPOLOGIES[key[0]]["datacenter"], key
        assert row["folder"] == "/" + vm["folder"], key
        assert row["resource_pool"] == (vm["pool"] or (None if vm["template"] else "Resources")), key
        assert vm["datastore"] in row["datastores"], key
        assert row["provisioned_gb"] == pytest.approx(
            (vm["committed_bytes"] + vm["uncommitted_bytes"]) / GIB), key
        assert row["used_gb"] == pytest.approx(vm["committed_bytes"] / GIB), key
        assert row["snapshot_count"] == len(vm["snapshots"]), key
        assert row["tools_status"] == vm["tools_status"], key
        assert row["tools_running_status"] == vm["tools_running_status"], key
        assert row["tools_version_status"] == vm["tools_version_status"], key
        assert row["overall_status"] == vm["overall_status"], key
        assert row["is_template"] is vm["template"], key
        assert row["consolidation_needed"] is vm["consolidation_needed"], key
        assert row["annotation"] == (vm["annotation"] or None), key
        assert row["hw_version"] == vm["hw_version"], key
        assert row["connection_state"] == vm["connection_state"], key
        for field in ("instance_uuid", "bios_uuid", "moid"):
            assert row[field], (key, field)
    # instance UUIDs are unique across all vCenters; moids within one
    frame = companion.vms()
    assert frame["instance_uuid"].is_unique
    assert not frame.duplicated(["vcenter", "moid"]).any()


def test_device_tables_match_the_seed(companion):
    """nics and cdroms come from a second bulk read of every VM's device list."""
    nics, cdroms = companion.nics(), companion.cdroms()
    expected = seeded("vms")
    by_vm = {key: frame for key, frame in nics.groupby(["vcenter", "vm"])}
    drives = by_key(cdroms, "vcenter", "vm")
    assert set(drives) == set(expected)  # one drive each, templates included
    for key, vm in expected.items():
        frame = by_vm.get(key)
        assert frame is not None and len(frame) == len(vm["nics"]), key
        running = vm["tools_running_status"] == "guestToolsRunning"
        for row, nic in zip(frame.to_dict("records"), vm["nics"]):
            assert row["mac_address"] == nic["mac"], key  # powered off or not
            assert row["network"] == nic["network"], key
            assert row["adapter"] == "vmxnet3" and row["mac_type"] == "assigned", key
            assert row["connected"] is True and row["start_connected"] is True, key
            assert sorted(row["ip_addresses"]) == (sorted(nic["ips"]) if running else []), key
            assert row["power_state"] == vm["power_state"], key
        drive = drives[key]
        assert drive["connected"] is vm["cdrom_connected"], key
        assert drive["device_type"] == ("iso" if vm["cdrom_iso"] else "client device"), key
        assert drive["backing"] == (vm["cdrom_iso"] or None), key
    # The device read is its own request: vms() alone never makes it.
    assert "config.hardware.device" not in companion.inventories()[0].of(
        "VirtualMachine")[next(iter(companion.inventories()[0].of("VirtualMachine")))]


def test_hosts_match_the_seed(companion):
    hosts = by_key(companion.hosts(), "vcenter", "name")
    expected = seeded("hosts")
    assert set(hosts) == set(expected)
    vm_counts = pd.Series([(t, vm["host"]) for t, topo in seed.TOPOLOGIES.items()
                           for vm in topo["vms"].values()]).value_counts()
    for key, h in expected.items():
        row = hosts[key]
        assert row["connection_state"] == h["connection_state"], key
        assert row["in_maintenance"] is h["maintenance"], key
        assert row["power_state"] == h["power_state"], key
        assert row["cluster"] == h["cluster"], key
        assert row["datacenter"] == seed.TOPOLOGIES[key[0]]["datacenter"], key
        assert (row["version"], row["build"]) == (h["version"], h["build"]), key
        assert row["cpu_model"] == h["cpu_model"] and row["cpu_cores"] == h["cpu_cores"], key
        assert row["cpu_sockets"] == h["cpu_packages"], key
        assert (row["vendor"], row["model"]) == (h["vendor"], h["model"]), key
        assert row["memory_gb"] == pytest.approx(h["memory_bytes"] / GIB), key
        assert row["vm_count"] == vm_counts.get(key, 0), key
        assert row["config_issue_messages"] == [m for _, m in h["config_issues"]], key
        assert row["overall_status"] == h["overall_status"], key
        if h["connection_state"] == "connected":
            capacity = h["cpu_cores"] * h["cpu_mhz"]
            assert row["cpu_usage_pct"] == pytest.approx(100 * h["cpu_usage_mhz"] / capacity)
            assert row["memory_usage_pct"] == pytest.approx(
                100 * h["memory_usage_mb"] * 2**20 / h["memory_bytes"])
            assert row["uptime_hours"] == pytest.approx(h["boot_days_ago"] * 24, abs=1)
        else:  # a disconnected host's usage is unknown, not zero
            assert row["cpu_usage_pct"] is None and row["uptime_hours"] is None


def test_clusters_match_the_seed(companion):
    clusters = by_key(companion.clusters(), "vcenter", "name")
    expected = {(t, name): spec for t, topo in seed.TOPOLOGIES.items()
                for name, spec in topo["clusters"].items()}
    assert set(clusters) == set(expected)
    for key, spec in expected.items():
        row = clusters[key]
        assert row["host_count"] == len(spec["hosts"]), key
        assert row["ha_enabled"] is spec["ha"] and row["drs_enabled"] is spec["drs"], key
        topo = seed.TOPOLOGIES[key[0]]
        assert row["vm_count"] == sum(1 for vm in topo["vms"].values()
                                      if vm["cluster"] == key[1]), key
        assert row["cpu_capacity_mhz"] > 0 and 0 < row["cpu_usage_pct"] < 100, key
        assert row["datacenter"] == topo["datacenter"]


def test_datastores_match_the_seed(companion):
    stores = by_key(companion.datastores(), "vcenter", "name")
    expected = seeded("datastores")
    assert set(stores) == set(expected)
    for key, ds in expected.items():
        row = stores[key]
        assert row["type"] == ds["type"], key
        assert row["capacity_bytes"] == ds["capacity_bytes"], key
        assert row["free_bytes"] == ds["free_bytes"], key
        assert row["free_pct"] == pytest.approx(ds["free_pct"], abs=0.01), key
        assert row["provisioned_bytes"] == (ds["capacity_bytes"] - ds["free_bytes"]
                                            + ds["uncommitted_bytes"]), key
        assert row["accessible"] is ds["accessible"], key
        assert row["host_count"] == len(ds["hosts"]), key
        assert row["overall_status"] == ds["overall_status"], key
    assert stores[("prod", "prod-ds-02")]["free_pct"] < 10  # the nearly full one
    assert 10 < stores[("dr", "dr-ds-01")]["free_pct"] < 15


def test_networks_match_the_seed(companion):
    nets = by_key(companion.networks(), "vcenter", "name")
    expected = {(t, name): spec for t, topo in seed.TOPOLOGIES.items()
                for name, spec in topo["networks"].items()}
    assert set(nets) == set(expected)  # uplink portgroups are not VM networks
    for key, spec in expected.items():
        row = nets[key]
        assert row["kind"] == ("distributed" if spec["distributed"] else "standard"), key
        assert row["vlan"] == str(spec["vlan"]), key
        if spec["distributed"]:
            assert row["switch"] == seed.TOPOLOGIES[key[0]]["dvswitch"], key


def test_snapshots_match_the_seed(companion):
    snaps = by_key(companion.snapshots(), "vcenter", "vm", "name")
    expected = {(t, vm["name"], s["name"]): s for t, topo in seed.TOPOLOGIES.items()
                for vm in topo["vms"].values() for s in vm["snapshots"]}
    assert set(snaps) == set(expected)
    now = datetime.now(timezone.utc)
    for key, s in expected.items():
        row = snaps[key]
        assert row["created"].tzinfo is not None
        assert (now - row["created"]).total_seconds() / 86400 == pytest.approx(
            s["age_days"], abs=0.1), key
        assert row["age_days"] == pytest.approx(s["age_days"], abs=0.1), key
        assert row["parent"] == s["parent"], key
        assert row["is_current"] is s["current"], key
        assert row["quiesced"] is s["quiesced"], key
        assert row["description"] == s["description"], key
    # the nested tree of db-01: root -> child -> grandchild (current)
    chain = companion.snapshots().query("vm == 'db-01'")
    assert list(chain["depth"]) == [0, 1, 2]


def test_alarms_match_the_seed(companion, vcsims):
    alarms = companion.alarms()
    got = {(r.vcenter, r.entity, r.entity_type, r.alarm, r.status)
           for r in alarms.itertuples()}
    expected = {(t, a["entity"], a["entity_type"], a["alarm"], a["status"])
                for t, topo in seed.TOPOLOGIES.items() for a in topo["alarms"]}
    assert got == expected  # each once, although parents carry them too
    for row in alarms.itertuples():
        seeded_alarm = next(a for a in seed.TOPOLOGIES[row.vcenter]["alarms"]
                            if a["entity"] == row.entity)
        started = datetime.fromtimestamp(vcsims[row.vcenter].started_at, timezone.utc)
        assert (started - row.time).total_seconds() / 3600 == pytest.approx(
            seeded_alarm["hours_ago"], abs=0.05)
        assert row.acknowledged is False or row.acknowledged == False  # noqa: E712


def test_events_of_the_last_hours(companion):
    events = companion.events(hours=24 * 100)
    for t, topo in seed.TOPOLOGIES.items():
        mine = events[events["vcenter"] == t]
        messages = set(mine["message"])
        for ev in topo["events"]:
            assert ev["message"] in messages, (t, ev["message"])
    assert events["time"].is_monotonic_decreasing
    lost = events[events["type"] == "HostConnectionLostEvent"].iloc[0]
    assert (lost["vcenter"], lost["entity"], lost["entity_type"]) == (
        "dr", "esx-dr-03.corp.example.com", "host")
    ex = events[events["type"] == "esx.problem.vmfs.heartbeat.timedout"].iloc[0]
    assert ex["severity"] == "error"
    off = events[(events["type"] == "VmPoweredOffEvent") & (events["entity"] == "db-03")]
    assert off.iloc[0]["user"] == "CORP\\dba-admin"
    now = pd.Timestamp.now(tz="UTC")
    archive = events[(events["entity"] == "archive-01")
                     & (events["type"] == "VmPoweredOffEvent")]
    ages = (now - archive["time"]).dt.total_seconds() / 86400
    assert ((ages - 90).abs() < 0.1).any()  # the seeded event, with its own time
    # a short window leaves the old ones out
    recent = companion.events(hours=1)
    assert len(recent) < len(events)
    assert (recent["time"] >= now - pd.Timedelta(hours=1, minutes=1)).all()


def test_status_row_per_vcenter(companion):
    status = companion.status()
    assert list(status["vcenter"]) == ["prod", "dr", "lab"]
    assert set(status["status"]) == {"ok"}
    assert status["last_collection"].notna().all()
    assert (status["round_trips"] >= 3).all()
    assert status["version"].notna().all()


# --- search --------------------------------------------------------------------------

def hits(companion, query):
    result = companion.search(query)
    return sorted(zip(result["vcenter"], result["kind"], result["name"]))


def test_search_ip_present_in_two_vcenters(companion):
    result = hits(companion, seed.SHARED_IP)
    assert result == sorted((t, "vm", name) for t, name in seed.SHARED_IP_VMS.items())


def test_search_forms(companion):
    best = companion.search("WEB-01").iloc[0]  # the exact match first
    assert (best["vcenter"], best["name"], best["matched"]) == ("prod", "web-01", "name")
    assert ("prod", "vm", "web-02") in hits(companion, "web-0?")
    assert ("dr", "vm", "dr-web-01") not in hits(companion, "web-0?")
    assert ("dr", "vm", "dr-web-01") in hits(companion, "*web*")
    assert hits(companion, "jump-01") == [("dr", "vm", "jump-01"), ("prod", "vm", "jump-01")]
    assert hits(companion, "2001:db8:130::31") == [("prod", "vm", "db-01")]
    assert {n for _, _, n in hits(companion, "10.10.130.0/24")} == {"db-01", "db-02"}
    assert {n for _, _, n in hits(companion, "10.20.210.")} == {
        "dr-web-01", "dr-web-02", "dr-app-01", "dr-app-02"}
    assert hits(companion, "db-02.corp.example.com") == [("prod", "vm", "db-02")]
    assert hits(companion, "00:50:56:83:02:01") == [("lab", "vm", "lab-k8s-01")]
    assert hits(companion, "esx-dr-03*") == [("dr", "host", "esx-dr-03.corp.example.com")]
    assert ("prod", "datastore", "prod-ds-02") in hits(companion, "prod-ds")
    assert hits(companion, "dr-cluster") == [("dr", "cluster", "DR-Cluster")]
    assert ("prod", "network", "dvpg-prod-web-vlan110") in hits(companion, "vlan110")
    uuid = companion.vms().query("name == 'dns-01'")["instance_uuid"].iloc[0]
    assert hits(companion, uuid.upper()) == [("prod", "vm", "dns-01")]


def test_search_by_mac_reads_the_device_lists_only_when_asked(sim_config):
    """A powered-off VM's MAC is only in its device list: a MAC query reads the
    device lists once; every other query does without them."""
    from conftest import PASSWORD, USERNAME
    from vcompanion import Companion
    with Companion.from_config(sim_config, USERNAME, PASSWORD) as vc:
        off = [(t, vm) for t, topo in seed.TOPOLOGIES.items() for vm in topo["vms"].values()
               if vm["tools_running_status"] != "guestToolsRunning" and vm["macs"]]
        assert off
        topology, vm = off[0]
        assert not vc.search("10.99.99.99").shape[0]
        assert all(s.devices is None for s in vc._states.values())  # not read for that
        result = vc.search(vm["macs"][0].upper().replace(":", "-"))
        assert [(r["vcenter"], r["name"], r["matched"]) for _, r in result.iterrows()] == \
            [(topology, vm["name"], "mac")]
        devices = {n: s.devices for n, s in vc._states.items()}
        assert all(d is not None for d in devices.values())
        vc.search(off[-1][1]["macs"][0])
        assert all(s.devices is devices[n] for n, s in vc._states.items())  # once


def test_search_that_finds_nothing(companion):
    assert companion.search("no-such-vm-anywhere").empty
    assert companion.search("10.99.99.99").empty
    assert companion.search("172.31.0.0/16").empty


# --- tags, custom attributes, disks, snapshot sizes -----------------------------------------

KIND_TABLES = {"vm": "vms", "host": "hosts", "datastore": "datastores", "cluster": "clusters",
               "network": "networks"}


def test_tags_match_the_seed(companion):
    """Tags planted through the simulators' REST API, read with the bulk association call."""
    got = {(r["vcenter"], r["kind"], r["name"], f"{r['category']}:{r['tag']}")
           for r in companion.tags().to_dict("records")}
    want = {(t, kind, name, tag) for t, topo in seed.TOPOLOGIES.items()
            for (kind, name), tags in topo["tags"].items() for tag in tags}
    assert got == want
    assert {k for _, k, _, _ in got} == set(KIND_TABLES)  # every kind has some
    # The same tags as a list column of each kind's table, sorted.
    for kind, table in KIND_TABLES.items():
        for row in companion.table(table).to_dict("records"):
            expected = seed.TOPOLOGIES[row["vcenter"]]["tags"].get((kind, row["name"]), [])
            assert row["tags"] == sorted(expected, key=str.lower), (kind, row["name"])
    tags = companion.tags()
    moids = companion.vms().set_index(["vcenter", "name"])["moid"]
    vm_rows = tags[tags["kind"] == "vm"]
    assert all(moids[(v, n)] == m for v, n, m in zip(vm_rows["vcenter"], vm_rows["name"],
                                                       vm_rows["moid"]))
    assert "tags unavailable" not in " ".join(companion.status()["message"])


def test_custom_attributes_match_the_seed(companion):
    """Custom attributes come with the bulk read (customValue), named from CustomFieldsManager."""
    got = {(r["vcenter"], r["kind"], r["name"], r["attribute"], r["value"])
           for r in companion.attributes().to_dict("records")}
    want = {(t, kind, name, field, value) for t, topo in seed.TOPOLOGIES.items()
            for (kind, name), values in topo["attributes"].items()
            for field, value in values.items()}
    assert got == want
    assert {k for _, k, _, _, _ in got} == set(KIND_TABLES)
    for kind, table in KIND_TABLES.items():
        for row in companion.table(table).to_dict("records"):
            values = seed.TOPOLOGIES[row["vcenter"]]["attributes"].get((kind, row["name"]), {})
            assert row["attributes"] == [f"{k}={v}" for k, v in
                                         sorted(values.items(), key=lambda kv: kv[0].lower())]


def test_disks_match_the_seed(companion):
    """RVTools vDisk: one row per virtual disk, from the device lists."""
    disks = companion.disks()
    expected = seeded("vms")
    by_vm = {key: frame for key, frame in disks.groupby(["vcenter", "vm"])}
    assert set(by_vm) == set(expected)
    for key, vm in expected.items():
        rows = by_vm[key].sort_values("key").to_dict("records")
        assert [r["capacity_bytes"] for r in rows] == [gb * GIB for gb in vm["disks_gb"]], key
        for i, row in enumerate(rows):
            suffix = "" if i == 0 else f"_{i}"
            assert row["label"] == f"Hard disk {i + 1}", key
            assert row["thin"] is vm["thin"] and row["raw"] is False, key
            assert row["datastore"] == vm["datastore"], key
            assert row["file_name"] == f"[{vm['datastore']}] {vm['name']}/{vm['name']}{suffix}.vmdk"
            assert row["controller"] == "SCSI controller 0" and row["bus_number"] == 0, key
            assert row["controller_type"] == ("lsilogic-sas" if vm["guest_family"] == "windowsGuest"
                                              else "pvscsi"), key
            assert row["unit_number"] == i and row["disk_mode"] == "persistent", key
            assert row["power_state"] == vm["power_state"] and row["vm_moid"], key


def test_snapshot_sizes_come_from_the_file_layout(companion):
    """The size of each snapshot's files (RVTools Size MiB (total)), read for the
    VMs with snapshots only."""
    snaps = by_key(companion.snapshots(), "vcenter", "vm", "name")
    for t, topo in seed.TOPOLOGIES.items():
        for vm in topo["vms"].values():
            for s in vm["snapshots"]:
                assert snaps[(t, vm["name"], s["name"])]["size_bytes"] == s["size_mb"] * 1024 ** 2
    # read for the VMs with snapshots only: their file lists are a few KB each
    moids = companion.vms().set_index(["vcenter", "name"])["moid"]
    for name, state in companion._states.items():
        assert set(state.layouts) == {moids[(name, vm["name"])] for vm in
                                      seed.TOPOLOGIES[name]["vms"].values() if vm["snapshots"]}


def test_tools_running_status_of_a_vm_that_is_off(companion):
    """The simulators leave summary.guest.toolsRunningStatus out for VMs that are
    off (as some vCenters do): the column falls back to guest.toolsRunningStatus."""
    inv = next(i for i in companion.inventories() if i.vcenter == "prod")
    archive = next(p for p in inv.of("VirtualMachine").values() if p.get("name") == "archive-01")
    assert "summary.guest.toolsRunningStatus" not in archive
    assert archive["guest.toolsRunningStatus"] == "guestToolsNotRunning"
    row = companion.vms().set_index(["vcenter", "name"]).loc[("prod", "archive-01")]
    assert row["tools_running_status"] == "guestToolsNotRunning"


# --- search by field -------------------------------------------------------------------------

def test_search_by_field_on_the_simulators(companion):
    vms = seeded("vms")

    def tagged(tag):
        return {(t, "vm", n) for (t, n), vm in vms.items()
                if tag in seed.TOPOLOGIES[t]["tags"].get(("vm", n), [])}

    # every VM tagged Backup:None, across all vCenters
    assert set(hits(companion, "tag:Backup:None")) == tagged("Backup:None")
    # which VMs of the Finance application run in DR?
    assert hits(companion, "tag:App:Finance vcenter:dr") == sorted(
        v for v in tagged("App:Finance") if v[0] == "dr")
    assert set(hits(companion, "tag:Tier1")) == {
        (t, "datastore", n) for t, topo in seed.TOPOLOGIES.items()
        for (k, n), tags in topo["tags"].items() if "Tier:Tier1" in tags}
    assert set(hits(companion, "attr:Owner=finance")) == {
        (t, k, n) for t, topo in seed.TOPOLOGIES.items()
        for (k, n), values in topo["attributes"].items() if values.get("Owner") == "finance"}
    assert set(hits(companion, "power:off kind:vm")) == {
        (t, "vm", n) for (t, n), vm in vms.items() if vm["power_state"] == "poweredOff"}
    assert set(hits(companion, "os:windows* kind:vm")) == {
        (t, "vm", n) for (t, n), vm in vms.items() if vm["guest_id"].startswith("windows")}
    assert set(hits(companion, "host:esx-prod-a0* kind:vm")) == {
        (t, "vm", n) for (t, n), vm in vms.items() if vm["host"].startswith("esx-prod-a0")}
    assert set(hits(companion, "cluster:Prod* kind:vm")) == {
        (t, "vm", n) for (t, n), vm in vms.items() if (vm["cluster"] or "").startswith("Prod")}
    assert {v for v, _, _ in hits(companion, "vcenter:dr")} == {"dr"}
    assert set(hits(companion, "net:dvpg-prod-db-vlan130")) == {
        ("prod", "network", "dvpg-prod-db-vlan130")} | {
        (t, "vm", n) for (t, n), vm in vms.items()
        if "dvpg-prod-db-vlan130" in [x["network"] for x in vm["nics"]]}
    assert set(hits(companion, "ds:lab-nfs-01 kind:vm")) == {
        (t, "vm", n) for (t, n), vm in vms.items() if vm["datastore"] == "lab-nfs-01"}
    # combined with free text: an address range, powered on, tagged Env:Prod
    assert hits(companion, "10.10.120.0/24 power:on tag:Env:Prod") == sorted(
        (t, "vm", n) for (t, n), vm in vms.items()
        if t == "prod" and vm["power_state"] == "poweredOn"
        and "Env:Prod" in seed.PROD["tags"].get(("vm", n), [])
        and any(ip.startswith("10.10.120.") for ip in vm["ips"]))
    assert hits(companion, "10.10.120.50 tag:Env:Prod") == [("prod", "vm", "reporting-01")]


def test_unknown_search_field_is_a_clear_error(companion):
    from vcompanion.errors import ConfigError
    with pytest.raises(ConfigError, match="unknown search field 'owner'.*known: attr, cluster"):
        companion.search("owner:finance")


# --- one object's page ----------------------------------------------------------------------

def test_object_page_of_a_vm(companion):
    moid = companion.vms().set_index(["vcenter", "name"]).loc[("prod", "db-01"), "moid"]
    page = companion.object("prod", moid, hours=24 * 100)
    vm = seed.PROD["vms"]["db-01"]
    assert (page.kind, page.name, page.facts["power_state"]) == ("vm", "db-01", "poweredOn")
    assert set(page.sections) >= {"tags", "attributes", "alarms", "problems", "events", "nics",
                                  "cdroms", "disks", "snapshots", "hosts", "datastores"}
    assert sorted(f"{c}:{t}" for c, t in zip(page.tags["category"], page.tags["tag"])) == \
        sorted(seed.PROD["tags"][("vm", "db-01")])
    assert dict(zip(page.attributes["attribute"], page.attributes["value"])) == \
        seed.PROD["attributes"][("vm", "db-01")]
    assert list(page.alarms["alarm"]) == ["Virtual machine memory usage"]
    assert "Alarm 'Virtual machine memory usage' is yellow" in set(page.problems["message"])
    assert {"TaskEvent", "AlarmStatusChangedEvent"} <= set(page["events"]["type"])
    assert set(page.events["entity_moid"]) == {moid}
    assert list(page.nics["mac_address"]) == vm["macs"]
    assert list(page.disks["capacity_bytes"]) == [gb * GIB for gb in vm["disks_gb"]]
    assert list(page.snapshots["name"]) == [s["name"] for s in vm["snapshots"]]
    assert list(page.snapshots["size_bytes"]) == [s["size_mb"] * 1024 ** 2 for s in vm["snapshots"]]
    assert list(page.hosts["name"]) == [vm["host"]]
    assert list(page.datastores["name"]) == [vm["datastore"]]
    assert set(page.frames()) == set(page.sections) and not page.errors


def test_object_pages_of_host_datastore_cluster_network(companion):
    def moid(table, name, vcenter="prod"):
        frame = companion.table(table)
        return frame[(frame["vcenter"] == vcenter) & (frame["name"] == name)]["moid"].iloc[0]

    vms = seeded("vms")
    host = companion.object("prod", moid("hosts", "esx-prod-b01.corp.example.com"))
    assert host.kind == "host" and list(host.alarms["alarm"]) == ["Host CPU usage"]
    assert set(host.vms["name"]) == {n for (t, n), v in vms.items()
                                     if t == "prod" and v["host"] == host.name}
    ds = companion.object("prod", moid("datastores", "prod-ds-02"))
    assert set(ds.vms["name"]) == {n for (t, n), v in vms.items()
                                   if t == "prod" and v["datastore"] == "prod-ds-02"}
    assert set(ds.hosts["name"]) == set(seed.PROD["datastores"]["prod-ds-02"]["hosts"])
    assert any("free" in m for m in ds.problems["message"])
    cluster = companion.object("prod", moid("clusters", "Prod-Cluster-A"))
    assert set(cluster.hosts["name"]) == set(seed.PROD["clusters"]["Prod-Cluster-A"]["hosts"])
    assert set(cluster.vms["name"]) == {n for (t, n), v in vms.items()
                                        if t == "prod" and v["cluster"] == "Prod-Cluster-A"}
    assert list(cluster.attributes["value"]) == ["infra"]
    net = companion.object("prod", moid("networks", "dvpg-prod-web-vlan110"))
    assert net.kind == "network" and list(net.tags["tag"]) == ["DMZ"]
    assert set(net.vms["name"]) == {n for (t, n), v in vms.items() if t == "prod"
                                    and "dvpg-prod-web-vlan110" in [x["network"] for x in v["nics"]]}
    with pytest.raises(KeyError, match="no section 'disks'"):
        net["disks"]


def test_object_that_is_not_there(companion):
    from vcompanion.errors import ConfigError, NotFoundError
    with pytest.raises(NotFoundError, match="'vm-999999'"):
        companion.object("prod", "vm-999999")
    with pytest.raises(ConfigError, match="no vCenter named 'nowhere'"):
        companion.object("nowhere", "vm-1")
