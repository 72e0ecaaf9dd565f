"""How the demo generates one vCenter's raw properties (used by ``sites.py``).

``VCenterBuilder`` produces what ``tables.collect`` would have read from a
vCenter: ``{type name: {moid: {property path: value}}}`` with pyvmomi data
objects and managed object references built locally, plus pyvmomi event
objects.  ``sites.py`` says *what* each demo vCenter contains; this module
knows *how* vSphere shapes it (folders, resource pools, snapshot trees,
triggered alarm states shown on every parent, guest NIC info, ...).
"""

from __future__ import annotations

import ipaddress
import itertools
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from pyVmomi import vim

from .activity import ActivityMixin
from .catalog import DOMAIN, ESXI, GIB, HARDWARE, VM, WINDOWS, ClusterSpec, Net, Role
from .state import StateMixin


# --- the builder ----------------------------------------------------------------------

class VCenterBuilder(StateMixin, ActivityMixin):
    """Generates one vCenter's objects, alarms and events, deterministically."""

    def __init__(self, name: str, seed: int, now: datetime, nets: tuple[Net, ...]):
        self.name = name
        self.now = now
        self.rng = random.Random(f"{seed}-{name}")
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.devices: dict[str, list] = {}  # VM moid -> config.hardware.device
        self.tags = None  # TagData, and the custom field definitions (labels.py)
        self.custom_fields: dict = {}
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
