"""What was asked: a kind of object, counters, a window; and who to ask.

``Request.make(kind, counters, since, interval)`` checks the arguments of
``vc.metrics()`` and ``vc.performance()`` (a ``ConfigError`` says what is
wrong).  ``targets(request, frames)`` turns the inventory tables into one
``Target`` per vCenter: the ``PerfQuery`` its source answers, plus what the
frames need to name the rows (names, vCPUs, hosts and clusters) and the
objects not asked for, with the reason (templates, powered-off VMs and
disconnected hosts have no realtime statistics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

from ..clock import parse_duration
from ..errors import ConfigError
from ..sources import DEFAULT_INTERVALS, REALTIME, PerfQuery, choose_interval
from ..tables.performance import KINDS, Kind

_COUNTER = re.compile(r"[A-Za-z][\w]*\.[A-Za-z][\w.]*\.[a-z]+")
_INTERVALS = (REALTIME, *(i.seconds for i in DEFAULT_INTERVALS))
REALTIME_SECONDS = 3600  # vCenter keeps an hour of 20 s samples
# The inventory columns targets() reads.
_COLUMNS = ("moid", "name", "is_template", "power_state", "connection_state", "host",
            "cluster", "num_cpu", "url")


@dataclass(frozen=True)
class Request:
    """A checked ``vc.metrics()`` / ``vc.performance()`` call."""

    kind: Kind
    counters: tuple[str, ...]
    seconds: int
    interval: int | None = None

    @classmethod
    def make(cls, kind: str, counters: list[str] | tuple[str, ...] | str | None = None,
             since: str | float | timedelta = "1h", interval: int | None = None) -> Request:
        if kind not in KINDS:
            raise ConfigError(f"unknown kind '{kind}' for performance statistics (one of "
                              f"{', '.join(KINDS)})")
        spec = KINDS[kind]
        if isinstance(counters, str):
            counters = [counters]
        names = tuple(dict.fromkeys(counters)) if counters else spec.counters
        for name in names:
            if not _COUNTER.fullmatch(name):
                raise ConfigError(f"'{name}' is not a counter name (group.name.rollup, "
                                  "e.g. cpu.ready.summation)")
        try:
            seconds = parse_duration(since)
        except ValueError as exc:
            raise ConfigError(f"since: {exc}") from None
        if interval is not None:
            if interval not in _INTERVALS or (interval == REALTIME and not spec.realtime):
                allowed = [i for i in _INTERVALS if spec.realtime or i != REALTIME]
                raise ConfigError(f"interval {interval} s: {kind} have samples every "
                                  f"{', '.join(map(str, allowed))} s")
        return cls(spec, names, seconds, interval)

    @property
    def realtime(self) -> bool:
        """Read from the 20 s samples (decided before asking: vCenter keeps an hour)."""
        if not self.kind.realtime:
            return False
        if self.interval is not None:
            return self.interval == REALTIME
        return self.seconds <= REALTIME_SECONDS

    def cache_seconds(self, base: float) -> float:
        """How long an answer stays good: coarse samples change less often."""
        if self.realtime or base <= 0:
            return base
        period = self.interval or choose_interval(self.seconds, False).seconds
        return max(base, min(period, 3600))

    @property
    def tables(self) -> tuple[str, ...]:
        """The inventory tables the targets are made from."""
        if self.kind.name == "datastores":
            return ("datastores", "hosts")
        return (self.kind.name,)


@dataclass
class Target:
    """One vCenter's objects of the requested kind and the query that reads them."""

    vcenter: str
    query: PerfQuery | None                        # None: nothing to ask
    names: dict[str, str] = field(default_factory=dict)      # object moid -> name
    context: dict[str, dict] = field(default_factory=dict)   # moid -> host, cluster, num_cpu
    skipped: dict[str, str] = field(default_factory=dict)    # moid -> why not asked
    instances: dict[str, str] = field(default_factory=dict)  # datastores: instance -> moid
    hosts: dict[str, str] = field(default_factory=dict)      # datastores: host moid -> name

    @property
    def moids(self) -> list[str]:
        """Every object of the kind in this vCenter, asked or not."""
        return list(self.names)


