"""Object pages in the browser: the real ``vcompanion serve`` against the seeded
simulators, driven by Debian's headless Chromium (tests/test_dashboards.py's
server and browser helpers).

From every page that lists objects (Overview, Inventory, Search, Problems,
Snapshots, Hosts, Datastores) a click on a name opens that object's page
(``/object?vcenter=NAME&moid=ID``), and the page shows its facts and its
sections as the simulators' seed has them: a VM's tags, disks and snapshots,
a host's VMs, a datastore's VMs and hosts, a cluster's hosts.  A gone
object, an unknown vCenter, a hostile VM name (rendered as text everywhere)
and a VM destroyed while its page is open are covered too.  Screenshots of
object pages (dark and light) go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import pytest

import test_dashboards as dash
from conftest import PASSWORD, USERNAME
from test_dashboards import (EXE, PHONE, Server, background, base_env, horizontal_overflow,
                             login, luminance, shoot, wait_page, write_config)

pytestmark = [pytest.mark.simulator, pytest.mark.browser]

# The browser fixtures of the dashboards' tests (one Chromium per module).
browser = dash.browser
context = dash.context

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def seed():
    import simulators
    return simulators.load_seed()


@pytest.fixture(scope="module")
def server(vcsims, sim_config, tmp_path_factory):
    """``vcompanion serve`` with a service account over prod, dr and lab."""
    folder = tmp_path_factory.mktemp("objects")
    config = write_config(sim_config, folder)
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 folder, folder / "server.out")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def moids(companion):
    """(vCenter, kind, name) -> moid, from the library over the same simulators."""
    found = {}
    for kind, table in (("vm", "vms"), ("host", "hosts"), ("datastore", "datastores"),
                        ("cluster", "clusters"), ("network", "networks")):
        for row in companion.table(table)[["vcenter", "name", "moid"]].itertuples():
            found[(row.vcenter, kind, row.name)] = row.moid
    return found


def url_of(vcenter: str, moid: str) -> str:
    return "/object?" + urlencode({"vcenter": vcenter, "moid": moid})


def click_through(page, moid: str, vcenter: str) -> None:
    """Click the first link to ``moid`` on the page; wait for its object page."""
    link = page.locator(f'a[data-object="{moid}"]').first
    link.wait_for(timeout=30_000)
    assert link.get_attribute("href") == url_of(vcenter, moid)  # bookmarkable, encoded
    link.click()
    page.wait_for_url(re.compile(re.escape(url_of(vcenter, moid)) + "$"), timeout=30_000)
    wait_page(page, "h2[data-name]")


def rows(page, section: str, timeout: float = 30) -> int:
    """The row count a section's head shows (waiting while it is being read)."""
    head = page.locator(f'[data-section="{section}"][data-rows]')
    head.wait_for(timeout=timeout * 1000)
    return int(head.get_attribute("data-rows"))


def check_object(page, seed, companion, vcenter: str, kind: str, name: str,
                 moid: str) -> None:
    """The object page open in ``page`` shows this object's facts and sections."""
    topo = seed.TOPOLOGIES[vcenter]
    assert page.locator("h2[data-name]").inner_text() == name
    assert page.locator(".head").get_attribute("data-kind") == kind
    assert page.locator("[data-fact]").count() >= 5
    view = companion.object(vcenter, moid)
    tags = topo["tags"].get((kind, name), [])
    assert rows(page, "tags") == len(tags)
    chips = page.locator(".chips").first.inner_text() if tags else ""
    for tag in tags:
        category, _, label = tag.partition(":")
        assert f"{category}: {label}" in chips, (tag, chips)
    for key, value in topo["attributes"].get((kind, name), {}).items():
        assert f"{key} = {value}" in page.locator(".chips").nth(1).inner_text()
    if kind == "vm":
        vm = topo["vms"][name]
        assert page.locator('[data-fact="num_cpu"] .v').inner_text() == str(vm["num_cpu"])
        assert page.locator('[data-fact="host"] a').inner_text() == vm["host"]
        assert rows(page, "disks") == len(vm["disks_gb"])
        disks = page.locator(".tabulator", has_text="Hard disk 1").first.inner_text()
        for size in vm["disks_gb"]:
            assert f"{size:,}.0" in disks, (size, disks)
        assert rows(page, "snapshots") == len(vm["snapshots"])
        for snap in vm["snapshots"]:
            assert page.locator(".tabulator", has_text=snap["name"]).count() >= 1
        assert rows(page, "nics") == len(vm["nics"])
    elif kind == "host":
        on_host = [n for n, vm in topo["vms"].items() if vm["host"] == name]
        assert rows(page, "vms") == len(on_host) == len(view["vms"])
        for vm_moid in view["vms"]["moid"]:
            assert page.locator(f'a[data-object="{vm_moid}"]').count() >= 1
    elif kind == "datastore":
        assert rows(page, "hosts") == len(topo["datastores"][name]["hosts"])
        assert rows(page, "vms") == len(view["vms"]) > 0
        for host_moid in view["hosts"]["moid"]:
            assert page.locator(f'a[data-object="{host_moid}"]').count() >= 1
    elif kind == "cluster":
        hosts = topo["clusters"][name]["hosts"]
        assert rows(page, "hosts") == len(hosts)
        for host in hosts:
            assert page.locator("a[data-object]", has_text=host).count() >= 1
    # The events are read from vCenter in the background: they arrive.
    assert rows(page, "events", timeout=60) == len(view["events"])
    # ... and so do the other background sections (a host's week of statistics may
    # come after its events): no spinner is left.
    deadline = time.monotonic() + 60
    while page.locator("[data-loading-section]").count() and time.monotonic() < deadline:
        page.wait_for_timeout(300)
    assert page.locator("[data-loading-section]").count() == 0


