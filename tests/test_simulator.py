"""The seeded vCenter simulators serve what tests/vcsim/seed.py specifies.

Talks to the simulators with pyvmomi directly (ContainerView +
PropertyCollector.RetrievePropertiesEx), the way vCompanion reads vCenters.
"""

from __future__ import annotations

import base64
import datetime
import json
import pathlib
import socket
import ssl
import urllib.error
import urllib.request

import pytest
from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

import simulators

seed = simulators.load_seed()

pytestmark = pytest.mark.simulator

# Tolerance when comparing "N days/hours ago" with the simulator's timestamps.
TIME_TOLERANCE = datetime.timedelta(minutes=10)


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def sims(tmp_path_factory):
    started = simulators.start_simulators(tmp_path_factory.mktemp("vcsim"))
    yield {sim.name: sim for sim in started}
    for sim in started:
        sim.stop()


def ssl_context(sim) -> ssl.SSLContext:
    """A context that trusts only the simulator's certificate and checks the host name."""
    return ssl.create_default_context(cafile=sim.cert_path)


def connect(sim, user=None, password=None):
    return SmartConnect(host=sim.host, port=sim.port, user=user or sim.username,
                        pwd=password or sim.password, sslContext=ssl_context(sim))


def retrieve(si, kind, paths, container=None):
    """All objects of a type below container (default: root folder), as dicts
    of property path -> value plus "_obj" (the managed object)."""
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(container or content.rootFolder, [kind], True)
    pc = content.propertyCollector.CreatePropertyCollector()
    try:
        traversal = vmodl.query.PropertyCollector.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView)
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=kind, pathSet=paths)])
        result = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
        objects = list(result.objects) if result else []
        while result and result.token:
            result = pc.ContinueRetrievePropertiesEx(result.token)
            objects += result.objects
    finally:
        pc.DestroyPropertyCollector()
        view.DestroyView()
    rows = []
    for obj in objects:
        row = {p.name: p.val for p in obj.propSet}
        row["_obj"] = obj.obj
        rows.append(row)
    return rows


class Snapshot:
    """One read of a simulator's inventory (what a vCompanion poll would see)."""

    def __init__(self, sim):
        self.si = connect(sim)
        content = self.si.RetrieveContent()
        self.about = content.about
        self.root = content.rootFolder
        self.now = self.si.CurrentTime()
        self.names = {}
        self.datacenters = retrieve(self.si, vim.Datacenter, ["name", "triggeredAlarmState"])
        self.folders = retrieve(self.si, vim.Folder, ["name", "parent"])
        self.clusters = retrieve(self.si, vim.ClusterComputeResource,
                                 ["name", "host", "configurationEx", "summary", "resourcePool"])
        self.compute = retrieve(self.si, vim.ComputeResource, ["name", "host"])
        self.pools = retrieve(self.si, vim.ResourcePool, ["name", "parent", "owner"])
        self.hosts = retrieve(self.si, vim.HostSystem, [
            "name", "parent", "runtime.connectionState", "runtime.inMaintenanceMode", "runtime.powerState",
            "runtime.bootTime", "configIssue", "configStatus", "overallStatus", "summary.hardware",
            "summary.config.product", "summary.quickStats", "triggeredAlarmState", "config.network.vnic"])
        self.datastores = retrieve(self.si, vim.Datastore, [
            "name", "summary", "host", "info", "overallStatus", "triggeredAlarmState"])
        self.networks = retrieve(self.si, vim.Network, ["name"])
        self.portgroups = retrieve(self.si, vim.dvs.DistributedVirtualPortgroup, ["name", "config"])
        self.vms = retrieve(self.si, vim.VirtualMachine, [
            "name", "parent", "resourcePool", "datastore", "runtime.host", "runtime.powerState",
            "runtime.connectionState", "runtime.consolidationNeeded", "runtime.bootTime", "config.template",
            "config.guestId", "config.guestFullName", "config.version", "config.annotation",
            "config.hardware.numCPU", "config.hardware.memoryMB", "config.hardware.device",
            "guest.guestId", "guest.net", "guest.ipAddress", "guest.hostName", "guest.toolsStatus",
            "guest.toolsVersionStatus", "guest.toolsVersionStatus2", "guest.toolsRunningStatus",
            "guest.toolsVersion", "guest.guestState", "guest.disk", "guestHeartbeatStatus",
            "summary.storage", "snapshot", "overallStatus", "triggeredAlarmState"])
        for rows in (self.datacenters, self.folders, self.clusters, self.compute, self.pools, self.hosts,
                     self.datastores, self.networks, self.portgroups, self.vms):
            for row in rows:
                self.names[row["_obj"]._moId] = row["name"]
        # Alarm names: one call for all Alarm objects referenced by triggered states.
        alarms = {s.alarm for row in self.datacenters for s in row.get("triggeredAlarmState", [])}
        self.alarm_names = {}
        if alarms:
            spec = vmodl.query.PropertyCollector.FilterSpec(
                objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=a) for a in alarms],
                propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.alarm.Alarm, pathSet=["info.name"])])
            for obj in content.propertyCollector.RetrieveContents([spec]):
                self.alarm_names[obj.obj._moId] = obj.propSet[0].val

    def name(self, obj):
        return None if obj is None else self.names.get(obj._moId)

    def age(self, when) -> datetime.timedelta:
        return self.now - when

    def close(self):
        Disconnect(self.si)


