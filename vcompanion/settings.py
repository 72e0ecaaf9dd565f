"""Every configuration setting, declared once.

This declaration is the single source of truth: ``config.py`` validates the
JSON file against it, ``vcompanion config example`` writes
``config.example.json`` from it and ``vcompanion config docs`` writes
``docs/configuration.md`` from it.  A test keeps both files in step.

To add a setting, add one ``Field`` to the right ``Section`` below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

REQUIRED = object()  # marker: the setting has no default and must be given

# Every setting is checked by config.py against its declaration: the type,
# the choices, the range (numbers are finite and within minimum..maximum),
# list items (``items``), and text never holds control characters (a CR/LF
# in a host name or an address would end up in logs, mail headers, URLs).


@dataclass(frozen=True)
class Field:
    """One setting: a JSON key with a type, a default and a help text."""

    name: str
    type: type | tuple[type, ...]
    help: str
    default: Any = REQUIRED
    example: Any = None  # value shown in config.example.json (default: the default)
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    items: type | None = None  # lists: the type of every item
    is_path: bool = False  # resolved relative to the config file's folder
    in_example: bool = True  # show in config.example.json
    # Extra check of a given value: returns what is wrong with it, or None.
    check: Callable[[Any], str | None] | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def host_problem(value: str) -> str | None:
    """What is wrong with a host name or IP address, or None."""
    if value.startswith("[") and value.endswith("]"):
        return f"must be a host name or IP address without brackets, not {value!r}"
    if len(value) > 253 or not all(c.isalnum() or c in ".-_:%" for c in value):
        return ("must be a host name or IP address (letters, digits, '.', '-', "
                f"'_', ':'), not {value[:80]!r}")
    return None


def url_problem(value: str) -> str | None:
    """What is wrong with a webhook URL, or None."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
            or any(c.isspace() for c in value):
        return "must be an http:// or https:// URL with a host name"
    return None


@dataclass(frozen=True)
class Section:
    """A JSON object of settings; ``many=True`` makes it a list of such objects."""

    name: str
    help: str
    fields: tuple[Field | Section, ...]
    many: bool = False
    unique: str | None = None  # for lists: the key whose values must be unique
    required: bool = False  # for lists: must be present and non-empty
    example: tuple[dict, ...] = field(default=())  # for lists: example items


HISTORY_KINDS = ("vm", "host", "datastore", "cluster", "network")


def _kinds_problem(value: list) -> str | None:
    wrong = [v for v in value if v not in HISTORY_KINDS]
    if wrong:
        return (f"lists unknown kind(s) {', '.join(map(repr, wrong))}; kinds: "
                f"{', '.join(HISTORY_KINDS)}")
    return None


def _url_problem(value: str | None) -> str | None:
    """What is wrong with a history database URL, or None."""
    if value is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        url = make_url(value)
    except ArgumentError:
        return ("is not a database URL; expected e.g. "
                "'postgresql+psycopg://user@host:5432/vcompanion' or "
                "'sqlite:///C:/vcompanion/history.sqlite'")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        return (f"names the database '{url.get_backend_name()}'; the history runs on "
                "sqlite or postgresql")
    if url.get_backend_name() == "postgresql" and "+" in url.drivername \
            and url.get_driver_name() != "psycopg":
        return "uses a PostgreSQL driver vCompanion does not ship; use postgresql+psycopg://"
    return None


VCENTER = Section(
    "vcenters",
    "The vCenter Servers to read. Each is read on its own: one that is down never "
    "stops the others.",
    many=True,
    unique="name",
    required=True,
    example=(
        {"name": "prod", "host": "vcenter-prod.corp.example.com"},
        {"name": "dr", "host": "vcenter-dr.corp.example.com", "port": 443,
         "verify_ssl": True, "ca_bundle": "certs/vcenter-dr-ca.pem"},
    ),
    fields=(
        Field("name", str, "Short unique name shown in every table, report and alert "
              "(e.g. prod, dr, lab)."),
        Field("host", str, "Host name or IP address of the vCenter Server.",
              check=host_problem),
        Field("port", int, "HTTPS port of the vCenter API.", default=443, minimum=1,
              maximum=65535),
        Field("verify_ssl", bool, "Verify the vCenter's TLS certificate. Turn off only "
              "as a last resort: it is logged as a warning.", default=True),
        Field("ca_bundle", (str, type(None)), "PEM file with the CA certificate(s) that "
              "signed the vCenter's certificate, for vCenters using their own VMCA. "
              "Relative to the config file.", default=None, is_path=True,
              in_example=False),
        Field("username", (str, type(None)), "User for this vCenter when it differs from "
              "the service account (non-linked vCenters each have their own SSO "
              "domain). The password is never stored here: see `vcompanion "
              "credentials set --vcenter NAME`.", default=None, in_example=False),
    ),
)

