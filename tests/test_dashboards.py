"""The web dashboards, end to end: the real ``vcompanion serve`` in a subprocess,
against the govmomi simulators, driven by Debian's headless Chromium.

Screenshots of every page (laptop and phone width, dark and light) go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import PASSWORD, USERNAME

pytestmark = [pytest.mark.simulator, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "test-artifacts" / "screenshots"
EXE = Path(sys.executable).with_name("vcompanion")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGES = ["overview", "inventory", "search", "problems", "hosts", "datastores",
         "snapshots", "alerts", "reports"]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


# --- servers ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real dashboard server process (``vcompanion serve`` or ``panel serve``)."""

    def __init__(self, args: list[str], env: dict, cwd: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        args = [a.replace("{port}", str(self.port)) for a in args]
        self._out = open(log, "w", encoding="utf-8")
        self.proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=self._out,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not answer:\n{self.output()}")

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._out.close()


def base_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VCOMPANION_", "PANEL_"))}
    env.update(extra)
    return env


def write_config(sim_config: Path, folder: Path, **sections) -> Path:
    """The simulators' config plus settings, data and logs in ``folder``."""
    data = json.loads(sim_config.read_text(encoding="utf-8"))
    data.update({"data_dir": str(folder / "data"), "logs_dir": str(folder / "logs")})
    data.update(sections)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def offline_vcenter() -> dict:
    """A configured vCenter nobody listens for: it must show as down."""
    return {"name": "offline", "host": "127.0.0.1", "port": free_port()}


@pytest.fixture(scope="module")
def hook():
    """A webhook receiver, so the alerts page has a real delivery history to show."""
    from receivers import HttpSink
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def main_config(sim_config, tmp_path_factory, hook) -> Path:
    folder = tmp_path_factory.mktemp("dash-main")
    data = json.loads(sim_config.read_text(encoding="utf-8"))
    config = write_config(sim_config, folder,
                          vcenters=data["vcenters"] + [offline_vcenter()],
                          collection={"connect_timeout_seconds": 3},
                          alerts={"webhooks": [{"name": "ops-hook", "format": "generic",
                                                "url": hook.url("/hook")}]})
    # One real alert run before the server starts: its history is what /alerts shows.
    run = subprocess.run([str(EXE), "--config", str(config), "alerts", "run"],
                         env=base_env(VCOMPANION_USERNAME=USERNAME,
                                      VCOMPANION_PASSWORD=PASSWORD),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 4), run.stderr  # 4: the offline vCenter
    return config


@pytest.fixture(scope="module")
def server(vcsims, main_config):
    """``vcompanion serve`` with a service account (env) over prod, dr, lab + offline."""
    srv = Server([str(EXE), "--config", str(main_config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 main_config.parent, main_config.parent / "server.out")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def expected(vcsims, main_config):
    """What the library says about the same config: the numbers the pages must show."""
    from vcompanion import Companion
    with Companion.from_config(main_config, username=USERNAME, password=PASSWORD) as vc:
        vc.refresh()
        yield {"vms": vc.vms(), "hosts": vc.hosts(), "clusters": vc.clusters(),
               "datastores": vc.datastores(), "snapshots": vc.snapshots(),
               "problems": vc.problems(), "status": vc.status(), "alarms": vc.alarms()}


# --- browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    yield ctx
    ctx.close()


def login(page, url: str, user: str = USERNAME, password: str = PASSWORD,
          target: str = "/overview"):
    page.goto(url + target)
    page.wait_for_selector("#username")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#submit")


def wait_page(page, selector: str = "[data-nav]", timeout: float = 60_000,
              state: str = "visible"):
    page.wait_for_selector(selector, timeout=timeout, state=state)


def number(page, test_id: str) -> int:
    text = page.locator(f'[data-num="{test_id}"]').first.inner_text(timeout=30_000)
    return int(text.replace(",", ""))


def wait_rows(page, expected: int, timeout: float = 30) -> int:
    """Wait until the page's row count ([data-rows]) is ``expected``; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        found = page.locator("[data-rows]").first.get_attribute("data-rows")
        if found == str(expected) or time.monotonic() > deadline:
            return int(found)
        page.wait_for_timeout(200)


def wait_count(page, selector: str, n: int, timeout: float = 30) -> bool:
    """Wait until ``selector`` matches at least ``n`` elements (shadow DOM included)."""
    deadline = time.monotonic() + timeout
    while page.locator(selector).count() < n and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return page.locator(selector).count() >= n


def shoot(page, name: str) -> Path:
    """A screenshot of the viewport and one of the whole scrolled page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1200)  # charts and tables finish drawing
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    size = page.viewport_size
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll("
                           "'#main, .main, body, html')).map(e => e.scrollHeight))")
    if height > size["height"] + 20:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40,
                                                                       6000)})
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / f"{name}-full.png"))
        page.set_viewport_size(size)
    return path


