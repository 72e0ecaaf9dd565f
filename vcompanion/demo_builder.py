"""How the demo generates one vCenter's raw properties (used by ``demo.py``).

``VCenterBuilder`` produces what ``tables.collect`` would have read from a
vCenter: ``{type name: {moid: {property path: value}}}`` with pyvmomi data
objects and managed object references built locally, plus pyvmomi event
objects.  ``demo.py`` says *what* each demo vCenter contains; this module
knows *how* vSphere shapes it (folders, resource pools, snapshot trees,
triggered alarm states shown on every parent, guest NIC info, ...).
"""

from __future__ import annotations

import ipaddress
import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pyVmomi import VmomiSupport, vim

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
_ALARM_ID = {name: moid for moid, name in ALARMS.items()}

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


# --- the builder ----------------------------------------------------------------------

class VCenterBuilder:
    """Generates one vCenter's objects, alarms and events, deterministically."""

    def __init__(self, name: str, seed: int, now: datetime, nets: tuple[Net, ...]):
        self.name = name
        self.now = now
        self.rng = random.Random(f"{seed}-{name}")
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.devices: dict[str, list] = {}  # VM moid -> config.hardware.device
        self.props: dict[str, dict[str, Any]] = {}  # moid -> properties
        self.names: dict[str, str] = {}
        self.parents: dict[str, str | None] = {}
        self.pending_events: list[tuple[type, dict]] = []  # made on first use
        self.vms: list[VM] = []
        self.by_name: dict[str, VM] = {}
        self.hosts: dict[str, list] = {}  # cluster name -> host refs
        self.host_cluster: dict[str, str] = {}
        self.clusters: dict[str, Any] = {}
        self.pools: dict[str, dict[str | None, Any]] = {}
        self.cluster_ds: dict[str, list] = {}
        self.datastores: dict[str, Any] = {}  # name -> ref
        self.nets = {n.key: n for n in nets}
        self.net_refs: dict[str, Any] = {}
        self.folders: dict[str, Any] = {}
        self.alarm_states: list = []
        self.dc = self.root = None
        self.dc_name = ""
        self._ids = itertools.count(1)
        self._next_ip: dict[str, int] = {}
        self._mac = itertools.count(self.rng.randrange(0x1000, 0x3fffff))
        self._event_key = itertools.count(40_000 + self.rng.randrange(1000, 90_000))
        self._snapshot_ids = itertools.count(1)

    # --- plumbing ---

    def moid(self, prefix: str) -> str:
        """The next managed object id: ``vm-`` -> vm-42, ``group-v`` -> group-v7."""
        return f"{prefix}{next(self._ids)}"

    def add(self, ref, props: dict[str, Any]) -> dict[str, Any]:
        """Register an object as the collector files it (type name -> moid -> paths)."""
        props["_ref"] = ref
        self.objects.setdefault(ref._wsdlName, {})[ref._moId] = props
        self.props[ref._moId] = props
        self.names[ref._moId] = props["name"]
        parent = props.get("parent") or props.get("owner")
        self.parents[ref._moId] = parent._moId if parent is not None else None
        return props

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def mac(self) -> str:
        n = next(self._mac)
        return f"00:50:56:{(n >> 16) & 0x3f:02x}:{(n >> 8) & 0xff:02x}:{n & 0xff:02x}"

    def ago(self, **delta) -> datetime:
        return self.now - timedelta(**delta)

    def next_ip(self, net: Net) -> str:
        subnet = ipaddress.ip_network(net.ipv4)
        n = self._next_ip.get(net.key, 11)
        self._next_ip[net.key] = n + 1
        return str(subnet.network_address + n)

    def host_name(self, host) -> str:
        return self.names[host._moId]

    # --- structure ---

    def datacenter(self, name: str) -> None:
        self.root = vim.Folder(self.moid("group-d"))
        self.add(self.root, {"name": "Datacenters", "triggeredAlarmState": []})
        self.dc = vim.Datacenter(self.moid("datacenter-"))
        self.dc_name = name
        self.add(self.dc, {"name": name, "parent": self.root, "triggeredAlarmState": []})
        for key, prefix in (("vm", "group-v"), ("host", "group-h"),
                            ("datastore", "group-s"), ("network", "group-n")):
            ref = vim.Folder(self.moid(prefix))
            self.add(ref, {"name": key, "parent": self.dc, "triggeredAlarmState": []})
            self.folders[key] = ref

    def vm_folder(self, path: str):
        """The folder ``a/b`` below the datacenter's VM folder, created on demand."""
        parent, so_far = self.folders["vm"], ""
        for part in path.split("/"):
            so_far = f"{so_far}/{part}"
            ref = self.folders.get(so_far)
            if ref is None:
                ref = vim.Folder(self.moid("group-v"))
                self.add(ref, {"name": part, "parent": parent, "triggeredAlarmState": []})
                self.folders[so_far] = ref
            parent = ref
        return parent

    def networks(self, dvs_name: str | None) -> None:
        """The VM networks: portgroups of one distributed switch, or standard ones."""
        folder = self.folders["network"]
        dvs = None
        if dvs_name:
            dvs = vim.dvs.VmwareDistributedVirtualSwitch(self.moid("dvs-"))
            self.add(dvs, {"name": dvs_name, "parent": folder, "triggeredAlarmState": []})
            uplink = vim.dvs.DistributedVirtualPortgroup(self.moid("dvportgroup-"))
            trunk = vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec(
                vlanId=[vim.NumericRange(start=0, end=4094)])
            self.add(uplink, self._network_props(
                f"{dvs_name}-DVUplinks-{uplink._moId.rsplit('-', 1)[1]}", dvs, trunk, True))
        for net in self.nets.values():
            if dvs is not None:
                ref = vim.dvs.DistributedVirtualPortgroup(self.moid("dvportgroup-"))
                vlan = vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(vlanId=net.vlan)
                self.add(ref, self._network_props(net.name, dvs, vlan, False))
            else:
                ref = vim.Network(self.moid("network-"))
                self.add(ref, {"name": net.name, "parent": folder, "vm": [], "host": [],
                               "overallStatus": "green", "triggeredAlarmState": []})
            self.net_refs[net.key] = ref

    def _network_props(self, name: str, dvs, vlan, uplink: bool) -> dict:
        return {"name": name, "parent": self.folders["network"], "vm": [], "host": [],
                "overallStatus": "green", "triggeredAlarmState": [],
                "config.distributedVirtualSwitch": dvs,
                "config.defaultPortConfig":
                    vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
                        vlan=vlan),
                "config.uplink": uplink}

    def cluster(self, spec: ClusterSpec, esxi_of=None) -> None:
        """A cluster (or a standalone host): hosts, root and child pools, datastores.

        ``esxi_of(i)`` may give host ``i`` another ESXi release than the cluster's.
        """
        rng = self.rng
        folder = self.folders["host"]
        if spec.standalone:
            ref = vim.ComputeResource(self.moid("domain-s"))
            self.add(ref, {"name": f"{spec.host_prefix}-01.{DOMAIN}", "parent": folder})
        else:
            ref = vim.ClusterComputeResource(self.moid("domain-c"))
            self.add(ref, {
                "name": spec.name, "parent": folder, "host": [],
                "overallStatus": "green", "triggeredAlarmState": [],
                "configurationEx": vim.cluster.ConfigInfoEx(
                    dasConfig=vim.cluster.DasConfigInfo(
                        enabled=spec.ha,
                        hostMonitoring="enabled" if spec.ha else "disabled"),
                    drsConfig=vim.cluster.DrsConfigInfo(
                        enabled=spec.drs is not None,
                        defaultVmBehavior=spec.drs or "fullyAutomated",
                        vmotionRate=3)),
            })
        self.clusters[spec.name] = ref
        root_pool = vim.ResourcePool(self.moid("resgroup-"))
        self.add(root_pool, {"name": "Resources", "parent": ref, "owner": ref,
                             "triggeredAlarmState": []})
        pools: dict[str | None, Any] = {None: root_pool}
        for name in spec.pools:
            pool = vim.ResourcePool(self.moid("resgroup-"))
            self.add(pool, {"name": name, "parent": root_pool, "owner": ref,
                            "triggeredAlarmState": []})
            pools[name] = pool
        self.pools[spec.name] = pools
        vendor, model, cpu_model, sockets, cores, mhz, mem_gib = HARDWARE[spec.hardware]
        portgroups = self._host_portgroups()
        hosts = []
        for i in range(1, spec.hosts + 1):
            version, build = ESXI[(esxi_of(i) if esxi_of else None) or spec.esxi]
            host = vim.HostSystem(self.moid("host-"))
            boot = self.ago(days=rng.uniform(20, 200), minutes=rng.uniform(0, 600))
            self.add(host, {
                "name": f"{spec.host_prefix}-{i:02d}.{DOMAIN}", "parent": ref,
                "vm": [], "datastore": [], "overallStatus": "green", "configIssue": [],
                "triggeredAlarmState": [],
                "runtime.connectionState": "connected",
                "runtime.inMaintenanceMode": False, "runtime.powerState": "poweredOn",
                "runtime.bootTime": boot,
                "summary.config.product.version": version,
                "summary.config.product.build": build,
                "summary.config.product.fullName": f"VMware ESXi {version} build-{build}",
                "summary.hardware.vendor": vendor, "summary.hardware.model": model,
                "summary.hardware.cpuModel": cpu_model,
                "summary.hardware.cpuMhz": mhz,
                "summary.hardware.numCpuPkgs": sockets,
                "summary.hardware.numCpuCores": sockets * cores,
                "summary.hardware.numCpuThreads": sockets * cores * 2,
                "summary.hardware.memorySize": mem_gib * GIB,
                "summary.quickStats.overallCpuUsage": 0,
                "summary.quickStats.overallMemoryUsage": 0,
                "summary.quickStats.uptime": int((self.now - boot).total_seconds()),
                "config.network.portgroup": portgroups,
            })
            self.host_cluster[host._moId] = spec.name
            hosts.append(host)
        self.hosts[spec.name] = hosts
        if not spec.standalone:
            self.props[ref._moId]["host"] = list(hosts)
        stores = []
        for prefix, kind, count in spec.datastores:
            for i in range(1, count + 1):
                stores.append(self.datastore(prefix if count == 1 else f"{prefix}-{i:02d}",
                                             kind, hosts))
        self.cluster_ds[spec.name] = stores

    def _host_portgroups(self) -> list:
        names = [("Management Network", 10)] + [
            (n.name, n.vlan) for n in self.nets.values()
            if not isinstance(self.net_refs.get(n.key), vim.dvs.DistributedVirtualPortgroup)]
        return [vim.host.PortGroup(
            key=f"key-vim.host.PortGroup-{name}",
            spec=vim.host.PortGroup.Specification(name=name, vlanId=vlan,
                                                  vswitchName="vSwitch0",
                                                  policy=vim.host.NetworkPolicy()))
            for name, vlan in names]

    def datastore(self, name: str, kind: str, hosts: list):
        """A datastore mounted on ``hosts``; sized later by ``fill_datastores``."""
        rng = self.rng
        ref = vim.Datastore(self.moid("datastore-"))
        if kind == "NFS":
            url = f"ds:///vmfs/volumes/{rng.getrandbits(32):08x}-{rng.getrandbits(32):08x}/"
        elif kind == "vsan":
            url = f"ds:///vmfs/volumes/vsan:{rng.getrandbits(64):016x}-" \
                  f"{rng.getrandbits(64):016x}/"
        else:
            url = f"ds:///vmfs/volumes/{rng.getrandbits(32):08x}-{rng.getrandbits(32):08x}" \
                  f"-{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}/"
        mount = vim.host.MountInfo(accessMode="readWrite", mounted=True, accessible=True)
        self.add(ref, {
            "name": name, "parent": self.folders["datastore"],
            "host": [vim.Datastore.HostMount(key=h, mountInfo=mount) for h in hosts],
            "vm": [], "overallStatus": "green", "triggeredAlarmState": [],
            "summary.type": kind, "summary.capacity": 0, "summary.freeSpace": 0,
            "summary.uncommitted": 0, "summary.accessible": True,
            "summary.maintenanceMode": "normal", "summary.url": url,
        })
        for h in hosts:
            self.props[h._moId]["datastore"].append(ref)
        self.datastores[name] = ref
        return ref

    # --- VMs ---

    def placeable(self, cluster: str) -> list:
        """Hosts of a cluster that can take VMs (connected, not in maintenance)."""
        return [h for h in self.hosts[cluster]
                if self.props[h._moId]["runtime.connectionState"] == "connected"
                and not self.props[h._moId]["runtime.inMaintenanceMode"]]

    def role(self, role: Role) -> list[VM]:
        """The VMs of one role, spread over the hosts of its cluster."""
        rng = self.rng
        hosts = self.placeable(role.cluster)
        pools = self.pools[role.cluster]
        folder = self.vm_folder(role.folder)
        made = []
        for n in range(1, role.count + 1):
            os_key = rng.choices(list(role.os), weights=list(role.os.values()))[0]
            vm = self.new_vm(role.pattern.format(n), os_key, role=role,
                             cpu=rng.choice(role.cpu), mem_mb=rng.choice(role.mem_gb) * 1024,
                             disks_gb=list(role.disks_gb), nets=list(role.nets),
                             host=rng.choice(hosts), folder=folder,
                             pool=pools.get(role.pool, pools[None]))
            if rng.random() < role.off:
                vm.power = "poweredOff"
            made.append(vm)
        return made

    def new_vm(self, name: str, os_key: str, *, cpu: int, mem_mb: int, disks_gb: list[int],
               nets: list[str], host, folder, role: Role | None = None, pool=None,
               **fields) -> VM:
        rng = self.rng
        hw = rng.choice(("vmx-19", "vmx-19", "vmx-20", "vmx-21", "vmx-17", "vmx-15",
                         "vmx-13"))
        fields.setdefault("hw", hw)
        vm = VM(ref=vim.VirtualMachine(self.moid("vm-")), name=name, role=role, os=os_key,
                cpu=cpu, mem_mb=mem_mb, disks_gb=disks_gb,
                nets=[self.nets[k] for k in nets], host=host, folder=folder,
                pool=pool or self.pools[self.host_cluster[host._moId]][None], **fields)
        if role is not None:
            vm.tools = "unmanaged" if role.appliance else "ok"
            if role.owner and rng.random() < 0.8:
                vm.annotation = role.owner
        vm.macs = [self.mac() for _ in vm.nets]
        self.names[vm.ref._moId] = name
        self.parents[vm.ref._moId] = folder._moId
        self.vms.append(vm)
        self.by_name.setdefault(name, vm)
        return vm

    def template(self, name: str, os_key: str, cluster: str, folder: str = "Templates"):
        return self.new_vm(name, os_key, cpu=2, mem_mb=4096,
                           disks_gb=[90 if os_key in WINDOWS else 40],
                           nets=[next(iter(self.nets))],
                           host=self.rng.choice(self.placeable(cluster)),
                           folder=self.vm_folder(folder), power="poweredOff",
                           template=True, hw="vmx-19",
                           annotation="Golden image, patched monthly by Infrastructure")

    def size_vms(self) -> None:
        """Storage, load, IPs, tools versions and placement on datastores."""
        rng = self.rng
        for vm in self.vms:
            role = vm.role
            stores = self.cluster_ds[self.host_cluster[vm.host._moId]]
            if not vm.datastores:
                vm.datastores = [rng.choice(stores)]
                if len(vm.disks_gb) > 2 and len(stores) > 1:
                    vm.datastores.append(rng.choice(stores))
            provisioned = sum(vm.disks_gb) * GIB + vm.mem_mb * 1024 * 1024  # + swap
            used = rng.uniform(0.25, 0.8) if (role is None or role.thin) else 1.0
            vm.committed = int(provisioned * used)
            vm.uncommitted = provisioned - vm.committed
            if vm.on:
                vm.uptime = int(rng.choice((rng.uniform(0.2, 7), rng.uniform(7, 60),
                                            rng.uniform(20, 180))) * 86400)
                busy = role.busy if role else 0.05
                vm.cpu_mhz = int(vm.cpu * 2200 * min(0.98, rng.betavariate(2, 2 / busy)))
                vm.mem_active = int(vm.mem_mb * rng.uniform(0.05, 0.5))
                if vm.tools in ("ok", "old", "unmanaged") and not vm.ips:
                    vm.ips = [[self.next_ip(net)] for net in vm.nets]
            if vm.tools == "ok" and not vm.template and rng.random() < 0.06:
                vm.tools = "old"
            if vm.os == "w2016" and rng.random() < 0.35:
                vm.reported_os = OS["w2019"][2]  # "2016 or later" running 2019
            if vm.os == "rhel8" and rng.random() < 0.08:
                vm.reported_os = OS["rhel9"][2]  # upgraded in place, config not updated

    def snapshots(self, share: float, old_share: float) -> None:
        """Snapshot chains on a share of the VMs, from hours to more than a year old."""
        rng = self.rng
        for vm in self.vms:
            if vm.template or vm.placeholder or vm.snapshot is not None or \
                    rng.random() >= share:
                continue
            depth = rng.choices((1, 2, 3), weights=(7, 2, 1))[0]
            if rng.random() < old_share:
                age = rng.uniform(15, 420)
            else:
                age = rng.choice((rng.uniform(0.05, 2), rng.uniform(2, 13)))
            self.snapshot_chain(vm, [age * (1 - 0.3 * i) for i in range(depth)])

    def snapshot_chain(self, vm: VM, ages_days: list[float],
                       names: list[str] | None = None,
                       descriptions: list[str] | None = None, quiesced: bool = False,
                       creator: str | None = None) -> None:
        """A chain of snapshots (oldest first), the VM running from the newest."""
        rng = self.rng
        nodes = []
        for i, age in enumerate(ages_days):
            created = self.ago(days=age)
            user = creator or rng.choice(USERS)
            change = f"CHG{rng.randrange(10000, 99999):07d}"
            name = names[i] if names else rng.choice((
                f"Before patching {created:%Y-%m-%d}", "pre-upgrade", f"before {change}",
                "Before Windows Update" if vm.os in WINDOWS else "before dnf update",
                "clean install", "test", "base", f"snap {created:%d.%m.%Y}"))
            description = descriptions[i] if descriptions else rng.choice((
                f"Requested by {user}, {change}", f"{user}: rollback point", "",
                f"Taken by {user} before the application upgrade"))
            node = vim.vm.SnapshotTree(
                snapshot=vim.vm.Snapshot(f"snapshot-{next(self._snapshot_ids)}"),
                vm=vm.ref, name=name, description=description, id=i + 1,
                createTime=created, state="poweredOn" if vm.on else "poweredOff",
                quiesced=quiesced, childSnapshotList=[])
            if nodes:
                nodes[-1].childSnapshotList = [node]
            nodes.append(node)
            if age < 8:
                account = user if "\\" in user else f"CORP\\{user}"
                self.event(vim.event.TaskEvent, created, vm=vm, user=account,
                           message="Task: Create virtual machine snapshot",
                           info=vim.TaskInfo(
                               key=f"task-{rng.randrange(10 ** 5, 10 ** 6)}",
                               descriptionId="VirtualMachine.createSnapshot",
                               entityName=vm.name, state="success", cancelled=False,
                               cancelable=False, queueTime=created))
        vm.snapshot = vim.vm.SnapshotInfo(currentSnapshot=nodes[-1].snapshot,
                                          rootSnapshotList=[nodes[0]])
        # Delta disks keep growing with age: count them as used space.
        grow = sum(min(1.0, age / 60) for age in ages_days) * 0.15
        vm.committed += int(sum(vm.disks_gb) * GIB * grow)

    # --- alarms and events ---

    def alarm(self, entity, name: str, status: str, when: datetime,
              acknowledged_by: str | None = None) -> None:
        """A triggered alarm; ``finish`` shows it on the entity and all its parents."""
        alarm_id = _ALARM_ID[name]
        state = vim.alarm.AlarmState(
            key=f"{alarm_id}.{entity._moId}", entity=entity,
            alarm=vim.alarm.Alarm(alarm_id), overallStatus=status, time=when,
            acknowledged=acknowledged_by is not None, acknowledgedByUser=acknowledged_by,
            acknowledgedTime=when + timedelta(minutes=37) if acknowledged_by else None)
        self.alarm_states.append(state)
        if when > self.ago(days=8):
            entity_name = self.names[entity._moId]
            vm = self.by_name.get(entity_name) if isinstance(entity, vim.VirtualMachine) \
                else None
            self.event(vim.event.AlarmStatusChangedEvent, when, vm=vm,
                       host=entity if isinstance(entity, vim.HostSystem) else None,
                       message=f"Alarm '{name}' on {entity_name} changed from Green to "
                               f"{status.capitalize()}",
                       alarm=vim.event.AlarmEventArgument(
                           name=name, alarm=vim.alarm.Alarm(alarm_id)),
                       source=vim.event.ManagedEntityEventArgument(
                           name=self.dc_name, entity=self.dc),
                       entity=vim.event.ManagedEntityEventArgument(
                           name=entity_name, entity=entity),
                       **{"from": "green", "to": status})

    def event(self, cls, when: datetime, message: str, vm: VM | None = None,
              host=None, user: str | None = None, **extra) -> None:
        """A pyvmomi event object, as ``read_events`` would return it."""
        key = next(self._event_key)
        args: dict[str, Any] = {
            "key": key, "chainId": key, "createdTime": when, "userName": user or "",
            "fullFormattedMessage": message,
            "datacenter": vim.event.DatacenterEventArgument(name=self.dc_name,
                                                            datacenter=self.dc)}
        if vm is not None:
            args["vm"] = vim.event.VmEventArgument(name=vm.name, vm=vm.ref)
            host = host or vm.host
        if host is not None:
            args["host"] = vim.event.HostEventArgument(name=self.host_name(host),
                                                       host=host)
            cluster = self.clusters.get(self.host_cluster.get(host._moId))
            if cluster is not None:
                args["computeResource"] = vim.event.ComputeResourceEventArgument(
                    name=self.names[cluster._moId], computeResource=cluster)
        args.update(extra)
        self.pending_events.append((cls, args))

    def event_ex(self, type_id: str, severity: str, when: datetime, message: str,
                 host=None, vm: VM | None = None, datastore=None) -> None:
        """An extended event (esx.problem..., com.vmware.vc...)."""
        extra = {}
        if datastore is not None:
            extra["ds"] = vim.event.DatastoreEventArgument(
                name=self.names[datastore._moId], datastore=datastore)
        self.event(vim.event.EventEx, when, message, vm=vm, host=host,
                   eventTypeId=type_id, severity=severity, **extra)

    def routine_events(self, per_day: int, days: int = 8) -> None:
        """Power, DRS, reconfiguration and login events of the last days."""
        rng = self.rng
        running = [vm for vm in self.vms if vm.on]
        for vm in running:
            if vm.uptime is not None and vm.uptime < days * 86400:
                self.event(vim.event.VmPoweredOnEvent, self.ago(seconds=vm.uptime),
                           vm=vm, user=f"CORP\\{rng.choice(USERS)}",
                           message=f"{vm.name} on {self.host_name(vm.host)} in "
                                   f"{self.dc_name} is powered on")
        for vm in self.vms:
            if not vm.on and not vm.template and rng.random() < 0.3:
                self.event(vim.event.VmPoweredOffEvent,
                           self.ago(hours=rng.uniform(0.5, days * 24)), vm=vm,
                           user=f"CORP\\{rng.choice(USERS)}",
                           message=f"{vm.name} on {self.host_name(vm.host)} in "
                                   f"{self.dc_name} is powered off")
        for _ in range(per_day * days):
            when = self.ago(minutes=rng.uniform(1, days * 1440))
            vm = rng.choice(running)
            pick = rng.random()
            if pick < 0.55:
                hosts = self.hosts[self.host_cluster[vm.host._moId]]
                source = rng.choice(hosts)
                if source is vm.host:
                    continue
                self.event(vim.event.DrsVmMigratedEvent, when, vm=vm,
                           message=f"Migrating {vm.name} from {self.host_name(source)} "
                                   f"to {self.host_name(vm.host)} in {self.dc_name}",
                           sourceHost=vim.event.HostEventArgument(
                               name=self.host_name(source), host=source),
                           sourceDatacenter=vim.event.DatacenterEventArgument(
                               name=self.dc_name, datacenter=self.dc))
            elif pick < 0.8:
                self.event(vim.event.VmReconfiguredEvent, when, vm=vm,
                           user=f"CORP\\{rng.choice(USERS)}",
                           message=f"Reconfigured {vm.name} on {self.host_name(vm.host)} "
                                   f"in {self.dc_name}.  Modified: "
                                   f"config.hardware.memoryMB: {max(1024, vm.mem_mb // 2)}"
                                   f" -> {vm.mem_mb};")
            else:
                self.event(vim.event.VmGuestRebootEvent, when, vm=vm,
                           message=f"Guest OS reboot for {vm.name} on "
                                   f"{self.host_name(vm.host)} in {self.dc_name}")
        for hour in range(0, days * 24, 2):
            for account, agent in (("CORP\\svc-veeam", "VMware vim-java 1.0"),
                                   ("VSPHERE.LOCAL\\svc-vcompanion",
                                    "pyvmomi Python/3.12")):
                self.event(vim.event.UserLoginSessionEvent,
                           self.ago(hours=hour, minutes=rng.uniform(0, 100)),
                           user=account, ipAddress="10.10.10.25", userAgent=agent,
                           locale="en", sessionId=self.uuid(),
                           message=f"User {account}@10.10.10.25 logged in as {agent}")

    # --- turning the generated VMs into properties --------------------------------

    def vm_properties(self) -> None:
        """Every VM's properties, filed like the collector files them."""
        cdrom_iso = [vim.vm.device.VirtualCdrom(
            key=3002, controllerKey=200, unitNumber=0,
            deviceInfo=vim.Description(label="CD/DVD drive 1", summary="ISO"),
            connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                connected=True, startConnected=True, allowGuestControl=True),
            backing=vim.vm.device.VirtualCdrom.IsoBackingInfo(
                fileName="[PRD-NFS-ISO] iso/SW_DVD9_Win_Server_STD_CORE_2022.iso"))]
        cdrom_idle = [vim.vm.device.VirtualCdrom(
            key=3002, controllerKey=200, unitNumber=0,
            deviceInfo=vim.Description(label="CD/DVD drive 1", summary="Remote device"),
            connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                connected=False, startConnected=False, allowGuestControl=True),
            backing=vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(
                deviceName="", exclusive=False))]
        for vm in self.vms:
            guest_id, configured, reported = OS[vm.os]
            tools_running = vm.on and vm.tools in ("ok", "old", "unmanaged")
            host_state = self.props[vm.host._moId]["runtime.connectionState"]
            props = {
                "name": vm.name, "parent": vm.folder, "resourcePool": vm.pool,
                "datastore": list(vm.datastores),
                "network": [self.net_refs[n.key] for n in vm.nets],
                "summary.overallStatus": "green",
                "configStatus": "yellow" if vm.consolidate else "green",
                "triggeredAlarmState": [],
                "summary.runtime.powerState": vm.power,
                "summary.runtime.connectionState": "connected" if host_state == "connected"
                else "disconnected",
                "summary.runtime.host": vm.host,
                "summary.runtime.consolidationNeeded": vm.consolidate,
                "guest.net": self._guest_nics(vm) if tools_running else [],
                "guest.guestState": "running" if tools_running else "notRunning",
                "summary.guest.toolsStatus": ("toolsNotInstalled" if vm.tools == "notinstalled"
                                      else "toolsOld" if vm.tools == "old"
                                      else "toolsOk" if tools_running
                                      else "toolsNotRunning"),
                "summary.guest.toolsRunningStatus": "guestToolsRunning" if tools_running
                else "guestToolsNotRunning",
                "summary.guest.toolsVersionStatus2": {
                    "old": "guestToolsNeedUpgrade", "unmanaged": "guestToolsUnmanaged",
                    "notinstalled": "guestToolsNotInstalled"}.get(vm.tools,
                                                                  "guestToolsCurrent"),
                "summary.config.numCpu": vm.cpu,
                "summary.config.memorySizeMB": vm.mem_mb,
                "summary.config.numEthernetCards": len(vm.nets),
                "summary.config.numVirtualDisks": len(vm.disks_gb),
                "summary.config.guestFullName": configured,
                "summary.config.guestId": guest_id,
                "summary.config.template": vm.template,
                "summary.config.vmPathName":
                    f"[{self.names[vm.datastores[0]._moId]}] {vm.name}/{vm.name}.vmx",
                "summary.config.instanceUuid": self.uuid(),
                "summary.config.uuid": self.uuid(),
                "summary.storage.committed": vm.committed,
                "summary.storage.uncommitted": vm.uncommitted,
                "summary.quickStats.overallCpuUsage": vm.cpu_mhz,
                "summary.quickStats.guestMemoryUsage": vm.mem_active,
                "config.version": vm.hw,
            }
            self.devices[vm.ref._moId] = [
                *(cdrom_iso if vm.cdrom else cdrom_idle), *self._nic_devices(vm)]
            if vm.annotation:
                props["summary.config.annotation"] = vm.annotation
            if vm.snapshot is not None:
                props["snapshot"] = vm.snapshot
            if tools_running:
                props["summary.guest.guestFullName"] = vm.reported_os or reported
                hostname = vm.name.lower()
                props["summary.guest.hostName"] = (f"{hostname}.{DOMAIN}" if vm.os in WINDOWS
                                           else hostname)
                primary = next((ip for ips in vm.ips for ip in ips), None)
                if primary:
                    props["summary.guest.ipAddress"] = primary
            if vm.on:
                props["summary.runtime.bootTime"] = self.ago(seconds=vm.uptime)
                props["summary.quickStats.uptimeSeconds"] = vm.uptime
            self.add(vm.ref, props)
            self.props[vm.host._moId]["vm"].append(vm.ref)
            for d in vm.datastores:
                self.props[d._moId]["vm"].append(vm.ref)
            for n in vm.nets:
                self.props[self.net_refs[n.key]._moId]["vm"].append(vm.ref)
        all_hosts = [h for hs in self.hosts.values() for h in hs]
        for ref in self.net_refs.values():
            self.props[ref._moId]["host"] = list(all_hosts)

    def _nic_devices(self, vm: VM) -> list:
        """The VM's network adapters as vCenter lists them in its devices."""
        devices = []
        for i, net in enumerate(vm.nets):
            ref = self.net_refs[net.key]
            if isinstance(ref, vim.dvs.DistributedVirtualPortgroup):
                backing = vim.vm.device.VirtualEthernetCard \
                    .DistributedVirtualPortBackingInfo(
                        port=vim.dvs.PortConnection(portgroupKey=ref._moId))
            else:
                backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                    deviceName=net.name, network=ref)
            card = (vim.vm.device.VirtualE1000e if vm.os in ("w2008", "centos7")
                    else vim.vm.device.VirtualVmxnet3)
            devices.append(card(
                key=4000 + i, controllerKey=100, unitNumber=7 + i,
                deviceInfo=vim.Description(label=f"Network adapter {i + 1}",
                                           summary=net.name),
                backing=backing, macAddress=vm.macs[i], addressType="assigned",
                connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                    connected=vm.on, startConnected=True, allowGuestControl=True)))
        return devices

    def _guest_nics(self, vm: VM) -> list:
        nics = []
        for i, net in enumerate(vm.nets):
            addresses = list(vm.ips[i]) if i < len(vm.ips) else []
            if addresses and net.ipv6 and vm.ipv6 and self.rng.random() < 0.7:
                host_part = int(ipaddress.ip_address(addresses[0])) & 0xffff
                addresses.append(str(ipaddress.ip_network(net.ipv6).network_address
                                     + host_part))
            if addresses and vm.os not in ("w2008", "centos7"):
                addresses.append(link_local(vm.macs[i]))
            nics.append(vim.vm.GuestInfo.NicInfo(
                network=net.name, ipAddress=addresses, macAddress=vm.macs[i],
                connected=True, deviceConfigId=4000 + i))
        return nics

    def host_load(self) -> None:
        """Host and cluster usage from the VMs running on them."""
        for vm in self.vms:
            if not vm.on:
                continue
            props = self.props[vm.host._moId]
            props["summary.quickStats.overallCpuUsage"] += vm.cpu_mhz + 40
            props["summary.quickStats.overallMemoryUsage"] += int(vm.mem_mb * 0.72) + 60
        for hosts in self.hosts.values():
            for host in hosts:
                props = self.props[host._moId]
                props["summary.quickStats.overallMemoryUsage"] += 3200  # ESXi itself
                if props["runtime.connectionState"] != "connected":
                    for key in ("summary.quickStats.overallCpuUsage",
                                "summary.quickStats.overallMemoryUsage",
                                "summary.quickStats.uptime"):
                        del props[key]
                    props["overallStatus"] = "gray"
        for name, ref in self.clusters.items():
            if not isinstance(ref, vim.ClusterComputeResource):
                continue
            members = [self.props[h._moId] for h in self.hosts[name]]
            usable = [h for h in members if h["runtime.connectionState"] == "connected"
                      and not h["runtime.inMaintenanceMode"]]

            def cpu(hosts):
                return sum(h["summary.hardware.numCpuCores"] * h["summary.hardware.cpuMhz"]
                           for h in hosts)

            def memory(hosts):
                return sum(h["summary.hardware.memorySize"] for h in hosts)

            self.props[ref._moId].update({
                "summary.numHosts": len(members),
                "summary.numEffectiveHosts": len(usable),
                "summary.totalCpu": cpu(members),
                "summary.totalMemory": memory(members),
                "summary.effectiveCpu": int(cpu(usable) * 0.94),
                "summary.effectiveMemory": int(memory(usable) * 0.92 / 2 ** 20),
            })

    def fill_datastores(self, free_targets: dict[str, float]) -> None:
        """Capacity and free space from the VMs on each datastore, at a fill level.

        The capacity is the smallest usual LUN size that leaves the target free
        share; the rest is ISOs, logs and forgotten files.
        """
        rng = self.rng
        used: dict[str, int] = {}
        thin: dict[str, int] = {}
        for vm in self.vms:
            for d in vm.datastores:
                used[d._moId] = used.get(d._moId, 0) + vm.committed // len(vm.datastores)
                thin[d._moId] = thin.get(d._moId, 0) + vm.uncommitted // len(vm.datastores)
        sizes = [s * TIB // 2 for s in (1, 2, 4, 8, 12, 16, 20, 24, 32, 48, 64, 96)]
        for name, ref in self.datastores.items():
            props = self.props[ref._moId]
            free = free_targets.get(name, rng.uniform(0.25, 0.65))
            in_use = used.get(ref._moId, 0) + 40 * GIB
            capacity = next((s for s in sizes if s * (1 - free) >= in_use), sizes[-1])
            props["summary.capacity"] = capacity
            props["summary.freeSpace"] = int(capacity * free)
            props["summary.uncommitted"] = thin.get(ref._moId, 0)
            if free < 0.25:  # vCenter's default alarm: yellow at 75 % used, red at 85 %
                self.alarm(ref, "Datastore usage on disk", "red" if free < 0.15
                           else "yellow", self.ago(days=rng.uniform(0.2, 30)))

    def vm_alarms(self, share: float) -> None:
        """CPU and memory alarms on a share of the running VMs."""
        rng = self.rng
        for vm in self.vms:
            if not vm.on or rng.random() >= share:
                continue
            self.alarm(vm.ref, rng.choice(("Virtual machine CPU usage",
                                           "Virtual machine memory usage")),
                       rng.choice(("yellow", "yellow", "red")),
                       self.ago(hours=rng.uniform(0.1, 300)),
                       rng.choice((None, None, f"CORP\\{rng.choice(USERS)}")))

    def finish(self) -> None:
        """Show each triggered alarm on its entity and every parent; set colours."""
        rank = {"green": 0, "yellow": 1, "red": 2}
        for state in self.alarm_states:
            oid = state.entity._moId
            own = self.props[oid]
            if "overallStatus" in own and own["overallStatus"] != "gray" and \
                    rank[state.overallStatus] > rank[own["overallStatus"]]:
                own["overallStatus"] = state.overallStatus
            while oid is not None:
                props = self.props.get(oid)
                if props is not None and "triggeredAlarmState" in props:
                    props["triggeredAlarmState"].append(state)
                oid = self.parents.get(oid)
        typed = Typed()
        for props in self.props.values():
            cls = type(props["_ref"])
            for path, value in props.items():
                if path != "_ref":
                    props[path] = typed.property(cls, path, value)

    def make_events(self) -> list:
        """The pyvmomi event objects, oldest first (built only when asked for)."""
        typed = Typed()
        events = [typed.value(cls(**args), cls) for cls, args in
                  sorted(self.pending_events, key=lambda e: e[1]["createdTime"])]
        return events


def link_local(mac: str) -> str:
    """The EUI-64 IPv6 link-local address of a MAC, as guests report it."""
    octets = [int(x, 16) for x in mac.split(":")]
    octets[0] ^= 0x02
    eui = octets[:3] + [0xff, 0xfe] + octets[3:]
    return str(ipaddress.IPv6Address(bytes([0xfe, 0x80] + [0] * 6 + eui)))


class Typed:
    """Gives values the exact types pyvmomi's deserializer gives them.

    A real read returns enums as their enum type (``vim.VirtualMachine.PowerState``),
    ``xsd:long`` as ``long``, arrays as typed arrays (``ManagedObject[]`` for a
    property holding references, the declared array type elsewhere).  Values
    built locally are plain ``str``, ``int`` and ``list``: this converts them,
    following pyvmomi's own type declarations, into and through data objects.
    """

    _MO_ARRAY = VmomiSupport.GetVmodlType("vmodl.ManagedObject[]")
    _NUMBERS = (VmomiSupport.long, VmomiSupport.short, VmomiSupport.byte)

    def __init__(self):
        self._infos: dict[tuple[type, str], Any] = {}
        self._fields: dict[type, list] = {}
        self._seen: set[int] = set()

    def property(self, cls: type, path: str, value: Any) -> Any:
        """A top-level property value, as RetrievePropertiesEx returns it."""
        info = self._infos.get((cls, path))
        if info is None:
            current = cls
            for part in path.split("."):
                info = current._GetPropertyInfo(part)
                current = info.type
            self._infos[(cls, path)] = info
        declared = info.type
        if isinstance(value, list) and issubclass(declared, list) and \
                issubclass(declared.Item, VmomiSupport.ManagedObject):
            return self._MO_ARRAY(value)
        return self.value(value, declared)

    def value(self, value: Any, declared: type) -> Any:
        if value is None:
            return None
        if isinstance(value, VmomiSupport.DataObject):
            if id(value) not in self._seen:
                self._seen.add(id(value))
                self._fields_of(value)
            return value
        if isinstance(value, list):
            item = getattr(declared, "Item", object)
            items = [self.value(v, item) for v in value]
            return declared(items) if issubclass(declared, list) else items
        if declared in self._NUMBERS or issubclass(declared, VmomiSupport.Enum):
            return value if type(value) is declared else declared(value)
        return value

    def _fields_of(self, obj) -> None:
        fields = self._fields.get(type(obj))
        if fields is None:
            fields = [(f.name, f.type) for f in type(obj)._GetPropertyList()]
            self._fields[type(obj)] = fields
        for name, declared in fields:
            current = getattr(obj, name, None)
            if current is None or (isinstance(current, list) and not current
                                   and type(current) is declared):
                continue
            typed = self.value(current, declared)
            if typed is not current:
                object.__setattr__(obj, name, typed)
