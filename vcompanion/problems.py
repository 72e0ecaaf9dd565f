"""Health problems: what is wrong right now, in every vCenter.

Each rule is one small function that takes the ``Facts`` (the inventory
tables and each vCenter's status) and yields ``Problem`` rows.  ``RULES``
lists them all, in one place: adding a check is one function, one line in
``RULES`` and one test.  Thresholds come from the ``problems`` section of the
config; defaults follow vCheck, the health report administrators know.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterator

import pandas as pd

from .errors import ConfigError, VCompanionError
from .tables.schema import STRING, TIME, Column, Table

log = logging.getLogger(__name__)

CRITICAL, WARNING, INFO = "critical", "warning", "info"
SEVERITIES = (CRITICAL, WARNING, INFO)  # worst first
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_TO_RED = re.compile(r"\bto red\b", re.IGNORECASE)

TABLE = Table("problems", "problem", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("severity", STRING, "critical, warning or info."),
    Column("category", STRING, "alarm, host, datastore, snapshot, vm, tools or vcenter."),
    Column("object", STRING, "Name of the object with the problem."),
    Column("object_type", STRING, "vSphere type of that object (VirtualMachine, "
           "HostSystem, Datastore, ...), or vCenter."),
    Column("message", STRING, "What is wrong, with the numbers."),
    Column("since", TIME, "When it started, where known."),
    Column("rule", STRING, "Name of the rule that found it."),
    Column("key", STRING, "Stable identity of the problem (for alerting)."),
), sort=(), brief=("vcenter", "severity", "category", "object", "message", "since"))


def is_critical_event(event: dict, patterns: list[str]) -> bool:
    """True if the event's type matches one of ``patterns`` (case-insensitive):
    the critical events of alerts and the events workbook
    (``alerts.critical_events``).

    ``AlarmStatusChangedEvent`` counts only when the alarm turned red.
    """
    kind = (event.get("type") or "").lower()
    if not any(fnmatch.fnmatchcase(kind, str(p).lower()) for p in patterns):
        return False
    if kind == "alarmstatuschangedevent":
        return bool(_TO_RED.search(event.get("message") or ""))
    return True


@dataclass(frozen=True)
class Problem:
    vcenter: str
    severity: str
    category: str
    object: str
    object_type: str
    message: str
    since: datetime | None = None
    rule: str = ""
    id: str = ""  # what makes it distinct within (rule, vcenter, object)

    def row(self) -> dict[str, Any]:
        return {"vcenter": self.vcenter, "severity": self.severity,
                "category": self.category, "object": self.object,
                "object_type": self.object_type, "message": self.message,
                "since": self.since, "rule": self.rule,
                "key": "|".join((self.rule, self.vcenter, self.object_type,
                                 self.object, self.id))}


@dataclass
class Facts:
    """What the rules look at: tables over all vCenters, status, thresholds."""

    vms: pd.DataFrame
    hosts: pd.DataFrame
    datastores: pd.DataFrame
    snapshots: pd.DataFrame
    alarms: pd.DataFrame
    cdroms: pd.DataFrame
    status: pd.DataFrame
    settings: dict  # the config's "problems" section
    forecasts: pd.DataFrame | None = None  # the history's, when there is one

    @classmethod
    def from_companion(cls, vc) -> Facts:
        return cls(vms=vc.vms(), hosts=vc.hosts(), datastores=vc.datastores(),
                   snapshots=vc.snapshots(), alarms=vc.alarms(), cdroms=vc.cdroms(),
                   status=vc.status(), settings=vc.config.get("problems"),
                   forecasts=_forecasts(vc))


def _forecasts(vc) -> pd.DataFrame | None:
    """The history's forecasts; None without a history (the rules then skip them)."""
    if not vc.config.get("history.enabled"):
        return None
    try:
        return vc.forecasts()
    except VCompanionError as exc:
        log.warning("problems: no forecasts from the history: %s", exc)
        return None


