"""The demo's performance statistics: raw samples, as a vCenter would send them.

``Statistics(environment, vcenter).answer(query)`` answers a ``PerfQuery``
like ``vsphere/perf.py`` does: counters from a catalog (by name, with units
and statistics levels), the vCenter's default historical intervals (level 1:
level-2 counters are missing from historical windows, as on a vCenter at the
default level), sample times aligned to the interval on the "vCenter's"
clock, and raw integers (hundredths of a percent, KB, milliseconds per
sample).  Powered-off VMs and disconnected hosts have no samples.

Each object's level follows its inventory (a VM's CPU use is its quick stats,
a host's load the sum of its VMs) and varies over the day; a few problems are
planted so that every performance rule has something to show:

* noisy neighbours: VMs in ``NOISY`` wait for CPU (ready % per vCPU);
* a ballooning host: prod's host with the most memory in use (the one with
  the "Host memory usage" alarm) runs at 94 % memory, its VMs' balloon
  drivers hold memory and its biggest VM swaps;
* a slow datastore (``SLOW``): the hosts see high read and write latency on
  it, and the VMs with disks on it high disk latency;
* idle VMs: the lab's sandboxes barely use their CPUs, for weeks.

Everything is deterministic: the same object gives the same series.
"""

from __future__ import annotations

import math
import zlib
from datetime import datetime, timedelta

import numpy as np

from ..clock import utc_now
from ..sources import (DEFAULT_INTERVALS, CounterInfo, Missing, PerfAnswer, PerfQuery,
                       choose_interval, find_interval)

_C = CounterInfo
CATALOG = {c.name: c for c in (
    _C(2, "cpu.usage.average", "percent", 1, "average", "rate"),
    _C(6, "cpu.usagemhz.average", "megaHertz", 1, "average", "rate"),
    _C(12, "cpu.ready.summation", "millisecond", 1, "summation", "delta"),
    _C(399, "cpu.costop.summation", "millisecond", 2, "summation", "delta"),
    _C(24, "mem.usage.average", "percent", 1, "average", "absolute"),
    _C(33, "mem.active.average", "kiloBytes", 2, "average", "absolute"),
    _C(90, "mem.vmmemctl.average", "kiloBytes", 1, "average", "absolute"),
    _C(70, "mem.swapped.average", "kiloBytes", 2, "average", "absolute"),
    _C(85, "mem.swapinRate.average", "kiloBytesPerSecond", 1, "average", "rate"),
    _C(133, "disk.maxTotalLatency.latest", "millisecond", 1, "latest", "absolute"),
    _C(143, "net.usage.average", "kiloBytesPerSecond", 1, "average", "rate"),
    _C(182, "datastore.totalReadLatency.average", "millisecond", 1, "average",
       "absolute"),
    _C(183, "datastore.totalWriteLatency.average", "millisecond", 1, "average",
       "absolute"),
)}

# Noisy neighbours: VM -> CPU ready % per vCPU it suffers.
NOISY = {"prod": {"prd-kafka-03": 24.0, "sql-dwh-01": 13.0, "prd-redis-02": 16.0},
         "dr": {"dr-sql-02": 12.5}}
# A datastore whose array struggles: (read ms, write ms).
SLOW = {"prod": {"PRD-SQL-LOG-02": (38.0, 62.0)}}
BALLOONING = {"prod"}  # vCenters with a host short of memory
IDLE_PREFIXES = {"lab": ("sbx-",)}  # VMs that barely run anything
# How much a counter moves: (daily swing, noise), as shares of its level.
VARIATION = {"cpu.ready.summation": (0.04, 0.08), "mem.usage.average": (0.01, 0.02),
             "mem.vmmemctl.average": (0.02, 0.02), "mem.swapped.average": (0.0, 0.0),
             "datastore.totalReadLatency.average": (0.05, 0.15),
             "datastore.totalWriteLatency.average": (0.05, 0.15),
             "disk.maxTotalLatency.latest": (0.05, 0.2)}


def _unit(*parts: str) -> float:
    """A stable number in [0, 1) for ``parts``."""
    return zlib.crc32("|".join(parts).encode()) / 2 ** 32


