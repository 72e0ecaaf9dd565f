"""What a performance read asks for and what it answers: plain data.

``PerfQuery`` -> ``Source.read_perf`` -> ``PerfAnswer``.  The answer keeps
vCenter's raw values (percent counters in hundredths, memory in KB,
summations in milliseconds per sample, -1 for "no sample") and its sample
times; ``vcompanion.metrics`` turns them into tidy frames with units.  The
demo answers the same questions with the same raw values, so nothing here
imports pyvmomi.

Which interval a window is read from (vCenter keeps realtime 20 s samples
for an hour, then 5-minute, 30-minute, 2-hour and daily rollups, each for
longer): ``choose_interval`` takes the finest interval that still covers the
window, from the intervals the vCenter reports (``DEFAULT_INTERVALS`` when it
reports none).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Sequence

REALTIME = 20  # seconds per realtime sample

DAY = 86400


@dataclass(frozen=True)
class Interval:
    """A sampling interval vCenter keeps: its period, how long, at which level."""

    seconds: int      # one sample per this many seconds
    length: int       # samples are kept this long (seconds)
    level: int = 4    # statistics level collected (realtime: every counter)
    name: str = ""

    @property
    def realtime(self) -> bool:
        return self.seconds == REALTIME


REALTIME_INTERVAL = Interval(REALTIME, 3600, 4, "Realtime")
# vCenter's default historical intervals (statistics level 1).
DEFAULT_INTERVALS = (
    Interval(300, DAY, 1, "Past day"),
    Interval(1800, 7 * DAY, 1, "Past week"),
    Interval(7200, 30 * DAY, 1, "Past month"),
    Interval(DAY, 365 * DAY, 1, "Past year"),
)


def choose_interval(seconds: float, realtime: bool,
                    intervals: Sequence[Interval] = DEFAULT_INTERVALS) -> Interval:
    """The finest interval that keeps ``seconds`` of samples.

    ``realtime``: the entity has realtime statistics (hosts and VMs).  A
    window longer than anything kept gets the longest-kept interval (the
    answer then starts later than asked).
    """
    candidates = ([REALTIME_INTERVAL] if realtime else []) + sorted(
        intervals or DEFAULT_INTERVALS, key=lambda i: i.seconds)
    for interval in candidates:
        if interval.length >= seconds:
            return interval
    return max(candidates, key=lambda i: i.length)


def find_interval(seconds: int, realtime: bool,
                  intervals: Sequence[Interval] = DEFAULT_INTERVALS) -> Interval | None:
    """The interval with this period, or None when vCenter does not keep it."""
    candidates = ([REALTIME_INTERVAL] if realtime else []) + list(
        intervals or DEFAULT_INTERVALS)
    return next((i for i in candidates if i.seconds == seconds), None)


@dataclass(frozen=True)
class CounterInfo:
    """One performance counter as a vCenter's catalog describes it."""

    key: int            # differs between vCenters: never hard-code it
    name: str           # group.name.rollup, e.g. cpu.ready.summation
    unit: str           # vSphere's unit key: percent, millisecond, kiloBytes, ...
    level: int = 1      # statistics level that collects it in historical intervals
    rollup: str = ""    # average, summation, latest, maximum, ...
    stats_type: str = ""  # rate, delta, absolute


@dataclass(frozen=True)
class PerfQuery:
    """Counters of some entities of one type over the last ``seconds``."""

    entity_type: str              # VirtualMachine, HostSystem, ClusterComputeResource, ...
    moids: tuple[str, ...]
    counters: tuple[str, ...]     # group.name.rollup
    seconds: int                  # the window, ending at vCenter's current time
    interval: int | None = None   # sample period; None: choose_interval
    instance: str = ""            # "": the aggregate; "*": every instance
    realtime: bool = True         # the entity type has realtime statistics
    instances: int = 1            # series expected per counter (sizes the batches)


@dataclass(frozen=True)
class Missing:
    """A counter with no samples: for one entity, or for all (moid None)."""

    moid: str | None
    counter: str
    reason: str


class PerfData:
    """Series, column-wise: one entry per series in the lists, samples flat.

    Series ``i`` holds ``lengths[i]`` samples, stored one after another in
    ``times`` (UTC epoch seconds, ascending) and ``values`` (raw).
    """

    __slots__ = ("moids", "counters", "instances", "lengths", "times", "values")

    def __init__(self) -> None:
        self.moids: list[str] = []
        self.counters: list[str] = []
        self.instances: list[str] = []
        self.lengths: list[int] = []
        self.times = array("q")
        self.values = array("q")

    def __len__(self) -> int:
        return len(self.lengths)

    def add(self, moid: str, counter: str, instance: str, times: Iterable[int],
            values: Iterable[int]) -> None:
        """One series; ``times`` and ``values`` of equal length (oldest first)."""
        before = len(self.values)
        self.values.extend(values)
        count = len(self.values) - before
        self.times.extend(times)
        if len(self.times) != len(self.values):
            raise ValueError(f"series {moid} {counter}: {count} values, "
                             f"{len(self.times) - before} times")
        self.moids.append(moid)
        self.counters.append(counter)
        self.instances.append(instance)
        self.lengths.append(count)

    def extend(self, other: PerfData) -> None:
        self.moids += other.moids
        self.counters += other.counters
        self.instances += other.instances
        self.lengths += other.lengths
        self.times.extend(other.times)
        self.values.extend(other.values)

    def series(self):
        """(moid, counter, instance, times, values) per series (for tests, small reads)."""
        offset = 0
        for i, n in enumerate(self.lengths):
            yield (self.moids[i], self.counters[i], self.instances[i],
                   list(self.times[offset:offset + n]), list(self.values[offset:offset + n]))
            offset += n


@dataclass
class PerfStats:
    """What one read cost: logged, and kept with the answer."""

    queries: int = 0          # QueryPerf calls, faulted ones included
    faults: int = 0           # QueryPerf calls that faulted (then split)
    round_trips: int = 0      # every API call
    values: int = 0           # samples received
    largest_answer: int = 0   # most samples in one answer
    batch: int = 0            # metrics per query at the end of the read
    seconds: float = 0.0


@dataclass
class PerfAnswer:
    """What a vCenter answered to a ``PerfQuery`` (raw values, vCenter's times)."""

    vcenter: str
    interval: Interval
    start: datetime                    # the window read, on vCenter's clock
    end: datetime
    counters: dict[str, CounterInfo]   # the counters asked that the vCenter has
    data: PerfData = field(default_factory=PerfData)
    missing: list[Missing] = field(default_factory=list)
    stats: PerfStats = field(default_factory=PerfStats)

    def take_counters(self, names, catalog: dict[str, CounterInfo]) -> None:
        """Sort the counters ``names`` asked for into ``counters`` (those this
        vCenter has and keeps at this interval's statistics level) and
        ``missing`` (with the reason), in the order asked, each once."""
        interval = self.interval
        for name in dict.fromkeys(names):
            info = catalog.get(name)
            if info is None:
                self.missing.append(Missing(None, name, "not in this vCenter's counter "
                                                        "catalog"))
            elif not interval.realtime and info.level > interval.level:
                self.missing.append(Missing(None, name, (
                    f"not collected: a level {info.level} counter, and the "
                    f"{interval.seconds} s interval keeps level {interval.level}")))
            else:
                self.counters[name] = info


__all__ = ["DAY", "DEFAULT_INTERVALS", "REALTIME", "REALTIME_INTERVAL", "CounterInfo",
           "Interval", "Missing", "PerfAnswer", "PerfData", "PerfQuery", "PerfStats",
           "choose_interval", "find_interval"]
