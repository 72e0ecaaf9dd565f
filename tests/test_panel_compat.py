"""The private Panel API the dashboards rely on (vcompanion/ui/panel_compat.py).

One test per private use: the attribute exists and behaves as relied on.
When Panel is upgraded, this file says what moved before any browser does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from collections import Counter
from types import SimpleNamespace
from unittest import mock

import panel as pn
import tornado.httputil
import tornado.web
from panel import auth as panel_auth
from panel.config import config as panel_config
from panel.io import resources as panel_resources
from panel.io.state import state
from panel.theme.fast import Fast
from tornado.web import create_signed_value

from vcompanion.ui import panel_compat

SECRET = "s" * 40


# --- versions ------------------------------------------------------------------------

def test_installed_panel_and_bokeh_are_the_tested_minor_versions():
    assert panel_compat.version_problems() == [], panel_compat.INSTALLED
    assert panel_compat.minor("1.10.2") == (1, 10)
    assert panel_compat.minor("1.11.0rc1") == (1, 11)
    assert panel_compat.minor("nonsense") == (0, 0)


def test_an_untested_panel_is_named_in_a_warning(monkeypatch):
    monkeypatch.setitem(panel_compat.INSTALLED, "panel", "1.11.0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problems = panel_compat.check_versions()
    assert problems == ["panel 1.11.0 is installed; the dashboards are tested with "
                        "panel 1.10.x"]
    assert [w.category for w in caught] == [panel_compat.UntestedPanelWarning]
    assert "1.11.0" in str(caught[0].message) and "1.10" in str(caught[0].message)


# --- login handler: BasicLoginHandler._login_endpoint and _validate ---------------------

class RecordingHandler(panel_compat.LoginHandlerBase):
    seen: list = []

    def check_password(self, username, password):
        self.seen.append((username, password))
        return False

    def redirect(self, url, *args, **kwargs):  # no connection to write to
        self.went = url


def post_request(body: bytes) -> tornado.httputil.HTTPServerRequest:
    request = tornado.httputil.HTTPServerRequest(
        start_line=tornado.httputil.RequestStartLine("POST", "/login", "HTTP/1.1"),
        connection=mock.Mock(), body=body, headers=tornado.httputil.HTTPHeaders({
            "Host": "localhost", "Content-Type": "application/x-www-form-urlencoded"}))
    tornado.httputil.parse_body_arguments(request.headers["Content-Type"], body,
                                          request.body_arguments, request.files,
                                          request.headers)
    for key, values in request.body_arguments.items():
        request.arguments.setdefault(key, []).extend(values)
    return request


def test_panels_own_login_post_checks_with_validate():
    """Panel's BasicLoginHandler.post asks ``_validate``: ours goes to check_password."""
    app = tornado.web.Application(cookie_secret=SECRET)
    handler = RecordingHandler(app, post_request(b"username=alice&password=pw"))
    RecordingHandler.seen.clear()
    panel_auth.BasicLoginHandler.post(handler)
    assert RecordingHandler.seen == [("alice", "pw")]
    assert handler.went.startswith("/login?error=")


def test_panel_serve_sets_the_login_endpoint_on_our_handler(monkeypatch):
    """Under ``panel serve`` Panel's OAuthProvider hands out the entry point's
    handler class with ``_login_endpoint`` set to --login-endpoint."""
    from vcompanion.ui.auth import LoginHandler
    assert panel_auth.BasicLoginHandler._login_endpoint == "/login"
    assert panel_auth.AUTH_PROVIDERS["vcompanion"] is LoginHandler
    monkeypatch.setenv("PANEL_OAUTH_PROVIDER", "vcompanion")
    monkeypatch.setattr(state, "on_session_destroyed", lambda callback: None)
    monkeypatch.setattr(LoginHandler, "_login_endpoint", "/login")
    provider = panel_auth.OAuthProvider(login_endpoint="/signin")
    assert provider.login_handler is LoginHandler
    handler = LoginHandler(tornado.web.Application(cookie_secret=SECRET),
                           post_request(b""))
    assert handler.login_endpoint == "/signin"


# --- auth provider: state._active_users and _remove_user ------------------------------

def test_active_users_is_a_counter_we_can_add_to():
    assert isinstance(state._active_users, Counter)
    before = panel_compat.active_sessions("compat-test-user")
    panel_compat.count_user("compat-test-user")
    assert state._active_users["compat-test-user"] == before + 1
    assert panel_compat.active_sessions("compat-test-user") == before + 1
    state._active_users.pop("compat-test-user")


def test_remove_user_is_the_session_destroyed_hook(monkeypatch):
    registered = []
    monkeypatch.setattr(state, "on_session_destroyed", registered.append)
    provider = panel_compat.AuthProviderBase()
    assert registered == [provider._remove_user]