@pytest.fixture()
def signed_in(server, context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, server.url)
    wait_page(page, '[data-num="vms-total"]')
    yield page
    assert not errors, errors


# --- from every page -----------------------------------------------------------------

@pytest.mark.parametrize("table,kind,vcenter,name", [
    ("vms", "vm", "prod", "db-01"), ("hosts", "host", "prod", "esx-prod-a01.corp.example.com"),
    ("clusters", "cluster", "prod", "Prod-Cluster-A"),
    ("datastores", "datastore", "dr", "dr-ds-01")])
def test_inventory_names_open_object_pages(server, signed_in, seed, companion, moids,
                                           table, kind, vcenter, name):
    page = signed_in
    page.goto(f"{server.url}/inventory?table={table}")
    wait_page(page, "[data-rows]")
    before = page.locator("[data-rows]").first.get_attribute("data-rows")
    page.get_by_placeholder("Filter every column…").fill(name)
    # The table draws its rows again once filtered: a link clicked before that is
    # replaced under the click.
    deadline = time.monotonic() + 10  # (when every row matches, nothing changes)
    while time.monotonic() < deadline and \
            page.locator("[data-rows]").first.get_attribute("data-rows") == before:
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    moid = moids[(vcenter, kind, name)]
    click_through(page, moid, vcenter)
    check_object(page, seed, companion, vcenter, kind, name, moid)
    if kind == "vm":
        shoot(page, "object-vm")
        assert horizontal_overflow(page) <= 0


def test_search_results_and_fields(server, signed_in, seed, companion, moids):
    page = signed_in
    page.goto(f"{server.url}/search")
    wait_page(page, "[data-fields]")
    fields = page.locator("[data-fields]").inner_text()
    for field in ("tag:", "attr:", "power:", "os:", "host:", "cluster:", "vcenter:", "net:",
                  "ds:"):
        assert field in fields
    box = page.get_by_placeholder(re.compile("Name, IP"))
    # An unknown field: its message in the page, listing the known ones.
    box.fill("colour:red web")
    error = page.locator("[data-search-error]")
    error.wait_for(timeout=30_000)
    assert "unknown search field 'colour'" in error.inner_text()
    assert "known: attr, cluster, ds, host" in error.inner_text()
    # Fields combined with text: powered-on VMs tagged Backup:Gold in prod.
    query = "tag:Backup:Gold power:on vcenter:prod db-*"
    found = companion.search(query)
    assert len(found) >= 1 and set(found["name"]) <= {"db-01", "db-02", "db-03"}
    box.fill(query)
    page.locator(f'[data-results="{len(found)}"]').wait_for(timeout=30_000)
    for moid in found["moid"]:
        page.locator(f'a[data-object="{moid}"]').wait_for(timeout=30_000)
    for kind, vcenter, name in (("vm", "prod", "db-01"), ("cluster", "prod", "Prod-Cluster-A"),
                                ("host", "dr", "esx-dr-01.corp.example.com"),
                                ("datastore", "prod", "prod-ds-01")):
        page.goto(f"{server.url}/search?" + urlencode(
            {"q": f"kind:{kind} vcenter:{vcenter} {name}"}))
        wait_page(page, "[data-results]")
        moid = moids[(vcenter, kind, name)]
        click_through(page, moid, vcenter)
        check_object(page, seed, companion, vcenter, kind, name, moid)


