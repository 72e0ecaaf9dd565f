"""Answers kept for a short time, so that frequent askers cost one read.

Dashboards refresh every minute and alerts every few minutes, and each
evaluation of the problems asks for the same figures: ``AnswerCache`` keeps
each vCenter's answer to a query (or its failure, so that a vCenter whose
statistics time out costs one timeout per period, not one per question) for
``seconds``.  Callers asking for the same query at the same time wait for
one read.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from ..sources import PerfAnswer, PerfQuery


class AnswerCache:
    """(vCenter, query) -> answer or error, for a while."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, PerfQuery], tuple[float, PerfAnswer | None,
                                                         BaseException | None]] = {}
        self._locks: dict[tuple[str, PerfQuery], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, vcenter: str, query: PerfQuery, seconds: float,
            read: Callable[[], PerfAnswer]) -> PerfAnswer:
        """The kept answer, or ``read()``'s (raising its error, kept as well)."""
        if seconds <= 0:
            return read()
        key = (vcenter, query)
        with self._lock:
            self._purge()
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= time.monotonic():
                try:
                    answer, error = read(), None
                except Exception as exc:  # noqa: BLE001 - kept and raised again
                    answer, error = None, exc
                entry = (time.monotonic() + seconds, answer, error)
                with self._lock:
                    self._entries[key] = entry
        if entry[2] is not None:
            raise entry[2]
        return entry[1]

    def _purge(self) -> None:
        now = time.monotonic()
        for key in [k for k, e in self._entries.items() if e[0] <= now]:
            del self._entries[key]
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


__all__ = ["AnswerCache"]
