"""Reads that must not block a browser session: run in a thread, drawn in the session.

A page that reads the history (a database: milliseconds on SQLite, longer on
a remote PostgreSQL or for a long period) asks ``Background.run(read, draw)``:
``read()`` runs in a thread of its own, ``draw(result)`` then runs in the
page's Bokeh session on its next tick (the one document call that is safe
from another thread).  Only the newest request draws: a filter changed
twice quickly never shows the older answer last.  ``busy`` says whether a
read is under way (pages show a spinner); an exception in ``read`` goes to
``fail(exc)`` in the session.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import panel as pn
from panel.io.state import set_curdoc

log = logging.getLogger(__name__)


class Background:
    """One page's background reads (the newest one wins)."""

    def __init__(self, on_busy: Callable[[bool], None] | None = None):
        self._generation = 0
        self._lock = threading.Lock()
        self._on_busy = on_busy
        self.busy = False

    def run(self, read: Callable[[], Any], draw: Callable[[Any], None],
            fail: Callable[[Exception], None] | None = None, name: str = "read") -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        self._busy(True)
        doc = pn.state.curdoc

        def work():
            try:
                result, error = read(), None
            except Exception as exc:  # noqa: BLE001 - shown on the page, logged here
                log.warning("background %s failed: %s", name, exc,
                            exc_info=not _expected(exc))
                result, error = None, exc

            def finish():
                if generation != self._generation:
                    return  # a newer request is on its way
                self._busy(False)
                if error is None:
                    draw(result)
                elif fail is not None:
                    fail(error)
            in_session(doc, finish)

        threading.Thread(target=work, name=f"vcompanion-{name}", daemon=True).start()

    def _busy(self, value: bool) -> None:
        self.busy = value
        if self._on_busy is not None:
            self._on_busy(value)


def _expected(exc: Exception) -> bool:
    from ..errors import VCompanionError
    return isinstance(exc, VCompanionError)


def in_session(doc, fn: Callable[[], None]) -> None:
    """Run ``fn`` in the browser session of ``doc`` (its next tick), or now when
    there is no session (tests, notebooks)."""
    if doc is None or doc.session_context is None:
        fn()
        return

    def tick():
        with set_curdoc(doc):
            try:
                fn()
            except Exception:  # noqa: BLE001 - one drawing must not break the session
                log.exception("drawing a background result failed")
    try:
        doc.add_next_tick_callback(tick)
    except Exception:  # noqa: BLE001 - the session has ended meanwhile
        log.debug("session gone before a background result was drawn", exc_info=True)


__all__ = ["Background", "in_session"]
