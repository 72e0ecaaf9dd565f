"""From vCenter's raw samples to the units people read.

vCenter sends integers: percent counters in hundredths of a percent, memory
in KB (KiB), rates in KB/s, and "summation" counters in milliseconds per
sample.  ``scale(info, interval, vcpus, instance)`` gives the factor and the
unit of one series:

* percent: / 100 -> %
* kiloBytes: / 1024 -> MiB
* millisecond summations (cpu.ready, cpu.costop, cpu.wait, ...):
  ms / (interval s x 1000) x 100 -> % of the interval, divided by the VM's
  vCPU count for the VM as a whole (instance ""), where vCenter sums the
  vCPUs; a per-vCPU instance ("0", "1") or a host stays undivided;
* everything else keeps its value; its unit is named as people write it
  (ms, KB/s, MHz, ...).

-1 means "no sample": it becomes NA, never 0 (``NO_SAMPLE``).
"""

from __future__ import annotations

from ..sources import CounterInfo

NO_SAMPLE = -1  # any negative raw value: vCenter had no sample

UNIT_NAMES = {"percent": "%", "kiloBytes": "MiB", "kiloBytesPerSecond": "KB/s",
              "millisecond": "ms", "microsecond": "µs", "megaHertz": "MHz",
              "megaBytes": "MiB", "megaBytesPerSecond": "MB/s", "second": "s",
              "number": "", "watt": "W", "joule": "J", "celsius": "°C",
              "teraBytes": "TB", "nanosecond": "ns"}


def scale(info: CounterInfo, interval: int, vcpus: int | None = None,
          instance: str = "", entity_type: str = "VirtualMachine") -> tuple[float, str]:
    """(factor, unit) turning one series' raw values into ``unit``."""
    unit = info.unit
    if unit == "percent":
        return 0.01, "%"
    if unit == "kiloBytes":
        return 1 / 1024, "MiB"
    if unit == "millisecond" and info.rollup == "summation":
        factor = 100.0 / (interval * 1000)
        if entity_type == "VirtualMachine" and not instance and vcpus:
            factor /= vcpus
        return factor, "%"
    return 1.0, UNIT_NAMES.get(unit, unit)


__all__ = ["NO_SAMPLE", "UNIT_NAMES", "scale"]