def test_remove_user_uncounts_the_user_of_panels_cookie(monkeypatch):
    monkeypatch.setenv("PANEL_COOKIE_SECRET", SECRET)
    monkeypatch.setattr(state, "on_session_destroyed", lambda callback: None)
    provider = panel_compat.AuthProviderBase()
    user = "compat-remove@vsphere.local"
    panel_compat.count_user(user)
    panel_compat.count_user(user)
    cookie = create_signed_value(SECRET, "user", user).decode()
    provider._remove_user(SimpleNamespace(request=SimpleNamespace(cookies={"user": cookie})))
    assert state._active_users[user] == 1
    provider._remove_user(SimpleNamespace(request=SimpleNamespace(cookies={"user": cookie})))
    assert user not in state._active_users
    # Sessions without Panel's cookie (never counted) pass quietly.
    provider._remove_user(SimpleNamespace(request=SimpleNamespace(cookies={})))


# --- resources: _panel_use_mathjax and Design._resources ------------------------------

def test_mathjax_is_left_out_of_pages_with_html(monkeypatch):
    monkeypatch.setattr(panel_resources, "_panel_use_mathjax",
                        panel_resources._panel_use_mathjax)  # restored afterwards
    model = pn.pane.HTML("<b>no LaTeX here</b>").get_root()

    def mathjax_files():
        bundle = panel_resources.bundle_resources(
            [model], panel_resources.Resources(mode="server"))
        return [str(f) for f in bundle.js_files if "mathjax" in str(f).lower()]

    assert panel_resources._panel_use_mathjax([model]) is True
    assert mathjax_files()
    panel_compat.disable_mathjax()
    assert panel_compat.mathjax_disabled()
    assert mathjax_files() == []


def test_offline_fast_has_no_web_font_and_the_same_bundled_files():
    assert "font" in Fast._resources
    offline = panel_compat.offline_design(Fast, __name__)
    assert offline.__name__ == "Fast" and issubclass(offline, Fast)
    theirs, ours = Fast().resolve_resources(), offline().resolve_resources()
    assert any("fonts.googleapis" in url for url in theirs["css"].values())
    assert not any("//" in url for url in ours["css"].values())
    assert ours["js_modules"] == theirs["js_modules"]
    assert any("/fast/js/fast_design.js" in url for url in ours["js_modules"].values())


# --- panel serve: _oauth_provider and _oauth_expiry -------------------------------------

def test_setting_the_oauth_provider_or_expiry_calls_back(monkeypatch):
    calls = []
    panel_compat.on_oauth_provider("generic", lambda: calls.append(
        (panel_config.oauth_provider, panel_config.cookie_secret)))
    try:
        panel_config.oauth_expiry = 7  # no provider yet: nothing
        assert calls == []
        panel_config.oauth_provider = "generic"  # --oauth-provider generic
        assert calls == [("generic", None)]
        panel_config.oauth_provider = None
        calls.clear()
        monkeypatch.setenv("PANEL_OAUTH_PROVIDER", "generic")  # the environment
        panel_config.oauth_expiry = 7  # unchanged, still announced
        assert calls == [("generic", None)]
    finally:
        panel_config.oauth_provider = None


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=120)


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VCOMPANION_", "PANEL_", "BOKEH_"))}
    env.update({"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "VCOMPANION_USERNAME": "reader@vsphere.local",
                "VCOMPANION_PASSWORD": "not-used"}, **extra)
    return env


