"""Settings of the alerts: e-mail, webhook, critical events, the alert job."""

from __future__ import annotations

from .fields import Field, Section, host_problem, url_problem
from .keeping import _kinds_problem


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
