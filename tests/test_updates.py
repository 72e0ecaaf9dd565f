"""Live updates (vcompanion/vsphere/live.py): WaitForUpdatesEx keeps the tables current.

A simulator of our own (its state changes) and a live Companion over it;
changes made through the simulator's API and control API must show in the
tables, only the affected tables are rebuilt, a lost session resyncs, and
the update logic handles what the simulator never sends (truncated sets,
vanished objects) with hand-written UpdateSets.
"""

from __future__ import annotations

import time

import pytest
from pyVmomi import vim

import simulators
from conftest import PASSWORD, USERNAME
from vcompanion import Companion, tables
from vcompanion.vsphere import live as updates
from vcompanion.vsphere.fast import answers

VERSION = "vim.version.version11"


def until(check, timeout=30.0, step=0.05):
    """Poll ``check()`` until it returns a true value; return it (or fail)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(step)


@pytest.fixture(scope="module")
def live_sim(tmp_path_factory):
    sim = simulators.Simulator("live", "lab", workdir=tmp_path_factory.mktemp("live"))
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture()
def live(live_sim, tmp_path):
    config = simulators.write_config([live_sim], tmp_path / "config.json")
    vc = Companion.from_config(config, username=USERNAME, password=PASSWORD, live=True)
    vc.vms()
    assert not vc.failures, vc.failures
    yield vc
    vc.close()


def power(vc, sim, name, state):
    sim.control("/vm/power", name=name, state=state)
    def row():
        found = vc.vms().set_index("name").loc[name].to_dict()
        return found if found["power_state"] == state else None
    return until(row)


@pytest.mark.simulator
def test_power_changes_show_and_only_affected_tables_are_rebuilt(live, live_sim):
    vms = live.vms()
    name = vms[vms["power_state"] == "poweredOn"]["name"].iloc[0]
    live.datastores()
    datastores_part = live._cache._parts[("datastores", "live")][1]
    updater = live.sources["live"].live
    assert updater.running and updater.syncs == 1
    before = updater.updates
    power(live, live_sim, name, "poweredOff")
    assert updater.updates > before
    # The VM's row changed; the datastores table (no VM properties) was kept.
    live.datastores()
    assert live._cache._parts[("datastores", "live")][1] is datastores_part
    row = power(live, live_sim, name, "poweredOn")
    assert row["boot_time"] is not None


@pytest.mark.simulator
def test_datastore_free_space_and_renames_follow(live, live_sim):
    ds = live.datastores().iloc[0]
    half = round(ds["capacity_bytes"] / 2 / 1024 ** 3, 1)
    live_sim.control("/datastore/free", name=ds["name"], gb=half)
    until(lambda: abs(live.datastores().set_index("name").loc[ds["name"], "free_bytes"]
                      - half * 1024 ** 3) < 1024 ** 2)
    # A rename through the API (a structural change: every table may show it).
    conn = live._states["live"].connection
    view = conn.content.viewManager.CreateContainerView(
        conn.content.rootFolder, [vim.VirtualMachine], True)
    vm = view.view[0]
    view.DestroyView()
    old = vm.name
    vm.Rename_Task("renamed-✓-東京")
    until(lambda: "renamed-✓-東京" in set(live.vms()["name"]))
    assert old not in set(live.vms()["name"])
    vm.Rename_Task(old)
    until(lambda: old in set(live.vms()["name"]))


@pytest.mark.simulator
def test_lost_session_resyncs_from_scratch(live, live_sim):
    updater = live.sources["live"].live
    conn = live._states["live"].connection
    generation = conn.session_generation
    conn.content.sessionManager.Logout()  # vCenter drops the session
    vms = live.vms()
    name = vms[vms["power_state"] == "poweredOn"]["name"].iloc[-1]
    live_sim.control("/vm/power", name=name, state="poweredOff")
    until(lambda: updater.syncs >= 2, timeout=60)
    assert conn.session_generation > generation
    until(lambda: live.vms().set_index("name").loc[name, "power_state"] == "poweredOff")
    power(live, live_sim, name, "poweredOn")


@pytest.mark.simulator
def test_live_device_tables_follow_changes_and_reread_by_age(live, live_sim):
    """Device lists stay out of the live filter: the device tables follow VM
    changes at once and re-read the lists themselves after live_reread_minutes."""
    state = live._states["live"]
    nics = live.nics()
    assert len(nics) and state.devices is not None
    devices = state.devices
    name = nics[nics["power_state"] == "poweredOn"]["vm"].iloc[0]
    live_sim.control("/vm/power", name=name, state="poweredOff")
    until(lambda: set(live.nics().set_index("vm").loc[[name], "power_state"])
          == {"poweredOff"})
    assert state.devices is devices  # not read again for a power change
    live.refresh()  # a dashboard refresh in live mode does not re-read them either
    live.nics()
    assert state.devices is devices
    state.devices_read -= live.config.get("collection.live_reread_minutes") * 60 + 1
    again = live.nics()
    assert state.devices is not devices  # due by age: read again
    assert sorted(again["mac_address"]) == sorted(nics["mac_address"])
    power(live, live_sim, name, "poweredOn")


@pytest.mark.simulator
def test_custom_attribute_changes_arrive_live_and_tags_reread_by_age(live, live_sim):
    """customValue is in the live filter like any other property; a field never
    seen before is named at once; tags (another API) are re-read by age."""
    attributes = live.attributes()
    assert ("lab-win11-01", "Owner", "jdoe") in set(zip(attributes["name"],
                                                        attributes["attribute"],
                                                        attributes["value"]))
    live_sim.control("/attribute", entity="lab-win11-01", field="LastBackup",
                     value="2024-06-03 04:00")
    try:
        row = until(lambda: next((r for r in live.vms().to_dict("records")
                                  if r["name"] == "lab-win11-01"
                                  and len(r["attributes"]) == 2), None))
        assert row["attributes"] == ["LastBackup=2024-06-03 04:00", "Owner=jdoe"]
        assert ("lab-win11-01", "LastBackup") in set(zip(live.attributes()["name"],
                                                         live.attributes()["attribute"]))
    finally:
        live_sim.control("/attribute", entity="lab-win11-01", field="LastBackup", value="")
    state = live._states["live"]
    live.tags()
    tags = state.tags
    assert tags is not None and not tags.error and tags.attached
    live.refresh()  # live mode: not read again for a refresh...
    live.tags()
    assert state.tags is tags
    assert "lab-win11-01" not in set(live.search("tag:App:Mail")["name"])
    mail = next(t.id for t in tags.tags.values() if t.name == "Mail")
    vm = live.vms().set_index("name").loc["lab-win11-01", "moid"]
    attach = f"/rest/com/vmware/cis/tagging/tag-association/id:{mail}?~action="
    rest_call(live_sim, attach + "attach", {"object_id": {"type": "VirtualMachine", "id": vm}})
    try:
        state.tags_read -= live.config.get("collection.live_reread_minutes") * 60 + 1
        again = live.tags()  # ...but when older than live_reread_minutes
        assert state.tags is not tags and len(again) == sum(
            len(t) for t in simulators.load_seed().LAB["tags"].values()) + 1
        # and the search index sees the new tags
        assert "lab-win11-01" in set(live.search("tag:App:Mail")["name"])
    finally:
        rest_call(live_sim, attach + "detach",
                  {"object_id": {"type": "VirtualMachine", "id": vm}})


def rest_call(sim, path: str, body=None):
    """One call of the simulator's REST API, in a session of its own."""
    import base64
    import json
    import ssl
    import urllib.request
    context = ssl.create_default_context(cafile=sim.cert_path)

    def send(method, url, headers, data=None):
        request = urllib.request.Request(f"https://{sim.host}:{sim.port}{url}", method=method,
                                         data=data, headers=headers)
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            return answer.read()

    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    session = json.loads(send("POST", "/rest/com/vmware/cis/session",
                              {"Authorization": f"Basic {basic}"}))["value"]
    headers = {"vmware-api-session-id": session}
    try:
        send("POST", path, headers, json.dumps(body).encode() if body is not None else None)
    finally:
        send("DELETE", "/rest/com/vmware/cis/session", headers)


