"""Excel reports: one RVTools-style workbook for every vCenter, critical events.

    from vcompanion import Companion
    with Companion.from_config("config.json") as vc:
        vc.report()                                  # data_dir/reports/...xlsx
        vc.report("events.xlsx", kind="events", hours=24)

Modules: ``layout`` (sheets, RVTools headers, units), ``writer`` (formatting,
streaming write), ``inventory`` and ``events`` (the two workbooks),
``schedule`` (scheduled exports with retention and e-mail).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .. import files
from ..errors import ConfigError

KINDS = ("inventory", "events", "changes")


def report_dir(config) -> Path:
    """Where reports land by default: ``data_dir/reports``."""
    return Path(config.data_dir) / "reports"


def list_reports(config, limit: int | None = 30) -> list[dict]:
    """Workbooks in ``data_dir/reports``, newest first: name, path, size (bytes),
    modified (UTC)."""
    folder = report_dir(config)
    if not folder.is_dir():
        return []
    files = []
    for path in folder.glob("*.xlsx"):
        try:
            stat = path.stat()
        except OSError:  # deleted meanwhile (retention)
            continue
        files.append({"name": path.name, "path": path, "size": stat.st_size,
                      "modified": datetime.fromtimestamp(stat.st_mtime, timezone.utc)})
    files.sort(key=lambda f: f["modified"], reverse=True)
    return files[:limit]


def timestamped_name(prefix: str, when: datetime | None = None) -> str:
    """``PREFIX_2025-03-01_060000Z.xlsx`` (UTC; sorts by time)."""
    when = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{prefix}_{when:%Y-%m-%d_%H%M%S}Z.xlsx"


def default_path(config, kind: str, prefix: str | None = None) -> Path:
    """A new file in ``data_dir/reports`` (made private, as data_dir) named
    after the kind and the time."""
    folder = files.private_dir(report_dir(config), root=config.data_dir)
    base = folder / timestamped_name(prefix or f"vcompanion-{kind}")
    path, n = base, 1
    while path.exists():  # two reports within the same second
        path = base.with_name(f"{base.stem}-{n}.xlsx")
        n += 1
    return path


def write_report(companion, path: str | Path | None = None, kind: str = "inventory",
                 hours: float | None = None, all_events: bool = False,
                 as_of=None) -> Path:
    """Write a workbook of ``kind`` (inventory, events or changes) for ``companion``.

    ``path`` defaults to a timestamped file in ``data_dir/reports``.  Reads
    the vCenters if the Companion has not yet; vCenters that cannot be read
    appear in the Summary and vSource sheets with their error.  ``as_of``
    (inventory only): the inventory as the history says it was then ("7d",
    an ISO time ...): the tables and columns the history tracks.  ``changes``:
    the history's change log of the last ``hours``.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown report kind '{kind}' (one of {', '.join(KINDS)})")
    path = Path(path) if path is not None else default_path(companion.config, kind)
    if path.suffix.lower() != ".xlsx":
        raise ConfigError(f"report file must end in .xlsx: {path}")
    if as_of is not None and kind != "inventory":
        raise ConfigError(f"as_of applies to the inventory report, not to '{kind}'")
    if kind == "inventory":
        from . import inventory
        data = (inventory.InventoryData.from_history(companion, as_of) if as_of is not None
                else inventory.InventoryData.from_companion(companion))
        return inventory.write(data, path)
    if kind == "changes":
        from . import changes
        return changes.write(changes.ChangesData.from_companion(companion, hours), path)
    from . import events
    return events.write(events.EventsData.from_companion(companion, hours), path,
                        all_events=all_events)


__all__ = ["KINDS", "default_path", "list_reports", "report_dir", "timestamped_name",
           "write_report"]
