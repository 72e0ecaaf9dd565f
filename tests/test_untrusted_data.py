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
