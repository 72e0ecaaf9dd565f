"""Performance tables: which counters feed which columns, in which unit.

Declarations only (``vcompanion.metrics`` reads and computes them):

* ``METRICS``: the long, tidy frame of ``vc.metrics(kind, ...)``, one row
  per sample;
* ``PERFORMANCE[kind]``: ``vc.performance(kind)``, one row per object with
  the window's average and maximum of each figure (``cpu_ready_pct`` and
  ``cpu_ready_pct_max``).

Each ``Kind`` says which vSphere objects it covers, whether vCenter keeps
realtime (20 s) samples for them (hosts and VMs only) and which counter each
figure comes from.  Counters are vCenter's names (group.name.rollup); their
keys differ between vCenters and are looked up in each one's catalog.
Datastore latency is measured by the hosts (``datastore.*`` counters, one
instance per datastore), as vCenter's own datastore charts do.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import CATEGORY, FLOAT, INT, STRING, TIME, Column, Table


@dataclass(frozen=True)
class Figure:
    """A column of ``vc.performance()``: a counter's window average (and maximum)."""

    column: str
    counter: str
    unit: str
    description: str


@dataclass(frozen=True)
class Kind:
    """Objects of one vSphere type and the figures people sort them by."""

    name: str                # vms, hosts, clusters, datastores
    entity_type: str         # the vSphere type
    row: str                 # "one row per ..."
    figures: tuple[Figure, ...]
    realtime: bool = True    # vCenter keeps 20 s samples for this type
    read_from: str = ""      # the type measured instead (datastores: HostSystem)
    instance: str = ""       # "" the object as a whole; "*" every instance

    @property
    def counters(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.counter for f in self.figures))

    @property
    def query_type(self) -> str:
        return self.read_from or self.entity_type


_READY = ("Share of time a vCPU was ready to run but waited for a physical CPU, "
          "per vCPU (above 10 % hurts).")
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("vms", "VirtualMachine", "powered-on or powered-off VM (templates have no "
         "statistics)", (
             Figure("cpu_usage_pct", "cpu.usage.average", "%",
                    "CPU in use, as a share of the VM's vCPUs."),
             Figure("cpu_ready_pct", "cpu.ready.summation", "%", _READY),
             Figure("cpu_costop_pct", "cpu.costop.summation", "%",
                    "Share of time a vCPU was stopped to let the VM's other vCPUs "
                    "catch up (co-stop), per vCPU."),
             Figure("mem_usage_pct", "mem.usage.average", "%",
                    "Active memory as a share of configured memory."),
             Figure("mem_active_mb", "mem.active.average", "MiB",
                    "Memory the guest touched recently."),
             Figure("mem_balloon_mb", "mem.vmmemctl.average", "MiB",
                    "Memory reclaimed by the balloon driver (above 0: the host is "
                    "short of memory)."),
             Figure("mem_swapped_mb", "mem.swapped.average", "MiB",
                    "Memory the host swapped out to disk."),
             Figure("mem_swapin_kbps", "mem.swapinRate.average", "KB/s",
                    "Rate memory is swapped back in from disk."),
             Figure("disk_latency_ms", "disk.maxTotalLatency.latest", "ms",
                    "Highest latency of any of the VM's disks."),
             Figure("net_usage_kbps", "net.usage.average", "KB/s",
                    "Network data sent and received."),
         )),
    Kind("hosts", "HostSystem", "ESXi host", (
        Figure("cpu_usage_pct", "cpu.usage.average", "%",
               "CPU in use, as a share of the host's capacity."),
        Figure("mem_usage_pct", "mem.usage.average", "%",
               "Memory in use, as a share of the host's memory."),
        Figure("mem_balloon_mb", "mem.vmmemctl.average", "MiB",
               "Memory reclaimed from its VMs by their balloon drivers."),
        Figure("disk_latency_ms", "disk.maxTotalLatency.latest", "ms",
               "Highest latency of any of the host's disks and datastores."),
        Figure("net_usage_kbps", "net.usage.average", "KB/s",
               "Network data sent and received."),
    )),
    Kind("clusters", "ClusterComputeResource", "cluster", (
        Figure("cpu_usage_pct", "cpu.usage.average", "%",
               "CPU in use, as a share of the cluster's capacity."),
        Figure("mem_usage_pct", "mem.usage.average", "%",
               "Memory in use, as a share of the cluster's memory."),
    ), realtime=False),
    Kind("datastores", "Datastore", "datastore", (
        Figure("read_latency_ms", "datastore.totalReadLatency.average", "ms",
               "Time a read takes, as the hosts that mount the datastore measure it."),
        Figure("write_latency_ms", "datastore.totalWriteLatency.average", "ms",
               "Time a write takes, as the hosts measure it."),
    ), realtime=False, read_from="HostSystem", instance="*"),
)}