def test_problems_name_their_objects_pages(server, signed_in, seed, companion, moids,
                                           expected_problem_objects):
    page = signed_in
    for kind, vcenter, name in expected_problem_objects:
        page.goto(f"{server.url}/problems")
        wait_page(page, ".tabulator")
        moid = moids[(vcenter, kind, name)]
        click_through(page, moid, vcenter)
        check_object(page, seed, companion, vcenter, kind, name, moid)
        assert rows(page, "problems") >= 1


@pytest.fixture(scope="module")
def expected_problem_objects(companion):
    """One object of each kind the problems name (VM, host, datastore)."""
    problems = companion.problems()
    found = []
    for kind, vtype in (("vm", "VirtualMachine"), ("host", "HostSystem"),
                        ("datastore", "Datastore")):
        mine = problems[problems["object_type"] == vtype]
        row = mine.iloc[0]
        found.append((kind, row["vcenter"], row["object"]))
    return found


def test_snapshots_hosts_datastores_and_overview_link_their_objects(
        server, signed_in, seed, companion, moids):
    page = signed_in
    cases = [("snapshots", "vm", "prod", "db-01"),
             ("hosts", "host", "dr", "esx-dr-01.corp.example.com"),
             ("hosts", "cluster", "prod", "Prod-Cluster-B"),  # the cluster column
             ("datastores", "datastore", "prod", "prod-ds-01"),
             ("overview", "datastore", "prod", "prod-ds-02"),  # fullest datastores
             ("overview", "vm", "dr", "dr-app-01")]  # oldest snapshots
    for slug, kind, vcenter, name in cases:
        page.goto(f"{server.url}/{slug}")
        wait_page(page, f'a.active[data-nav="{slug}"]')
        moid = moids[(vcenter, kind, name)]
        click_through(page, moid, vcenter)
        check_object(page, seed, companion, vcenter, kind, name, moid)
    # The object page is served, not listed: no navigation entry, none active.
    assert page.locator('[data-nav="object"]').count() == 0
    assert page.locator("a.active[data-nav]").count() == 0


def test_gone_unknown_and_light(server, signed_in, moids):
    page = signed_in
    page.goto(server.url + url_of("prod", "vm-999999"))
    wait_page(page, "[data-gone]")
    text = page.locator("[data-gone]").inner_text()
    assert "vm-999999 no longer exists in vCenter prod" in text and "last seen" in text
    for vcenter in ("nowhere", "<b>x</b>"):
        page.goto(server.url + url_of(vcenter, "vm-1"))
        wait_page(page, "[data-unavailable]")
        assert f"vCenter {vcenter} is not available" in \
            page.locator("[data-unavailable]").inner_text()
    page.goto(server.url + "/object")
    wait_page(page, "[data-unavailable]")
    assert "Which object?" in page.locator("[data-unavailable]").inner_text()

    # Light mode: the same page in the light palette, tidy at laptop and phone width.
    host = moids[("prod", "host", "esx-prod-a01.corp.example.com")]
    page.goto(server.url + url_of("prod", host) + "&theme=default")
    wait_page(page, "h2[data-name]")
    rows(page, "events", timeout=60)
    assert luminance(background(page)) > 0.8
    assert horizontal_overflow(page) <= 0
    shoot(page, "object-host-light")
    vm = moids[("prod", "vm", "db-01")]
    page.goto(server.url + url_of("prod", vm))
    wait_page(page, "h2[data-name]")
    rows(page, "events", timeout=60)
    shoot(page, "object-vm-light")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(800)
    assert horizontal_overflow(page) <= 0
    shoot(page, "object-vm-light-phone")
    page.goto(server.url + url_of("prod", vm) + "&theme=dark")
    wait_page(page, "h2[data-name]")
    assert luminance(background(page)) < 0.2