def test_importing_the_login_reads_no_command_line(tmp_path):
    """Any process that imports panel.auth loads our entry point: with a
    ``panel serve``-like command line and no config it must neither exit nor
    configure anything."""
    result = _python("""
        import sys
        sys.argv = ["panel", "serve", "app.py", "--oauth-provider", "vcompanion"]
        import panel.auth
        from panel.config import config
        import vcompanion.ui.auth
        assert panel.auth.AUTH_PROVIDERS["vcompanion"] is vcompanion.ui.auth.LoginHandler
        assert config.authorize_callback is None, config.authorize_callback
        assert not config.cookie_secret
        print("ok")
        """, _env(VCOMPANION_CONFIG=str(tmp_path / "missing.json")))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_choosing_our_provider_sets_the_secret_and_the_idle_check(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "vcenters": [{"name": "nowhere", "host": "127.0.0.1", "port": 9}],
        "data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs")}),
        encoding="utf-8")
    result = _python("""
        from panel.config import config
        import panel.auth
        from vcompanion.ui import auth
        config.oauth_provider = "vcompanion"   # what panel serve does
        assert config.authorize_callback is auth.authorize
        print(config.cookie_secret)
        """, _env(VCOMPANION_CONFIG=str(config)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == \
        (tmp_path / "data" / "cookie_secret").read_text(encoding="utf-8").strip()
    # A secret given to Panel is kept; a broken config stops panel serve clearly.
    result = _python("""
        from panel.config import config
        import panel.auth
        config.oauth_provider = "vcompanion"
        print(config.cookie_secret)
        """, _env(VCOMPANION_CONFIG=str(config), PANEL_COOKIE_SECRET=SECRET))
    assert result.returncode == 0 and result.stdout.strip() == SECRET, result.stderr
    result = _python("""
        from panel.config import config
        import panel.auth
        config.oauth_provider = "vcompanion"
        """, _env(VCOMPANION_CONFIG=str(tmp_path / "missing.json")))
    assert result.returncode == 2 and result.stderr.startswith("vcompanion: "), \
        result.stderr


# --- the Tornado application ---------------------------------------------------------------

def test_a_transform_added_to_a_pn_serve_server_sees_every_response():
    """``Server._tornado`` is the Tornado Application that answers requests."""
    class Mark(tornado.web.OutputTransform):
        pass

    server = pn.serve({"x": lambda: pn.pane.Markdown("x")}, port=0, start=False,
                      show=False)
    try:
        assert isinstance(server._tornado, tornado.web.Application)
        panel_compat.add_transform(server, Mark)
        assert Mark in server._tornado.transforms
    finally:
        server.stop()
    try:
        panel_compat.add_transform(SimpleNamespace(), Mark)
    except panel_compat.PanelCompatError as exc:
        assert "Server._tornado" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("no error for a server without _tornado")


def test_panel_reads_the_user_cookie_we_write(monkeypatch):
    """``set_panel_user`` writes what Panel's ``set_current_user`` writes: the
    ``user`` cookie Panel's auth provider reads, and the ``id_token``."""
    monkeypatch.setattr(state, "on_session_destroyed", lambda callback: None)
    monkeypatch.setattr(panel_config, "cookie_secret", SECRET)
    app = tornado.web.Application(cookie_secret=SECRET)
    ours = panel_compat.LoginHandlerBase(app, post_request(b""))
    ours.set_panel_user("alice@vsphere.local", 1, httponly=True, samesite="Lax",
                        secure=True)
    theirs = panel_auth.BasicLoginHandler(app, post_request(b""))
    theirs.set_current_user("alice@vsphere.local")
    headers = tornado.httputil.HTTPHeaders()
    for handler in (ours, theirs):
        for morsel in handler._new_cookie.values():
            headers.add("Set-Cookie", morsel.OutputString(None))
    lines = headers.get_list("Set-Cookie")
    names = [line.split("=", 1)[0] for line in lines]
    assert names.count("user") == 2 and names.count("id_token") == 2
    ours_user = next(line for line in lines if line.startswith("user=") and "Secure" in line)
    assert "SameSite=Lax" in ours_user and "HttpOnly" in ours_user
    value = ours_user.split(";")[0].split("=", 1)[1].strip('"')
    reader = SimpleNamespace(get_secure_cookie=lambda name, max_age_days=None:
                             tornado.web.decode_signed_value(SECRET, name, value))
    provider = panel_auth.BasicAuthProvider()
    assert provider.get_user(reader) in (b"alice@vsphere.local", "alice@vsphere.local")


# --- sessions: the per-document stores of panel.io.state ------------------------------

def test_an_onload_callback_of_a_page_never_connected_keeps_its_document_until_forgotten():
    """``state._onload`` is weak-keyed, but the callback holds the page and the
    page its document: without ``forget_document`` it is never freed."""
    import gc
    import weakref

    from bokeh.document import Document
    from panel.io.state import set_curdoc
    for name in ("_onload", "_loaded", "_connected"):
        assert isinstance(getattr(state, name), weakref.WeakKeyDictionary), name
    for name in panel_compat.DOCUMENT_STORES:
        assert isinstance(getattr(state, name, {}), (dict, weakref.WeakKeyDictionary)), name

    class SessionContext:  # a server session's (Panel waits for its load)
        pass

    context = SessionContext()
    doc = Document()
    doc._session_context = weakref.ref(context)
    # A page whose models belong to the document, and its onload callback (the
    # Shell's), never called: the page's websocket never connected.
    shell = SimpleNamespace(page=SimpleNamespace(document=doc))
    shell.connected = lambda shell=shell: shell.page.document

    with set_curdoc(doc):
        state.onload(shell.connected)
    assert doc in state._onload
    ref = weakref.ref(doc)
    del doc, shell
    gc.collect()
    assert ref() is not None  # kept alive through its own weak-keyed entry
    assert panel_compat.forget_document(ref()) >= 1
    gc.collect()
    assert ref() is None
