"""vSphere SSO login for the dashboards.

``LoginHandler`` (a ``panel.auth.BasicLoginHandler``) checks the user name
and password with ``SessionManager.Login`` on every configured vCenter: the
user must be accepted by at least one and hold ``System.View`` on its root
folder.  Every attempt is logged with the user, the client address and the
outcome -- never the password.  A wrong password gets the login page again
with a clear message: no dashboard page, no websocket, no data.

``AuthProvider`` (for ``vcompanion serve``) admits a request only with a
valid, not idle login (see ``sessions.py``): every page request and
websocket connection is checked and extends the login.

Under ``panel serve dashboards/*.py --oauth-provider vcompanion`` Panel uses
``LoginHandler`` through the ``panel.auth`` entry point.  When Panel is set
to that provider (``panel_compat.on_oauth_provider``: after it has read
``--cookie-secret`` and before it checks for a secret), ``configure_panel_serve``
sets the cookie secret (from data_dir) and an ``authorize_callback`` that
applies the idle timeout to every page request.  Importing this module
configures nothing.

Panel's private API (the login handler's hooks, the session count) is used
through ``panel_compat.py`` only; tests/test_dashboards.py tests the login
end to end under both servers.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

import jinja2
from panel.auth import is_websocket
from panel.config import config as panel_config
from panel.io.state import state
from tornado.web import RequestHandler, decode_signed_value

from .. import __version__
from ..logs import clean, secret_held
from . import panel_compat
from . import runtime as runtime_module
from .sessions import COOKIE, NOTICE_COOKIE, cookie_value, parse_cookie

log = logging.getLogger(__name__)
audit = logging.getLogger("vcompanion.login")

PROVIDER = "vcompanion"  # --oauth-provider (the panel.auth entry point's name)
LOGIN_URL = "/login"
LOGOUT_URL = "/logout"
HOME = "/overview"

ERRORS = {
    "invalid": "Sign-in failed: no vCenter Server accepted this user name and password.",
    "noaccess": "Your account signed in, but has no read access (System.View on the "
                "root folder) on any vCenter Server. Ask a vSphere administrator for "
                "the Read-only role.",
    "unreachable": "No vCenter Server could be reached to check your sign-in. "
                   "Please try again in a minute.",
    "missing": "Enter your user name and password.",
    "demo": "Sign-in failed: the demo login is demo / demo.",
}
NOTICES = {
    "idle": "You were signed out after {idle} without activity. Please sign in again.",
    "logout": "You have signed out.",
    "expired": "Your session has ended. Please sign in again.",
    "unknown": "Please sign in.",
}

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
    autoescape=True)


def idle_text(seconds: float) -> str:
    if not seconds:
        return ""
    minutes = seconds / 60
    if minutes >= 1:
        return f"{minutes:g} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} seconds"


def safe_next(url: str | None) -> str:
    """A same-site path to go to after login (never the login page itself).

    What comes back is plain printable ASCII (spaces and other characters a
    URL must not hold are %-escaped), fit for a cookie and a Location header;
    control characters (``?next=/a%0d%0aX:y``) give the home page.
    """
    if not url or len(url) > 2000 or any(ord(c) < 32 or ord(c) == 127 for c in url):
        return HOME
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc or "\\" in url or not url.startswith("/") \
            or url.startswith("//"):
        return HOME
    if parsed.path in (LOGIN_URL, LOGOUT_URL, "/"):
        return HOME
    return quote(url, safe="/?&=%:;,+@!$'()*~#[]")


def _secret() -> str:
    return panel_config.cookie_secret or runtime_module.current().secret


def read_cookie(raw: str | bytes | None) -> tuple[str | None, str | None]:
    """(login id, user) of a raw signed session cookie: the one place that
    decodes it ((None, None) when absent, forged or too old)."""
    if not raw:
        return None, None
    rt = runtime_module.current()
    return parse_cookie(decode_signed_value(_secret(), COOKIE, raw,
                                            max_age_days=rt.cookie_days))


def login_from_cookie(raw: str | bytes | None):
    """The valid Login for a raw (signed) session cookie, or (None, reason)."""
    login_id, user = read_cookie(raw)
    if login_id is None:
        return None, "unknown"
    return runtime_module.current().logins.check(login_id, user)


def set_session_cookie(handler: RequestHandler, login) -> None:
    rt = runtime_module.current()
    handler.set_secure_cookie(COOKIE, cookie_value(login), expires_days=rt.cookie_days,
                              httponly=True, samesite="Lax", path="/",
                              secure=handler.request.protocol == "https")


def clear_cookies(handler: RequestHandler) -> None:
    for name in (COOKIE, "user", "id_token", "access_token", "refresh_token",
                 "oauth_expiry", "next_url", "is_guest"):
        handler.clear_cookie(name, path="/")
        if panel_config.cookie_path and panel_config.cookie_path != "/":
            handler.clear_cookie(name, path=panel_config.cookie_path)


class LoginHandler(panel_compat.LoginHandlerBase):
    """The login page and form: vSphere SSO through the configured vCenters.

    ``login_endpoint`` is ``LOGIN_URL`` unless ``panel serve --login-endpoint``
    says otherwise.
    """

    def get(self):
        rt = runtime_module.current()
        error = ERRORS.get(self.get_argument("error", ""), "")
        notice_code = self.get_argument("notice", "") or self.get_cookie(NOTICE_COOKIE, "")
        if self.get_cookie(NOTICE_COOKIE):
            self.clear_cookie(NOTICE_COOKIE, path="/")
        notice = NOTICES.get(notice_code, "")
        notice = notice.format(idle=idle_text(rt.idle_seconds) or "a while")
        next_url = self.get_argument("next", "")
        if next_url:
            self.set_cookie("next_url", safe_next(next_url), httponly=True, path="/")
        self.set_header("Cache-Control", "no-store")
        if error:
            self.set_status(401)
        idle = idle_text(rt.idle_seconds)
        page = _templates.get_template("login.html").render(
            title=rt.title, login_endpoint=self.login_endpoint, error=error,
            notice=notice, demo=rt.mode == "demo", vcenters=rt.vcenter_count,
            username=self.get_argument("user", "")[:200], version=__version__,
            idle=idle)
        self.write(page)

    def check_password(self, username, password):
        """True when at least one vCenter accepts the user with read access."""
        rt = runtime_module.current()
        self._result = rt.authenticate(username, password)
        return self._result.ok

    async def post(self):
        username = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        source = self.request.remote_ip or "?"
        with secret_held(password):  # masked in the logs during this attempt only
            loop = asyncio.get_running_loop()
            ok = await loop.run_in_executor(None, self.check_password, username,
                                            password)
            result = self._result
            # Request values are logged on one line, whatever they hold.
            audit.info("login %s: user=%s source=%s %s", "accepted" if ok else "refused",
                       clean(username[:200]) or "-", clean(source), clean(result.outcome))
        if not ok:
            await asyncio.sleep(1.0)  # slows down guessing, never blocks the server
            code = result.failure_code
            self.redirect(f"{self.login_endpoint}?error={code}&user="
                          f"{quote(username[:200])}")
            return
        rt = runtime_module.current()
        login = rt.open_login(result, password, source)
        self.set_current_user(username)
        set_session_cookie(self, login)
        next_url = safe_next(self.get_cookie("next_url"))
        self.clear_cookie("next_url", path="/")
        self.redirect(next_url)

    def set_current_user(self, user):
        rt = runtime_module.current()
        expiry = panel_config.oauth_expiry
        panel_config.oauth_expiry = min(expiry, rt.cookie_days) if expiry else rt.cookie_days
        try:
            super().set_current_user(user)
        finally:
            panel_config.oauth_expiry = expiry


class LogoutHandler(RequestHandler):
    """Ends the login at once and shows the login page."""

    def get(self):
        login_id, user = read_cookie(self.get_cookie(COOKIE))
        rt = runtime_module.current()
        if login_id:
            rt.logins.end(login_id, "logout")
            audit.info("logout: user=%s source=%s", clean(user),
                       clean(self.request.remote_ip))
        clear_cookies(self)
        reason = self.get_argument("reason", "logout")
        reason = reason if reason in NOTICES else "logout"
        self.redirect(f"{LOGIN_URL}?notice={reason}")


class AuthProvider(panel_compat.AuthProviderBase):
    """Bokeh/Panel auth provider of ``vcompanion serve``: logins with idle timeout."""

    def __init__(self):
        super().__init__(login_endpoint=LOGIN_URL, logout_endpoint=LOGOUT_URL)

    @property
    def get_user(self):
        def get_user(handler):
            ws = is_websocket(handler)
            login, reason = login_from_cookie(handler.get_cookie(COOKIE))
            if login is None:
                if not ws and reason in ("idle", "expired"):
                    clear_cookies(handler)
                    # Tell the login page why it is shown (Bokeh redirects there).
                    handler.set_cookie(NOTICE_COOKIE, reason, path="/", httponly=True,
                                       samesite="Lax", expires_days=None)
                return None
            if ws:
                panel_compat.count_user(login.user)
            return login.user
        return get_user

    @property
    def login_handler(self):
        return LoginHandler

    @property
    def logout_handler(self):
        return LogoutHandler


# --- panel serve -------------------------------------------------------------------

def authorize(user_info, path):
    """Panel ``authorize_callback`` under ``panel serve``: the idle timeout."""
    login, reason = login_from_cookie(state.cookies.get(COOKIE))
    if login is None:
        return f"{LOGIN_URL}?notice={reason if reason in NOTICES else 'expired'}" \
               f"&next={quote(safe_next(path), safe='/')}"
    return True


def configure_panel_serve() -> None:
    """Under ``panel serve --oauth-provider vcompanion``: secret and idle timeout.

    Called by Panel setting its OAuth provider to ours, once per process; a
    cookie secret given to Panel (--cookie-secret, $PANEL_COOKIE_SECRET) is
    kept.
    """
    global _configured
    if _configured:
        return
    _configured = True
    from ..errors import VCompanionError
    try:
        rt = runtime_module.prepare()
    except VCompanionError as exc:
        print(f"vcompanion: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if not panel_config.cookie_secret:
        panel_config.cookie_secret = rt.secret
    panel_config.authorize_callback = authorize


_configured = False
panel_compat.on_oauth_provider(PROVIDER, configure_panel_serve)
