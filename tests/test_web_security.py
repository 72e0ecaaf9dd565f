"""The dashboard server under attack, as someone on the same network would try:
the real ``vcompanion serve`` against the simulators, plain HTTP clients
(and headless Chromium where a browser matters).

- failed sign-ins are throttled before any vCenter is asked (the simulators
  count every SessionManager.Login: GET /logins on their control API);
- request values cannot forge log lines;
- every response carries the security headers, the login and sign-out forms
  a CSRF token, and only a POST signs out;
- HTTPS from a certificate in the settings (cookies Secure), no plain HTTP
  beyond loopback, and a TLS proxy's X-Forwarded-* trusted when configured.
"""

from __future__ import annotations

import http.cookiejar
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import PASSWORD, USERNAME
from test_dashboards import EXE, base_env, free_port, write_config

pytestmark = [pytest.mark.simulator]

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                    "Referrer-Policy")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class ProxiedCookies(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies over plain HTTP too: the clients here stand for a TLS
    proxy's, which talks HTTP to the server."""

    def return_ok_secure(self, cookie, request):
        return True


class Client:
    """A browser without JavaScript: cookies, no redirects followed."""

    def __init__(self, base: str, context: ssl.SSLContext | None = None, **headers):
        self.base, self.headers = base, headers
        self.jar = http.cookiejar.CookieJar(ProxiedCookies())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect,
            urllib.request.HTTPSHandler(context=context))

    def request(self, path: str, data: dict | None = None, **headers):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={**self.headers, **headers})
        try:
            with self.opener.open(request, timeout=60) as r:
                return r.status, r.headers, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read().decode("utf-8", "replace")

    def csrf(self, path: str = "/login") -> str:
        status, _, html = self.request(path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)

    def login(self, user: str, password: str, **headers):
        token = self.csrf()
        return self.request("/login", {"username": user, "password": password,
                                       "csrf": token}, **headers)


class WebServer:
    """``vcompanion serve`` in a subprocess, waited for over HTTP or HTTPS."""

    def __init__(self, config: Path, env: dict, address: str = "127.0.0.1",
                 context: ssl.SSLContext | None = None):
        self.port = free_port()
        scheme = "https" if context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.log = config.parent / "logs" / "vcompanion.log"
        self.out_path = config.parent / "server.out"
        self._out = open(self.out_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [str(EXE), "--config", str(config), "serve", "--address", address, "--port",
             str(self.port)], cwd=config.parent, env=env, stdout=self._out,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2,
                                            context=context) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not answer:\n{self.output()}")

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._out.close()


def service_env() -> dict:
    return base_env(VCOMPANION_USERNAME=USERNAME, VCOMPANION_PASSWORD=PASSWORD)


def sso_logins(vcsims) -> int:
    """SessionManager.Login calls all simulators have answered so far."""
    return sum(sim.control("/logins", method="GET")["attempts"] for sim in vcsims.values())


@pytest.fixture(scope="module")
def proxied(vcsims, sim_config, tmp_path_factory):
    """A server behind a (pretend) TLS proxy: X-Forwarded-For / -Proto trusted."""
    folder = tmp_path_factory.mktemp("proxied")
    config = write_config(sim_config, folder, dashboard={"behind_proxy": True})
    srv = WebServer(config, service_env())
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def throttled(vcsims, sim_config, tmp_path_factory):
    """Another such server, for lockouts (they last 15 minutes)."""
    folder = tmp_path_factory.mktemp("throttled")
    config = write_config(sim_config, folder, dashboard={"behind_proxy": True},
                          session={"lockout_address_failures": 8})
    srv = WebServer(config, service_env())
    yield srv
    srv.stop()


def proxy_client(server, address: str, https: bool = True) -> Client:
    return Client(server.url, **{"X-Forwarded-For": address,
                                 "X-Forwarded-Proto": "https" if https else "http"})


# --- the throttle ----------------------------------------------------------------------

