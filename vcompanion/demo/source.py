"""``DemoSource``: a demo vCenter behind the same seam as a real one.

The demo does not imitate the tables.  For each vCenter it generates what the
collector would have *read*: an ``Inventory`` of raw property values under the
property paths the table modules request, holding real pyvmomi data objects
and managed object references built locally (``builder.py``), and pyvmomi
event objects.  ``Companion`` builds the tables from them with the same code
as for real vCenters, so the demo tables have exactly the columns and types
of real ones.  Performance statistics are raw samples too (``perf.py``).

All demo sources share one ``DemoWorld``: each round of reads (a first
collection, a ``refresh()``) gets a newly generated environment, so ages
follow the clock.
"""

from __future__ import annotations

import getpass
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import ConnectError
from ..sources import (About, Inventory, LiveUnsupported, OnChange, PerfAnswer, PerfQuery,
                       Stats, TagData)
from .builder import VCenterBuilder
from .catalog import ALARMS, EVENT_CATEGORIES
from .labels import label
from .perf import Statistics
from .sites import SITES, Site, build_dr, build_lab, build_prod
from .storage import disk_devices, layouts

SERVICE_ACCOUNT = "svc-vcompanion@vsphere.local"
# The dashboards' login in demo mode.
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"


class Environment:
    """Every demo vCenter's inventory and events, generated at ``now``.

    The event objects, the disks in the device lists and the snapshot file
    layouts are made on first use: most uses never ask for them.
    """

    def __init__(self, now: datetime, builders: list[VCenterBuilder], seconds: float):
        self.now = now
        self.seconds = seconds
        self.inventories = {b.name: Inventory(b.name, b.objects, collected_at=now,
                                              alarm_names=dict(ALARMS),
                                              custom_fields=b.custom_fields)
                            for b in builders}
        self.tags: dict[str, TagData] = {b.name: b.tags for b in builders}
        self._builders = {b.name: b for b in builders}
        self._events: dict[str, list] = {}
        self._devices: dict[str, dict[str, list]] = {}
        self._layouts: dict[str, dict[str, dict]] = {}
        self._statistics: dict[str, Statistics] = {}
        self._lock = threading.Lock()

    def devices(self, vcenter: str) -> dict[str, list]:
        """VM moid -> device list, disks and their controllers made on first use."""
        with self._lock:
            if vcenter not in self._devices:
                builder = self._builders[vcenter]
                by_moid = {vm.ref._moId: vm for vm in builder.vms}
                self._devices[vcenter] = {
                    oid: [*disk_devices(builder, by_moid[oid]), *listed]
                    for oid, listed in builder.devices.items()}
            return self._devices[vcenter]

    def layouts(self, vcenter: str) -> dict[str, dict]:
        """The file layouts of the VMs with snapshots, made on first use."""
        with self._lock:
            if vcenter not in self._layouts:
                self._layouts[vcenter] = layouts(self._builders[vcenter])
            return self._layouts[vcenter]

    def events(self, vcenter: str) -> list:
        """The vCenter's pyvmomi event objects, oldest first."""
        with self._lock:
            if vcenter not in self._events:
                self._events[vcenter] = self._builders[vcenter].make_events()
            return self._events[vcenter]

    def statistics(self, vcenter: str) -> Statistics:
        """The vCenter's performance statistics (made on first use)."""
        with self._lock:
            if vcenter not in self._statistics:
                self._statistics[vcenter] = Statistics(
                    vcenter, self.inventories[vcenter].objects)
            return self._statistics[vcenter]

    def vm_count(self) -> int:
        return sum(len(inv.of("VirtualMachine")) for inv in self.inventories.values())


def generate(now: datetime | None = None) -> Environment:
    """Generate the demo vCenters (deterministic; about a second)."""
    started = time.perf_counter()
    now = now or datetime.now(timezone.utc)
    prod = build_prod(now)
    builders = [prod, build_dr(now, prod), build_lab(now, prod)]
    for builder in builders:
        label(builder)  # tags and custom attributes
    return Environment(now, builders, time.perf_counter() - started)


