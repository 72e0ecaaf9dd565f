"""Differential tests of the fast decoder (vcompanion/vsphere/fast) against pyvmomi's.

The same answer bytes go through both decoders; every inventory table built
from the two results must be identical (pandas.testing.assert_frame_equal).
Answers come from the three seeded simulators, from the large model
(VCOMPANION_TEST_LARGE_VMS VMs, 500 by default), from a simulator changed
through the API (non-ASCII names, snapshot branches), and from hand-written
answers for what the simulator cannot produce (missingSet faults, paging
tokens, types newer than the session's API version, odd date formats).
"""

from __future__ import annotations

import os
import ssl
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from pyVmomi import SoapAdapter, SoapStubAdapter, vim, vmodl

import simulators
from conftest import PASSWORD, USERNAME
from vcompanion import tables
from vcompanion.vsphere import collection
from vcompanion.config import VCenterConfig
from vcompanion.vsphere.connection import VCenterConnection
from vcompanion.vsphere.inventory import alarm_refs
from vcompanion.credentials import Credentials
from vcompanion.vsphere.fast import answers, decode, paging, schema, soap, workers
from vcompanion.tables.context import Inventory

VERSION = "vim.version.version11"  # what the simulator negotiates (vSphere 6.5)
COLLECTED = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
LARGE_VMS = int(os.environ.get("VCOMPANION_TEST_LARGE_VMS", "500"))
RESULT = vmodl.query.PropertyCollector.RetrieveResult


# --- helpers ----------------------------------------------------------------------


def connect(sim) -> VCenterConnection:
    vc = VCenterConfig(sim.name, sim.host, sim.port, True, Path(sim.cert_path))
    return VCenterConnection(vc, Credentials(USERNAME, PASSWORD)).connect()


def offline_stub(version: str = VERSION):
    """A stub that never connects: pyvmomi's deserializer only needs its version."""
    return SoapStubAdapter(host="localhost", port=443, version=version,
                           sslContext=ssl.create_default_context())


def pyvmomi_decode(data: bytes, stub) -> object:
    return SoapAdapter.SoapResponseDeserializer(stub).Deserialize(data, RESULT)


def full_specs() -> dict:
    """Every path any table reads, device lists included: one answer for all tables."""
    specs = {kind: list(paths) for kind, paths in tables.inventory_specs().items()}
    for kind, paths in tables.DEVICE_SPECS.items():
        specs[kind] = sorted(set(specs.get(kind, [])) | set(paths))
    return specs


def inventory(pages: list, alarm_names: dict | None = None) -> Inventory:
    """An Inventory from decoded RetrieveResult pages, as tables.collect files them
    (a coarse ``summary`` split into leaves), with the device lists the pages hold
    as tables.collect_devices files them."""
    result = collection.Retrieved(leaves=collection.wire_specs(full_specs())[1])
    for page in pages:
        collection.absorb(types.SimpleNamespace(name="test"), page.objects, result)
    devices = {oid: props.pop("config.hardware.device")
               for oid, props in result.of("VirtualMachine").items()
               if "config.hardware.device" in props}
    return Inventory("test", result.objects, collected_at=COLLECTED,
                     alarm_names=dict(alarm_names or {}), devices=devices)


def frames(inv: Inventory) -> dict[str, pd.DataFrame]:
    return {name: tables.build(name, [inv]) for name in tables.INVENTORY}


def assert_same_tables(fast_inv: Inventory, slow_inv: Inventory) -> dict:
    fast, slow = frames(fast_inv), frames(slow_inv)
    for name in tables.INVENTORY:
        pd.testing.assert_frame_equal(fast[name], slow[name], obj=f"table {name}")
    return fast


def alarm_names(conn, inv: Inventory) -> dict:
    refs = alarm_refs(inv)
    named = collection.retrieve_objects(conn, refs, vim.alarm.Alarm, ["info.name"],
                                        collection.Stats()) if refs else {}
    return {oid: p["info.name"] for oid, p in named.items() if p.get("info.name")}


