"""The history in the browser: /changes, /capacity, the Inventory as of a date,
the Hosts and Datastores pages' history links, the object page's Change
history and a gone object's removal, the Reports page's changes workbook --
the real ``vcompanion serve --demo`` (60 days of history made by the real
recorder) in headless Chromium; and a VM renamed to markup on a simulator,
recorded, shown as text on /changes and on the object page.

Every count on the pages is checked against the library on the same
history.  Screenshots of both pages, dark and light, at 1366x768 go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import ssl
import tempfile
from datetime import timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

import test_dashboards as dash
from conftest import PASSWORD, USERNAME
from helpers import run_cli
from test_dashboards import (EXE, Server, background, base_env, horizontal_overflow, login,
                             luminance, shoot, wait_page, write_config)

pytestmark = [pytest.mark.browser]

browser = dash.browser
context = dash.context
HOSTILE = '<img src=x onerror="window.__pwned=1">'

# Sums the counts of the Changes page's chart and reads the Capacity chart's title
# from the page's Bokeh documents.
CHART_COUNT = """() => { let n = null;
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.data && 'count' in m.data && 'when' in m.data)
      n = (n || 0) + m.data.count.reduce((a, b) => a + b, 0);
  return n; }"""
CHART_TITLES = """() => { const out = [];
  for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.constructor.name === 'Title' && m.text) out.push(m.text);
  return out; }"""
HISTORY_POINTS = """() => { for (const doc of Bokeh.documents) for (const m of doc.all_models)
    if (m.data && 'used' in m.data && 'capacity' in m.data) return m.data.used.length;
  return null; }"""


@pytest.fixture(scope="module")
def demo_tmp(tmp_path_factory):
    """A temp folder of the demo's own (another checkout's demo history may be in
    the machine's, upgraded by a newer vCompanion)."""
    return tmp_path_factory.mktemp("demo-tmp")


@pytest.fixture(scope="module")
def vc(demo_tmp):
    """The library over the same demo history as the server."""
    from vcompanion import Companion
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(demo_tmp))
        companion = Companion.demo()
        companion.history.store()  # made (or found) in that folder
        yield companion
        companion.close()


@pytest.fixture(scope="module")
def server(vc, demo_tmp, tmp_path_factory):
    folder = tmp_path_factory.mktemp("history-demo")
    srv = Server([str(EXE), "serve", "--demo", "--port", "{port}"],
                 base_env(TMPDIR=str(demo_tmp)), folder, folder / "server.out")
    yield srv
    srv.stop()


@pytest.fixture()
def page(server, context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, server.url, user="demo", password="demo")
    wait_page(page, '[data-num="vms-total"]')
    yield page
    # (A page left while Bokeh lays it out reports the removed elements it still
    # measures: "of null (reading 'offsetWidth')". A page that fails logs an ERROR.)
    errors = [e for e in errors if not e.startswith(("Cannot read properties of null",
                                                     "Cannot read properties of undefined"))]
    assert not errors, errors
    # Our errors are logged as ERROR lines ("page ... failed to render"); Tornado's
    # own traceback for a websocket closed while a page was left is not one of them.
    out = server.output()
    assert " ERROR " not in out and "failed to render" not in out, out[-3000:]


def rows(page, timeout: float = 60) -> int:
    """The row count of the page's status line, once it settles."""
    locator = page.locator(".status-line[data-rows]").first
    locator.wait_for(timeout=timeout * 1000)
    last, same = None, 0
    for _ in range(40):
        value = locator.get_attribute("data-rows")
        same = same + 1 if value == last else 0
        if same >= 3:
            break
        last = value
        page.wait_for_timeout(250)
    return int(last)


def wait_rows(page, n: int, timeout: float = 30) -> None:
    page.locator(f'.status-line[data-rows="{n}"]').first.wait_for(timeout=timeout * 1000)


