"""Every use of Panel's private API, in one place, for the tested Panel version.

The dashboards need a few things Panel (and Bokeh) have no public API for.
Each is wrapped here, under a public name, and each has a test in
tests/test_panel_compat.py that checks the private attribute still exists
and still behaves as relied on -- run it first after upgrading Panel.
pyproject.toml keeps Panel and Bokeh to the minor versions tested here.

- ``LoginHandlerBase``: ``BasicLoginHandler._login_endpoint`` (Panel's
  OAuthProvider sets it on our handler under ``panel serve``),
  ``BasicLoginHandler._validate`` (what Panel's own ``post`` checks) and the
  cookies Panel's ``set_current_user`` writes (``user``, ``id_token``), which
  ``set_panel_user`` writes with our flags (Secure over HTTPS, SameSite).
- ``AuthProviderBase``: ``BasicAuthProvider._remove_user`` (Panel's
  session-destroyed hook) and ``state._active_users`` (Panel's count of open
  sessions per user, kept by ``get_user``: ``count_user``).
- ``disable_mathjax``: ``panel.io.resources._panel_use_mathjax``.
- ``offline_design``: ``Design._resources`` and Panel finding a design's
  bundled files by its class name.
- ``on_oauth_provider``: the ``_oauth_provider`` and ``_oauth_expiry``
  parameters behind ``panel.config.oauth_provider`` / ``oauth_expiry``.
- ``add_transform``: ``bokeh.server.server.Server._tornado`` (the Tornado
  application behind ``pn.serve``), for headers on every response.
- ``forget_document``: the per-document stores of ``panel.io.state``
  (``_onload``, ``_loaded``, ``_connected`` ...) that Panel's own clean-up
  of an ended session leaves behind.
"""

from __future__ import annotations

import json
import logging
import warnings
from typing import Callable
from weakref import WeakKeyDictionary

import bokeh
import panel
from panel.auth import BasicAuthProvider, BasicLoginHandler
from panel.config import config as panel_config
from panel.io import resources as panel_resources
from panel.io.state import state
from panel.util import base64url_encode

log = logging.getLogger(__name__)

# The minor versions tested (inclusive); pyproject.toml pins the same.
TESTED = {"panel": ((1, 10), (1, 10)), "bokeh": ((3, 10), (3, 10))}
INSTALLED = {"panel": panel.__version__, "bokeh": bokeh.__version__}


class UntestedPanelWarning(UserWarning):
    """The installed Panel or Bokeh is not a version the dashboards are tested with."""


class PanelCompatError(RuntimeError):
    """A private Panel attribute the dashboards rely on is gone."""


def minor(version: str) -> tuple[int, int]:
    """'1.10.2' -> (1, 10); anything unreadable -> (0, 0)."""
    parts = version.split(".")
    try:
        return int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)
    except (IndexError, ValueError):
        return 0, 0


def tested_text(package: str) -> str:
    low, high = TESTED[package]
    return ".".join(map(str, low)) + ("" if low == high
                                      else " to " + ".".join(map(str, high)))


def version_problems() -> list[str]:
    """Why the installed Panel / Bokeh are not the tested ones (empty: they are)."""
    problems = []
    for package, (low, high) in TESTED.items():
        installed = INSTALLED[package]
        if not low <= minor(installed) <= high:
            problems.append(f"{package} {installed} is installed; the dashboards are "
                            f"tested with {package} {tested_text(package)}.x")
    return problems


def check_versions() -> list[str]:
    """Warn (once per process) when Panel or Bokeh is outside the tested range."""
    problems = version_problems()
    for text in problems:
        message = (f"{text} (pyproject.toml pins it; vcompanion/ui/panel_compat.py "
                   f"holds the private Panel API the dashboards use)")
        warnings.warn(message, UntestedPanelWarning, stacklevel=2)
        log.warning("%s", message)
    return problems


def _missing(what: str) -> PanelCompatError:
    return PanelCompatError(
        f"Panel {INSTALLED['panel']} has no {what}, which the vCompanion dashboards "
        f"rely on (tested with Panel {tested_text('panel')}.x; see "
        f"vcompanion/ui/panel_compat.py)")


# --- login handler -------------------------------------------------------------------

class LoginHandlerBase(BasicLoginHandler):
    """Panel's login handler, its private hooks under public names.

    Subclasses implement ``check_password``.  ``login_endpoint`` is the URL of
    the login form: Panel's ``OAuthProvider.login_handler`` sets the private
    ``_login_endpoint`` on the handler class under ``panel serve``.
    """

    _login_endpoint = "/login"

    @property
    def login_endpoint(self) -> str:
        return self._login_endpoint

    def check_password(self, username: str, password: str) -> bool:
        raise NotImplementedError

    def _validate(self, username, password):
        # Panel's BasicLoginHandler.post checks a login with this: never let it
        # fall back to Panel's own --basic-auth check.
        return self.check_password(username, password)

    def set_panel_user(self, user: str, expires_days: float, **flags) -> None:
        """What Panel's ``set_current_user`` does (the signed ``user`` cookie its
        auth provider reads, the ``id_token`` behind ``pn.state.user_info``),
        with the cookie ``flags`` given (Panel sets neither Secure nor SameSite)."""
        flags = {**flags, "path": panel_config.cookie_path or "/"}
        self.clear_cookie("is_guest", path=flags["path"])
        self.set_secure_cookie("user", user, expires_days=expires_days, **flags)
        id_token = base64url_encode(json.dumps({"user": user}))
        if state.encryption:
            id_token = state.encryption.encrypt(id_token.encode("utf-8"))
        self.set_secure_cookie("id_token", id_token, expires_days=expires_days, **flags)