def compare_answer(conn, data: bytes) -> dict:
    """Decode ``data`` both ways; assert identical tables; return the fast frames."""
    stub = conn.si._stub
    fast = answers.retrieve_result(data, stub.version)
    slow = pyvmomi_decode(data, stub)
    assert fast.token == slow.token
    assert len(fast.objects) == len(slow.objects) > 0
    fast_inv = inventory([fast])
    names = alarm_names(conn, fast_inv)
    fast_inv.alarm_names.update(names)
    return assert_same_tables(fast_inv, inventory([slow], names))


# --- the simulators ---------------------------------------------------------------


@pytest.mark.simulator
@pytest.mark.parametrize("name", ["prod", "dr", "lab"])
def test_seeded_simulators_decode_identically(vcsims, name):
    conn = connect(vcsims[name])
    try:
        data = collection.raw_answer(conn, full_specs())
        result = compare_answer(conn, data)
        assert len(result["vms"]) > 0 and len(result["hosts"]) > 0
        assert len(result["nics"]) >= len(result["vms"]) == len(result["cdroms"])
        assert len(result["snapshots"]) > 0 or name == "lab"
    finally:
        conn.close()


@pytest.mark.simulator
def test_collect_end_to_end_fast_equals_pyvmomi(vcsims):
    """tables.collect through each decoder: requests, paging, faults, alarm names."""
    invs = {}
    for sim in vcsims.values():
        conn = connect(sim)
        try:
            for decoder in ("fast", "pyvmomi"):
                inv, stats = tables.collect(conn, decoder=decoder)
                inv.collected_at = COLLECTED
                inv.devices, _ = tables.collect_devices(conn, decoder=decoder)
                invs.setdefault(decoder, []).append(inv)
                assert stats.objects > 0
        finally:
            conn.close()
    for name in tables.INVENTORY:
        fast = tables.build(name, invs["fast"])
        pd.testing.assert_frame_equal(fast, tables.build(name, invs["pyvmomi"]),
                                      obj=f"table {name}")
        # Per-vCenter frames combined give the same table (Companion caches parts).
        parts = [tables.build(name, [inv]) for inv in invs["fast"]]
        pd.testing.assert_frame_equal(tables.combine(name, parts), fast)
    assert invs["fast"][0].alarm_names, "alarm names resolved through fast refs"
    # customValue decodes like pyvmomi's (the attributes table is equal above) and
    # its keys are named from CustomFieldsManager.field
    attributes = tables.build("attributes", invs["fast"])
    assert set(attributes["attribute"]) == {"Owner", "CostCentre", "LastBackup", "Rack"}


@pytest.fixture(scope="module")
def large_sim(tmp_path_factory):
    sim = simulators.Simulator("large", "large", vms=LARGE_VMS,
                               workdir=tmp_path_factory.mktemp("large"))
    sim.start(timeout=600)
    yield sim
    sim.stop()


@pytest.mark.simulator
def test_large_model_decodes_identically_in_process_and_in_workers(large_sim, monkeypatch):
    conn = connect(large_sim)
    try:
        data = collection.raw_answer(conn, full_specs())
        result = compare_answer(conn, data)
        assert len(result["vms"]) == LARGE_VMS == len(result["cdroms"])
        # Worker processes and many small chunks: the same objects come back.
        monkeypatch.setattr(answers, "POOL_MIN_BYTES", 0)
        monkeypatch.setattr(answers, "CHUNK_BYTES", 64 << 10)
        pool = workers.acquire(2)
        try:
            pool.start()
            assert pool.executor(wait=120) is not None
            before = answers.pooled_chunks
            pooled = answers.retrieve_result(data, conn.si._stub.version, pool)
            assert answers.pooled_chunks > before + 4
            before = answers.pooled_chunks
            streamed = answers.retrieve_result_blocks(
                blocks(data, (1 << 16, 1 << 20, 977)), conn.si._stub.version, pool)
            assert answers.pooled_chunks > before
        finally:
            workers.release()
        local = answers.retrieve_result(data, conn.si._stub.version)
        assert len(answers.decode.split(data, b"objects", 64 << 10).chunks) > 4
        assert pooled == local == streamed
        assert [type(o) for o in pooled.objects] == [type(o) for o in local.objects]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def changed_sim(tmp_path_factory):
    """A lab simulator changed through the API: non-ASCII names, snapshot branches."""
    sim = simulators.Simulator("awkward", "lab", workdir=tmp_path_factory.mktemp("awk"))
    sim.start()
    conn = connect(sim)
    try:
        content = conn.content
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.VirtualMachine], True)
        vms = [vm for vm in view.view if not vm.config.template]
        view.DestroyView()
        vm = vms[0]
        wait(vm.Rename_Task("Büro-Server ✓ 東京 & <Test> \"1\""))
        wait(vm.CreateSnapshot_Task("Wurzel ä", "root", False, False))
        wait(vm.CreateSnapshot_Task("child-1", "", False, False))
        wait(vm.RevertToCurrentSnapshot_Task())
        root = vm.snapshot.rootSnapshotList[0].snapshot
        root.RevertToSnapshot_Task()  # vcsim's task info of it upsets pyvmomi: poll
        deadline = time.monotonic() + 30
        while vm.snapshot.currentSnapshot != root and time.monotonic() < deadline:
            time.sleep(0.1)
        wait(vm.CreateSnapshot_Task("child-2 ✓", "second branch", False, False))
        wait(vm.CreateSnapshot_Task("grandchild", "", False, False))
    finally:
        conn.close()
    yield sim
    sim.stop()