METRICS = Table("metrics", "sample of one counter of one object", (
    Column("vcenter", CATEGORY, "Configured name of the vCenter."),
    Column("kind", CATEGORY, "vms, hosts, clusters or datastores."),
    Column("name", CATEGORY, "Name of the object."),
    Column("moid", CATEGORY, "Managed object id of the object, unique within the vCenter."),
    Column("counter", CATEGORY, "vCenter's counter, group.name.rollup "
           "(e.g. cpu.ready.summation)."),
    Column("instance", CATEGORY, "The counter's instance: empty for the object as a "
           "whole; for datastores, the host that measured it."),
    Column("time", TIME, "End of the sample's interval, on vCenter's clock."),
    Column("value", FLOAT, "The sample in `unit`: percent counters in %, KB in MiB, "
           "CPU ready, co-stop and other millisecond summations as a share of the "
           "interval (per vCPU for a VM as a whole); NA where vCenter had no sample."),
    Column("unit", CATEGORY, "Unit of `value`: %, MiB, KB/s, ms, MHz, ... (vCenter's "
           "unit where it is not converted)."),
    Column("interval", INT, "Seconds per sample: 20 (realtime), 300, 1800, 7200 or 86400.",
           "s"),
    Column("raw", INT, "The sample as vCenter sent it (hundredths of a percent, KB, "
           "milliseconds per interval, -1 for none)."),
), sort=(), brief=("vcenter", "name", "counter", "instance", "time", "value", "unit"),
    doc="From `vc.metrics(kind, counters=None, since=\"1h\")`: every sample of the "
        "window, the finest interval vCenter keeps for it (20 s up to an hour for "
        "hosts and VMs, then 5-minute, 30-minute, 2-hour and daily samples). A counter "
        "vCenter does not have or collect has no rows (see docs/metrics.md).")


def _performance_table(kind: Kind) -> Table:
    context: list[Column] = []
    if kind.name == "vms":
        context = [Column("host", STRING, "ESXi host the VM runs on."),
                   Column("cluster", STRING, "Cluster of that host."),
                   Column("num_cpu", INT, "Virtual CPUs (CPU ready is per vCPU).")]
    elif kind.name == "hosts":
        context = [Column("cluster", STRING, "Cluster (empty for a standalone host).")]
    elif kind.name == "datastores":
        context = [Column("hosts", INT, "Hosts that reported latency for it.")]
    figures: list[Column] = []
    for f in kind.figures:
        figures.append(Column(f.column, FLOAT, f"{f.description} Average over the "
                              f"window ({f.counter}).", f.unit))
        figures.append(Column(f.column + "_max", FLOAT, f"Highest sample of "
                              f"{f.column} in the window.", f.unit))
    return Table(f"performance_{kind.name}", kind.row, (
        Column("vcenter", STRING, "Configured name of the vCenter.",
               rvtools="VI SDK Server"),
        Column("name", STRING, "Name of the object."),
        *context,
        *figures,
        Column("samples", INT, "Samples in the window (of the counter with the most)."),
        Column("interval", INT, "Seconds per sample.", "s"),
        Column("start", TIME, "Start of the window, on vCenter's clock."),
        Column("end", TIME, "End of the window, on vCenter's clock."),
        Column("missing", STRING, "Figures left empty and why, e.g. \"cpu_costop_pct: "
               "not collected: a level 2 counter, and the 1800 s interval keeps level "
               "1\" (never shown as 0)."),
        Column("moid", STRING, "Managed object id, unique within the vCenter."),
    ), brief=("vcenter", "name", *(f.column for f in kind.figures[:6]), "missing"),
        doc=f"From `vc.performance(\"{kind.name}\", since=\"1h\")`: each figure's "
            "average and maximum over the window.")


PERFORMANCE: dict[str, Table] = {name: _performance_table(k) for name, k in KINDS.items()}

__all__ = ["KINDS", "METRICS", "PERFORMANCE", "Figure", "Kind"]