LOGGING = Section(
    "logging",
    "Rotating log files in logs_dir.",
    fields=(
        Field("level", str, "Log level.", default="INFO",
              choices=("DEBUG", "INFO", "WARNING", "ERROR")),
        Field("max_bytes", int, "Size at which a log file is rotated.",
              default=5_000_000, minimum=10_000, maximum=10_000_000_000),
        Field("backups", int, "Number of rotated log files kept.", default=5, minimum=0,
              maximum=1000),
    ),
)

COLLECTION = Section(
    "collection",
    "How vCenters are read.",
    fields=(
        Field("connect_timeout_seconds", (int, float), "Time allowed to open a "
              "connection to a vCenter.", default=10, minimum=0.1, maximum=600),
        Field("read_timeout_seconds", (int, float), "Time allowed for one vCenter "
              "API call to answer, all of it: a vCenter that stops sending half-way "
              "through an answer costs at most this long.", default=120, minimum=1,
              maximum=3600),
        Field("keepalive_minutes", (int, float), "Interval of the keep-alive call "
              "(vCenter drops idle API sessions after about 30 minutes).",
              default=10, minimum=0.1, maximum=1440),
        Field("page_size", int, "Objects per RetrievePropertiesEx page.",
              default=1000, minimum=1, maximum=100_000),
        Field("event_hours", (int, float), "Default look-back for events.",
              default=24, minimum=0, maximum=8760),
        Field("decoder", str, "How answers are decoded: `fast` (vCompanion's own "
              "decoder, several times faster, same results) or `pyvmomi` (pyvmomi's "
              "objects; slower, kept as a fallback).", default="fast",
              choices=("fast", "pyvmomi")),
        Field("decode_processes", (int, type(None)), "Worker processes that decode "
              "large answers while several vCenters are read at once (0: decode in "
              "the main process; null: as many as CPU cores, at most 4).",
              default=None, minimum=0, maximum=256),
        Field("live", bool, "Keep the tables current in the background with "
              "vCenter's change notifications (WaitForUpdatesEx) instead of reading "
              "everything again at each refresh.", default=False),
        Field("live_reread_minutes", (int, float), "With `live`: interval of the "
              "re-read of values vCenter does not notify (overall status, quick "
              "stats), of VM device lists (nics, cdroms, disks: kept out of the live "
              "filter for their bulk) and of tags (another API, without change "
              "notifications).", default=5, minimum=0.1, maximum=1440),
    ),
)


def _duration_problem(value: str) -> str | None:
    """What is wrong with a window such as 15m, 1h or 7d, or None."""
    from .clock import parse_duration
    try:
        parse_duration(value)
    except ValueError as exc:
        return str(exc)
    return None


METRICS = Section(
    "metrics",
    "Performance statistics from vCenter's PerformanceManager (`vc.metrics()`, "
    "`vc.performance()`, the performance health rules, the workbook's vPerformance "
    "sheet). See docs/metrics.md.",
    fields=(
        Field("cache_seconds", (int, float), "How long figures read from a vCenter are "
              "reused before they are read again (dashboards and alerts ask often).",
              default=60, minimum=0, maximum=86_400),
        Field("query_concurrency", int, "QueryPerf requests in flight per vCenter.",
              default=4, minimum=1, maximum=64),
        Field("max_answer_samples", int, "Most samples one QueryPerf answer may hold "
              "(each is an XML element; vCenter refuses answers over 500,000 "
              "elements).", default=100_000, minimum=1000, maximum=500_000),
        Field("max_query_metrics", (int, type(None)), "Metrics (object x counter) per "
              "historical QueryPerf; null: the vCenter's own "
              "config.vpxd.stats.maxQueryMetrics (64 when it cannot be read); -1 or 0: "
              "no limit.", default=None, minimum=-1, maximum=100_000,
              in_example=False),
        Field("report_since", str, "Window of the inventory workbook's vPerformance "
              "sheet, e.g. 15m, 1h, 1d.", default="1h", check=_duration_problem),
    ),
)