def test_failed_sign_ins_lock_out_without_asking_any_vcenter(throttled, vcsims):
    guesser = proxy_client(throttled, "203.0.113.5")
    before = sso_logins(vcsims)
    for n in range(5):
        status, headers, _ = guesser.login(USERNAME, f"guess-{n}")
        assert status == 302 and "error=invalid" in headers["Location"]
    assert sso_logins(vcsims) - before == 5 * len(vcsims)  # each guess: every vCenter

    # The user is locked: even the right password is refused at once, from anywhere,
    # and no vCenter is asked.
    asked = sso_logins(vcsims)
    started = time.monotonic()
    status, headers, html = guesser.login(USERNAME, PASSWORD)
    assert status == 429 and time.monotonic() - started < 1
    assert 800 < int(headers["Retry-After"]) <= 900
    assert "Too many failed sign-ins" in html and 'id="username"' in html
    assert proxy_client(throttled, "198.51.100.7").login(USERNAME, PASSWORD)[0] == 429
    for _ in range(20):
        assert guesser.login(USERNAME, PASSWORD)[0] == 429
    assert sso_logins(vcsims) == asked

    # Spraying other user names from that address: locked at the address's limit (8).
    for n in range(3):
        assert guesser.login(f"user{n}@vsphere.local", "Spring2030!")[0] == 302
    assert sso_logins(vcsims) == asked + 3 * len(vcsims)
    asked = sso_logins(vcsims)
    assert guesser.login("someone@vsphere.local", "x")[0] == 429
    assert sso_logins(vcsims) == asked

    # Another user from another address still gets through to the vCenters.
    other = proxy_client(throttled, "198.51.100.7")
    assert other.login("auditor@vsphere.local", "wrong")[0] == 302
    assert sso_logins(vcsims) == asked + len(vcsims)

    log = throttled.log_text()
    assert f"login lockout: user {USERNAME} locked for 15 minutes after 5 failed " in log
    assert "login lockout: address 203.0.113.5 locked for 15 minutes after 8 " in log
    assert log.count("login lockout:") == 2  # one line per lockout
    assert "login throttled: user=" in log and log.count("login throttled:") < 6


# --- the log ---------------------------------------------------------------------------

def test_request_values_cannot_forge_log_lines(throttled):
    forged = "2030-01-01 00:00:00,000 INFO    vcompanion.login [MainThread] login " \
             f"accepted: user={USERNAME} source=10.0.0.1 accepted by prod"
    client = proxy_client(throttled, "192.0.2.44")
    assert client.login(f"eve\n{forged}", "x")[0] == 302
    assert client.login(f"eve\r{forged}\u2028x", "y")[0] == 302
    # A client address that is not an address is not taken from the header.
    Client(throttled.url, **{"X-Forwarded-For": "evil\tline", "X-Real-Ip": "x y"}) \
        .login("mallory", "z")
    lines = throttled.log_text().splitlines()
    assert not any(line.startswith("2030-01-01") for line in lines)
    # The forged text stays inside the records that logged the user name, escaped:
    # the login line and each vCenter's refusal.
    forged_in = [line for line in lines if "source=10.0.0.1 accepted by prod" in line]
    assert all(LOG_LINE.match(line) and re.search(r"eve\\[nr]2030-01-01", line)
               for line in forged_in), forged_in
    assert sum(" login refused: user=eve\\" in line for line in forged_in) == 2
    assert "login refused: user=mallory source=127.0.0.1 " in "\n".join(lines)


# --- headers, CSRF, sign-out -------------------------------------------------------------

def check_headers(headers, path: str) -> None:
    for name in SECURITY_HEADERS:
        assert headers.get(name), (path, name)
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp or \
        "default-src 'none'" in csp, (path, csp)
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_every_response_carries_the_security_headers(proxied):
    client = proxy_client(proxied, "192.0.2.50")
    assert client.login(USERNAME, PASSWORD)[0] == 302
    status, headers, html = client.request("/overview")
    assert status == 200
    check_headers(headers, "/overview")
    assert headers["Cache-Control"] == "no-store"  # the page holds a session token
    scripts = re.findall(r'src="\.?/?(static/[^"]+)"', html)
    assert scripts
    for path in ["/login", "/", "/logout", "/nope", "/overview?x=1", "/" + scripts[0],
                 "/static/nope.js", "/login?next=/a%0d%0a"]:
        status, headers, _ = client.request(path)
        assert status < 500, path
        check_headers(headers, path)
    # A page of another site cannot frame, and the login page allows only its own code.
    _, headers, _ = client.request("/login")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'nonce-" in csp and "unsafe" not in csp


