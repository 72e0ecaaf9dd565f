"""How fast the built-in demo comes up (goal: generated in under 2 s).

    .venv/bin/python benchmarks/bench_demo.py [--runs 5]

Times ``demo.generate()`` (the raw inventories and events of the three demo
vCenters) on its own, then a fresh ``Companion.demo()`` through its first
table, every table, the problems and a week of events.
"""

from __future__ import annotations

import argparse
import statistics
import time

from vcompanion import Companion, demo, tables


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    demo.generate()  # warm up imports and pyvmomi's lazy types
    generation = []
    for _ in range(runs):
        environment, ms = timed(demo.generate)
        generation.append(ms)
    objects = sum(len(v) for inv in environment.inventories.values()
                  for v in inv.objects.values())
    events = sum(len(environment.events(name)) for name in environment.inventories)
    print(f"{environment.vm_count():,} VMs, {objects:,} objects, {events:,} events")
    print(f"generate(): median {statistics.median(generation):.0f} ms, "
          f"max {max(generation):.0f} ms over {runs} runs")

    steps = []
    vc = Companion.demo()
    steps.append(("first vc.vms() (generate + build)", timed(vc.vms)[1]))
    steps.append(("every other table", timed(lambda: [vc.table(n) for n in
                                                      tables.INVENTORY])[1]))
    steps.append(("vc.problems()", timed(vc.problems)[1]))
    steps.append(("vc.events(hours=168)", timed(lambda: vc.events(hours=168))[1]))
    steps.append(("vc.search('10.10.140.0/24')",
                  timed(lambda: vc.search("10.10.140.0/24"))[1]))
    steps.append(("vc.refresh() + vc.vms()",
                  timed(lambda: vc.refresh().vms())[1]))
    for label, ms in steps:
        print(f"{label:36} {ms:8.0f} ms")


if __name__ == "__main__":
    main()
