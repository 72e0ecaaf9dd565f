"""Performance statistics from one vCenter's PerformanceManager.

``read(conn, query)`` answers a ``PerfQuery`` (perfdata.py) in a few steps:

1. the counter catalog and the historical intervals (``perfCounter`` and
   ``historicalInterval``, one property read) and the query limit
   ``config.vpxd.stats.maxQueryMetrics`` (OptionManager), once per connection:
   counters are found by name, as their keys differ between vCenters;
2. ``CurrentTime``: the window ends on vCenter's clock, not ours;
3. counters the vCenter lacks, or does not collect at the statistics level of
   the interval, are ``Missing`` with the reason and never queried;
4. the (entity, counter) metrics go out in batches, many entities per
   QueryPerf (never QueryAvailablePerfMetric per entity): a historical query
   holds at most maxQueryMetrics metrics (64 when the setting cannot be read,
   none when it is -1 or 0); every answer at most ``max_values`` samples, far
   below vCenter's 500,000-element limit for an answer.  Realtime queries
   (20 s) are served by the hosts, not vCenter's database, and are not held
   to maxQueryMetrics (Telegraf does the same);
5. a query that faults is split in two, and later batches are no bigger
   (remembered for the connection); an object that vanished is dropped; a
   single metric that still faults is ``Missing``, unless nothing has worked
   at all: then the read fails with a ``CollectionError`` naming the vCenter.

Queries run ``concurrency`` at a time.  Answers are decoded by
``fast/perf.py`` (setting ``collection.decoder`` = fast) or by pyvmomi.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pyVmomi import vim, vmodl

from ..errors import CollectionError
from . import collection
from .connection import VCenterConnection
from .fast import perf as fast_perf
from .fast import soap as fast_soap
from .inventory import Stats, utc
from .perfdata import (CounterInfo, Interval, Missing, PerfAnswer, PerfQuery, PerfStats,
                       choose_interval, find_interval)

log = logging.getLogger(__name__)

MAX_QUERY_METRICS_OPTION = "config.vpxd.stats.maxQueryMetrics"
FALLBACK_MAX_QUERY_METRICS = 64  # vCenter's default since 6.0, when unreadable


@dataclass(frozen=True)
class PerfSettings:
    """How statistics are read (the ``metrics`` and ``collection`` settings)."""

    decoder: str = "fast"
    concurrency: int = 4             # queries in flight per vCenter
    max_values: int = 100_000        # samples per answer, at most
    max_query_metrics: int | None = None  # None: the vCenter's own setting


@dataclass
class Catalog:
    """A vCenter's counters, intervals and query limit."""

    counters: dict[str, CounterInfo]   # by group.name.rollup
    by_key: dict[int, CounterInfo]
    intervals: tuple[Interval, ...]    # historical, enabled (empty: vCenter reports none)
    max_query_metrics: int | None      # as the vCenter says; None: unreadable


def counter_name(info: Any) -> str:
    return f"{info.groupInfo.key}.{info.nameInfo.key}.{info.rollupType}"


def catalog(conn: VCenterConnection, stats: PerfStats | None = None) -> Catalog:
    """The vCenter's catalog (read once per connection)."""
    cached = getattr(conn, "_perf_catalog", None)
    if cached is not None:
        return cached
    stats = stats or PerfStats()
    manager = conn.content.perfManager
    read = Stats()
    props = collection.retrieve_objects(conn, [manager], vim.PerformanceManager,
                                        ["perfCounter", "historicalInterval"], read)
    stats.round_trips += read.round_trips
    values = next(iter(props.values()), {})
    counters = {}
    for info in values.get("perfCounter") or ():
        counter = CounterInfo(info.key, counter_name(info), info.unitInfo.key,
                              info.level or 1, str(info.rollupType),
                              str(info.statsType))
        counters.setdefault(counter.name, counter)
    intervals = tuple(
        Interval(i.samplingPeriod, i.length, i.level or 1, i.name or "")
        for i in values.get("historicalInterval") or () if i.enabled is not False)
    stats.round_trips += 1
    result = Catalog(counters, {c.key: c for c in counters.values()}, intervals,
                     _max_query_metrics(conn))
    log.info("vCenter '%s': %d performance counters, historical intervals %s, "
             "maxQueryMetrics %s", conn.name, len(counters),
             ", ".join(f"{i.seconds} s/level {i.level}" for i in intervals)
             or "not reported (vCenter's defaults assumed)",
             result.max_query_metrics if result.max_query_metrics is not None
             else f"unreadable ({FALLBACK_MAX_QUERY_METRICS} assumed)")
    conn._perf_catalog = result
    return result


def _max_query_metrics(conn: VCenterConnection) -> int | None:
    setting = getattr(conn.content, "setting", None)
    if setting is None:
        return None
    try:
        options = conn.call(lambda: setting.QueryView(MAX_QUERY_METRICS_OPTION))
    except CollectionError as exc:  # InvalidName: not set on this vCenter
        log.debug("vCenter '%s': %s unreadable: %s", conn.name, MAX_QUERY_METRICS_OPTION,
                  exc.detail)
        return None
    for option in options or ():
        if option.key == MAX_QUERY_METRICS_OPTION:
            try:
                return int(option.value)
            except (TypeError, ValueError):
                return None
    return None


