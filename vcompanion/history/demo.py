"""The demo's history: 60 days, made by running the real recorder.

Nothing here writes a history row itself.  The demo's vCenters are generated
as today (``vcompanion.demo.generate``) and their tables built with the real
table code; a seeded list of operations (power off and on, CPU and memory
changes, renames, vMotions, snapshots, VMs deleted and cloned, a host in
maintenance, a datastore grown) is then undone, back to 60 days ago, and
replayed forward, a recording every ``STEP_HOURS`` hours, each operation with
the vCenter event (and user) vCenter would have logged.  Datastores grow,
one of them (the fullest with room to spare) fast enough to be full in about
ten days; cluster memory creeps up; dr is down one night and branch never
answers, so the gaps show.

The recordings are made once per machine (``history-demo-vN-sM-template.sqlite``
in the demo's data folder, about half a minute; N is this generator's version,
M the schema's, so two versions of vCompanion on one machine never open each
other's file); every day gets a copy whose times are moved forward by whole
days (``history-demo-vN-sM-DATE.sqlite``).
Each file is written under a temporary name and then moved into place:
processes that start together never see half of one.
"""

from __future__ import annotations

import logging
import math
import os
import random
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from pyVmomi import vim
from sqlalchemy.engine import URL

from ..clock import utc_now
from ..demo import SITES, generate
from .capacity import DAY_US
from .migrations import LATEST
from . import retention
from .recorder import Reading, Recorder
from .schema import meta
from .store import open_store
from .times import to_us

log = logging.getLogger(__name__)

DAYS = 60
STEP_HOURS = 8
GROWN_DAYS_AGO = 25
VERSION = 3  # of this generator and its schema: a new one builds a new file
USERS = ("CORP\\j.smith", "CORP\\m.lopez", "CORP\\a.novak", "VSPHERE.LOCAL\\Administrator")
BACKUP = "svc-backup@vsphere.local"
RETENTION = {"raw_samples_days": 7, "hourly_samples_days": 90, "daily_samples_days": 1825,
             "changes_days": 730}  # the defaults of history.retention
TABLE_NAMES = ("vms", "hosts", "datastores", "clusters", "networks")


def seed(url: URL) -> URL:
    """The demo's history database, ending today (see the module docstring).

    Only for a SQLite ``url``: a shared database is never filled with demo data.
    The recordings are made once per machine (a template); each day gets a
    copy moved forward by whole days, so hourly and daily rollups stay aligned.
    """
    if url.get_backend_name() != "sqlite":
        return url
    now = utc_now()
    folder = Path(url.database).parent
    path = folder / file_name(f"{now:%Y%m%d}")
    if path.exists():
        return URL.create("sqlite", database=str(path))
    folder.mkdir(parents=True, exist_ok=True)
    template = folder / file_name("template")
    if not template.exists():
        log.info("demo: recording %d days of synthetic history (once)", DAYS)
        _atomic(template, lambda tmp: build(URL.create("sqlite", database=str(tmp)), now))
    _atomic(path, lambda tmp: _shifted_copy(template, tmp, now))
    for old in folder.glob(file_name("2*") + "*"):
        if not old.name.startswith(path.name):
            try:
                old.unlink()
            except OSError:
                pass
    return URL.create("sqlite", database=str(path))


def file_name(part: str) -> str:
    """The name of one of the demo's files: versions of the generator and the schema."""
    return f"history-demo-v{VERSION}-s{LATEST}-{part}.sqlite"


