"""Turning the generated VMs, hosts and datastores into vSphere properties.

A mixin of ``VCenterBuilder``: sizes, guest state, device lists, host load
and datastore fill, and the pyvmomi typing of every value (``Typed``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pyVmomi import VmomiSupport, vim

from .catalog import DOMAIN, GIB, OS, TIB, VM, WINDOWS


class StateMixin:
    """The property-making half of ``VCenterBuilder`` (see builder.py)."""

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
                "guest.toolsRunningStatus": "guestToolsRunning" if tools_running
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
            # Disks and their controllers are added when the device lists are
            # first read (storage.disk_devices; Environment.devices).
            self.devices[vm.ref._moId] = [
                *(cdrom_iso if vm.cdrom else cdrom_idle), *self._nic_devices(vm)]
            if vm.annotation:
                props["summary.config.annotation"] = vm.annotation
            if vm.snapshot is not None:
                props["snapshot"] = vm.snapshot
            if vm.on:  # some vCenters leave it out of the summary of a VM that is off
                props["summary.guest.toolsRunningStatus"] = props["guest.toolsRunningStatus"]
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