def wait(task):
    from pyVim.task import WaitForTask
    WaitForTask(task)


@pytest.mark.simulator
def test_non_ascii_names_and_snapshot_trees(changed_sim):
    conn = connect(changed_sim)
    try:
        data = collection.raw_answer(conn, tables.inventory_specs())
        result = compare_answer(conn, data)
    finally:
        conn.close()
    vms = result["vms"]
    assert "Büro-Server ✓ 東京 & <Test> \"1\"" in set(vms["name"])
    snaps = result["snapshots"]
    mine = snaps[snaps["vm"] == "Büro-Server ✓ 東京 & <Test> \"1\""]
    assert set(mine["name"]) >= {"Wurzel ä", "child-1", "child-2 ✓", "grandchild"}
    assert mine.set_index("name")["depth"].to_dict()["grandchild"] == 2


@pytest.mark.simulator
def test_soap_faults_are_raised_as_pyvmomi_faults(vcsims):
    conn = connect(vcsims["lab"])
    try:
        pc = conn.content.propertyCollector
        with pytest.raises(vmodl.MethodFault) as slow:
            pc.ContinueRetrievePropertiesEx("no-such-token")
        with pytest.raises(vmodl.MethodFault) as fast:
            soap.invoke(conn.si._stub, pc, "ContinueRetrievePropertiesEx", ["no-such-token"])
        assert type(fast.value) is type(slow.value)
        assert fast.value.msg == slow.value.msg
        # A dropped session: the fast path logs in again like every call.
        conn.content.sessionManager.Logout()
        generation = conn.session_generation
        inv, _ = tables.collect(conn, decoder="fast")
        assert conn.session_generation == generation + 1
        assert inv.of("VirtualMachine")
    finally:
        conn.close()


# --- hand-written answers ---------------------------------------------------------

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n'
    '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>{token}{objects}'
    '</returnval></RetrievePropertiesExResponse>\n</soapenv:Body>\n</soapenv:Envelope>')


def answer(objects: list[str], token: str | None = None) -> bytes:
    return ENVELOPE.format(token=f"<token>{token}</token>" if token else "",
                           objects="".join(objects)).encode()


def obj(kind: str, moid: str, props: dict[str, str], missing: str = "") -> str:
    sets = "".join(f"<propSet><name>{n}</name>{v}</propSet>" for n, v in props.items())
    return f'<objects><obj type="{kind}">{moid}</obj>{sets}{missing}</objects>'


def ref(kind: str, moid: str, tag: str = "val") -> str:
    extra = ' xsi:type="ManagedObjectReference"' if tag == "val" else ""
    return f'<{tag}{extra} type="{kind}">{moid}</{tag}>'


def val(xsd: str, text: str) -> str:
    return f'<val xsi:type="{xsd}">{text}</val>'


def fault(path: str, kind: str, message: str, extra: str = "") -> str:
    return (f"<missingSet><path>{path}</path><fault><fault xsi:type=\"{kind}\">{extra}"
            f"</fault><localizedMessage>{message}</localizedMessage></fault></missingSet>")


