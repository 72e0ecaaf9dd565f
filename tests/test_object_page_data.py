"""The object page's data and HTML without a browser, on the built-in demo:
the FrameSet reader gives the same sections as ``Companion.object``, names
resolve to moids, links are encoded and escaped, and the page says when an
object is gone or its vCenter is not the user's to see."""

from __future__ import annotations

import dataclasses
import time
from types import SimpleNamespace

import pandas as pd
import pytest

from vcompanion import Companion
from vcompanion.objects import SECTIONS
from vcompanion.ui.links import link_formatter, object_link, object_url
from vcompanion.ui.pagedata import DashboardData
from vcompanion.ui.pagedata.objects import FAST, find, object_ids, resolve, with_moids

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def data():
    vc = Companion.demo()
    data = DashboardData(vc)
    data.refresh()
    yield data
    data.stop()


def some(frames, table: str, **where) -> pd.Series:
    frame = frames.tables[table]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return frame.iloc[0]


def test_sections_from_the_frameset_equal_the_library(data):
    frames, vc = data.latest, data.companion
    checked = set()
    for table, kind in (("vms", "vm"), ("hosts", "host"), ("datastores", "datastore"),
                        ("clusters", "cluster"), ("networks", "network")):
        row = some(frames, table)
        view = find(frames, vc, row["vcenter"], row["moid"])
        assert (view.kind, view.name) == (kind, row["name"])
        library = vc.object(row["vcenter"], row["moid"])
        assert view.sections == library.sections
        for name in view.sections:
            if name in FAST:
                mine, theirs = view[name], library[name]
                assert list(mine.columns) == list(theirs.columns), name
                assert len(mine) == len(theirs), (kind, name)
                checked.add(name)
    assert checked == FAST
    # The events (not in the FrameSet) come from the Companion.
    vm = some(frames, "vms")
    assert len(find(frames, vc, vm["vcenter"], vm["moid"])["events"]) == \
        len(vc.object(vm["vcenter"], vm["moid"])["events"])
    assert find(frames, vc, vm["vcenter"], "vm-nope") is None
    assert find(frames, vc, "nowhere", vm["moid"]) is None


def test_names_resolve_to_moids(data):
    frames = data.latest
    host = some(frames, "hosts")
    assert resolve(frames, host["vcenter"], "host", host["name"]) == host["moid"]
    assert resolve(frames, host["vcenter"], "host", "no-such-host") is None
    assert object_ids(frames) is object_ids(frames)  # made once per FrameSet
    problems = with_moids(frames, frames.problems)
    assert len(problems) == len(frames.problems) > 0
    kinds = {"VirtualMachine": "vms", "HostSystem": "hosts", "Datastore": "datastores"}
    resolved = 0
    for row in problems.itertuples():
        if row.object_type in kinds:
            table = frames.tables[kinds[row.object_type]]
            mine = table[(table["vcenter"] == row.vcenter) & (table["moid"] == row.object_moid)]
            assert list(mine["name"]) == [row.object], row
            resolved += 1
        elif row.object_type == "vCenter":
            assert row.object_moid == ""
    assert resolved > 0


def test_links_are_encoded_and_escaped():
    assert object_url("prod", "vm-42") == "/object?vcenter=prod&moid=vm-42"
    assert object_url("a&b c", "x/y?") == "/object?vcenter=a%26b+c&moid=x%2Fy%3F"
    html = object_link(HOSTILE, "prod", "vm-1")
    assert "<img" not in html and "&lt;img src=x" in html
    assert 'href="/object?vcenter=prod&amp;moid=vm-1"' in html
    assert object_link(HOSTILE, "prod", None) == "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;"
    template = link_formatter("vm_moid").template
    assert "<%- value %>" in template and "<%=" not in template  # escaped in the browser
    assert "encodeURIComponent(vm_moid)" in template
    with pytest.raises(ValueError):
        link_formatter("moid); alert(1")


def make_page(data, frames, **args):
    from vcompanion.ui.pages.object import ObjectPage
    from vcompanion.ui.theme import DARK
    ctx = SimpleNamespace(runtime=SimpleNamespace(config=data.config), login=None, data=data,
                          palette=DARK, args=args, user="")
    page = ObjectPage(ctx)
    page.update(frames)
    return page


def test_the_page_of_an_object_gone_hidden_or_hostile(data):
    frames = data.latest
    vm = some(frames, "vms")
    page = make_page(data, frames, vcenter=vm["vcenter"], moid=vm["moid"])
    assert not page.message.visible
    assert f">{vm['name']}</h2>" in page.head.object
    assert 'data-fact="num_cpu"' in page.facts.object
    shown = [box.objects[0].object for box in page.body.objects]
    assert [s.split('data-section="')[1].split('"')[0] for s in shown] == \
        [s.name for s in SECTIONS.values() if "vm" in s.kinds]
    deadline = time.monotonic() + 30  # the events arrive from their thread
    while "events" not in page.slow and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "events" in page.slow and page.slow["events"][1] is None

    # Gone since the page was opened: it says when it was last seen.
    vms = frames.vms[frames.vms["moid"] != vm["moid"]]
    later = dataclasses.replace(frames, version=frames.version + 1,
                                tables={**frames.tables, "vms": vms}, cache={})
    page.update(later)
    assert page.message.visible and "no longer exists" in page.message.object
    assert f"Virtual machine {vm['name']} ({vm['moid']})" in page.message.object
    assert "It was last seen 20" in page.message.object

    # A vCenter the FrameSet does not have (not configured, or not this user's).
    status = frames.status[frames.status["vcenter"] != vm["vcenter"]]
    hidden = dataclasses.replace(frames, tables={**frames.tables, "status": status}, cache={})
    page = make_page(data, hidden, vcenter=vm["vcenter"], moid=vm["moid"])
    assert page.message.visible and "is not available" in page.message.object
    assert page.slow == {} and not page.slow_started  # nothing read for it

    # Its vCenter could not be read at the last refresh (its tables are empty then).
    status = frames.status.copy()
    status.loc[status["vcenter"] == vm["vcenter"], ["status", "message"]] = \
        ["unreachable", "connection refused"]
    down = dataclasses.replace(frames, tables={**frames.tables, "status": status,
                                               "vms": vms}, cache={})
    page = make_page(data, down, vcenter=vm["vcenter"], moid=vm["moid"])
    assert "is not available" in page.message.object
    assert "could not be read at the last refresh (connection refused)" in \
        page.message.object

    # A hostile name is text in the head and wherever the object is linked.
    vms = frames.vms.copy()
    vms.loc[vms["moid"] == vm["moid"], "name"] = HOSTILE
    hostile = dataclasses.replace(frames, tables={**frames.tables, "vms": vms}, cache={})
    page = make_page(data, hostile, vcenter=vm["vcenter"], moid=vm["moid"])
    assert "<img" not in page.head.object and "&lt;img src=x" in page.head.object
    host = resolve(frames, vm["vcenter"], "host", vm["host"])
    page = make_page(data, hostile, vcenter=vm["vcenter"], moid=host)
    vms_table = page.sections["vms"].objects[1]
    assert HOSTILE in list(vms_table.value["name"])  # data; the link formatter escapes it
    assert vms_table.formatters["name"].template == link_formatter("moid").template
