"""History benchmark: recording cost against changes, queries, a year's size.

    .venv/bin/python benchmarks/bench_history.py [--vms 6000] [--year-vms 20000]
                                                 [--year-days 365] [--db DIR]

1. Starts three simulated vCenters of the "large" model (``--vms`` VMs each),
   reads them once (the inventory in memory) and times the recording step
   alone (``History.record`` on tables already built): the first recording
   (the baseline), then recordings with 0 % (the very same tables, as in live
   mode; and tables rebuilt, every row hashed), 1 % and 10 % of the VMs
   changed.
2. ``changes(since="7d")`` and ``as_of()`` over the 18,000 VMs.
3. A simulated year for ``--year-vms`` VMs (the simulators' rows, copied with
   new ids, with hosts, datastores and clusters in proportion): a recording
   every 15 minutes, 1 % of the VMs changing a day, host, cluster and
   datastore figures changing at every recording; the retention settings'
   defaults applied daily (``--year-days`` simulates fewer days).  Only the
   last ``--fine-days`` (8) days are recorded every 15 minutes, the days
   before hourly (and their VM changes in 6 batches a day instead of 24): raw
   samples are kept 7 days, the hourly and daily rollups and the change log
   come out the same, and the run takes minutes instead of hours
   (``--fine-days 365`` records the whole year every 15 minutes).  Side
   by side: the naive design, a full snapshot of every table per recording
   (what archiving one RVTools export per run amounts to), measured for one
   recording and multiplied.

SQLite files go to a temporary folder (``--db`` to keep them).
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import simulators  # noqa: E402  (tests/simulators.py)

from vcompanion import Companion  # noqa: E402
from vcompanion.config import Config  # noqa: E402
from vcompanion.history import History, Reading  # noqa: E402

TABLES = ("vms", "hosts", "datastores", "clusters", "networks")
START = datetime(2025, 1, 1, tzinfo=UTC)


def history_at(folder: Path, name: str, **retention) -> History:
    path = folder / f"{name}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return History(Config.from_dict({
        "vcenters": [{"name": "x", "host": "x"}], "data_dir": str(folder),
        "history": {"database_url": f"sqlite:///{path}",
                    **({"retention": retention} if retention else {})}}))


def readings(frames: dict, when: datetime) -> list[Reading]:
    return [Reading(name, f"bench-{name}", when, table=lambda t, f=f: f[t])
            for name, f in frames.items()]


def changed(frames: dict, share: float, rng: random.Random) -> tuple[dict, int]:
    """Copies of every table with ``share`` of each vCenter's VMs reconfigured."""
    out, count = {}, 0
    for name, f in frames.items():
        copy = {t: f[t].copy() for t in TABLES}
        vms = copy["vms"]
        picked = rng.sample(range(len(vms)), int(len(vms) * share))
        if picked:
            vms.loc[picked, "num_cpu"] = vms.loc[picked, "num_cpu"].fillna(1) + 1
        count += len(picked)
        out[name] = copy
    return out, count


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def part_one(vms: int, folder: Path) -> dict:
    specs = [(f"lg{i}", "large", vms) for i in range(1, 4)]
    sims = simulators.start_simulators(folder / "vcsim", specs=specs)
    try:
        path = simulators.write_config(sims, folder / "config.json")
        with Companion.from_config(path, username=simulators.DEFAULT_USERNAME,
                                   password=simulators.DEFAULT_PASSWORD) as vc:
            vc.refresh()
            assert not vc.failures, vc.failures
            frames = {}
            for name in vc.vcenter_names:
                frames[name] = {t: vc.table(t)[vc.table(t)["vcenter"] == name]
                                .reset_index(drop=True) for t in TABLES}
    finally:
        for sim in sims:
            sim.stop()
    total = sum(len(f["vms"]) for f in frames.values())
    rng = random.Random(7)
    h = history_at(folder, "steps")
    rows, when = [], START
    result, seconds = timed(lambda: h.record(readings(frames, when), now=when))
    first_time = when
    rows.append(("first recording (baseline)", total, 0, seconds))
    steps = (("0 % changed, the same tables (live mode)", None),
             ("0 % changed, tables rebuilt (every row hashed)", 0.0),
             ("1 % of the VMs changed", 0.01), ("10 % of the VMs changed", 0.10))
    for label, share in steps:
        now_frames, expected = (frames, 0) if share is None else changed(frames, share, rng)
        when += timedelta(minutes=15)
        started = time.perf_counter()
        result = h.record(readings(now_frames, when), now=when)
        seconds = time.perf_counter() - started
        assert result.changes == expected, (result.changes, expected)
        rows.append((label, total, result.changes, seconds))
        frames = now_frames
    since = when - timedelta(days=7)
    times = {}
    until = when + timedelta(seconds=1)
    for _ in range(3):  # best of three
        got, s = timed(lambda: h.changes(since=since, until=until))
        times["changes"] = min(times.get("changes", s), s)
        past, s = timed(lambda: h.as_of(first_time, "vms"))
        times["as_of"] = min(times.get("as_of", s), s)
    h.close()
    return {"rows": rows, "vms": total, "changes_rows": len(got), "as_of_rows": len(past),
            **times, "frames": frames}


