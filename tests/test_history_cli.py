"""``vcompanion history ...`` and the history workbooks of ``vcompanion report``
against simulators of their own (the test changes them), on SQLite.

Record; power a VM off and rename another through the vSphere API; record
again: ``history changes`` lists exactly those changes, with the simulator's
user, in table, csv and json, filtered by kind, vCenter, change and object;
``as-of`` the first recording gives the first inventory; ``forecast``,
``status`` and ``purge`` answer; ``report --kind changes`` and ``--as-of``
write their workbooks from the history alone; with one simulator stopped,
``history record`` records the other and exits 4 naming it.
"""

from __future__ import annotations

import csv
import io
import json
import ssl

import openpyxl
import pytest
import simulators
from conftest import PASSWORD, USERNAME
from helpers import run_cli
from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim

pytestmark = pytest.mark.simulator
CREDS = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}


@pytest.fixture()
def sims(tmp_path):
    started = simulators.start_simulators(tmp_path / "vcsim", specs=(("prod", "prod"),
                                                                     ("lab", "lab")))
    yield {s.name: s for s in started}
    for sim in started:
        sim.stop()


@pytest.fixture()
def config(sims, tmp_path):
    path = simulators.write_config(list(sims.values()), tmp_path / "config.json")
    data = json.loads(path.read_text())
    data.update(data_dir=str(tmp_path / "data"), logs_dir=str(tmp_path / "logs"))
    path.write_text(json.dumps(data))
    return path


def cli(config, *args):
    return run_cli("--config", str(config), *args, env=CREDS)


def ok(result, code: int = 0):
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def change_vms(sim, power_off: str, rename: str) -> None:
    si = SmartConnect(host=sim.host, port=sim.port, user=USERNAME, pwd=PASSWORD,
                      sslContext=ssl.create_default_context(cafile=sim.cert_path))
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder,
                                                       [vim.VirtualMachine], True)
        vms = {vm.name: vm for vm in view.view}
        view.Destroy()
        WaitForTask(vms[power_off].PowerOffVM_Task())
        WaitForTask(vms[rename].ReconfigVM_Task(vim.vm.ConfigSpec(name=f"{rename}-new")))
    finally:
        Disconnect(si)


