"""Alerts: tell people, once, when something breaks in any vCenter.

``engine.run(config)`` evaluates the health problems and the recent critical
events, decides what is new, escalated or resolved since the last run
(``store.AlertStore``, an SQLite file in data_dir) and hands each change to
every notifier (``notify_email``, ``notify_webhook``).  A notifier that fails
keeps its changes pending; the next run sends them.  See docs/alerts.md.

Exceptions (besides the library's)::

    VCompanionError
    └── NotifyError     a notifier could not deliver (names host:port / webhook)
"""

from __future__ import annotations

from ..errors import VCompanionError


class NotifyError(VCompanionError):
    """A notifier (SMTP server, webhook) could not deliver; the message names it."""

    exit_code = 4


__all__ = ["NotifyError"]
