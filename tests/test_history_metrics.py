"""Performance statistics in the history, against the seeded simulators, on SQLite
and PostgreSQL: 5-minute samples stored, rolled up hourly and daily, VM daily
summaries and latest windows, backfilled from vCenter's rollups after a gap,
pruned by the retention settings, and read back by ``vc.metrics()`` for windows
where vCenter's own samples are coarser (tests/vcsim/perf.go serves the series
of seed.PERF_*)."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
from conftest import PASSWORD, USERNAME
from sqlalchemy import delete, func, select, update

from simulators import load_seed
from vcompanion import Companion
from vcompanion.clock import utc_now
from vcompanion.history import perfread, perfstore
from vcompanion.history.perfrecord import OVERLAP_US, coarse_interval
from vcompanion.history.schema import (DAY, HOUR, SAMPLE, metric_marks, metric_samples,
                                       metric_series, vm_days, vm_latest)
from vcompanion.history.times import US, to_us
from vcompanion.metrics import Request

pytestmark = pytest.mark.simulator

seed = load_seed()
HOUR_US, DAY_US = 3600 * US, 86400 * US
B01 = "esx-prod-b01.corp.example.com"


def companion(sim_config, tmp_path, url, **metrics) -> Companion:
    data = json.loads(sim_config.read_text(encoding="utf-8"))
    data.update(data_dir=str(tmp_path / "data"), logs_dir=str(tmp_path / "logs"),
                history={"database_url": url, "metrics": {"backfill_days": 3, **metrics}})
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return Companion.from_config(path, username=USERNAME, password=PASSWORD)


def rows(vc, query) -> pd.DataFrame:
    with vc.history.store().read() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def samples(vc, vcenter: str, kind: str, name: str, counter: str,
            resolution: int = SAMPLE) -> pd.DataFrame:
    """One series' rows at a resolution, oldest first."""
    s, ms = metric_samples.c, metric_series.c
    ids = perfstore.vcenter_ids
    with vc.history.store().read() as conn:
        vid = ids(conn, [vcenter])[vcenter]
    return rows(vc, select(s.time, s.value, s.low, s.high, s.count)
                .join(metric_series, ms.id == s.series_id)
                .where(ms.vcenter_id == vid, ms.kind == kind, ms.name == name,
                       ms.counter == counter, s.resolution == resolution)
                .order_by(s.time))


def marks(vc, vcenter: str) -> dict:
    with vc.history.store().read() as conn:
        vid = perfstore.vcenter_ids(conn, [vcenter])[vcenter]
        return perfstore.marks(conn, vid)