def test_history_commands_on_the_simulators(sims, config, tmp_path):
    # A first recording: every vCenter's baseline.
    first = json.loads(ok(cli(config, "history", "record", "--format", "json")).stdout)
    assert sorted((r["vcenter"], r["status"]) for r in first) == [
        ("lab", "baseline"), ("prod", "baseline")]
    assert all(r["objects"] > 0 and r["changes"] == 0 for r in first)
    first_time = first[0]["time"]
    vms = json.loads(ok(cli(config, "inventory", "vms", "--vcenter", "prod", "--format",
                            "json")).stdout)
    on = [v for v in vms if v["power_state"] == "poweredOn" and not v["is_template"]]
    powered, renamed = on[0], on[1]

    change_vms(sims["prod"], powered["name"], renamed["name"])
    table = ok(cli(config, "history", "record"))
    assert "prod" in table.stdout and "complete" in table.stdout
    assert "change(s)" in table.stderr

    # The changes, in every format.
    since = ["--since", first_time]
    got = json.loads(ok(cli(config, "history", "changes", *since, "--format",
                            "json")).stdout)
    assert {r["vcenter"] for r in got} == {"prod"}
    keyed = {(r["moid"], r["property"]): r for r in got}
    power = keyed[(powered["moid"], "power_state")]
    assert (power["old"], power["new"], power["user"], power["event"]) == (
        "poweredOn", "poweredOff", USERNAME, "VmPoweredOffEvent")
    name = keyed[(renamed["moid"], "name")]
    assert (name["old"], name["new"], name["user"]) == (
        renamed["name"], f"{renamed['name']}-new", USERNAME)
    assert set(got[0]) >= {"time", "vcenter", "kind", "name", "moid", "change", "property",
                           "old", "new", "user", "event", "event_time"}

    rows = list(csv.DictReader(io.StringIO(ok(cli(
        config, "history", "changes", *since, "--format", "csv")).stdout)))
    assert len(rows) == len(got)
    assert {(r["moid"], r["property"], r["old"], r["new"]) for r in rows} >= {
        (powered["moid"], "power_state", "poweredOn", "poweredOff"),
        (renamed["moid"], "name", renamed["name"], f"{renamed['name']}-new")}

    text = ok(cli(config, "history", "changes", *since)).stdout
    head = text.splitlines()[0].split()
    assert head == ["time", "vcenter", "kind", "name", "change", "property", "old", "new",
                    "user", "event"]
    assert f"{renamed['name']}-new" in text and "VmPoweredOffEvent" in text

    # Filters: kind, vCenter, change type, one object.
    assert json.loads(ok(cli(config, "history", "changes", *since, "--kind", "host",
                             "--format", "json")).stdout) == []
    assert json.loads(ok(cli(config, "history", "changes", *since, "--vcenter", "lab",
                             "--format", "json")).stdout) == []
    assert json.loads(ok(cli(config, "history", "changes", *since, "--change", "created",
                             "--format", "json")).stdout) == []
    mine = json.loads(ok(cli(config, "history", "changes", "--since", "1d", "--vcenter",
                             "prod", "--moid", renamed["moid"], "--format",
                             "json")).stdout)
    assert [r["property"] for r in mine] == ["name"]
    # Usage errors: exit 2, one line.
    for bad in (["--since", "yesterday"], ["--vcenter", "nope"], ["--moid", "vm-1"]):
        result = ok(cli(config, "history", "changes", *bad), 2)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr

    # The inventory as of the first recording: the old name, powered on.
    past = json.loads(ok(cli(config, "history", "as-of", first_time, "vms", "--vcenter",
                             "prod", "--format", "json")).stdout)
    assert len(past) == len(vms)
    by_moid = {r["moid"]: r for r in past}
    assert by_moid[renamed["moid"]]["name"] == renamed["name"]
    assert by_moid[powered["moid"]]["power_state"] == "poweredOn"
    assert "esx" in ok(cli(config, "history", "as-of", "0m", "hosts")).stdout

    # Forecasts (a few minutes of data: not enough days), status and purge.
    forecasts = json.loads(ok(cli(config, "history", "forecast", "--format",
                                  "json")).stdout)
    assert forecasts and {r["kind"] for r in forecasts} == {"datastore", "cluster"}
    assert {r["status"] for r in forecasts} <= {"insufficient data", "stable", "growing"}
    assert json.loads(ok(cli(config, "history", "forecast", "--within", "30",
                             "--format", "json")).stdout) == []
    status = json.loads(ok(cli(config, "history", "status", "--format", "json")).stdout)
    assert {r["vcenter"]: r["last_status"] for r in status} == {"prod": "complete",
                                                                 "lab": "complete"}
    assert {r["vcenter"]: r["changes"] for r in status}["prod"] == len(got)
    assert "history.sqlite" in status[0]["database"]
    assert "database: sqlite:///" in ok(cli(config, "history", "status")).stdout
    purged = json.loads(ok(cli(config, "history", "purge", "--format", "json")).stdout)
    assert {r["table"] for r in purged} and all(r["deleted"] == 0 for r in purged)

    # Workbooks from the history alone.
    out = tmp_path / "changes.xlsx"
    ok(cli(config, "report", "--kind", "changes", "--hours", "1", "--out", str(out)))
    sheet = openpyxl.load_workbook(out, read_only=True)["Changes"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert f"{renamed['name']}-new" in cells and USERNAME in cells
    out = tmp_path / "asof.xlsx"
    ok(cli(config, "report", "--as-of", first_time, "--out", str(out)))
    info = openpyxl.load_workbook(out, read_only=True)["vInfo"]
    names = [row[0] for row in info.iter_rows(min_row=2, values_only=True)]
    assert renamed["name"] in names and f"{renamed['name']}-new" not in names
    ok(cli(config, "report", "--kind", "events", "--as-of", "1d"), 2)

    # One simulator stopped: the other is recorded, exit 4 names the stopped one.
    sims["lab"].stop()
    result = ok(cli(config, "history", "record", "--format", "json"), 4)
    outcome = {r["vcenter"]: r["status"] for r in json.loads(result.stdout)}
    assert outcome == {"prod": "complete", "lab": "failed"}
    assert f"vCenter 'lab' (127.0.0.1:{sims['lab'].port}" in result.stderr
    gaps = ok(cli(config, "history", "changes", "--since", "1h"))
    assert "no data for lab from" in gaps.stderr and "until now" in gaps.stderr