def snapshot_tree(moid: str, name: str, created: str, children: str = "") -> str:
    return (f'<snapshot type="VirtualMachineSnapshot">{moid}</snapshot>'
            f'<vm type="VirtualMachine">vm-20</vm><name>{name}</name>'
            f"<description>{name} &amp; more</description><id>{moid[-1]}</id>"
            f"<createTime>{created}</createTime><state>poweredOff</state>"
            f"<quiesced>false</quiesced>{children}")


ALARM_STATE = (
    '<AlarmState><key>alarm-7.host-10</key><entity type="HostSystem">host-10</entity>'
    '<alarm type="Alarm">alarm-7</alarm><overallStatus>red</overallStatus>'
    "<time>2026-02-27T23:59:59.987654321Z</time><acknowledged>false</acknowledged>"
    "</AlarmState>")

DEVICES = (
    '<VirtualDevice xsi:type="VirtualCdrom"><key>3000</key><deviceInfo><label>CD/DVD 1'
    "</label><summary>ISO</summary></deviceInfo>"
    '<backing xsi:type="VirtualCdromIsoBackingInfo"><fileName>[ds] iso/x.iso</fileName>'
    "</backing><connectable><startConnected>true</startConnected><allowGuestControl>"
    "true</allowGuestControl><connected>true</connected><status>ok</status>"
    "</connectable><controllerKey>200</controllerKey><unitNumber>0</unitNumber>"
    "</VirtualDevice>"
    '<VirtualDevice xsi:type="VirtualIDEController"><key>200</key><deviceInfo>'
    "<label>IDE 0</label><summary>IDE 0</summary></deviceInfo><busNumber>0</busNumber>"
    "<device>3000</device><device>3001</device></VirtualDevice>"
    # Types newer than the session's API version (6.5) widen to VirtualDevice.
    '<VirtualDevice xsi:type="VirtualPrecisionClock"><key>19000</key><deviceInfo>'
    "<label>Precision clock</label><summary>clock</summary></deviceInfo>"
    "</VirtualDevice>"
    '<VirtualDevice xsi:type="VirtualNVDIMM"><key>20000</key></VirtualDevice>')

# Parts of a VM's summary, read whole (collection.COARSE) and split into the
# leaf paths the tables name: unset, empty and odd values.
SUMMARY_CONFIG = (
    '<val xsi:type="VirtualMachineConfigSummary"><name>Büro-Server ✓ 東京</name>'
    "<template>0</template><numCpu>4</numCpu>"
    "<annotation>Zeile 1&#10;line 2 &amp; ✓</annotation></val>")
SUMMARY_GUEST = (
    '<val xsi:type="VirtualMachineGuestSummary"><hostName></hostName>'
    "<toolsRunningStatus>guestToolsRunning</toolsRunningStatus></val>")

NICS = (
    "<GuestNicInfo><network>VM Network</network><ipAddress>10.0.0.5</ipAddress>"
    "<ipAddress>fe80::1</ipAddress><macAddress>00:50:56:aa:bb:cc</macAddress>"
    "<connected>true</connected><deviceConfigId>4000</deviceConfigId></GuestNicInfo>"
    "<GuestNicInfo><macAddress>00:50:56:aa:bb:cd</macAddress><connected>false"
    "</connected><deviceConfigId>4001</deviceConfigId></GuestNicInfo>")