class DemoWorld:
    """The environment the demo sources share, generated anew for each round of reads.

    A source that reads its inventory a second time starts a new round: the
    sources read in parallel by one collection share one generation.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._environment: Environment | None = None
        self._read: set[str] = set()

    def for_inventory(self, vcenter: str) -> Environment:
        with self._lock:
            if self._environment is None or vcenter in self._read:
                self._environment, self._read = generate(), set()
            self._read.add(vcenter)
            return self._environment

    def current(self) -> Environment:
        with self._lock:
            if self._environment is None:
                self._environment = generate()
            return self._environment


class DemoSource:
    """One demo vCenter (see ``sources.base.Source``)."""

    wants_decode_pool = False  # values are pyvmomi objects made in this process

    def __init__(self, site: Site, world: DemoWorld, config):
        self.site, self.world, self.config = site, world, config
        self._connected = False

    @property
    def name(self) -> str:
        return self.site.name

    @property
    def address(self) -> str:
        return self.config.address

    @property
    def user(self) -> str:
        return SERVICE_ACCOUNT

    @property
    def about(self) -> About | None:
        return self.site.about if self._connected else None

    @property
    def round_trip_ms(self) -> float | None:
        return self.site.round_trip_ms if self._connected else None

    @property
    def connected(self) -> bool:
        return self._connected

    def connect(self) -> None:
        if self.site.unreachable:
            raise ConnectError(self.name, self.address, self.user, self.site.unreachable)
        self._connected = True

    def probe(self) -> float:
        self.connect()
        return self.site.round_trip_ms or 1.0

    def read_inventory(self, pool: Any = None) -> tuple[Inventory, Stats]:
        self.connect()
        environment = self.world.for_inventory(self.name)
        inventory = environment.inventories[self.name]
        return (Inventory(self.name, inventory.objects, collected_at=environment.now,
                          alarm_names=inventory.alarm_names,
                          custom_fields=inventory.custom_fields),
                Stats(round_trips=0, seconds=environment.seconds / 3,
                      objects=sum(len(v) for v in inventory.objects.values())))

    def read_devices(self, pool: Any = None) -> dict[str, list]:
        self.connect()
        return self.world.current().devices(self.name)

    def read_tags(self, inventory: Inventory) -> TagData:
        self.connect()
        return self.world.current().tags[self.name]

    def read_layouts(self, inventory: Inventory) -> dict[str, dict]:
        self.connect()
        return self.world.current().layouts(self.name)

    def read_events(self, since: datetime) -> tuple[list, dict[str, str]]:
        self.connect()
        events = [e for e in self.world.current().events(self.name)
                  if e.createdTime >= since]
        return events, EVENT_CATEGORIES

    def read_perf(self, query: PerfQuery) -> PerfAnswer:
        self.connect()
        return self.world.current().statistics(self.name).answer(query)

    def start_live(self, on_change: OnChange, pool: Any = None) -> Inventory:
        raise LiveUnsupported("the demo's vCenters do not change by themselves")

    def stop_live(self) -> None:
        """Nothing runs."""

    def keepalive(self) -> None:
        """Nothing to keep alive."""

    def close(self) -> None:
        self._connected = False


def demo_config() -> Config:
    """A configuration of the demo vCenters; data and logs go to the temp folder."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in the environment: one folder
        user = ""
    base = Path(tempfile.gettempdir()) / "-".join(filter(None, ("vcompanion-demo", user)))
    return Config.from_dict({
        "vcenters": [{"name": s.name, "host": s.host} for s in SITES],
        "data_dir": str(base / "data"), "logs_dir": str(base / "logs"),
        # The demo's values are pyvmomi objects, made in this process: no decoder
        # worker processes.
        "collection": {"decoder": "pyvmomi", "decode_processes": 0},
        # The demo's synthetic history (vcompanion/history/demo.py) records every
        # eight hours.
        "history": {"interval_minutes": 480},
    }, base_dir=base)


def demo_sources(config: Config | None = None) -> list[DemoSource]:
    """One source per demo vCenter, sharing one generated world."""
    config = config or demo_config()
    world = DemoWorld()
    return [DemoSource(site, world, config.vcenter(site.name)) for site in SITES]


__all__ = ["DEMO_PASSWORD", "DEMO_USERNAME", "SERVICE_ACCOUNT", "DemoSource",
           "DemoWorld", "Environment", "demo_config", "demo_sources", "generate"]
