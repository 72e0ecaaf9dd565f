"""What the alerting has done, read from its database in data_dir, and the
newest rows of the audit trail (for /alerts)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...alerts.store import FILE_NAME, HISTORY_COLUMNS, AlertStore
from ...audit import trail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertHistory:
    """What the alerting (``vcompanion alerts run`` / the scheduler) has done."""

    active: pd.DataFrame    # alerts now active
    history: pd.DataFrame   # deliveries, newest first
    path: str


def alert_history(config, vcenters: list[str], limit: int = 1000) -> AlertHistory | None:
    """The alerts of ``vcenters``, without creating the database.

    Empty when there is no database yet; None when it cannot be read.
    """
    path = Path(config.data_dir) / FILE_NAME
    if not path.is_file():
        return AlertHistory(pd.DataFrame(), pd.DataFrame(columns=HISTORY_COLUMNS), "")
    try:
        with AlertStore(path) as db:
            history = pd.DataFrame(db.history(limit=limit), columns=HISTORY_COLUMNS)
            active = pd.DataFrame(list(db.alerts(state="active").values()))
    except Exception as exc:  # noqa: BLE001 - a locked or broken file must not break pages
        log.warning("alerts database %s not readable: %s", path, exc)
        return None
    wanted = set(vcenters)
    if len(history):
        history = history[history["vcenter"].isin(wanted) | history["vcenter"].isna()]
        history["time"] = pd.to_datetime(history["time"], utc=True, errors="coerce")
    if len(active):
        active = active[active["vcenter"].isin(wanted)]
    return AlertHistory(active.reset_index(drop=True), history.reset_index(drop=True),
                        str(path))


AUDIT_ROWS = 200  # the newest rows /alerts shows


def audit_rows(config, limit: int = AUDIT_ROWS) -> pd.DataFrame | None:
    """The newest rows of the audit trail (audit.COLUMNS); None when it cannot be
    read (empty when the history is off: nothing is kept)."""
    try:
        return trail(config, "vcompanion serve").rows(limit=limit)
    except Exception as exc:  # noqa: BLE001 - a database fault must not break pages
        log.warning("audit trail not readable: %s", exc)
        return None
