"""What the demo's vCenters are made of: the vSphere facts and declarations.

Alarm definitions, event categories, guest operating systems, host hardware
and ESXi builds as vSphere names them, and the declarations a site is
written in (``Net``, ``ClusterSpec``, ``Role``) plus the ``VM`` being
generated.  Declarative data only; ``builder.py`` turns it into properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


GIB = 1024 ** 3
TIB = 1024 ** 4
DOMAIN = "corp.example.com"

# Default vCenter alarm definitions: moid -> name (the same ids in every vCenter).
ALARMS = {
    "alarm-1": "Host connection and power state",
    "alarm-2": "Host CPU usage",
    "alarm-3": "Host memory usage",
    "alarm-4": "Datastore usage on disk",
    "alarm-5": "Virtual machine CPU usage",
    "alarm-6": "Virtual machine memory usage",
    "alarm-7": "Virtual machine Consolidation Needed status",
    "alarm-8": "Network uplink redundancy lost",
    "alarm-9": "vSphere HA host status",
    "alarm-10": "Insufficient vSphere HA failover resources",
    "alarm-11": "Certificate Status",
    "alarm-12": "Host hardware power status",
}
ALARM_IDS = {name: moid for moid, name in ALARMS.items()}

# Event class -> category, as the EventManager describes them.
EVENT_CATEGORIES = {
    "VmPoweredOnEvent": "info", "VmPoweredOffEvent": "info",
    "DrsVmMigratedEvent": "info", "VmReconfiguredEvent": "info",
    "VmCreatedEvent": "info", "VmRemovedEvent": "info", "VmGuestRebootEvent": "info",
    "UserLoginSessionEvent": "info", "BadUsernameSessionEvent": "error",
    "HostConnectionLostEvent": "error", "HostDisconnectedEvent": "info",
    "EnteredMaintenanceModeEvent": "info", "ExitMaintenanceModeEvent": "info",
    "TaskEvent": "info", "AlarmStatusChangedEvent": "info",
}

USERS = ("j.smith", "m.garcia", "a.kumar", "l.chen", "s.mueller", "k.novak", "r.okafor")

# guest OS key -> (guestId, configured full name, full name the guest reports)
OS = {
    "w2016": ("windows9Server64Guest", "Microsoft Windows Server 2016 or later (64-bit)",
              "Microsoft Windows Server 2016 (64-bit)"),
    "w2019": ("windows2019srv_64Guest", "Microsoft Windows Server 2019 (64-bit)",
              "Microsoft Windows Server 2019 (64-bit)"),
    "w2022": ("windows2019srvNext_64Guest", "Microsoft Windows Server 2022 (64-bit)",
              "Microsoft Windows Server 2022 (64-bit)"),
    "w2008": ("windows7Server64Guest", "Microsoft Windows Server 2008 R2 (64-bit)",
              "Microsoft Windows Server 2008 R2 (64-bit)"),
    "rhel8": ("rhel8_64Guest", "Red Hat Enterprise Linux 8 (64-bit)",
              "Red Hat Enterprise Linux 8 (64-bit)"),
    "rhel9": ("rhel9_64Guest", "Red Hat Enterprise Linux 9 (64-bit)",
              "Red Hat Enterprise Linux 9 (64-bit)"),
    "ubuntu": ("ubuntu64Guest", "Ubuntu Linux (64-bit)", "Ubuntu Linux (64-bit)"),
    "sles15": ("sles15_64Guest", "SUSE Linux Enterprise 15 (64-bit)",
               "SUSE Linux Enterprise 15 (64-bit)"),
    "debian12": ("debian12_64Guest", "Debian GNU/Linux 12 (64-bit)",
                 "Debian GNU/Linux 12 (64-bit)"),
    "centos7": ("centos7_64Guest", "CentOS 7 (64-bit)", "CentOS 7 (64-bit)"),
    "photon": ("vmwarePhoton64Guest", "VMware Photon OS (64-bit)",
               "VMware Photon OS (64-bit)"),
}
WINDOWS = {"w2016", "w2019", "w2022", "w2008"}

# Host hardware: key -> (vendor, model, CPU model, sockets, cores per socket, MHz, GiB)
HARDWARE = {
    "r750": ("Dell Inc.", "PowerEdge R750", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
             2, 32, 2000, 1024),
    "dl380": ("HPE", "ProLiant DL380 Gen10", "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz",
              2, 24, 3000, 768),
    "r7525": ("Dell Inc.", "PowerEdge R7525", "AMD EPYC 7543 32-Core Processor",
              2, 32, 2800, 2048),
    "r650": ("Dell Inc.", "PowerEdge R650", "Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz",
             2, 28, 2000, 512),
    "r740": ("Dell Inc.", "PowerEdge R740xd", "Intel(R) Xeon(R) Silver 4216 CPU @ 2.10GHz",
             2, 16, 2100, 384),
    "dl380p": ("HPE", "ProLiant DL380 Gen10 Plus",
               "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 2, 32, 2000, 1024),
    "sr650": ("Lenovo", "ThinkSystem SR650", "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz",
              2, 16, 2100, 512),
    "e300": ("Supermicro", "SYS-E300-9D-8CN8TP", "Intel(R) Xeon(R) D-2146NT CPU @ 2.30GHz",
             1, 8, 2300, 256),
}
ESXI = {  # key -> (version, build)
    "8.0u3": ("8.0.3", "24022510"), "8.0u3b": ("8.0.3", "24280767"),
    "8.0u2": ("8.0.2", "22380479"), "7.0u3n": ("7.0.3", "21930508"),
    "7.0u3q": ("7.0.3", "23794027"),
}


# --- declarations ---------------------------------------------------------------------

@dataclass(frozen=True)
class Net:
    """A VM network: portgroup name, VLAN, IPv4 subnet, optional IPv6 /64."""

    key: str
    name: str
    vlan: int
    ipv4: str
    ipv6: str | None = None


@dataclass(frozen=True)
class ClusterSpec:
    """A cluster (or one standalone host) with its hosts and datastores."""

    name: str
    hosts: int
    hardware: str
    esxi: str
    host_prefix: str
    datastores: tuple[tuple[str, str, int], ...]  # (name prefix, type, count)
    ha: bool = True
    drs: str | None = "fullyAutomated"  # None: DRS off
    pools: tuple[str, ...] = ()
    standalone: bool = False


@dataclass(frozen=True)
class Role:
    """``count`` similar VMs named ``pattern.format(n)``."""

    pattern: str
    count: int
    os: dict[str, int]  # OS key -> weight
    cpu: tuple[int, ...]
    mem_gb: tuple[int, ...]
    disks_gb: tuple[int, ...]  # one entry per virtual disk
    nets: tuple[str, ...]
    cluster: str
    folder: str
    owner: str | None = None  # the owner note most of them carry as annotation
    thin: bool = True
    off: float = 0.03  # share powered off
    busy: float = 0.15  # typical CPU use
    pool: str | None = None
    appliance: bool = False  # open-vm-tools managed by the guest OS


@dataclass
class VM:
    """A VM being generated; turned into properties by ``vm_properties``."""

    ref: Any
    name: str
    role: Role | None
    os: str
    cpu: int
    mem_mb: int
    disks_gb: list[int]
    nets: list[Net]
    host: Any
    folder: Any
    pool: Any = None
    power: str = "poweredOn"
    template: bool = False
    ips: list[list[str]] = field(default_factory=list)  # per NIC
    macs: list[str] = field(default_factory=list)
    tools: str = "ok"  # ok, old, notrunning, notinstalled, unmanaged
    annotation: str | None = None
    datastores: list[Any] = field(default_factory=list)
    committed: int = 0
    uncommitted: int = 0
    cdrom: bool = False
    consolidate: bool = False
    reported_os: str | None = None
    uptime: int | None = None
    cpu_mhz: int = 0
    mem_active: int = 0
    hw: str = "vmx-19"
    snapshot: Any = None
    ipv6: bool = True
    placeholder: bool = False  # an SRM placeholder: no disks, never runs

    @property
    def on(self) -> bool:
        return self.power == "poweredOn"
