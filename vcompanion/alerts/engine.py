"""One alert run: evaluate, decide what changed, deliver.

``run(config)``:

1. reads every vCenter (a ``Companion``), evaluates the health problems
   (``problems.py``) and reads the critical events since the previous run;
2. compares them with the stored state (``store.AlertStore``): a problem is
   *new* (not active before), *escalated* (worse than what was notified), or
   *resolved* (gone, in a vCenter that was read this time); a critical event is
   sent once, keyed by its vCenter and event key (an alarm that turned red and
   is still red was sent as a problem, so its event is not sent again);
3. queues each change for every notifier, in the same transaction;
4. delivers each notifier's queue.  A notifier that fails keeps its queue (the
   next run retries it); the others deliver regardless.

Only problems at or above ``alerts.min_severity`` are sent.  A problem whose
severity drops is not announced, and one that climbs back to a severity
already sent is not announced twice.

With a history, objects of the kinds in ``alerts.removals`` (VMs, hosts,
datastores) that the change log shows removed since the previous run are
sent as warnings: the log is read after the id of the last change seen
(kept with the alert state, in the same transaction as the queue), so each
removal is sent once and none is lost while a notifier is down.
"""

from __future__ import annotations

import logging
import re
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from ..clock import iso, parse_iso, utc_now
from ..errors import NotifyError, VCompanionError
from ..frames import records
from ..problems import CRITICAL, SEVERITY_RANK, WARNING, is_critical_event
from .store import AlertStore

log = logging.getLogger(__name__)

_ENTITY_TYPES = {"vm": "VirtualMachine", "host": "HostSystem", "datastore": "Datastore",
                 "network": "Network", "dvs": "DistributedVirtualSwitch",
                 "cluster": "ClusterComputeResource", "datacenter": "Datacenter"}
_KIND_TYPES = {"vm": "VirtualMachine", "host": "HostSystem", "datastore": "Datastore",
               "cluster": "ClusterComputeResource", "network": "Network"}
_KIND_LABELS = {"vm": "Virtual machine", "host": "Host", "datastore": "Datastore",
                "cluster": "Cluster", "network": "Network"}
_ALARM_NAME = re.compile(r"Alarm '(.+?)'")
EVENT_OVERLAP_HOURS = 0.25  # re-read a little before the previous run (clock skew)


@dataclass
class Delivery:
    """What one notifier did in one run."""

    notifier: str           # "email" or "webhook:NAME"
    description: str        # e.g. "e-mail via smtp.corp:587"
    recipients: str
    sent: int = 0
    pending: int = 0        # still queued after this run (failed)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunResult:
    """The outcome of ``run``."""

    items: list[dict] = field(default_factory=list)        # changes found this run
    deliveries: list[Delivery] = field(default_factory=list)
    failures: dict = field(default_factory=dict)           # vCenter -> error
    dry_run: bool = False

    @property
    def failed_notifiers(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.ok]


# --- notifiers -----------------------------------------------------------------------

def notifiers(config) -> list:
    """The configured notifiers: e-mail (when set up), then each webhook."""
    from .notify_email import EmailNotifier, configured
    from .notify_webhook import WebhookNotifier
    result: list = []
    if configured(config):
        result.append(EmailNotifier(config))
    result.extend(WebhookNotifier(w) for w in config.get("alerts.webhooks"))
    return result


def event_hours(store: AlertStore, settings: dict, vcenters: list[str],
                now: datetime) -> float:
    """How far back to read events: since the oldest previous read, capped."""
    cap = float(settings["event_hours"])
    needed = 0.0
    for name in vcenters:
        last = parse_iso(store.get_meta(f"events_read_at:{name}"))
        if last is None:
            return cap
        needed = max(needed, (now - last).total_seconds() / 3600 + EVENT_OVERLAP_HOURS)
    return min(cap, needed)


# --- deciding ----------------------------------------------------------------------

