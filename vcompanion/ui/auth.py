"""vSphere SSO login for the dashboards.

``LoginHandler`` (a ``panel.auth.BasicLoginHandler``) checks the user name
and password with ``SessionManager.Login`` on every configured vCenter: the
user must be accepted by at least one and hold ``System.View`` on its root
folder.  Every attempt is logged with the user, the client address and the
outcome -- never the password.  A wrong password gets the login page again
with a clear message: no dashboard page, no websocket, no data.  Failed
sign-ins are throttled per user name and per client address before any
vCenter is asked (``throttle.py``; HTTP 429 while locked out), and the form
carries a CSRF token (``security.py``).  Signing out takes a POST (the
header's button ends the login over the page's websocket first); a GET of
``/logout`` never ends a login.

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
import secrets
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
from .runtime import AuthResult, Refusal
from .security import CSRF_FIELD, cookie_options, csrf_ok, csrf_token, login_policy
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
    "form": "The sign-in form had expired. Please sign in again.",
}
LOCKED = ("Too many failed sign-ins for this user name or from this address. Try "
          "again in {wait}. Meanwhile no vCenter Server is asked, so that guessing "
          "cannot lock the account out of vCenter.")
MAX_USER, MAX_PASSWORD = 256, 1024  # longer than any vSphere SSO user name or password
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
                              **cookie_options(handler))


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
        error = ERRORS.get(self.get_argument("error", ""), "")
        notice_code = self.get_argument("notice", "") or self.get_cookie(NOTICE_COOKIE, "")
        if self.get_cookie(NOTICE_COOKIE):
            self.clear_cookie(NOTICE_COOKIE, path="/")
        next_url = self.get_argument("next", "")
        if next_url:
            self.set_cookie("next_url", safe_next(next_url), **cookie_options(self))
        self.page(error=error, notice_code=notice_code, status=401 if error else 200,
                  username=self.get_argument("user", ""))

    def page(self, error: str = "", notice_code: str = "", status: int = 200,
             username: str = "") -> None:
        """The login page (with a new CSRF token and its own strict policy)."""
        rt = runtime_module.current()
        notice = NOTICES.get(notice_code, "")
        notice = notice.format(idle=idle_text(rt.idle_seconds) or "a while")
        nonce = secrets.token_urlsafe(18)
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Security-Policy", login_policy(nonce))
        self.write(_templates.get_template("login.html").render(
            title=rt.title, login_endpoint=self.login_endpoint, error=error,
            notice=notice, demo=rt.mode == "demo", vcenters=rt.vcenter_count,
            username=username[:200], version=__version__,
            idle=idle_text(rt.idle_seconds), csrf=csrf_token(self), csrf_field=CSRF_FIELD,
            nonce=nonce))

    def check_password(self, username, password):
        """True when at least one vCenter accepts the user with read access."""
        rt = runtime_module.current()
        self._result = rt.authenticate(username, password)
        return self._result.ok

    async def post(self):
        username = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        source = self.request.remote_ip or "?"
        if not csrf_ok(self):
            audit.info("login refused: user=%s source=%s (form without its CSRF token)",
                       clean(username[:200]) or "-", clean(source))
            self.page(error=ERRORS["form"], status=403, username=username)
            return
        rt = runtime_module.current()
        attempt = rt.throttle.attempt(username, source)
        if attempt.refused:
            self._throttled(attempt, username, source)
            return
        with secret_held(password):  # masked in the logs during this attempt only
            if len(username) > MAX_USER or len(password) > MAX_PASSWORD:
                ok, result = False, AuthResult(username)
                result.refused["*"] = Refusal("invalid", "user name or password too long")
            else:
                loop = asyncio.get_running_loop()
                ok = await loop.run_in_executor(None, self.check_password, username,
                                                password)
                result = self._result
            # Request values are logged on one line, whatever they hold.
            audit.info("login %s: user=%s source=%s %s", "accepted" if ok else "refused",
                       clean(username[:200]) or "-", clean(source), clean(result.outcome))
        rt.audit_login(result, source)
        if ok:
            attempt.succeeded()
        elif result.guessed:
            for lockout in attempt.failed():
                audit.warning(
                    "login lockout: %s %s locked for %s after %d failed sign-ins within "
                    "%s; no vCenter is asked until then", lockout.kind,
                    clean(lockout.value), idle_text(lockout.seconds), lockout.failures,
                    idle_text(rt.throttle.window))
                # A user name's lockout: with the address of the attempt that set it.
                rt.audit.lockout(lockout.value if lockout.kind == "user" else None,
                                 lockout.value if lockout.kind == "address" else source,
                                 lockout.seconds / 60, lockout.failures)
        else:
            attempt.uncounted()
        if not ok:
            await asyncio.sleep(1.0)  # slows down guessing, never blocks the server
            code = result.failure_code
            self.redirect(f"{self.login_endpoint}?error={code}&user="
                          f"{quote(username[:200])}")
            return
        login = rt.open_login(result, password, source)
        self.set_current_user(username)
        set_session_cookie(self, login)
        next_url = safe_next(self.get_cookie("next_url"))
        self.clear_cookie("next_url", path="/")
        self.redirect(next_url)

    def _throttled(self, attempt, username: str, source: str) -> None:
        """HTTP 429: the login page saying how long, no vCenter asked."""
        rt = runtime_module.current()
        # At most a line a minute per user name and address, however many attempts.
        refused = rt.throttle.report_due(attempt.keys)
        if refused:
            audit.warning("login throttled: user=%s source=%s (%d attempt%s refused, "
                          "locked %d s more)", clean(username[:200]) or "-", clean(source),
                          refused, "" if refused == 1 else "s", attempt.wait)
        wait = max(1, int(attempt.wait + 0.999))
        self.set_header("Retry-After", str(wait))
        self.page(error=LOCKED.format(wait=idle_text(max(60, wait))), status=429,
                  username=username)

    def set_current_user(self, user):
        rt = runtime_module.current()
        expiry = panel_config.oauth_expiry
        days = min(expiry, rt.cookie_days) if expiry else rt.cookie_days
        self.set_panel_user(user, days, **cookie_options(self))


class LogoutHandler(RequestHandler):
    """Signing out: POST (with the CSRF token) ends the login at once.

    A GET never ends a login (a link or an image on another site must not
    sign anyone out): it clears the cookies of a login that has already ended
    (the header's Sign out button ends it over the websocket, then comes
    here) and otherwise asks to confirm with a POST form.
    """

    def get(self):
        login_id, user = read_cookie(self.get_cookie(COOKIE))
        rt = runtime_module.current()
        if login_id and rt.logins.get(login_id) is not None:
            self._confirm(user)
            return
        self._done()

    def _confirm(self, user: str | None, error: str = "", status: int = 200) -> None:
        """A page with a Sign out button (a POST form with the CSRF token)."""
        rt = runtime_module.current()
        nonce = secrets.token_urlsafe(18)
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Security-Policy", login_policy(nonce))
        self.write(_templates.get_template("logout.html").render(
            title=rt.title, user=user or "", error=error, logout_endpoint=LOGOUT_URL,
            home=HOME, csrf=csrf_token(self), csrf_field=CSRF_FIELD, nonce=nonce))

    def post(self):
        login_id, user = read_cookie(self.get_cookie(COOKIE))
        if not csrf_ok(self):
            self._confirm(user, "The sign-out form had expired. Please try again.", 403)
            return
        rt = runtime_module.current()
        if login_id and rt.logins.end(login_id, "logout") is not None:
            audit.info("logout: user=%s source=%s", clean(user),
                       clean(self.request.remote_ip))
        self._done()

    def _done(self) -> None:
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
                    handler.set_cookie(NOTICE_COOKIE, reason, expires_days=None,
                                       **cookie_options(handler))
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
