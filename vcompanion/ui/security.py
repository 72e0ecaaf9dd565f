"""What every answer of the dashboard server carries: security headers,
cookie flags, and the CSRF token of the login and sign-out forms.

``SecurityHeaders`` is a Tornado output transform: ``app.serve`` adds it to
the server (``panel_compat.add_transform``), so every response passes it --
pages, static files, redirects, errors:

- ``Content-Security-Policy`` (``policy()``): scripts, styles, fonts and
  images from this server only, the websocket to this server, no plug-ins,
  no framing, forms posted here only, no workers.  The tightest policy the
  pages work under in Chromium (tests/test_web_security.py watches for
  violations): Bokeh and Panel need ``'unsafe-inline'`` scripts and styles
  (every page starts Bokeh with an inline script; models carry inline
  styles), ``'unsafe-eval'`` (Panel's ReactiveHTML templates, e.g. the page
  template, are compiled with ``new Function``), ``blob:`` scripts and
  fetches (Panel's JavaScript components are ES modules loaded from blob
  URLs by es-module-shims) and ``data:`` images (Bokeh's icons).  Values in
  pages are escaped where the pages are made; the policy is the second line.
  The login page, where passwords are typed, sets a strict policy of its own
  (``login_policy``: no script or style but its own, by nonce).
- ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'``),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``Cross-Origin-Opener-Policy: same-origin``, a ``Permissions-Policy`` that
  turns off devices the pages never use, ``Cache-Control: no-store`` on
  everything but static files (pages carry session tokens), and
  ``Strict-Transport-Security`` over HTTPS.

Every cookie the server sets takes its flags from ``cookie_options``:
HttpOnly, SameSite, and ``Secure`` whenever the browser side is HTTPS
(served with TLS, or ``X-Forwarded-Proto: https`` from the proxy of
``dashboard.behind_proxy``); Panel's own login cookies too
(``panel_compat.LoginHandlerBase.set_panel_user``).  (A transform cannot
add the flags: Tornado writes cookies after the transforms.)

The login and sign-out forms carry a CSRF token: a random value in a
``SameSite=Strict`` cookie that the form must send back (``csrf_ok``).
"""

from __future__ import annotations

import hmac
import re
import secrets

from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.web import OutputTransform, RequestHandler

CSRF_COOKIE = "vcompanion_csrf"
CSRF_FIELD = "csrf"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,64}$")

STATIC_PREFIXES = ("/static/", "/panel_dist/", "/favicon.ico")
HSTS_SECONDS = 180 * 86400


def is_https(handler: RequestHandler) -> bool:
    """Does the browser talk HTTPS to us (directly, or to our TLS proxy)?"""
    return handler.request.protocol == "https"


def cookie_options(handler: RequestHandler, samesite: str = "Lax") -> dict:
    """Flags for every cookie the server sets: HttpOnly, SameSite, Secure over HTTPS."""
    return {"httponly": True, "samesite": samesite, "secure": is_https(handler),
            "path": "/"}


# --- CSRF ------------------------------------------------------------------------------

def csrf_token(handler: RequestHandler) -> str:
    """The token for a form on this page (the browser's, or a new one)."""
    token = handler.get_cookie(CSRF_COOKIE, "")
    if not _TOKEN.match(token or ""):
        token = secrets.token_urlsafe(32)
    handler.set_cookie(CSRF_COOKIE, token, expires_days=None,
                       **cookie_options(handler, samesite="Strict"))
    return token


def csrf_ok(handler: RequestHandler) -> bool:
    """Did the form send back the token of its page?"""
    cookie = handler.get_cookie(CSRF_COOKIE, "") or ""
    sent = handler.get_body_argument(CSRF_FIELD, "") or ""
    return bool(_TOKEN.match(cookie)) and hmac.compare_digest(cookie.encode(),
                                                              sent.encode())


# --- headers ----------------------------------------------------------------------------

def policy(host: str = "") -> str:
    """The Content-Security-Policy of the dashboards (see the module docstring)."""
    sockets = f" ws://{host} wss://{host}" if host and re.fullmatch(
        r"[A-Za-z0-9.\-:\[\]]+", host) else ""
    return "; ".join((
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' blob:{sockets}",
        "worker-src 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'"))


def login_policy(nonce: str) -> str:
    """The login page's own policy: only its own inline script and style."""
    return "; ".join((
        "default-src 'none'",
        f"script-src 'nonce-{nonce}'",
        f"style-src 'nonce-{nonce}'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'"))


HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


class SecurityHeaders(OutputTransform):
    """Adds the security headers to every response."""

    def __init__(self, request: HTTPServerRequest):
        super().__init__(request)
        self.https = request.protocol == "https"
        self.host = request.host or ""
        self.static = request.path.startswith(STATIC_PREFIXES)

    def transform_first_chunk(self, status_code: int, headers: HTTPHeaders, chunk: bytes,
                              finishing: bool) -> tuple[int, HTTPHeaders, bytes]:
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = policy(self.host)
        for name, value in HEADERS.items():
            if name not in headers:
                headers[name] = value
        if not self.static:
            headers["Cache-Control"] = "no-store"
        if self.https and "Strict-Transport-Security" not in headers:
            headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        return chunk