def _rows(frame: pd.DataFrame) -> Iterator[dict]:
    if frame.empty:
        return iter(())
    return iter(frame.astype(object).where(frame.notna(), None).to_dict("records"))


def _when(value) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


# --- the rules ------------------------------------------------------------------------

def triggered_alarms(f: Facts):
    """Triggered alarms: red is critical, yellow a warning."""
    for a in _rows(f.alarms):
        if a["status"] not in ("red", "yellow"):
            continue
        ack = " (acknowledged)" if a["acknowledged"] else ""
        yield Problem(a["vcenter"], CRITICAL if a["status"] == "red" else WARNING,
                      "alarm", a["entity"], a["entity_type"] or "",
                      f"Alarm '{a['alarm']}' is {a['status']}{ack}", _when(a["time"]),
                      id=a["alarm"] or "")


def host_not_connected(f: Facts):
    """A host that is disconnected or not responding: critical."""
    for h in _rows(f.hosts):
        if h["connection_state"] in ("disconnected", "notResponding"):
            yield Problem(h["vcenter"], CRITICAL, "host", h["name"], "HostSystem",
                          f"Host is {h['connection_state']}"
                          + (f" (cluster {h['cluster']})" if h["cluster"] else ""))


def host_in_maintenance(f: Facts):
    """A host in maintenance mode: for information."""
    for h in _rows(f.hosts):
        if h["in_maintenance"]:
            yield Problem(h["vcenter"], INFO, "host", h["name"], "HostSystem",
                          "Host is in maintenance mode")


def host_config_issues(f: Facts):
    """Configuration issues vCenter reports on a host: a warning each."""
    for h in _rows(f.hosts):
        for message in h["config_issue_messages"] or ():
            yield Problem(h["vcenter"], WARNING, "host", h["name"], "HostSystem",
                          f"Configuration issue: {message}", id=message)


def datastore_free_space(f: Facts):
    """Datastore free space below the warning / at or below the critical threshold."""
    warn = f.settings["datastore_free_warning_pct"]
    crit = f.settings["datastore_free_critical_pct"]
    for d in _rows(f.datastores):
        pct = d["free_pct"]
        if pct is None or not d["accessible"]:
            continue
        if pct <= crit or pct < warn:
            free_gib = (d["free_bytes"] or 0) / 1024 ** 3
            cap_gib = (d["capacity_bytes"] or 0) / 1024 ** 3
            yield Problem(d["vcenter"], CRITICAL if pct <= crit else WARNING,
                          "datastore", d["name"], "Datastore",
                          f"Only {pct:.1f} % free ({free_gib:,.0f} GiB of "
                          f"{cap_gib:,.0f} GiB)")


def datastore_filling_up(f: Facts):
    """A datastore the history forecasts full within the warning (critical) days."""
    # days_low (the earliest) counts; without a history there is nothing to say.
    if f.forecasts is None:
        return
    warn = f.settings.get("datastore_full_warning_days", 30)
    crit = f.settings.get("datastore_full_critical_days", 7)
    for d in _rows(f.forecasts):
        if d["kind"] != "datastore" or d["status"] not in ("growing", "full") \
                or d["days_low"] is None or d["days_low"] > warn:
            continue
        if d["status"] == "full":
            text = "Full: less than 1 % left"
        else:
            upper = f"{d['days_high']:.0f}" if d["days_high"] is not None else "?"
            growth = (d["growth_per_day"] or 0) / 1024 ** 3
            text = (f"Forecast full in {d['days_low']:.0f} to {upper} days (growing "
                    f"{growth:,.0f} GiB a day over {d['days_of_data']} days)")
        yield Problem(d["vcenter"], CRITICAL if d["days_low"] <= crit else WARNING,
                      "datastore", d["name"], "Datastore", text)


def datastore_inaccessible(f: Facts):
    """A datastore vCenter cannot reach: critical."""
    for d in _rows(f.datastores):
        if d["accessible"] is False:
            yield Problem(d["vcenter"], CRITICAL, "datastore", d["name"], "Datastore",
                          "Datastore is not accessible")


