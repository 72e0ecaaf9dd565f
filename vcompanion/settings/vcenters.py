"""Settings of the vCenters and of reading them: the list, logging, collection,
statistics, problem rules."""

from __future__ import annotations


from .fields import Field, Section, host_problem


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
    from ..clock import parse_duration
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