@pytest.mark.simulator
def test_stop_and_start_live(live, live_sim):
    updater = live.sources["live"].live
    live.stop_live()
    assert not updater.running and not live.live
    frame = live.vms()
    assert len(frame)  # the last state stays
    live.start_live()
    assert live.live and live.sources["live"].live.running


@pytest.mark.simulator
def test_unnotified_properties_are_reread(live_sim):
    """A value vCenter never notified (made stale here) is corrected by the re-read."""
    from test_fastdecode import connect
    conn = connect(live_sim)
    live = updates.LiveInventory(conn, tables.inventory_specs(), max_wait=1,
                                 reread_seconds=0.5).start()
    try:
        inv = live.wait_ready(60)
        oid, props = next(iter(inv.of("VirtualMachine").items()))
        truth = props["summary.overallStatus"]
        applier = live._applier
        objects = dict(applier.objects)
        objects["VirtualMachine"] = {**objects["VirtualMachine"],
                                     oid: {**props, "summary.overallStatus": "stale"}}
        applier.objects = objects
        rereads = live.rereads
        until(lambda: live.rereads > rereads
              and live.inventory.of("VirtualMachine")[oid]["summary.overallStatus"] == truth)
        assert inv.of("VirtualMachine")[oid]["summary.overallStatus"] == truth  # never touched
    finally:
        live.stop()
        conn.close()
    assert not live.running


