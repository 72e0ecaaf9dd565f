"""What one dashboard server process holds: config, logins and their data.

``Runtime.start(config)`` (used by ``vcompanion serve``) or ``current()``
(under ``panel serve``, from ``$VCOMPANION_CONFIG``) sets it up once per
process.  Three ways to get data:

- ``service``: a service account is configured (``credentials.resolve``
  finds one): ONE shared ``DashboardData`` serves every user, refreshed on
  one timer in one background thread; each user sees only the vCenters that
  accepted their login (``data_for``: a ``LoginView``), unless
  ``dashboard.share_all_vcenters``;
- ``user``: no service account: each login gets its own data, collected
  with that user's own vCenter credentials, kept in memory only and dropped
  when the login ends;
- ``demo``: ``Companion.demo()``; the login is demo / demo.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .. import credentials
from ..audit import AuditTrail
from ..config import Config, load_config
from ..demo import DEMO_PASSWORD, DEMO_USERNAME
from ..logs import hold_secret, secret_held
from ..sources.vcenter import check_login
from ..errors import (AuthenticationError, CredentialsError, NoPermissionError,
                      VCompanionError)
from .sessions import Logins, cookie_secret
from .throttle import LoginThrottle
from .pagedata import DashboardData, LoginView, not_available

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Refusal:
    """Why one vCenter refused a login: ``code`` names the login page's message
    (auth.ERRORS), ``text`` goes to the login log."""

    code: str  # missing, demo, invalid, noaccess, unreachable
    text: str

    def __str__(self) -> str:
        return self.text


# The login page shows the most telling refusal of all vCenters.
_REFUSAL_ORDER = ("missing", "demo", "invalid", "noaccess", "unreachable")


def refusal(exc: Exception) -> Refusal:
    """The refusal a vCenter's error stands for (by its type, never its text)."""
    if isinstance(exc, AuthenticationError):
        return Refusal("invalid", "user name or password rejected")
    if isinstance(exc, NoPermissionError):
        return Refusal("noaccess", "no read access (System.View on the root folder)")
    return Refusal("unreachable", getattr(exc, "status", None) or "error")


@dataclass
class AuthResult:
    """Outcome of one login attempt, per vCenter."""

    user: str
    accepted: list[str] = field(default_factory=list)   # login ok and System.View
    refused: dict[str, Refusal] = field(default_factory=dict)  # vCenter -> why

    @property
    def ok(self) -> bool:
        return bool(self.accepted)

    @property
    def failure_code(self) -> str:
        """The login page's error for a refused attempt (see auth.ERRORS)."""
        codes = {r.code for r in self.refused.values()}
        return next((c for c in _REFUSAL_ORDER if c in codes), "invalid")

    @property
    def guessed(self) -> bool:
        """Refused for a wrong user name or password somewhere (a failed guess)."""
        return not self.ok and any(r.code in ("invalid", "demo")
                                   for r in self.refused.values())

    @property
    def outcome(self) -> str:
        if self.ok:
            return "accepted by " + ", ".join(self.accepted)
        return "refused (" + "; ".join(f"{k}: {v}" for k, v in self.refused.items()) + ")"