def _item(row: dict, change: str, now: datetime, **extra) -> dict:
    item = {"key": row["key"], "change": change, "severity": row["severity"],
            "previous_severity": None, "vcenter": row["vcenter"],
            "category": row.get("category"), "object": row.get("object"),
            "object_type": row.get("object_type"), "message": row.get("message"),
            "since": row.get("since"), "detected": iso(now), "rule": row.get("rule"),
            "event_type": None, "user": None}
    item.update(extra)
    return item


def plan(store: AlertStore, problems: pd.DataFrame, events: pd.DataFrame,
         resolvable: set[str], settings: dict, now: datetime | None = None,
         removals: pd.DataFrame | None = None) -> list[dict]:
    """Update the stored state; return the changes to announce (not yet queued).

    ``resolvable``: vCenters read successfully this run; only their problems
    can resolve (a vCenter that could not be read resolves nothing).
    ``removals``: "removed" rows of the history's change log to announce.
    Call inside ``store.transaction()``.
    """
    now = now or utc_now()
    limit = SEVERITY_RANK[settings["min_severity"]]
    known = store.alerts()
    items: list[dict] = []
    seen: set[str] = set()
    for p in records(problems):
        key, severity = p["key"], p["severity"]
        seen.add(key)
        old = known.get(key)
        row = {"key": key, "kind": "problem", "vcenter": p["vcenter"],
               "severity": severity, "category": p["category"], "object": p["object"],
               "object_type": p["object_type"], "message": p["message"],
               "rule": p["rule"], "since": _iso(p["since"]), "state": "active",
               "last_seen": iso(now)}
        if old is None or old["state"] != "active":
            row.update(first_seen=iso(now), notified_severity=None, resolved_at=None)
        else:
            row.update(first_seen=old["first_seen"],
                       notified_severity=old["notified_severity"], resolved_at=None)
        change, extra = None, {}
        if SEVERITY_RANK[severity] <= limit:
            notified = row["notified_severity"]
            if notified is None:
                change = "new"
            elif SEVERITY_RANK[severity] < SEVERITY_RANK[notified]:
                change, extra = "escalated", {"previous_severity": notified}
        if change:
            row["notified_severity"] = severity
            items.append(_item(row, change, now, **extra))
        store.put_alert(row)

    for key, old in known.items():
        if old["kind"] != "problem" or old["state"] != "active" or key in seen \
                or old["vcenter"] not in resolvable:
            continue
        old.update(state="resolved", resolved_at=iso(now))
        store.put_alert(old)
        if settings["send_resolved"] and old["notified_severity"]:
            items.append(_item(old, "resolved", now))

    patterns = list(settings["critical_events"])
    red_alarms = _red_alarms_sent(store)
    for e in records(events):
        if not is_critical_event(e, patterns):
            continue
        ident = e["key"] if e["key"] is not None else f"{e['time']}|{e['type']}|{e['entity']}"
        key = f"event|{e['vcenter']}|{ident}"
        if key in known or key in seen:
            continue
        seen.add(key)
        row = {"key": key, "kind": "event", "vcenter": e["vcenter"], "severity": CRITICAL,
               "category": "event", "object": e["entity"] or e["datacenter"] or "",
               "object_type": _ENTITY_TYPES.get(e["entity_type"], e["entity_type"]),
               "message": e["message"] or e["type"], "rule": "critical_events",
               "since": _iso(e["time"]), "state": "event", "notified_severity": CRITICAL,
               "first_seen": iso(now), "last_seen": iso(now), "resolved_at": None}
        store.put_alert(row)
        # An alarm that turned red and is still red was sent as a problem already.
        alarm = _ALARM_NAME.match(e["message"] or "")
        if e["type"] == "AlarmStatusChangedEvent" and alarm and \
                (e["vcenter"], row["object"], alarm.group(1)) in red_alarms:
            continue
        items.append(_item(row, "event", now, event_type=e["type"], user=e["user"]))
    items.extend(_removals(store, removals, known, seen, limit, now))
    store.forget_events(now - timedelta(hours=float(settings["event_hours"]) + 24 * 7))
    return items