def scaled(frames: dict, vms: int) -> dict:
    """About ``vms`` VMs over three vCenters, hosts/datastores/clusters in proportion
    (copies of the simulators' rows with new ids)."""
    per = vms // len(frames)
    out = {}
    for name, f in frames.items():
        factor = per / len(f["vms"])
        out[name] = {}
        for t in TABLES:
            frame = f[t]
            copies = max(1, math.ceil(factor)) if t != "networks" else 1
            parts = []
            for c in range(copies):
                part = frame.copy()
                part["moid"] = part["moid"] + f"-{c}"
                part["name"] = part["name"] + (f"-{c}" if c else "")
                parts.append(part)
            scaled_frame = pd.concat(parts, ignore_index=True)
            if t == "vms":
                scaled_frame = scaled_frame.iloc[:per].reset_index(drop=True)
            out[name][t] = scaled_frame
    return out


def bytes_by_table(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        conn.close()
    return dict(rows)


def naive_snapshot_bytes(frames: dict, folder: Path) -> int:
    """SQLite bytes of one full snapshot of every table (all columns)."""
    path = folder / "naive.sqlite"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        for t in TABLES:
            frame = pd.concat([f[t] for f in frames.values()], ignore_index=True)
            flat = frame.astype(object).where(frame.notna(), None)
            for column in flat.columns:
                if frame[column].dtype == object:
                    flat[column] = flat[column].map(
                        lambda v: ", ".join(map(str, v)) if isinstance(v, list) else v)
                elif str(frame[column].dtype).startswith("datetime"):
                    flat[column] = flat[column].map(lambda v: v.isoformat() if v else None)
            flat.insert(0, "recording", 1)
            flat.to_sql(t, conn, index=False)
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    return path.stat().st_size


def year(frames: dict, vms: int, days: int, folder: Path, fine_days: int) -> dict:
    big = scaled(frames, vms)
    total = sum(len(f["vms"]) for f in big.values())
    h = history_at(folder, "year")
    rng = random.Random(11)
    per_day = max(1, int(total * 0.01))
    when = START
    started = time.perf_counter()
    current = big
    for day in range(days):
        # The last fine_days days every 15 minutes (what the raw retention keeps);
        # before them hourly: the hourly and daily rollups come out the same.
        every = 1 if day >= days - fine_days else 4
        for step in range(0, 96, every):
            # Capacity figures change at every recording.
            now_frames = {}
            for name, f in current.items():
                now_frames[name] = dict(f)
                for t, columns in (("hosts", ("cpu_usage_mhz", "memory_usage_gb")),
                                   ("datastores", ("free_bytes",)),
                                   ("clusters", ("cpu_usage_mhz", "memory_usage_gb"))):
                    frame = f[t].copy()
                    wobble = 1 + 0.05 * math.sin(step / 96 * 2 * math.pi + day)
                    for column in columns:
                        frame[column] = (frame[column] * wobble).astype(frame[column].dtype)
                    now_frames[name][t] = frame
            batches = 24 if every == 1 else 6  # hourly; every 4 hours when coarse
            if step % (96 // batches) == 0:  # a day's 1 % of the VMs, in batches
                index = step // (96 // batches)
                batch = per_day // batches + (1 if index < per_day % batches else 0)
                for name in now_frames:
                    vms_frame = now_frames[name]["vms"].copy()
                    picked = rng.sample(range(len(vms_frame)), max(0, batch // len(big)))
                    if picked:
                        vms_frame.loc[picked, "memory_mb"] = \
                            vms_frame.loc[picked, "memory_mb"] + 1024
                    now_frames[name]["vms"] = vms_frame
                current = {n: {**current[n], "vms": now_frames[n]["vms"]} for n in current}
            h.record(readings(now_frames, when), now=when)
            when += timedelta(minutes=15 * every)
        h.purge(now=when)
        if day % 10 == 9:
            print(f"  year: day {day + 1}/{days}, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)
    h.close()
    path = folder / "year.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
        "history_objects", "history_changes", "history_samples", "history_recordings",
        "history_coverage")}
    by_resolution = dict(conn.execute(
        "SELECT resolution, count(*) FROM history_samples GROUP BY resolution").fetchall())
    conn.close()
    size = path.stat().st_size
    tables = bytes_by_table(path)
    naive_one = naive_snapshot_bytes(big, folder)
    return {"vms": total, "days": days, "fine_days": min(fine_days, days), "size": size,
            "tables": tables,
            "counts": counts, "samples": by_resolution, "seconds":
            time.perf_counter() - started, "naive_one": naive_one,
            "naive_year": naive_one * days * 96, "hosts": sum(len(f["hosts"])
                                                               for f in big.values()),
            "datastores": sum(len(f["datastores"]) for f in big.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=6000)
    parser.add_argument("--year-vms", type=int, default=20000)
    parser.add_argument("--year-days", type=int, default=365)
    parser.add_argument("--fine-days", type=int, default=8,
                        help="simulate only the last N days every 15 minutes, hourly "
                             "before (365: all of it every 15 minutes)")
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    folder = args.db or Path(tempfile.mkdtemp(prefix="vcompanion-bench-history-"))
    folder.mkdir(parents=True, exist_ok=True)
    one = part_one(args.vms, folder)
    print(f"\nRecording step alone, {one['vms']:,} VMs in 3 vCenters (SQLite):\n")
    print("| Recording | VMs | Changes | Seconds |")
    print("|---|---:|---:|---:|")
    for label, vms, count, seconds in one["rows"]:
        print(f"| {label} | {vms:,} | {count:,} | {seconds:.3f} |")
    print(f"\n| Query | Rows | Seconds |\n|---|---:|---:|\n"
          f"| changes(since=\"7d\") | {one['changes_rows']:,} | {one['changes']:.3f} |\n"
          f"| as_of(first recording, \"vms\") | {one['as_of_rows']:,} | {one['as_of']:.3f} |")
    if args.year_days:
        y = year(one["frames"], args.year_vms, args.year_days, folder, args.fine_days)
        gib = 1024 ** 3
        label = "a year" if y["days"] >= 365 else f"{y['days']} days"
        print(f"\nSimulated year: {y['vms']:,} VMs, {y['hosts']:,} hosts, "
              f"{y['datastores']:,} datastores; 1 % of the VMs changing a day; a "
              f"recording every 15 minutes for the last {y['fine_days']} days, hourly "
              f"before; {y['days']} days simulated in {y['seconds']:.0f} s.\n")
        print("| Design | Database after " + label + " |\n|---|---:|")
        print(f"| vCompanion history (change log + rolled-up samples) | "
              f"{y['size'] / gib:.3f} GiB |")
        print(f"| Naive: a full snapshot per recording | {y['naive_year'] / gib:,.0f} GiB "
              f"({y['naive_one'] / 2**20:.1f} MiB x {y['days'] * 96:,} recordings) |")
        print(f"| Ratio | {y['naive_year'] / y['size']:,.0f} x smaller |")
        print(f"\nRows after {y['days']} days: " + ", ".join(
            f"{k.removeprefix('history_')} {v:,}" for k, v in y["counts"].items())
            + "; samples by resolution (0 raw, 1 hourly, 2 daily): "
            + ", ".join(f"{k}: {v:,}" for k, v in sorted(y["samples"].items()))
            + f"; file {y['size'] / 2**20:.0f} MiB (" + ", ".join(
                f"{k} {v / 2**20:.0f}" for k, v in sorted(y["tables"].items(),
                                                          key=lambda kv: -kv[1])[:6])
            + " MiB)")


if __name__ == "__main__":
    main()
