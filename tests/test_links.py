"""Every link the pages render, and every query parameter the pages accept,
opens a page that is drawn: the real ``vcompanion serve`` against the
simulators, driven by headless Chromium (see test_dashboards.py).

The pages declare their query parameters (``Page.query``); a test checks the
declarations against the code that reads them.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest

from conftest import PASSWORD, USERNAME
from test_dashboards import (EXE, LAPTOP, Server, base_env, browser, login,  # noqa: F401
                             wait_page, write_config)

pytestmark = [pytest.mark.simulator, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[1]

# Values no page expects: markup, line breaks, a long string, other scripts.
HOSTILE = ('"><img src=x onerror="window.__hacked=1">', "a\r\nSet-Cookie: x=y",
           "x" * 3000, "ünï cødé ✓ %")

# Every element's links, inside the shadow roots Panel draws into.
LINKS_JS = """() => {
  const out = [];
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    if (el.tagName === 'A' && el.getAttribute('href')) out.push(el.getAttribute('href'));
    if (el.shadowRoot) walk(el.shadowRoot);
  });
  walk(document);
  return out;
}"""


@pytest.fixture(scope="module")
def link_server(vcsims, sim_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("links")
    config = write_config(sim_config, folder)
    srv = Server([str(EXE), "--config", str(config), "serve", "--port", "{port}"],
                 base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD),
                 folder, folder / "server.out")
    yield srv
    srv.stop()


def test_pages_declare_every_query_parameter_they_read():
    """``Page.query`` names what the page's code reads from ``ctx.args``."""
    from vcompanion.ui.pages import PAGES
    for page in PAGES:
        source = Path(__import__(page.__module__, fromlist=["x"]).__file__).read_text()
        read = set(re.findall(r"args\.get\(\"(\w+)\"", source))
        assert read == set(page.query), (page.slug, read, set(page.query))


def query_urls(vcenters: list[str]) -> list[str]:
    """Each page with each query parameter it takes, with every choice and
    realistic free text; then every parameter at once with hostile values."""
    from vcompanion.ui.pages import PAGES
    free = {"q": ["web", "10.0.0.0/8"],
            "vcenter": [vcenters[0], ",".join(vcenters), "no-such-vcenter"]}
    urls = []
    for page in PAGES:
        urls.append(f"/{page.slug}?theme=light")
        for name, choices in page.query.items():
            values = list(choices or free.get(name, ["x"]))
            if choices and len(choices) > 1:
                values.append(",".join(choices))
            urls += [f"/{page.slug}?{urlencode({name: value})}" for value in values]
        if page.query:  # all of them at once, as the links write them
            urls.append(f"/{page.slug}?" + urlencode({
                name: (choices or free.get(name, ["x"]))[0]
                for name, choices in page.query.items()}))
            urls += [f"/{page.slug}?" + urlencode(dict.fromkeys(page.query, value))
                     for value in HOSTILE]
    return urls


def drawn(page, slug: str, timeout: float = 60_000) -> str:
    """Wait until the page is made; 'drawn' or 'failed' (Shell's data-page)."""
    from vcompanion.ui.pages import page_class
    # (the object page is reached through links, not the navigation)
    nav = f'a.active[data-nav="{slug}"]' if page_class(slug).in_nav else "[data-nav]"
    wait_page(page, nav, state="attached", timeout=timeout)
    marker = page.locator('[data-page="drawn"], [data-page="failed"]').first
    marker.wait_for(state="attached", timeout=timeout)
    return marker.get_attribute("data-page")


