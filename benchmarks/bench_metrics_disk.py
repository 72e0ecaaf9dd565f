"""Benchmark: what a year of performance statistics costs on disk, with the
history's schema as built (schema version 3, SQLite).

    .venv/bin/python benchmarks/bench_metrics_disk.py [--vms 20000] [--hosts 500]
        [--clusters 50] [--datastores 500] [--sample-hosts 100] [--sample-vms 2000]
        [--days 3]

A measured sample, extrapolated:

1. a new SQLite history, built by the same migrations as ``vcompanion``;
2. ``--days`` days of 5-minute samples of ``--sample-hosts`` hosts, with
   clusters and datastores in the proportion of the target fleet, for the
   counters a recording stores (``tables/performance.KINDS``), written by the
   recorder's own writer (``perfstore.write_samples``); VACUUM; bytes per
   sample row;
3. rolled up hourly and daily by ``perfstore.rollup`` as a recording does;
   VACUUM; bytes per rollup row (hourly and daily rows have one shape);
4. ``--sample-vms`` VMs' daily summaries over the same days
   (``write_vm_days``) and their latest window (``replace_vm_latest``);
   VACUUM; bytes per row of each, and per series (the series table with its
   unique index).

Sizes are the B-tree pages of each table and its indexes (SQLite's ``dbstat``).
Every value is a random number with two decimals, as vCenter's percentages
come out (a whole number or zero, as most balloon and swap figures are, takes
fewer bytes: the estimate is on the high side).  The year multiplies the bytes
per row by the rows kept in steady state under the default ``history.metrics``
retention (vcompanion/settings/keeping.py): 5-minute samples ``samples_days``, hourly rollups
``hourly_days``, a year of daily rollups, VM daily summaries ``vm_days``
(each at most a year), one latest window per VM and counter.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vcompanion.history import migrations, perfstore  # noqa: E402
from vcompanion.history.schema import vcenters  # noqa: E402
from vcompanion.history.store import open_store  # noqa: E402
from vcompanion.history.times import US  # noqa: E402
from vcompanion.settings import METRICS_HISTORY  # noqa: E402
from vcompanion.tables.performance import KINDS  # noqa: E402

DAY_S = 86_400
FIVE = 300
START = 1_767_225_600  # 2026-01-01 00:00 UTC
TABLES = {"series": "history_metric_series", "samples": "history_metric_samples",
          "vm_days": "history_vm_days", "vm_latest": "history_vm_latest"}


def value(rng: random.Random) -> float:
    return round(rng.uniform(0, 100), 2)


def objects(kind: str, count: int) -> list[tuple[str, str]]:
    """(moid, name) of ``count`` objects of a kind, named as vCenter names them."""
    prefix = {"hosts": ("host", "esx-{:04d}.corp.example.com"),
              "clusters": ("domain-c", "Cluster-{:03d}"),
              "datastores": ("datastore-", "ds-{:04d}"),
              "vms": ("vm-", "app-server-{:05d}")}[kind]
    return [(f"{prefix[0]}{1000 + i}", prefix[1].format(i)) for i in range(count)]


def sample_frame(kind: str, items: list[tuple[str, str]], day: int,
                 rng: random.Random) -> pd.DataFrame:
    """One day of 5-minute SAMPLE rows (perfrecord's columns) for ``items``."""
    spec = KINDS[kind]
    spread = kind == "datastores"  # the hosts' average, lowest and highest
    rows = []
    for t in range(START + day * DAY_S + FIVE, START + (day + 1) * DAY_S + 1, FIVE):
        for moid, name in items:
            for figure in spec.figures:
                v = value(rng)
                rows.append((moid, name, figure.counter, figure.unit, t * US, v,
                             round(v * 0.8, 2) if spread else float("nan"),
                             round(v * 1.2, 2) if spread else float("nan"), 1))
    return pd.DataFrame(rows, columns=["moid", "name", "counter", "unit", "time", "value",
                                       "low", "high", "count"])


def vm_frames(items: list[tuple[str, str]], days: int,
              rng: random.Random) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The VMs' daily summaries over ``days`` and their latest window."""
    figures = KINDS["vms"].figures
    summary, latest = [], []
    for day in range(days):
        for moid, name in items:
            for f in figures:
                a = value(rng)
                summary.append((moid, name, f.counter, f.unit, (START + day * DAY_S) * US, a,
                                round(a * 1.5, 2), round(a * 2, 2), 288, FIVE))
    end = (START + days * DAY_S) * US
    for moid, name in items:
        for f in figures:
            a = value(rng)
            latest.append((moid, name, f.counter, f.unit, end - 900 * US, end, a,
                           round(a * 2, 2), 45))
    return (pd.DataFrame(summary, columns=["moid", "name", "counter", "unit", "day",
                                           "average", "p95", "maximum", "count",
                                           "interval"]),
            pd.DataFrame(latest, columns=["moid", "name", "counter", "unit", "start", "time",
                                          "average", "maximum", "count"]))


def sizes(path: Path) -> dict[str, int]:
    """Bytes of each history_metric/vm table with its indexes, after VACUUM."""
    db = sqlite3.connect(path)
    try:
        db.execute("VACUUM")
        rows = db.execute("SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN "
                          "sqlite_master m ON d.name = m.name GROUP BY m.tbl_name").fetchall()
        return {key: dict(rows).get(table, 0) for key, table in TABLES.items()}
    finally:
        db.close()


def count(path: Path, table: str, where: str = "") -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table} {where}").fetchone()[0]
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vms", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--datastores", type=int, default=500)
    parser.add_argument("--sample-hosts", type=int, default=100)
    parser.add_argument("--sample-vms", type=int, default=2000)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()
    defaults = {f.name: f.default for f in METRICS_HISTORY.fields}
    rng = random.Random(7)
    share = args.sample_hosts / args.hosts
    sample = {"hosts": args.sample_hosts,
              "clusters": max(1, round(args.clusters * share)),
              "datastores": max(1, round(args.datastores * share))}

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.sqlite"
        store = open_store(make_url(f"sqlite:///{path}"))
        migrations.migrate(store)
        ids = perfstore.SeriesIds()
        started = time.perf_counter()
        with store.write("benchmark") as conn:
            conn.execute(insert(vcenters).values(key="bench", name="bench"))
            vid = conn.execute(select(vcenters.c.id)).scalar_one()
            current = perfstore.marks(conn, vid, lock="sqlite")
            for kind, n in sample.items():
                items = objects(kind, n)
                for day in range(args.days):
                    perfstore.write_samples(conn, "sqlite", ids, vid,
                                            perfstore.KINDS[kind],
                                            sample_frame(kind, items, day, rng))
        written = time.perf_counter() - started
        n_samples = count(path, "history_metric_samples")
        before = sizes(path)

        started = time.perf_counter()
        with store.write("benchmark") as conn:
            perfstore.rollup(conn, "sqlite", vid, current,
                             (START + args.days * DAY_S) * US)
        rolled = time.perf_counter() - started
        n_rollups = count(path, "history_metric_samples", "WHERE resolution <> 0")
        after = sizes(path)

        days, latest = vm_frames(objects("vms", args.sample_vms), args.days, rng)
        with store.write("benchmark") as conn:
            perfstore.write_vm_days(conn, "sqlite", ids, vid, days)
            perfstore.replace_vm_latest(conn, "sqlite", ids, vid, latest)
        final = sizes(path)
        n_series = count(path, "history_metric_series")
        n_days = count(path, "history_vm_days")
        n_latest = count(path, "history_vm_latest")
        store.close()

    per_row = {"sample": before["samples"] / n_samples,
               "rollup": (after["samples"] - before["samples"]) / n_rollups,
               "vm_day": final["vm_days"] / n_days,
               "vm_latest": final["vm_latest"] / n_latest,
               "series": final["series"] / n_series}
    print(f"sample: {args.days} days; {sample['hosts']} hosts, {sample['clusters']} "
          f"clusters, {sample['datastores']} datastores ({n_samples:,} 5-minute samples "
          f"written in {written:.1f} s, {n_rollups:,} rollup rows made in {rolled:.1f} s); "
          f"{args.sample_vms} VMs ({n_days:,} daily summaries, {n_latest:,} latest)")
    print(f"SQLite {sqlite3.sqlite_version}, bytes per row (table and indexes, VACUUMed): "
          + ", ".join(f"{k} {v:.1f}" for k, v in per_row.items()))

    stored = (args.hosts * len(KINDS["hosts"].counters)
              + args.clusters * len(KINDS["clusters"].counters)
              + args.datastores * len(KINDS["datastores"].counters))
    vm_series = args.vms * len(KINDS["vms"].counters)
    year = 365
    kept = {"samples_days": min(defaults["samples_days"], year),
            "hourly_days": min(defaults["hourly_days"], year),
            "vm_days": min(defaults["vm_days"], year)}
    lines = [
        ("5-minute samples", f"{stored:,} series x 288 x {kept['samples_days']:g} d",
         stored * 288 * kept["samples_days"], per_row["sample"]),
        ("hourly rollups", f"{stored:,} series x 24 x {kept['hourly_days']:g} d",
         stored * 24 * kept["hourly_days"], per_row["rollup"]),
        ("daily rollups", f"{stored:,} series x {year} d", stored * year, per_row["rollup"]),
        ("VM daily summaries", f"{vm_series:,} series x {kept['vm_days']:g} d",
         vm_series * kept["vm_days"], per_row["vm_day"]),
        ("VM latest windows", f"{vm_series:,} series", vm_series, per_row["vm_latest"]),
        ("series", "", stored + vm_series, per_row["series"]),
    ]
    print(f"\nA year for {args.vms:,} VMs, {args.hosts:,} hosts, {args.clusters:,} "
          f"clusters, {args.datastores:,} datastores (default retention):")
    print(f"{'what':<20} {'rows kept':<34} {'rows':>13} {'B/row':>7} {'GB':>7}")
    total = 0.0
    for what, how, rows, size in lines:
        total += rows * size
        print(f"{what:<20} {how:<34} {int(rows):>13,} {size:>7.1f} {rows * size / 1e9:>7.2f}")
    print(f"{'total':<20} {'':<34} {'':>13} {'':>7} {total / 1e9:>7.2f}")


if __name__ == "__main__":
    main()
