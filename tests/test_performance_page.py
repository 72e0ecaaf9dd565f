"""The Performance page (/performance) in the browser: the real ``vcompanion serve``
against the seeded simulators, driven by Debian's headless Chromium
(tests/test_dashboards.py's server and browser helpers).

Five vCenters: the shared prod, dr and lab; "hostile", a prod of its own whose
noisiest VM is renamed to markup and whose cluster too; "broken", a lab whose
every QueryPerf faults.  Before the server starts, one metrics recording fills
its history (8 days backfilled from the simulators' rollups), so the 7-day
charts come from the history's 5-minute samples.  Checked: the top tables hold
the seeded noisy neighbours (seed.PERF_SEEDS) and say per vCenter why a figure
is missing, the heat map is drawn for every host, the chart window switches,
hostile names stay text, the object pages chart their statistics, no
JavaScript error; screenshots dark and light at 1366x768.
"""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlencode

import pytest

import test_dashboards as dash
from conftest import PASSWORD, USERNAME
from test_dashboards import (EXE, Server, background, base_env, horizontal_overflow, login,
                             luminance, shoot, wait_page, write_config)
from test_object_pages import find_vm, vsphere

pytestmark = [pytest.mark.simulator, pytest.mark.browser]

browser = dash.browser
context = dash.context

HOSTILE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_CLUSTER = '<b onmouseover="window.__pwned=2">B</b>'
CREDS = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}


def url_of(vcenter: str, moid: str) -> str:
    return "/object?" + urlencode({"vcenter": vcenter, "moid": moid})


@pytest.fixture(scope="module")
def sims(tmp_path_factory):
    """hostile (prod, renamed) and broken (lab, statistics failing), of our own."""
    import simulators
    from pyVim.connect import Disconnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim
    binary = simulators.build_simulator()
    hostile = simulators.Simulator("hostile", "prod", workdir=tmp_path_factory.mktemp(
        "perf-hostile"), binary=binary).start()
    broken = simulators.Simulator("broken", "lab", workdir=tmp_path_factory.mktemp(
        "perf-broken"), binary=binary).start()
    broken.control("/perf/fail", mode="fault")
    si = vsphere(hostile)
    try:
        WaitForTask(find_vm(si, "db-01").Rename_Task(HOSTILE))
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.ClusterComputeResource], True)
        cluster = next(c for c in view.view if c.name == "Prod-Cluster-B")
        view.DestroyView()
        WaitForTask(cluster.Rename_Task(HOSTILE_CLUSTER))
    finally:
        Disconnect(si)
    yield {"hostile": hostile, "broken": broken}
    hostile.stop()
    broken.stop()


@pytest.fixture(scope="module")
def config(vcsims, sim_config, sims, tmp_path_factory):
    data = json.loads(sim_config.read_text(encoding="utf-8"))
    vcenters = data["vcenters"] + [
        {"name": s.name, "host": s.host, "port": s.port, "ca_bundle": s.cert_path}
        for s in sims.values()]
    path = write_config(sim_config, tmp_path_factory.mktemp("perf-page"), vcenters=vcenters,
                        history={"metrics": {"backfill_days": 8}})
    # One metrics recording, as the scheduler's history job makes them.
    script = ("import sys; from vcompanion import Companion; "
              "vc = Companion.from_config(sys.argv[1]); r = vc.record_metrics(); "
              "print(r.frame().to_string()); vc.close()")
    done = subprocess.run([sys.executable, "-c", script, str(path)], env=base_env(**CREDS),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "broken    failed" in done.stdout and done.stdout.count("recorded") == 4, \
        done.stdout
    return path


@pytest.fixture(scope="module")
def server(config):
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(**CREDS), config.parent, config.parent / "server.out")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def expected(config):
    """The library's figures over the same vCenters."""
    from vcompanion import Companion
    with Companion.from_config(config, username=USERNAME, password=PASSWORD) as vc:
        vms = vc.performance("vms", since="15m", quiet=True)
        yield {"vms": vms, "hosts": vc.hosts(), "ids": {
            (r.vcenter, r.name): r.moid for r in vc.vms().itertuples()} | {
            (r.vcenter, r.name): r.moid for r in vc.hosts().itertuples()}}


def top_links(page, key: str) -> list[tuple[str, str]]:
    """(text, href) of the VM links of one top table, in order."""
    links = page.locator(f'table[data-top="{key}"] a.obj')
    return [(links.nth(i).inner_text(), links.nth(i).get_attribute("href"))
            for i in range(links.count())]