def old_snapshots(f: Facts):
    """Snapshots older than the threshold: a warning, on the VM, naming the snapshot."""
    days = f.settings["snapshot_age_days"]
    for s in _rows(f.snapshots):
        if s["age_days"] is not None and s["age_days"] > days:
            yield Problem(s["vcenter"], WARNING, "snapshot", s["vm"], "VirtualMachine",
                          f"Snapshot '{s['name']}' is {s['age_days']:.0f} days old "
                          f"(limit {days:g})", _when(s["created"]),
                          id=s["moid"] or s["name"])


def consolidation_needed(f: Facts):
    """A VM whose disks need consolidation: warning."""
    for v in _rows(f.vms):
        if v["consolidation_needed"]:
            yield Problem(v["vcenter"], WARNING, "vm", v["name"], "VirtualMachine",
                          "Virtual machine disks need consolidation")


def tools_not_running(f: Facts):
    """VMware Tools not running on a powered-on VM: warning."""
    for v in _rows(f.vms):
        if v["power_state"] == "poweredOn" and not v["is_template"] and \
                v["tools_running_status"] == "guestToolsNotRunning":
            state = ("not installed" if v["tools_status"] == "toolsNotInstalled"
                     else "not running")
            yield Problem(v["vcenter"], WARNING, "tools", v["name"], "VirtualMachine",
                          f"VMware Tools {state} on a powered-on VM")


def tools_out_of_date(f: Facts):
    """VMware Tools out of date: for information."""
    for v in _rows(f.vms):
        if v["tools_version_status"] == "guestToolsNeedUpgrade" or \
                v["tools_status"] == "toolsOld":
            yield Problem(v["vcenter"], INFO, "tools", v["name"], "VirtualMachine",
                          "VMware Tools are out of date")


def cdrom_connected(f: Facts):
    """A connected CD/DVD drive (blocks vMotion/DRS): for information."""
    seen = set()
    for c in _rows(f.cdroms):
        key = (c["vcenter"], c["vm_moid"])
        if c["connected"] and c["power_state"] == "poweredOn" and key not in seen:
            seen.add(key)
            yield Problem(c["vcenter"], INFO, "vm", c["vm"], "VirtualMachine",
                          "CD/DVD drive is connected")


def vcenter_unreadable(f: Facts):
    """A vCenter that cannot be read: critical."""
    for s in _rows(f.status):
        if s["status"] not in ("ok", "not connected"):
            yield Problem(s["vcenter"], CRITICAL, "vcenter", s["vcenter"], "vCenter",
                          s["message"] or s["status"])


Rule = Callable[[Facts], Iterator[Problem]]
RULES: dict[str, Rule] = {rule.__name__: rule for rule in (
    triggered_alarms, host_not_connected, host_in_maintenance, host_config_issues,
    datastore_free_space, datastore_filling_up, datastore_inaccessible, old_snapshots,
    consolidation_needed, tools_not_running, tools_out_of_date, cdrom_connected,
    vcenter_unreadable,
)}


def evaluate(facts: Facts, rules: dict[str, Rule] | None = None) -> pd.DataFrame:
    """Every problem the rules find, worst first, then by vCenter and object."""
    rules = RULES if rules is None else rules
    disabled = set(facts.settings.get("disabled_rules") or ())
    unknown = disabled - set(RULES)
    if unknown:
        raise ConfigError(f"unknown rule(s) in 'problems.disabled_rules': "
                          f"{', '.join(sorted(unknown))} (rules: {', '.join(RULES)})")
    rows = []
    for name, rule in rules.items():
        if name in disabled:
            continue
        for problem in rule(facts):
            rows.append(Problem(**{**problem.__dict__, "rule": name}).row())
    rows.sort(key=lambda r: (SEVERITY_RANK[r["severity"]], r["vcenter"].lower(),
                             r["category"], (r["object"] or "").lower(), r["message"]))
    return TABLE.frame(rows)