def horizontal_overflow(page) -> int:
    """How far the page itself scrolls sideways (tables may scroll inside)."""
    return page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth")


def luminance(css_color: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


# --- login -----------------------------------------------------------------------------

def test_pages_need_a_login(server):
    for path in ["/", "/overview", "/inventory", "/search?q=web"]:
        request = urllib.request.Request(server.url + path)
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as info:
            opener.open(request, timeout=10)
        assert info.value.code in (301, 302)
        location = info.value.headers["Location"]
        if path == "/":
            assert location.endswith("/overview")
        else:
            assert re.match(r"^\.?/login\?next=", location), location


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_wrong_password_is_refused_without_page_websocket_or_data(server, context):
    page = context.new_page()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    login(page, server.url, password="wrong-" + PASSWORD)
    page.wait_for_selector("#error")
    assert "no vCenter Server accepted" in page.inner_text("#error")
    assert "/login" in page.url
    assert page.locator("[data-nav]").count() == 0
    assert page.locator("[data-kpi]").count() == 0
    page.wait_for_timeout(1000)
    assert sockets == []
    names = {c["name"] for c in context.cookies()}
    assert "user" not in names and "vcompanion_session" not in names
    assert page.input_value("#username") == USERNAME  # kept for the next try
    shoot(page, "login-refused")
    # A page asked for afterwards still goes to the login.
    page.goto(server.url + "/overview")
    assert "/login" in page.url
    log = (server.log.parent / "logs" / "vcompanion.log").read_text(encoding="utf-8")
    assert re.search(rf"login refused: user={re.escape(USERNAME)} source=127\.0\.0\.1", log)
    assert "wrong-" + PASSWORD not in log and PASSWORD not in log


def test_login_page_looks_right(server, context):
    page = context.new_page()
    page.goto(server.url + "/login")
    assert luminance(background(page)) < 0.2
    assert page.locator("#demo-note").count() == 0
    shoot(page, "login")
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) <= 0
    shoot(page, "login-phone")


# --- overview --------------------------------------------------------------------------

def test_overview_numbers_equal_the_library(server, context, expected):
    page = context.new_page()
    login(page, server.url)
    wait_page(page, '[data-num="vms-total"]')
    assert page.url.endswith("/overview")

    vms = expected["vms"]
    real = vms[~vms["is_template"].fillna(False).astype(bool)]
    status = expected["status"]
    problems = expected["problems"]
    ds = expected["datastores"]
    hosts = expected["hosts"]
    assert number(page, "vcenters-ok") == int((status["status"] == "ok").sum()) == 3
    assert number(page, "vcenters-total") == len(status) == 4
    assert number(page, "vms-total") == len(real)
    assert number(page, "vms-on") == int((real["power_state"] == "poweredOn").sum())
    assert number(page, "vms-off") == int((real["power_state"] == "poweredOff").sum())
    assert number(page, "vms-templates") == int(vms["is_template"].fillna(False).sum())
    assert number(page, "hosts-total") == len(hosts)
    assert number(page, "clusters-total") == len(expected["clusters"])
    assert number(page, "datastores-total") == len(ds)
    assert number(page, "snapshots-total") == len(expected["snapshots"])
    assert number(page, "alarms-total") == len(expected["alarms"])
    for severity in ("critical", "warning", "info"):
        assert number(page, f"problems-{severity}") == \
            int((problems["severity"] == severity).sum()), severity
    used = page.locator('[data-bytes="datastores-used"]').get_attribute("data-value")
    free = page.locator('[data-bytes="datastores-free"]').get_attribute("data-value")
    assert int(used) == int(ds["used_bytes"].sum())
    assert int(free) == int(ds["free_bytes"].sum())
    oldest = expected["snapshots"]["age_days"].max()
    assert abs(float(page.locator("[data-age]").get_attribute("data-age")) - oldest) < 0.1

    # Per-vCenter badges, and the banner for the one that is down.
    for name in ("prod", "dr", "lab"):
        assert page.locator(f'[data-vcenter="{name}"]').get_attribute("data-status") == "ok"
    assert page.locator('[data-vcenter="offline"]').get_attribute("data-status") == \
        "unreachable"
    banner = page.locator('[data-banner="down"]').inner_text()
    assert "offline" in banner and "Showing the other 3 vCenters" in banner

    # Dark by default, every chart drawn.
    assert luminance(background(page)) < 0.2
    assert wait_count(page, "canvas", 6)  # the charts follow the numbers
    shoot(page, "overview")