@pytest.fixture(scope="module")
def inventories(sims):
    snaps = {name: Snapshot(sim) for name, sim in sims.items()}
    yield snaps
    for snap in snaps.values():
        snap.close()


def assert_age(snap, when, expected: datetime.timedelta, what):
    assert abs(snap.age(when) - expected) < TIME_TOLERANCE, f"{what}: {when} is not {expected} ago"


TOPOLOGY_NAMES = ["prod", "dr", "lab"]


# --------------------------------------------------------------------------- connection


def test_tls_certificate_verifies_for_loopback(sims):
    for sim in sims.values():
        for server_name in ("127.0.0.1", "localhost"):
            context = ssl_context(sim)
            context.verify_flags |= ssl.VERIFY_X509_STRICT  # as Python >= 3.13 does by default
            with socket.create_connection((sim.host, sim.port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=server_name) as tls:
                    assert tls.version()


def test_login_and_about(sims):
    for name, sim in sims.items():
        si = connect(sim)
        try:
            about = si.RetrieveContent().about
            assert about.apiType == "VirtualCenter"
            assert about.instanceUuid == seed.TOPOLOGIES[name]["instance_uuid"]
            session = si.RetrieveContent().sessionManager.currentSession
            assert session.userName == seed.USERNAME
        finally:
            Disconnect(si)


@pytest.mark.parametrize("user,password", [
    (seed.USERNAME, "wrong-password"),
    ("administrator@vsphere.local", seed.PASSWORD),
])
def test_bad_credentials_raise_invalid_login(sims, user, password):
    with pytest.raises(vim.fault.InvalidLogin):
        connect(sims["lab"], user=user, password=password)


def test_login_calls_are_counted_and_any_user_is_an_option(sims, tmp_path):
    """GET /logins counts every SessionManager.Login, accepted or not; a simulator
    started with -any-user accepts a user the fixed-login ones refuse."""
    lab = sims["lab"]
    before = lab.control("/logins", method="GET")
    with pytest.raises(vim.fault.InvalidLogin):
        connect(lab, user="tenant-admin@tenant.test", password="Tenant-Pass1")
    Disconnect(connect(lab))
    after = lab.control("/logins", method="GET")
    assert after["attempts"] == before["attempts"] + 2
    assert after["users"]["tenant-admin@tenant.test"] == \
        before["users"].get("tenant-admin@tenant.test", 0) + 1
    with simulators.Simulator("tenant", "lab", workdir=tmp_path,
                              extra_args=("-any-user",)) as tenant:
        si = connect(tenant, user="tenant-admin@tenant.test", password="Tenant-Pass1")
        try:
            session = si.RetrieveContent().sessionManager.currentSession
            assert session.userName == "tenant-admin@tenant.test"
        finally:
            Disconnect(si)
        Disconnect(connect(tenant))  # the fixed login works there too
        assert tenant.control("/logins", method="GET")["attempts"] == 2


def test_unverified_certificate_is_rejected(sims):
    sim = sims["lab"]
    with pytest.raises(ssl.SSLError):
        SmartConnect(host=sim.host, port=sim.port, user=sim.username, pwd=sim.password,
                     sslContext=ssl.create_default_context())


def test_write_config(sims, tmp_path):
    path = simulators.write_config(list(sims.values()), tmp_path / "config.json")
    config = json.loads(path.read_text())
    assert [set(vc) for vc in config["vcenters"]] == [{"name", "host", "port", "verify_ssl", "ca_bundle"}] * 3
    assert [vc["name"] for vc in config["vcenters"]] == list(sims)
    assert all(vc["verify_ssl"] is True and pathlib.Path(vc["ca_bundle"]).is_file() for vc in config["vcenters"])


# --------------------------------------------------------------------------- inventory


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_inventory_tree(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    assert [dc["name"] for dc in snap.datacenters] == [expected["datacenter"]]
    clusters = {c["name"]: sorted(snap.name(h) for h in c["host"]) for c in snap.clusters}
    assert clusters == {name: sorted(c["hosts"]) for name, c in expected["clusters"].items()}
    for c in snap.clusters:
        spec = expected["clusters"][c["name"]]
        assert c["configurationEx"].drsConfig.enabled == spec["drs"]
        assert c["configurationEx"].dasConfig.enabled == spec["ha"]
    standalone = sorted(snap.name(h) for cr in snap.compute if not isinstance(cr["_obj"], vim.ClusterComputeResource)
                        for h in cr["host"])
    assert standalone == sorted(expected["standalone_hosts"])
    folders = {f["name"] for f in snap.folders}
    assert set(expected["vm_folders"]) <= folders
    pools = {(p["name"], snap.name(p["owner"])) for p in snap.pools if p["name"] != "Resources"}
    assert pools == {(pool, cluster) for cluster, c in expected["clusters"].items() for pool in c["pools"]}


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_hosts(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    assert {h["name"] for h in snap.hosts} == set(expected["hosts"])
    for h in snap.hosts:
        spec = expected["hosts"][h["name"]]
        hw, product = h["summary.hardware"], h["summary.config.product"]
        actual = {
            "cluster": snap.name(h["parent"]) if isinstance(h["parent"], vim.ClusterComputeResource) else None,
            "connection_state": h["runtime.connectionState"],
            "maintenance": h["runtime.inMaintenanceMode"],
            "power_state": h["runtime.powerState"],
            "vendor": hw.vendor, "model": hw.model, "cpu_model": hw.cpuModel,
            "cpu_packages": hw.numCpuPkgs, "cpu_cores": hw.numCpuCores, "cpu_threads": hw.numCpuThreads,
            "cpu_mhz": hw.cpuMhz, "memory_bytes": hw.memorySize,
            "version": product.version, "build": product.build, "full_name": product.fullName,
            "mgmt_ip": h["config.network.vnic"][0].spec.ip.ipAddress,
            "cpu_usage_mhz": h["summary.quickStats"].overallCpuUsage or 0,
            "memory_usage_mb": h["summary.quickStats"].overallMemoryUsage or 0,
            "config_issues": [(type(e).__name__.split(".")[-1], e.fullFormattedMessage)
                              for e in h.get("configIssue", [])],
            "overall_status": h["overallStatus"],
            "config_status": h["configStatus"],
        }
        assert actual == {k: spec[k] for k in actual}, h["name"]
        assert_age(snap, h["runtime.bootTime"], datetime.timedelta(days=spec["boot_days_ago"]), h["name"])


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_datastores(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    assert {d["name"] for d in snap.datastores} == set(expected["datastores"])
    for d in snap.datastores:
        spec, summary = expected["datastores"][d["name"]], d["summary"]
        assert d["_obj"]._moId.startswith("datastore-")
        actual = {
            "type": summary.type,
            "capacity_bytes": summary.capacity,
            "free_bytes": summary.freeSpace,
            "uncommitted_bytes": summary.uncommitted or 0,
            "accessible": summary.accessible,
            "shared": summary.multipleHostAccess,
            "hosts": sorted(snap.name(m.key) for m in d["host"]),
            "overall_status": d["overallStatus"],
        }
        assert actual == dict({k: spec[k] for k in actual}, hosts=sorted(spec["hosts"])), d["name"]
        if spec["type"] == "NFS":
            assert (d["info"].nas.remoteHost, d["info"].nas.remotePath) == (spec["remote_host"], spec["remote_path"])


def test_datastore_free_space_extremes():
    free = {name: ds["free_pct"] for t in seed.TOPOLOGIES.values() for name, ds in t["datastores"].items()}
    assert 4 <= free["prod-ds-02"] <= 6 and 11 <= free["dr-ds-01"] <= 13


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_networks(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    names = {n["name"] for n in snap.networks}
    uplinks = {pg["name"] for pg in snap.portgroups if pg["config"].uplink}
    assert names - uplinks == set(expected["networks"])
    if expected["dvswitch"]:
        assert [u.startswith(expected["dvswitch"] + "-DVUplinks-") for u in uplinks] == [True]
    for pg in snap.portgroups:
        if pg["name"] in expected["networks"]:
            assert pg["config"].defaultPortConfig.vlan.vlanId == expected["networks"][pg["name"]]["vlan"]


def vm_facts(snap, row):
    """A VM as seen through the API, in the shape of seed VM dicts."""
    devices = row["config.hardware.device"]
    disks = [d for d in devices if isinstance(d, vim.vm.device.VirtualDisk)]
    nics = [d for d in devices if isinstance(d, vim.vm.device.VirtualEthernetCard)]
    cdroms = [d for d in devices if isinstance(d, vim.vm.device.VirtualCdrom)]
    guest_net = {n.macAddress: n for n in row.get("guest.net", [])}
    storage = row["summary.storage"]
    return {
        "folder": snap.name(row["parent"]),
        "host": snap.name(row["runtime.host"]),
        "pool": (None if row.get("resourcePool") is None or snap.name(row["resourcePool"]) == "Resources"
                 else snap.name(row["resourcePool"])),
        "datastore": [snap.name(d) for d in row["datastore"]][0],
        "power_state": row["runtime.powerState"],
        "template": row["config.template"],
        "guest_id": row["config.guestId"],
        "guest_full_name": row["config.guestFullName"],
        "num_cpu": row["config.hardware.numCPU"],
        "memory_mb": row["config.hardware.memoryMB"],
        "disks_gb": [d.capacityInBytes // seed.GIB for d in disks],
        "thin": all(d.backing.thinProvisioned for d in disks),
        "hw_version": row["config.version"],
        "annotation": row.get("config.annotation", ""),
        "macs": [n.macAddress for n in nics],
        "nics": [{"network": (guest_net[n.macAddress].network if n.macAddress in guest_net
                              else expected_network_name(snap, n)),
                  "mac": n.macAddress,
                  "ips": list(guest_net[n.macAddress].ipAddress) if n.macAddress in guest_net else []}
                 for n in nics],
        "ips": [ip for n in row.get("guest.net", []) for ip in n.ipAddress],
        "ip_address": row.get("guest.ipAddress"),
        "hostname": row.get("guest.hostName"),
        "tools_status": row["guest.toolsStatus"],
        "tools_version_status": row["guest.toolsVersionStatus2"],
        "tools_running_status": row["guest.toolsRunningStatus"],
        "tools_version": row["guest.toolsVersion"],
        "guest_state": row["guest.guestState"],
        "heartbeat": row["guestHeartbeatStatus"],
        "guest_disks": [{"path": d.diskPath, "capacity": d.capacity, "free": d.freeSpace,
                         "filesystem": d.filesystemType} for d in row.get("guest.disk", [])],
        "consolidation_needed": row["runtime.consolidationNeeded"],
        "cdrom_connected": any(c.connectable.connected for c in cdroms),
        "cdrom_iso": next((c.backing.fileName for c in cdroms
                           if isinstance(c.backing, vim.vm.device.VirtualCdrom.IsoBackingInfo)), None),
        "connection_state": row["runtime.connectionState"],
        "current_snapshot": current_snapshot_name(row.get("snapshot")),
        "provisioned_bytes": sum(d.capacityInBytes for d in disks),
        "committed_bytes": storage.committed,
        "uncommitted_bytes": storage.uncommitted,
        "overall_status": row["overallStatus"],
    }


def expected_network_name(snap, nic):
    backing = nic.backing
    if isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
        return backing.deviceName
    key = backing.port.portgroupKey
    return next(pg["name"] for pg in snap.portgroups if pg["config"].key == key)


def current_snapshot_name(info):
    if info is None:
        return None
    for tree in walk_snapshots(info.rootSnapshotList):
        if tree.snapshot == info.currentSnapshot:
            return tree.name
    return "?"


def walk_snapshots(trees, parent=None):
    for tree in trees:
        yield tree
        yield from walk_snapshots(tree.childSnapshotList, tree)


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_virtual_machines(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    assert sorted(vm["name"] for vm in snap.vms) == sorted(expected["vms"])
    for row in snap.vms:
        spec = expected["vms"][row["name"]]
        actual = vm_facts(snap, row)
        assert actual == {k: spec[k] for k in actual}, row["name"]
        if spec["boot_days_ago"] is None:
            assert row.get("runtime.bootTime") is None, row["name"]
        else:
            assert_age(snap, row["runtime.bootTime"], datetime.timedelta(days=spec["boot_days_ago"]), row["name"])


def test_seeded_vm_variety():
    """The seed covers the cases the health checks need (guards against edits of seed.py)."""
    prod = seed.PROD["vms"].values()
    assert 20 <= len(prod) <= 30 and 10 <= len(seed.DR["vms"]) <= 15 and len(seed.LAB["vms"]) == 5
    assert sum(vm["power_state"] == "poweredOff" and not vm["template"] for vm in prod) >= 3
    assert {vm["tools_status"] for vm in prod if vm["power_state"] == "poweredOn"} >= {
        "toolsOk", "toolsOld", "toolsNotRunning"}
    assert sum(vm["consolidation_needed"] for vm in prod) == 1
    assert sum(vm["cdrom_connected"] for vm in prod) == 1
    assert sum(vm["template"] for vm in prod) >= 1
    assert any(ip.count(":") for vm in prod for ip in vm["ips"])


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_snapshots(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    for row in snap.vms:
        spec = expected["vms"][row["name"]]["snapshots"]
        info = row.get("snapshot")
        if not spec:
            assert info is None, row["name"]
            continue
        trees = list(walk_snapshots(info.rootSnapshotList))
        parents = {child.snapshot: tree.name for tree in trees for child in tree.childSnapshotList}
        actual = [{"name": t.name, "description": t.description, "quiesced": t.quiesced,
                   "parent": parents.get(t.snapshot), "current": t.snapshot == info.currentSnapshot,
                   "state": t.state} for t in trees]
        assert actual == [{k: s[k] for k in actual[0]} for s in spec], row["name"]
        for tree, s in zip(trees, spec):
            assert_age(snap, tree.createTime, datetime.timedelta(days=s["age_days"]), f"{row['name']}/{s['name']}")


def test_nested_snapshot_tree_is_seeded():
    db01 = seed.PROD["vms"]["db-01"]["snapshots"]
    assert [s["age_days"] for s in db01] == [30, 20, 3] and db01[-1]["current"]
    assert [s["age_days"] for s in seed.PROD["vms"]["web-01"]["snapshots"]] == [3]


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_triggered_alarms(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    kinds = {"HostSystem": snap.hosts, "VirtualMachine": snap.vms, "Datastore": snap.datastores}

    def state_facts(state):
        return {"alarm": snap.alarm_names.get(state.alarm._moId), "alarm_key": state.alarm._moId,
                "entity": snap.name(state.entity), "status": state.overallStatus, "event_key": state.eventKey,
                "acknowledged": state.acknowledged}

    want = sorted(({"alarm": a["alarm"], "alarm_key": a["alarm_key"], "entity": a["entity"],
                    "status": a["status"], "event_key": a["event_key"], "acknowledged": False}
                   for a in expected["alarms"]), key=lambda a: a["alarm_key"])
    # The datacenter (an ancestor of every entity) reports all of them.
    dc_states = snap.datacenters[0].get("triggeredAlarmState", [])
    assert sorted(map(state_facts, dc_states), key=lambda a: a["alarm_key"]) == want
    # Each entity reports its own.
    for alarm in expected["alarms"]:
        row = next(r for r in kinds[alarm["entity_type"]] if r["name"] == alarm["entity"])
        states = [s for s in row["triggeredAlarmState"] if snap.name(s.entity) == alarm["entity"]]
        assert [state_facts(s)["alarm"] for s in states] == [alarm["alarm"]]
        assert_age(snap, states[0].time, datetime.timedelta(hours=alarm["hours_ago"]), alarm["alarm"])


def test_alarm_definitions(sims):
    si = connect(sims["lab"])
    try:
        manager = si.RetrieveContent().alarmManager
        alarms = manager.GetAlarm(None)
        assert [(a._moId, a.info.name, a.info.systemName) for a in alarms] == seed.ALARM_DEFINITIONS
        assert all(a.info.expression is not None and a.info.enabled for a in alarms)
    finally:
        Disconnect(si)


def query_events(si):
    """The seeded history (without the session events of the tests' own logins)."""
    manager = si.RetrieveContent().eventManager
    events = manager.QueryEvents(vim.event.EventFilterSpec(maxCount=1000))
    skip = (vim.event.UserLoginSessionEvent, vim.event.UserLogoutSessionEvent)
    return sorted((e for e in events if not isinstance(e, skip)), key=lambda e: e.key)


def event_entity_name(event):
    for arg in ("vm", "ds", "host", "computeResource"):
        if getattr(event, arg, None) is not None:
            return getattr(event, arg).name
    entity = getattr(event, "entity", None)
    return entity.name if entity is not None else None


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_events(inventories, topology):
    snap, expected = inventories[topology], seed.TOPOLOGIES[topology]
    events = [e for e in query_events(snap.si) if e.key <= len(expected["events"])]
    actual = [{"type": type(e).__name__.split(".")[-1], "user": e.userName or "", "entity": event_entity_name(e),
               "message": e.fullFormattedMessage} for e in events]
    assert actual == [{k: s[k] for k in ("type", "user", "entity", "message")} for s in expected["events"]]
    assert [e.key for e in events] == list(range(1, len(expected["events"]) + 1))
    for event, spec in zip(events, expected["events"]):
        assert_age(snap, event.createdTime, datetime.timedelta(hours=spec["hours_ago"]), spec["message"])
        if spec["type"] == "AlarmStatusChangedEvent":
            assert (event.alarm.name, getattr(event, "from"), event.to) == (spec["alarm"], spec["from"], spec["to"])
        if spec["type"] == "EventEx":
            assert (event.eventTypeId, event.severity) == (spec["event_type_id"], spec["severity"])
        if spec["type"] == "TaskEvent":
            assert event.info.descriptionId == spec["task_description_id"]
            assert event.info.reason.userName == spec["user"]


def test_shared_ip_across_vcenters(inventories):
    owners = {name: [vm["name"] for vm in inventories[name].vms if seed.SHARED_IP in vm_facts(inventories[name], vm)["ips"]]
              for name in ("prod", "dr")}
    assert owners == {name: [vm] for name, vm in seed.SHARED_IP_VMS.items()}
    assert seed.SHARED_IP_VMS["prod"] != seed.SHARED_IP_VMS["dr"]


# --------------------------------------------------------------------------- control API


def host_state(si, name):
    host = next(h for h in retrieve(si, vim.HostSystem, ["name", "runtime.connectionState", "runtime.inMaintenanceMode"])
                if h["name"] == name)
    return host["runtime.connectionState"], host["runtime.inMaintenanceMode"]


def test_control_host_connection_is_visible(sims):
    sim, host = sims["lab"], seed.LAB["standalone_hosts"][0]
    si = connect(sim)
    try:
        # Watch the host with WaitForUpdatesEx, as an incremental poller would.
        content = si.RetrieveContent()
        host_obj = next(h["_obj"] for h in retrieve(si, vim.HostSystem, ["name"]) if h["name"] == host)
        pc = content.propertyCollector.CreatePropertyCollector()
        pc.CreateFilter(vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=host_obj)],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(
                type=vim.HostSystem, pathSet=["runtime.connectionState"])]), True)
        options = vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=10)
        first = pc.WaitForUpdatesEx("", options)

        assert sim.control("/host/connection", name=host, state="disconnected")["ok"] is True
        assert host_state(si, host) == ("disconnected", False)
        vms = retrieve(si, vim.VirtualMachine, ["runtime.connectionState"])
        assert {vm["runtime.connectionState"] for vm in vms} == {"disconnected"}

        update = pc.WaitForUpdatesEx(first.version, options)
        assert update is not None, "no update after the control call"
        changes = [c for fs in update.filterSet for o in fs.objectSet for c in o.changeSet]
        assert ("runtime.connectionState", "disconnected") in [(c.name, c.val) for c in changes]
        pc.DestroyPropertyCollector()
    finally:
        sim.control("/host/connection", name=host, state="connected")
        Disconnect(si)
    si = connect(sim)
    try:
        assert host_state(si, host) == ("connected", False)
    finally:
        Disconnect(si)


def test_control_maintenance_power_datastore_event_alarm(sims):
    sim = sims["lab"]
    host = seed.LAB["standalone_hosts"][0]
    vm_name = "lab-k8s-02"
    ds_name = "lab-ds-01"
    si = connect(sim)
    try:
        sim.control("/host/maintenance", name=host, on=True)
        assert host_state(si, host) == ("connected", True)
        sim.control("/host/maintenance", name=host, on=False)

        def vm_row():
            return next(v for v in retrieve(si, vim.VirtualMachine, ["name", "runtime.powerState", "guest.ipAddress",
                                                                     "guest.toolsRunningStatus"])
                        if v["name"] == vm_name)

        sim.control("/vm/power", name=vm_name, state="poweredOff", event=True)
        row = vm_row()
        assert (row["runtime.powerState"], row.get("guest.ipAddress"), row["guest.toolsRunningStatus"]) == (
            "poweredOff", None, "guestToolsNotRunning")
        sim.control("/vm/power", name=vm_name, state="poweredOn")
        row = vm_row()
        assert (row["runtime.powerState"], row.get("guest.ipAddress")) == (
            "poweredOn", seed.LAB["vms"][vm_name]["ip_address"])

        result = sim.control("/datastore/free", name=ds_name, pct=3)
        ds = next(d for d in retrieve(si, vim.Datastore, ["name", "summary"]) if d["name"] == ds_name)
        assert ds["summary"].freeSpace == result["freeSpace"] == int(seed.LAB["datastores"][ds_name]["capacity_bytes"] * 0.03)
        sim.control("/datastore/free", name=ds_name, gb=seed.LAB["datastores"][ds_name]["free_bytes"] // seed.GIB)

        posted = sim.control("/event", type="EventEx", entity=host, severity="error",
                             event_type_id="esx.problem.test", message="Injected error", user="CORP\\tester")
        events = {e.key: e for e in query_events(si)}
        assert events[posted["key"]].fullFormattedMessage == "Injected error"
        assert events[posted["key"]].host.name == host
        assert any(isinstance(e, vim.event.VmPoweredOffEvent) and e.vm.name == vm_name for e in events.values())

        sim.control("/alarm", entity=ds_name, alarm="Datastore usage on disk", status="red")
        ds = next(d for d in retrieve(si, vim.Datastore, ["name", "triggeredAlarmState", "overallStatus"])
                  if d["name"] == ds_name)
        assert [s.overallStatus for s in ds["triggeredAlarmState"]] == ["red"] and ds["overallStatus"] == "red"
        sim.control("/alarm", entity=ds_name, alarm="Datastore usage on disk", status="green")
        ds = next(d for d in retrieve(si, vim.Datastore, ["name", "triggeredAlarmState", "overallStatus"])
                  if d["name"] == ds_name)
        assert not ds.get("triggeredAlarmState") and ds["overallStatus"] == "green"

        with pytest.raises(RuntimeError, match="HTTP 404"):
            sim.control("/host/connection", name="no-such-host", state="connected")
        with pytest.raises(RuntimeError, match="HTTP 400"):
            sim.control("/host/connection", name=host, state="sleeping")
    finally:
        sim.control("/host/maintenance", name=host, on=False)
        sim.control("/vm/power", name=vm_name, state="poweredOn")
        Disconnect(si)


# --------------------------------------------------------------------------- tags and custom attributes


_TYPES = {"vm": vim.VirtualMachine, "host": vim.HostSystem, "datastore": vim.Datastore,
          "cluster": vim.ClusterComputeResource, "network": vim.Network}


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_custom_attributes_over_soap(sims, topology):
    """CustomFieldsManager.field defines them (type "string"); customValue holds them."""
    si = connect(sims[topology])
    try:
        content = si.RetrieveContent()
        fields = {f.key: f for f in content.customFieldsManager.field}
        assert [(f.name, f.managedObjectType._wsdlName if f.managedObjectType else None, f.type)
                for f in fields.values()] == [(n, t, str) for n, t in seed.CUSTOM_FIELDS]
        found = {}
        for kind, cls in _TYPES.items():
            for row in retrieve(si, cls, ["name", "customValue"]):
                values = {fields[v.key].name: v.value for v in row.get("customValue") or ()}
                if values:
                    found[(kind, row["name"])] = values
        assert found == seed.TOPOLOGIES[topology]["attributes"]
    finally:
        Disconnect(si)


def _rest(sim, method, path, session=None, body=None):
    request = urllib.request.Request(f"https://{sim.host}:{sim.port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    if session:
        request.add_header("vmware-api-session-id", session)
    else:
        token = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, context=ssl_context(sim), timeout=30) as answer:
        data = answer.read()
        return json.loads(data)["value"] if data else None


@pytest.mark.parametrize("topology", TOPOLOGY_NAMES)
def test_tags_over_the_rest_api(sims, topology):
    """/rest/com/vmware/cis/tagging serves the seeded catalog and associations; /api is 404."""
    sim = sims[topology]
    with pytest.raises(urllib.error.HTTPError) as missing:
        _rest(sim, "POST", "/api/session")
    assert missing.value.code == 404
    session = _rest(sim, "POST", "/rest/com/vmware/cis/session")
    try:
        categories = {i: _rest(sim, "GET", f"/rest/com/vmware/cis/tagging/category/id:{i}", session)
                      for i in _rest(sim, "GET", "/rest/com/vmware/cis/tagging/category", session)}
        assert {c["name"]: (c["cardinality"], c["associable_types"]) for c in categories.values()} == {
            n: (c["cardinality"], c["types"]) for n, c in seed.TAG_CATEGORIES.items()}
        tags = {i: _rest(sim, "GET", f"/rest/com/vmware/cis/tagging/tag/id:{i}", session)
                for i in _rest(sim, "GET", "/rest/com/vmware/cis/tagging/tag", session)}
        label = {i: f"{categories[t['category_id']]['name']}:{t['name']}" for i, t in tags.items()}
        si = connect(sim)
        try:
            objects = {(row["_obj"]._wsdlName, row["_obj"]._moId): (kind, row["name"])
                       for kind, cls in _TYPES.items() for row in retrieve(si, cls, ["name"])}
        finally:
            Disconnect(si)
        answer = _rest(sim, "POST", "/rest/com/vmware/cis/tagging/tag-association"
                                    "?~action=list-attached-tags-on-objects", session,
                       {"object_ids": [{"type": t, "id": i} for t, i in objects]})
        found = {objects[(a["object_id"]["type"], a["object_id"]["id"])]: sorted(label[t] for t in a["tag_ids"])
                 for a in answer if a.get("tag_ids")}
        assert found == {k: sorted(v) for k, v in seed.TOPOLOGIES[topology]["tags"].items()}
    finally:
        _rest(sim, "DELETE", "/rest/com/vmware/cis/session", session)


def test_control_attribute_and_tagging_switch(sims):
    sim = sims["lab"]
    si = connect(sim)
    try:
        sim.control("/attribute", entity="lab-win11-01", field="Owner", value="someone-else")
        sim.control("/attribute", entity="lab-win11-01", field="CostCentre", value="1234")
        row = next(r for r in retrieve(si, vim.VirtualMachine, ["name", "customValue"])
                   if r["name"] == "lab-win11-01")
        assert sorted((v.key, v.value) for v in row["customValue"]) == [(0, "someone-else"), (1, "1234")]
        sim.control("/attribute", entity="lab-win11-01", field="CostCentre", value="")
        sim.control("/tagging", status=503, message="down for maintenance")
        with pytest.raises(urllib.error.HTTPError) as failed:
            _rest(sim, "GET", "/rest/com/vmware/cis/tagging/category",
                  _rest(sim, "POST", "/rest/com/vmware/cis/session"))
        assert failed.value.code == 503 and b"down for maintenance" in failed.value.read()
    finally:
        sim.control("/tagging", status=0)
        sim.control("/attribute", entity="lab-win11-01", field="Owner", value="jdoe")
        Disconnect(si)


# --------------------------------------------------------------------------- large


def test_large_topology_follows_its_rules(tmp_path):
    n = 240
    with simulators.Simulator("large", "large", workdir=tmp_path, vms=n) as sim:
        si = connect(sim)
        try:
            rows = retrieve(si, vim.VirtualMachine, [
                "name", "runtime.powerState", "config.template", "guest.ipAddress", "guest.toolsStatus",
                "snapshot", "runtime.consolidationNeeded", "summary.storage", "config.hardware.numCPU"])
            assert len(rows) == n
            by_name = {r["name"]: r for r in rows}
            for i in range(n):
                spec = seed.large_vm(i)
                row = by_name[spec["name"]]
                actual = (row["runtime.powerState"], row["config.template"], row.get("guest.ipAddress"),
                          row["guest.toolsStatus"], current_snapshot_name(row.get("snapshot")),
                          row["runtime.consolidationNeeded"], row["summary.storage"].committed,
                          row["config.hardware.numCPU"])
                assert actual == (spec["power_state"], spec["template"], spec["ip_address"], spec["tools_status"],
                                  spec["current_snapshot"], spec["consolidation_needed"], spec["committed_bytes"],
                                  spec["num_cpu"]), spec["name"]
            hosts = retrieve(si, vim.HostSystem, ["name"])
            assert len(hosts) == sum(len(c["hosts"]) for c in seed.LARGE["clusters"].values())
            datastores = {d["name"]: d["summary"] for d in retrieve(si, vim.Datastore, ["name", "summary"])}
            assert {k: (v.capacity, v.freeSpace) for k, v in datastores.items()} == {
                k: (v["capacity_bytes"], v["free_bytes"]) for k, v in seed.LARGE["datastores"].items()}
        finally:
            Disconnect(si)