def test_the_performance_page(server, context, expected):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, server.url, target="/performance")
    wait_page(page, "[data-perf-read]")
    ids = expected["ids"]

    # The noisiest VMs first, across vCenters: 24 % ready (prod's db-01 and its
    # hostile twin), then 14 % (app-01 in both)
    ready = top_links(page, "ready")
    assert {ready[0][1], ready[1][1]} == {url_of("prod", ids[("prod", "db-01")]),
                                          url_of("hostile", ids[("hostile", HOSTILE)])}
    assert {h for _, h in ready[2:4]} == {url_of(v, ids[(v, "app-01")])
                                          for v in ("prod", "hostile")}
    assert HOSTILE in [t for t, _ in ready]  # as text
    table = page.locator('table[data-top="ready"]').inner_text()
    assert "24.0" in table and "14.0" in table
    assert [t for t, _ in top_links(page, "balloon")] == ["mail-01", "mail-01"]
    assert page.locator('table[data-top="balloon"]').inner_text().count("\t512") == 2
    assert [t for t, _ in top_links(page, "swap")] == ["reporting-01", "reporting-01"]
    assert top_links(page, "latency")[0][0] == "file-01"
    assert {t for t, _ in top_links(page, "costop")} == {"db-01", HOSTILE}
    # missing figures per vCenter, not zeros: lab has no co-stop counter, broken no
    # statistics at all
    assert "not in this vCenter's counter catalog" in page.locator(
        '[data-unavailable="lab"]').first.inner_text()
    assert page.locator('[data-unavailable="broken"]').count() == 5
    banner = page.locator('[data-perf-failed="broken"]').inner_text()
    assert "Statistics of vCenter broken are unavailable" in banner
    vms = expected["vms"]
    waiting = int((vms["cpu_ready_pct"] > 10).sum())
    assert int(page.locator('[data-num="perf-ready"]').inner_text()) == waiting == 4

    # Every host of the vCenters that could be read is in the heat map
    hosts = expected["hosts"]
    assert int(page.locator("[data-heatmap]").get_attribute("data-heatmap")) == len(hosts)
    assert dash.wait_count(page, "canvas", 3)

    # Hovering the heat map names a host and its (hostile) cluster as text
    tips = set()
    caption = page.locator("[data-heatmap]")
    caption.scroll_into_view_if_needed()
    box = caption.bounding_box()  # the heat map is right under it: its CPU row
    top = box["y"] + box["height"]  # about 25 px below, its memory row 60 px
    for dy in (25, 60):
        for i in range(70):
            page.mouse.move(box["x"] + 50 + i * 15, top + dy)
            page.wait_for_timeout(50)
            for tip in page.locator(".bk-tooltip-content").all():
                if tip.is_visible():
                    tips.add(tip.inner_text())
    assert any("esx-" in t for t in tips), tips
    assert any(HOSTILE_CLUSTER in t for t in tips), tips

    # The charts: 24 h from vCenter, 7 d from the history's 5-minute samples
    note = page.locator("[data-chart-window]")
    note.wait_for()
    assert note.get_attribute("data-chart-window") == "24h"
    assert note.get_attribute("data-chart-source") == "vCenter"
    page.get_by_role("button", name="7d").click()
    page.wait_for_selector('[data-chart-window="7d"]', timeout=60_000)
    note = page.locator("[data-chart-window]")
    assert note.get_attribute("data-chart-source") == "history"
    assert "300" in note.get_attribute("data-chart-interval").split(",")
    assert int(note.get_attribute("data-chart-points")) > 2 * 7 * 48  # finer than vCenter
    page.get_by_role("button", name="Datastores").click()
    stores = page.locator('[data-chart-window="7d"][data-chart-source="history"]',
                          has_text="prod-ds-01")  # the first datastore: vCenters in order
    stores.wait_for(timeout=60_000)
    assert int(stores.get_attribute("data-chart-points")) > 0

    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert horizontal_overflow(page) <= 0
    assert luminance(background(page)) < 0.2
    page.get_by_role("button", name="Hosts").click()
    page.get_by_role("button", name="24h").click()
    page.wait_for_selector('[data-chart-window="24h"]', timeout=60_000)
    shoot(page, "performance")
    page.goto(server.url + "/performance?theme=default")
    wait_page(page, "[data-perf-read]")
    page.wait_for_selector("[data-chart-points]", timeout=60_000)
    assert luminance(background(page)) > 0.8
    shoot(page, "performance-light")
    assert errors == []


def test_object_pages_chart_their_statistics(server, context, expected):
    page = context.new_page()
    login(page, server.url)
    wait_page(page, "[data-nav]")
    ids = expected["ids"]
    host = ids[("prod", "esx-prod-b01.corp.example.com")]
    for vcenter, moid, source in (("prod", host, "samples from the history"),
                                  ("prod", ids[("prod", "db-01")],
                                   "20-second samples from vCenter")):
        page.goto(server.url + url_of(vcenter, moid))
        wait_page(page, "h2[data-name]")
        section = page.locator("[data-perf-section]")
        section.wait_for(timeout=60_000)
        assert int(section.get_attribute("data-perf-section")) > 0
        assert source in section.inner_text()
        assert "5-minute" in section.inner_text() or "20-second" in section.inner_text()
        assert page.locator(".section-performance canvas").count() >= 1
    shoot(page, "object-vm-performance")