def awkward_objects() -> list[str]:
    snapshots = (
        '<val xsi:type="VirtualMachineSnapshotInfo"><currentSnapshot '
        'type="VirtualMachineSnapshot">snapshot-4</currentSnapshot><rootSnapshotList>'
        + snapshot_tree("snapshot-1", "Wurzel ä", "2026-01-01T10:00:00+02:00",
                        "<childSnapshotList>"
                        + snapshot_tree("snapshot-2", "A", "2026-01-02T10:00:00.5Z",
                                        "<childSnapshotList>"
                                        + snapshot_tree("snapshot-4", "A1 ✓",
                                                        "2026-01-03T00:00:00Z")
                                        + "</childSnapshotList>")
                        + "</childSnapshotList><childSnapshotList>"
                        + snapshot_tree("snapshot-3", "B", "2026-01-02T11:00:00Z")
                        + "</childSnapshotList>")
        + "</rootSnapshotList></val>")
    return [
        obj("Folder", "group-d1", {"name": val("xsd:string", "Datacenters")}),
        obj("Datacenter", "datacenter-1", {
            "name": val("xsd:string", "DC-Ü"), "parent": ref("Folder", "group-d1"),
            "triggeredAlarmState": '<val xsi:type="ArrayOfAlarmState"></val>'}),
        obj("Folder", "group-v3", {"name": val("xsd:string", "vm"),
                                   "parent": ref("Datacenter", "datacenter-1")}),
        obj("Folder", "group-v10", {"name": val("xsd:string", "Büro &amp; Co &lt;Test&gt;"),
                                    "parent": ref("Folder", "group-v3")}),
        obj("Folder", "group-h4", {"name": val("xsd:string", "host"),
                                   "parent": ref("Datacenter", "datacenter-1")}),
        obj("ClusterComputeResource", "domain-c7", {
            "name": val("xsd:string", "Cluster-東京"), "parent": ref("Folder", "group-h4"),
            "host": '<val xsi:type="ArrayOfManagedObjectReference">'
                    + ref("HostSystem", "host-10", "ManagedObjectReference") + "</val>",
            "summary.totalCpu": val("xsd:int", "48000"),
            "summary.totalMemory": val("xsd:long", "274877906944"),
            "summary.numHosts": val("xsd:int", "1"),
            "configurationEx": '<val xsi:type="ClusterConfigInfoEx"><dasConfig><enabled>'
                               "true</enabled></dasConfig><drsConfig><enabled>1</enabled>"
                               "<defaultVmBehavior>fullyAutomated</defaultVmBehavior>"
                               "</drsConfig></val>"}),
        obj("HostSystem", "host-10", {
            "name": val("xsd:string", "esx-01.example.com"),
            "parent": ref("ClusterComputeResource", "domain-c7"),
            "runtime.connectionState": val("HostSystemConnectionState", "connected"),
            "runtime.inMaintenanceMode": val("xsd:boolean", "false"),
            "runtime.bootTime": val("xsd:dateTime", "2026-02-01T00:00:00.000000001Z"),
            "summary.hardware.numCpuCores": val("xsd:short", "24"),
            "summary.hardware.cpuMhz": val("xsd:int", "2000"),
            "summary.hardware.memorySize": val("xsd:long", "137438953472"),
            "summary.quickStats.overallCpuUsage": val("xsd:int", "12000"),
            "summary.quickStats.overallMemoryUsage": val("xsd:int", "65536"),
            "configIssue": '<val xsi:type="ArrayOfEvent"><Event xsi:type="HostNoRedundant'
                           'ManagementNetworkEvent"><key>1</key><chainId>1</chainId>'
                           "<createdTime>2026-02-01T00:00:00Z</createdTime><userName>"
                           "</userName><fullFormattedMessage> No redundancy ✓ "
                           "</fullFormattedMessage></Event></val>",
            "triggeredAlarmState": '<val xsi:type="ArrayOfAlarmState">' + ALARM_STATE
                                   + "</val>"}),
        obj("Datastore", "datastore-1", {
            "name": val("xsd:string", "ds-Ä"), "parent": ref("Folder", "group-s5"),
            "summary.capacity": val("xsd:long", "1099511627776"),
            "summary.freeSpace": val("xsd:long", "109951162777"),
            "summary.accessible": val("xsd:boolean", "true"),
            "summary.type": val("xsd:string", "VMFS")}),
        obj("DistributedVirtualPortgroup", "dvportgroup-9", {
            "name": val("xsd:string", "trunk-pg"),
            "parent": ref("Folder", "group-n6"),
            "config.defaultPortConfig": '<val xsi:type="VMwareDVSPortSetting"><vlan '
                                        'xsi:type="VmwareDistributedVirtualSwitchTrunkVlan'
                                        'Spec"><inherited>false</inherited><vlanId><start>'
                                        "100</start><end>200</end></vlanId><vlanId><start>"
                                        "300</start><end>300</end></vlanId></vlan></val>"}),
        obj("VirtualMachine", "vm-20", {
            "name": val("xsd:string", "Büro-Server ✓ 東京"),
            "parent": ref("Folder", "group-v10"),
            "summary.runtime.powerState": val("VirtualMachinePowerState", "poweredOn"),
            "summary.runtime.host": ref("HostSystem", "host-10"),
            "summary.runtime.bootTime": val("xsd:dateTime",
                                            "2026-02-28T08:00:00.123456789-05:00"),
            "summary.overallStatus": val("ManagedEntityStatus", "yellow"),
            "summary.config": SUMMARY_CONFIG,
            "summary.guest": SUMMARY_GUEST,
            "summary.storage.committed": val("xsd:long", "9223372036854775807"),
            "summary.quickStats.uptimeSeconds": val("xsd:int", "-1"),
            "guest.net": '<val xsi:type="ArrayOfGuestNicInfo">' + NICS + "</val>",
            "snapshot": snapshots,
            "datastore": '<val xsi:type="ArrayOfManagedObjectReference">'
                         + ref("Datastore", "datastore-1", "ManagedObjectReference")
                         + "</val>",
            "network": '<val xsi:type="ArrayOfManagedObjectReference"/>',
            "triggeredAlarmState": '<val xsi:type="ArrayOfAlarmState"></val>',
            "config.hardware.device": '<val xsi:type="ArrayOfVirtualDevice">' + DEVICES
                                      + "</val>"},
            fault("guest.guestState", "NoPermission", "Permission to perform this "
                  "operation was denied ✓", "<object type=\"VirtualMachine\">vm-20"
                  "</object><privilegeId>System.Read</privilegeId>")),
        obj("VirtualMachine", "vm-21", {"name": val("xsd:string", "vanished")},
            fault("summary.config", "ManagedObjectNotFound", "gone",
                  '<obj type="VirtualMachine">vm-21</obj>')),
        obj("VirtualMachine", "vm-22", {"name": val("xsd:string", "bare")}),
    ]


