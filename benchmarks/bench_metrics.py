"""Benchmark: performance statistics of every VM and host, against govmomi.

    .venv/bin/python benchmarks/bench_metrics.py [--vms 6000] [--repeat 3]
                                                 [--skip-pyvmomi]

Starts three simulated vCenters of the "large" model (``--vms`` VMs each,
tests/vcsim, whose PerformanceManager serves deterministic series), builds
benchmarks/govmomi_perf (Go, like the simulator) and prints one table:

- raw QueryPerf: the same requests vCompanion sends, answers read as bytes,
  nothing decoded (what the simulator costs);
- govmomi: login, then performance.Manager (catalog, CurrentTime, the same
  batched QueryPerf calls, ToMetricSeries, each series' average and maximum);
- vCompanion: ``vc.performance("vms", "15m")`` and ``vc.performance("hosts",
  "15m")`` on a Companion whose inventory is read (login and inventory are
  not timed on either side), one vCenter and three; then ``vc.metrics("vms")``,
  the tidy frame of every sample;
- pyvmomi: the same with ``collection.decoder = pyvmomi``.

Times are medians of ``--repeat`` runs, each in a fresh process; govmomi and
vCompanion alternate, so both meet the same load.  CPU seconds are the
process's own (Go: getrusage; vCompanion: every thread).  The answers' size
is bounded by ``metrics.max_answer_samples``: the largest answer is printed.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_collect import PASSWORD, USERNAME, machine, rss_mb  # noqa: E402

WINDOW = "15m"


def counters() -> list[str]:
    from vcompanion.tables.performance import KINDS
    return list(dict.fromkeys(KINDS["vms"].counters + KINDS["hosts"].counters))


# --- child processes (one measurement each, fresh interpreter) -----------------------


def child_perf(args) -> dict:
    from vcompanion import Companion
    vc = Companion.from_config(args.config, live=False)
    vc.vms()
    vc.hosts()  # the inventory: read, not timed
    started, cpu = time.perf_counter(), time.process_time()
    vms = vc.performance("vms", since=WINDOW)
    hosts = vc.performance("hosts", since=WINDOW)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    tidy = vc.metrics("vms", since=WINDOW)
    tidy_seconds, tidy_cpu = time.perf_counter() - started, time.process_time() - cpu
    current, peak = rss_mb()
    largest = max(cost["largest_answer"] for frame in (vms, hosts)
                  for cost in frame.attrs["cost"].values())
    result = {"seconds": seconds, "cpu": cpu_seconds, "vms": len(vms), "hosts": len(hosts),
              "figures": int(vms["cpu_ready_pct"].notna().sum()),
              "tidy_seconds": tidy_seconds, "tidy_cpu": tidy_cpu, "samples": len(tidy),
              "rss_mb": current, "peak_mb": peak, "largest": largest,
              "failures": {k: str(v) for k, v in vc.failures.items()}}
    vc.close()
    return result


def child_raw(args) -> dict:
    """The QueryPerf answers of one vCenter as bytes, the same batches, not decoded."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import timedelta

    from pyVmomi import vim

    from vcompanion import Companion
    from vcompanion.vsphere import perf
    from vcompanion.vsphere.fast import perf as fast_perf
    from vcompanion.vsphere.fast import soap
    from vcompanion.vsphere.perfdata import REALTIME_INTERVAL
    vc = Companion.from_config(args.config, live=False)
    vms, hosts = vc.vms(), vc.hosts()
    conn = next(iter(vc.sources.values())).connection
    entities = json.loads(Path(args.entities).read_text())
    times, sizes = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        cat = perf.catalog(conn)
        end = conn.call(conn.si.CurrentTime)
        keys = [cat.counters[n].key for n in counters() if n in cat.counters]
        limit = perf.query_limit(cat, REALTIME_INTERVAL, 45, 1, perf.PerfSettings())
        manager = conn.content.perfManager
        envelope = fast_perf.template(conn.si._stub, manager,
                                      vim.VirtualMachine("vm-1", conn.si._stub))
        jobs = []
        for kind in ("VirtualMachine", "HostSystem"):
            metrics = [(m, k) for m in entities[kind] for k in keys]
            for i in range(0, len(metrics), limit):
                specs: list = []
                for moid, key in metrics[i:i + limit]:
                    if not specs or specs[-1][0] != moid:
                        specs.append((moid, []))
                    specs[-1][1].append((key, ""))
                jobs.append(fast_perf.request(envelope, kind, specs,
                                              end - timedelta(seconds=900), end, 45, 20))
        def fetch(body: bytes, manager=manager) -> bytes:
            return conn.call(lambda: soap.invoke(conn.si._stub, manager, "QueryStats", [],
                                                 request=body))

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(fetch, jobs))
        times.append(time.perf_counter() - started)
        sizes = [len(a) for a in answers]
    vc.close()
    return {"seconds": statistics.median(times), "bytes": sum(sizes),
            "largest_bytes": max(sizes), "queries": len(sizes),
            "vms": len(vms), "hosts": len(hosts)}


