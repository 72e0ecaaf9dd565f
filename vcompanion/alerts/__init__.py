"""Alerts: tell people, once, when something breaks in any vCenter.

``engine.run(config)`` evaluates the health problems and the recent critical
events, decides what is new, escalated or resolved since the last run
(``store.AlertStore``, an SQLite file in data_dir) and hands each change to
every notifier (``notify_email``, ``notify_webhook``).  A notifier that fails
keeps its changes pending; the next run sends them.  See docs/alerts.md.

A notifier that cannot deliver raises ``errors.NotifyError`` (re-exported
here); another run holding the store raises ``errors.StoreBusyError``.
"""

from __future__ import annotations

from ..errors import NotifyError

__all__ = ["NotifyError"]