def test_awkward_answer_gives_identical_tables():
    data = answer(awkward_objects())
    fast = answers.retrieve_result(data, VERSION)
    slow = pyvmomi_decode(data, offline_stub())
    names = {"alarm-7": "Host CPU ✓"}
    result = assert_same_tables(inventory([fast], names), inventory([slow], names))
    vms = result["vms"].set_index("name")
    assert set(vms.index) == {"Büro-Server ✓ 東京", "bare"}  # vm-21 vanished
    assert vms.loc["Büro-Server ✓ 東京", "folder"] == "/Büro & Co <Test>"
    assert vms.loc["Büro-Server ✓ 東京", "ip_addresses"] == ["10.0.0.5", "fe80::1"]
    assert vms.loc["Büro-Server ✓ 東京", "num_cpu"] == 4
    assert vms.loc["Büro-Server ✓ 東京", "overall_status"] == "yellow"
    assert vms.loc["Büro-Server ✓ 東京", "host"] == "esx-01.example.com"
    assert vms.loc["Büro-Server ✓ 東京", "annotation"] == "Zeile 1\nline 2 & ✓"
    assert pd.isna(vms.loc["Büro-Server ✓ 東京", "guest_hostname"])  # "" is unknown
    assert pd.isna(vms.loc["bare", "power_state"])
    cdrom = result["cdroms"].set_index("vm").loc["Büro-Server ✓ 東京"]
    assert cdrom["connected"] and cdrom["backing"] == "[ds] iso/x.iso"
    assert result["cdroms"]["vm"].tolist() == ["Büro-Server ✓ 東京"]
    assert vms.loc["Büro-Server ✓ 東京", "snapshot_count"] == 4
    assert result["snapshots"]["depth"].max() == 2
    assert result["networks"].loc[0, "vlan"] == "100-200,300"
    assert result["alarms"].loc[0, "alarm"] == "Host CPU ✓"
    assert result["hosts"].loc[0, "config_issue_messages"] == ["No redundancy ✓"]


