"""What the history pages show, without a browser: the HistoryReader never reads
another vCenter than the page's, the Changes page's rows in words, the
Capacity page's rows and trend against the forecasts, the gone object's
removal, the object page's history section -- on the demo's 60 days and on a
hand-made history.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pandas as pd
import pytest

import historydata as hd
from vcompanion import Companion, objects
from vcompanion.history import History
from vcompanion.ui.pagedata import history as pagehistory
from vcompanion.ui.pages import capacity, changes, objecthistory

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo with a history of its own (the temp folder's may be another
    checkout's, upgraded by a newer vCompanion)."""
    import tempfile
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("demo-tmp")))
        vc = Companion.demo()
        vc.history.store()  # made now, in that folder
        yield vc
        vc.close()


def frames_of(*names):
    return SimpleNamespace(status=pd.DataFrame({"vcenter": list(names)}))


def test_the_reader_reads_only_the_pages_vcenters(demo):
    everything = demo.changes(since="60d")
    assert {"prod", "dr", "lab"} <= set(everything["vcenter"])
    reader = pagehistory.history_reader(demo_data(demo), frames_of("lab"))
    assert reader.vcenters == ["lab"]
    mine = reader.changes("60d")
    assert set(mine["vcenter"]) == {"lab"}
    assert len(mine) == int((everything["vcenter"] == "lab").sum())
    # Asking for another vCenter gives nothing, never its rows.
    assert reader.changes("60d", vcenter="prod").empty
    assert reader.changes("60d", vcenter=["prod", "lab"])["vcenter"].eq("lab").all()
    prod_vm = everything[everything["vcenter"] == "prod"].iloc[0]
    assert reader.changes(None, vcenter="prod", moid=prod_vm["moid"]).empty
    assert reader.removal("prod", prod_vm["moid"]) is None
    for frame in (reader.gaps("60d"), reader.capacity("datastores", "30d"),
                  reader.forecasts(), reader.status(), reader.as_of("30d", "vms")):
        assert set(frame["vcenter"]) <= {"lab"}, frame
    assert len(reader.forecasts()) and len(reader.as_of("30d", "vms"))
    assert reader.gaps("60d", vcenter="dr").empty
    assert reader.newest() is not None
    # No vCenter at all: nothing, and no query needed.
    none = pagehistory.HistoryReader(demo.history, [])
    assert none.changes("60d").empty and none.forecasts().empty


def demo_data(vc):
    return SimpleNamespace(companion=vc)