def _removals(store: AlertStore, removals: pd.DataFrame | None, known: dict, seen: set,
              limit: int, now: datetime) -> list[dict]:
    """Items for objects the change log shows removed (each change once)."""
    items = []
    for c in records(removals) if removals is not None else ():
        key = f"removed|{c['vcenter']}|{c['kind']}|{c['moid']}|{c['id']}"
        if key in known or key in seen:
            continue
        seen.add(key)
        who = f" by {c['user']}" if c["user"] else ""
        when = c["event_time"] if c["event_time"] is not None else c["time"]
        row = {"key": key, "kind": "event", "vcenter": c["vcenter"], "severity": WARNING,
               "category": c["kind"], "object": c["name"] or c["moid"],
               "object_type": _KIND_TYPES.get(c["kind"], c["kind"]),
               "message": f"{_KIND_LABELS.get(c['kind'], c['kind'])} '{c['name']}' was "
                          f"removed{who} (history: {c['vcenter']}, {c['moid']})",
               "rule": "removals", "since": _iso(when), "state": "event",
               "notified_severity": WARNING, "first_seen": iso(now), "last_seen": iso(now),
               "resolved_at": None}
        store.put_alert(row)
        if SEVERITY_RANK[WARNING] <= limit:
            items.append(_item(row, "removed", now, event_type=c["event"], user=c["user"]))
    return items


def removed_since(store: AlertStore, settings: dict, companion
                  ) -> tuple[pd.DataFrame | None, int | None]:
    """(removals of the kinds in ``alerts.removals`` since the previous run, the id
    of the newest change read); (None, None) without a history."""
    kinds = list(settings.get("removals") or ())
    config = getattr(companion, "config", None)
    if not kinds or config is None or not config.get("history.enabled"):
        return None, None
    last = store.get_meta("changes_read_id")
    try:
        if last is None:  # the first run looks back as far as for events
            log_ = companion.history.changes(since=f"{float(settings['event_hours'])}h",
                                             until=None)
        else:
            log_ = companion.history.changes(since=None, until=None, after_id=int(last))
    except VCompanionError as exc:
        log.warning("alerts: the history's change log could not be read: %s", exc)
        return None, None
    newest = int(log_["id"].max()) if len(log_) else (int(last) if last else None)
    wanted = log_[(log_["change"] == "removed") & log_["kind"].isin(kinds)]
    return wanted, newest


def _red_alarms_sent(store: AlertStore) -> set[tuple[str, str, str]]:
    """(vCenter, entity, alarm name) of active red alarms already notified."""
    result = set()
    for row in store.alerts("active").values():
        if row["rule"] == "triggered_alarms" and row["notified_severity"] == CRITICAL:
            alarm = _ALARM_NAME.match(row["message"] or "")
            if alarm:
                result.add((row["vcenter"], row["object"], alarm.group(1)))
    return result


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    return iso(pd.Timestamp(value).to_pydatetime())


# --- delivering -----------------------------------------------------------------------

def deliver(store: AlertStore, active: list) -> list[Delivery]:
    """Send every notifier's queue; failures stay queued for the next run."""
    by_id = {n.id: n for n in active}
    for name in store.pending_notifiers():
        if name not in by_id:
            rows = store.pending(name)
            log.warning("alerts: %d queued notice(s) for '%s' dropped: that notifier "
                        "is no longer configured", len(rows), name)
            store.dropped(rows, "notifier no longer configured")
    results = []
    for notifier in active:
        rows = store.pending(notifier.id)
        result = Delivery(notifier.id, str(notifier), notifier.recipients)
        results.append(result)
        for start in range(0, len(rows), notifier.batch):
            chunk = rows[start:start + notifier.batch]
            try:
                notifier.send([r["item"] for r in chunk])
            except Exception as exc:
                if isinstance(exc, NotifyError):
                    result.error = str(exc)
                    log.warning("alerts: %s failed: %s", notifier, exc)
                else:
                    result.error = f"{type(exc).__name__}: {exc}"
                    log.exception("alerts: %s failed unexpectedly", notifier)
                rest = rows[start:]
                store.failed(rest, notifier.recipients, result.error)
                result.pending = len(rest)
                log.warning("alerts: %d notice(s) for %s stay queued; the next run "
                            "retries them", len(rest), notifier)
                break
            store.delivered(chunk, notifier.recipients)
            result.sent += len(chunk)
    return results