def test_awkward_objects_read_like_pyvmomi_objects():
    data = answer(awkward_objects())
    fast = {o.obj._moId: o for o in answers.retrieve_result(data, VERSION).objects}
    slow = {o.obj._moId: o for o in pyvmomi_decode(data, offline_stub()).objects}
    props = {p.name: p.val for p in fast["vm-20"].propSet}
    slow_props = {p.name: p.val for p in slow["vm-20"].propSet}
    devices, slow_devices = props["config.hardware.device"], slow_props[
        "config.hardware.device"]
    assert [d._wsdlName for d in devices] == [d._wsdlName for d in slow_devices] == [
        "VirtualCdrom", "VirtualIDEController", "VirtualDevice", "VirtualDevice"]
    assert devices[1].device == list(slow_devices[1].device) == [3000, 3001]
    assert devices[0].connectable.connected is True
    assert devices[0].unitNumber == slow_devices[0].unitNumber == 0
    assert devices[2].backing is slow_devices[2].backing is None
    assert devices[3].deviceInfo is None  # unset optional
    nic = props["guest.net"][1]
    assert nic.ipAddress == list(slow_props["guest.net"][1].ipAddress) == []
    assert nic.dnsConfig is None and nic.network is None
    for name in ("summary.runtime.bootTime", "summary.storage.committed",
                 "summary.config", "summary.guest", "summary.quickStats.uptimeSeconds"):
        if name in ("summary.config", "summary.guest"):
            for field in props[name]._fields:
                assert getattr(props[name], field) == getattr(slow_props[name], field), \
                    (name, field)
        else:
            assert props[name] == slow_props[name], name
    assert props["summary.runtime.bootTime"].microsecond == 123456
    assert props["summary.config"].annotation == "Zeile 1\nline 2 & ✓"
    missing, slow_missing = fast["vm-20"].missingSet[0], slow["vm-20"].missingSet[0]
    assert missing.fault._wsdlName == "NoPermission"
    assert isinstance(slow_missing.fault, vim.fault.NoPermission)
    assert missing.fault.msg == slow_missing.fault.msg
    assert missing.fault.privilegeId == slow_missing.fault.privilegeId == "System.Read"
    assert schema.fault_type(missing.fault) is vim.fault.NoPermission
    ref_, slow_ref = props["summary.runtime.host"], slow_props["summary.runtime.host"]
    assert (ref_._moId, ref_._wsdlName) == (slow_ref._moId, slow_ref._wsdlName)
    with pytest.raises(TypeError):
        nic.ipAddress.append("10.9.9.9")  # the shared empty list stays empty


def test_datetimes_read_like_pyvmomi():
    for text in ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00.1+02:00",
                 "2026-01-01T10:00:00.123456789Z", "2026-01-01T10:00:00-05:30",
                 "2026-01-01T24:00:00Z", "2026-01-01T10:00:00"):
        from pyVmomi import Iso8601
        assert decode.parse_datetime(text) == Iso8601.ParseISO8601(text), text


def test_paging_tokens_are_followed_and_pages_match_pyvmomi():
    objects = awkward_objects()
    # A token is opaque text: "&" travels escaped and comes back unescaped.
    pages = {None: answer(objects[:4], "tok-1"), "tok-1": answer(objects[4:8], "tok&amp;2"),
             "tok&2": answer(objects[8:])}
    asked = []

    def following(token):
        asked.append(token)
        return pages[token]

    fast_pages = list(paging.pages(lambda: pages[None], following,
                                   lambda data: answers.retrieve_result(data, VERSION)))
    assert asked == ["tok-1", "tok&2"]
    assert [p.token for p in fast_pages] == ["tok-1", "tok&2", None]
    stub = offline_stub()
    slow_pages = [pyvmomi_decode(pages[t], stub) for t in (None, "tok-1", "tok&2")]
    assert_same_tables(inventory(fast_pages), inventory(slow_pages))
    single = answers.retrieve_result(answer(objects), VERSION)
    assert_same_tables(inventory(fast_pages), inventory([single]))


def blocks(data: bytes, sizes=(1, 7, 100, 4096)):
    """``data`` in blocks of varying sizes, as a socket may deliver it."""
    at, i = 0, 0
    while at < len(data):
        size = sizes[i % len(sizes)]
        yield data[at:at + size]
        at, i = at + size, i + 1


