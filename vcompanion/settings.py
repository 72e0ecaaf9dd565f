"""Every configuration setting, declared once.

This declaration is the single source of truth: ``config.py`` validates the
JSON file against it, ``vcompanion config example`` writes
``config.example.json`` from it and ``vcompanion config docs`` writes
``docs/configuration.md`` from it.  A test keeps both files in step.

To add a setting, add one ``Field`` to the right ``Section`` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REQUIRED = object()  # marker: the setting has no default and must be given


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
    is_path: bool = False  # resolved relative to the config file's folder
    in_example: bool = True  # show in config.example.json

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


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
        Field("host", str, "Host name or IP address of the vCenter Server."),
        Field("port", int, "HTTPS port of the vCenter API.", default=443, minimum=1),
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
              default=5_000_000, minimum=10_000),
        Field("backups", int, "Number of rotated log files kept.", default=5, minimum=0),
    ),
)

COLLECTION = Section(
    "collection",
    "How vCenters are read.",
    fields=(
        Field("connect_timeout_seconds", (int, float), "Time allowed to open a "
              "connection to a vCenter.", default=10, minimum=0.1),
        Field("read_timeout_seconds", (int, float), "Time allowed for one vCenter "
              "API call to answer.", default=120, minimum=1),
        Field("keepalive_minutes", (int, float), "Interval of the keep-alive call "
              "(vCenter drops idle API sessions after about 30 minutes).",
              default=10, minimum=0.1),
        Field("page_size", int, "Objects per RetrievePropertiesEx page.",
              default=1000, minimum=1),
        Field("event_hours", (int, float), "Default look-back for events.",
              default=24, minimum=0),
    ),
)

PROBLEMS = Section(
    "problems",
    "Thresholds of the health rules (defaults from vCheck).",
    fields=(
        Field("datastore_free_warning_pct", (int, float), "Datastore free space below "
              "this is a warning.", default=15, minimum=0),
        Field("datastore_free_critical_pct", (int, float), "Datastore free space at or "
              "below this is critical.", default=10, minimum=0),
        Field("snapshot_age_days", (int, float), "Snapshots older than this are a "
              "warning.", default=14, minimum=0),
        Field("disabled_rules", list, "Rule names to switch off (see `vcompanion "
              "problems --rules`).", default=[]),
    ),
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
        PROBLEMS,
    ),
)