PROBLEMS = Section(
    "problems",
    "Thresholds of the health rules (defaults from vCheck; performance rules after "
    "VMware's guidance).",
    fields=(
        Field("datastore_free_warning_pct", (int, float), "Datastore free space below "
              "this is a warning.", default=15, minimum=0, maximum=100),
        Field("datastore_free_critical_pct", (int, float), "Datastore free space at or "
              "below this is critical.", default=10, minimum=0, maximum=100),
        Field("snapshot_age_days", (int, float), "Snapshots older than this are a "
              "warning.", default=14, minimum=0, maximum=36500),
        Field("performance_minutes", (int, float), "Window of the performance rules "
              "(CPU ready, ballooning, swapping, disk latency, host usage); up to 60 "
              "minutes reads vCenter's 20-second samples.", default=15, minimum=1,
              maximum=43_200),
        Field("cpu_ready_warning_pct", (int, float), "A VM's CPU ready time per vCPU "
              "above this (average over the window) is a warning.", default=10,
              minimum=0, maximum=100),
        Field("cpu_ready_critical_pct", (int, float), "A VM's CPU ready time per vCPU "
              "above this is critical.", default=20, minimum=0, maximum=100),
        Field("disk_latency_warning_ms", (int, float), "Datastore read or write latency, "
              "or a VM's highest disk latency, above this (average over the window) is "
              "a warning.", default=20, minimum=0, maximum=100_000),
        Field("disk_latency_critical_ms", (int, float), "Disk latency above this is "
              "critical.", default=50, minimum=0, maximum=100_000),
        Field("host_usage_pct", (int, float), "A host's CPU or memory use above this on "
              "average over the window is a warning.", default=90, minimum=0,
              maximum=100),
        Field("idle_cpu_pct", (int, float), "A powered-on VM whose CPU use stays under "
              "this over idle_days is idle (for information: a rightsizing hint).",
              default=5, minimum=0, maximum=100),
        Field("idle_days", (int, float), "The idle rule's window (vCenter's daily "
              "samples).", default=30, minimum=1, maximum=365),
        Field("datastore_full_warning_days", (int, float), "A datastore the history "
              "forecasts full within this many days (at the earliest) is a warning "
              "(docs/history.md).", default=30, minimum=0, maximum=3650),
        Field("datastore_full_critical_days", (int, float), "A datastore forecast full "
              "within this many days (at the earliest) is critical.", default=7, minimum=0,
              maximum=3650),
        Field("disabled_rules", list, "Rule names to switch off (see `vcompanion "
              "problems --rules`).", default=[], items=str),
    ),
)

EMAIL = Section(
    "email",
    "E-mail notifier (SMTP). Off while host is null or to is empty. The SMTP "
    "password is never stored here: it comes from the environment variable "
    "VCOMPANION_SMTP_PASSWORD or from the OS credential store (`vcompanion "
    "credentials set --smtp`).",
    fields=(
        Field("host", (str, type(None)), "SMTP server (mail relay) host name.",
              default=None, example="smtp.corp.example.com", check=host_problem),
        Field("port", (int, type(None)), "SMTP port; null: 587 with starttls, 465 with "
              "ssl, 25 with none.", default=None, minimum=1, maximum=65535),
        Field("security", str, "starttls (upgrade a plain connection), ssl (TLS from "
              "the first byte, SMTPS) or none.", default="starttls",
              choices=("starttls", "ssl", "none")),
        Field("verify_ssl", bool, "Verify the SMTP server's TLS certificate.",
              default=True, in_example=False),
        Field("ca_bundle", (str, type(None)), "PEM file with the CA that signed the "
              "SMTP server's certificate (internal relays). Relative to the config "
              "file.", default=None, is_path=True, in_example=False),
        Field("username", (str, type(None)), "Log in as this user; null: send without "
              "logging in (typical for an internal relay).", default=None),
        Field("from", (str, type(None)), "Sender address; null: vcompanion@ this "
              "machine's name.", default=None, example="vcompanion@corp.example.com"),
        Field("to", list, "Recipient addresses.", default=[],
              example=["vmware-admins@corp.example.com"], items=str),
        Field("timeout", (int, float), "Seconds allowed for the SMTP server to answer.",
              default=30, minimum=1, maximum=600),
    ),
)