def _atomic(path: Path, make) -> None:
    """``make(tmp)``, then move ``tmp`` to ``path`` (readers never see half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        make(tmp)
        os.replace(tmp, path)
    finally:
        for leftover in path.parent.glob(f"{tmp.name}*"):
            leftover.unlink(missing_ok=True)


_SHIFT = (("history_recordings", ("time",)),
          ("history_vcenters", ("baseline", "last_time", "last_read")),
          ("history_objects", ("valid_from", "valid_to")),
          ("history_changes", ("time", "event_time")),
          ("history_samples", ("time",)))
_FAR = 10 ** 17  # microseconds: 3,000 years; keeps the primary keys unique while moving


def _shifted_copy(template: Path, target: Path, now: datetime) -> None:
    """A copy of the template moved forward by whole days, to end before ``now``."""
    shutil.copyfile(template, target)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("BEGIN")
        end = int(conn.execute("SELECT value FROM history_meta WHERE key = 'demo_end'")
                  .fetchone()[0])
        days = int((to_us(now) - end) // DAY_US)
        delta = days * DAY_US
        if days > 0:
            for table, columns in _SHIFT:
                for offset in (delta + _FAR, -_FAR):
                    sets = ", ".join(f"{c} = {c} + {offset}" for c in columns)
                    conn.execute(f"UPDATE {table} SET {sets}")
            conn.execute("UPDATE history_meta SET value = CAST(CAST(value AS INTEGER) + ? "
                         "AS TEXT) WHERE key IN ('rolled_hour', 'rolled_day', 'demo_end') "
                         "AND value IS NOT NULL", (delta,))
        conn.execute("COMMIT")
    finally:
        conn.close()


def build(url: URL, end: datetime) -> None:
    """Record ``DAYS`` days of synthetic history ending at ``end`` into ``url``."""
    from . import migrations
    store = open_store(url)
    try:
        migrations.migrate(store)
        recorder = Recorder(store)
        recorder.machine = "demo"
        timeline = Timeline(end)
        last = end
        for when in timeline.steps():
            recorder.record(timeline.readings(when), now=when)
            last = when
        with store.write("marking the demo's end") as conn:
            conn.execute(meta.insert().values(key="demo_end", value=str(to_us(last))))
            retention.purge(conn, RETENTION, last)
    finally:
        store.close()
    # One self-contained file (no -wal beside it) that can be moved into place.
    conn = sqlite3.connect(url.database, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")
    finally:
        conn.close()


@dataclass
class Op:
    """One operation on one row of one table, at ``time``."""

    time: datetime
    vcenter: str
    table: str
    row: int
    values: dict  # column -> value after the operation
    event: str | None = None
    user: str | None = None
    created: bool | None = None  # True: the row appears; False: it goes
    before: dict = field(default_factory=dict)  # filled when the timeline is undone


class Timeline:
    """Every demo vCenter's tables at any step of the synthetic history."""

    def __init__(self, end: datetime):
        self.end = end
        self.start = end - timedelta(days=DAYS)
        self.rng = random.Random(20240611)
        environment = generate(end)
        self.vcenters = [s.name for s in SITES if not s.unreachable]
        self.uuids = {s.name: s.about.instance_uuid for s in SITES}
        self.down = {s.name: s.unreachable for s in SITES if s.unreachable}
        self.tables = {name: {t: self._build(t, environment.inventories[name])
                              for t in TABLE_NAMES} for name in self.vcenters}
        self.present = {name: pd.Series(True, index=self.tables[name]["vms"].index)
                        for name in self.vcenters}
        self.ops: list[Op] = []
        self.events: dict[str, list] = {name: [] for name in self.vcenters}
        self._key = 900_000
        self._grown: dict[str, int] = {}
        for name in self.vcenters:
            self._plan(name)
        self._undo()
        self._growth = {name: self._growth_plan(name) for name in self.vcenters}
        self._cursor = 0
        self._frames: dict[str, pd.DataFrame] = {}

    @staticmethod
    def _build(table: str, inventory) -> pd.DataFrame:
        from .. import tables
        return tables.build(table, [inventory])

    # --- the operations ---------------------------------------------------------------

    def _at(self, day_from: float, day_to: float) -> datetime:
        return self.start + timedelta(days=self.rng.uniform(day_from, day_to))

    def _plan(self, name: str) -> None:
        rng, vms = self.rng, self.tables[name]["vms"]
        scale = max(1, len(vms) // 300)
        running = [i for i in vms.index if vms.at[i, "power_state"] == "poweredOn"
                   and not vms.at[i, "is_template"]]
        hosts = self.tables[name]["hosts"]
        for _ in range(10 * scale):  # powered off, and on again a few days later
            i, off = rng.choice(running), self._at(0, DAYS - 4)
            self._op(off, name, i, {"power_state": "poweredOff", "ip_addresses": [],
                                    "tools_status": "toolsNotRunning"}, "VmPoweredOffEvent")
            back = off + timedelta(days=rng.uniform(0.3, 3))
            self._op(back, name, i, {c: vms.at[i, c] for c in ("power_state", "ip_addresses",
                                                                "tools_status")},
                     "VmPoweredOnEvent")
        for _ in range(12 * scale):  # more CPU or memory
            i = rng.choice(running)
            column = rng.choice(("num_cpu", "memory_mb"))
            self._op(self._at(0, DAYS), name, i, {column: vms.at[i, column]},
                     "VmReconfiguredEvent", before={column: max(1, int(vms.at[i, column]) // 2)})
        for _ in range(3 * scale):
            i = rng.choice(running)
            self._op(self._at(0, DAYS), name, i, {"name": vms.at[i, "name"]},
                     "VmRenamedEvent", before={"name": f"{vms.at[i, 'name']}-new"})
        for _ in range(20 * scale):  # DRS moves VMs between the hosts of a cluster
            i = rng.choice(running)
            peers = hosts[(hosts["cluster"] == vms.at[i, "cluster"])
                          & (hosts["name"] != vms.at[i, "host"])]["name"].tolist()
            if peers:
                self._op(self._at(0, DAYS), name, i, {"host": vms.at[i, "host"]},
                         "DrsVmMigratedEvent", user="", before={"host": rng.choice(peers)})
        for _ in range(8 * scale):  # a backup snapshot, removed the next day
            i, when = rng.choice(running), self._at(0, DAYS - 2)
            count = int(vms.at[i, "snapshot_count"] or 0)
            self._op(when, name, i, {"snapshot_count": count + 1},
                     "Task:VirtualMachine.createSnapshot", user=BACKUP)
            self._op(when + timedelta(days=1), name, i, {"snapshot_count": count},
                     "Task:VirtualMachine.removeSnapshot", user=BACKUP)
        for _ in range(4 * scale):  # cloned within the 60 days
            i = rng.choice(running)
            self._op(self._at(1, DAYS), name, i, {}, "VmClonedEvent", created=True)
        for n in range(3 * scale):  # deleted: rows that exist only in the past
            i = self._old_vm(name, rng.choice(running), n)
            day = DAYS - 0.6 if n == 0 else rng.uniform(1, DAYS - 1)  # one last night
            self._op(self.start + timedelta(days=day), name, i, {}, "VmRemovedEvent",
                     created=False)
        if name == "prod" and len(hosts):
            h = int(hosts.index[len(hosts) // 2])
            enter = self._at(30, 40)
            self._op(enter, name, h, {"in_maintenance": True}, "EnteredMaintenanceModeEvent",
                     table="hosts")
            self._op(enter + timedelta(hours=7), name, h, {"in_maintenance": False},
                     "ExitMaintenanceModeEvent", table="hosts")

    def _old_vm(self, name: str, like: int, n: int) -> int:
        vms = self.tables[name]["vms"]
        row = vms.loc[like].copy()
        row["name"] = f"{name}-retired-{n + 1:02d}"
        row["moid"] = f"vm-9{len(vms) + n:04d}"
        row["instance_uuid"] = f"5000{n:04d}-dead-beef-0000-{len(vms):012d}"
        row["bios_uuid"] = f"4200{n:04d}-dead-beef-0000-{len(vms):012d}"
        index = int(vms.index.max()) + 1
        self.tables[name]["vms"] = pd.concat([vms, row.to_frame().T.astype(vms.dtypes)])
        self.tables[name]["vms"].index = [*vms.index, index]
        self.present[name] = pd.concat([self.present[name], pd.Series([False], index=[index])])
        return index

    def _op(self, when: datetime, name: str, row: int, values: dict, event: str,
            user: str | None = None, created: bool | None = None, table: str = "vms",
            before: dict | None = None) -> None:
        op = Op(when, name, table, row, values, event,
                self.rng.choice(USERS) if user is None else user or None, created)
        op.before = dict(before or {})
        self.ops.append(op)

    def _undo(self) -> None:
        """Take every table back to the start: undo the operations, newest first."""
        for op in sorted(self.ops, key=lambda o: o.time, reverse=True):
            frame = self.tables[op.vcenter][op.table]
            if op.created is not None:
                self.present[op.vcenter][op.row] = not op.created
                continue
            after = {c: frame.at[op.row, c] for c in op.values}
            before = {c: op.before.get(c, self._other(c, v)) for c, v in op.values.items()}
            op.values, op.before = after, before
            for column, value in before.items():
                frame.at[op.row, column] = value
        self.ops.sort(key=lambda o: o.time)

    @staticmethod
    def _other(column: str, value):
        if column == "power_state":
            return "poweredOn" if value == "poweredOff" else "poweredOff"
        if column == "in_maintenance":
            return not value
        if column == "ip_addresses":
            return []
        if column == "tools_status":
            return "toolsOk" if value != "toolsOk" else "toolsNotRunning"
        if column == "snapshot_count":
            return max(0, int(value or 0) - 1)
        return value

    # --- capacity: datastores fill, clusters get busier --------------------------------

    def _growth_plan(self, name: str) -> dict:
        """datastore row -> (capacity, free space at the end, growth per day)."""
        stores = self.tables[name]["datastores"]
        rates = {}
        for i in stores.index:
            cap, free = stores.at[i, "capacity_bytes"], stores.at[i, "free_bytes"]
            if pd.isna(cap) or pd.isna(free) or not cap:
                continue
            rates[i] = (float(cap), float(free), self.rng.uniform(0, 0.002) * float(cap))
        fits = [i for i, (cap, free, _) in rates.items() if 0.11 <= free / cap <= 0.2]
        if name == "prod" and fits:
            # The fullest datastore with 11-20 % free fills in about ten days; it was
            # grown by half 25 days ago (the forecast's window restarts there).
            i = min(fits, key=lambda k: rates[k][1] / rates[k][0])
            cap, free, _ = rates[i]
            rates[i] = (cap, free, free / 10.0)
            self._grown[name] = i
            self._key += 1
            when = self.end - timedelta(days=GROWN_DAYS_AGO, minutes=40)
            ds = stores.at[i, "name"]
            self.events[name].append(vim.event.DatastoreCapacityIncreasedEvent(
                key=self._key, chainId=self._key, createdTime=when, userName=USERS[0],
                fullFormattedMessage=f"Datastore {ds} increased in capacity",
                ds=vim.event.DatastoreEventArgument(
                    datastore=vim.Datastore(stores.at[i, "moid"]), name=ds)))
        return rates

    def _datastores(self, name: str, when: datetime) -> pd.DataFrame:
        frame = self.tables[name]["datastores"].copy()
        days = (self.end - when).total_seconds() / 86400
        for i, (cap, free, rate) in self._growth[name].items():
            capacity, used = cap, cap - free - rate * days
            if self._grown.get(name) == i and days > GROWN_DAYS_AGO:
                capacity = cap / 1.5
                used = cap - free - rate * GROWN_DAYS_AGO - rate / 8 * (days - GROWN_DAYS_AGO)
            used *= 1 + 0.004 * math.sin(days * 2.1 + i)
            used = min(max(used, 0.02 * capacity), 0.995 * capacity)
            frame.at[i, "capacity_bytes"] = int(capacity)
            frame.at[i, "free_bytes"] = int(capacity - used)
            frame.at[i, "used_bytes"] = int(used)
            frame.at[i, "free_pct"] = 100 * (capacity - used) / capacity
        return frame

    def _usage(self, name: str, table: str, when: datetime) -> pd.DataFrame:
        frame = self.tables[name][table].copy()
        days = (self.end - when).total_seconds() / 86400
        daily = 1 + 0.2 * math.sin((when.hour - 8) / 24 * 2 * math.pi)
        for column in ("cpu_usage_mhz", "memory_usage_gb"):
            trend = 1 - (0.004 if column == "memory_usage_gb" else 0.001) * days
            values = pd.to_numeric(frame[column], errors="coerce") * max(0.3, trend)
            if column == "cpu_usage_mhz":
                frame[column] = (values * daily).round().astype("Int64")
            else:
                frame[column] = values.astype("Float64")
        return frame

    # --- the recordings ----------------------------------------------------------------

    def steps(self):
        when = self.start
        while when <= self.end:
            yield when
            when += timedelta(hours=STEP_HOURS)

    def readings(self, when: datetime) -> list[Reading]:
        changed = set()
        while self._cursor < len(self.ops) and self.ops[self._cursor].time <= when:
            op = self.ops[self._cursor]
            self._cursor += 1
            if op.created is not None:
                self.present[op.vcenter][op.row] = op.created
            else:
                for column, value in op.values.items():
                    self.tables[op.vcenter][op.table].at[op.row, column] = value
            changed.add((op.vcenter, op.table))
            self._event(op)
        readings = []
        for name in self.vcenters:
            if name == "dr" and self.end - timedelta(days=3, hours=6) <= when <= \
                    self.end - timedelta(days=3):
                readings.append(Reading(name, self.uuids[name], error=(
                    "vCenter 'dr' (vcsa-dr.corp.example.com:443): cannot connect: timed "
                    "out after 10 s")))
                continue
            frames = {"datastores": self._datastores(name, when),
                      "hosts": self._usage(name, "hosts", when),
                      "clusters": self._usage(name, "clusters", when)}
            for table in ("vms", "networks"):
                key = f"{name}/{table}"
                if key not in self._frames or (name, table) in changed:
                    frame = self.tables[name][table]
                    if table == "vms":
                        frame = frame[self.present[name].reindex(frame.index).fillna(
                            False).astype(bool)]
                    self._frames[key] = frame.reset_index(drop=True)
                frames[table] = self._frames[key]
            if (name, "hosts") in changed:
                self._frames.pop(f"{name}/hosts", None)
            events = self.events[name]
            readings.append(Reading(
                name, self.uuids[name], when, table=lambda t, f=frames: f[t],
                events=lambda since, e=events: [x for x in e if x.createdTime >= since]))
        for name, why in self.down.items():
            readings.append(Reading(name, self.uuids[name], error=why))
        return readings

    def _event(self, op: Op) -> None:
        frame = self.tables[op.vcenter][op.table]
        self._key += 1
        when = op.time - timedelta(minutes=self.rng.uniform(1, 50))
        name = frame.at[op.row, "name"]
        ref_type = vim.HostSystem if op.table == "hosts" else vim.VirtualMachine
        ref = ref_type(frame.at[op.row, "moid"])
        args = {"key": self._key, "chainId": self._key, "createdTime": when,
                "userName": op.user or "",
                "fullFormattedMessage": f"{op.event} on {name}"}
        if op.event.startswith("Task:"):
            event = vim.event.TaskEvent(info=vim.TaskInfo(
                descriptionId=op.event[5:], entity=ref, entityName=name), **args)
        elif op.table == "hosts":
            event = getattr(vim.event, op.event)(
                host=vim.event.HostEventArgument(host=ref, name=name), **args)
        else:
            event = getattr(vim.event, op.event)(
                vm=vim.event.VmEventArgument(vm=ref, name=name), **args)
        self.events[op.vcenter].append(event)


__all__ = ["DAYS", "STEP_HOURS", "Timeline", "build", "seed"]
