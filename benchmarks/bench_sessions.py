"""Dashboards: a burst of signed-in clients that fetch pages and never open the
websocket (scripts, scanners, a browser killed mid-load), and the server's
memory afterwards.

    .venv/bin/python benchmarks/bench_sessions.py                 # the demo data
    .venv/bin/python benchmarks/bench_sessions.py --simulators    # 3 simulated vCenters
    .venv/bin/python benchmarks/bench_sessions.py --clients 50 --seconds 60 --after 60 \\
        --bursts 2

Starts the real ``vcompanion serve``; ``--clients`` plain HTTP clients each
sign in (CSRF token and all) and fetch random pages for ``--seconds``; every
page fetch makes a Bokeh session on the server that no websocket ever
claims.  Samples the server's resident memory (RSS, /proc) all along and
prints, per burst: RSS before, at its peak, when the clients stop, and
``--after`` seconds later (with its change from the start); page fetch
latency (p50, p95); and the page sessions the server reports still open
(its log line "page sessions: ... open").  Linux only (reads /proc).

``--allocator pymalloc`` runs the server on Python's own allocator instead of
the C allocator ``vcompanion serve`` picks on Linux (PYTHONMALLOC=malloc).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

PAGES = ["overview", "inventory", "search", "problems", "hosts", "datastores",
         "snapshots", "alerts", "reports"]
OPEN = re.compile(r"page sessions: (\d+) open")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """A signed-in client that never runs the pages' JavaScript."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=300) as r:
            return r.read().decode("utf-8", "replace")

    def login(self, user: str, password: str) -> None:
        html = self.get("/login")
        form = {"username": user, "password": password}
        token = re.search(r'name="csrf" value="([^"]+)"', html)
        if token:  # (older servers had no CSRF token)
            form["csrf"] = token.group(1)
        with self.opener.open(self.base + "/login", urllib.parse.urlencode(form).encode(),
                              timeout=300) as r:
            if "/login" in r.url:
                raise RuntimeError(f"sign-in refused: {r.url}")


def burst(base: str, user: str, password: str, clients: int, seconds: float,
          pid: int, samples: list[float]) -> list[float]:
    """``clients`` threads fetching pages for ``seconds``; returns the latencies."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    # Signed in one after another (the sign-in throttle lets only a few sign-ins
    # of one user name be under way at once), then all fetch pages together.
    signed_in = []
    for _ in range(clients):
        client = Client(base)
        client.login(user, password)
        signed_in.append(client)
    stop = time.monotonic() + seconds

    def run(n: int) -> None:
        rng = random.Random(n)
        client = signed_in[n]
        try:
            while time.monotonic() < stop:
                started = time.perf_counter()
                client.get("/" + rng.choice(PAGES))
                with lock:
                    latencies.append(time.perf_counter() - started)
        except (OSError, RuntimeError) as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        samples.append(rss_mb(pid))
        time.sleep(0.5)
    if errors:
        print(f"  {len(errors)} client errors, e.g. {errors[0]}", file=sys.stderr)
    return latencies


def open_sessions(log: Path) -> str:
    found = OPEN.findall(log.read_text(encoding="utf-8", errors="replace"))
    return found[-1] if found else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulators", action="store_true",
                        help="three simulated vCenters (prod, dr, lab) instead of the demo")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--after", type=float, default=60,
                        help="seconds to wait after each burst before measuring")
    parser.add_argument("--bursts", type=int, default=2)
    parser.add_argument("--allocator", choices=("default", "pymalloc", "malloc"),
                        default="default", help="the server's PYTHONMALLOC (default: "
                        "what vcompanion serve picks)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-sessions-"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VCOMPANION_", "PANEL_")) and k != "PYTHONMALLOC"}
    if args.allocator != "default":
        env["PYTHONMALLOC"] = args.allocator
    port = free_port()
    sims = []
    if args.simulators:
        import simulators
        from conftest import PASSWORD, USERNAME
        sims = simulators.start_simulators(folder)
        config = simulators.write_config(sims, folder / "config.json")
        text = config.read_text()
        config.write_text(text.replace('"vcenters"', f'"logs_dir": "{folder}/logs", '
                                       f'"data_dir": "{folder}/data", "vcenters"', 1))
        env.update(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD)
        command = ["--config", str(config), "serve"]
        user, password = USERNAME, PASSWORD
    else:
        command = ["serve", "--demo"]
        user, password = "demo", "demo"
    exe = [sys.executable, "-c", "import sys; from vcompanion.cli import main; "
           "sys.exit(main())"]
    out_path = folder / "server.out"
    out = open(out_path, "w", encoding="utf-8")
    server = subprocess.Popen([*exe, *command, "--port", str(port)], cwd=folder, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while "dashboard data refreshed" not in out_path.read_text(errors="replace"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{out_path.read_text()}")
            time.sleep(0.5)
        warm = Client(base)
        warm.login(user, password)
        for page in PAGES:  # every page's code imported once
            warm.get("/" + page)
        time.sleep(45)  # those sessions end (unconnected) before the baseline
        start = rss_mb(server.pid)
        print(f"server {'3 simulators' if sims else 'demo'} (allocator {args.allocator}): "
              f"RSS {start:.0f} MB at start; {args.clients} clients x {args.seconds:g} s "
              "per burst")
        print("| burst | RSS start | peak | clients stop | +%gs | change | pages | p50 | p95 "
              "| sessions open |" % args.after)
        print("|---|---|---|---|---|---|---|---|---|---|")
        for n in range(1, args.bursts + 1):
            before = rss_mb(server.pid)
            samples: list[float] = []
            latencies = burst(base, user, password, args.clients, args.seconds,
                              server.pid, samples)
            stopped = rss_mb(server.pid)
            time.sleep(args.after)
            after = rss_mb(server.pid)
            p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else 0
            print(f"| {n} | {before:.0f} MB | {max(samples + [stopped]):.0f} MB | "
                  f"{stopped:.0f} MB | {after:.0f} MB | {100 * (after - start) / start:+.0f} % "
                  f"| {len(latencies)} | {statistics.median(latencies):.2f} s | "
                  f"{p95:.2f} s | {open_sessions(out_path)} |", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        out.close()
        for sim in sims:
            sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
