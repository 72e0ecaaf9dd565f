"""The history against the govmomi vCenter simulators, on SQLite and PostgreSQL.

Record; power off, rename, reconfigure CPU and memory, destroy and clone VMs,
take a snapshot (through the vSphere API, as the test login); record again:
``changes`` lists exactly those changes with their old and new values and the
simulator's user; ``as_of`` the first recording equals the first inventory;
with one simulator stopped, a recording removes nothing of it and shows the
gap.  Each run starts simulators of its own: it changes them.
"""

from __future__ import annotations

import json
import ssl
from datetime import timedelta

import pandas as pd
import pytest
import simulators
from conftest import PASSWORD, USERNAME
from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim

from vcompanion import Companion
from vcompanion.history.tracked import TRACKED

pytestmark = pytest.mark.simulator


@pytest.fixture()
def sims(tmp_path):
    started = simulators.start_simulators(tmp_path / "vcsim", specs=(("prod", "prod"),
                                                                     ("lab", "lab")))
    yield {s.name: s for s in started}
    for sim in started:
        sim.stop()


@pytest.fixture()
def companion(sims, tmp_path, history_url):
    path = simulators.write_config(list(sims.values()), tmp_path / "config.json")
    data = json.loads(path.read_text())
    data.update(data_dir=str(tmp_path / "data"), history={"database_url": history_url})
    path.write_text(json.dumps(data))
    vc = Companion.from_config(path, username=USERNAME, password=PASSWORD)
    yield vc
    vc.close()


def _vms(si) -> dict[str, vim.VirtualMachine]:
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder,
                                                   [vim.VirtualMachine], True)
    try:
        return {vm.name: vm for vm in view.view}
    finally:
        view.Destroy()


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    columns = list(TRACKED["vms"].shown.names)
    frame = frame[columns].copy()
    frame["datastores"] = [sorted(v) for v in frame["datastores"]]
    frame["networks"] = [sorted(v) for v in frame["networks"]]
    frame["ip_addresses"] = [sorted(v) for v in frame["ip_addresses"]]
    frame["provisioned_gb"] = frame["provisioned_gb"].round(3)
    return frame.sort_values(["vcenter", "name"], key=lambda s: s.str.lower()
                             if s.dtype == "string" else s).reset_index(drop=True)


