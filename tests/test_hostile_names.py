"""Names planted through the vSphere API are shown as text, never run as code.

Anyone who may rename a VM, a cluster or take a snapshot in any vCenter
writes what every vCompanion user's browser displays.  A simulator of its
own gets markup in every name the vSphere API lets us set (VMs, a cluster,
snapshot names and descriptions, a VM's notes); then Chromium opens every
page, every inventory table and a search for them, and no script may run:
no dialog, no page error, nothing set on ``window``.
"""

from __future__ import annotations

import ssl
import time

import pytest

from conftest import PASSWORD, USERNAME
from test_dashboards import (EXE, LAPTOP, PAGES, Server, base_env, browser,  # noqa: F401
                             login, wait_page, write_config)

pytestmark = [pytest.mark.simulator, pytest.mark.browser]

# Each payload sets window.__pwned to its number when it runs.
PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    '<script>window.__pwned=2</script>',
    '"><svg onload="window.__pwned=3">',
    "'><iframe srcdoc=\"<script>parent.__pwned=4</script>\">",
    "<%= (window.__pwned=5) %>",
    "javascript:window.__pwned=6//",
    '<a href="javascript:window.__pwned=7" id=pwn7>x</a>',
    "${window.__pwned=8}",
    "<style>*{display:none!important}</style>x",
]


def plant(sim) -> list[str]:
    """Hostile names on VMs, a cluster, snapshots and notes; returns the VM names."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim
    si = SmartConnect(host=sim.host, port=sim.port, user=sim.username, pwd=sim.password,
                      sslContext=ssl.create_default_context(cafile=sim.cert_path))
    try:
        content = si.RetrieveContent()

        def objects(kind):
            view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
            try:
                return sorted(view.view, key=lambda o: o.name)
            finally:
                view.Destroy()

        vms = [vm for vm in objects(vim.VirtualMachine) if not vm.config.template]
        names = []
        for n, (vm, payload) in enumerate(zip(vms, PAYLOADS)):
            name = f"pwn{n}-{payload}"
            WaitForTask(vm.Rename_Task(newName=name))
            names.append(name)
            WaitForTask(vm.CreateSnapshot_Task(name=f"snap{n}-{payload}",
                                               description=payload, memory=False,
                                               quiesce=False))
            WaitForTask(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(annotation=payload)))
        cluster = objects(vim.ClusterComputeResource)[0]
        WaitForTask(cluster.Rename_Task(newName="cl-" + PAYLOADS[0]))
        return names
    finally:
        Disconnect(si)


@pytest.fixture(scope="module")
def hostile(vcsims, sim_config, tmp_path_factory):
    import simulators
    folder = tmp_path_factory.mktemp("hostile")
    sim = simulators.Simulator("hostile", "prod", workdir=folder,
                               binary=simulators.build_simulator()).start()
    names = plant(sim)
    for n, payload in enumerate(PAYLOADS[:3]):
        sim.control("/event", type="GeneralUserEvent", message=f"event{n} {payload}")
    config = write_config(sim_config, folder / "srv", vcenters=[{
        "name": "hostile", "host": sim.host, "port": sim.port, "ca_bundle": sim.cert_path}])
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 config.parent, config.parent / "server.out")
    yield srv, names
    srv.stop()
    sim.stop()


def test_no_planted_name_runs_as_code_on_any_page(hostile, browser):  # noqa: F811
    srv, names = hostile
    ctx = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    dialogs, errors, visited = [], [], []
    try:
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, srv.url)
        wait_page(page, '[data-num="vms-total"]')
        urls = [f"/{name}" for name in PAGES]
        urls += [f"/inventory?table={kind}" for kind in (
            "vms", "hosts", "clusters", "datastores", "networks", "nics", "cdroms")]
        urls += ["/search?q=pwn*", "/search?q=cl-*", "/problems?category=snapshot"]
        for url in urls:
            page.goto(srv.url + url)
            wait_page(page, '[data-page="drawn"]', state="attached")
            page.wait_for_timeout(1200)
            # Hover, open tooltips and the next table page: formatters run there too.
            for cell in page.locator(".tabulator-cell").all()[:30]:
                try:
                    cell.hover(timeout=500)
                except Exception:  # noqa: BLE001 - a cell scrolled away
                    pass
            visited.append(url)
            assert not page.evaluate("window.__pwned"), (url, page.evaluate(
                "window.__pwned"))
            assert page.locator("#pwn7").count() == 0, url
        # The names are there, as text.
        page.goto(srv.url + "/inventory?table=vms&q=pwn")
        wait_page(page, "[data-rows]")
        deadline = time.monotonic() + 30
        while page.locator("[data-rows]").first.get_attribute("data-rows") != \
                str(len(names)) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        text = page.locator(".tabulator").first.inner_text()
        assert "pwn0-<img src=x" in text, text[:500]
    finally:
        ctx.close()
    assert not dialogs and not errors, (dialogs, errors)
    assert len(visited) == 9 + 7 + 3
    log = (srv.log.parent / "logs" / "vcompanion.log").read_text(encoding="utf-8")
    assert "failed to render" not in log
