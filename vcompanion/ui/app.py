"""Serving the dashboards: ``serve()`` for ``vcompanion serve``, ``servable()``
for the thin scripts in ``dashboards/`` under ``panel serve``.

Every page is its own URL (``/overview``, ``/inventory``, ...; ``/``
redirects to ``/overview``) behind the vSphere SSO login of ``auth.py``.

``vcompanion serve`` serves HTTPS itself from ``dashboard.tls_certfile`` and
``dashboard.tls_keyfile``, and refuses to listen beyond loopback without them
(SSO passwords would cross the network in clear text) unless
``dashboard.behind_proxy`` says a TLS proxy is in front; then it also takes
the client's address and scheme from the proxy's ``X-Forwarded-For`` /
``X-Forwarded-Proto``.  Every response carries the headers of
``security.py``.  ``panel serve`` (``servable``) has none of this: it is for
development on one machine.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading

import panel as pn
from tornado.web import RedirectHandler

from ..config import Config
from ..errors import ConfigError
from . import panel_compat
from . import runtime as runtime_module
from .pages import PAGES, page_class
from .pagesessions import CHECK_SECONDS, UNCONNECTED_SECONDS
from .security import SecurityHeaders
from .shell import render

log = logging.getLogger(__name__)

# Pages with tables (Page.needs_tables) load Tabulator's JavaScript; the
# overview (the page most people open first) does without its 500 kB.
EXTENSIONS = ("tabulator",)


def trim_resources() -> None:
    """Do not ship MathJax (1.8 MB of JavaScript) with every page.

    Panel adds it whenever an HTML pane is present, in case the HTML holds
    LaTeX; these pages never do.  Saves a second of loading on a cold cache.
    """
    panel_compat.disable_mathjax()


_making = threading.Lock()


def page(slug: str):
    """One session's page (the function Panel calls per browser session).

    One page is made at a time: Bokeh makes sessions in worker threads, and
    a burst of requests would otherwise make many at once, each with its
    garbage, which the allocator keeps long after the burst (pagesessions.py).
    """
    with _making:
        pn.extension(*(EXTENSIONS if page_class(slug).needs_tables else ()))
        return render(slug)


def apps() -> dict:
    """URL slug -> page function, for ``pn.serve``."""
    def make(slug):
        def app():
            return page(slug)
        app.__name__ = f"{slug}_page"
        return app
    return {page.slug: make(page.slug) for page in PAGES}


def servable(slug: str):
    """Mark page ``slug`` servable: the body of each ``dashboards/*.py`` script."""
    trim_resources()
    return page(slug).servable()


def origins(address: str, port: int, extra: list[str] | None = None) -> list[str]:
    """Hosts a browser may open the dashboards' websocket from."""
    names = {address, "localhost", "127.0.0.1"}
    if address in ("0.0.0.0", "::", ""):
        try:
            names.update({socket.gethostname(), socket.getfqdn()})
            names.update(socket.gethostbyname_ex(socket.gethostname())[2])
        except OSError:
            pass
    found = [f"{n}:{port}" for n in sorted(n for n in names if n)]
    return found + list(extra or [])


def is_loopback(address: str) -> bool:
    """Does ``address`` (an IP address or a host name) reach this machine only?"""
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        pass
    if not address:
        return False
    try:
        found = {info[4][0] for info in socket.getaddrinfo(address, None)}
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(ip.split("%")[0]).is_loopback
                               for ip in found)


def tls_files(config: Config | None) -> tuple[str, str] | None:
    """(certificate, key) files of ``dashboard.tls_*``, checked; None without TLS."""
    if config is None:
        return None
    cert = config.get("dashboard.tls_certfile")
    key = config.get("dashboard.tls_keyfile")
    if not cert and not key:
        return None
    if not cert or not key:
        raise ConfigError("set both dashboard.tls_certfile and dashboard.tls_keyfile "
                          "(the server's certificate and its private key, PEM)",
                          config.where)
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        why = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise ConfigError(f"dashboard.tls_certfile / dashboard.tls_keyfile: cannot use "
                          f"{cert} with {key} ({why})", config.where) from None
    return str(cert), str(key)


def listen_problem(config: Config | None, address: str, demo: bool = False) -> str | None:
    """Why the dashboards must not listen on ``address`` as configured (None: fine).

    Beyond loopback, SSO passwords must not travel in clear text: TLS here
    (dashboard.tls_certfile / tls_keyfile) or a TLS proxy in front
    (dashboard.behind_proxy).  The demo checks no SSO password.
    """
    if demo or is_loopback(address):
        return None
    if tls_files(config) is not None:
        return None
    if config is not None and config.get("dashboard.behind_proxy"):
        return None
    return (f"refusing to serve the dashboards on {address or 'every address'} without "
            "TLS: SSO passwords would cross the network in clear text. Set "
            "dashboard.tls_certfile and dashboard.tls_keyfile, or dashboard.behind_proxy "
            "when a TLS proxy is in front (or listen on 127.0.0.1)")


def serve(config: Config, address: str = "127.0.0.1", port: int = 5006,
          demo: bool = False, allow_origins: list[str] | None = None,
          show: bool = False, companion=None) -> None:
    """Serve every page with authentication; blocks until interrupted."""
    from .auth import AuthProvider
    problem = listen_problem(config, address, demo)
    if problem:
        raise ConfigError(problem)
    tls = tls_files(config)
    proxy = bool(config is not None and config.get("dashboard.behind_proxy"))
    rt = runtime_module.Runtime(config, mode="demo" if demo else None,
                                companion=companion)
    runtime_module.install(rt).start()
    trim_resources()
    pn.config.cookie_secret = rt.secret
    pn.config.oauth_expiry = rt.cookie_days
    log.info("serving the dashboards on %s://%s:%d (%s mode%s)", "https" if tls else "http",
             address, port, rt.mode, ", behind a TLS proxy" if proxy else "")
    options = {"ssl_certfile": tls[0], "ssl_keyfile": tls[1]} if tls else {}
    server = pn.serve(
        apps(), port=port, address=address, show=show, start=False,
        title={page.slug: page.title for page in PAGES},
        auth_provider=AuthProvider(), cookie_secret=rt.secret,
        websocket_origin=origins(address, port, allow_origins),
        extra_patterns=[(r"/", RedirectHandler, {"url": "/overview"})],
        # A page whose websocket does not connect ends within ~35 s (pagesessions.py).
        check_unused_sessions_milliseconds=CHECK_SECONDS * 1000,
        unused_session_lifetime_milliseconds=UNCONNECTED_SECONDS * 1000,
        # Behind a proxy: the client's address and scheme from X-Forwarded-*.
        use_xheaders=proxy,
        # gzip pages and the 3 MB of JavaScript for users across a WAN or VPN.
        compress_response=True, **options)
    panel_compat.add_transform(server, SecurityHeaders)
    try:
        server.start()
        server.io_loop.start()
    finally:
        rt.stop()
