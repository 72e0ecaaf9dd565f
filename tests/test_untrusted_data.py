"""Data from a vCenter is untrusted: names and enumeration values a hostile (or
intercepted: ``verify_ssl: false`` is common) vCenter sends never become
markup in a browser or a formula in a spreadsheet.

Offline checks here; the same hostile values planted in a simulator and read
through every download and every page are in test_hostile_vcenter.py.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = '<img src=x onerror="window.__pwned=1">'


# --- enumerations ------------------------------------------------------------------------

def test_enumerations_are_vsphere_s_own():
    from pyVmomi import VmomiSupport
    from vcompanion.tables import enums
    for name, vmodl in enums.PYVMOMI.items():
        declared = getattr(enums, name)
        assert len(set(declared)) == len(declared), name
        assert set(VmomiSupport.GetVmodlType(vmodl).values) == set(declared), name


def test_enumeration_columns_declare_their_values():
    from vcompanion.tables import TABLES, enums
    assert TABLES["hosts"].column("overall_status").values == enums.STATUS
    assert TABLES["hosts"].column("connection_state").values == enums.HOST_CONNECTION
    assert TABLES["datastores"].column("overall_status").values == enums.STATUS
    assert TABLES["vms"].column("power_state").values == enums.VM_POWER
    docs = (REPO / "docs" / "tables.md").read_text(encoding="utf-8")
    assert "One of: `connected`, `disconnected`, `notResponding`." in docs


def test_a_value_outside_the_enumeration_is_kept_as_text_and_logged_once(caplog):
    from vcompanion.tables import TABLES
    from vcompanion.tables import schema
    schema._UNEXPECTED.pop("hosts.overall_status", None)
    table = TABLES["hosts"]
    rows = [{"vcenter": "evil", "name": f"esx-{i}", "overall_status": SCRIPT,
             "connection_state": "connected"} for i in range(50)]
    rows.append({"vcenter": "good", "name": "esx-ok", "overall_status": "green"})
    with caplog.at_level(logging.WARNING, "vcompanion.tables.schema"):
        frame = table.frame(rows)
        table.frame(rows)  # the next refresh: not logged again
    assert (frame["overall_status"] == SCRIPT).sum() == 50  # text, as sent
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 1, logged
    assert "'evil'" in logged[0] and "hosts.overall_status" in logged[0]
    assert "green, yellow, red, gray" in logged[0]


def test_a_vcenter_sending_a_new_value_in_every_row_logs_a_bounded_number(caplog):
    from vcompanion.tables import TABLES
    from vcompanion.tables import schema
    schema._UNEXPECTED.pop("vms.power_state", None)
    schema._OVERFLOWED.discard("vms.power_state")
    rows = [{"vcenter": "evil", "name": f"vm-{i}", "power_state": f"x\r\n{i}"}
            for i in range(500)]
    with caplog.at_level(logging.WARNING, "vcompanion.tables.schema"):
        TABLES["vms"].frame(rows)
        TABLES["vms"].frame([{**r, "power_state": r["power_state"] + "!"}
                             for r in rows])
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == schema._UNEXPECTED_LOGGED + 1
    assert all("\n" not in m and "\r" not in m for m in messages)  # one line each


def test_friendly_words_only_for_known_values():
    from vcompanion.tables import TABLES
    from vcompanion.ui.labels import display_frame
    frame = TABLES["hosts"].frame([
        {"vcenter": "a", "name": "h1", "overall_status": "red",
         "connection_state": SCRIPT},
        {"vcenter": "a", "name": "h2", "overall_status": "Critical",  # a label as value
         "connection_state": "connected"}])
    shown = display_frame(frame, TABLES["hosts"])
    assert list(shown["overall_status"]) == ["Critical", "Critical"]
    assert list(shown["connection_state"]) == [SCRIPT, "Connected"]


# --- the pages' formatters and tooltips ----------------------------------------------------

def test_status_formatter_writes_the_value_escaped():
    from vcompanion.ui.pages.base import status_formatter
    from vcompanion.ui.theme import PALETTES
    palette = next(iter(PALETTES.values()))
    template = status_formatter(palette, {"Normal": "#0f0", "Critical": "#f00"}).template
    assert "<%- value %>" in template  # underscore.js: <%- escapes, <%= does not
    assert "<%= value %>" not in template


UI = REPO / "vcompanion" / "ui"


@pytest.mark.parametrize("path", sorted(UI.rglob("*.py")), ids=lambda p: p.name)
def test_no_template_or_tooltip_inserts_data_unescaped(path):
    text = path.read_text(encoding="utf-8")
    # Tabulator/Bokeh cell templates: only <%- value %> (escaped).
    assert not re.search(r"<%=\s*(value|data|row)\b[^%]*%>", text), path
    # Bokeh tooltips escape @fields unless told {safe}.
    assert "{safe}" not in text, path


def test_bokeh_escapes_tooltip_fields():
    """Bokeh 3.10 escapes ``@field`` values in tooltips (not ``{safe}`` ones):
    the charts rely on it for names in their tooltips."""
    import bokeh
    from bokeh.util.version import __version__  # noqa: F401 - bokeh present
    source = (Path(bokeh.__file__).parent / "server" / "static" / "js" /
              "bokeh.js").read_text(encoding="utf-8")
    start = source.index("function replace_placeholders_html(")
    body = source[start:source.index("function replace_placeholders(", start)]
    assert "(0, string_1.escape)(result)" in body


def test_frames_stay_data():
    """display_frame keeps hostile text as the text it is (no HTML added)."""
    from vcompanion.ui.labels import display_frame
    frame = pd.DataFrame({"name": pd.Series([SCRIPT], dtype="string")})
    assert display_frame(frame)["name"].iloc[0] == SCRIPT


# --- CSV ---------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x.example","y")', "=1+1", "+1+1", "-1+1", "@SUM(A1)",
            "\t=1+1", "\r=1+1"]


def _hostile_frame() -> pd.DataFrame:
    n = len(FORMULAS)
    return pd.DataFrame({
        "name": pd.Series(FORMULAS, dtype="string"),
        "notes": [["=1+1", "ok"]] + [[]] * (n - 1),
        "plain": ["web-01"] * n,
        "free_pct": [-3.5] + [12.0] * (n - 1),
        "count": pd.Series([-2] + [1] * (n - 1), dtype="Int64"),
    })


def _cells(text: str) -> list[list[str]]:
    import csv
    import io
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_for_people_neutralises_every_formula_and_keeps_numbers():
    from vcompanion.frames import csv_text
    text = csv_text(_hostile_frame(), safe=True)
    rows = _cells(text)
    assert rows[0] == ["name", "notes", "plain", "free_pct", "count"]
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    assert rows[1][1] == "'=1+1; ok"
    assert {r[2] for r in rows[1:]} == {"web-01"}  # harmless text unchanged
    # numbers are numbers (unquoted, negative ones too); text is quoted (OWASP)
    first = text.splitlines()[1]
    assert first.endswith(',"web-01",-3.5,-2')
    assert first.startswith('"\'=HYPERLINK(""http://x.example"",""y"")"')


def test_raw_csv_keeps_every_value_exactly():
    from vcompanion.frames import csv_text
    rows = _cells(csv_text(_hostile_frame(), safe=False))
    assert [r[0] for r in rows[1:]] == FORMULAS
    assert rows[1][1] == "=1+1; ok"


def test_dashboard_downloads_neutralise_csv_and_write_text_cells():
    import io
    import csv
    import openpyxl
    import panel as pn
    from vcompanion.ui.pages.base import DownloadButtons
    frame = _hostile_frame().astype({"name": object}).drop(columns=["notes"])
    tabulator = pn.widgets.Tabulator(frame, titles={"name": "Name"})
    buttons = DownloadButtons(tabulator, "vms")
    data = buttons._csv().getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "Name"
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    book = openpyxl.load_workbook(io.BytesIO(buttons._xlsx().getvalue()))
    sheet = book.active
    names = [c for c in sheet["A"][1:]]
    assert [c.value for c in names] == FORMULAS  # the text, as sent
    assert {c.data_type for c in names} == {"s"}  # never 'f' (a formula)
    assert sheet["C2"].value == -3.5 and sheet["C2"].data_type == "n"


def test_cli_csv_is_safe_by_default_and_raw_on_request(tmp_path):
    import io
    import csv
    from helpers import run_cli, write_json
    from vcompanion.alerts.store import AlertStore
    config = write_json(tmp_path / "config.json", {
        "vcenters": [{"name": "evil", "host": "127.0.0.1"}],
        "data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs")})
    with AlertStore(tmp_path / "data" / "alerts.sqlite3") as store:
        for i, name in enumerate(FORMULAS[:5]):
            store.record("hook", "ops", {"change": "new", "severity": "warning",
                                         "vcenter": "evil", "object": name,
                                         "message": f"{name} is low", "key": f"k{i}"},
                         "sent")
    args = ("--config", str(config), "alerts", "history", "--format", "csv",
            "--columns", "object,message")
    safe = run_cli(*args)
    assert safe.returncode == 0, safe.stderr
    objects = {r["object"] for r in csv.DictReader(io.StringIO(safe.stdout))}
    assert objects == {"'" + f for f in FORMULAS[:5]}
    raw = run_cli(*args, "--csv-raw")
    assert {r["object"] for r in csv.DictReader(io.StringIO(raw.stdout))} == \
        set(FORMULAS[:5])
    both = run_cli(*args, "--csv-raw", "--csv-safe")
    assert both.returncode == 2  # one or the other
    helptext = run_cli("inventory", "--help").stdout
    assert "--csv-safe" in helptext and "--csv-raw" in helptext


# --- workbooks ----------------------------------------------------------------------------

def test_write_workbook_holds_vcenter_text_as_text(tmp_path):
    import openpyxl
    from vcompanion import write_workbook
    frame = _hostile_frame()
    frame["created"] = pd.Timestamp("2024-05-01 12:00", tz="UTC")
    path = write_workbook(tmp_path / "out" / "mine.xlsx",
                          {"VMs": frame, "vms": frame.head(2), "a/b:c": frame})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["VMs", "vms (2)", "a-b-c"]
    sheet = book["VMs"]
    header = [c.value for c in sheet[1]]
    assert header == ["name", "notes", "plain", "free_pct", "count", "created"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == FORMULAS and {c.data_type for c in cells} == {"s"}
    assert sheet["B2"].value == "=1+1, ok" and sheet["B2"].data_type == "s"
    assert sheet["F2"].is_date and sheet["E2"].value == -2
    formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    with pytest.raises(Exception, match="xlsx"):
        write_workbook(tmp_path / "mine.csv", {"VMs": frame})


def test_notebooks_write_workbooks_only_through_write_workbook():
    import nbformat
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                         if c.cell_type == "code")
        for sink in ("to_excel", "ExcelWriter", "openpyxl", "xlsxwriter", "to_csv"):
            assert sink not in code, f"{path.name}: {sink}"
        if ".xlsx" in code:
            assert "write_workbook(" in code, path.name
