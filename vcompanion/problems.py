"""Health problems: what is wrong right now, in every vCenter.

Each rule is one small function that takes the ``Facts`` (the inventory
tables, each vCenter's status and performance figures) and yields ``Problem``
rows.  ``RULES`` lists them all, in one place: adding a check is one
function, one line in ``RULES`` and one test.  Thresholds come from the
``problems`` section of the config; defaults follow vCheck, the health report
administrators know, and VMware's guidance for CPU ready, memory reclamation
and latency.  The performance rules read ``vc.performance()`` over a short
window (kept by the Companion for ``metrics.cache_seconds``) and, for idle
VMs, vCenter's daily samples: when statistics cannot be read they find
nothing, and the other rules are not affected.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator

import pandas as pd

from .errors import ConfigError, VCompanionError
from .frames import records
from .tables.schema import STRING, TIME, Column, Table

log = logging.getLogger(__name__)

CRITICAL, WARNING, INFO = "critical", "warning", "info"
SEVERITIES = (CRITICAL, WARNING, INFO)  # worst first
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_TO_RED = re.compile(r"\bto red\b", re.IGNORECASE)

TABLE = Table("problems", "problem", (
    Column("vcenter", STRING, "Configured name of the vCenter.", rvtools="VI SDK Server"),
    Column("severity", STRING, "critical, warning or info."),
    Column("category", STRING, "alarm, host, datastore, snapshot, vm, tools, performance "
           "or vcenter."),
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
    # Performance figures (vc.performance over the window): vms, hosts,
    # datastores; and "idle": the VMs' daily CPU samples (vc.metrics).  A kind
    # that could not be read is absent: its rules find nothing.
    performance: dict[str, pd.DataFrame] = field(default_factory=dict)
    forecasts: pd.DataFrame | None = None  # the history's, when there is one

    @classmethod
    def from_companion(cls, vc) -> Facts:
        settings = vc.config.get("problems")
        facts = cls(vms=vc.vms(), hosts=vc.hosts(), datastores=vc.datastores(),
                    snapshots=vc.snapshots(), alarms=vc.alarms(), cdroms=vc.cdroms(),
                    status=vc.status(), settings=settings)
        facts.performance = performance_facts(vc, settings)
        facts.forecasts = _forecasts(vc)
        return facts


def _forecasts(vc) -> pd.DataFrame | None:
    """The history's forecasts; None without a history (the rules then skip them)."""
    if not vc.config.get("history.enabled"):
        return None
    try:
        return vc.forecasts()
    except VCompanionError as exc:
        log.warning("problems: no forecasts from the history: %s", exc)
        return None


# kind of performance figures -> the rules that read them
_PERFORMANCE_RULES = {"vms": ("vm_cpu_ready", "ballooning", "vm_swapping", "vm_disk_latency"),
                      "hosts": ("ballooning", "host_usage_high"),
                      "datastores": ("datastore_latency",), "idle": ("idle_vm",)}


def performance_facts(vc, settings: dict) -> dict[str, pd.DataFrame]:
    """The performance figures the enabled rules need, read quietly.

    Cheap on repeat: the Companion keeps answers for ``metrics.cache_seconds``
    (the daily samples of the idle rule for up to an hour).  A vCenter whose
    statistics fail is left out without being marked failed, and a read that
    fails altogether only costs its rules: problems never fail for statistics.
    """
    disabled = set(settings.get("disabled_rules") or ())
    window = f"{settings['performance_minutes']:g}m"
    reads = {
        "vms": lambda: vc.performance("vms", since=window, quiet=True),
        "hosts": lambda: vc.performance("hosts", since=window, quiet=True),
        "datastores": lambda: vc.performance("datastores", since=window, quiet=True),
        "idle": lambda: vc.metrics("vms", counters=["cpu.usage.average"],
                                   since=f"{settings['idle_days']:g}d", interval=86400,
                                   quiet=True),
    }
    out = {}
    for kind, read in reads.items():
        if set(_PERFORMANCE_RULES[kind]) <= disabled:
            continue
        try:
            out[kind] = read()
        except Exception as exc:  # noqa: BLE001 - statistics must not break problems
            log.warning("performance figures for the health rules (%s) unavailable: %s",
                        kind, exc)
    return out


def _when(value) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


# --- the rules ------------------------------------------------------------------------

def triggered_alarms(f: Facts):
    """Triggered alarms: red is critical, yellow a warning."""
    for a in records(f.alarms, json_ready=False):
        if a["status"] not in ("red", "yellow"):
            continue
        ack = " (acknowledged)" if a["acknowledged"] else ""
        yield Problem(a["vcenter"], CRITICAL if a["status"] == "red" else WARNING,
                      "alarm", a["entity"], a["entity_type"] or "",
                      f"Alarm '{a['alarm']}' is {a['status']}{ack}", _when(a["time"]),
                      id=a["alarm"] or "")