# --- a hostile name, a VM destroyed while its page is open -----------------------------

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A lab simulator of our own (its VMs are renamed and destroyed)."""
    import simulators
    sim = simulators.Simulator("hostile", "lab", workdir=tmp_path_factory.mktemp("hostile"),
                               binary=simulators.build_simulator()).start()
    yield sim
    sim.stop()


def vsphere(sim):
    """A pyVmomi session on ``sim`` (tests change it through the vSphere API)."""
    import ssl
    from pyVim.connect import SmartConnect
    return SmartConnect(host=sim.host, port=sim.port, user=sim.username, pwd=sim.password,
                        sslContext=ssl.create_default_context(cafile=sim.cert_path))


def find_vm(si, name):
    from pyVmomi import vim
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder,
                                                   [vim.VirtualMachine], True)
    try:
        return next(vm for vm in view.view if vm.name == name)
    finally:
        view.DestroyView()


def test_hostile_name_is_text_and_a_destroyed_vm_says_so(lab, sim_config, tmp_path,
                                                         context):
    from pyVim.connect import Disconnect
    from pyVim.task import WaitForTask
    si = vsphere(lab)
    try:
        renamed = find_vm(si, "lab-k8s-01")  # has tags, a snapshot, disks
        WaitForTask(renamed.Rename_Task(HOSTILE))
        moid = renamed._moId
        doomed = find_vm(si, "lab-win11-01")  # powered off: it may be destroyed
        doomed_moid = doomed._moId
    finally:
        Disconnect(si)
    config = write_config(sim_config, tmp_path / "srv", vcenters=[{
        "name": "hostile", "host": lab.host, "port": lab.port, "ca_bundle": lab.cert_path}],
        dashboard={"refresh_seconds": 5})
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 config.parent, config.parent / "server.out")
    try:
        page = context.new_page()
        login(page, srv.url)
        wait_page(page, '[data-num="vms-total"]')
        for path in ("/overview", "/inventory", "/snapshots", "/search?q=kind:vm",
                     url_of("hostile", moid)):
            page.goto(srv.url + path)
            wait_page(page, "[data-nav]")
            link = page.locator(f'a[data-object="{moid}"]').first
            if path.startswith("/object"):
                wait_page(page, "h2[data-name]")
                assert page.locator("h2[data-name]").inner_text() == HOSTILE
                rows(page, "events", timeout=60)
                shoot(page, "object-vm-hostile")
            else:
                link.wait_for(timeout=30_000)
                assert link.inner_text() == HOSTILE, path
                assert link.get_attribute("href") == url_of("hostile", moid)
            assert page.locator("img[src=x]").count() == 0, path
            assert page.evaluate("typeof window.__pwned") == "undefined", path

        # Open a VM's page, destroy the VM: the page says so at the next refresh.
        page.goto(srv.url + url_of("hostile", doomed_moid))
        wait_page(page, "h2[data-name]")
        assert page.locator("h2[data-name]").inner_text() == "lab-win11-01"
        page.evaluate("window.__stillHere = true")
        si = vsphere(lab)
        try:
            WaitForTask(find_vm(si, "lab-win11-01").Destroy_Task())
        finally:
            Disconnect(si)
        gone = page.locator("[data-gone]")
        gone.wait_for(timeout=45_000)
        text = gone.inner_text()
        assert "lab-win11-01" in text and "no longer exists in vCenter hostile" in text
        assert re.search(r"last seen \d{4}-\d\d-\d\d \d\d:\d\d UTC", text), text
        assert page.evaluate("window.__stillHere === true")  # no reload
        shoot(page, "object-gone")
    finally:
        srv.stop()


def test_every_object_kind_fits_a_phone(server, browser, moids):
    ctx = browser.new_context(viewport=PHONE)
    try:
        page = ctx.new_page()
        login(page, server.url)
        wait_page(page, '[data-num="vms-total"]', state="attached")
        for kind, vcenter, name in (("vm", "prod", "db-01"),
                                    ("datastore", "prod", "prod-ds-01"),
                                    ("cluster", "prod", "Prod-Cluster-A"),
                                    ("network", "prod", "Backup-Net")):
            page.goto(server.url + url_of(vcenter, moids[(vcenter, kind, name)]))
            wait_page(page, "h2[data-name]", state="attached")
            deadline = time.monotonic() + 60
            while page.locator("[data-loading-section]").count() and \
                    time.monotonic() < deadline:
                page.wait_for_timeout(300)
            assert horizontal_overflow(page) <= 0, kind
        shoot(page, "object-network-phone")
    finally:
        ctx.close()
