"""Page sessions: pages fetched without their websocket end within about 30 s,
do no work meanwhile, and leave no memory behind (finding 5); a page whose
websocket connects after the login went idle gets nothing (finding 12,
under ``panel serve`` where no websocket connect is checked).

benchmarks/bench_sessions.py measures a larger burst (BENCHMARKS.md).
"""

from __future__ import annotations

import random
import re
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import PASSWORD, USERNAME
from test_dashboards import (CHROMIUM, CHROMIUM_ARGS, LAPTOP, REPO, Server, base_env,
                             login, write_config)
from test_web_security import Client

pytestmark = [pytest.mark.simulator]

OPEN = re.compile(r"page sessions: (\d+) open \((\d+) connected\)")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def open_sessions(text: str) -> int | None:
    found = OPEN.findall(text)
    return int(found[-1][0]) if found else None


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_burst_of_pages_never_connected_ends_and_gives_its_memory_back(
        vcsims, sim_config, tmp_path):
    config = write_config(sim_config, tmp_path)
    exe = Path(sys.executable).with_name("vcompanion")
    srv = Server([str(exe), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 tmp_path, tmp_path / "server.out")
    log = tmp_path / "logs" / "vcompanion.log"
    try:
        pages = ["overview", "inventory", "search", "problems", "hosts", "datastores",
                 "snapshots", "alerts", "reports"]
        warm = Client(srv.url)
        assert warm.login(USERNAME, PASSWORD)[0] == 302
        deadline = time.monotonic() + 120
        while "dashboard data refreshed" not in log.read_text(encoding="utf-8") and \
                time.monotonic() < deadline:
            time.sleep(0.5)
        for name in pages:  # every page's code in memory before the baseline
            assert warm.request("/" + name)[0] == 200
        deadline = time.monotonic() + 60
        while open_sessions(log.read_text(encoding="utf-8")) != 0 and \
                time.monotonic() < deadline:
            time.sleep(1)
        assert open_sessions(log.read_text(encoding="utf-8")) == 0
        start = rss_mb(srv.proc.pid)

        clients = []
        for _ in range(12):
            client = Client(srv.url)
            assert client.login(USERNAME, PASSWORD)[0] == 302
            clients.append(client)
        fetched, stop = [], time.monotonic() + 25

        def fetch(n: int) -> None:
            rng = random.Random(n)
            while time.monotonic() < stop:
                status, _, _ = clients[n].request("/" + rng.choice(pages))
                fetched.append(status)

        threads = [threading.Thread(target=fetch, args=(n,)) for n in range(len(clients))]
        for thread in threads:
            thread.start()
        peak = start
        while any(t.is_alive() for t in threads):
            peak = max(peak, rss_mb(srv.proc.pid))
            time.sleep(0.5)
        ended = time.monotonic()
        assert len(fetched) >= 24 and set(fetched) == {200}

        # Every one of those sessions ends within ~30 s of its page (and the log says so).
        while open_sessions(log.read_text(encoding="utf-8")) != 0 and \
                time.monotonic() < ended + 50:
            time.sleep(1)
        text = log.read_text(encoding="utf-8")
        assert open_sessions(text) == 0, text[-2000:]
        assert time.monotonic() - ended < 50
        never = sum(int(n) for n in re.findall(r"(\d+) never connected", text))
        assert never >= len(fetched)
        # ... and their memory is given back (within 20 % of the start a minute later).
        time.sleep(max(0.0, ended + 60 - time.monotonic()))
        after = rss_mb(srv.proc.pid)
        assert after <= start * 1.2, (start, peak, after)
        # They did no work while waiting: no page was built, no refresh ran.
        assert "failed to render" not in text
    finally:
        srv.stop()


@pytest.mark.browser
def test_a_websocket_connecting_after_the_idle_timeout_gets_no_data(vcsims, sim_config,
                                                                     tmp_path):
    """``panel serve``: the page is asked for while the login is valid, its websocket
    connects once the login is idle -- the page must not be built for it."""
    from playwright.sync_api import sync_playwright
    config = write_config(sim_config, tmp_path, session={"idle_timeout_minutes": 0.1})
    panel = Path(sys.executable).with_name("panel")
    scripts = sorted(str(p) for p in (REPO / "dashboards").glob("*.py"))
    srv = Server([str(panel), "serve", *scripts, "--port", "{port}", "--oauth-provider",
                  "vcompanion"],
                 base_env(VCOMPANION_CONFIG=str(config), VCOMPANION_USERNAME=USERNAME,
                          VCOMPANION_PASSWORD=PASSWORD), REPO, tmp_path / "server.out")
    from vcompanion import Companion
    with Companion.from_config(config, username=USERNAME, password=PASSWORD) as vc:
        names = list(vc.hosts()["name"])  # what /hosts would show
    received, held = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport=LAPTOP).new_page()
                login(page, srv.url)
                page.wait_for_selector('[data-num="vms-total"]', timeout=60_000)
                # The next page's websocket is held back past the idle timeout (6 s).
                page.route_web_socket(re.compile(r"/ws"), lambda ws: held.append(ws))
                page.goto(srv.url + "/hosts")
                deadline = time.monotonic() + 30
                while not held and time.monotonic() < deadline:
                    page.wait_for_timeout(100)
                assert held
                ws, sent = held[0], []
                ws.on_message(lambda m: sent.append(m))
                page.wait_for_timeout(9000)
                server = ws.connect_to_server()
                server.on_message(lambda m: (received.append(m), ws.send(m)))
                ws.on_message(lambda m: server.send(m))
                for message in sent:
                    server.send(message)
                page.wait_for_url(re.compile(r"/login\?notice=idle"), timeout=30_000)
            finally:
                browser.close()
    finally:
        srv.stop()
    text = "\n".join(m if isinstance(m, str) else m.decode("utf-8", "replace")
                     for m in received)
    assert received and not [n for n in names if n in text]


