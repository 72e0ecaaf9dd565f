"""Snapshots, triggered alarms and events of a generated vCenter.

A mixin of ``VCenterBuilder``: snapshot trees with creation times, alarm
states shown on the entity and its parents, and the week of events (pyvmomi
event objects, made on first use).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pyVmomi import vim

from .catalog import ALARM_IDS, GIB, USERS, VM, WINDOWS
from .state import Typed


class ActivityMixin:
    """The snapshot, alarm and event half of ``VCenterBuilder`` (see builder.py)."""

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
        alarm_id = ALARM_IDS[name]
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

    def make_events(self) -> list:
        """The pyvmomi event objects, oldest first (built only when asked for)."""
        typed = Typed()
        events = [typed.value(cls(**args), cls) for cls, args in
                  sorted(self.pending_events, key=lambda e: e[1]["createdTime"])]
        return events