WEBHOOK = Section(
    "webhooks",
    "Webhook notifiers: each alert batch is POSTed as JSON. The URL often holds a "
    "secret token: it is never logged or shown in full.",
    many=True,
    unique="name",
    example=(
        {"name": "teams-vmware", "format": "teams",
         "url": "https://corp.webhook.office.com/webhookb2/REPLACE-ME"},
    ),
    fields=(
        Field("name", str, "Short unique name, shown in `vcompanion alerts history`."),
        Field("url", str, "The webhook URL (http or https).", check=url_problem),
        Field("format", str, "generic (vCompanion's own JSON), teams (Adaptive Card, "
              "for a Teams Workflows or incoming webhook) or slack (Block Kit).",
              default="generic", choices=("generic", "teams", "slack")),
        Field("timeout", (int, float), "Seconds allowed for the receiver to answer.",
              default=15, minimum=1, maximum=600),
    ),
)

CRITICAL_EVENTS = [
    "HostConnectionLostEvent", "DasHostFailedEvent", "DasHostIsolatedEvent",
    "DasClusterIsolatedEvent", "VmFailoverFailed", "VmDasResetFailedEvent",
    "VmFailedToPowerOnEvent", "com.vmware.vc.HA.ClusterFailover*",
    "com.vmware.vc.HA.*Failed*", "com.vmware.vc.HA.*Failure*",
    "com.vmware.vc.ha.VmRestartedByHAEvent", "AlarmStatusChangedEvent",
    "esx.problem.storage.connectivity.lost", "esx.problem.storage.apd.timeout",
    "esx.problem.scsi.device.state.permanentloss",
    "esx.problem.vmfs.heartbeat.timedout",
]

ALERTS = Section(
    "alerts",
    "Alerts on health problems and critical events (`vcompanion alerts run`, or "
    "every interval_minutes under `vcompanion scheduler`). See docs/alerts.md.",
    fields=(
        Field("min_severity", str, "Problems below this severity are not sent.",
              default="warning", choices=("info", "warning", "critical")),
        Field("send_resolved", bool, "Send a notice when a problem that was sent "
              "is gone.", default=True),
        Field("interval_minutes", (int, float), "How often `vcompanion scheduler` runs "
              "the alerts; 0 turns the scheduled run off.", default=15, minimum=0,
              maximum=10080),
        Field("event_hours", (int, float), "Look-back for critical events on the first "
              "run and after a gap; later runs read only since the previous run. "
              "Each event is sent once.", default=24, minimum=0, maximum=8760),
        Field("removals", list, "Kinds of objects whose removal, seen in the history's "
              "change log since the previous run, is sent as a warning: vm, host, "
              "datastore, cluster, network (needs history.enabled; empty: none).",
              default=["vm", "host", "datastore"], items=str, check=_kinds_problem),
        Field("critical_events", list, "Event types that are sent as critical alerts "
              "(wildcards * and ? allowed, case does not matter). "
              "AlarmStatusChangedEvent counts only when an alarm turns red.",
              default=CRITICAL_EVENTS, in_example=False, items=str),
        EMAIL,
        WEBHOOK,
    ),
)

SESSION = Section(
    "session",
    "Dashboard logins (vSphere SSO through the configured vCenters).",
    fields=(
        Field("idle_timeout_minutes", (int, float), "Sign a user out after this long "
              "without a request or interaction (fractions allowed; 0 turns the idle "
              "timeout off, e.g. for a wall display).", default=60, minimum=0,
              maximum=43200),
        Field("cookie_days", (int, float), "Longest life of a login, idle or not: "
              "the signed login cookie expires after this many days.", default=7,
              minimum=0.001, maximum=365),
        Field("lockout_failures", int, "Failed sign-ins (wrong user name or password) "
              "that lock that user name out for lockout_minutes: its sign-ins are "
              "answered at once (HTTP 429) and never reach a vCenter, so guessing "
              "through the dashboards cannot keep the account locked in vCenter SSO "
              "(whose default policy locks after 5 failures in 3 minutes: a lower value "
              "here never reaches it). Counted in the server's memory.", default=5,
              minimum=1, maximum=1000),
        Field("lockout_address_failures", int, "Failed sign-ins, of any user names, "
              "that lock one client address out the same way (password spraying). "
              "Higher than lockout_failures: several users may share an address "
              "(NAT; behind a proxy set dashboard.behind_proxy so that each user's own "
              "address counts).", default=20, minimum=1, maximum=100_000),
        Field("lockout_window_minutes", (int, float), "The failures count within this "
              "many minutes.", default=15, minimum=0.1, maximum=1440),
        Field("lockout_minutes", (int, float), "How long a user name or client address "
              "stays locked out.", default=15, minimum=0.1, maximum=1440),
    ),
)