def test_every_link_and_query_parameter_draws_its_page(link_server, browser,  # noqa: F811
                                                       sim_config):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from vcompanion.ui.pages import SLUGS
    vcenters = [v["name"] for v in json.loads(sim_config.read_text())["vcenters"]]
    ctx = browser.new_context(viewport=LAPTOP)
    errors, dialogs, current = [], [], [""]
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{current[0]}: {exc}"))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        login(page, link_server.url)
        wait_page(page, '[data-num="vms-total"]')
        todo = [f"/{slug}" for slug in SLUGS] + query_urls(vcenters)
        seen, followed, failed = set(), set(), []
        objects: dict[tuple, int] = {}  # links to one object followed, per page and kind
        while todo:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            current[0] = path
            page.goto(link_server.url + path)
            slug = urlparse(path).path.strip("/")
            try:
                outcome = drawn(page, slug)
            except PlaywrightTimeout:
                outcome = f"not drawn at {page.url}"
            page.wait_for_timeout(300)  # filters and watchers settle
            if outcome != "drawn" or page.locator(".empty h3", has_text="could not be "
                                                  "drawn").count():
                failed.append((path, outcome))
                continue
            assert not page.evaluate("window.__hacked"), path
            for href in page.evaluate(LINKS_JS):
                url = urlparse(href)
                if url.scheme or url.netloc or not url.path.startswith("/"):
                    continue  # (the pages link nowhere else)
                target = url.path + (f"?{url.query}" if url.query else "")
                if url.path.strip("/") in SLUGS and target not in seen:
                    query = parse_qs(url.query)
                    if "moid" in query or "name" in query:
                        # Every object links to its own page (and to its changes, its
                        # capacity ...): follow two of each kind per page (vm-, host-,
                        # datastore-, domain-c, dvportgroup- ...), not every row.
                        kind = (url.path, re.sub(r"[\d-]+$", "", query.get("moid", [""])[0])
                                if "moid" in query else "name")
                        if objects.get(kind, 0) >= 2 or target in followed:
                            continue
                        objects[kind] = objects.get(kind, 0) + 1
                    followed.add(target)
                    todo.append(target)
        assert not failed, failed
        # The links the pages render were followed (KPI cards, navigation, examples).
        assert {"/problems?category=alarm", "/inventory?table=clusters",
                "/problems?severity=critical", "/search?q=web-%2A"} <= followed | seen
        # ... and the object pages they link to, of every kind.
        assert {"vm", "host", "datastore"} <= {k for p, k in objects if p == "/object"}, \
            objects
        # (Leaving a page 300 ms after it drew can end a layout pass of the page left
        # behind: Bokeh's "reading 'offsetWidth'" of a removed element. Not a page that
        # failed; anything else is.)
        errors = [e for e in errors if "reading 'offsetWidth'" not in e]
        assert not dialogs and not errors, (dialogs, errors)
    finally:
        ctx.close()
    # (Bokeh logs its own noise when a page is left before its websocket is up.)
    log = (link_server.log.parent / "logs" / "vcompanion.log").read_text()
    assert "failed to render" not in log and " ERROR " not in log, log[-3000:]


@pytest.mark.parametrize("next_url", [
    "/a%0d%0aX:y", "/a%0aSet-Cookie:%20x=y", "/a%20b", "/%C3%A9", "//evil.example/x",
    "https://evil.example/", "/search?q=" + quote("<b>x</b>", safe=""), "%", "/\\evil"])
def test_login_page_answers_any_next_parameter(link_server, next_url):
    with urllib.request.urlopen(f"{link_server.url}/login?next={next_url}",
                                timeout=10) as r:
        assert r.status == 200
        cookies = r.headers.get_all("Set-Cookie") or []
    for cookie in cookies:
        assert not re.search(r"[\r\n]", cookie)
        if cookie.startswith("next_url="):
            value = cookie.split(";")[0].split("=", 1)[1].strip('"')
            assert value.startswith("/") and not value.startswith("//"), value


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize("path", ["/overview?q=%0d%0a", "/inventory?table=%3Cscript%3E",
                                  "/search?q=" + "x" * 3000, "/nope", "/overview/../etc"])
def test_pages_without_login_redirect_or_refuse_but_never_fail(link_server, path):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(link_server.url + path, timeout=10)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status in (301, 302, 404), (path, status)