def test_streamed_answers_decode_like_whole_ones(monkeypatch):
    """Chunks cut while the answer arrives give the whole answer's objects."""
    monkeypatch.setattr(answers, "CHUNK_BYTES", 300)
    for data in (answer(awkward_objects(), "tok&amp;1"), answer(awkward_objects()),
                 answer([]), answer(awkward_objects()[:1])):
        whole = answers.retrieve_result(data, VERSION)
        streamed = answers.retrieve_result_blocks(blocks(data), VERSION)
        assert streamed == whole
        assert [type(o) for o in streamed.objects] == [type(o) for o in whole.objects]
    assert streamed.objects and whole.token is None
    # An empty ObjectContent last, cut at the very end of the answer.
    odd = answer(awkward_objects()).replace(b"</returnval>", b"<objects></objects>"
                                            b"</returnval>", 1)
    assert answers.retrieve_result_blocks(blocks(odd), VERSION) == \
        answers.retrieve_result(odd, VERSION)
    # An <objects> element nested in an object (an unknown field, skipped by both
    # decoders) puts a cut inside it: that chunk does not decode on its own,
    # and the whole answer decodes in one piece instead.
    nested = answer(awkward_objects()).replace(
        b'<obj type="VirtualMachine">vm-22</obj>',
        b'<obj type="VirtualMachine">vm-22</obj><objects><a/></objects><objects><b/>'
        b'</objects>', 1)
    assert nested.count(b"<objects>") == answer(awkward_objects()).count(b"<objects>") + 2
    wholes = []
    finish = answers._Stream._finish
    monkeypatch.setattr(answers._Stream, "_finish",
                        lambda self: (wholes.append(self.whole), finish(self))[1])
    for sizes in ((1, 7, 100, 4096), (5000,), (64,)):
        assert answers.retrieve_result_blocks(blocks(nested, sizes), VERSION) == \
            answers.retrieve_result(nested, VERSION)
    assert any(wholes)
    # A failure while the answer arrives reaches the caller.
    def broken():
        yield data[:500]
        raise ConnectionResetError("reset by peer")
    with pytest.raises(ConnectionResetError):
        answers.retrieve_result_blocks(broken(), VERSION)


def test_small_chunks_and_layouts_decode_the_same(monkeypatch):
    data = answer(awkward_objects(), "t")
    whole = answers.retrieve_result(data, VERSION)
    monkeypatch.setattr(answers, "CHUNK_BYTES", 300)
    assert len(decode.split(data, b"objects", 300).chunks) > 5
    assert answers.retrieve_result(data, VERSION) == whole
    # Objects the splitter cannot find (prefixed tags) decode in one piece.
    prefixed = data.replace(b"<objects>", b"<v:objects xmlns:v=\"urn:vim25\">").replace(
        b"</objects>", b"</v:objects>")
    assert answers.retrieve_result(prefixed, VERSION) == whole
    empty = answer([])
    assert answers.retrieve_result(empty, VERSION).objects == []
    assert pyvmomi_decode(empty, offline_stub()).objects == []


def test_soap_fault_answer_raises_the_pyvmomi_fault():
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv='
            '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/'
            '2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>'
            "ServerFaultCode</faultcode><faultstring>The session is not authenticated."
            '</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type='
            '"NotAuthenticated"><object type="PropertyCollector">propertyCollector'
            "</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault>"
            "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>").encode()
    with pytest.raises(decode.SoapFault):
        answers.retrieve_result(body, VERSION)
    with pytest.raises(vim.fault.NotAuthenticated):
        soap.raise_fault(offline_stub(), body)


@pytest.mark.simulator
def test_companion_tables_same_with_either_decoder(sim_config, tmp_path):
    """The whole Companion (decode workers, per-vCenter parts) with each decoder."""
    import json

    from vcompanion import Companion
    from vcompanion.config import load_config
    data = json.loads(Path(sim_config).read_text())
    frames = {}
    for decoder in ("fast", "pyvmomi"):
        data["collection"] = {"decoder": decoder}
        path = tmp_path / f"{decoder}.json"
        path.write_text(json.dumps(data))
        with Companion(load_config(path), USERNAME, PASSWORD) as vc:
            for inv in vc.inventories():
                inv.collected_at = COLLECTED  # ages are relative to it
            assert not vc.failures
            frames[decoder] = {name: vc.table(name) for name in tables.INVENTORY}
    for name in tables.INVENTORY:
        pd.testing.assert_frame_equal(frames["fast"][name], frames["pyvmomi"][name],
                                      obj=f"table {name}")
    assert frames["fast"]["vms"]["vcenter"].nunique() == 3
