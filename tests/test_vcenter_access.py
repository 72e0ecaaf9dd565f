"""A user sees only the vCenters that accepted their sign-in (finding 11).

With a service account one collection serves everyone; vCenters are not
linked, so a user whom only one accepts (its own SSO domain, a customer's
administrator) must see nothing of the others: pages, counts, search,
problems, downloads, workbooks, and what travels over the websocket.

The ``tenant`` simulator accepts any user (``-any-user``); ``hidden-prod``
and ``hidden-dr`` (the session's prod and dr simulators) accept only the
service account.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pandas as pd
import pytest

from conftest import PASSWORD, USERNAME
from test_dashboards import (EXE, LAPTOP, PAGES, Server, base_env, browser,  # noqa: F401
                             login, number, wait_page, write_config)

TENANT_USER, TENANT_PASSWORD = "tenant-admin@tenant.test", "Tenant-Passw0rd!"
HIDDEN = ("hidden-prod", "hidden-dr")

# Every text in the page, shadow roots included, and the attributes that hold text.
TEXT_JS = """() => {
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      for (const a of ['title', 'href', 'value', 'data-vcenter', 'aria-label'])
        if (el.getAttribute && el.getAttribute(a)) out.push(el.getAttribute(a));
      if (el.shadowRoot) walk(el.shadowRoot);
    }
    out.push(root.textContent || '');
  };
  walk(document);
  return out.join('\\n');
}"""


@pytest.fixture(scope="module")
def tenant_sim(tmp_path_factory):
    import simulators
    sim = simulators.Simulator("tenant", "lab", workdir=tmp_path_factory.mktemp("tenant"),
                               binary=simulators.build_simulator(),
                               extra_args=("-any-user",)).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def access_config(vcsims, tenant_sim, sim_config, tmp_path_factory):
    data = json.loads(sim_config.read_text(encoding="utf-8"))
    by_name = {v["name"]: v for v in data["vcenters"]}
    vcenters = [dict(by_name["prod"], name="hidden-prod"),
                dict(by_name["dr"], name="hidden-dr"),
                {"name": "tenant", "host": tenant_sim.host, "port": tenant_sim.port,
                 "ca_bundle": tenant_sim.cert_path}]
    return write_config(sim_config, tmp_path_factory.mktemp("access"), vcenters=vcenters)


@pytest.fixture(scope="module")
def access_server(access_config):
    srv = Server([str(EXE), "--config", str(access_config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 access_config.parent, access_config.parent / "server.out")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def truth(access_config):
    """The tables of all three, and the names found only in the hidden ones."""
    from vcompanion import Companion
    with Companion.from_config(access_config, username=USERNAME, password=PASSWORD) as vc:
        vc.refresh()
        assert not vc.failures, vc.failures
        frames = {name: vc.table(name) for name in (
            "vms", "hosts", "clusters", "datastores", "networks", "snapshots", "alarms",
            "nics")}
        frames["problems"] = vc.problems()
    tenant, hidden = set(), set()
    for frame in frames.values():
        for column in ("name", "vm", "object"):
            if column in frame.columns:
                tenant |= set(frame.loc[frame["vcenter"] == "tenant", column].dropna())
                hidden |= set(frame.loc[frame["vcenter"] != "tenant", column].dropna())
    # Distinctive names only (a short one like "VM Network" is everywhere).
    secret = {str(n) for n in hidden - tenant if len(str(n)) >= 6}
    assert len(secret) > 20
    return {"frames": frames, "secret": secret}


def mine(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["vcenter"] == "tenant"]


def leaks(text: str, secret: set[str]) -> list[str]:
    found = [h for h in HIDDEN if h in text]
    return found + sorted(n for n in secret if n in text)[:10]


def test_a_user_accepted_by_one_vcenter_sees_nothing_of_the_others(
        access_server, browser, truth, tenant_sim, vcsims, tmp_path):  # noqa: F811
    frames, secret = truth["frames"], truth["secret"]
    received: list[str] = []
    ctx = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    try:
        page = ctx.new_page()
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda payload: received.append(
                payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))))
        login(page, access_server.url, user=TENANT_USER, password=TENANT_PASSWORD)
        wait_page(page, '[data-num="vms-total"]')

        # Counts of the tenant vCenter only, and the others merely counted.
        vms = mine(frames["vms"])
        real = vms[~vms["is_template"].fillna(False).astype(bool)]
        assert number(page, "vcenters-total") == 1 and number(page, "vcenters-ok") == 1
        assert number(page, "vms-total") == len(real)
        assert number(page, "hosts-total") == len(mine(frames["hosts"]))
        assert number(page, "alarms-total") == len(mine(frames["alarms"]))
        assert "2 vCenters are not available to your account" in page.evaluate(TEXT_JS)

        texts = []
        from vcompanion.ui.pages import SLUGS  # every page of the registry
        assert set(PAGES) <= set(SLUGS) and {"object", "performance"} <= set(SLUGS)
        for name in SLUGS:
            page.goto(f"{access_server.url}/{name}")
            wait_page(page, '[data-page="drawn"]', state="attached")
            page.wait_for_timeout(800)
            texts.append(page.evaluate(TEXT_JS))
        # An object of the tenant's: its page, events (read from vCenter) included.
        own = mine(frames["vms"]).iloc[0]
        page.goto(f"{access_server.url}/object?vcenter=tenant&moid={own['moid']}")
        wait_page(page, '[data-page="drawn"]', state="attached")
        page.wait_for_timeout(2500)
        text = page.evaluate(TEXT_JS)
        assert str(own["name"]) in text
        texts.append(text)
        # One of prod's, by its address: "not available", as for an unknown vCenter
        # (in a page of its own: it repeats the vCenter name the address holds).
        other = frames["vms"][frames["vms"]["vcenter"] == "hidden-prod"].iloc[0]
        probe = ctx.new_page()
        probe.goto(f"{access_server.url}/object?vcenter=hidden-prod&moid={other['moid']}")
        wait_page(probe, '[data-unavailable="hidden-prod"]', state="attached")
        text = probe.evaluate(TEXT_JS)
        assert not leaks(text.replace("hidden-prod", ""), secret)
        assert str(other["name"]) not in text
        probe.close()

        # Every inventory table holds the tenant's rows only.
        for kind in ("vms", "hosts", "clusters", "datastores", "networks", "nics"):
            page.goto(f"{access_server.url}/inventory?table={kind}")
            wait_page(page, "[data-rows]")
            expected = len(mine(frames[kind]))
            deadline = time.monotonic() + 30
            while page.locator("[data-rows]").first.get_attribute("data-rows") != \
                    str(expected) and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            assert page.locator("[data-rows]").first.get_attribute("data-rows") == \
                str(expected), kind
            texts.append(page.evaluate(TEXT_JS))
        page.goto(f"{access_server.url}/inventory?table=vms")
        wait_page(page, "[data-rows]")
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="CSV").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert len(rows) == len(vms) and {r["vCenter"] for r in rows} == {"tenant"}

        # Search finds nothing of theirs, problems are the tenant's.
        hidden_name = next(iter(sorted(secret)))
        for query in [hidden_name, "hidden-*", "*"]:
            page.goto(f"{access_server.url}/search?q={query}")
            wait_page(page, '[data-page="drawn"]', state="attached")
            page.wait_for_timeout(1500)
            text = page.evaluate(TEXT_JS)
            if query == hidden_name:  # the page repeats what was typed, and finds nothing
                echo = f"Nothing matches \u201c{query}\u201d"
                assert echo in text
                text = text.replace(echo, "")
            texts.append(text)
        page.goto(f"{access_server.url}/problems")
        wait_page(page, '[data-num="problems-critical"]')
        problems = mine(frames["problems"])
        assert number(page, "problems-critical") == \
            int((problems["severity"] == "critical").sum())

        # The workbook: the tenant's rows only, not kept on the server.
        page.goto(f"{access_server.url}/reports")
        wait_page(page, "text=Generate workbook")
        assert page.locator("text=not kept on the server").count() == 1
        page.get_by_role("button", name="Generate workbook").click()
        page.wait_for_selector("[data-report]", timeout=180_000)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Download workbook").click()
        book = tmp_path / info.value.suggested_filename
        info.value.save_as(book)
    finally:
        ctx.close()

    import openpyxl
    cells = []
    for sheet in openpyxl.load_workbook(book, read_only=True).worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    workbook = "\n".join(cells)
    assert "tenant" in workbook and not leaks(workbook, secret), leaks(workbook, secret)
    assert not (access_server.log.parent / "data" / "reports").exists()

    for text in texts:
        assert not leaks(text, secret), leaks(text, secret)
    sent = "\n".join(received)
    assert "tenant" in sent and len(sent) > 10_000
    typed = secret - {hidden_name}  # (the search page sends back what the user typed)
    assert not leaks(sent, typed), leaks(sent, typed)  # nothing reached the browser


def test_the_service_account_user_sees_every_vcenter(access_server, browser):  # noqa: F811
    ctx = browser.new_context(viewport=LAPTOP)
    try:
        page = ctx.new_page()
        login(page, access_server.url)
        wait_page(page, '[data-num="vms-total"]')
        assert number(page, "vcenters-total") == 3
        assert "not available to your account" not in page.evaluate(TEXT_JS)
    finally:
        ctx.close()
    log = access_server.log.parent / "logs" / "vcompanion.log"
    text = log.read_text(encoding="utf-8")
    assert re.search(rf"login accepted: user={re.escape(TENANT_USER)} .*accepted by "
                     r"tenant$", text, re.M)


# --- the view, without a browser -----------------------------------------------------------

@pytest.fixture(scope="module")
def demo_runtime(tmp_path_factory):
    """A service-mode runtime over the demo's three vCenters, collected once."""
    from vcompanion import Companion
    from vcompanion.config import Config
    from vcompanion.ui.runtime import Runtime
    folder = tmp_path_factory.mktemp("view")
    companion = Companion.demo()
    names = companion.vcenter_names
    config = Config.from_dict({"vcenters": [{"name": n, "host": f"{n}.example"}
                                            for n in names],
                               "data_dir": str(folder / "data")}, folder)
    rt = Runtime(config, mode="service", companion=companion)
    rt.shared.refresh()
    yield rt
    rt.stop()


