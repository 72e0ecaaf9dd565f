"""Dashboards: first paint of the overview after login, with a large inventory.

    .venv/bin/python benchmarks/bench_dashboards.py [--vcenters 3] [--vms 6000] [--runs 5]
    .venv/bin/python benchmarks/bench_dashboards.py --demo          # no simulator

Starts N simulated vCenters of the "large" topology (tests/simulators.py),
the real ``vcompanion serve`` against them, waits until the first collection
is in, then in fresh headless Chromium sessions measures:

- login -> overview KPIs painted (submit click to the numbers on screen),
- login -> every chart drawn,
- inventory page with every VM (remote pagination) painted,
- a quick filter over every VM applied, next table page shown.

Prints a table for BENCHMARKS.md.  Needs Debian's chromium and the Go
toolchain for the simulator (as the tests do).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: list[str], env: dict, cwd: Path, log: Path):
    out = open(log, "w", encoding="utf-8")
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    return proc, out


def wait_for(predicate, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.25)
    raise TimeoutError(what)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def measure(url: str, user: str, password: str, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright
    results: dict[str, list[float]] = {k: [] for k in (
        "login", "first paint", "overview KPIs", "overview charts", "warm overview",
        "inventory table", "quick filter", "next table page")}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=CHROMIUM_ARGS)
        for _ in range(runs):
            ctx = browser.new_context(viewport={"width": 1366, "height": 768})
            page = ctx.new_page()
            page.goto(url + "/login")
            page.fill("#username", user)
            page.fill("#password", password)
            t0 = time.perf_counter()
            page.click("#submit")
            page.wait_for_selector('[data-num="vms-total"]', timeout=120_000)
            kpis = time.perf_counter() - t0
            results["overview KPIs"].append(kpis)
            # The login POST (SSO check on every vCenter) ends where the redirect
            # to /overview starts; what follows is the overview's first paint.
            login = page.evaluate("performance.getEntriesByType('navigation')[0]"
                                  ".redirectEnd") / 1000
            results["login"].append(login)
            results["first paint"].append(kpis - login)
            deadline = time.monotonic() + 60
            while page.locator("canvas").count() < 6 and time.monotonic() < deadline:
                page.wait_for_timeout(20)
            results["overview charts"].append(time.perf_counter() - t0)

            t4 = time.perf_counter()
            page.goto(url + "/overview")
            page.wait_for_selector('[data-num="vms-total"]', timeout=120_000)
            results["warm overview"].append(time.perf_counter() - t4)

            t1 = time.perf_counter()
            page.goto(url + "/inventory")
            page.wait_for_selector(".tabulator-row", timeout=120_000)
            results["inventory table"].append(time.perf_counter() - t1)
            rows = page.locator("[data-rows]").get_attribute("data-rows")

            box = page.get_by_placeholder("Filter every column…")
            t2 = time.perf_counter()
            box.fill("01")
            deadline = time.monotonic() + 60
            while page.locator("[data-rows]").get_attribute("data-rows") == rows and \
                    time.monotonic() < deadline:
                page.wait_for_timeout(20)
            results["quick filter"].append(time.perf_counter() - t2)

            first = page.locator(".tabulator-row").first.inner_text()
            t3 = time.perf_counter()
            page.locator(".tabulator-page[data-page='next']").click()
            deadline = time.monotonic() + 60
            while page.locator(".tabulator-row").first.inner_text() == first and \
                    time.monotonic() < deadline:
                page.wait_for_timeout(20)
            results["next table page"].append(time.perf_counter() - t3)
            results.setdefault("_rows", []).append(float(rows))
            ctx.close()
        browser.close()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vcenters", type=int, default=3)
    parser.add_argument("--vms", type=int, default=6000, help="VMs per vCenter")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--demo", action="store_true",
                        help="measure `serve --demo` (about 1,500 VMs) instead")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    sims = []
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCOMPANION_")}
    exe = str(Path(sys.executable).with_name("vcompanion"))
    try:
        if args.demo:
            cmd = [exe, "serve", "--demo", "--port", str(port)]
            user = password = "demo"
            label = "demo (about 1,500 VMs)"
        else:
            import simulators
            from conftest import PASSWORD, USERNAME
            started = time.monotonic()
            specs = [(f"large{i + 1}", "large", args.vms) for i in range(args.vcenters)]
            sims = simulators.start_simulators(work, specs, timeout=600)
            print(f"{args.vcenters} simulators x {args.vms:,} VMs started in "
                  f"{time.monotonic() - started:.0f} s", flush=True)
            config = simulators.write_config(sims, work / "config.json")
            data = json.loads(config.read_text())
            data["data_dir"] = str(work / "data")
            data["logs_dir"] = str(work / "logs")
            data["collection"] = {"read_timeout_seconds": 600}
            data["dashboard"] = {"refresh_seconds": 3600}  # one collection while measuring
            config.write_text(json.dumps(data), encoding="utf-8")
            env.update(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD)
            cmd = [exe, "--config", str(config), "serve", "--port", str(port)]
            user, password = USERNAME, PASSWORD
            label = f"{args.vcenters} vCenters x {args.vms:,} VMs"
        log = work / "server.out"
        proc, out = start_server(cmd, env, work, log)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: answers(url + "/login"), 120, "server start")
            loaded = wait_for(lambda: "dashboard data refreshed" in log.read_text(),
                              900, "first collection")
            line = [x for x in log.read_text().splitlines()
                    if "dashboard data refreshed" in x][0]
            print(f"first collection done {loaded:.0f} s after the server answered: "
                  f"{line.split('INFO ', 1)[-1]}", flush=True)
            results = measure(url, user, password, args.runs)
        finally:
            proc.terminate()
            proc.wait(30)
            out.close()
    finally:
        for sim in sims:
            sim.stop()

    rows = int(results.pop("_rows")[0])
    print(f"\n{label}; inventory: {rows:,} VMs; {args.runs} runs, fresh browser "
          f"session each\n")
    print(f"{'step':<40}{'median s':>10}{'max s':>10}")
    names = {"login": "login: SSO check on every vCenter",
             "first paint": "overview first paint after login",
             "overview KPIs": "submit -> overview KPIs painted",
             "overview charts": "submit -> all overview charts drawn",
             "warm overview": "overview again (browser cache warm)",
             "inventory table": "inventory page, first rows shown",
             "quick filter": "quick filter over every VM",
             "next table page": "next page of the table"}
    for key, values in results.items():
        print(f"{names[key]:<40}{statistics.median(values):>10.2f}{max(values):>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