# --- the update logic on hand-written UpdateSets ------------------------------------

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv='
    '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/'
    'XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
    '<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>{version}</version>'
    '<filterSet><filter type="PropertyFilter">filter-1</filter>{objects}</filterSet>'
    "<truncated>{truncated}</truncated></returnval></WaitForUpdatesExResponse>"
    "</soapenv:Body></soapenv:Envelope>")


def update_set(version, objects, truncated=False):
    data = ENVELOPE.format(version=version, objects="".join(objects),
                           truncated=str(truncated).lower()).encode()
    return answers.update_set(data, VERSION)


def change(kind, moid, op_kind, changes=(), missing=""):
    sets = "".join(
        f"<changeSet><name>{n}</name><op>{op}</op>"
        + (f'<val xsi:type="{t}">{v}</val>' if t else "") + "</changeSet>"
        for n, op, t, v in changes)
    return (f'<objectSet><kind>{op_kind}</kind><obj type="{kind}">{moid}</obj>{sets}'
            f"{missing}</objectSet>")


def vm(moid, name, state="poweredOn"):
    return change("VirtualMachine", moid, "enter", [
        ("name", "assign", "xsd:string", name),
        ("runtime.powerState", "assign", "VirtualMachinePowerState", state),
        ("summary.config.numCpu", "assign", "xsd:int", "2")])


def test_truncated_sets_are_published_only_when_complete():
    applier = updates.Applier("test")
    assert applier.feed(update_set("1", [vm("vm-1", "a")], truncated=True)) is None
    assert applier.syncing
    assert applier.feed(update_set("2", [vm("vm-2", "b")])) == {updates.EVERYTHING}
    assert not applier.syncing
    published = applier.objects
    first = published["VirtualMachine"]["vm-1"]
    # A modify batch in two truncated parts: nothing until the last part.
    part1 = change("VirtualMachine", "vm-1", "modify",
                   [("runtime.powerState", "assign", "VirtualMachinePowerState",
                     "poweredOff")])
    part2 = change("VirtualMachine", "vm-2", "modify",
                   [("summary.config.numCpu", "remove", None, None)])
    assert applier.feed(update_set("3", [part1], truncated=True)) is None
    assert applier.feed(update_set("4", [part2])) == {"VirtualMachine"}
    objs = applier.objects["VirtualMachine"]
    assert objs["vm-1"]["runtime.powerState"] == "poweredOff"
    assert "summary.config.numCpu" not in objs["vm-2"]
    # What was published before is never changed afterwards (copy on write).
    assert first["runtime.powerState"] == "poweredOn"
    assert published["VirtualMachine"]["vm-2"]["summary.config.numCpu"] == 2


def test_enter_leave_unset_and_vanished_objects():
    applier = updates.Applier("test")
    applier.feed(update_set("1", [vm("vm-1", "a"), vm("vm-2", "b"), vm("vm-3", "c")]))
    gone = ('<missingSet><path>name</path><fault><fault xsi:type="ManagedObjectNotFound">'
            '<obj type="VirtualMachine">vm-3</obj></fault><localizedMessage>gone'
            "</localizedMessage></fault></missingSet>")
    kinds = applier.feed(update_set("2", [
        change("VirtualMachine", "vm-1", "leave"),
        change("VirtualMachine", "vm-2", "modify",
               [("runtime.powerState", "assign", None, None),
                ("summary.config.numCpu", "indirectRemove", None, None),
                ("name", "assign", "xsd:string", "b-renamed ✓")]),
        change("VirtualMachine", "vm-3", "modify", [], gone),
        vm("vm-4", "d")]))
    assert kinds == {updates.EVERYTHING, "VirtualMachine"}
    objs = applier.objects["VirtualMachine"]
    assert set(objs) == {"vm-2", "vm-4"}
    assert objs["vm-2"] == {"name": "b-renamed ✓", "_ref": objs["vm-2"]["_ref"]}
    assert objs["vm-2"]["_ref"]._moId == "vm-2"
    # A change of a property no table reads the name of still reports its kind.
    kinds = applier.feed(update_set("3", [change(
        "VirtualMachine", "vm-4", "modify",
        [("runtime.powerState", "assign", "VirtualMachinePowerState", "suspended")])]))
    assert kinds == {"VirtualMachine"}
    assert applier.feed(update_set("4", [])) is None  # nothing changed