def test_the_login_form_needs_its_csrf_token(proxied, vcsims):
    client = proxy_client(proxied, "192.0.2.51")
    token = client.csrf()
    asked = sso_logins(vcsims)
    for form in ({"username": USERNAME, "password": PASSWORD},
                 {"username": USERNAME, "password": PASSWORD, "csrf": "x" * 43},
                 {"username": USERNAME, "password": PASSWORD, "csrf": token + "x"}):
        status, _, html = client.request("/login", form)
        assert status == 403 and "form had expired" in html
    # A forged cross-site form has no cookie to match.
    stranger = proxy_client(proxied, "192.0.2.51")
    form = {"username": USERNAME, "password": PASSWORD, "csrf": token}
    assert stranger.request("/login", form)[0] == 403
    assert sso_logins(vcsims) == asked
    assert client.request("/login", form)[0] == 302
    cookie = next(c for c in client.jar if c.name == "vcompanion_csrf")
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_only_a_post_with_its_token_signs_out(proxied):
    client = proxy_client(proxied, "192.0.2.52")
    assert client.login(USERNAME, PASSWORD)[0] == 302
    assert client.request("/overview")[0] == 200
    status, _, html = client.request("/logout")  # e.g. <img src=.../logout> elsewhere
    assert status == 200 and 'id="logout-form"' in html and 'method="post"' in html
    assert client.request("/overview")[0] == 200
    assert client.request("/logout", {"csrf": "forged" * 8})[0] == 403
    assert client.request("/overview")[0] == 200
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    status, headers, _ = client.request("/logout", {"csrf": token})
    assert status == 302 and "notice=logout" in headers["Location"]
    assert client.request("/overview")[0] == 302  # to the login page


# --- TLS and proxies ---------------------------------------------------------------------

def secure_cookies(headers) -> dict[str, bool]:
    """Cookie name -> set with Secure and SameSite (deletions left out)."""
    found = {}
    for line in headers.get_all("Set-Cookie") or []:
        name, _, value = line.split(";")[0].partition("=")
        if value.strip('"') == "":
            continue
        attributes = {a.strip().split("=")[0].lower() for a in line.split(";")[1:]}
        found[name] = "secure" in attributes and "samesite" in attributes
    return found


def test_behind_a_proxy_cookies_are_secure_and_logs_name_the_client(proxied):
    client = proxy_client(proxied, "192.0.2.60")
    status, headers, _ = client.login(USERNAME, PASSWORD)
    assert status == 302
    cookies = secure_cookies(headers)
    assert cookies["vcompanion_session"] and cookies["user"], cookies
    assert all(cookies.values()), cookies
    assert f"login accepted: user={USERNAME} source=192.0.2.60" in proxied.log_text()
    # Plain HTTP at the proxy: no Secure flag (the browser would drop the cookie).
    plain = proxy_client(proxied, "192.0.2.61", https=False)
    _, headers, _ = plain.login(USERNAME, PASSWORD)
    assert not any(secure_cookies(headers).values())


def test_https_from_the_configured_certificate(vcsims, sim_config, tmp_path):
    from receivers import self_signed_cert
    cert, key = self_signed_cert(tmp_path, "127.0.0.1")
    config = write_config(sim_config, tmp_path / "srv", dashboard={
        "tls_certfile": str(cert), "tls_keyfile": str(key)})
    context = ssl.create_default_context(cafile=str(cert))
    srv = WebServer(config, service_env(), context=context)
    try:
        client = Client(srv.url, context=context)
        status, headers, _ = client.request("/login")
        assert status == 200 and headers["Strict-Transport-Security"]
        status, headers, _ = client.login(USERNAME, PASSWORD)
        assert status == 302
        cookies = secure_cookies(headers)
        assert cookies["vcompanion_session"] and all(cookies.values()), cookies
        assert client.request("/overview")[0] == 200
        with pytest.raises(OSError):  # no plain HTTP on that port (URLError, reset)
            urllib.request.urlopen(srv.url.replace("https:", "http:") + "/login",
                                   timeout=5)
        browse_over_https(srv.url)
    finally:
        srv.stop()
    assert "https://" in srv.output()


