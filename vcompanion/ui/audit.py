"""The audit rows of what a signed-in user does on a page: downloads and
workbooks (``vcompanion/audit.py``; sign-ins and sign-outs are recorded by
``auth.py`` and ``sessions.py``).

The user and client address are the login's (the address it signed in from).
Recording never breaks the page: the trail itself never raises, and a page
served without a login records the event with no user.
"""

from __future__ import annotations

import logging

import panel as pn

from . import runtime as runtime_module
from .auth import login_from_cookie
from .sessions import COOKIE

log = logging.getLogger(__name__)


def session_login():
    """This browser session's valid login (None: none)."""
    login, _ = login_from_cookie(pn.state.cookies.get(COOKIE))
    return login


def downloaded(filename: str, rows: int | None = None, login=None) -> None:
    """A page's CSV or Excel download, or a workbook downloaded from /reports."""
    _record("workbook_downloaded", login, name=filename, rows=rows)


def generated(kind: str, name: str | None, ok: bool = True, detail=None,
              login=None) -> None:
    """A workbook generated on /reports."""
    _record("workbook_generated", login, kind=kind, name=name, ok=ok, detail=detail)


def _record(event: str, login, **fields) -> None:
    try:
        login = login if login is not None else session_login()
        trail = runtime_module.current().audit
        call = {"workbook_downloaded": trail.workbook_downloaded,
                "workbook_generated": trail.workbook_generated}[event]
        call(getattr(login, "user", None), getattr(login, "source", None), **fields)
    except Exception as exc:  # noqa: BLE001 - auditing must not break the page
        log.warning("audit: %s not recorded: %s", event, type(exc).__name__)