def test_light_toggle(server, context):
    page = context.new_page()
    login(page, server.url)
    wait_page(page, '[data-num="vms-total"]')
    page.goto(server.url + "/overview?theme=default")
    wait_page(page, '[data-num="vms-total"]')
    assert luminance(background(page)) > 0.8
    shoot(page, "overview-light")
    # The choice sticks: the next page opens light without the parameter.
    page.goto(server.url + "/hosts")
    wait_page(page, '[data-num="hosts-total"]')
    assert luminance(background(page)) > 0.8
    shoot(page, "hosts-light")
    page.goto(server.url + "/overview?theme=dark")
    wait_page(page, '[data-num="vms-total"]')
    assert luminance(background(page)) < 0.2


# --- search ----------------------------------------------------------------------------

def test_search_link_lists_the_ip_in_both_vcenters(server, context):
    import simulators
    seed = simulators.load_seed()  # tests/vcsim/seed.py
    page = context.new_page()
    login(page, server.url, target=f"/search?q={seed.SHARED_IP}")
    wait_page(page, "[data-results]")
    assert "/search" in page.url
    table = page.locator(".tabulator").first
    table.wait_for()
    text = table.inner_text()
    for vcenter, vm in seed.SHARED_IP_VMS.items():
        assert vm in text and vcenter in text
    assert page.locator("[data-results]").get_attribute("data-results") == \
        str(len(seed.SHARED_IP_VMS))
    shoot(page, "search-ip")

    # As you type: a wildcard narrows to matching names, no submit needed.
    box = page.get_by_placeholder(re.compile("Name, IP"))
    box.fill("")
    box.type("reporting-dr*", delay=30)
    page.wait_for_url(re.compile(r"q=reporting-dr%2A$"), timeout=30_000)  # the address
    deadline = time.monotonic() + 30                                   # bar follows
    while page.locator("[data-results]").get_attribute("data-results") != "1" and \
            time.monotonic() < deadline:
        page.wait_for_timeout(200)
    text = page.locator(".tabulator").first.inner_text()
    assert "reporting-dr-01" in text and "reporting-01\n" not in text


# --- inventory and downloads -----------------------------------------------------------

def test_inventory_downloads_hold_the_filtered_rows(server, context, expected, tmp_path):
    page = context.new_page()
    login(page, server.url, target="/inventory")
    wait_page(page, "[data-rows]")
    vms = expected["vms"]
    assert page.locator("[data-rows]").get_attribute("data-rows") == str(len(vms))
    shoot(page, "inventory")

    # Header tooltips come from the column declarations.
    page.locator('.tabulator-col[tabulator-field="power_state"] .tabulator-col-title') \
        .first.hover()
    tip = page.locator(".tabulator-tooltip").first
    tip.wait_for(timeout=10_000)
    from vcompanion.tables import TABLES
    assert TABLES["vms"].column("power_state").description in tip.inner_text()
    shoot(page, "inventory-tooltip")
    page.mouse.move(5, 400)

    # Filter to one vCenter with the quick filter, then download.
    page.get_by_placeholder("Filter every column…").fill("prod-")
    deadline = time.monotonic() + 30
    while (shown := int(page.locator("[data-rows]").get_attribute("data-rows"))) == \
            len(vms) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert 0 < shown < len(vms)

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="CSV").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == shown
    assert all("prod-" in " ".join(r.values()).lower() for r in rows)
    assert "vCenter" in rows[0] and "Power state" in rows[0]

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Excel").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith(".xlsx")
    import openpyxl
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert "vCenter" in header and "Name" in header
    assert ws.max_row - 1 == shown
    assert ws.freeze_panes == "A2"

    # Switch to hosts: another table, same tools.
    page.get_by_placeholder("Filter every column…").fill("")
    page.get_by_role("button", name="Hosts", exact=True).click()
    # Polled, not slept: the switch takes longer on a busy machine.
    assert wait_rows(page, len(expected["hosts"])) == len(expected["hosts"])
    assert "table=hosts" in page.url

    # The vCenter filter, opened from a link.
    page.goto(server.url + "/inventory?table=vms&vcenter=dr")
    wait_page(page, "[data-rows]")
    in_dr = int((vms["vcenter"] == "dr").sum())
    assert wait_rows(page, in_dr) == in_dr