def browse_over_https(url: str) -> None:
    """Chromium signs in and draws a page over HTTPS (the websocket is wss)."""
    from playwright.sync_api import sync_playwright
    from test_dashboards import CHROMIUM, CHROMIUM_ARGS, login, wait_page
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(ignore_https_errors=True)
            page = ctx.new_page()
            sockets = []
            page.on("websocket", lambda ws: sockets.append(ws.url))
            login(page, url)
            wait_page(page, '[data-num="vms-total"]')
            assert sockets and all(s.startswith("wss://") for s in sockets)
            session = next(c for c in ctx.cookies() if c["name"] == "vcompanion_session")
            assert session["secure"] and session["httpOnly"]
        finally:
            browser.close()


@pytest.mark.parametrize("dashboard,refused", [
    ({}, True),
    ({"behind_proxy": True}, False),
])
def test_plain_http_beyond_loopback_is_refused(sim_config, tmp_path, dashboard, refused):
    config = write_config(sim_config, tmp_path, dashboard=dashboard)
    if not refused:
        from vcompanion.config import load_config
        from vcompanion.ui.app import listen_problem
        assert listen_problem(load_config(config), "0.0.0.0") is None
        return
    run = subprocess.run([str(EXE), "--config", str(config), "serve", "--address",
                          "0.0.0.0", "--port", str(free_port())], env=service_env(),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "dashboard.tls_certfile" in lines[0] and \
        "dashboard.behind_proxy" in lines[0], run.stderr


def test_listen_rules_and_tls_settings(tmp_path):
    from receivers import self_signed_cert
    from vcompanion.config import Config
    from vcompanion.errors import ConfigError
    from vcompanion.ui.app import is_loopback, listen_problem, tls_files
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("::")
    base = {"vcenters": [{"name": "a", "host": "a.example"}]}
    plain = Config.from_dict(base, tmp_path)
    assert listen_problem(plain, "127.0.0.1") is None
    assert listen_problem(plain, "10.1.2.3") and listen_problem(plain, "0.0.0.0")
    assert listen_problem(plain, "0.0.0.0", demo=True) is None  # no SSO password
    cert, key = self_signed_cert(tmp_path, "127.0.0.1")
    tls = Config.from_dict({**base, "dashboard": {"tls_certfile": cert.name,
                                                  "tls_keyfile": key.name}}, tmp_path)
    assert tls_files(tls) == (str(cert), str(key))  # relative to the config file
    assert listen_problem(tls, "0.0.0.0") is None
    half = Config.from_dict({**base, "dashboard": {"tls_certfile": str(cert)}}, tmp_path)
    with pytest.raises(ConfigError, match="tls_keyfile"):
        tls_files(half)
    wrong = Config.from_dict({**base, "dashboard": {"tls_certfile": str(key),
                                                    "tls_keyfile": str(key)}}, tmp_path)
    with pytest.raises(ConfigError, match="cannot use"):
        tls_files(wrong)


# --- what the pages' code may do under the policy ------------------------------------------

@pytest.mark.browser
def test_every_page_draws_under_the_content_security_policy(proxied):
    """No CSP violation in Chromium on any page: the policy fits Panel and Bokeh."""
    from playwright.sync_api import sync_playwright
    from test_dashboards import CHROMIUM, CHROMIUM_ARGS, PAGES, login, wait_page
    violations, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(extra_http_headers={
                "X-Forwarded-For": "192.0.2.70", "X-Forwarded-Proto": "http"})
            page = ctx.new_page()
            page.on("console", lambda m: violations.append(m.text)
                    if "Content Security Policy" in m.text else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            login(page, proxied.url)
            wait_page(page, '[data-num="vms-total"]')
            page.wait_for_selector("canvas", state="attached")  # Bokeh draws
            for name in PAGES:
                page.goto(f"{proxied.url}/{name}")
                wait_page(page, '[data-page="drawn"]', state="attached")
                page.wait_for_timeout(800)
            page.goto(f"{proxied.url}/inventory")
            wait_page(page, ".tabulator-row")  # Tabulator's code runs
        finally:
            browser.close()
    assert not violations, violations
    assert not errors, errors