# --- auth provider ---------------------------------------------------------------------

def count_user(user: str) -> None:
    """Count one more open session of ``user``, as Panel's own ``get_user`` does
    for every websocket (Panel's admin page and session cleanup read it)."""
    state._active_users[user] += 1


def active_sessions(user: str) -> int:
    """Panel's count of ``user``'s open sessions."""
    return state._active_users.get(user, 0)


class AuthProviderBase(BasicAuthProvider):
    """Panel's basic auth provider, quiet about sessions it never counted."""

    def _remove_user(self, session_context):
        # Panel registers this for every destroyed session (state.on_session_destroyed)
        # and uncounts the user named by its own "user" cookie.
        try:
            super()._remove_user(session_context)
        except (KeyError, TypeError):  # a session whose login was never counted
            pass


# --- resources -------------------------------------------------------------------------

def _no_mathjax(roots) -> bool:
    return False


def disable_mathjax() -> None:
    """Stop Panel from shipping MathJax (1.8 MB) with every page that has an
    HTML pane: ``bundle_resources`` asks ``_panel_use_mathjax`` whether any
    HTML pane might hold LaTeX."""
    if not callable(getattr(panel_resources, "_panel_use_mathjax", None)):
        raise _missing("panel.io.resources._panel_use_mathjax")
    panel_resources._panel_use_mathjax = _no_mathjax


def mathjax_disabled() -> bool:
    return getattr(panel_resources, "_panel_use_mathjax", None) is _no_mathjax


def offline_design(design: type, module: str) -> type:
    """``design`` (e.g. ``panel.theme.Fast``) without its web font from the
    internet, so pages load completely from the vCompanion server.

    The class keeps the design's name: Panel finds the design's bundled files
    (``fast/js/fast_design.js``) by the lower-cased class name.
    """
    found = getattr(design, "_resources", None)
    if not isinstance(found, dict):
        raise _missing(f"{design.__name__}._resources")
    return type(design.__name__, (design,), {"_resources": {**found, "font": {}},
                                             "__module__": module})


# --- panel serve -----------------------------------------------------------------------

def on_oauth_provider(name: str, callback: Callable[[], None]) -> None:
    """Call ``callback`` when Panel is set up to use the OAuth provider ``name``.

    ``panel serve --oauth-provider NAME`` sets ``config.oauth_provider``, and
    (also with $PANEL_OAUTH_PROVIDER) ``config.oauth_expiry``, after applying
    ``--cookie-secret`` and before checking that a cookie secret is set: the
    callback can still provide one.  Panel stores both in the private
    parameters ``_oauth_provider`` and ``_oauth_expiry``.
    """
    names = ["_oauth_provider", "_oauth_expiry"]
    missing = [n for n in names if n not in panel_config.param]
    if missing:
        raise _missing(f"panel.config parameter {missing[0]}")

    def changed(*events) -> None:
        if panel_config.oauth_provider == name:
            callback()

    panel_config.param.watch(changed, names, onlychanged=False)


# --- the Tornado application -------------------------------------------------------------

def add_transform(server, transform: type) -> None:
    """Pass every response of a ``pn.serve(..., start=False)`` server through a
    Tornado ``OutputTransform`` (Bokeh keeps its Tornado application in the
    private ``Server._tornado``; ``Application.add_transform`` is public)."""
    from tornado.web import Application
    app = getattr(server, "_tornado", None)
    if not isinstance(app, Application):
        raise _missing("bokeh.server.server.Server._tornado (its Tornado application)")
    app.add_transform(transform)


# --- sessions ---------------------------------------------------------------------------

# Panel's per-document stores (weak-keyed by the Bokeh Document).  Panel's
# clean-up of an ended session (state._destroy_session) empties some; the
# others keep entries whose values lead back to the document -- the onload
# callbacks of a page that never connected hold the whole page -- so the
# document, and everything on its page, is never freed.
DOCUMENT_STORES = ("_onload", "_loaded", "_connected", "_browsers", "_change_callbacks",
                   "_session_outputs", "_extensions_", "_thread_id_", "_rel_paths",
                   "_base_urls", "_periodic", "_locations", "_notifications", "_templates",
                   "_stylesheets", "_inline_stylesheets")


def forget_document(document) -> int:
    """Drop what Panel's state still holds for ``document`` once its session has
    ended (after Panel's own clean-up ran); returns how many entries went."""
    dropped = 0
    for name in DOCUMENT_STORES:
        store = getattr(state, name, None)
        if store is None:
            continue
        if not isinstance(store, (dict, WeakKeyDictionary)):
            raise _missing(f"panel.io.state.{name} as a mapping of documents")
        if store.pop(document, _ABSENT) is not _ABSENT:
            dropped += 1
    launching = getattr(state, "_launching", None)
    if isinstance(launching, set) and document in launching:
        launching.discard(document)
        dropped += 1
    return dropped


_ABSENT = object()


check_versions()

__all__ = ["AuthProviderBase", "INSTALLED", "LoginHandlerBase", "PanelCompatError",
           "TESTED", "UntestedPanelWarning", "active_sessions", "add_transform",
           "check_versions", "count_user", "disable_mathjax", "forget_document",
           "mathjax_disabled", "minor", "offline_design", "on_oauth_provider",
           "version_problems"]