def test_a_summary_part_read_whole_is_split_into_the_leaves_tables_read():
    """``summary.config`` travels whole; a change inside it (vCenter reports those
    with the deeper path) lands on exactly the leaves the tables name."""
    from vcompanion.vsphere import collection
    wire, leaves = collection.wire_specs(tables.inventory_specs())
    vm_paths = wire[vim.VirtualMachine]
    assert {"summary.config", "summary.guest"} <= set(vm_paths)
    assert not any(p.startswith(("summary.config.", "summary.guest.")) for p in vm_paths)
    assert "summary" not in vm_paths and "summary.runtime.powerState" in vm_paths
    applier = updates.Applier("test", leaves)
    config = ('<val xsi:type="VirtualMachineConfigSummary"><name>a</name><template>false'
              "</template><numCpu>4</numCpu><memorySizeMB>2048</memorySizeMB></val>")
    enter = change("VirtualMachine", "vm-1", "enter", [
        ("name", "assign", "xsd:string", "a"),
        ("summary.runtime.powerState", "assign", "VirtualMachinePowerState",
         "poweredOn")]).replace(
        "</changeSet>", "</changeSet><changeSet><name>summary.config</name><op>assign"
        "</op>" + config + "</changeSet>", 1)
    applier.feed(update_set("1", [enter]))
    props = applier.objects["VirtualMachine"]["vm-1"]
    assert "summary.config" not in props
    assert props["summary.config.numCpu"] == 4
    assert props["summary.config.memorySizeMB"] == 2048
    assert props["summary.config.template"] is False
    assert props["summary.runtime.powerState"] == "poweredOn"
    assert "summary.config.annotation" not in props  # unset in the value: no leaf
    assert "summary.config.name" not in props  # no table asked for it
    applier.feed(update_set("2", [change("VirtualMachine", "vm-1", "modify", [
        ("summary.config.numCpu", "assign", "xsd:int", "8"),
        ("summary.config.memorySizeMB", "remove", None, None),
        ("summary.guest", "assign", "VirtualMachineGuestSummary",
         "<toolsStatus>toolsOk</toolsStatus>")])]))
    props = applier.objects["VirtualMachine"]["vm-1"]
    assert props["summary.config.numCpu"] == 8
    assert "summary.config.memorySizeMB" not in props
    assert props["summary.config.template"] is False  # untouched
    assert props["summary.guest.toolsStatus"] == "toolsOk"
    applier.feed(update_set("3", [change("VirtualMachine", "vm-1", "modify", [
        ("summary.config", "assign", "VirtualMachineConfigSummary",
         "<numCpu>2</numCpu>")])]))
    props = applier.objects["VirtualMachine"]["vm-1"]
    assert props["summary.config.numCpu"] == 2
    assert "summary.config.template" not in props or props["summary.config.template"] \
        is False  # a required boolean reads False when unset, as in pyvmomi


def test_tables_record_the_types_they_read():
    from vcompanion.demo import generate
    from vcompanion.tables.context import Inventory
    source = next(iter(generate().inventories.values()))
    kinds = tables.kinds_read(Inventory("demo", source.objects,
                                          alarm_names=source.alarm_names))
    assert "VirtualMachine" in kinds["vms"] and "VirtualMachine" in kinds["snapshots"]
    assert "HostSystem" in kinds["clusters"]  # it sums its hosts' usage
    assert "Datastore" in kinds["datastores"]
    assert "VirtualMachine" not in kinds["datastores"] | kinds["hosts"]
    assert updates.EVERYTHING in kinds["alarms"]  # every type has triggered alarms
