"""``vcompanion serve`` records the history when nothing else does.

With a service account the server reads every vCenter on its refresh timer
anyway; after each refresh it records that inventory in the history when
``jobs.history.recording_due`` says so: no recording of these vCenters in
the last ``history.interval_minutes`` (plus a grace of two minutes).  A
``vcompanion scheduler`` recording on the same interval therefore always
goes first, and the server stays a reader; without one, the server is the
recorder (docs/history.md, "Who records").

Never in the demo (its history is made once, synthetic) nor with personal
logins: a user's own account may not see every object, and the history
must not read "removed" for what a login cannot see.

The recording runs in the refresh thread, right after the new tables are
published (pages never wait for it) and before the next refresh reads the
vCenters again: the inventory recorded is the one the pages show.  A
history that cannot be written (locked, full, unreachable) is logged and
retried at the next refresh; the dashboards carry on.
"""

from __future__ import annotations

import logging
import threading

from ..errors import VCompanionError
from ..jobs.history import record_if_due

log = logging.getLogger("vcompanion.ui.history")


class ServeRecorder:
    """Records the shared ``DashboardData``'s inventory after its refreshes."""

    def __init__(self, data):
        self.data = data
        self.results = []  # RecordResults, newest last (the last few)
        self.error = ""  # why the last attempt failed
        self._lock = threading.Lock()

    def attach(self) -> ServeRecorder:
        """Record after every refresh from now on (a watcher on ``version``)."""
        self.data.param.watch(self._refreshed, "version")
        return self

    def _refreshed(self, event) -> None:
        if event.new <= 0 or not self._lock.acquire(blocking=False):
            return
        try:
            result = record_if_due(self.data.companion)
        except VCompanionError as exc:
            self.error = str(exc)
            log.warning("history: not recorded after the refresh: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the dashboards must carry on
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("history: recording after the refresh failed")
        else:
            self.error = ""
            if result is not None:
                self.results = [*self.results[-9:], result]
                for outcome in result.incomplete:
                    log.warning("history: vCenter '%s' not recorded: %s",
                                outcome.vcenter, outcome.message)
                log.info("history: recording %d after the dashboards' refresh: %d "
                         "change(s) in %.2f s", result.recording, result.changes,
                         result.seconds)
        finally:
            self._lock.release()


def attach(runtime) -> ServeRecorder | None:
    """A ServeRecorder on ``runtime``'s shared data, when the server may record
    (service account, history on); None otherwise."""
    data = runtime.shared
    if runtime.mode != "service" or data is None:
        return None
    if not runtime.config.get("history.enabled"):
        log.info("history: history.enabled is false: the dashboards do not record")
        return None
    if not runtime.config.get("history.interval_minutes"):
        log.info("history: interval_minutes is 0: the dashboards do not record")
        return None
    return ServeRecorder(data).attach()


__all__ = ["ServeRecorder", "attach"]