def targets(request: Request, frames: dict[str, pd.DataFrame]) -> dict[str, Target]:
    """vCenter name -> its Target (see the module docstring)."""
    kind = request.kind
    main = frames[request.tables[0]]
    out: dict[str, Target] = {}
    for vcenter, rows in main.groupby("vcenter", sort=False, observed=True):
        target = Target(str(vcenter), None)
        asked: list[str] = []
        rows = rows[[c for c in _COLUMNS if c in rows.columns]]
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        for row in records:
            oid = row["moid"]
            if kind.name == "vms" and row.get("is_template"):
                continue
            target.names[oid] = row["name"]
            reason = _skip_reason(kind, row, request.realtime)
            if reason:
                target.skipped[oid] = reason
            else:
                asked.append(oid)
            if kind.name == "vms":
                target.context[oid] = {"host": row.get("host"), "cluster": row.get("cluster"),
                                       "num_cpu": row.get("num_cpu")}
            elif kind.name == "hosts":
                target.context[oid] = {"cluster": row.get("cluster")}
        moids, instances = tuple(asked), 1
        if kind.name == "datastores":
            for row in records:
                target.instances[row["moid"]] = row["moid"]
                label = _url_instance(row.get("url"))
                if label:
                    target.instances[label] = row["moid"]
            hosts = frames["hosts"]
            hosts = hosts[(hosts["vcenter"] == vcenter)
                          & (hosts["connection_state"] == "connected")]
            target.hosts = dict(zip(hosts["moid"], hosts["name"]))
            moids = tuple(target.hosts) if asked else ()
            instances = min(64, max(1, len(records)))
        if moids:
            target.query = PerfQuery(kind.query_type, moids, request.counters,
                                     request.seconds, request.interval, kind.instance,
                                     kind.realtime, instances)
        out[target.vcenter] = target
    return out


def vcenters(config, known, wanted: str | list[str] | None) -> list[str]:
    """The vCenters of ``known`` (names, in order) that ``wanted`` names (None: all);
    an unknown name is a ConfigError naming the configured ones."""
    names = [wanted] if isinstance(wanted, str) else wanted
    for name in names or ():
        config.vcenter(name)
    return [n for n in known if names is None or n in names]


def select(frame: pd.DataFrame, vcenters: list[str] | None = None,
           moids=None) -> pd.DataFrame:
    """The rows of an inventory table of these vCenters and objects (None: all)."""
    if vcenters is not None:
        frame = frame[frame["vcenter"].isin(list(vcenters))]
    if moids is not None:
        frame = frame[frame["moid"].isin(list(moids))]
    return frame


def _skip_reason(kind: Kind, row: dict, realtime: bool) -> str | None:
    """Why an object has no statistics to read, or None."""
    if not realtime:
        return None
    if kind.name == "vms":
        if row.get("power_state") != "poweredOn":
            return "powered off" if row.get("power_state") == "poweredOff" else (
                f"not running ({row.get('power_state') or 'state unknown'})")
        if row.get("connection_state") not in (None, "connected"):
            return f"VM is {row['connection_state']}"
    if kind.name == "hosts" and row.get("connection_state") != "connected":
        return f"host is {row.get('connection_state') or 'not connected'}"
    return None


def _url_instance(url: str | None) -> str | None:
    """The instance name hosts give a datastore: the last part of its URL
    (ds:///vmfs/volumes/<uuid>/ -> <uuid>)."""
    if not url:
        return None
    return url.rstrip("/").rpartition("/")[2] or None


__all__ = ["REALTIME_SECONDS", "Request", "Target", "select", "targets", "vcenters"]
