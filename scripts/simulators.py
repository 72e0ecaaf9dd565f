#!/usr/bin/env python3
"""Run seeded vCenter simulators for manual testing of vCompanion.

    python scripts/simulators.py [--topologies prod,dr,lab] [--config sim-config.json]

Starts one simulator per topology (govmomi's vcsim with the test-suite's
seeded inventories), writes a vCompanion configuration listing them, prints
how to use it and runs until Ctrl+C. Topologies: prod, dr, lab, large
(large:N for N VMs, default 6000). A topology may be given twice with a name:
name=topology (e.g. --topologies prod,prod2=prod).
"""

from __future__ import annotations

import argparse
import pathlib
import shlex
import shutil
import signal
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import simulators  # noqa: E402  (tests/simulators.py)


def parse_topologies(text: str) -> list[tuple]:
    specs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, topology = item.rpartition("=")
        topology, _, vms = topology.partition(":")
        spec = (name or topology, topology)
        if vms:
            spec += (int(vms),)
        specs.append(spec)
    return specs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topologies", default="prod,dr,lab",
                        help="comma-separated topologies: prod, dr, lab, large[:N], "
                             "optionally name=topology")
    parser.add_argument("--config", default="sim-config.json",
                        help="vCompanion configuration file to write")
    parser.add_argument("--workdir", help="directory for certificates and logs "
                                          "(default: a temporary directory)")
    parser.add_argument("--no-verify", action="store_true", help="write verify_ssl: false")
    args = parser.parse_args(argv)

    specs = parse_topologies(args.topologies)
    if not specs:
        parser.error("no topology given")
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="vcsim-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, specs, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args, specs, workdir: pathlib.Path) -> int:
    print("Building the simulator ...", flush=True)
    simulators.build_simulator()
    print(f"Starting {', '.join(s[0] for s in specs)} ...", flush=True)
    sims = simulators.start_simulators(workdir, specs)
    try:
        config = simulators.write_config(sims, args.config, verify_ssl=not args.no_verify).resolve()
        print()
        for sim in sims:
            print(f"  {sim.name:<8} {sim.topology:<6} {sim.url}   control {sim.control_url}   "
                  f"(ready in {sim.startup_seconds:.1f} s)")
        print(f"\nLogs and certificates: {workdir}")
        print(f"Configuration: {config}\n")
        print("Use it with:")
        print(f"  export VCOMPANION_CONFIG={shlex.quote(str(config))}")
        print(f"  export VCOMPANION_USERNAME={shlex.quote(sims[0].username)}")
        print(f"  export VCOMPANION_PASSWORD={shlex.quote(sims[0].password)}")
        print("\nControl API example:")
        print(f"  curl -X POST '{sims[0].control_url}/host/connection"
              "?name=HOST&state=disconnected'")
        print("\nPress Ctrl+C to stop.", flush=True)

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            for sim in sims:
                if not sim.running:
                    print(f"\nsimulator {sim.name} exited:\n{sim.log_tail()}", file=sys.stderr)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping ...")
    finally:
        for sim in sims:
            sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