# --- the accounting, without a server ------------------------------------------------------

class FakeSession:
    def __init__(self):
        self.expired = False

    def request_expiration(self):
        self.expired = True


class FakeDocument:
    """A Bokeh document as far as pagesessions looks at one."""

    def __init__(self):
        self.session_context = type("Context", (), {})()
        self.session_context.session = FakeSession()

    @property
    def expired(self) -> bool:
        return self.session_context.session.expired


def test_pages_waiting_for_their_websocket_are_capped_per_login_and_in_all():
    from vcompanion.ui.pagesessions import PageSessions
    sessions = PageSessions(per_login=3, most=5)
    docs = {login: [FakeDocument() for _ in range(4)] for login in ("a", "b")}
    for doc in docs["a"]:
        sessions.opened(doc, "a")
    # The login's oldest waiting page is cut short beyond 3.
    assert [d.expired for d in docs["a"]] == [True, False, False, False]
    sessions.connect(docs["a"][1])  # a browser connected: no longer waiting
    for doc in docs["b"][:3]:
        sessions.opened(doc, "b")
    # 2 of a's + 3 of b's wait: 5 in all, nothing more cut.
    assert sessions.waiting() == 5 and not any(d.expired for d in docs["b"])
    sessions.opened(docs["b"][3], "b")
    # Over 5 in all: the oldest of the login with the most waiting (b) goes.
    assert docs["b"][0].expired and not docs["a"][2].expired
    sessions.closed(docs["a"][2], was_connected=False)
    assert sessions.waiting() == 4
    assert sessions.open == 7 and sessions.connected == 1


def test_a_page_that_connects_is_never_cut_short():
    from vcompanion.ui.pagesessions import PageSessions
    sessions = PageSessions(per_login=2, most=2)
    first = FakeDocument()
    sessions.opened(first, "a")
    sessions.connect(first)
    for _ in range(5):
        sessions.opened(FakeDocument(), "a")
    assert not first.expired


def test_pages_register_no_process_wide_busy_indicator():
    """Panel sets every registered busy indicator whenever any session's periodic
    callback runs (they are in one process-wide list): with one per page, each
    page's refresh tick changed every other open page, work that grew with the
    square of the open pages until the server did nothing else (found by
    test_links.py under load). The shell registers none."""
    from types import SimpleNamespace

    from panel.io.state import state

    from vcompanion.ui.shell import Context, Shell
    from vcompanion.ui.theme import palette

    before = list(state._indicators)
    rt = SimpleNamespace(title="vCompanion", idle_seconds=3600)
    ctx = Context(rt, SimpleNamespace(id="login-1", user="u"),
                  SimpleNamespace(vcenter_names=["prod"]), palette("dark"), {})
    shells = [Shell(ctx, "overview") for _ in range(3)]
    assert all(shell.template.busy_indicator is None for shell in shells)
    assert state._indicators == before
