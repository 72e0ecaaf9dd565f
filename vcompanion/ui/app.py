"""Serving the dashboards: ``serve()`` for ``vcompanion serve``, ``servable()``
for the thin scripts in ``dashboards/`` under ``panel serve``.

Every page is its own URL (``/overview``, ``/inventory``, ...; ``/``
redirects to ``/overview``) behind the vSphere SSO login of ``auth.py``.
"""

from __future__ import annotations

import logging
import socket
import panel as pn
from tornado.web import RedirectHandler

from ..config import Config
from . import panel_compat
from . import runtime as runtime_module
from .pages import PAGES, page_class
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


def page(slug: str):
    """One session's page (the function Panel calls per browser session)."""
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


def serve(config: Config, address: str = "127.0.0.1", port: int = 5006,
          demo: bool = False, allow_origins: list[str] | None = None,
          show: bool = False, companion=None) -> None:
    """Serve every page with authentication; blocks until interrupted."""
    from .auth import AuthProvider
    rt = runtime_module.Runtime(config, mode="demo" if demo else None,
                                companion=companion)
    runtime_module.install(rt).start()
    trim_resources()
    pn.config.cookie_secret = rt.secret
    pn.config.oauth_expiry = rt.cookie_days
    log.info("serving the dashboards on http://%s:%d (%s mode)", address, port, rt.mode)
    server = pn.serve(
        apps(), port=port, address=address, show=show, start=False,
        title={page.slug: page.title for page in PAGES},
        auth_provider=AuthProvider(), cookie_secret=rt.secret,
        websocket_origin=origins(address, port, allow_origins),
        extra_patterns=[(r"/", RedirectHandler, {"url": "/overview"})],
        check_unused_sessions_milliseconds=10_000,
        unused_session_lifetime_milliseconds=30_000,
        # gzip pages and the 3 MB of JavaScript for users across a WAN or VPN.
        compress_response=True)
    try:
        server.start()
        server.io_loop.start()
    finally:
        rt.stop()
