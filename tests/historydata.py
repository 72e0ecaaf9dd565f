"""Small hand-made vCenter tables for the history tests (rows of the real tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyVmomi import vim

from vcompanion.config import Config
from vcompanion.history import History, Reading
from vcompanion.tables import TABLES

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
TABLE_NAMES = ("vms", "hosts", "datastores", "clusters", "networks")


def config(tmp_path, url: str, names=("prod", "dr"), **history) -> Config:
    return Config.from_dict({
        "vcenters": [{"name": n, "host": f"vc-{n}.example.com"} for n in names],
        "data_dir": str(tmp_path / "data"),
        "history": {"database_url": url, **history}}, base_dir=tmp_path)


def vm(moid: str, name: str, **values) -> dict:
    row = {"moid": moid, "name": name, "power_state": "poweredOn", "num_cpu": 2,
           "memory_mb": 4096, "host": "esx-01", "cluster": "C1", "folder": "/Prod",
           "resource_pool": "Resources", "datastores": ["DS1"], "networks": ["VM Network"],
           "ip_addresses": ["10.0.0.1"], "guest_os": "Ubuntu Linux (64-bit)",
           "tools_status": "toolsOk", "provisioned_gb": 40.0, "snapshot_count": 0,
           "annotation": None, "is_template": False, "instance_uuid": f"iu-{moid}",
           "bios_uuid": f"bu-{moid}", "cpu_usage_mhz": 100}
    row.update(values)
    return row


def host(moid: str, name: str, **values) -> dict:
    row = {"moid": moid, "name": name, "connection_state": "connected",
           "in_maintenance": False, "cluster": "C1", "version": "8.0.3", "build": "24022515",
           "cpu_usage_mhz": 5000, "memory_usage_gb": 100.0}
    row.update(values)
    return row


def datastore(moid: str, name: str, capacity: int = 1000 * 2**30, free: int = 600 * 2**30,
              **values) -> dict:
    row = {"moid": moid, "name": name, "type": "VMFS", "capacity_bytes": capacity,
           "free_bytes": free, "provisioned_bytes": capacity - free, "accessible": True}
    row.update(values)
    return row


def cluster(moid: str, name: str, **values) -> dict:
    row = {"moid": moid, "name": name, "host_count": 2, "vm_count": 3, "ha_enabled": True,
           "drs_enabled": True, "cpu_capacity_mhz": 40000, "cpu_usage_mhz": 10000,
           "memory_capacity_gb": 512.0, "memory_usage_gb": 200.0}
    row.update(values)
    return row


def tables(vcenter: str, vms=(), hosts=(), datastores=(), clusters=(), networks=()):
    given = {"vms": vms, "hosts": hosts, "datastores": datastores, "clusters": clusters,
             "networks": networks}
    return {name: TABLES[name].frame([{**r, "vcenter": vcenter} for r in rows])
            for name, rows in given.items()}


def reading(vcenter: str, frames: dict | None = None, when: datetime | None = None,
            events=None, error: str | None = None, uuid: str | None = None) -> Reading:
    uuid = uuid or f"uuid-{vcenter}"
    if error is not None or frames is None:
        return Reading(vcenter, uuid, error=error or "not read")
    evs = list(events or [])
    return Reading(vcenter, uuid, when, table=lambda name: frames[name],
                   events=lambda since: [e for e in evs if e.createdTime >= since])


def vm_event(cls, moid: str, name: str, user: str, when: datetime, key: int = 1):
    return cls(key=key, chainId=key, createdTime=when, userName=user,
               fullFormattedMessage=f"{cls.__name__} {name}",
               vm=vim.event.VmEventArgument(vm=vim.VirtualMachine(moid), name=name))


def record(history: History, when: datetime, *readings):
    return history.record(list(readings), now=when)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