# --- every page ------------------------------------------------------------------------

@pytest.mark.parametrize("viewport,suffix", [(LAPTOP, ""), (PHONE, "-phone")])
def test_every_page_renders_without_sideways_scrolling(server, browser, viewport,
                                                         suffix):
    ctx = browser.new_context(viewport=viewport)
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, server.url)
        wait_page(page, '[data-num="vms-total"]')
        for name in PAGES:
            page.goto(f"{server.url}/{name}")
            # (on a phone the navigation is folded away: present, not visible)
            wait_page(page, f'a.active[data-nav="{name}"]', state="attached")
            page.wait_for_timeout(1500)
            assert page.locator(".empty h3", has_text="could not be drawn").count() == 0
            assert luminance(background(page)) < 0.2, name
            assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways"
            shoot(page, f"{name}{suffix}")
        assert not errors, errors
    finally:
        ctx.close()


def test_alerts_page_shows_the_delivery_history(server, context, main_config, hook):
    from vcompanion.alerts.store import AlertStore
    with AlertStore(main_config.parent / "data" / "alerts.sqlite3") as db:
        history = db.history()
        active = db.alerts(state="active")
    sent = [h for h in history if h["outcome"] == "sent"]
    assert sent and len(hook.posts("/hook")) >= 1
    page = context.new_page()
    login(page, server.url, target="/alerts")
    wait_page(page, '[data-num="alerts-sent"]')
    assert number(page, "alerts-sent") == len(sent)
    assert number(page, "alerts-active") == len(active)
    table = page.locator(".tabulator", has_text="Notifier").first.inner_text()
    assert "ops-hook" in table and "Sent" in table
    shoot(page, "alerts-history")


def test_reports_page_generates_a_workbook(server, context, tmp_path):
    page = context.new_page()
    login(page, server.url, target="/reports")
    wait_page(page, "text=Generate workbook")
    page.get_by_role("button", name="Generate workbook").click()
    page.wait_for_selector("[data-report]", timeout=120_000)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download workbook").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    assert "vInfo" in book.sheetnames
    page.wait_for_timeout(1000)
    assert page.locator("text=" + path.name).count() >= 1  # listed under recent
    shoot(page, "reports-generated")


# --- auto-refresh ----------------------------------------------------------------------

def test_pages_follow_changes_and_outages_without_reloading(vcsims, sim_config, tmp_path,
                                                             context):
    """A VM powered off shows after the next refresh; a vCenter that goes down gets
    a banner while the other one keeps showing -- all without a page reload."""
    import simulators
    live = simulators.Simulator("live", "lab", workdir=tmp_path,
                                binary=simulators.build_simulator()).start()
    try:
        prod = json.loads(sim_config.read_text(encoding="utf-8"))["vcenters"][0]
        config = write_config(sim_config, tmp_path / "srv", vcenters=[prod, {
            "name": "live", "host": live.host, "port": live.port,
            "ca_bundle": live.cert_path}], dashboard={"refresh_seconds": 5},
            collection={"connect_timeout_seconds": 3})
        srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                     base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                     config.parent, config.parent / "server.out")
        try:
            page = context.new_page()
            login(page, srv.url)
            wait_page(page, '[data-num="vms-on"]')
            page.evaluate("window.__stillHere = true")
            on = number(page, "vms-on")
            live.control("/vm/power", name="lab-k8s-01", state="poweredOff")
            deadline = time.monotonic() + 40
            while number(page, "vms-on") != on - 1 and time.monotonic() < deadline:
                page.wait_for_timeout(500)
            assert number(page, "vms-on") == on - 1
            total_prod = number(page, "vms-total")
            live.stop()
            page.locator('[data-banner="down"]').wait_for(timeout=40_000)
            assert "live" in page.locator('[data-banner="down"]').inner_text()
            assert page.locator('[data-vcenter="prod"]').get_attribute("data-status") == "ok"
            assert number(page, "vms-total") < total_prod  # prod alone now
            assert page.evaluate("window.__stillHere === true")  # never reloaded
            shoot(page, "overview-vcenter-down")
        finally:
            srv.stop()
    finally:
        live.stop()