def wait_chart(page, n: int, timeout: float = 30) -> None:
    """The Changes chart's counts add up to ``n`` (its update may reach the
    browser after the table's)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        page.wait_for_function(f"() => ({CHART_COUNT})() === {n}", timeout=timeout * 1000)
    except PlaywrightTimeout:
        assert page.evaluate(CHART_COUNT) == n  # says what it counted
        raise


def follow(page, link, pattern: str) -> None:
    """Click ``link`` and wait for the page it leads to; clicked again when a
    refresh redrew its table under the pointer (the click then lands nowhere)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    for attempt in range(3):
        link.first.click()
        try:
            page.wait_for_url(re.compile(pattern), timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def select(page, option: str):
    """The page's drop-down that offers ``option``."""
    return page.locator("select").filter(has=page.locator("option", has_text=option))


def visible(vc):
    return set(vc.status()["vcenter"])


# --- /changes ----------------------------------------------------------------------------

def test_changes_page_filters_chart_gaps_and_links(server, page, vc):
    page.goto(f"{server.url}/changes?since=30d")
    expected = vc.changes(since="30d")
    expected = expected[expected["vcenter"].isin(visible(vc))]
    assert rows(page) == len(expected) > 20
    wait_chart(page, len(expected))  # the chart counts every row
    # The periods without data: dr's night down, branch never read.
    gaps = page.locator("[data-gap]")
    assert page.locator('[data-gap="dr"]').count() >= 1
    assert "no data for dr from" in page.locator('[data-gap="dr"]').first.inner_text()
    assert "never read" in page.locator('[data-gap="branch"]').inner_text()
    assert gaps.count() >= 2
    shoot(page, "changes")
    assert horizontal_overflow(page) <= 0

    # Local filters: change type, then free text (user).
    select(page, "All changes").select_option(label="Removed")
    removed = expected[expected["change"] == "removed"]
    wait_rows(page, len(removed))
    wait_chart(page, len(removed))
    user = removed["user"].dropna().iloc[0]
    page.get_by_placeholder("Name, user, property, value…").fill(user)
    wait_rows(page, int((removed["user"] == user).sum()))
    page.get_by_placeholder("Name, user, property, value…").fill("")
    select(page, "All changes").select_option(label="All changes")
    # Queried filters: the kind, the period.
    select(page, "All kinds").select_option(label="Hosts")
    wait_rows(page, int((expected["kind"] == "host").sum()))
    select(page, "All kinds").select_option(label="All kinds")
    page.get_by_role("button", name="7 days").click()
    week = vc.changes(since="7d")
    wait_rows(page, int(week["vcenter"].isin(visible(vc)).sum()))
    assert parse_qs(urlparse(page.url).query)["since"] == ["7d"]  # bookmarkable

    # Names link to object pages.
    link = page.locator("a[data-object]").first
    link.wait_for(timeout=30_000)
    href = link.get_attribute("href")
    assert href.startswith("/object?vcenter=") and "&moid=" in href


def test_changes_of_one_object_by_link(server, page, vc):
    changed = vc.changes(since="60d")
    moid = changed[changed["vcenter"] == "prod"]["moid"].value_counts().index[0]
    mine = changed[(changed["vcenter"] == "prod") & (changed["moid"] == moid)]
    page.goto(f"{server.url}/changes?" + urlencode(
        {"vcenter": "prod", "kind": "vm", "moid": moid, "since": "60d"}))
    wait_rows(page, len(mine), timeout=60)
    focus = page.locator(f'[data-focus="{moid}"]')
    assert mine["name"].iloc[-1] in focus.inner_text()
    page.get_by_role("button", name="Show every object").click()
    everything = changed[(changed["vcenter"] == "prod") & (changed["kind"] == "vm")]
    wait_rows(page, len(everything))


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_both_pages_in_both_themes(server, page, theme):
    for name in ("changes", "capacity"):
        page.goto(f"{server.url}/{name}?theme={theme}")
        rows(page)
        page.wait_for_timeout(1500)
        dark = luminance(background(page)) < 0.2
        assert dark == (theme == "dark"), (name, theme)
        assert horizontal_overflow(page) <= 0
        assert page.locator(".empty h3", has_text="could not be drawn").count() == 0
        shoot(page, f"{name}-{theme}")


# --- /capacity ---------------------------------------------------------------------------

def test_capacity_page_lists_forecasts_and_draws_trends(server, page, vc):
    forecasts = vc.forecasts()
    datastores = forecasts[forecasts["kind"] == "datastore"]
    soon = datastores[(datastores["days_low"].astype(float) <= 30)
                      | (datastores["status"] == "full")]
    page.goto(f"{server.url}/capacity")
    assert rows(page) == len(soon) >= 1
    first = soon.sort_values("days_low").iloc[0]
    titles = page.evaluate(CHART_TITLES)
    assert any(first["name"] in t for t in titles), titles  # the soonest, drawn
    assert page.evaluate(HISTORY_POINTS) >= 50  # daily peaks of the window
    link = page.locator(f'a[data-object="{first["moid"]}"]').first
    assert link.get_attribute("href") == "/object?" + urlencode(
        {"vcenter": first["vcenter"], "moid": first["moid"]})
    # N: every row.
    select(page, "Any time").select_option(label="Any time")
    wait_rows(page, len(datastores))
    # Clusters, and one selected by link.
    page.get_by_role("button", name="Clusters").click()
    wait_rows(page, int((forecasts["kind"] == "cluster").sum()))
    stable = forecasts[(forecasts["kind"] == "cluster") & (forecasts["metric"] == "memory")]
    target = stable.iloc[-1]
    page.goto(f"{server.url}/capacity?" + urlencode(
        {"vcenter": target["vcenter"], "name": target["name"], "metric": "memory"}))
    rows(page)
    page.wait_for_function(f"() => ({CHART_TITLES})().some(t => t.includes("
                           f"{json.dumps(target['name'])}))", timeout=30_000)
    assert page.locator(".tabulator-row.tabulator-selected").inner_text().startswith(
        target["vcenter"])
    shoot(page, "capacity-cluster")


# --- Inventory as of, Hosts, Datastores ---------------------------------------------------

def test_inventory_as_of_a_date_and_back(server, page, vc):
    removed = vc.changes(since="60d")
    removed = removed[removed["change"] == "removed"].iloc[-1]
    when = (removed["time"] - timedelta(days=1)).to_pydatetime().replace(
        second=0, microsecond=0, tzinfo=timezone.utc)
    past = vc.as_of(when, "vms")
    page.goto(f"{server.url}/inventory?" + urlencode(
        {"table": "vms", "as_of": f"{when:%Y-%m-%dT%H:%M}"}))
    banner = page.locator("[data-as-of]")
    banner.wait_for(timeout=60_000)
    assert f"as of {when:%Y-%m-%d %H:%M} UTC" in banner.inner_text()
    wait_rows(page, len(past))
    page.get_by_placeholder("Filter every column…").fill(removed["name"])
    wait_rows(page, 1)  # the VM removed since is there
    shoot(page, "inventory-as-of")
    page.get_by_role("button", name="Back to now").click()
    page.get_by_placeholder("Filter every column…").fill("")
    now = vc.vms()
    wait_rows(page, len(now))
    assert not banner.is_visible()
    assert removed["name"] not in set(now["name"])


def test_hosts_and_datastores_link_their_history(server, page, vc):
    page.goto(f"{server.url}/datastores")
    trend = page.locator("a[data-trend]").first
    trend.wait_for(timeout=60_000)
    moid = trend.get_attribute("data-trend")
    history = page.locator(f'a[data-history="{moid}"]').first
    query = parse_qs(urlparse(history.get_attribute("href")).query)
    assert query["kind"] == ["datastore"] and query["moid"] == [moid]
    assert query["since"] == ["30d"]
    row = vc.datastores().set_index("moid").loc[moid]
    follow(page, trend, r"/capacity\?")
    rows(page)
    page.wait_for_function(f"() => ({CHART_TITLES})().some(t => t.includes("
                           f"{json.dumps(str(row['name']))}))", timeout=30_000)

    page.goto(f"{server.url}/hosts")
    link = page.locator("a[data-history]").first
    link.wait_for(timeout=60_000)
    moid = link.get_attribute("data-history")
    query = parse_qs(urlparse(link.get_attribute("href")).query)
    follow(page, link, r"/changes\?")
    page.locator(f'[data-focus="{moid}"]').wait_for(timeout=30_000)
    host = vc.changes(since="30d", vcenter=query["vcenter"][0], kind="host", moid=moid)
    wait_rows(page, len(host))


# --- object pages -----------------------------------------------------------------------

def test_object_page_history_and_a_gone_objects_removal(server, page, vc):
    changed = vc.changes(since="60d")
    dr = changed[changed["vcenter"] == "dr"]
    moid = dr["moid"].value_counts().index[0]
    page.goto(f"{server.url}/object?" + urlencode({"vcenter": "dr", "moid": moid}))
    head = page.locator('[data-section="history"][data-rows]')
    head.wait_for(timeout=60_000)
    assert int(head.get_attribute("data-rows")) == len(vc.changes(
        since=None, vcenter="dr", moid=moid))
    more = page.locator('[data-section-link="history"]')
    assert parse_qs(urlparse(more.get_attribute("href")).query)["moid"] == [moid]

    removed = changed[changed["change"] == "removed"].iloc[-1]
    page.goto(f"{server.url}/object?" + urlencode(
        {"vcenter": removed["vcenter"], "moid": removed["moid"]}))
    gone = page.locator(f'[data-gone="{removed["moid"]}"]')
    gone.wait_for(timeout=60_000)
    text = gone.inner_text()
    assert removed["name"] in text and "It was removed" in text
    assert removed["user"] in text and "VmRemovedEvent" in text
    shoot(page, "object-gone-history")
    follow(page, page.locator("a[data-history]"), r"/changes\?")
    wait_rows(page, len(vc.changes(since=None, vcenter=removed["vcenter"],
                                   moid=removed["moid"])), timeout=60)


def test_reports_page_writes_the_changes_workbook(server, page, vc, tmp_path):
    page.goto(f"{server.url}/reports")
    wait_page(page, "text=Generate workbook")
    page.get_by_text("Changes: who changed what").click()
    hours = page.get_by_label("The last (hours)")
    hours.fill("36")  # (not a multiple of the demo's 8-hour recordings)
    hours.press("Enter")
    page.get_by_role("button", name="Generate workbook").click()
    page.wait_for_selector("[data-report]", timeout=120_000)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download workbook").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    assert "Changes" in book.sheetnames and "changes" in path.name
    sheet = list(book["Changes"].iter_rows(values_only=True))
    assert len(sheet) - 1 == len(vc.changes(since="36h"))


# --- a hostile name, recorded from a simulator --------------------------------------------

@pytest.mark.simulator
def test_a_hostile_name_stays_text(tmp_path, context):
    # (a rename through the vSphere API: the simulator's reconfigure leaves
    # summary.config.annotation, which the vms table reads, unchanged)
    import simulators
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim
    sim = simulators.Simulator("lab", "lab", workdir=tmp_path).start()
    try:
        base = tmp_path / "sims.json"
        simulators.write_config([sim], base)
        config = write_config(base, tmp_path / "srv")
        creds = {"VCOMPANION_USERNAME": USERNAME, "VCOMPANION_PASSWORD": PASSWORD}
        assert run_cli("--config", str(config), "history", "record",
                       env=creds).returncode == 0
        si = SmartConnect(host=sim.host, port=sim.port, user=USERNAME, pwd=PASSWORD,
                          sslContext=ssl.create_default_context(cafile=sim.cert_path))
        try:
            content = si.RetrieveContent()
            view = content.viewManager.CreateContainerView(content.rootFolder,
                                                           [vim.VirtualMachine], True)
            target = next(vm for vm in view.view if not vm.config.template)
            name, moid = target.name, target._moId
            view.Destroy()
            WaitForTask(target.ReconfigVM_Task(vim.vm.ConfigSpec(name=HOSTILE)))
        finally:
            Disconnect(si)
        assert run_cli("--config", str(config), "history", "record",
                       env=creds).returncode == 0
        srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                     base_env(**creds), config.parent, config.parent / "server.out")
        try:
            page = context.new_page()
            login(page, srv.url)
            wait_page(page, '[data-num="vms-total"]')
            page.goto(f"{srv.url}/changes?since=24h&q=onerror")
            wait_rows(page, 1, timeout=60)
            cells = page.locator(".tabulator-cell", has_text="onerror")
            cells.nth(1).wait_for(timeout=30_000)  # the table draws after its count
            assert cells.count() == 2  # the name (a link) and the new value
            assert [c.strip() for c in cells.all_inner_texts()] == [HOSTILE, HOSTILE]
            assert page.locator(".tabulator-cell", has_text=name).count() == 1  # old
            page.goto(f"{srv.url}/object?" + urlencode({"vcenter": "lab", "moid": moid}))
            section = page.locator('[data-section="history"][data-rows]')
            section.wait_for(timeout=60_000)
            assert page.locator(".tabulator-cell", has_text="onerror").first.inner_text() \
                .strip() == HOSTILE
            assert page.locator("img[src=x]").count() == 0
            assert page.evaluate("window.__pwned === undefined")
            assert HOSTILE in page.locator("h2[data-name]").inner_text()
        finally:
            srv.stop()
    finally:
        sim.stop()