def run_child(kind: str, config: Path, repeat: int = 1, entities: str = "") -> dict:
    env = dict(os.environ, VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD)
    cmd = [sys.executable, __file__, "--child", kind, "--config", str(config),
           "--repeat", str(repeat), "--entities", entities]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the orchestrating process ------------------------------------------------------


def build_govmomi(cache: Path) -> Path:
    binary = cache / "govmomi_perf"
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=str(cache / "go-build"), GOFLAGS="")
    subprocess.run(["go", "build", "-o", str(binary), "."], check=True, env=env,
                   cwd=REPO / "benchmarks" / "govmomi_perf")
    return binary


def write_config(sims, path: Path, decoder: str = "fast") -> Path:
    path.write_text(json.dumps({
        "vcenters": [{"name": s.name, "host": s.host, "port": s.port, "verify_ssl": True,
                      "ca_bundle": s.cert_path} for s in sims],
        "collection": {"decoder": decoder, "read_timeout_seconds": 600},
        "metrics": {"cache_seconds": 0},  # every call reads
    }, indent=2))
    return path


def govmomi(binary: Path, sims, entities: Path) -> dict:
    cmd = [str(binary), "-entities", str(entities), "-counters", ",".join(counters()),
           "-window", "900", "-batch", "2222", "-concurrency", "4"]
    for sim in sims:
        cmd += ["-url", f"https://{urllib.parse.quote(USERNAME)}:"
                        f"{urllib.parse.quote(PASSWORD)}@{sim.host}:{sim.port}/sdk"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def entities_of(config: Path, path: Path) -> dict:
    """The powered-on VMs and connected hosts vCompanion asks for (same in every
    large simulator: they are built alike)."""
    from vcompanion import Companion
    with Companion.from_config(config, username=USERNAME, password=PASSWORD) as vc:
        vms, hosts = vc.vms(), vc.hosts()
    on = vms[(vms["power_state"] == "poweredOn") & ~vms["is_template"].astype(bool)]
    data = {"VirtualMachine": list(on["moid"]),
            "HostSystem": list(hosts.loc[hosts["connection_state"] == "connected", "moid"])}
    path.write_text(json.dumps(data))
    return data


def main() -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pyvmomi", action="store_true")
    parser.add_argument("--child")
    parser.add_argument("--config")
    parser.add_argument("--entities", default="")
    args = parser.parse_args()
    if args.child:
        result = {"perf": child_perf, "raw": child_raw}[args.child](args)
        print(json.dumps(result))
        return 0

    import simulators

    work = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    cache = REPO / ".cache" / "govmomi_perf"
    cache.mkdir(parents=True, exist_ok=True)
    binary = build_govmomi(cache)
    print(f"starting 3 simulators with {args.vms} VMs each ...", flush=True)
    started = time.perf_counter()
    sims = simulators.start_simulators(
        work, specs=[(f"vc{i}", "large", args.vms) for i in (1, 2, 3)], timeout=900,
        extra_args=("-quiet",))
    print(f"  ready in {time.perf_counter() - started:.0f} s", flush=True)
    try:
        one = write_config(sims[:1], work / "one.json")
        three = write_config(sims, work / "three.json")
        slow = write_config(sims[:1], work / "pyvmomi.json", decoder="pyvmomi")
        entities = work / "entities.json"
        asked = entities_of(one, entities)
        metrics = (len(asked["VirtualMachine"]) * 10 + len(asked["HostSystem"]) * 5)
        rows = []
        raw = run_child("raw", one, args.repeat, str(entities))
        rows.append(("raw QueryPerf, bytes only (1 vCenter)", raw["seconds"], None,
                     f"{raw['queries']} queries, {raw['bytes'] / 1e6:.1f} MB, largest "
                     f"{raw['largest_bytes'] / 1e6:.1f} MB"))
        go, ours = [], []
        for _ in range(args.repeat):
            go.append(govmomi(binary, sims[:1], entities))
            ours.append(run_child("perf", one))
        go_s = statistics.median(g["read_seconds"] for g in go)
        go_cpu = statistics.median(g["cpu_seconds"] for g in go)
        rows.append(("govmomi performance.Manager (1 vCenter)", go_s, go_cpu,
                     f"{go[0]['values']:,} samples, {go[0]['queries']} queries; runs "
                     + ", ".join(f"{g['read_seconds']:.2f}" for g in go)))
        one_s = statistics.median(o["seconds"] for o in ours)
        one_cpu = statistics.median(o["cpu"] for o in ours)
        rows.append(("vCompanion performance(vms) + (hosts), 1 vCenter", one_s, one_cpu,
                     f"{ours[0]['vms']} VM rows, {ours[0]['hosts']} host rows; runs "
                     + ", ".join(f"{o['seconds']:.2f}" for o in ours)))
        rows.append(("  vCompanion metrics(vms): every sample, tidy", statistics.median(
            o["tidy_seconds"] for o in ours), statistics.median(o["tidy_cpu"] for o in ours),
            f"{ours[0]['samples']:,} rows"))
        if not args.skip_pyvmomi:
            py = run_child("perf", slow)
            rows.append(("pyvmomi decoder: performance(vms) + (hosts)", py["seconds"],
                         py["cpu"], ""))
        go3, ours3 = [], []
        for _ in range(args.repeat):
            go3.append(govmomi(binary, sims, entities))
            ours3.append(run_child("perf", three))
        go3_s = statistics.median(g["read_seconds"] for g in go3)
        rows.append(("govmomi, 3 vCenters in parallel", go3_s,
                     statistics.median(g["cpu_seconds"] for g in go3),
                     f"{go3[0]['values']:,} samples; runs "
                     + ", ".join(f"{g['read_seconds']:.2f}" for g in go3)))
        three_s = statistics.median(o["seconds"] for o in ours3)
        rows.append(("vCompanion, 3 vCenters", three_s,
                     statistics.median(o["cpu"] for o in ours3),
                     "runs " + ", ".join(f"{o['seconds']:.2f}" for o in ours3)))
        print()
        print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}; {args.vms} VMs per "
              f"vCenter; realtime, last 15 min: {len(asked['VirtualMachine'])} VMs x 10 "
              f"+ {len(asked['HostSystem'])} hosts x 5 = {metrics:,} metrics x 45 samples")
        print(f"{'measurement':52s} {'wall s':>8s} {'cpu s':>7s}  notes")
        for name, wall, cpu, note in rows:
            cpu_text = f"{cpu:7.2f}" if cpu is not None else " " * 7
            print(f"{name:52s} {wall:8.3f} {cpu_text}  {note}")
        print()
        print("ratios")
        print(f"  goal   vCompanion / govmomi, 1 vCenter, wall    {one_s / go_s:6.2f}  (<= 1.0)")
        print(f"         vCompanion / govmomi, 1 vCenter, CPU     {one_cpu / go_cpu:6.2f}")
        print(f"  goal   vCompanion / govmomi, 3 vCenters, wall   {three_s / go3_s:6.2f}  "
              f"(<= 1.0)")
        print(f"         vCompanion 3 vCenters / 1                {three_s / one_s:6.2f}")
        print(f"         vCompanion / raw QueryPerf, 1 vCenter    {one_s / raw['seconds']:6.2f}")
        largest = ours[0]["largest"]
        print(f"  bound  largest answer: {largest} samples (<= 100,000 "
              f"metrics.max_answer_samples), {raw['largest_bytes'] / 1e6:.1f} MB")
        print(f"  memory RSS after 3 vCenters: {statistics.median(o['rss_mb'] for o in ours3):.0f}"
              f" MB (peak {statistics.median(o['peak_mb'] for o in ours3):.0f})")
    finally:
        for sim in sims:
            sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
