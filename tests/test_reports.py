"""Excel reports: the inventory and critical-events workbooks, scheduled exports.

Workbooks are built from the three seeded simulators and read back with
openpyxl and with a real client, LibreOffice (headless conversion).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import simulators
from helpers import run_cli, write_json
from vcompanion.config import load_config
from vcompanion.errors import ConfigError
from vcompanion.reports import events as events_report
from vcompanion.jobs import reports as report_jobs
from vcompanion.reports import framebook, inventory, layout, schedule, sheetdata, writer

SEED = simulators.load_seed()
MIB = 1024 ** 2
DATA_SHEETS = [s.name for s in layout.INVENTORY_SHEETS]

pytestmark = pytest.mark.simulator


def rows_of(ws) -> list[dict]:
    """A sheet's rows as dicts keyed by header (openpyxl's own reader)."""
    rows = ws.iter_rows(values_only=True)
    headers = next(rows)
    return [dict(zip(headers, r)) for r in rows if any(v is not None for v in r)]


def header_of(ws) -> list[str]:
    return [c.value for c in next(ws.iter_rows(max_row=1))]


@pytest.fixture(scope="module")
def inventory_book(companion, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "inventory.xlsx"
    assert companion.report(path) == path
    return path


@pytest.fixture(scope="module")
def book(inventory_book):
    return openpyxl.load_workbook(inventory_book)


@pytest.fixture(scope="module")
def events_book(companion, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "events.xlsx"
    return companion.report(path, kind="events", hours=24)


# --- the inventory workbook ---------------------------------------------------------------

@pytest.fixture(scope="module")
def written(companion) -> dict[str, layout.Sheet]:
    """The data sheets as the workbook writes them (custom attribute columns added)."""
    return {s.name: s for s in inventory.InventoryData.from_companion(companion).sheets()}


def test_sheets_in_the_fixed_order(book):
    assert book.sheetnames == ["Summary", "vInfo", "vHost", "vCluster", "vDatastore",
                               "vSnapshot", "vDisk", "vNetwork", "vCD", "vPortgroup",
                               "vTags", "vAlarms", "vPerformance", "vHealth", "vSource"]


def test_vperformance_holds_every_vm_and_host_with_the_windows_figures(book, companion):
    rows = rows_of(book["vPerformance"])
    seed = simulators.load_seed()
    vms = {(t, name) for t, topo in seed.TOPOLOGIES.items()
           for name, vm in topo["vms"].items() if not vm["template"]}
    hosts = {(t, name) for t, topo in seed.TOPOLOGIES.items() for name in topo["hosts"]}
    assert {(r["VI SDK Server"], r["Name"]) for r in rows if r["Type"] == "VM"} == vms
    assert {(r["VI SDK Server"], r["Name"]) for r in rows if r["Type"] == "Host"} == hosts
    by_name = {(r["Type"], r["Name"]): r for r in rows}
    db = by_name[("VM", "db-01")]
    assert db["CPU ready %"] == pytest.approx(24.0) and db["CPU ready % max"] == 25.0
    assert db["CPUs"] == 8 and db["Interval seconds"] == 20 and db["Samples"] == 180
    assert by_name[("VM", "mail-01")]["Mem balloon MiB"] == 512
    b01 = by_name[("Host", "esx-prod-b01.corp.example.com")]
    assert b01["CPU usage %"] == 95 and b01["Mem balloon MiB"] == 1024
    assert b01["CPU ready %"] in (None, "")  # hosts have no such figure
    assert by_name[("VM", "db-03")]["Missing"] == "powered off"
    summary = [[c.value for c in row] for row in book["Summary"].iter_rows()]
    assert ["Performance", "vPerformance: averages and maxima of the last 1h, on each "
            "vCenter's clock"] in [row[:2] for row in summary]


def test_vnetwork_and_vcd_hold_every_adapter_and_drive(book, companion):
    seed = simulators.load_seed()
    nics = rows_of(book["vNetwork"])
    expected = {(t, vm["name"], n["mac"], n["network"]) for t, topo in seed.TOPOLOGIES.items()
                for vm in topo["vms"].values() for n in vm["nics"]}
    assert {(r["VI SDK Server"], r["VM"], r["Mac Address"], r["Network"])
            for r in nics} == expected
    drives = rows_of(book["vCD"])
    connected = {(t, vm["name"]) for t, topo in seed.TOPOLOGIES.items()
                 for vm in topo["vms"].values() if vm["cdrom_connected"]}
    assert {(r["VI SDK Server"], r["VM"]) for r in drives
            if r["Connected"] == "True"} == connected
    assert len(drives) == len(companion.cdroms())


def test_rvtools_headers_and_vi_sdk_server_on_every_sheet(book, written):
    for sheet in layout.INVENTORY_SHEETS:
        assert header_of(book[sheet.name]) == written[sheet.name].headers, sheet.name
        assert "VI SDK Server" in sheet.headers, sheet.name
    expected = {
        "vInfo": ["VM", "Powerstate", "Template", "DNS Name", "CPUs", "Memory",
                  "Primary IP Address", "Provisioned MiB", "In Use MiB", "Host",
                  "Cluster", "Datacenter", "Folder", "VM UUID", "Annotation",
                  "OS according to the configuration file"],
        "vHost": ["Host", "in Maintenance Mode", "CPU Model", "# CPU", "# Cores",
                  "# Memory", "ESX Version", "Vendor", "Model", "# VMs"],
        "vDatastore": ["Name", "Type", "Capacity MiB", "In Use MiB", "Free MiB", "Free %",
                       "Provisioned MiB", "# Hosts", "Accessible"],
        "vSnapshot": ["VM", "Name", "Description", "Date / time", "Quiesced",
                      "Size MiB (total)"],
        "vDisk": ["VM", "Powerstate", "Disk", "Capacity MiB", "Thin", "Eagerly Scrub",
                  "Disk Mode", "Sharing mode", "Raw", "Path", "Controller", "Unit #",
                  "Disk Key", "Template"],
    }
    for name, headers in expected.items():
        missing = set(headers) - set(header_of(book[name]))
        assert not missing, (name, missing)
    # RVTools puts the source vCenter last.
    for name in DATA_SHEETS[:-1]:
        assert header_of(book[name])[-1] == "VI SDK Server"


def test_one_vinfo_row_per_vm_with_its_vcenter(book):
    rows = rows_of(book["vInfo"])
    got = sorted((r["VI SDK Server"], r["VM"]) for r in rows)
    want = sorted((vc, vm) for vc, topo in SEED.TOPOLOGIES.items() for vm in topo["vms"])
    assert got == want
    # A name used in two vCenters appears once per vCenter, keyed by VI SDK Server.
    for name, vcenters in SEED.SHARED_VM_NAMES.items():
        assert sorted(r["VI SDK Server"] for r in rows if r["VM"] == name) == \
            sorted(vcenters)


def test_scripts_read_it_like_an_rvtools_export(inventory_book, written):
    """What RVTools post-processing scripts do: pandas.read_excel, key on VI SDK Server."""
    sheets = pd.read_excel(inventory_book, sheet_name=None)
    assert list(sheets) == ["Summary", *DATA_SHEETS]
    vinfo = sheets["vInfo"]
    assert len(vinfo) == sum(len(t["vms"]) for t in SEED.TOPOLOGIES.values())
    assert vinfo.groupby("VI SDK Server")["VM"].count().to_dict() == {
        vc: len(t["vms"]) for vc, t in SEED.TOPOLOGIES.items()}
    assert pd.api.types.is_integer_dtype(vinfo["Memory"])
    assert pd.api.types.is_datetime64_any_dtype(sheets["vSnapshot"]["Date / time"])
    # The sheet's dimension is right: read-only readers size the sheet from it.
    ws = openpyxl.load_workbook(inventory_book, read_only=True)["vInfo"]
    assert (ws.max_row, ws.max_column) == (len(vinfo) + 1, len(written["vInfo"].headers))


def test_vinfo_values_units_and_formats(book):
    ws = book["vInfo"]
    headers = header_of(ws)
    col = {h: i for i, h in enumerate(headers)}
    seen_lists = False
    for row in ws.iter_rows(min_row=2):
        if row[0].value is None:
            continue
        vm = SEED.TOPOLOGIES[row[col["VI SDK Server"]].value]["vms"][row[0].value]
        memory = row[col["Memory"]]
        assert memory.value == vm["memory_mb"]  # RVTools' Memory is MiB
        if memory.value >= 1000:
            assert memory.number_format == "#,##0"
        provisioned = row[col["Provisioned MiB"]]
        want = round((vm["committed_bytes"] + vm["uncommitted_bytes"]) / MIB)
        assert abs(provisioned.value - want) <= 1, vm["name"]
        assert provisioned.number_format == "#,##0"
        assert row[col["Template"]].value == ("True" if vm["template"] else "False")
        assert row[col["CPUs"]].value == vm["num_cpu"]
        ips = row[col["IP addresses"]].value
        assert sorted(ips.split(", ") if ips else []) == sorted(vm["ips"]), vm["name"]
        seen_lists |= bool(ips and ", " in ips)
        power_on = row[col["PowerOn"]]
        if vm["boot_days_ago"] is not None:
            assert isinstance(power_on.value, datetime) and power_on.is_date
    assert seen_lists, "no VM with several IP addresses: lists untested"


def test_datastore_sizes_in_mib(book):
    for r in rows_of(book["vDatastore"]):
        ds = SEED.TOPOLOGIES[r["VI SDK Server"]]["datastores"][r["Name"]]
        assert r["Capacity MiB"] == ds["capacity_bytes"] // MIB
        assert r["Free MiB"] == ds["free_bytes"] // MIB
        assert r["Free %"] == pytest.approx(ds["free_pct"], abs=0.01)


def test_snapshot_dates_are_real_datetimes_in_utc(book):
    ws = book["vSnapshot"]
    col = header_of(ws).index("Date / time")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    want = {(vc, vm["name"], s["name"]): s["age_days"]
            for vc, topo in SEED.TOPOLOGIES.items() for vm in topo["vms"].values()
            for s in vm["snapshots"]}
    got = {}
    for row in ws.iter_rows(min_row=2):
        if row[0].value is None:
            continue
        cell = row[col]
        assert isinstance(cell.value, datetime) and cell.is_date, cell.value
        assert cell.number_format == writer.DATETIME_FORMAT
        got[(row[-1].value, row[0].value, row[1].value)] = cell.value
    assert set(got) == set(want)
    for key, created in got.items():
        # Naive UTC: compares with the UTC clock, not the local one.
        age = (now - created) / timedelta(days=1)
        assert age == pytest.approx(want[key], abs=0.1), key


def test_custom_attributes_are_columns_after_annotation_and_tags_one_column(book):
    """RVTools style: one column per custom attribute, right after Annotation on
    vInfo (before VI SDK Server elsewhere), filled where the object has a value."""
    headers = header_of(book["vInfo"])
    fields = ["CostCentre", "LastBackup", "Owner"]  # the VM attributes with values, by name
    at = headers.index("Annotation")
    assert headers[at + 1:at + 4] == fields and headers[at + 4] == "Tags"
    assert "Attributes" not in headers
    for r in rows_of(book["vInfo"]):
        values = SEED.TOPOLOGIES[r["VI SDK Server"]]["attributes"].get(("vm", r["VM"]), {})
        assert {f: r[f] for f in fields} == {f: values.get(f) for f in fields}, r["VM"]
        tags = SEED.TOPOLOGIES[r["VI SDK Server"]]["tags"].get(("vm", r["VM"]), [])
        assert r["Tags"] == (", ".join(sorted(tags, key=str.lower)) or None), r["VM"]
    host_headers = header_of(book["vHost"])
    assert host_headers[-3:] == ["Owner", "Rack", "VI SDK Server"]
    racks = {(r["VI SDK Server"], r["Host"]): r["Rack"] for r in rows_of(book["vHost"])}
    assert racks == {(t, name): topo["attributes"].get(("host", name), {}).get("Rack")
                     for t, topo in SEED.TOPOLOGIES.items() for name in topo["hosts"]}
    assert header_of(book["vCluster"])[-2:] == ["Owner", "VI SDK Server"]
    assert header_of(book["vDatastore"])[-2:] == ["Owner", "VI SDK Server"]
    assert header_of(book["vPortgroup"])[-2:] == ["Owner", "VI SDK Server"]


def test_vtags_vdisk_and_snapshot_sizes(book):
    tags = {(r["VI SDK Server"], r["Kind"], r["Object"], f"{r['Category']}:{r['Tag']}")
            for r in rows_of(book["vTags"])}
    assert tags == {(t, kind, name, tag) for t, topo in SEED.TOPOLOGIES.items()
                    for (kind, name), labels in topo["tags"].items() for tag in labels}
    disks = rows_of(book["vDisk"])
    want = {(t, vm["name"], f"Hard disk {i + 1}"): (gb * 1024, str(vm["thin"]), vm["datastore"])
            for t, topo in SEED.TOPOLOGIES.items() for vm in topo["vms"].values()
            for i, gb in enumerate(vm["disks_gb"])}
    assert {(r["VI SDK Server"], r["VM"], r["Disk"]): (r["Capacity MiB"], r["Thin"], r["Datastore"])
            for r in disks} == want
    assert {r["Controller"] for r in disks} == {"SCSI controller 0"}
    assert book["vDisk"].cell(row=2, column=4).number_format == "#,##0"
    sizes = {(r["VI SDK Server"], r["VM"], r["Name"]): r["Size MiB (total)"]
             for r in rows_of(book["vSnapshot"])}
    assert sizes == {(t, vm["name"], s["name"]): s["size_mb"] for t, topo in SEED.TOPOLOGIES.items()
                     for vm in topo["vms"].values() for s in vm["snapshots"]}


def test_frozen_header_and_autofilter_on_every_data_sheet(book):
    for name in DATA_SHEETS:
        ws = book[name]
        rows = sum(1 for r in ws.iter_rows(min_row=2, values_only=True)
                   if any(v is not None for v in r))
        last = openpyxl.utils.get_column_letter(len(header_of(ws)))
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == f"A1:{last}{rows + 1}", name
        assert all(c.font.b for c in next(ws.iter_rows(max_row=1))), name
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
                  for i in range(1, len(header_of(ws)) + 1)]
        assert all(6 <= w <= writer.MAX_WIDTH for w in widths), (name, widths)


def test_fitted_widths_show_the_longest_names(book):
    ws = book["vInfo"]
    longest = max(len(r["VM"]) for r in rows_of(ws))
    assert ws.column_dimensions["A"].width >= longest


def test_problems_appear_in_vhealth_coloured_by_severity(book, companion):
    problems = companion.problems()
    assert len(problems) > 0
    ws = book["vHealth"]
    rows = rows_of(ws)
    assert sorted((r["VI SDK Server"], r["Severity"], r["Object"], r["Message"])
                  for r in rows) == sorted(
        problems[["vcenter", "severity", "object", "message"]].itertuples(index=False,
                                                                           name=None))
    assert [r["Severity"] for r in rows][:1] == ["critical"]  # worst first
    fills = {c.value: c.fill.fgColor.rgb for c in
             (row[0] for row in ws.iter_rows(min_row=2)) if c.value}
    assert fills["critical"].endswith("FFC7CE")
    assert fills["warning"].endswith("FFEB9C")
    assert "host_not_connected" in {r["Rule"] for r in rows}


def test_summary_counts_status_and_versions(book, companion):
    ws = book["Summary"]
    cells = list(ws.iter_rows(values_only=True))
    assert cells[0][0] == "vCompanion inventory report"
    generated = next(r[1] for r in cells if r[0] == "Generated at (UTC)")
    assert isinstance(generated, datetime)
    assert abs(datetime.now(timezone.utc).replace(tzinfo=None) - generated) < \
        timedelta(minutes=30)
    start = next(i for i, r in enumerate(cells) if r[0] == "VI SDK Server")
    headers = cells[start]
    table = {r[0]: dict(zip(headers, r)) for r in cells[start + 1:start + 5] if r[0]}
    problems = companion.problems()
    for vc, topo in SEED.TOPOLOGIES.items():
        row = table[vc]
        assert row["Status"] == "ok"
        assert row["Version"] == companion.status().set_index("vcenter").loc[vc, "version"]
        assert row["VMs"] == sum(not v["template"] for v in topo["vms"].values())
        assert row["Templates"] == sum(v["template"] for v in topo["vms"].values())
        assert row["Hosts"] == len(topo["hosts"])
        assert row["Datastores"] == len(topo["datastores"])
        assert row["Critical problems"] == int(((problems["vcenter"] == vc)
                                                & (problems["severity"] == "critical")).sum())
    assert table["Total"]["VMs"] == sum(table[vc]["VMs"] for vc in SEED.TOPOLOGIES)


def test_vsource_lists_the_vcenters(book, vcsims):
    rows = {r["VI SDK Server"]: r for r in rows_of(book["vSource"])}
    assert set(rows) == set(vcsims)
    for name, sim in vcsims.items():
        assert rows[name]["Address"] == f"{sim.host}:{sim.port}"
        assert rows[name]["Status"] == "ok"
        assert isinstance(rows[name]["Last collection (UTC)"], datetime)


# --- a real client: LibreOffice -------------------------------------------------------

def libreoffice(tmp_path: Path, source: Path, target: str) -> subprocess.CompletedProcess:
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    if exe is None:
        # scripts/test.sh installs it; in CI a missing client must not pass quietly
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "LibreOffice is not installed (Debian: libreoffice-calc)")
    profile = (tmp_path / "lo-profile").as_uri()
    return subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", target, "--outdir", str(tmp_path / "out"),
                           str(source)], capture_output=True, text=True, timeout=180)


def test_libreoffice_reads_every_sheet(inventory_book, tmp_path):
    # CSV filter options: comma, double quotes, UTF-8, raw values, every sheet (-1).
    done = libreoffice(tmp_path, inventory_book,
                       "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,"
                       "false,false,-1")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    for name in ["Summary", *DATA_SHEETS]:
        assert (out / f"inventory-{name}.csv").exists(), (name, done.stdout, done.stderr)
    vinfo = pd.read_csv(out / "inventory-vInfo.csv", dtype=str, keep_default_na=False)
    want = {vm for topo in SEED.TOPOLOGIES.values() for vm in topo["vms"]}
    assert set(vinfo["VM"]) == want
    assert set(vinfo["VI SDK Server"]) == set(SEED.TOPOLOGIES)
    snaps = pd.read_csv(out / "inventory-vSnapshot.csv", dtype=str)
    assert snaps["Date / time"].str.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$").all(), \
        snaps["Date / time"].tolist()

    # LibreOffice's own document model: dates are dates and sizes numbers, not text.
    done = libreoffice(tmp_path, inventory_book, "fods")
    assert done.returncode == 0, done.stderr
    fods = (out / "inventory.fods").read_text(encoding="utf-8")
    for created in snaps["Date / time"]:
        assert f'office:date-value="{created.replace(" ", "T")}' in fods, created
    memory = vinfo["Memory"].iloc[0]
    assert f'office:value-type="float" office:value="{memory}"' in fods


def test_libreoffice_prints_the_events_report(events_book, tmp_path):
    done = libreoffice(tmp_path, events_book, "pdf")
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "out" / "events.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000, done.stdout + done.stderr
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True).stdout
        assert "vCompanion critical events report" in text
        assert "not responding" in text  # the host that went away in dr


# --- the critical-events workbook -------------------------------------------------------

def test_events_report_worst_first_per_vcenter(events_book, companion):
    wb = openpyxl.load_workbook(events_book)
    assert wb.sheetnames == list(events_report.SHEET_NAMES)
    ws = wb["Events"]
    assert header_of(ws) == layout.EVENTS.headers
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    rows = rows_of(ws)
    types = {(r["VI SDK Server"], r["Type"]) for r in rows}
    assert ("dr", "HostConnectionLostEvent") in types
    assert ("prod", "esx.problem.vmfs.heartbeat.timedout") in types
    # Only critical, error and warning events; logins (info) are left out.
    assert all(r["Critical"] == "True" or r["Severity"] in ("error", "warning")
               for r in rows)
    assert "UserLoginSessionEvent" not in {t for _, t in types}
    # Per vCenter, worst then newest first.
    rank = {"error": 1, "warning": 2, "user": 3, "info": 4}
    keys = [(r["VI SDK Server"], 0 if r["Critical"] == "True" else rank[r["Severity"]],
             -r["Date / time"].timestamp()) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        assert isinstance(r["Date / time"], datetime)
        assert datetime.now() - r["Date / time"] < timedelta(hours=48)

    problems = rows_of(wb["Problems"])
    assert len(problems) == len(companion.problems())
    assert [p["VI SDK Server"] for p in problems] == sorted(
        (p["VI SDK Server"] for p in problems), key=str.lower)

    summary = list(wb["Summary"].iter_rows(values_only=True))
    assert summary[0][0] == "vCompanion critical events report"
    assert next(r[1] for r in summary if r[0] == "Hours") == 24
    start = next(i for i, r in enumerate(summary) if r[0] == "VI SDK Server")
    table = {r[0]: dict(zip(summary[start], r)) for r in summary[start + 1:start + 5]
             if r[0]}
    for vc in SEED.TOPOLOGIES:
        assert table[vc]["Critical events"] == sum(
            1 for r in rows if r["VI SDK Server"] == vc and r["Critical"] == "True")


# --- formatting details (synthetic frames through the real writer) ----------------------

def test_text_is_never_a_formula_and_control_characters_go(tmp_path):
    from vcompanion.tables import TABLES
    frame = TABLES["vms"].frame([{
        "vcenter": "prod", "name": "=HYPERLINK(\"http://evil\",\"x\")",
        "annotation": "line1\x0bline2\x00", "ip_addresses": ["10.0.0.1", "fe80::1"],
        "memory_mb": 4096, "boot_time": datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc),
        "is_template": False, "provisioned_gb": 1.5}])
    wb = writer.new_workbook()
    writer.SheetWriter(wb, layout.VINFO).write(frame)
    path = writer.save(wb, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["vInfo"]
    row = dict(zip(header_of(ws), next(ws.iter_rows(min_row=2, max_row=2))))
    assert row["VM"].data_type == "s" and row["VM"].value.startswith("=HYPERLINK")
    assert row["Annotation"].value == "line1line2"
    assert row["IP addresses"].value == "10.0.0.1, fe80::1"
    assert row["Memory"].value == 4096 and row["Memory"].number_format == "#,##0"
    assert row["Provisioned MiB"].value == 1536
    assert row["PowerOn"].value == datetime(2024, 5, 1, 12, 0)  # UTC, tz-naive
    assert row["Template"].value == "False"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"], "temporary file left"


HOSTILE = ['=HYPERLINK("http://x.example","y")', "=1+1", "+1", "-1", "@SUM(A1)"]


def test_frame_workbook_writes_any_frame_as_text_dates_and_numbers(tmp_path):
    """The dashboards' Excel downloads: hostile names stay text, in openpyxl and
    in LibreOffice; dates are dates, numbers numbers; bold frozen header, filter."""
    frame = pd.DataFrame({
        "name": HOSTILE,
        "vcpus": [1.0, 2.0, 4.0, 8.0, None],            # display frames: float64
        "used_pct": [12.5, 50.0, 99.9, 0.0, 1.0],
        "created": pd.to_datetime(["2024-05-01 12:00"] * 5),
        "attempt": [1, "", 3, 4, 5],                     # object column, "" = missing
        "power": ["Powered on"] * 5})
    data = framebook.frame_workbook(frame, sheet="vms: all [prod]",
                                 titles={"name": "Name", "vcpus": "vCPUs"})
    path = tmp_path / "download.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "vms- all -prod-"
    assert header_of(ws) == ["Name", "vCPUs", "used_pct", "created", "attempt", "power"]
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F6"
    rows = list(ws.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == HOSTILE
    assert all(r[0].data_type == "s" for r in rows)
    assert [r[1].value for r in rows] == [1, 2, 4, 8, None]
    assert rows[2][2].value == 99.9 and rows[2][2].data_type == "n"
    assert rows[0][3].value == datetime(2024, 5, 1, 12, 0) and rows[0][3].is_date
    assert [r[4].value for r in rows] == [1, None, 3, 4, 5]
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width

    # A real spreadsheet program shows the text, never a formula's result.
    done = libreoffice(tmp_path, path, "csv:Text - txt - csv (StarCalc):44,34,76,1")
    assert done.returncode == 0, done.stderr
    shown = pd.read_csv(tmp_path / "out" / "download.csv", dtype=str,
                        keep_default_na=False)
    assert shown["Name"].tolist() == HOSTILE


def test_fast_rows_are_the_xml_openpyxl_writes(tmp_path):
    """sheetdata's rows equal openpyxl's own cells for the same values and styles."""
    import re
    import zipfile
    from xml.etree.ElementTree import canonicalize

    from openpyxl.cell import WriteOnlyCell
    values = [
        ["plain", "a & b < c > d", "  padded ", "line\nbreak\ttab", "Zürich ✓ 名",
         "=SUM(A1:A2)", None],
        [0, -5, 999, 1234567, 2 ** 53, None, 7],
        [0.1, 1e-7, 12345.678, -0.5, 1 / 3, 100.0, None],
        [datetime(2024, 5, 1, 12, 0), datetime(1900, 1, 1), datetime(2026, 12, 31, 23, 59,
                                                                      59, 999000),
         None, datetime(2000, 2, 29, 6, 30, 15, 250000), datetime(1970, 1, 1), None],
    ]
    book = writer.new_workbook()
    try:
        ref, fast = book.create_sheet("ref"), book.create_sheet("fast")
        fmt = [None, writer.INT_FORMAT, writer.DECIMAL_FORMAT, writer.DATETIME_FORMAT]
        red = writer.SEVERITY_STYLES["critical"]
        ids = [writer.styled_cell(ref, number_format=f).style_id if f else 0
               for f in fmt]
        red_id = writer.styled_cell(ref, font=red[0], fill=red[1]).style_id
        for ws in (ref, fast):
            ws.append(["h1", "h2", "h3", "h4"])
        for row in zip(*values):
            cells = []
            for i, value in enumerate(row):
                if value is None:
                    cells.append(None)
                    continue
                cell = WriteOnlyCell(ref, value=value)
                cell.data_type = "s" if isinstance(value, str) else cell.data_type
                if fmt[i]:
                    cell.number_format = fmt[i]
                if value == "plain":
                    cell.font, cell.fill = red
                cells.append(cell)
            ref.append(cells)
        styles = [lambda v: red_id if v == "plain" else 0,
                  *(lambda v, i=i: ids[i] for i in (1, 2, 3))]
        book.add_rows(fast, values, styles)
        path = book.save(tmp_path / "same.xlsx")
    finally:
        book.close()
    with zipfile.ZipFile(path) as z:
        parts = [z.read(f"xl/worksheets/sheet{n}.xml").decode() for n in (1, 2)]
    data = [re.search(r"<sheetData>.*</sheetData>", p, re.S).group(0) for p in parts]
    # Canonical XML: openpyxl (through lxml) may write "ü" as "&#252;"; the same text.
    assert canonicalize(data[1]) == canonicalize(data[0])
    assert "<v>36585.27100983796</v>" in data[1]  # numbers as openpyxl formats them
    # A carriage return survives as a reference (as lxml writes it; a raw CR would
    # be read back as a line feed).
    assert "a&#13;b" in sheetdata.cell_tail("a\rb", 0)
    assert openpyxl.load_workbook(path)["fast"]["A2"].font.color.rgb.endswith("9C0006")


def test_nothing_readable_still_gives_every_sheet(tmp_path):
    from vcompanion import problems
    from vcompanion.companion import STATUS_COLUMNS
    from vcompanion.tables import TABLES
    status = pd.DataFrame([{"vcenter": "prod", "address": "vc.example.com:443",
                            "status": "unreachable", "message": "connection refused"}],
                          columns=STATUS_COLUMNS)
    empty = {n: TABLES[n].empty() for n in ("vms", "hosts", "clusters", "datastores",
                                            "snapshots", "networks", "alarms", "nics",
                                            "cdroms")}
    path = inventory.write(inventory.InventoryData(
        problems=problems.TABLE.empty(), status=status, **empty), tmp_path / "i.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(inventory.SHEET_NAMES)
    assert header_of(wb["vInfo"]) == layout.VINFO.headers
    last = openpyxl.utils.get_column_letter(len(layout.VINFO.headers))
    assert wb["vInfo"].auto_filter.ref == f"A1:{last}1"
    assert rows_of(wb["vSource"])[0]["Status"] == "unreachable"
    path = events_report.write(events_report.EventsData(
        events=TABLES["events"].empty(), problems=problems.TABLE.empty(), status=status,
        hours=24), tmp_path / "e.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == list(events_report.SHEET_NAMES)


def test_headers_are_unique_and_sizes_convert_to_mib():
    for sheet in (*layout.INVENTORY_SHEETS, layout.EVENTS):
        assert len(set(sheet.headers)) == len(sheet.headers), sheet.name
        for col in sheet.columns:
            if col.header.endswith("MiB"):
                assert col.kind == layout.INTEGER, (sheet.name, col.header)
    capacity = next(c for c in layout.VDATASTORE.columns if c.header == "Capacity MiB")
    assert capacity.scale == 1 / MIB


def test_attribute_columns_never_take_a_header_twice():
    sheet = layout.with_attributes(layout.VHOST, ["Host", "Rack"])
    assert sheet.headers[-3:] == ["Host (attribute)", "Rack", "VI SDK Server"]
    assert sheet.headers.count("Host") == 1
    vinfo = layout.with_attributes(layout.VINFO, ["Owner"], after="Annotation")
    assert vinfo.headers[vinfo.headers.index("Annotation") + 1] == "Owner"
    assert layout.with_attributes(layout.VINFO, []) is layout.VINFO


# --- a vCenter that cannot be read ---------------------------------------------------------

def test_unreadable_vcenter_is_named_in_summary_and_vsource(vcsims, tmp_path):
    from vcompanion import Companion
    lab = vcsims["lab"]
    config = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "lab", "host": lab.host, "port": lab.port,
                      "ca_bundle": lab.cert_path},
                     {"name": "gone", "host": "127.0.0.1", "port": simulators_free_port()}],
        "data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs"),
        "collection": {"connect_timeout_seconds": 3}})
    with Companion.from_config(config, username=lab.username, password=lab.password) as vc:
        path = vc.report()
    assert path.parent == tmp_path / "data" / "reports"
    assert path.name.startswith("vcompanion-inventory_") and path.suffix == ".xlsx"
    wb = openpyxl.load_workbook(path)
    source = {r["VI SDK Server"]: r for r in rows_of(wb["vSource"])}
    assert source["lab"]["Status"] == "ok"
    assert source["gone"]["Status"] != "ok" and "gone" in source["gone"]["Message"]
    assert {r["VI SDK Server"] for r in rows_of(wb["vInfo"])} == {"lab"}
    assert any(r["VI SDK Server"] == "gone" and r["Category"] == "vcenter"
               for r in rows_of(wb["vHealth"]))
    summary = list(wb["Summary"].iter_rows())
    gone = next(row for row in summary if row[0].value == "gone")
    assert gone[1].fill.fgColor.rgb.endswith("FFC7CE")  # status in red


def simulators_free_port() -> int:
    from receivers import free_port
    return free_port()


# --- configuration of scheduled exports -----------------------------------------------------

def test_bad_cron_is_a_config_error_naming_the_schedule(tmp_path):
    path = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "a", "host": "a.example.com"}],
        "reports": {"schedules": [{"name": "ok", "cron": "0 6 * * *"},
                                  {"name": "bad", "cron": "0 25 * * *"}]}})
    with pytest.raises(ConfigError, match=r"reports\.schedules\[1\]\.cron"):
        load_config(path)
    path = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "a", "host": "a.example.com"}],
        "reports": {"schedules": [{"name": "../x", "cron": "0 6 * * *"}]}})
    with pytest.raises(ConfigError, match=r"reports\.schedules\[0\]\.name"):
        load_config(path)


def test_cli_bad_cron_exits_2_with_one_line(tmp_path):
    path = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "a", "host": "a.example.com"}],
        "reports": {"schedules": [{"name": "daily", "cron": "every day"}]}})
    done = run_cli("--config", str(path), "report")
    assert done.returncode == 2
    assert "reports.schedules[0].cron" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


# --- scheduled exports --------------------------------------------------------------------

def export_config(tmp_path, vcsims, smtp_port=None, keep=2, email_to=()) -> Path:
    data = {"vcenters": [{"name": name, "host": sim.host, "port": sim.port,
                          "ca_bundle": sim.cert_path} for name, sim in vcsims.items()],
            "data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs"),
            "reports": {"schedules": [{"name": "nightly", "kind": "inventory",
                                       "cron": "0 2 * * *", "keep": keep,
                                       "email_to": list(email_to)},
                                      {"name": "incidents", "kind": "events",
                                       "cron": "*/5 * * * 1-5", "hours": 12}]}}
    if smtp_port:
        data["alerts"] = {"email": {"host": "127.0.0.1", "port": smtp_port,
                                    "security": "none",
                                    "from": "vcompanion@corp.example.com"}}
    return write_json(tmp_path / "config.json", data)


def test_scheduled_export_runs_in_the_scheduler_and_honours_keep(vcsims, sim_env,
                                                                  tmp_path):
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
    from vcompanion.jobs import scheduler

    config = load_config(export_config(tmp_path, vcsims, keep=2))
    folder = tmp_path / "data" / "reports"
    folder.mkdir(parents=True)
    old = [folder / f"nightly_2024-01-0{d}_020000Z.xlsx" for d in (1, 2, 3)]
    others = [folder / "nightly-eu_2024-01-01_020000Z.xlsx",  # another schedule's
              folder / "incidents_2024-01-01_020000Z.xlsx",
              folder / "nightly_notes.txt"]
    for p in old + others:
        p.write_bytes(b"old")

    sched = scheduler.build_scheduler(config, providers=[report_jobs.jobs])
    assert {j.id for j in sched.get_jobs()} == {"report:nightly", "report:incidents"}
    done = threading.Event()
    outcome = {}

    def listen(event):
        if event.job_id == "report:nightly":
            outcome["error"] = getattr(event, "exception", None)
            done.set()

    sched.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    sched.start()
    try:
        sched.get_job("report:nightly").modify(next_run_time=datetime.now(timezone.utc))
        assert done.wait(120), "the export job did not run"
    finally:
        sched.shutdown(wait=True)
    assert outcome["error"] is None, outcome["error"]

    kept = schedule.exports(folder, "nightly")
    assert len(kept) == 2
    assert kept[0] == old[2]  # the newest old one stays, the two oldest are gone
    assert not old[0].exists() and not old[1].exists()
    assert all(p.exists() for p in others)
    new = kept[1]
    assert new.name.startswith("nightly_") and new.name.endswith("Z.xlsx")
    wb = openpyxl.load_workbook(new)
    assert wb.sheetnames == list(inventory.SHEET_NAMES)
    assert len(rows_of(wb["vInfo"])) == sum(len(t["vms"]) for t in SEED.TOPOLOGIES.values())


def test_scheduled_export_mails_the_workbook(vcsims, sim_env, tmp_path):
    from receivers import SmtpSink

    smtp = SmtpSink().start()
    try:
        config = load_config(export_config(tmp_path, {"lab": vcsims["lab"]},
                                           smtp_port=smtp.port, keep=5,
                                           email_to=["vmware-team@corp.example.com"]))
        path = report_jobs.run_export(str(config.path), "nightly")
        messages = smtp.wait_for(1)
    finally:
        smtp.stop()
    assert path.exists()
    assert len(messages) == 1
    msg = messages[0]
    assert msg["To"] == "vmware-team@corp.example.com"
    assert "nightly" in msg["Subject"]
    parts = [p for p in msg.iter_attachments() if p.get_filename() == path.name]
    assert len(parts) == 1
    attached = tmp_path / "attached.xlsx"
    attached.write_bytes(parts[0].get_content())
    assert openpyxl.load_workbook(attached).sheetnames == list(inventory.SHEET_NAMES)


def test_mail_failure_keeps_the_workbook(vcsims, sim_env, tmp_path, caplog):
    from receivers import free_port
    config = load_config(export_config(tmp_path, {"lab": vcsims["lab"]},
                                       smtp_port=free_port(), keep=5,
                                       email_to=["vmware-team@corp.example.com"]))
    path = report_jobs.run_export(str(config.path), "nightly")
    assert path.exists()
    assert "could not mail" in caplog.text


# --- the command ---------------------------------------------------------------------------

def test_cli_report_writes_a_workbook_and_exits_0(vcsims, sim_env, tmp_path):
    config = export_config(tmp_path, vcsims)
    out = tmp_path / "my report.xlsx"
    done = run_cli("--config", str(config), "report", "--out", str(out), env=sim_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    assert openpyxl.load_workbook(out).sheetnames == list(inventory.SHEET_NAMES)

    done = run_cli("--config", str(config), "report", "--kind", "events", "--hours", "24",
                   env=sim_env)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.parent == tmp_path / "data" / "reports"
    assert path.name.startswith("vcompanion-events_")
    assert openpyxl.load_workbook(path).sheetnames == list(events_report.SHEET_NAMES)


def test_cli_report_usage_errors(tmp_path):
    config = write_json(tmp_path / "config.json",
                        {"vcenters": [{"name": "a", "host": "a.example.com"}]})
    done = run_cli("--config", str(config), "report", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and ".xlsx" in done.stderr
    done = run_cli("--config", str(config), "report", "--schedule", "nope")
    assert done.returncode == 2 and "no report schedule named 'nope'" in done.stderr