def test_samples_rollups_vm_summaries_and_latest_windows(sim_config, vcsims, tmp_path,
                                                        history_url):
    with companion(sim_config, tmp_path, history_url) as vc:
        started = to_us(utc_now())
        result = vc.record_metrics()
        assert [o.status for o in result.outcomes] == ["recorded"] * 3, result.frame()
        b01 = samples(vc, "prod", "host", B01, "cpu.usage.average")
        # the last day: vCenter's 5-minute samples; days 2 and 3: its 30-minute ones
        fine, coarse = b01[b01["count"] == 1], b01[b01["count"] == 6]
        assert 280 <= len(fine) <= 290 and 90 <= len(coarse) <= 97, b01["count"].value_counts()
        assert (fine["time"] % (300 * US) == 0).all() and (coarse["time"] % (1800 * US) == 0).all()
        assert coarse["time"].max() <= fine["time"].min()  # no period twice
        assert coarse["time"].min() - 1800 * US >= started - 3 * DAY_US - 60 * US
        host = seed.PROD["hosts"][B01]
        assert (b01["value"] == host["cpu_usage_pct"]).all()  # 100 x pct in hundredths
        assert b01["low"].isna().all() and b01["high"].isna().all()  # one value each
        # a datastore: the average of the hosts that measure it, with their extremes
        ds3 = samples(vc, "prod", "datastore", "prod-ds-03", "datastore.totalReadLatency.average")
        assert (ds3["value"] == 60).all() and (ds3["low"] == 60).all() and (ds3["high"] == 60).all()
        clusters = samples(vc, "prod", "cluster", "Prod-Cluster-A", "cpu.usage.average")
        assert len(clusters) and (clusters["value"] == 35).all()

        # hourly and daily rollups of every complete hour and day, per vCenter
        m = marks(vc, "prod")
        assert m["rolled_hour"] == (m["read_until"] - OVERLAP_US) // HOUR_US * HOUR_US
        assert m["rolled_day"] == m["rolled_hour"] // DAY_US * DAY_US
        hours = samples(vc, "prod", "host", B01, "cpu.usage.average", HOUR)
        assert (hours["time"] % HOUR_US == 0).all() and hours["time"].max() == m["rolled_hour"]
        assert (hours["value"] == host["cpu_usage_pct"]).all()
        whole = hours[hours["time"] > hours["time"].min()]  # the first hour may be partial
        assert set(whole["count"]) == {12}  # 12 five-minute periods (or 2 x 6)
        days = samples(vc, "prod", "host", B01, "cpu.usage.average", DAY)
        assert days["time"].max() == m["rolled_day"] and len(days) in (2, 3)
        assert days["count"].iloc[-1] == 288
        fine_hours = hours[hours["time"] > fine["time"].min() + HOUR_US]
        assert (fine_hours["low"] == host["cpu_usage_pct"]).all()

        # VMs: a summary per complete day and counter; db-01's CPU ready cycles
        # 23, 25 and 24 % per vCPU (36,800 / 40,000 / 38,400 ms per 20 s, 8 vCPUs)
        summaries = vc.history.vm_days(since="4d", vcenter="prod")
        ready = summaries[(summaries["name"] == "db-01")
                          & (summaries["counter"] == "cpu.ready.summation")]
        assert len(ready) == 3 and set(ready["interval"]) <= {300, 1800}
        assert (ready["maximum"] == 25.0).all() and (ready["p95"] == 25.0).all()
        assert ready["average"].tolist() == pytest.approx([24.0] * 3, abs=0.05)
        assert set(summaries["counter"]) >= {"cpu.usage.average", "mem.vmmemctl.average"}
        assert m["vm_day"] == to_us(pd.Timestamp(ready["day"].max())) + DAY_US
        # ... and the latest window (realtime: every counter, level 2 ones too)
        latest = vc.history.vm_latest("prod").set_index(["name", "counter"])
        assert latest.loc[("db-01", "cpu.ready.summation"), "average"] == pytest.approx(24.0)
        assert latest.loc[("db-01", "cpu.costop.summation"), "average"] == pytest.approx(1.0)
        assert latest.loc[("reporting-01", "mem.swapped.average"), "average"] == 256.0
        off = [n for n, v in seed.PROD["vms"].items() if v["power_state"] != "poweredOn"]
        assert off and not set(off) & set(latest.index.get_level_values("name"))

        # A second recording reads only what is new (the overlap is ignored).
        again = vc.record_metrics()
        assert all(o.vm_days == 0 for o in again.outcomes)
        assert len(samples(vc, "prod", "host", B01, "cpu.usage.average")) - len(b01) <= 1


def test_a_gap_is_backfilled_from_vcenters_rollups(sim_config, vcsims, tmp_path, history_url):
    with companion(sim_config, tmp_path, history_url) as vc:
        vc.record_metrics()
        before = samples(vc, "dr", "host", "esx-dr-01.corp.example.com", "cpu.usage.average")
        store = vc.history.store()
        for hours_back in (3, 40):  # within vCenter's 5-minute day, and beyond it
            # The store as a recorder that stopped ``hours_back`` ago left it.
            cut = marks(vc, "dr")["read_until"] - hours_back * HOUR_US
            hour = (cut - OVERLAP_US) // HOUR_US * HOUR_US
            day = hour // DAY_US * DAY_US
            with store.write() as conn:
                vid = perfstore.vcenter_ids(conn, ["dr"])["dr"]
                mine = metric_samples.c.series_id.in_(
                    select(metric_series.c.id).where(metric_series.c.vcenter_id == vid))
                for resolution, after in ((SAMPLE, cut), (HOUR, hour), (DAY, day)):
                    conn.execute(delete(metric_samples).where(
                        metric_samples.c.resolution == resolution,
                        metric_samples.c.time > after, mine))
                conn.execute(update(metric_marks).where(metric_marks.c.vcenter_id == vid)
                             .values(read_until=cut, rolled_hour=hour, rolled_day=day))
            gone = samples(vc, "dr", "host", "esx-dr-01.corp.example.com", "cpu.usage.average")
            assert len(gone) < len(before)
            result = vc.record_metrics()
            assert {o.vcenter: o.status for o in result.outcomes}["dr"] == "recorded"
            after = samples(vc, "dr", "host", "esx-dr-01.corp.example.com", "cpu.usage.average")
            new = after[after["time"] > cut]
            if hours_back == 3:  # all from vCenter's 5-minute samples
                assert set(new["count"]) == {1} and len(new) >= 3 * 12 - 1
                assert new["time"].diff().dropna().eq(300 * US).all()  # no hole
            else:  # the part older than a day from its 30-minute samples
                assert set(new["count"]) == {1, 6}
                assert new[new["count"] == 6]["time"].max() <= new[new["count"] == 1]["time"].min()
                assert 270 <= (new["count"] == 1).sum() <= 290
                assert (new["time"] - new["count"] * 300 * US).iloc[1:].tolist() == \
                    new["time"].iloc[:-1].tolist()  # every period once, none missing
            hours = samples(vc, "dr", "host", "esx-dr-01.corp.example.com",
                            "cpu.usage.average", HOUR)
            refilled = hours[hours["time"] > hour]
            # (the hour the gap began in holds what was stored before it, and what a
            # 30-minute sample could add: it may be partial)
            assert len(refilled) >= hours_back - 1 and set(refilled["count"][1:]) == {12}
            assert marks(vc, "dr")["rolled_hour"] == hours["time"].max()
            assert (after["value"] == 25).all()  # esx-dr-01 runs at 25 % CPU