def query_limit(cat: Catalog, interval: Interval, samples: int, instances: int,
                settings: PerfSettings, learned: int | None = None) -> int:
    """Metrics per QueryPerf for this read (see the module docstring)."""
    limit = max(1, settings.max_values // max(1, samples * max(1, instances)))
    if not interval.realtime:
        vc_limit = settings.max_query_metrics
        if vc_limit is None:
            vc_limit = (cat.max_query_metrics if cat.max_query_metrics is not None
                        else FALLBACK_MAX_QUERY_METRICS)
        if vc_limit > 0:
            limit = min(limit, vc_limit)
    if learned:
        limit = min(limit, learned)
    return limit


def read(conn: VCenterConnection, query: PerfQuery,
         settings: PerfSettings = PerfSettings()) -> PerfAnswer:
    """Answer ``query`` from this vCenter (see the module docstring)."""
    started = time.perf_counter()
    stats = PerfStats()
    cat = catalog(conn, stats)
    if query.interval:
        interval = find_interval(query.interval, query.realtime, cat.intervals)
        if interval is None:
            kept = ", ".join(str(i.seconds) for i in cat.intervals) or "300, 1800, 7200, 86400"
            raise conn.error(CollectionError, f"keeps no {query.interval} s statistics "
                                              f"interval for {query.entity_type} (it keeps "
                                              f"{'20, ' if query.realtime else ''}{kept})")
    else:
        interval = choose_interval(query.seconds, query.realtime, cat.intervals)
    stats.round_trips += 1
    end = utc(conn.call(conn.si.CurrentTime))
    window = min(query.seconds, interval.length)
    answer = PerfAnswer(conn.name, interval, end - timedelta(seconds=window), end, {},
                        stats=stats)
    answer.take_counters(query.counters, cat.counters)
    if answer.counters and query.moids:
        _Batches(conn, cat, query, answer, settings,
                 max(1, math.ceil(window / interval.seconds))).run()
    stats.seconds = time.perf_counter() - started
    log.info("vCenter '%s': %d %s x %d counters, %d s samples over %d min: %d samples "
             "in %d queries (%d faulted, %d metrics per query), %.2f s", conn.name,
             len(query.moids), query.entity_type, len(answer.counters), interval.seconds,
             window // 60, stats.values, stats.queries, stats.faults, stats.batch,
             stats.seconds)
    return answer


class _Batches:
    """The queries of one read, run ``concurrency`` at a time (see the docstring)."""

    def __init__(self, conn: VCenterConnection, cat: Catalog, query: PerfQuery,
                 answer: PerfAnswer, settings: PerfSettings, samples: int):
        self.conn, self.cat, self.query, self.answer = conn, cat, query, answer
        self.settings, self.samples = settings, samples
        self.interval = answer.interval
        self.keys = [info.key for info in answer.counters.values()]
        learned = getattr(conn, "_perf_learned", {}).get(self.interval.realtime)
        self.limit = query_limit(cat, self.interval, samples, query.instances, settings,
                                 learned)
        self.stamps = fast_perf.Stamps()
        self.worked = False
        self.seen: set[tuple[str, str]] = set()

    def run(self) -> None:
        metrics = [(moid, key) for moid in self.query.moids for key in self.keys]
        pending = deque(_split(metrics, self.limit))
        concurrency = max(1, self.settings.concurrency)
        with ThreadPoolExecutor(max_workers=concurrency,
                                thread_name_prefix=f"perf-{self.conn.name}") as pool:
            running: dict = {}
            try:
                while pending or running:
                    while pending and len(running) < concurrency:
                        batch = pending.popleft()
                        if len(batch) > self.limit:  # made before the limit dropped
                            pending.extendleft(reversed(_split(batch, self.limit)))
                            continue
                        running[pool.submit(self._query, batch)] = batch
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        batch = running.pop(future)
                        self._absorb(batch, *future.result(), pending)
            except BaseException:
                for future in running:
                    future.cancel()
                raise
        self.answer.stats.batch = self.limit
        told = self.seen | {(m.moid, m.counter) for m in self.answer.missing}
        for moid in self.query.moids:
            for name in self.answer.counters:
                if (moid, name) not in told:
                    self.answer.missing.append(Missing(moid, name, "no samples from "
                                                                   "vCenter"))

    def _query(self, batch: list[tuple[str, int]]):
        """One QueryPerf: (series, None) or (None, the fault)."""
        specs: list[tuple[str, list[tuple[int, str]]]] = []
        for moid, key in batch:
            if not specs or specs[-1][0] != moid:
                specs.append((moid, []))
            specs[-1][1].append((key, self.query.instance))
        conn = self.conn
        if self.settings.decoder == "pyvmomi":
            return _query_pyvmomi(conn, self.query.entity_type, specs, self.answer,
                                  self.samples)
        manager = conn.content.perfManager
        envelope = _envelope(conn, manager, self.query.entity_type, batch[0][0])
        body = fast_perf.request(envelope, self.query.entity_type, specs,
                                 self.answer.start, self.answer.end, self.samples,
                                 self.interval.seconds)

        def attempt():
            try:
                return fast_soap.invoke(conn.si._stub, manager, "QueryStats", [],
                                        request=body, timeout=conn.timeouts.read), None
            except (vim.fault.NotAuthenticated, vim.fault.NoPermission):
                raise
            except vmodl.MethodFault as fault:
                return None, fault

        data, fault = conn.call(attempt)
        if fault is not None:
            return None, fault
        return fast_perf.decode(data, self.stamps), None

    def _absorb(self, batch, series, fault, pending: deque) -> None:
        stats = self.answer.stats
        stats.queries += 1
        stats.round_trips += 1
        if fault is None:
            self.worked = True
            count = 0
            names = self.cat.by_key
            data = self.answer.data
            for moid, key, instance, times, values in series:
                info = names.get(key)
                if info is None or info.name not in self.answer.counters:
                    continue
                data.add(moid, info.name, instance, times, values)
                self.seen.add((moid, info.name))
                count += len(values)
            stats.values += count
            stats.largest_answer = max(stats.largest_answer, count)
            return
        stats.faults += 1
        text = f"{type(fault).__name__}: {getattr(fault, 'msg', '') or ''}".rstrip(": ")
        gone = _vanished(fault)
        if gone is not None and any(m[0] == gone for m in batch):
            log.info("vCenter '%s': %s %s vanished during the read; skipped",
                     self.conn.name, self.query.entity_type, gone)
            for name in self.answer.counters:
                self.answer.missing.append(Missing(gone, name, "vanished during the read"))
            rest = [m for m in batch if m[0] != gone]
            if rest:
                pending.appendleft(rest)
            return
        if len(batch) == 1:
            if not self.worked:
                raise self.conn.error(CollectionError, "performance statistics could "
                                      f"not be read: QueryPerf fails even for one metric "
                                      f"({text})")
            moid, key = batch[0]
            self.answer.missing.append(Missing(moid, self.cat.by_key[key].name,
                                               f"QueryPerf failed: {text}"))
            return
        smaller = max(1, len(batch) // 2)
        if smaller < self.limit:
            log.warning("vCenter '%s': QueryPerf of %d metrics failed (%s); %d metrics "
                        "per query from now on", self.conn.name, len(batch), text, smaller)
            self.limit = smaller
            learned = getattr(self.conn, "_perf_learned", None)
            if learned is None:
                learned = self.conn._perf_learned = {}
            learned[self.interval.realtime] = smaller
        pending.extendleft(reversed(_split(batch, smaller)))


def _split(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _vanished(fault: Any) -> str | None:
    if isinstance(fault, vmodl.fault.ManagedObjectNotFound):
        return getattr(getattr(fault, "obj", None), "_moId", None)
    return None


def _envelope(conn: VCenterConnection, manager: Any, entity_type: str, moid: str):
    cached = getattr(conn, "_perf_envelope", None)
    if cached is not None and cached[0] == conn.session_generation:
        return cached[1]
    stub = conn.si._stub
    envelope = fast_perf.template(stub, manager, getattr(vim, entity_type)(moid, stub))
    conn._perf_envelope = (conn.session_generation, envelope)
    return envelope


def _query_pyvmomi(conn: VCenterConnection, entity_type: str, specs: list,
                   answer: PerfAnswer, samples: int):
    """The same query through pyvmomi's objects (setting collection.decoder)."""
    stub = conn.si._stub
    cls = getattr(vim, entity_type)
    manager = conn.content.perfManager
    query_specs = [vim.PerformanceManager.QuerySpec(
        entity=cls(moid, stub), startTime=answer.start, endTime=answer.end,
        maxSample=samples, intervalId=answer.interval.seconds,
        metricId=[vim.PerformanceManager.MetricId(counterId=k, instance=i)
                  for k, i in metrics]) for moid, metrics in specs]

    def attempt():
        try:
            return manager.QueryStats(querySpec=query_specs), None
        except (vim.fault.NotAuthenticated, vim.fault.NoPermission):
            raise
        except vmodl.MethodFault as fault:
            return None, fault

    result, fault = conn.call(attempt)
    if fault is not None:
        return None, fault
    series = []
    for metric in result or ():
        times = [int(utc(s.timestamp).timestamp()) for s in metric.sampleInfo or ()]
        descending = len(times) > 1 and times[0] > times[-1]
        ordered = list(reversed(times)) if descending else times
        for value in metric.value or ():
            if not isinstance(value, vim.PerformanceManager.IntSeries):
                continue
            values = list(reversed(value.value)) if descending else list(value.value)
            n = min(len(ordered), len(values))
            series.append((metric.entity._moId, value.id.counterId,
                           value.id.instance or "", ordered[:n], values[:n]))
    return series, None


__all__ = ["FALLBACK_MAX_QUERY_METRICS", "MAX_QUERY_METRICS_OPTION", "Catalog",
           "PerfSettings", "catalog", "counter_name", "query_limit", "read"]