def test_a_view_holds_the_allowed_vcenters_rows_only(demo_runtime, tmp_path):
    from vcompanion.ui.pagedata import LoginView
    rt = demo_runtime
    names = rt.shared.vcenter_names
    status = rt.shared.latest.status
    one = list(status.loc[status["status"] == "ok", "vcenter"])[-1]  # (one demo site is down)
    everyone = rt.logins.create("admin", "10.0.0.1", vcenters=tuple(names))
    tenant = rt.logins.create("tenant", "10.0.0.2", vcenters=(one,))
    assert rt.data_for(everyone) is rt.shared
    view = rt.data_for(tenant)
    assert isinstance(view, LoginView) and view.vcenter_names == [one]
    assert not view.keeps_reports

    full, mine_ = rt.shared.latest, view.latest
    assert view.latest is mine_  # made once per collection and set of vCenters
    for name, frame in mine_.tables.items():
        assert set(frame["vcenter"]) <= {one}, name
        assert len(frame) == int((full.tables[name]["vcenter"] == one).sum()), name
    assert mine_.summary["vcenters"] == {"ok": 1, "total": 1}
    assert mine_.summary["vms"]["total"] < full.summary["vms"]["total"]
    assert mine_.notes[-1] == f"{len(names) - 1} vCenters are not available to your account."
    other = full.vms[full.vms["vcenter"] != one]["name"].iloc[0]
    assert not len(mine_.search(other)) or set(mine_.search(other)["vcenter"]) == {one}
    assert set(mine_.search("*")["vcenter"]) == {one}

    # The workbook of the view: the allowed vCenter's rows only.
    name, data = view.report("inventory")
    path = tmp_path / name
    path.write_bytes(data)
    import openpyxl
    sheet = openpyxl.load_workbook(path, read_only=True)["vInfo"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = header.index("VI SDK Server")
    servers = {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert servers == {one}
    # ... and of the changes workbook (the history's rows of that vCenter only).
    name, data = view.report("changes", hours=24 * 60)
    path = tmp_path / name
    path.write_bytes(data)
    book = openpyxl.load_workbook(path, read_only=True)
    for sheet_name in ("Changes", "History"):
        sheet = book[sheet_name]
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        column = header.index("VI SDK Server")
        servers = {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert servers == {one}, sheet_name

    # Nothing else of the shared data is reachable through the view's workbook source.
    from vcompanion.ui.pagedata import VCenterSubset
    subset = VCenterSubset(rt.shared.companion, frozenset({one}))
    with pytest.raises(AttributeError):
        subset.search_index  # noqa: B018
    with pytest.raises(AttributeError):
        subset.sources  # noqa: B018


def test_share_all_vcenters_shows_everything_to_anyone_accepted(demo_runtime):
    rt = demo_runtime
    tenant = rt.logins.create("tenant", "10.0.0.2", vcenters=(rt.shared.vcenter_names[0],))
    rt.share_all = True
    try:
        assert rt.data_for(tenant) is rt.shared
    finally:
        rt.share_all = False
    assert rt.data_for(tenant) is not rt.shared


def test_a_vcenter_down_at_sign_in_shows_as_down_and_nothing_more(demo_runtime):
    """Unreachable when the login was checked: not accepted, but while it is still
    down its badge says so (as for everyone); it has no rows to show."""
    rt = demo_runtime
    names = rt.shared.vcenter_names
    status = rt.shared.latest.status
    down = list(status.loc[status["status"] != "ok", "vcenter"])
    one = list(status.loc[status["status"] == "ok", "vcenter"])[-1]
    assert down
    login = rt.logins.create("admin", "10.0.0.3", vcenters=(one,), unchecked=tuple(down))
    frames = rt.data_for(login).latest
    assert set(frames.status["vcenter"]) == {one, *down}
    for name, frame in frames.tables.items():
        if name == "problems":  # the down one's: only that it is down
            assert set(frame.loc[frame["vcenter"] != one, "category"]) <= {"vcenter"}
        elif name != "status":
            assert set(frame["vcenter"]) <= {one}, name
    assert frames.summary["vcenters"]["total"] == 1 + len(down)
    from vcompanion.ui.pagedata import not_available
    hidden = len(names) - 1 - len(down)
    assert hidden and frames.notes[-1:] == not_available(hidden)
    assert "not available to your account" in frames.notes[-1]