# --- sessions --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def idle_server(vcsims, sim_config, tmp_path_factory):
    """A server with a 6-second idle timeout."""
    folder = tmp_path_factory.mktemp("dash-idle")
    config = write_config(sim_config, folder, session={"idle_timeout_minutes": 0.1})
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 folder, folder / "server.out")
    yield srv
    srv.stop()


def test_activity_keeps_the_session_and_idleness_ends_it(idle_server, context):
    page = context.new_page()
    login(page, idle_server.url)
    wait_page(page, '[data-num="vms-total"]')
    # 15 s of activity (> twice the idle timeout): clicks and keys keep it.
    for _ in range(15):
        page.mouse.click(700, 500)
        page.keyboard.press("Shift")
        page.wait_for_timeout(1000)
    assert page.url.endswith("/overview")
    page.goto(idle_server.url + "/hosts")  # a request works and extends it
    wait_page(page, '[data-num="hosts-total"]')
    for _ in range(4):
        page.mouse.click(700, 500)
        page.wait_for_timeout(1000)
    # Now idle: the open tab goes to the login page by itself.
    page.wait_for_url(re.compile(r"/login"), timeout=20_000)
    page.wait_for_selector("#notice")
    assert "without activity" in page.inner_text("#notice")
    shoot(page, "login-after-idle")
    # And the next request lands there too.
    page.goto(idle_server.url + "/inventory")
    assert "/login" in page.url


def test_idle_session_request_lands_on_login(idle_server, context):
    page = context.new_page()
    login(page, idle_server.url)
    wait_page(page, '[data-num="vms-total"]')
    page.goto("about:blank")  # no open page, no activity
    time.sleep(8)
    page.goto(idle_server.url + "/overview")
    assert "/login" in page.url
    page.wait_for_selector("#notice")


def test_logout_ends_the_session_at_once(server, context):
    page = context.new_page()
    login(page, server.url)
    wait_page(page, '[data-num="vms-total"]')
    cookies = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"), timeout=20_000)
    assert "signed out" in page.inner_text("#notice")
    page.goto(server.url + "/overview")
    assert "/login" in page.url
    # The old cookies are worthless now, even replayed.
    other = page.context.browser.new_context()
    try:
        other.add_cookies(cookies)
        again = other.new_page()
        again.goto(server.url + "/overview")
        assert "/login" in again.url
    finally:
        other.close()


def test_session_survives_reloads(server, context):
    page = context.new_page()
    login(page, server.url)
    wait_page(page, '[data-num="vms-total"]')
    session = next(c for c in context.cookies() if c["name"] == "vcompanion_session")
    assert session["httpOnly"] and session["expires"] > time.time() + 86400
    page.reload()
    wait_page(page, '[data-num="vms-total"]')
    assert page.url.endswith("/overview")


def test_cookie_secret_is_kept_private(server, main_config):
    secret = main_config.parent / "data" / "cookie_secret"
    assert secret.is_file() and len(secret.read_text().strip()) >= 32
    if os.name == "posix":
        assert secret.stat().st_mode & 0o077 == 0


# --- personal logins (no service account) ----------------------------------------------

def test_without_service_account_each_user_reads_with_own_login(vcsims, sim_config,
                                                                 tmp_path, browser,
                                                                 expected):
    config = write_config(sim_config, tmp_path)
    env = base_env(PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"], env,
                 tmp_path, tmp_path / "server.out")
    ctx = browser.new_context(viewport=LAPTOP)
    try:
        page = ctx.new_page()
        login(page, srv.url, password="nope")
        page.wait_for_selector("#error")
        login(page, srv.url)
        wait_page(page, '[data-num="vms-total"]')
        vms = expected["vms"]
        assert number(page, "vms-total") == int((~vms["is_template"].fillna(False)
                                                 .astype(bool)).sum())
        assert number(page, "vcenters-total") == 3
        assert "user mode" in srv.output()
        # The workbook goes to the browser only: nothing is kept in data_dir.
        page.goto(srv.url + "/reports")
        wait_page(page, "text=Generate workbook")
        assert page.locator("text=not kept on the server").count() == 1
    finally:
        ctx.close()
        srv.stop()
    assert not (tmp_path / "data" / "reports").exists()