def test_a_backfill_beyond_a_week_takes_2_hour_then_30_minute_then_5_minute_samples(
        sim_config, vcsims, tmp_path):
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    with companion(sim_config, tmp_path, url, backfill_days=9, vm_summaries=False) as vc:
        now = to_us(utc_now())
        vc.record_metrics()
        rows_ = samples(vc, "dr", "cluster", "DR-Cluster", "mem.usage.average")
        assert list(dict.fromkeys(rows_["count"])) == [24, 6, 1]  # oldest first
        assert (rows_["time"] - rows_["count"] * 300 * US).iloc[1:].tolist() == \
            rows_["time"].iloc[:-1].tolist()  # every period once, none missing
        assert rows_[rows_["count"] == 24]["time"].max() <= now - 7 * DAY_US + 7200 * US
        assert rows_["time"].min() - 7200 * US >= now - 9 * DAY_US - 60 * US
        assert vc.history.vm_days(since="10d").empty  # vm_summaries: false


def test_retention_prunes_each_resolution_after_its_days(sim_config, vcsims, tmp_path,
                                                       history_url):
    with companion(sim_config, tmp_path, history_url, samples_days=2, hourly_days=10,
                   daily_days=400, vm_days=5) as vc:
        vc.record_metrics()
        now = utc_now()

        def count(table, *where):
            return int(rows(vc, select(func.count()).select_from(table).where(*where)).iloc[0, 0])

        hourly = count(metric_samples, metric_samples.c.resolution == HOUR)
        vm_rows = count(vm_days)
        assert vm_rows and hourly
        pruned = vc.history.purge(now)
        # samples older than 2 days go, once rolled up
        oldest = rows(vc, select(func.min(metric_samples.c.time)).where(
            metric_samples.c.resolution == SAMPLE)).iloc[0, 0]
        assert pruned["metric samples"] > 0 and oldest > to_us(now) - 2 * DAY_US - 1
        assert pruned["metric hourly rows"] == 0 and pruned["VM days"] == 0
        later = now + timedelta(days=12)
        pruned = vc.history.purge(later)
        # hourly rows go once in daily rows: those of today (after rolled_day) stay
        hours_left = count(metric_samples, metric_samples.c.resolution == HOUR)
        assert pruned["metric hourly rows"] == hourly - hours_left > 0
        rolled_day = min(marks(vc, n)["rolled_day"] for n in ("prod", "dr", "lab"))
        assert rows(vc, select(func.min(metric_samples.c.time)).where(
            metric_samples.c.resolution == HOUR)).iloc[0, 0] > rolled_day
        assert pruned["VM days"] == vm_rows and pruned["VM latest windows"] > 0
        # samples newer than the rollup mark are kept whatever their age
        m = marks(vc, "prod")
        left = count(metric_samples, metric_samples.c.resolution == SAMPLE)
        assert left and rows(vc, select(func.min(metric_samples.c.time)).where(
            metric_samples.c.resolution == SAMPLE)).iloc[0, 0] > m["rolled_hour"] - DAY_US
        assert count(metric_samples, metric_samples.c.resolution == DAY) > 0
        assert count(vm_latest) == 0
        pruned = vc.history.purge(now + timedelta(days=500))
        assert count(metric_samples, metric_samples.c.resolution == DAY) == 0