class Statistics:
    """One demo vCenter's statistics (see the module docstring)."""

    def __init__(self, vcenter: str, objects: dict):
        self.vcenter = vcenter
        self.objects = objects
        self.vms = objects.get("VirtualMachine", {})
        self.hosts = objects.get("HostSystem", {})
        self.datastores = objects.get("Datastore", {})
        self.clusters = objects.get("ClusterComputeResource", {})
        self.balloon_host = self._balloon_host()
        self.swapper = self._swapper()
        slow = SLOW.get(vcenter, {})
        self.slow = {oid: slow[p["name"]] for oid, p in self.datastores.items()
                     if p.get("name") in slow}

    # --- what each object runs at -----------------------------------------------------

    def _balloon_host(self) -> str | None:
        if self.vcenter not in BALLOONING:
            return None
        connected = {oid: p for oid, p in self.hosts.items()
                     if p.get("runtime.connectionState") == "connected"
                     and p.get("summary.quickStats.overallMemoryUsage")}
        return max(connected, key=lambda oid: self._host_mem_pct(oid), default=None)

    def _swapper(self) -> str | None:
        on = [oid for oid, p in self.vms.items() if self._host_of(oid) == self.balloon_host
              and p.get("summary.runtime.powerState") == "poweredOn"]
        return max(on, key=lambda oid: self.vms[oid].get("summary.config.memorySizeMB") or 0,
                   default=None)

    def _host_of(self, vm: str) -> str | None:
        ref = self.vms[vm].get("summary.runtime.host")
        return getattr(ref, "_moId", None)

    def _host_mem_pct(self, oid: str) -> float:
        p = self.hosts[oid]
        total = (p.get("summary.hardware.memorySize") or 1) / 2 ** 20
        return min(99.0, 100 * (p.get("summary.quickStats.overallMemoryUsage") or 0) / total)

    def _host_cpu_pct(self, oid: str) -> float:
        p = self.hosts[oid]
        capacity = (p.get("summary.hardware.numCpuCores") or 1) * (
            p.get("summary.hardware.cpuMhz") or 1)
        return min(99.0, 100 * (p.get("summary.quickStats.overallCpuUsage") or 0) / capacity)

    def _vm_cpu_pct(self, oid: str) -> float:
        p = self.vms[oid]
        name = p.get("name", "")
        if name.startswith(IDLE_PREFIXES.get(self.vcenter, ("\0",))):
            return 0.8 + 3 * _unit(oid, "idle")
        host = self.hosts.get(self._host_of(oid) or "", {})
        capacity = (p.get("summary.config.numCpu") or 1) * (
            host.get("summary.hardware.cpuMhz") or 2000)
        return max(6.0, min(95.0, 100 * (p.get("summary.quickStats.overallCpuUsage") or 0)
                            / capacity))

    def level(self, kind: str, oid: str, counter: str, instance: str = "") -> float | None:
        """The object's typical value of ``counter`` in the counter's own unit
        (%, ms, KB, KB/s; ready and co-stop as % per vCPU); None: no series."""
        u = _unit(self.vcenter, oid, counter, instance)
        if kind == "VirtualMachine":
            p = self.vms[oid]
            name, mem_kb = p.get("name", ""), (p.get("summary.config.memorySizeMB") or 0) * 1024
            on_balloon_host = self._host_of(oid) == self.balloon_host
            slow = any(getattr(ref, "_moId", None) in self.slow for ref in p.get("datastore") or ())
            return {
                "cpu.usage.average": self._vm_cpu_pct(oid),
                "cpu.usagemhz.average": p.get("summary.quickStats.overallCpuUsage") or 0,
                "cpu.ready.summation": NOISY.get(self.vcenter, {}).get(name, 0.3 + 1.5 * u),
                "cpu.costop.summation": 3.0 if name in NOISY.get(self.vcenter, {}) else 0.2 * u,
                "mem.usage.average": 12 + 30 * u,
                "mem.active.average": mem_kb * (0.12 + 0.3 * u),
                "mem.vmmemctl.average": mem_kb * (0.02 + 0.05 * u) if on_balloon_host else 0,
                "mem.swapped.average": mem_kb * 0.04 if oid == self.swapper else 0,
                "mem.swapinRate.average": 180 + 200 * u if oid == self.swapper else 0,
                "disk.maxTotalLatency.latest": 27 + 30 * u * u if slow else 1 + 5 * u,
                "net.usage.average": 20 + 2000 * u * u,
            }.get(counter)
        if kind == "HostSystem":
            if counter.startswith("datastore."):
                ds = next((d for d, p in self.datastores.items()
                           if _instance(p.get("summary.url")) == instance), None)
                read, write = self.slow.get(ds, (1 + 3 * u, 2 + 4 * u))
                return read if counter.endswith("ReadLatency.average") else write
            balloon = oid == self.balloon_host
            return {
                "cpu.usage.average": self._host_cpu_pct(oid),
                "cpu.usagemhz.average": self.hosts[oid].get(
                    "summary.quickStats.overallCpuUsage") or 0,
                "mem.usage.average": 94.0 if balloon else self._host_mem_pct(oid),
                "mem.vmmemctl.average": sum(
                    self.level("VirtualMachine", vm, counter) or 0 for vm in self.vms
                    if self._host_of(vm) == oid
                    and self.vms[vm].get("summary.runtime.powerState") == "poweredOn")
                if balloon else 0,
                "disk.maxTotalLatency.latest": 2 + 6 * u + (
                    40 if any(getattr(r, "_moId", None) in self.slow
                              for r in self.hosts[oid].get("datastore") or ()) else 0),
                "net.usage.average": 2000 + 40000 * u,
            }.get(counter)
        if kind == "ClusterComputeResource":
            members = [getattr(h, "_moId", None) for h in self.clusters[oid].get("host") or ()]
            members = [h for h in members if h in self.hosts
                       and self.hosts[h].get("runtime.connectionState") == "connected"]
            if not members:
                return None
            pick = {"cpu.usage.average": self._host_cpu_pct,
                    "mem.usage.average": self._host_mem_pct}.get(counter)
            return sum(pick(h) for h in members) / len(members) if pick else None
        return None

    def has_samples(self, kind: str, oid: str) -> bool:
        if kind == "VirtualMachine":
            p = self.vms.get(oid, {})
            return p.get("summary.runtime.powerState") == "poweredOn" and not p.get(
                "summary.config.template")
        if kind == "HostSystem":
            return self.hosts.get(oid, {}).get("runtime.connectionState") == "connected"
        return oid in self.objects.get(kind, {})

    def instances(self, kind: str, oid: str, counter: str, instance: str) -> list[str]:
        if instance != "*" or not counter.startswith("datastore.") or kind != "HostSystem":
            return [""] if instance == "*" else [instance]
        refs = self.hosts[oid].get("datastore") or ()
        return [label for label in (_instance(self.datastores.get(
            getattr(r, "_moId", None), {}).get("summary.url")) for r in refs) if label]

    # --- the answer -------------------------------------------------------------------

    def answer(self, query: PerfQuery, now: datetime | None = None) -> PerfAnswer:
        now = now or utc_now()
        if query.interval:
            interval = find_interval(query.interval, query.realtime, DEFAULT_INTERVALS)
        else:
            interval = choose_interval(query.seconds, query.realtime, DEFAULT_INTERVALS)
        window = min(query.seconds, interval.length)
        answer = PerfAnswer(self.vcenter, interval, now - timedelta(seconds=window), now, {})
        answer.take_counters(query.counters, CATALOG)
        step = interval.seconds
        last = int(now.timestamp()) // step * step
        count = max(1, window // step)
        times = np.arange(last - (count - 1) * step, last + 1, step, dtype=np.int64)
        for oid in query.moids:
            if not self.has_samples(query.entity_type, oid):
                for name in answer.counters:
                    answer.missing.append(Missing(oid, name, "no samples from vCenter"))
                continue
            for name, info in answer.counters.items():
                for instance in self.instances(query.entity_type, oid, name, query.instance):
                    level = self.level(query.entity_type, oid, name, instance)
                    if level is None:
                        answer.missing.append(Missing(oid, name, "no samples from vCenter"))
                        continue
                    values = self._raw(info, level, interval.seconds, times,
                                       _unit(oid, name, instance), oid, query.entity_type)
                    answer.data.add(oid, name, instance, times.tolist(), values)
                    answer.stats.values += len(values)
        answer.stats.queries = answer.stats.round_trips = 1
        return answer

    def _raw(self, info: CounterInfo, level: float, interval: int, times: np.ndarray,
             phase: float, oid: str, kind: str) -> list[int]:
        """Raw integers around ``level``: a daily swing and a little noise."""
        swing, jitter = VARIATION.get(info.name, (0.15, 0.2))
        day = np.sin(2 * math.pi * ((times % 86400) / 86400 + phase))
        ticks = times // interval
        noise = ((ticks * 2654435761 + int(phase * 2 ** 31)) % 2 ** 32) / 2 ** 32 - 0.5
        values = np.maximum(0.0, level * (1 + swing * day + jitter * noise))
        if info.unit == "percent":
            values = np.minimum(values, 100.0) * 100
        elif info.rollup == "summation" and info.unit == "millisecond":
            vcpus = self.vms.get(oid, {}).get("summary.config.numCpu") or 1 \
                if kind == "VirtualMachine" else 1
            values = values / 100 * interval * 1000 * vcpus  # % per vCPU -> ms per sample
        return np.rint(values).astype(np.int64).tolist()


def _instance(url: str | None) -> str | None:
    return url.rstrip("/").rpartition("/")[2] if url else None


__all__ = ["BALLOONING", "CATALOG", "IDLE_PREFIXES", "NOISY", "SLOW", "VARIATION",
           "Statistics"]