def host_not_connected(f: Facts):
    """A host that is disconnected or not responding: critical."""
    for h in records(f.hosts, json_ready=False):
        if h["connection_state"] in ("disconnected", "notResponding"):
            yield Problem(h["vcenter"], CRITICAL, "host", h["name"], "HostSystem",
                          f"Host is {h['connection_state']}"
                          + (f" (cluster {h['cluster']})" if h["cluster"] else ""))


def host_in_maintenance(f: Facts):
    """A host in maintenance mode: for information."""
    for h in records(f.hosts, json_ready=False):
        if h["in_maintenance"]:
            yield Problem(h["vcenter"], INFO, "host", h["name"], "HostSystem",
                          "Host is in maintenance mode")


def host_config_issues(f: Facts):
    """Configuration issues vCenter reports on a host: a warning each."""
    for h in records(f.hosts, json_ready=False):
        for message in h["config_issue_messages"] or ():
            yield Problem(h["vcenter"], WARNING, "host", h["name"], "HostSystem",
                          f"Configuration issue: {message}", id=message)


def datastore_free_space(f: Facts):
    """Datastore free space below the warning / at or below the critical threshold."""
    warn = f.settings["datastore_free_warning_pct"]
    crit = f.settings["datastore_free_critical_pct"]
    for d in records(f.datastores, json_ready=False):
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
    for d in records(f.forecasts, json_ready=False):
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
    for d in records(f.datastores, json_ready=False):
        if d["accessible"] is False:
            yield Problem(d["vcenter"], CRITICAL, "datastore", d["name"], "Datastore",
                          "Datastore is not accessible")


def old_snapshots(f: Facts):
    """Snapshots older than the threshold: a warning, on the VM, naming the snapshot."""
    days = f.settings["snapshot_age_days"]
    for s in records(f.snapshots, json_ready=False):
        if s["age_days"] is not None and s["age_days"] > days:
            yield Problem(s["vcenter"], WARNING, "snapshot", s["vm"], "VirtualMachine",
                          f"Snapshot '{s['name']}' is {s['age_days']:.0f} days old "
                          f"(limit {days:g})", _when(s["created"]),
                          id=s["moid"] or s["name"])


def consolidation_needed(f: Facts):
    """A VM whose disks need consolidation: warning."""
    for v in records(f.vms, json_ready=False):
        if v["consolidation_needed"]:
            yield Problem(v["vcenter"], WARNING, "vm", v["name"], "VirtualMachine",
                          "Virtual machine disks need consolidation")


def tools_not_running(f: Facts):
    """VMware Tools not running on a powered-on VM: warning."""
    for v in records(f.vms, json_ready=False):
        if v["power_state"] == "poweredOn" and not v["is_template"] and \
                v["tools_running_status"] == "guestToolsNotRunning":
            state = ("not installed" if v["tools_status"] == "toolsNotInstalled"
                     else "not running")
            yield Problem(v["vcenter"], WARNING, "tools", v["name"], "VirtualMachine",
                          f"VMware Tools {state} on a powered-on VM")


def tools_out_of_date(f: Facts):
    """VMware Tools out of date: for information."""
    for v in records(f.vms, json_ready=False):
        if v["tools_version_status"] == "guestToolsNeedUpgrade" or \
                v["tools_status"] == "toolsOld":
            yield Problem(v["vcenter"], INFO, "tools", v["name"], "VirtualMachine",
                          "VMware Tools are out of date")


def cdrom_connected(f: Facts):
    """A connected CD/DVD drive (blocks vMotion/DRS): for information."""
    seen = set()
    for c in records(f.cdroms, json_ready=False):
        key = (c["vcenter"], c["vm_moid"])
        if c["connected"] and c["power_state"] == "poweredOn" and key not in seen:
            seen.add(key)
            yield Problem(c["vcenter"], INFO, "vm", c["vm"], "VirtualMachine",
                          "CD/DVD drive is connected")


def vcenter_unreadable(f: Facts):
    """A vCenter that cannot be read: critical."""
    for s in records(f.status, json_ready=False):
        if s["status"] not in ("ok", "not connected"):
            yield Problem(s["vcenter"], CRITICAL, "vcenter", s["vcenter"], "vCenter",
                          s["message"] or s["status"])


# --- performance rules (figures from vc.performance over the window) ----------------

def _performance(f: Facts, kind: str) -> Iterator[dict]:
    frame = f.performance.get(kind)
    return records(frame, json_ready=False) if frame is not None else iter(())


def _window(f: Facts) -> str:
    return f"the last {f.settings['performance_minutes']:g} min"


def vm_cpu_ready(f: Facts):
    """CPU ready per vCPU above the thresholds, on average over the window."""
    warn, crit = f.settings["cpu_ready_warning_pct"], f.settings["cpu_ready_critical_pct"]
    for v in _performance(f, "vms"):
        pct = v["cpu_ready_pct"]
        if pct is not None and pct > warn:
            yield Problem(v["vcenter"], CRITICAL if pct > crit else WARNING, "performance",
                          v["name"], "VirtualMachine",
                          f"CPU ready {pct:.1f} % per vCPU over {_window(f)} (peak "
                          f"{v['cpu_ready_pct_max']:.1f} %): its vCPUs wait for physical "
                          "CPUs")