def test_where_the_pages_find_the_history(tmp_path, demo):
    assert pagehistory.history_of(demo_data(demo)) is demo.history
    own = History(hd.config(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite'}"))
    assert pagehistory.history_of(SimpleNamespace(history=own, companion=demo)) is own
    assert pagehistory.history_of(SimpleNamespace()) is None
    off = Companion(hd.config(tmp_path, "sqlite://", enabled=False), sources=[])
    assert pagehistory.history_of(demo_data(off)) is None
    reader = pagehistory.history_reader(demo_data(off), frames_of("prod"))
    assert not reader.available and reader.changes().empty and reader.newest() is None


def test_changes_rows_in_words_and_hostile_values_as_text(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    history = History(hd.config(tmp_path, url, names=("prod",)))
    t0, t1 = hd.T0, hd.T0 + timedelta(hours=1)
    before = hd.tables("prod", vms=[hd.vm("vm-1", "web-01"), hd.vm("vm-2", "db-01")],
                       datastores=[hd.datastore("ds-1", "DS1")])
    after = hd.tables("prod", vms=[hd.vm("vm-1", "web-01", annotation=HOSTILE,
                                         power_state="poweredOff",
                                         ip_addresses=["10.0.0.1", "10.0.0.2"])],
                      datastores=[hd.datastore("ds-1", "DS1", capacity=2000 * 2**30)])
    history.record([hd.reading("prod", before, t0)], now=t0)
    history.record([hd.reading("prod", after, t1)], now=t1)
    rows = changes.display(history.changes(since=None))
    assert rows["time"].is_monotonic_decreasing  # newest first
    by = {(r["name"], r["property"]): r for r in rows.to_dict("records")}
    assert by[("web-01", "Annotation")]["new"] == HOSTILE  # text, escaped by Tabulator
    assert (by[("web-01", "Power state")]["old"], by[("web-01", "Power state")]["new"]) == (
        "Powered on", "Powered off")
    assert by[("web-01", "IP addresses")]["new"] == "10.0.0.1, 10.0.0.2"
    assert (by[("DS1", "Capacity")]["old"], by[("DS1", "Capacity")]["new"]) == (
        "1,000 GiB", "2.0 TiB")
    assert by[("db-01", "")]["change"] == "Removed" and by[("db-01", "")]["kind"] == "VM"
    assert changes.value_text("snapshot_count", True) == "Yes"
    assert changes.value_text("ip_addresses", []) == "(none)"
    assert changes.value_text("x", None) == ""
    nothing = changes.display(history.changes(since=None).iloc[:0])
    assert nothing.empty and nothing["_text"].str.contains("x").empty  # a text column


def test_periods_and_buckets():
    now = datetime(2025, 3, 10, 12, tzinfo=timezone.utc)
    assert changes.window_of("24h", None, None, now) == (now - timedelta(hours=24), now)
    start, end = changes.window_of("custom", now.date() - timedelta(days=2),
                                   now.date() - timedelta(days=5), now)
    assert start == datetime(2025, 3, 5, tzinfo=timezone.utc)  # swapped: from the first
    assert end.date() == datetime(2025, 3, 8).date() and end.hour == 23
    assert changes.bucket_of("7d", now, now) == timedelta(hours=6)
    assert changes.bucket_of("custom", now - timedelta(days=60), now) == timedelta(days=2)


def test_capacity_rows_and_trend_match_the_forecasts(demo):
    forecasts = demo.forecasts()
    now = datetime.now(timezone.utc)
    rows = capacity.rows_of(forecasts, now)
    assert len(rows) == len(forecasts)
    growing = rows[rows["status_key"] == "growing"]
    assert growing["days_low"].astype(float).is_monotonic_increasing
    first = rows.iloc[0]
    assert first["status_key"] in ("full", "growing")
    # The demo's fast datastore: full in about ten days.
    soon = rows[(rows["kind"] == "datastore") & (rows["days_low"].astype(float) <= 30)]
    assert len(soon) >= 1
    row = soon.iloc[0]
    assert row["full_in"].endswith("days") and row["full_by"] > f"{now:%Y-%m-%d}"
    frame = demo.history.capacity("datastores", since="90d", vcenter=row["vcenter"],
                                  resolution="day")
    days, used, cap = capacity.trend(frame, "datastore", "space", row["moid"])
    assert len(days) >= 50 and used[-1] == pytest.approx(row["used"])
    assert cap[-1] == pytest.approx(row["capacity"])
    # A grown datastore's trend never shows a day's use above its capacity (the
    # day it grew mixes the old capacity's free space with the new capacity).
    every = demo.history.capacity("datastores", since="90d", resolution="day")
    grown = 0
    for moid in every["moid"].unique():
        mine = every[(every["moid"] == moid) & (every["metric"] == "capacity_bytes")]
        grown += int(mine["value"].nunique() > 1)
        days, used, cap = capacity.trend(every, "datastore", "space", moid)
        assert all(u <= c for u, c in zip(used, cap)), moid
    assert grown >= 1
    assert capacity.full_in("growing", 9.6, 11.2) == "10–11 days"
    assert capacity.full_in("stable", 900.0, None) == "not before 900 days"
    assert capacity.full_in("stable", None, None) == "no growth"
    assert capacity.full_in("full", 0.0, 0.0) == "full now"
    assert capacity.growth_text("space", 160 * 2**30) == "+160 GiB"
    assert capacity.growth_text("cpu", -250.0) == "−250 MHz"


def test_gone_objects_and_the_history_section(demo):
    removed = demo.changes(since="60d")
    removed = removed[removed["change"] == "removed"].iloc[-1]
    data = SimpleNamespace(companion=demo, latest=frames_of("prod", "dr", "lab"))
    info = objecthistory.gone_from_history(SimpleNamespace(data=data), removed["vcenter"],
                                           removed["moid"])
    assert info is not None and info.name == removed["name"] and info.kind == "vm"
    assert info.removed_by == removed["user"] and info.removed_event == "VmRemovedEvent"
    assert info.history_url == objecthistory.changes_url(removed["vcenter"],
                                                         removed["moid"], "vm")
    hidden = SimpleNamespace(data=SimpleNamespace(companion=demo, latest=frames_of("lab")))
    if removed["vcenter"] != "lab":
        assert objecthistory.gone_from_history(hidden, removed["vcenter"],
                                               removed["moid"]) is None
    assert objecthistory.gone_from_history(SimpleNamespace(data=data), "prod",
                                           "vm-nothing") is None
    # The section: one VM's changes, newest first, as vcompanion object prints them.
    changed = demo.changes(since="60d")
    changed = changed[changed["vcenter"] == "dr"]
    moid = changed["moid"].value_counts().index[0]
    view = demo.object("dr", moid)
    section = view["history"]
    assert len(section) == int((changed["moid"] == moid).sum())
    assert section["time"].is_monotonic_decreasing
    assert not view.errors
    # A rename's new value is the object's name: still shown, unlike a column
    # that only repeats the object.
    renamed = section.assign(new=view.name, vcenter="dr")
    assert objects.shown_columns(view, "history", renamed) == [
        "time", "change", "property", "old", "new", "user", "event"]
