"""Benchmark: what a year of performance history costs on disk.

    .venv/bin/python benchmarks/bench_history_size.py [--rows 300000] [--postgres]
        [--vms 20000] [--hosts 500] [--clusters 50] [--datastores 500]

Measures the bytes one row takes, table and primary-key index together, for
the three row shapes the design keeps (issue "Performance metrics",
"Keeping it"):

- ``sample``:  (series, time, value), the 5-minute samples of hosts,
  clusters and datastores;
- ``rollup``:  (series, period start, average, minimum, maximum, samples), the
  hourly and daily rollups of those series;
- ``vm_day``:  (series, day, average, p95, maximum), a VM's daily summary per
  counter (its detail stays in vCenter, read on demand).

``--rows`` rows of each shape are written to SQLite (WITHOUT ROWID, the
primary key is the table; VACUUMed) and, with ``--postgres``, to a throw-away
PostgreSQL cluster (initdb in a temporary folder; as root it runs as the
``postgres`` user); ``pg_total_relation_size`` after VACUUM FULL.  The
yearly figure multiplies the measured sizes by the rows of a year in steady
state under the retention printed with it (assumptions, until the history
store's settings exist): 5-minute samples 30 days, hourly rollups 1 year,
daily rollups 1 year, VM daily summaries 1 year, plus each VM's latest
window (one summary per counter, overwritten).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

SHAPES = {  # name -> (columns, primary key)
    "sample": ("series INTEGER NOT NULL, time INTEGER NOT NULL, value REAL",
               "series, time"),
    "rollup": ("series INTEGER NOT NULL, start INTEGER NOT NULL, average REAL, "
               "minimum REAL, maximum REAL, samples INTEGER", "series, start"),
    "vm_day": ("series INTEGER NOT NULL, day INTEGER NOT NULL, average REAL, p95 REAL, "
               "maximum REAL", "series, day"),
}
PG_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}


def rows(shape: str, n: int, step: int):
    """``n`` plausible rows: series of 288 samples each, values with two
    decimals (as percentages, MiB and milliseconds come out)."""
    rng = random.Random(7)
    series_count = max(1, n // 288)
    for i in range(n):
        series, when = i % series_count, 1_700_000_000 + (i // series_count) * step
        base = rng.uniform(0, 100)
        if shape == "sample":
            yield (series, when, round(base, 2))
        elif shape == "rollup":
            yield (series, when, round(base, 2), round(base * 0.7, 2),
                   round(base * 1.4, 2), 12)
        else:
            yield (series, when, round(base, 2), round(base * 1.3, 2), round(base * 1.5, 2))


def sqlite_bytes(shape: str, n: int, folder: Path) -> float:
    columns, key = SHAPES[shape]
    path = folder / f"{shape}.db"
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE t ({columns}, PRIMARY KEY ({key})) WITHOUT ROWID")
    marks = ",".join("?" * (columns.count(",") + 1))
    db.executemany(f"INSERT INTO t VALUES ({marks})", rows(shape, n, 300))
    db.commit()
    db.execute("VACUUM")
    pages, size = db.execute("PRAGMA page_count").fetchone()[0], \
        db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return pages * size / n


class Postgres:
    """A throw-away PostgreSQL cluster on a Unix socket in a temporary folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data, self.sock = folder / "data", folder / "sock"
        self.port = _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *cmd: str, **kw) -> str:
        done = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, **kw)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:2])} failed: {done.stderr[-2000:]}")
        return done.stdout

    def __enter__(self) -> Postgres:
        self.sock.mkdir(parents=True)
        if self.as_user:
            self.folder.parent.chmod(0o755)  # mkdtemp's 0700 would keep postgres out
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.sock, "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.folder / "log"),
                 "-o", f"-k {self.sock} -p {self.port} -c listen_addresses=''", "start")
        return self

    def sql(self, text: str, stdin: str | None = None) -> str:
        return self.run("psql", "-h", str(self.sock), "-p", str(self.port), "-U",
                        "postgres", "-At", "-v", "ON_ERROR_STOP=1", "-c", text,
                        input=stdin)

    def __exit__(self, *exc) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop")


def postgres_bytes(pg: Postgres, shape: str, n: int) -> float:
    columns, key = SHAPES[shape]
    for sqlite_type, pg_type in PG_TYPES.items():
        columns = columns.replace(sqlite_type, pg_type)
    pg.sql(f"CREATE TABLE {shape} ({columns}, PRIMARY KEY ({key}))")
    data = "\n".join("\t".join(map(str, r)) for r in rows(shape, n, 300)) + "\n"
    pg.sql(f"COPY {shape} FROM STDIN", stdin=data)
    pg.sql(f"VACUUM FULL {shape}")
    return int(pg.sql(f"SELECT pg_total_relation_size('{shape}')")) / n


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def yearly_rows(args) -> dict[str, int]:
    """Rows kept in steady state for a year of history (see the module docstring)."""
    series = args.hosts * 5 + args.clusters * 2 + args.datastores * 2
    vm_series = args.vms * 10
    return {
        "sample": series * 288 * 30,                 # 5-minute samples, 30 days
        "rollup": series * (24 * 365 + 365),         # hourly and daily, a year each
        "vm_day": vm_series * 365 + vm_series,       # daily summaries + latest window
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--vms", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--datastores", type=int, default=500)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        started = time.perf_counter()
        measured = {"SQLite": {s: sqlite_bytes(s, args.rows, folder) for s in SHAPES}}
        if args.postgres:
            with Postgres(folder / "pg") as pg:
                measured["PostgreSQL"] = {s: postgres_bytes(pg, s, args.rows)
                                          for s in SHAPES}
        counts = yearly_rows(args)
        print(f"{args.rows:,} rows per shape, measured in {time.perf_counter() - started:.0f} s")
        print(f"{'shape':8s} {'rows in a year':>16s}" + "".join(
            f" {db + ' B/row':>16s} {db + ' GB':>14s}" for db in measured))
        totals = {db: 0.0 for db in measured}
        for shape, count in counts.items():
            line = f"{shape:8s} {count:16,d}"
            for db, sizes in measured.items():
                gb = sizes[shape] * count / 1e9
                totals[db] += gb
                line += f" {sizes[shape]:16.1f} {gb:14.2f}"
            print(line)
        print(f"{'total':8s} {sum(counts.values()):16,d}" + "".join(
            f" {'':16s} {totals[db]:14.2f}" for db in measured))
        print(f"({args.vms:,} VMs x 10 counters, {args.hosts} hosts x 5, "
              f"{args.clusters} clusters x 2, {args.datastores} datastores x 2)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