def ballooning(f: Facts):
    """Memory reclaimed by balloon drivers, on a VM or a host: a warning."""
    for kind, object_type in (("vms", "VirtualMachine"), ("hosts", "HostSystem")):
        for r in _performance(f, kind):
            peak = r["mem_balloon_mb_max"]
            if peak is not None and peak > 0:
                whose = "its VMs' memory " if kind == "hosts" else ""
                yield Problem(r["vcenter"], WARNING, "performance", r["name"], object_type,
                              f"Balloon drivers hold {whose}{r['mem_balloon_mb']:,.0f} MiB "
                              f"on average over {_window(f)} (peak {peak:,.0f} MiB): the "
                              "host is short of memory")


def vm_swapping(f: Facts):
    """A VM whose memory the host swapped to disk: a warning."""
    for v in _performance(f, "vms"):
        swapped, rate = v["mem_swapped_mb_max"] or 0, v["mem_swapin_kbps_max"] or 0
        if swapped > 0 or rate > 0:
            yield Problem(v["vcenter"], WARNING, "performance", v["name"], "VirtualMachine",
                          f"{swapped:,.0f} MiB swapped to disk by the host, swap-in up to "
                          f"{rate:,.0f} KB/s over {_window(f)}")


def _latency_severity(f: Facts, ms: float | None) -> str | None:
    if ms is None or ms <= f.settings["disk_latency_warning_ms"]:
        return None
    return CRITICAL if ms > f.settings["disk_latency_critical_ms"] else WARNING


def datastore_latency(f: Facts):
    """Datastore read or write latency above the thresholds (as its hosts measure it)."""
    for d in _performance(f, "datastores"):
        read, write = d["read_latency_ms"], d["write_latency_ms"]
        worst = max((x for x in (read, write) if x is not None), default=None)
        severity = _latency_severity(f, worst)
        if severity:
            yield Problem(d["vcenter"], severity, "performance", d["name"], "Datastore",
                          f"Read latency {read or 0:.1f} ms, write {write or 0:.1f} ms on "
                          f"average over {_window(f)} (peaks {d['read_latency_ms_max'] or 0:.0f}"
                          f" / {d['write_latency_ms_max'] or 0:.0f} ms)")


def vm_disk_latency(f: Facts):
    """A VM's highest disk latency above the thresholds, on average over the window."""
    for v in _performance(f, "vms"):
        severity = _latency_severity(f, v["disk_latency_ms"])
        if severity:
            yield Problem(v["vcenter"], severity, "performance", v["name"], "VirtualMachine",
                          f"Disk latency {v['disk_latency_ms']:.1f} ms on average over "
                          f"{_window(f)} (peak {v['disk_latency_ms_max']:.0f} ms)")


def host_usage_high(f: Facts):
    """A host's CPU or memory use above the threshold over the whole window: a warning."""
    limit = f.settings["host_usage_pct"]
    for h in _performance(f, "hosts"):
        for what, column in (("CPU", "cpu_usage_pct"), ("Memory", "mem_usage_pct")):
            pct = h[column]
            if pct is not None and pct > limit:
                yield Problem(h["vcenter"], WARNING, "performance", h["name"], "HostSystem",
                              f"{what} {pct:.1f} % in use on average over {_window(f)} "
                              f"(peak {h[column + '_max']:.1f} %)", id=what.lower())


def idle_vm(f: Facts):
    """A powered-on VM under the idle CPU share for idle_days: a rightsizing hint."""
    samples = f.performance.get("idle")
    if samples is None or samples.empty or f.vms.empty:
        return
    days, limit = f.settings["idle_days"], f.settings["idle_cpu_pct"]
    values = samples[["vcenter", "moid", "value"]].astype(
        {"vcenter": str, "moid": str, "value": float})
    figures = values.groupby(["vcenter", "moid"])["value"].agg(["mean", "max", "count"])
    for v in records(f.vms, json_ready=False):
        if v["power_state"] != "poweredOn" or v["is_template"]:
            continue
        key = (v["vcenter"], v["moid"])
        if key not in figures.index:
            continue
        mean, peak, count = figures.loc[key]
        if count >= 0.9 * days and mean < limit:
            yield Problem(v["vcenter"], INFO, "performance", v["name"], "VirtualMachine",
                          f"Idle: CPU {mean:.1f} % on average over {days:g} days (peak "
                          f"{peak:.1f} %): a candidate for fewer vCPUs or retirement")


Rule = Callable[[Facts], Iterator[Problem]]
RULES: dict[str, Rule] = {rule.__name__: rule for rule in (
    triggered_alarms, host_not_connected, host_in_maintenance, host_config_issues,
    datastore_free_space, datastore_filling_up, datastore_inaccessible, old_snapshots,
    consolidation_needed, tools_not_running, tools_out_of_date, cdrom_connected,
    vcenter_unreadable, vm_cpu_ready, ballooning, vm_swapping, datastore_latency,
    vm_disk_latency, host_usage_high, idle_vm,
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
