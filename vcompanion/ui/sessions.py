"""Dashboard logins: who is signed in, since when, and the idle timeout.

A successful login creates a ``Login`` (a random id, the user, the time of
the last activity and, when there is no service account, that user's own
credentials and data, in memory only).  The browser holds the id in a
signed cookie (``COOKIE``), so the login survives reloads and browser
restarts.  Logins live in the server's memory only: a server restart, a
logout or the idle timeout ends them for good (a replayed cookie of an ended
login is worthless).

Every HTTP request and every interaction on an open page ``touch``es the
login; ``check`` answers "is this login still valid?" and ends it when it
has been idle longer than ``idle_seconds``.  Ending a login drops the user's
credentials and logs the user's own sessions out of every vCenter.

The cookie secret is generated once and kept in ``data_dir`` with owner-only
permissions (``cookie_secret``).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import files

log = logging.getLogger(__name__)

COOKIE = "vcompanion_session"
NOTICE_COOKIE = "vcompanion_notice"  # why the login page is shown (idle, logout)
SECRET_FILE = "cookie_secret"
ENDED_MEMORY = 10_000  # how many ended logins are remembered (to say why)


@dataclass
class Login:
    """One signed-in browser (all its tabs share it)."""

    id: str
    user: str
    source: str  # the client address at login
    created: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.time)
    credentials: Any = field(default=None, repr=False)  # own-credentials mode only
    data: Any = field(default=None, repr=False)  # the user's own DashboardData, if any
    vcenters: tuple[str, ...] = ()  # the vCenters that accepted this user
    unchecked: tuple[str, ...] = ()  # those that could not be reached to ask
    # Called once the login has ended and its data is closed (e.g. stop masking
    # the personal password in the logs).
    on_end: Any = field(default=None, repr=False)
    ended: bool = False
    end_reason: str = ""  # "idle timeout", "logout", "expired"


class Logins:
    """The logins of this server process, with the idle timeout applied."""

    def __init__(self, idle_seconds: float, max_seconds: float, on_end=None):
        self.idle_seconds = float(idle_seconds)  # 0 = no idle timeout
        self.max_seconds = float(max_seconds)
        self.on_end = on_end  # on_end(login, reason) after a login ends (the audit)
        self._logins: dict[str, Login] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()  # recent id -> why it ended
        self._lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------

    def create(self, user: str, source: str, credentials=None, data=None,
               vcenters: tuple[str, ...] = (), on_end=None,
               unchecked: tuple[str, ...] = ()) -> Login:
        login = Login(secrets.token_urlsafe(24), user, source, credentials=credentials,
                      data=data, vcenters=tuple(vcenters), on_end=on_end,
                      unchecked=tuple(unchecked))
        with self._lock:
            self._logins[login.id] = login
        return login

    def get(self, login_id: str | None) -> Login | None:
        if not login_id:
            return None
        with self._lock:
            return self._logins.get(login_id)

    def end(self, login_id: str | None, reason: str = "logout") -> Login | None:
        """End a login at once: forget it, drop its credentials, close its data."""
        with self._lock:
            login = self._logins.pop(login_id, None) if login_id else None
            if login is not None:
                self._ended[login.id] = reason
                while len(self._ended) > ENDED_MEMORY:
                    self._ended.popitem(last=False)
        if login is None:
            return None
        login.ended = True
        login.end_reason = reason
        login.credentials = None
        data, login.data = login.data, None
        done, login.on_end = login.on_end, None
        if data is not None:
            def close() -> None:
                try:
                    data.stop()
                    data.join(300)  # a refresh under way still uses the credentials
                finally:
                    if done is not None:
                        done()
            threading.Thread(target=close, name="vcompanion-logout", daemon=True).start()
        elif done is not None:
            done()
        log.info("dashboard session of %s ended (%s)", login.user, reason)
        if self.on_end is not None:
            self.on_end(login, reason)
        return login

    def idle_for(self, login: Login, now: float | None = None) -> float:
        return (now or time.time()) - login.last_activity

    def expired(self, login: Login, now: float | None = None) -> bool:
        now = now or time.time()
        if login.ended:
            return True
        if self.max_seconds and now - login.created > self.max_seconds:
            return True
        return bool(self.idle_seconds) and now - login.last_activity > self.idle_seconds

    def touch(self, login: Login, when: float | None = None) -> None:
        login.last_activity = max(login.last_activity, when or time.time())

    def check(self, login_id: str | None, user: str | None) -> tuple[Login | None, str]:
        """The valid login for a cookie, or (None, reason); a valid one is touched."""
        now = time.time()
        login = self.get(login_id)
        if login is None or login.user != user:
            with self._lock:
                reason = self._ended.get(login_id or "")
            # An ended login stays ended; the login page says why.
            return None, {"idle timeout": "idle", "logout": "logout",
                          "expired": "expired"}.get(reason or "", "unknown")
        if self.expired(login, now):
            idle = not login.ended and self.idle_seconds and \
                now - login.last_activity > self.idle_seconds
            self.end(login.id, "idle timeout" if idle else "expired")
            return None, "idle" if idle else "expired"
        self.touch(login, now)
        return login, ""

    @staticmethod
    def notice(login: Login) -> str:
        """The login page's notice for an ended login: idle, logout or expired."""
        return {"idle timeout": "idle", "logout": "logout"}.get(login.end_reason,
                                                                "expired")

    def seconds_left(self, login: Login) -> float | None:
        """Seconds until the idle timeout ends this login (None: no timeout)."""
        if not self.idle_seconds:
            return None
        return self.idle_seconds - self.idle_for(login)

    def __len__(self) -> int:
        with self._lock:
            return len(self._logins)

    def sweep(self) -> int:
        """End every expired login (frees per-user data of closed browsers)."""
        with self._lock:
            logins = list(self._logins.values())
        ended = 0
        for login in logins:
            if self.expired(login):
                idle = self.idle_seconds and self.idle_for(login) > self.idle_seconds
                self.end(login.id, "idle timeout" if idle else "expired")
                ended += 1
        return ended


# --- the cookie --------------------------------------------------------------------

def cookie_value(login: Login) -> str:
    """What the signed session cookie holds: the login id and the user."""
    return f"{login.id}|{login.user}"


def parse_cookie(value: bytes | str | None) -> tuple[str | None, str | None]:
    """(login id, user) from a verified cookie value."""
    if not value:
        return None, None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    login_id, sep, user = value.partition("|")
    if not sep or not login_id or not user:
        return None, None
    return login_id, user


def cookie_secret(data_dir: Path) -> str:
    """The server's cookie-signing secret, generated once into ``data_dir``.

    The file is created with owner-only permissions (on Windows it inherits
    the folder's ACL, which for data_dir is the installing user's profile or
    the service folder).
    """
    data_dir = files.private_dir(data_dir)  # 0700 on POSIX
    path = data_dir / SECRET_FILE
    try:
        secret = path.read_text(encoding="utf-8").strip()
        if len(secret) >= 32:
            _restrict(path)
            return secret
    except FileNotFoundError:
        pass
    secret = secrets.token_urlsafe(48)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    _restrict(tmp)
    try:
        # Another process may have won the race: keep the first secret written.
        if path.exists():
            tmp.unlink()
            return path.read_text(encoding="utf-8").strip()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    log.info("generated the dashboard cookie secret in %s", path)
    return secret


def _restrict(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError:  # pragma: no cover - e.g. a file system without POSIX modes
        pass