def test_metrics_read_the_history_where_vcenters_samples_are_coarser(sim_config, vcsims,
                                                                   tmp_path, history_url):
    with companion(sim_config, tmp_path, history_url) as vc:
        vc.record_metrics()
        frame = vc.metrics("hosts", counters=["cpu.usage.average"], since="2d")
        assert frame.attrs["history"] == ["prod", "dr", "lab"]
        b01 = frame[frame["name"] == B01]
        assert set(b01["interval"]) == {300, 1800} and (b01["value"] == 95).all()
        assert b01["raw"].isna().all() and set(b01["instance"]) == {""}
        assert list(frame["vcenter"].unique()) == ["prod", "dr", "lab"]
        # a day: vCenter's own 5-minute samples are as fine
        day = vc.metrics("hosts", counters=["cpu.usage.average"], since="1d")
        assert day.attrs["history"] == [] and set(day["interval"]) == {300}
        # 7 days: the history has only 3 here (backfill_days): vCenter answers
        week = vc.metrics("hosts", counters=["cpu.usage.average"], since="7d")
        assert week.attrs["history"] == [] and set(week["interval"]) == {1800}
        # one vCenter, one object: the object page's read
        one = vc.metrics("datastores", since="2d", vcenter="prod",
                         moids=[vc.datastores().set_index(["vcenter", "name"]).loc[
                             ("prod", "prod-ds-03"), "moid"]])
        assert one.attrs["history"] == ["prod"] and set(one["name"]) == {"prod-ds-03"}
        reads = one[one["counter"] == "datastore.totalReadLatency.average"]
        assert (reads["value"] == 60).all() and set(reads["unit"]) == {"ms"}
        # explicit intervals and VMs always ask vCenter
        assert vc.metrics("hosts", since="2d", interval=1800).attrs["history"] == []
        assert vc.metrics("vms", counters=["cpu.usage.average"], since="2d",
                          vcenter="lab").attrs["history"] == []


@pytest.mark.parametrize("since, vcenter_interval, expected", [
    ("1h", 20, None), ("1d", 300, None), ("2d", 1800, SAMPLE), ("7d", 1800, SAMPLE),
    ("30d", 7200, HOUR), ("90d", 86400, HOUR), ("365d", 86400, HOUR),
    ("400d", 86400, None)])
def test_the_resolution_the_history_answers_at(since, vcenter_interval, expected):
    settings = {"samples_days": 30, "hourly_days": 365, "daily_days": 1825}
    request = Request.make("hosts", None, since)
    assert perfread.resolution_for(request, settings) == expected
    assert perfread.resolution_for(Request.make("vms", None, since), settings) is None
    assert perfread.resolution_for(Request.make("clusters", None, "10d"), {
        **settings, "samples_days": 5}) == HOUR


def test_backfill_intervals():
    assert [coarse_interval(d * DAY_US) for d in (0.5, 1, 3, 7, 8, 30, 40)] == \
        [300, 300, 1800, 1800, 7200, 7200, 7200]


def test_the_history_job_stores_the_statistics_after_the_changes(tmp_path, sim_config,
                                                                 sim_env):
    from vcompanion.config import load_config
    from vcompanion.jobs import history as history_jobs
    data = json.loads(sim_config.read_text(encoding="utf-8"))
    for name, metrics in (("on", {"backfill_days": 1}), ("off", {"enabled": False})):
        data.update(data_dir=str(tmp_path / name / "data"),
                    history={"metrics": metrics})
        path = tmp_path / name / "config.json"
        path.parent.mkdir()
        path.write_text(json.dumps(data), encoding="utf-8")
        result = history_jobs.run_recording(str(path))
        assert {o.status for o in result.outcomes} == {"baseline"}
        with Companion(load_config(path)) as vc:
            series = rows(vc, select(func.count()).select_from(metric_series)).iloc[0, 0]
            if name == "on":
                assert series > 0 and all(marks(vc, n)["read_until"] for n in
                                          ("prod", "dr", "lab"))
            else:
                assert series == 0