# --- the run ----------------------------------------------------------------------

def run(config, companion, dry_run: bool = False) -> RunResult:
    """Evaluate problems and critical events, queue the changes, deliver.

    ``companion``: an open Companion to read from (it is refreshed; the
    scheduler's job opens one per run).  ``dry_run``: decide what would be
    sent, change nothing, send nothing.
    """
    settings = config.get("alerts")
    result = RunResult(dry_run=dry_run)
    with AlertStore.open(config) as store:
        started = utc_now()
        companion.refresh()
        problems = companion.problems()
        status = companion.status()
        resolvable = set(status.loc[status["status"] == "ok", "vcenter"])
        failures = dict(companion.failures)
        hours = event_hours(store, settings, companion.vcenter_names, started)
        events = (companion.events(hours=hours) if hours > 0
                  else _empty_events())
        # vCenter filters by time already; do it again for servers that do not.
        events = events[events["time"] >= started - timedelta(hours=hours)]
        events_ok = [n for n in companion.vcenter_names
                     if n not in companion.failures]
        result.failures = {**companion.failures, **failures}
        active = notifiers(config)
        with store.lease():
            removals, newest = removed_since(store, settings, companion)
            with store.transaction(rollback=dry_run):
                result.items = plan(store, problems, events, resolvable, settings,
                                    started, removals)
                if newest is not None:
                    store.set_meta("changes_read_id", str(newest))
                for item in result.items:
                    for notifier in active:
                        store.queue(notifier.id, item)
                for name in events_ok:
                    store.set_meta(f"events_read_at:{name}", iso(started))
            if dry_run:
                return result
            if not active and result.items:
                log.warning("alerts: %d change(s) found but no notifier is set up "
                            "(alerts.email / alerts.webhooks)", len(result.items))
            result.deliveries = deliver(store, active)
            store.prune_history()
    log.info("alerts: %d change(s) (%s); %s", len(result.items),
             ", ".join(f"{i['change']} {i['key']}" for i in result.items[:20]) or "none",
             "; ".join(f"{d.notifier}: {d.sent} sent"
                       + (f", {d.pending} pending ({d.error})" if d.error else "")
                       for d in result.deliveries) or "no notifiers")
    return result


def _empty_events() -> pd.DataFrame:
    from ..tables import events
    return events.TABLE.frame([])


def send_test(config, only: str | None = None) -> list[Delivery]:
    """Send a test notice through every notifier (or the one named ``only``)."""
    active = notifiers(config)
    if only:
        active = [n for n in active
                  if only in (n.id, getattr(n, "name", None), "email" if n.id == "email"
                              else None)]
    host = socket.gethostname()
    results = []
    with AlertStore.open(config) as store:
        for notifier in active:
            item = {"key": f"test|{uuid.uuid4().hex[:12]}", "change": "test",
                    "severity": "info", "previous_severity": None, "vcenter": "",
                    "category": "test", "object": host, "object_type": "vCompanion",
                    "message": f"Test notice from vCompanion on {host}: alerts reach "
                               f"you through {notifier}.",
                    "since": None, "detected": iso(utc_now()), "rule": None,
                    "event_type": None, "user": None}
            result = Delivery(notifier.id, str(notifier), notifier.recipients)
            try:
                notifier.send([item])
                result.sent = 1
                store.record(notifier.id, notifier.recipients, item, "sent")
            except Exception as exc:  # noqa: BLE001 - report every notifier
                result.error = str(exc) if isinstance(exc, NotifyError) else \
                    f"{type(exc).__name__}: {exc}"
                store.record(notifier.id, notifier.recipients, item, "failed",
                             result.error)
            results.append(result)
    return results
