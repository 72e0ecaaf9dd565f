"""Page sessions: the server's side of every page a browser asks for.

Bokeh makes a session for every page request; only a browser that runs the
page's JavaScript connects its websocket.  Scripts, scanners and browsers
closed mid-load never do, and under load such sessions used to pile up,
each building its page and refreshing it every second or two.  Now:

- a session does nothing until its websocket connects: the Shell builds the
  page and starts its refresh from ``pn.state.onload`` (and checks the login
  again there, idle timeout included);
- the server ends a session without a connection ``UNCONNECTED_SECONDS``
  after its page request or its last websocket closed, checking every
  ``CHECK_SECONDS`` (``app.serve``);
- at most ``LOGIN_UNCONNECTED`` sessions of one login, and
  ``MAX_UNCONNECTED`` in all, wait for their websocket: beyond that the
  oldest waiting one (of the login with the most) ends at the next check.
  A browser connects within a second or two, so only pages nobody runs are
  cut short;
- pages are made one at a time (``app.page``), not in several of Bokeh's
  worker threads at once;
- when sessions end, Panel's remaining per-document state is dropped
  (``panel_compat.forget_document``: Panel keeps a never-connected page's
  onload callbacks, and with them its whole page, forever), the garbage is
  collected and freed memory given back to the operating system
  (``malloc_trim``; ``vcompanion serve`` runs on the C allocator on Linux,
  which can give back what Python's own arenas would keep: cli/serve.py);
- ``PAGE_SESSIONS`` counts them; a log line after sessions end says how many
  are open ("page sessions: 3 open (2 connected); 40 ended, 38 never
  connected").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import weakref

from . import panel_compat

log = logging.getLogger(__name__)

UNCONNECTED_SECONDS = 30  # a page's websocket must connect within this
CHECK_SECONDS = 5         # how often the server looks for such sessions
LOGIN_UNCONNECTED = 8     # sessions of one login waiting for their websocket
MAX_UNCONNECTED = 64      # ... of all logins
FLUSH_SECONDS = 2         # sessions that end together are reported together


def _malloc_trim():
    # The same as vsphere/fast/memory.trim_memory (the UI does not import vsphere).
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, Windows, musl)
        return None


_trim = _malloc_trim()


class PageSessions:
    """How many page sessions are open and connected; tidies up after them."""

    def __init__(self, per_login: int = LOGIN_UNCONNECTED, most: int = MAX_UNCONNECTED):
        self.per_login, self.most = per_login, most
        self._lock = threading.Lock()
        self.open = self.connected = 0
        self.ended = self.never_connected = self.cut = 0  # since the last report
        self._gone: list[weakref.ref] = []
        self._flushing = False
        # Sessions waiting for their websocket: login id -> documents, oldest first.
        self._waiting: dict[str, list[weakref.ref]] = {}

    def opened(self, document=None, login_id: str = "") -> None:
        """A page session was made (its document, its login's id)."""
        evict = []
        with self._lock:
            self.open += 1
            if document is None:
                return
            self._waiting.setdefault(login_id, []).append(weakref.ref(document))
            mine = self._waiting[login_id]
            while len(mine) > self.per_login:
                evict.append(mine.pop(0))
            while sum(len(v) for v in self._waiting.values()) > self.most:
                login = max(self._waiting, key=lambda k: len(self._waiting[k]))
                evict.append(self._waiting[login].pop(0))
            self._waiting = {k: v for k, v in self._waiting.items() if v}
            self.cut += len(evict)
        for ref in evict:
            expire(ref())

    def connect(self, document=None) -> None:
        """A page's websocket connected (its session no longer waits)."""
        with self._lock:
            self.connected += 1
            self._forget(document)

    def waiting(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._waiting.values())

    def _forget(self, document) -> None:
        if document is None:
            return
        for login, refs in list(self._waiting.items()):
            kept = [r for r in refs if r() is not None and r() is not document]
            if kept:
                self._waiting[login] = kept
            else:
                del self._waiting[login]

    def closed(self, document, was_connected: bool) -> None:
        """A session ended (Bokeh's session-destroyed hook, on the server loop)."""
        with self._lock:
            self.open = max(0, self.open - 1)
            self._forget(document)
            if was_connected:
                self.connected = max(0, self.connected - 1)
            else:
                self.never_connected += 1
            self.ended += 1
            if document is not None:
                self._gone.append(weakref.ref(document))
            if self._flushing:
                return
            self._flushing = True
        try:
            from tornado.ioloop import IOLoop
            IOLoop.current().call_later(FLUSH_SECONDS, self.flush)
        except RuntimeError:  # no loop (tests): at once
            self.flush()

    def flush(self) -> None:
        """After Panel's own clean-up: forget the documents, collect, report."""
        with self._lock:
            gone, self._gone = self._gone, []
            ended, never, cut = self.ended, self.never_connected, self.cut
            self.ended = self.never_connected = self.cut = 0
            self._flushing = False
            still_open, connected = self.open, self.connected
        for ref in gone:
            document = ref()
            if document is not None:
                panel_compat.forget_document(document)
        del gone
        gc.collect()
        if _trim is not None:
            _trim(0)
        log.info("page sessions: %d open (%d connected); %d ended, %d never connected%s",
                 still_open, connected, ended, never,
                 f" ({cut} cut short: too many waiting)" if cut else "")


def expire(document) -> None:
    """End a page session at the server's next check (unless it connects first)."""
    context = getattr(document, "session_context", None) if document is not None else None
    session = getattr(context, "session", None)
    if session is not None:
        session.request_expiration()


PAGE_SESSIONS = PageSessions()

__all__ = ["CHECK_SECONDS", "LOGIN_UNCONNECTED", "MAX_UNCONNECTED", "PAGE_SESSIONS",
           "PageSessions", "UNCONNECTED_SECONDS", "expire"]