class Runtime:
    """The process-wide state of the dashboard server."""

    def __init__(self, config: Config, mode: str | None = None, companion=None):
        self.config = config
        self.title = config.get("dashboard.title")
        self.refresh_seconds = float(config.get("dashboard.refresh_seconds"))
        self.default_theme = config.get("dashboard.theme")
        self.idle_seconds = float(config.get("session.idle_timeout_minutes")) * 60
        self.cookie_days = float(config.get("session.cookie_days"))
        self.mode = mode or ("service" if self._has_service_account() else "user")
        # The audit trail (vcompanion/audit.py): the demo keeps no rows.
        self.audit = AuditTrail(config, "vcompanion serve", background=True,
                                keep=False if self.mode == "demo" else None)
        self.logins = Logins(self.idle_seconds, self.cookie_days * 86400,
                             on_end=lambda login, reason: self.audit.signed_out(
                                 login.user, login.source, reason))
        self.throttle = LoginThrottle(
            config.get("session.lockout_failures"),
            config.get("session.lockout_window_minutes") * 60,
            config.get("session.lockout_minutes") * 60,
            address_failures=config.get("session.lockout_address_failures"))
        # The demo writes nothing to disk: its secret lives as long as the process.
        self.secret = (secrets.token_urlsafe(48) if self.mode == "demo"
                       else cookie_secret(config.data_dir))
        self.share_all = bool(config.get("dashboard.share_all_vcenters"))
        self.shared: DashboardData | None = None
        if self.mode in ("service", "demo"):
            from ..companion import Companion
            vc = companion or (Companion.demo() if self.mode == "demo"
                               else Companion(config))
            self.shared = DashboardData(vc, refresh_seconds=self.refresh_seconds)
        self._sweeper: threading.Thread | None = None
        self._stop = threading.Event()
        self.started = False

    # --- setup -----------------------------------------------------------------------

    def _has_service_account(self) -> bool:
        for vc in self.config.vcenters:
            try:
                credentials.resolve(vc.name, config_username=vc.username)
                return True
            except CredentialsError:
                continue
        return False

    def start(self) -> Runtime:
        """Start the shared refresh timer and the sweeper of expired logins."""
        self.started = True
        self.recorder = None
        if self.shared is not None:
            from .recording import attach
            self.recorder = attach(self)  # the history, unless a scheduler records
            self.shared.start()
        if self._sweeper is None:
            self._sweeper = threading.Thread(target=self._sweep, daemon=True,
                                             name="vcompanion-logins")
            self._sweeper.start()
        log.info("dashboards: %s mode, %d vCenter(s), refresh every %g s, idle "
                 "timeout %s", self.mode, len(self.config.vcenters),
                 self.refresh_seconds,
                 f"{self.idle_seconds / 60:g} min" if self.idle_seconds else "off")
        return self

    def _sweep(self) -> None:
        interval = max(1.0, min(60.0, (self.idle_seconds or 600) / 4))
        while not self._stop.wait(interval):
            self.logins.sweep()

    def stop(self) -> None:
        self._stop.set()
        if self.shared is not None:
            self.shared.stop()
        self.audit.close()

    # --- logins ------------------------------------------------------------------------

    @property
    def vcenter_count(self) -> int:
        if self.shared is not None:
            return len(self.shared.companion.vcenter_names)
        return len(self.config.vcenters)

    def authenticate(self, username: str, password: str) -> AuthResult:
        """Check a user against every configured vCenter (SessionManager.Login).

        Accepted where the login works and the user holds System.View on the
        root folder.  The password is only used for these logins.
        """
        with secret_held(password):  # masked in the logs for this attempt only
            return self._authenticate(username, password)

    def _authenticate(self, username: str, password: str) -> AuthResult:
        result = AuthResult(username)
        if not username or not password:
            result.refused["*"] = Refusal("missing", "user name and password are required")
            return result
        if self.mode == "demo":
            if username == DEMO_USERNAME and password == DEMO_PASSWORD:
                result.accepted.append("demo")
            else:
                result.refused["demo"] = Refusal("demo", "the demo login is demo / demo")
            return result
        connect = self.config.get("collection.connect_timeout_seconds")
        read = min(30.0, self.config.get("collection.read_timeout_seconds"))

        def check(vc) -> tuple[str, Refusal | None]:
            try:
                check_login(vc, username, password, connect, read)
                return vc.name, None
            except VCompanionError as exc:
                return vc.name, refusal(exc)
            except Exception as exc:  # noqa: BLE001 - one vCenter must not break login
                log.warning("login check on vCenter '%s' failed: %s", vc.name,
                            type(exc).__name__)
                return vc.name, Refusal("unreachable", "error")

        vcenters = list(self.config.vcenters)
        with ThreadPoolExecutor(max_workers=max(1, len(vcenters)),
                                thread_name_prefix="login") as pool:
            for name, reason in pool.map(check, vcenters):
                if reason is None:
                    result.accepted.append(name)
                else:
                    result.refused[name] = reason
        return result

    def audit_login(self, result: AuthResult, client: str) -> None:
        """The audit row of a sign-in attempt (never the password)."""
        refused = {name: str(why) for name, why in result.refused.items()}
        if result.ok:
            self.audit.sign_in(result.user, client, result.accepted, refused)
        else:
            self.audit.sign_in_failed(result.user, client, result.failure_code, refused)

    def open_login(self, result: AuthResult, password: str, source: str):
        """Create the login for an accepted user (and its own data in user mode)."""
        data = None
        creds = None
        release = None
        if self.mode == "user":
            # The personal password is used as long as the login lasts: masked in
            # the logs that long, then no more.
            release = hold_secret(password)
            from ..companion import Companion
            creds = credentials.Credentials(result.user, password, "login form")
            # The user's own name on every vCenter: per-vCenter service user
            # names from the config do not apply to personal logins.
            config = dataclasses.replace(self.config, vcenters=tuple(
                dataclasses.replace(vc, username=None) for vc in self.config.vcenters))
            vc = Companion(config, username=creds.username, password=creds.password,
                           vcenters=result.accepted)
            # The others are not named (finding: one vCenter's users learn
            # nothing of another's), only counted.
            notes = not_available(len([n for n in result.refused if n != "*"]))
            data = DashboardData(vc, notes=notes, keeps_reports=False,
                                 refresh_seconds=self.refresh_seconds)
        login = self.logins.create(
            result.user, source, credentials=creds, data=data,
            vcenters=tuple(result.accepted), on_end=release,
            unchecked=tuple(n for n, why in result.refused.items()
                            if why.code == "unreachable" and n != "*"))
        if data is not None:
            data.start()
        return login

    def data_for(self, login) -> DashboardData | LoginView | None:
        """The data a login sees: only the vCenters that accepted it.

        Its own data in user mode; in service mode the shared data, whole for
        the demo, with dashboard.share_all_vcenters, or when every vCenter
        accepted the login, else a ``LoginView`` of the vCenters that did.
        """
        if login is None:
            return None
        if self.shared is None:
            return login.data
        if self.mode == "demo" or self.share_all:
            return self.shared
        names = set(self.shared.vcenter_names)
        allowed = frozenset(names & set(login.vcenters))
        if allowed == names:
            return self.shared
        return LoginView(self.shared, allowed, frozenset(names & set(login.unchecked)))


# --- the process-wide instance -----------------------------------------------------

_current: Runtime | None = None
_lock = threading.Lock()


def install(runtime: Runtime) -> Runtime:
    global _current
    with _lock:
        _current = runtime
    return runtime


def prepare() -> Runtime:
    """This process's runtime, built from $VCOMPANION_CONFIG if needed (not started)."""
    global _current
    with _lock:
        if _current is None:
            from ..logs import setup_from_config
            config = load_config(None)
            try:
                setup_from_config(config)
            except OSError:
                log.warning("cannot write logs in %s", config.logs_dir)
            logging.getLogger("vcompanion.login").setLevel(logging.INFO)
            _current = Runtime(config)
        return _current


def current() -> Runtime:
    """This process's runtime, started (timers running) on first use."""
    rt = prepare()
    if not rt.started:
        with _lock:
            if not rt.started:
                rt.start()
    return rt