DASHBOARD = Section(
    "dashboard",
    "The web dashboards (`vcompanion serve`).",
    fields=(
        Field("refresh_seconds", (int, float), "How often the data is read again "
              "from every vCenter and the open pages update (no page reload).",
              default=60, minimum=5, maximum=86400),
        Field("theme", str, "Theme a browser sees first; users switch with the "
              "toggle in the header.", default="dark", choices=("dark", "light")),
        Field("title", str, "Title in the header and the browser tab.",
              default="vCompanion"),
        Field("tls_certfile", (str, type(None)), "Serve HTTPS with this certificate "
              "(PEM, the server's certificate then any intermediates). Relative to the "
              "config file. Without TLS (or behind_proxy) `vcompanion serve` listens "
              "on loopback only.", default=None, is_path=True),
        Field("tls_keyfile", (str, type(None)), "The certificate's private key (PEM, "
              "not encrypted; readable by the service account only). Relative to the "
              "config file.", default=None, is_path=True),
        Field("share_all_vcenters", bool, "With a service account: show every "
              "vCenter to anyone whom at least one accepts. Off (the default), each "
              "user sees only the vCenters that accepted their sign-in with System.View "
              "-- pages, counts, search, problems, downloads and workbooks -- and how "
              "many others there are, nothing else: unlinked vCenters may belong to "
              "different teams or customers. Turn on only when everyone who can sign in "
              "anywhere may read everything.", default=False),
        Field("behind_proxy", bool, "A reverse proxy that terminates TLS is in front: "
              "serve plain HTTP to it, trust its X-Forwarded-For (the client's "
              "address, in logs and the sign-in throttle) and X-Forwarded-Proto (cookies "
              "marked Secure). Let only the proxy reach the port (listen on 127.0.0.1).",
              default=False),
    ),
)

def _cron_problem(value: str) -> str | None:
    """What is wrong with a crontab line, or None (APScheduler parses it)."""
    from apscheduler.triggers.cron import CronTrigger
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        return (f"is not a valid crontab line ({exc}): {value!r}; expected five fields "
                "'minute hour day month weekday', e.g. '0 6 * * 1-5'")
    return None


REPORT_SCHEDULE = Section(
    "schedules",
    "Scheduled Excel exports, run by `vcompanion scheduler`. Each run writes "
    "data_dir/reports/NAME_<UTC time>Z.xlsx, deletes that schedule's oldest files "
    "beyond keep and, when email_to lists recipients, mails the workbook with the "
    "alerts.email settings.",
    many=True,
    unique="name",
    example=(
        {"name": "daily-inventory", "kind": "inventory", "cron": "0 6 * * *",
         "keep": 30, "email_to": []},
    ),
    fields=(
        Field("name", str, "Short unique name; starts the file names (letters, digits, "
              ". _ -).", check=lambda v: None if re.fullmatch(r"[A-Za-z0-9][\w.-]*", v)
              else f"must be letters, digits, '.', '_' or '-' (it names files), "
              f"not {v!r}"),
        Field("kind", str, "inventory (the RVTools-style workbook), events (the "
              "critical events and problems of the last hours) or changes (the "
              "history's change log of the last hours).", default="inventory",
              choices=("inventory", "events", "changes")),
        Field("cron", str, "When to run, as a crontab line 'minute hour day month "
              "weekday' in the scheduler's local time, e.g. '0 6 * * *' (06:00 daily) "
              "or '30 7 * * 1-5' (07:30 on weekdays).", check=_cron_problem),
        Field("keep", int, "Workbooks of this schedule kept in data_dir/reports; older "
              "ones are deleted.", default=30, minimum=1, maximum=100_000),
        Field("email_to", list, "Mail the workbook to these addresses (through "
              "alerts.email); empty: no mail.", default=[], items=str),
        Field("hours", (int, float, type(None)), "events and changes: the period "
              "covered; null: collection.event_hours.", default=None, minimum=0,
              maximum=8760, in_example=False),
    ),
)