def test_record_change_record_on_the_simulators(sims, companion):
    first = companion.record()
    assert sorted((o.vcenter, o.status) for o in first.outcomes) == [
        ("lab", "baseline"), ("prod", "baseline")]
    before = companion.vms()
    prod = before[(before["vcenter"] == "prod") & ~before["is_template"].fillna(False)]
    on = prod[prod["power_state"] == "poweredOn"]["name"].tolist()
    off = prod[prod["power_state"] == "poweredOff"]["name"].tolist()
    powered, renamed, resized, snapped, cloned = on[:5]
    destroyed = off[0]

    sim = sims["prod"]
    si = SmartConnect(host=sim.host, port=sim.port, user=USERNAME, pwd=PASSWORD,
                      sslContext=ssl.create_default_context(cafile=sim.cert_path))
    try:
        vms = _vms(si)
        size = before.set_index("name").loc[resized]
        WaitForTask(vms[powered].PowerOffVM_Task())
        WaitForTask(vms[renamed].ReconfigVM_Task(vim.vm.ConfigSpec(name=f"{renamed}-new")))
        WaitForTask(vms[resized].ReconfigVM_Task(vim.vm.ConfigSpec(
            numCPUs=int(size["num_cpu"]) * 2, memoryMB=int(size["memory_mb"]) * 2)))
        WaitForTask(vms[destroyed].Destroy_Task())
        WaitForTask(vms[cloned].CloneVM_Task(folder=vms[cloned].parent, name="hist-clone-01",
                                             spec=vim.vm.CloneSpec(
                                                 location=vim.vm.RelocateSpec())))
        WaitForTask(vms[snapped].CreateSnapshot_Task(name="before-patch", memory=False,
                                                     quiesce=False))
    finally:
        Disconnect(si)
    # govmomi's simulator logs no event for a snapshot task; vCenter logs a TaskEvent.
    sim.control("/event", type="TaskEvent", entity=snapped, entity_type="VirtualMachine",
                task_description_id="VirtualMachine.createSnapshot", user=USERNAME)

    second = companion.record()
    outcome = {o.vcenter: (o.status, o.changes) for o in second.outcomes}
    assert outcome["lab"] == ("complete", 0)
    got = companion.changes(since=first.time + timedelta(microseconds=1))
    assert set(got["vcenter"]) == {"prod"} and (got["time"] == pd.Timestamp(second.time)).all()
    rows = {(r["name"], r["change"], r["property"]): (r["old"], r["new"], r["user"], r["event"])
            for r in got.astype(object).where(got.notna(), None).to_dict("records")}
    old = before.set_index("name")
    power_off = {(powered, "modified", "power_state"): ("poweredOn", "poweredOff", USERNAME,
                                                        "VmPoweredOffEvent")}
    # What the guest reports goes with the power: every other change of that VM is
    # explained by the same event.
    side = {k: v for k, v in rows.items() if k[0] == powered and k[2] != "power_state"}
    assert all(v[2:] == (USERNAME, "VmPoweredOffEvent") for v in side.values())
    assert {k[2] for k in side} <= {"ip_addresses", "tools_status", "guest_os"}
    # A snapshot changes the VM's storage as the simulator counts it: same task.
    storage = {k: v for k, v in rows.items() if k == (snapped, "modified", "provisioned_gb")}
    assert all(v[2:] == (USERNAME, "Task:VirtualMachine.createSnapshot")
               for v in storage.values())
    expected = {
        **power_off, **side, **storage,
        (f"{renamed}-new", "modified", "name"): (renamed, f"{renamed}-new", USERNAME,
                                                  "VmReconfiguredEvent"),
        (resized, "modified", "num_cpu"): (int(size["num_cpu"]), int(size["num_cpu"]) * 2,
                                           USERNAME, "VmReconfiguredEvent"),
        (resized, "modified", "memory_mb"): (int(size["memory_mb"]),
                                             int(size["memory_mb"]) * 2, USERNAME,
                                             "VmReconfiguredEvent"),
        (destroyed, "removed", None): (None, None, USERNAME, "VmRemovedEvent"),
        ("hist-clone-01", "created", None): (None, None, USERNAME, "VmClonedEvent"),
        (snapped, "modified", "snapshot_count"): (
            int(old.loc[snapped, "snapshot_count"]), int(old.loc[snapped, "snapshot_count"]) + 1,
            USERNAME, "Task:VirtualMachine.createSnapshot"),
    }
    assert rows == expected
    assert outcome["prod"] == ("complete", len(expected))

    # The inventory as of the first recording: the destroyed VM there, the clone not.
    past = companion.as_of(first.time, "vms")
    assert destroyed in set(past["name"]) and "hist-clone-01" not in set(past["name"])
    pd.testing.assert_frame_equal(_shown(past), _shown(before))
    now = companion.as_of(second.time, "vms")
    assert "hist-clone-01" in set(now["name"]) and destroyed not in set(now["name"])

    # A simulator that stops: nothing of it is removed, the gap shows.
    lab_vms = int((before["vcenter"] == "lab").sum())
    sims["lab"].stop()
    third = companion.record()
    assert {o.vcenter: o.status for o in third.outcomes} == {"prod": "complete",
                                                             "lab": "failed"}
    assert [o.vcenter for o in third.incomplete] == ["lab"]
    assert companion.changes(since=second.time + timedelta(microseconds=1)).empty
    kept = companion.as_of(third.time, "vms")
    assert int((kept["vcenter"] == "lab").sum()) == lab_vms
    gaps = companion.history.gaps(since="1d")
    assert list(gaps["vcenter"]) == ["lab"] and pd.isna(gaps["end"].iloc[0])
    assert gaps["start"].iloc[0] == pd.Timestamp(second.time)
    status = companion.history_status().set_index("vcenter")
    assert status.loc["lab", "last_status"] == "failed"
    assert status.loc["lab", "last_complete"] == pd.Timestamp(second.time)
    assert status.loc["prod", "changes"] == len(expected)
    assert (status["schema_version"] >= 1).all()
    assert not status["database"].str.contains("Hist-Passw0rd").any()  # masked