# --- panel serve ------------------------------------------------------------------------

def test_panel_serve_with_the_entry_point(vcsims, sim_config, tmp_path, browser):
    config = write_config(sim_config, tmp_path)
    panel = Path(sys.executable).with_name("panel")
    scripts = sorted(str(p) for p in (REPO / "dashboards").glob("*.py"))
    from vcompanion.ui.pages import PAGES
    # one per page of the registry (the object page too)
    assert [Path(s).stem for s in scripts] == sorted(p.slug for p in PAGES)
    srv = Server([str(panel), "serve", *scripts, "--port", "{port}",
                  "--oauth-provider", "vcompanion"],
                 base_env(VCOMPANION_CONFIG=str(config), VCOMPANION_USERNAME=USERNAME,
                          VCOMPANION_PASSWORD=PASSWORD), REPO, tmp_path / "server.out")
    ctx = browser.new_context(viewport=LAPTOP)
    try:
        page = ctx.new_page()
        page.goto(srv.url + "/overview")
        assert "/login" in page.url
        login(page, srv.url, password="bad")
        page.wait_for_selector("#error")
        login(page, srv.url)
        wait_page(page, '[data-num="vms-total"]')
        page.goto(srv.url + "/search?q=reporting*")
        wait_page(page, "[data-results]")
        assert (tmp_path / "data" / "cookie_secret").is_file()
    finally:
        ctx.close()
        srv.stop()


# --- demo --------------------------------------------------------------------------------

def test_demo_mode_serves_the_same_pages(tmp_path, browser):
    from vcompanion import Companion
    srv = Server([str(EXE), "serve", "--demo", "--port", "{port}"], base_env(), tmp_path,
                 tmp_path.parent / f"{tmp_path.name}-demo.out")
    ctx = browser.new_context(viewport=LAPTOP)
    try:
        page = ctx.new_page()
        page.goto(srv.url + "/login")
        assert "demo" in page.inner_text("#demo-note")
        shoot(page, "demo-login")
        login(page, srv.url, user="demo", password="wrong")
        page.wait_for_selector("#error")
        login(page, srv.url, user="demo", password="demo")
        wait_page(page, '[data-num="vms-total"]')
        with Companion.demo() as vc:
            vms = vc.vms()
            status = vc.status()
            real = vms[~vms["is_template"].fillna(False).astype(bool)]
            assert number(page, "vms-total") == len(real)
            assert number(page, "hosts-total") == len(vc.hosts())
            assert number(page, "vcenters-total") == len(status)
        shoot(page, "demo-overview")
        for name in PAGES[1:]:
            page.goto(f"{srv.url}/{name}")
            wait_page(page, f'a.active[data-nav="{name}"]')
            page.wait_for_timeout(1000)
            assert page.locator(".empty h3", has_text="could not be drawn").count() == 0
            shoot(page, f"demo-{name}")
    finally:
        ctx.close()
        srv.stop()
    assert list(tmp_path.iterdir()) == []  # the demo leaves the working folder alone


# --- the login registry (no browser) -------------------------------------------------

def test_logins_idle_timeout_and_logout():
    from vcompanion.ui.sessions import Logins, cookie_value, parse_cookie
    logins = Logins(idle_seconds=60, max_seconds=3600)
    login = logins.create("alice@vsphere.local", "10.0.0.1")
    assert parse_cookie(cookie_value(login)) == (login.id, login.user)
    found, why = logins.check(login.id, login.user)
    assert found is login and why == ""
    assert logins.check(login.id, "mallory")[0] is None  # id and user must match
    login.last_activity -= 61
    found, why = logins.check(login.id, login.user)
    assert found is None and why == "idle"
    assert logins.get(login.id) is None and login.ended
    # An ended login never comes back; unknown ids (e.g. after a restart) are refused.
    other = logins.create("bob@vsphere.local", "10.0.0.2")
    logins.end(other.id)
    assert logins.check(other.id, other.user) == (None, "logout")
    assert logins.check("no-such-id", "bob@vsphere.local") == (None, "unknown")
    # The absolute limit applies to busy logins too.
    busy = logins.create("carol@vsphere.local", "10.0.0.3")
    busy.created -= 3601
    assert logins.check(busy.id, busy.user) == (None, "expired")