RETENTION = Section(
    "retention",
    "How long the history keeps what it recorded; `vcompanion history purge` and "
    "every scheduled recording apply it. Raw capacity samples are rolled up into "
    "hourly and daily ones before they go.",
    fields=(
        Field("raw_samples_days", (int, float), "Capacity samples of every recording.",
              default=7, minimum=1, maximum=3650),
        Field("hourly_samples_days", (int, float), "Hourly rollups (average, lowest, "
              "highest).", default=90, minimum=1, maximum=3650),
        Field("daily_samples_days", (int, float), "Daily rollups (what forecasts "
              "read).", default=1825, minimum=1, maximum=36500),
        Field("changes_days", (int, float), "The change log, the recordings and the "
              "object versions older than it (as_of further back shows nothing).",
              default=730, minimum=1, maximum=36500),
        Field("audit_days", (int, float), "The audit trail: sign-ins, sign-outs, "
              "workbooks, alert tests (`vcompanion audit`).", default=365, minimum=1,
              maximum=36500),
    ),
)

METRICS_HISTORY = Section(
    "metrics",
    "Performance statistics in the history (docs/metrics.md): every scheduled "
    "recording stores the hosts', clusters' and datastores' 5-minute samples since the "
    "last one (after a gap, from vCenter's 30-minute or 2-hour rollups), the VMs' daily "
    "summaries and their latest window; rolled up hourly and daily, pruned by these.",
    fields=(
        Field("enabled", bool, "Store performance statistics with each recording.",
              default=True),
        Field("samples_days", (int, float), "5-minute samples of hosts, clusters and "
              "datastores.", default=30, minimum=1, maximum=3650),
        Field("hourly_days", (int, float), "Their hourly rollups (average, lowest, "
              "highest).", default=365, minimum=1, maximum=3650),
        Field("daily_days", (int, float), "Their daily rollups.", default=1825,
              minimum=1, maximum=36500),
        Field("vm_summaries", bool, "Keep each VM's daily summary per counter (average, "
              "95th percentile, maximum) and its latest window.", default=True),
        Field("vm_days", (int, float), "VM daily summaries.", default=365, minimum=1,
              maximum=36500),
        Field("backfill_days", (int, float), "How far back the first recording, or one "
              "after downtime, reads vCenter's rollups (vCenter keeps 2-hour samples for "
              "30 days).", default=7, minimum=1, maximum=30),
    ),
)

HISTORY = Section(
    "history",
    "The history (docs/history.md): every change of the inventory across all "
    "vCenters, the inventory as of any date, capacity trends and forecasts.",
    fields=(
        Field("enabled", bool, "Record and answer history questions (vc.record(), "
              "vc.changes(), vc.as_of(), ...).", default=True),
        Field("database_url", (str, type(None)), "Where the history lives: null for "
              "the SQLite file data_dir/history.sqlite (nothing to install), or a "
              "SQLAlchemy URL such as postgresql+psycopg://vcompanion@db.corp:5432/"
              "vcompanion to share one history between machines. Leave the password "
              "out: it comes from the environment variable VCOMPANION_HISTORY_PASSWORD "
              "(or PGPASSWORD, ~/.pgpass).", default=None, check=_url_problem),
        Field("interval_minutes", (int, float), "How often `vcompanion scheduler` "
              "records every vCenter; 0 turns the scheduled recording off.",
              default=15, minimum=0, maximum=10080),
        Field("forecast_window_days", (int, float), "Days of daily peaks a forecast "
              "reads (it restarts after a step change).", default=90, minimum=7,
              maximum=3650),
        Field("forecast_min_days", (int, float), "Fewer days of data than this give "
              "the status 'insufficient data'.", default=7, minimum=2, maximum=365),
        RETENTION,
        METRICS_HISTORY,
    ),
)

REPORTS = Section(
    "reports",
    "Excel reports (`vcompanion report`, `vc.report()`); files land in "
    "data_dir/reports.",
    fields=(REPORT_SCHEDULE,),
)

ROOT = Section(
    "",
    "vCompanion configuration file (JSON).",
    fields=(
        VCENTER,
        Field("data_dir", str, "Folder for data vCompanion keeps (alert state, "
              "reports, session secret). Relative to the config file.",
              default="data", is_path=True),
        Field("logs_dir", str, "Folder for log files. Relative to the config file.",
              default="logs", is_path=True),
        LOGGING,
        COLLECTION,
        METRICS,
        PROBLEMS,
        ALERTS,
        SESSION,
        DASHBOARD,
        REPORTS,
        HISTORY,
    ),
)
