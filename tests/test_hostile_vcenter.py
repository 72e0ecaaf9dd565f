"""A hostile vCenter, end to end: names and enumeration values planted in a
simulator through its control API (``/plant``), then read through every
table, workbook, CSV and dashboard page.

Nothing a vCenter sends may run as script in an admin's browser or as a
formula in a spreadsheet: a page that runs script sets ``window.__pwned`` or
opens a dialog; a workbook cell that is a formula has openpyxl data_type 'f'.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import subprocess
from pathlib import Path

import openpyxl
import pytest

import simulators
from conftest import PASSWORD, USERNAME
from helpers import run_cli
from test_dashboards import (CHROMIUM, CHROMIUM_ARGS, EXE, LAPTOP, PAGES, Server,
                             base_env, login, wait_page)

pytestmark = [pytest.mark.simulator]

# Original name -> hostile name.  Formulas for spreadsheets, markup for browsers.
VM_NAMES = {
    "lab-dc-01": '=HYPERLINK("http://x.example","y")',
    "lab-k8s-01": "=1+1",
    "lab-k8s-02": '<img src=x onerror="window.__pwned=1">',
    "lab-nested-esx-01": '+<svg onload="window.__pwned=2;alert(2)"></svg>',
}
HOST = "esx-lab-01.lab.example.com"
HOST_STATUS = '<img src=x onerror="window.__pwned=3;alert(3)">'
HOST_CONNECTION = '"><img src=x onerror="window.__pwned=4">'
DATASTORE = "lab-ds-01"
DATASTORE_NAME = '@<img src=x onerror="window.__pwned=5">'
DATASTORE_STATUS = "<script>window.__pwned=6</script><b onmouseover=alert(6)>x</b>"
OTHER_DATASTORE = "lab-nfs-01"
OTHER_STATUS = "red' onmouseover='window.__pwned=7"
EVENT_MESSAGE = '=cmd|"/c calc"!A1 <img src=x onerror="window.__pwned=8">'
FORMULAS = [v for v in [*VM_NAMES.values(), DATASTORE_NAME] if v[0] in "=+-@"]


def _neutral(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    """The lab simulator, then made hostile (problems and alarms first: an alarm
    recomputes the statuses)."""
    sim = simulators.Simulator("evil", "lab", workdir=tmp_path_factory.mktemp("evil"),
                               binary=simulators.build_simulator()).start()
    try:
        sim.control("/datastore/free", name=DATASTORE, pct=4)  # a critical problem
        sim.control("/alarm", entity="lab-k8s-02", alarm="Virtual machine CPU usage",
                    status="red")
        sim.control("/event", type="HostConnectionLostEvent", message=EVENT_MESSAGE,
                    entity=HOST)  # a critical event: in the events workbook
        for name, value in VM_NAMES.items():
            sim.control("/plant", name=name, entity_type="VirtualMachine",
                        property="name", value=value)
        sim.control("/plant", name=HOST, property="overallStatus", value=HOST_STATUS)
        sim.control("/plant", name=HOST, property="connectionState",
                    value=HOST_CONNECTION)
        sim.control("/plant", name=DATASTORE, entity_type="Datastore",
                    property="overallStatus", value=DATASTORE_STATUS)
        sim.control("/plant", name=DATASTORE, entity_type="Datastore", property="name",
                    value=DATASTORE_NAME)
        sim.control("/plant", name=OTHER_DATASTORE, entity_type="Datastore",
                    property="overallStatus", value=OTHER_STATUS)
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def evil_config(evil, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("evil-config")
    path = folder / "config.json"
    path.write_text(json.dumps({
        "vcenters": [{"name": "evil", "host": evil.host, "port": evil.port,
                      "ca_bundle": evil.cert_path}],
        "data_dir": str(folder / "data"), "logs_dir": str(folder / "logs"),
        "collection": {"connect_timeout_seconds": 5},
        "reports": {"schedules": [{"name": "nightly", "cron": "0 6 * * *"}]},
    }, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def evil_companion(evil_config):
    from vcompanion import Companion
    with Companion.from_config(evil_config, username=USERNAME, password=PASSWORD) as vc:
        vc.refresh()
        assert not vc.failures, vc.failures
        yield vc


# --- tables -------------------------------------------------------------------------------

def test_tables_keep_the_hostile_text_as_it_was_sent(evil_companion, caplog):
    from vcompanion.tables import schema
    for key in ("hosts.overall_status", "hosts.connection_state",
                "datastores.overall_status"):
        schema._UNEXPECTED.pop(key, None)
    with caplog.at_level(logging.WARNING, "vcompanion.tables.schema"):
        for _ in range(2):  # logged once, not at every refresh
            evil_companion.refresh()
            hosts, datastores = evil_companion.hosts(), evil_companion.datastores()
    assert set(VM_NAMES.values()) <= set(evil_companion.vms()["name"])
    assert hosts.loc[0, "overall_status"] == HOST_STATUS
    assert hosts.loc[0, "connection_state"] == HOST_CONNECTION
    by_name = dict(zip(datastores["name"], datastores["overall_status"]))
    assert by_name == {DATASTORE_NAME: DATASTORE_STATUS, OTHER_DATASTORE: OTHER_STATUS}
    logged = " ".join(r.getMessage() for r in caplog.records)
    counts = {"hosts.overall_status": 1, "hosts.connection_state": 1,
              "datastores.overall_status": 2}  # once per value
    for key, count in counts.items():
        assert logged.count(key) == count, key


# --- workbooks and CSV --------------------------------------------------------------------

def _cells(path: Path) -> list:
    book = openpyxl.load_workbook(path)
    return [c for ws in book for row in ws.iter_rows() for c in row
            if c.value is not None]


def _assert_text_never_formula(path: Path, expected: list[str]) -> None:
    cells = _cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == [], path.name
    found = {c.value for c in cells if isinstance(c.value, str)}
    for text in expected:
        assert any(text in value for value in found), (path.name, text)


def test_every_workbook_holds_vcenter_text_as_text(evil_companion, evil_config,
                                                   tmp_path, monkeypatch):
    inventory = evil_companion.report(tmp_path / "inventory.xlsx")
    _assert_text_never_formula(inventory, [*VM_NAMES.values(), DATASTORE_NAME,
                                           HOST_STATUS, DATASTORE_STATUS])
    events = evil_companion.report(tmp_path / "events.xlsx", kind="events", hours=1)
    _assert_text_never_formula(events, [EVENT_MESSAGE])
    # A scheduled export (the scheduler's job), in data_dir/reports.
    from vcompanion.jobs import reports as report_jobs
    monkeypatch.setenv("VCOMPANION_USERNAME", USERNAME)
    monkeypatch.setenv("VCOMPANION_PASSWORD", PASSWORD)
    scheduled = report_jobs.run_export(str(evil_config), "nightly")
    _assert_text_never_formula(scheduled, [*VM_NAMES.values()])
    # What the notebooks export.
    from vcompanion import write_workbook
    mine = write_workbook(tmp_path / "notebook.xlsx", {
        "VMs": evil_companion.vms(), "Events": evil_companion.events(hours=1)})
    _assert_text_never_formula(mine, [*VM_NAMES.values(), EVENT_MESSAGE])


def test_cli_csv_neutralises_formulas_unless_raw(evil_config):
    env = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}
    args = ("--config", str(evil_config), "inventory", "vms", "--format", "csv",
            "--columns", "name,power_state")
    safe = run_cli(*args, env=env)
    assert safe.returncode == 0, safe.stderr
    names = {r["name"] for r in csv.DictReader(io.StringIO(safe.stdout))}
    assert {_neutral(v) for v in VM_NAMES.values()} <= names
    assert not any(n[:1] in "=+-@" for n in names)
    raw = run_cli(*args, "--csv-raw", env=env)
    assert set(VM_NAMES.values()) <= {r["name"] for r in
                                      csv.DictReader(io.StringIO(raw.stdout))}


# --- the dashboards -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def evil_server(evil_config):
    from receivers import HttpSink
    sink = HttpSink().start()
    data = json.loads(evil_config.read_text(encoding="utf-8"))
    data["alerts"] = {"min_severity": "info", "webhooks": [
        {"name": "ops-hook", "format": "generic", "url": sink.url("/hook")}]}
    evil_config.write_text(json.dumps(data, indent=2), encoding="utf-8")
    env = base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD)
    # An alert run first: the Alerts page shows its (hostile) history.
    run = subprocess.run([str(EXE), "--config", str(evil_config), "alerts", "run"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    srv = Server([str(EXE), "--config", str(evil_config), "serve", "--port", "{port}"],
                 env, evil_config.parent, evil_config.parent / "server.out")
    yield srv
    srv.stop()
    sink.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.mark.browser
def test_no_script_from_a_vcenter_runs_on_any_page(evil_server, browser):
    ctx = browser.new_context(viewport=LAPTOP)
    dialogs: list[str] = []
    try:
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        login(page, evil_server.url)
        wait_page(page, '[data-num="vms-total"]')
        for name in [*PAGES, "search?q=*", "problems?category=datastore"]:
            page.goto(f"{evil_server.url}/{name}")
            wait_page(page, f'a.active[data-nav="{name.split("?")[0]}"]',
                      state="attached")
            page.wait_for_timeout(2500)  # tables and charts drawn
            _hover_everything(page)
            assert page.evaluate("window.__pwned") is None, name
            assert dialogs == [], name
        # The hostile status shows as the text it is, on both pages.
        page.goto(f"{evil_server.url}/hosts")
        page.wait_for_function("() => true")
        table = page.locator(".tabulator").last
        table.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        text = table.inner_text()
        assert HOST_STATUS in text and HOST_CONNECTION in text
        page.goto(f"{evil_server.url}/datastores")
        table = page.locator(".tabulator").last
        table.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        text = table.inner_text()
        assert DATASTORE_STATUS in text and DATASTORE_NAME in text
        assert page.evaluate("window.__pwned") is None and dialogs == []
    finally:
        ctx.close()


def _hover_everything(page) -> None:
    """Move the mouse over every chart and table cell in view (tooltips, onmouseover)."""
    for selector in ("canvas", ".tabulator-cell"):
        boxes = [b for b in (e.bounding_box() for e in page.locator(selector).all()[:60])
                 if b and b["width"] > 0 and b["height"] > 0]
        for box in boxes:
            for fx in (0.2, 0.5, 0.8):
                page.mouse.move(box["x"] + box["width"] * fx,
                                box["y"] + box["height"] / 2)
                if selector == "canvas":
                    page.wait_for_timeout(60)


@pytest.mark.browser
@pytest.mark.parametrize("slug", ["inventory", "problems", "alerts", "hosts",
                                  "datastores", "snapshots"])
def test_every_download_holds_the_text_never_a_formula(evil_server, browser, slug,
                                                        tmp_path):
    expected = {"inventory": list(VM_NAMES.values()), "problems": [DATASTORE_NAME],
                "alerts": [DATASTORE_NAME], "hosts": [HOST_STATUS, HOST_CONNECTION],
                "datastores": [DATASTORE_NAME, DATASTORE_STATUS],
                "snapshots": [VM_NAMES["lab-k8s-01"]]}[slug]
    ctx = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    try:
        page = ctx.new_page()
        login(page, evil_server.url, target=f"/{slug}")
        page.get_by_role("button", name="CSV").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="CSV").first.click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"),
                                           newline="")))
        cells = {c for r in rows[1:] for c in r}
        for text in expected:
            assert _neutral(text) in cells or any(_neutral(text) in c for c in cells), \
                (slug, text)
        assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for c in cells), slug
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Excel").first.click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        _assert_text_never_formula(path, expected)
    finally:
        ctx.close()


@pytest.mark.browser
def test_the_reports_page_workbook_holds_the_text_never_a_formula(evil_server, browser,
                                                                   tmp_path):
    ctx = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    try:
        page = ctx.new_page()
        login(page, evil_server.url, target="/reports")
        wait_page(page, "text=Generate workbook")
        page.get_by_role("button", name="Generate workbook").click()
        page.wait_for_selector("[data-report]", timeout=120_000)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Download workbook").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        _assert_text_never_formula(path, [*VM_NAMES.values(), DATASTORE_NAME,
                                          HOST_STATUS])
    finally:
        ctx.close()
