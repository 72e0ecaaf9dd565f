"""Benchmark: write the inventory workbook for a large synthetic estate.

    .venv/bin/python benchmarks/bench_report.py [--vms 20000] [--out FILE]

Builds the tables with the real column declarations (``Table.frame``) and the
real health rules (``problems.evaluate``), then times ``reports.inventory.write``
and reports the peak memory of the whole process (ru_maxrss; tracemalloc would
slow openpyxl down several times, so it is not used).  Besides wall-clock time
it prints the CPU time of the write: on a machine shared with other work the
CPU time is what the write would take on an idle core.
Goal (issue 6): 20,000 VMs in under 15 s and under 1 GB.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from vcompanion import problems
from vcompanion.companion import STATUS_COLUMNS
from vcompanion.reports import inventory
from vcompanion.tables import TABLES

GIB = 1024 ** 3


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux/macOS)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def synthetic(n_vms: int, vcenters=("prod", "dr", "lab"), seed: int = 7):
    """InventoryData for ``n_vms`` VMs spread over ``vcenters``."""
    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    hosts_per_vc = max(1, n_vms // 25 // len(vcenters))
    vms, hosts, clusters, datastores, snapshots, networks, alarms, nics, cdroms = (
        [] for _ in range(9))
    for vc in vcenters:
        for c in range(max(1, hosts_per_vc // 16)):
            clusters.append({"vcenter": vc, "name": f"{vc}-cl{c:02}", "datacenter": "DC1",
                             "host_count": 16, "effective_host_count": 16, "vm_count": 400,
                             "cpu_capacity_mhz": 16 * 64 * 2600, "cpu_usage_mhz": 800_000,
                             "cpu_usage_pct": 30.1, "memory_capacity_gb": 16 * 1024.0,
                             "memory_usage_gb": 9000.5, "memory_usage_pct": 55.0,
                             "ha_enabled": True, "drs_enabled": True,
                             "drs_behavior": "fullyAutomated", "overall_status": "green",
                             "alarm_count": 0, "moid": f"domain-c{c}"})
        for h in range(hosts_per_vc):
            hosts.append({"vcenter": vc, "name": f"esx{h:04}.{vc}.corp.example.com",
                          "connection_state": "connected", "in_maintenance": h % 97 == 0,
                          "power_state": "poweredOn", "cluster": f"{vc}-cl{h // 16:02}",
                          "datacenter": "DC1", "version": "8.0.2", "build": "22380479",
                          "product": "VMware ESXi 8.0.2 build-22380479",
                          "vendor": "Dell Inc.", "model": "PowerEdge R750",
                          "cpu_model": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
                          "cpu_sockets": 2, "cpu_cores": 64, "cpu_threads": 128,
                          "cpu_mhz": 2000, "cpu_capacity_mhz": 128000,
                          "cpu_usage_mhz": rnd.randint(1000, 100000),
                          "cpu_usage_pct": rnd.uniform(1, 90), "memory_gb": 1024.0,
                          "memory_usage_gb": rnd.uniform(100, 900),
                          "memory_usage_pct": rnd.uniform(10, 90), "vm_count": 25,
                          "datastore_count": 12, "boot_time": now - timedelta(days=40),
                          "uptime_hours": 960.0, "overall_status": "green",
                          "config_issues": 0, "config_issue_messages": [],
                          "alarm_count": 0, "moid": f"host-{h}"})
        for d in range(max(1, n_vms // 60 // len(vcenters))):
            cap = rnd.choice([4, 8, 16]) * 1024 * GIB
            free = int(cap * rnd.uniform(0.05, 0.6))
            datastores.append({"vcenter": vc, "name": f"{vc}-ds{d:03}", "datacenter": "DC1",
                               "type": "VMFS", "capacity_bytes": cap, "free_bytes": free,
                               "used_bytes": cap - free,
                               "provisioned_bytes": int((cap - free) * 1.3),
                               "free_pct": 100 * free / cap,
                               "provisioned_pct": 130 * (cap - free) / cap,
                               "accessible": True, "maintenance_mode": "normal",
                               "url": f"ds:///vmfs/volumes/{d:08x}/", "host_count": 16,
                               "vm_count": 60, "overall_status": "green", "alarm_count": 0,
                               "moid": f"datastore-{d}"})
        for p in range(200):
            networks.append({"vcenter": vc, "name": f"VLAN{p + 100}-app", "kind":
                             "distributed", "switch": "dvs-prod", "vlan": str(p + 100),
                             "datacenter": "DC1", "host_count": 16, "vm_count": 40,
                             "overall_status": "green", "moid": f"dvportgroup-{p}"})
    for i in range(n_vms):
        vc = vcenters[i % len(vcenters)]
        h = (i // len(vcenters)) % hosts_per_vc
        on = i % 10 != 0
        ip = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
        vms.append({
            "vcenter": vc, "name": f"app-{i:05}-{rnd.choice(['web', 'db', 'api'])}",
            "power_state": "poweredOn" if on else "poweredOff",
            "connection_state": "connected", "ip_addresses": [ip, f"fe80::{i:x}"],
            "primary_ip": ip, "mac_addresses": [f"00:50:56:{i >> 16 & 255:02x}:"
                                                f"{i >> 8 & 255:02x}:{i & 255:02x}"],
            "guest_hostname": f"app-{i:05}.corp.example.com",
            "guest_os": "Microsoft Windows Server 2022 (64-bit)",
            "configured_os": "Microsoft Windows Server 2022 (64-bit)",
            "guest_id": "windows2019srvNext_64Guest", "guest_state": "running" if on
            else "notRunning", "num_cpu": rnd.choice([2, 4, 8]),
            "memory_mb": rnd.choice([4096, 8192, 16384]), "num_nics": 1, "num_disks": 2,
            "host": f"esx{h:04}.{vc}.corp.example.com", "cluster": f"{vc}-cl{h // 16:02}",
            "datacenter": "DC1", "folder": "Production/Apps", "resource_pool": "Resources",
            "datastores": [f"{vc}-ds{i % 50:03}"], "networks": [f"VLAN{i % 200 + 100}-app"],
            "provisioned_gb": 120.0, "used_gb": rnd.uniform(20, 120),
            "snapshot_count": 1 if i % 8 == 0 else 0,
            "tools_status": "toolsOk" if i % 50 else "toolsOld",
            "tools_running_status": "guestToolsRunning" if on else "guestToolsNotRunning",
            "tools_version_status": "guestToolsCurrent", "overall_status": "green",
            "config_status": "green", "alarm_count": 0,
            "instance_uuid": f"50{i:030x}", "bios_uuid": f"42{i:030x}", "moid": f"vm-{i}",
            "annotation": "Owner: app team; ticket CHG-12345" if i % 3 == 0 else None,
            "is_template": i % 500 == 0, "consolidation_needed": i % 400 == 0,
            "hw_version": "vmx-19",
            "boot_time": now - timedelta(hours=rnd.randint(1, 2000)) if on else None,
            "uptime_hours": rnd.uniform(1, 2000) if on else None,
            "cpu_usage_mhz": rnd.randint(0, 8000), "guest_memory_usage_mb": 2048,
            "vm_path": f"[{vc}-ds{i % 50:03}] app-{i:05}/app-{i:05}.vmx"})
        vm = vms[-1]
        nics.append({"vcenter": vc, "vm": vm["name"], "power_state": vm["power_state"],
                     "label": "Network adapter 1", "adapter": "vmxnet3",
                     "network": vm["networks"][0], "connected": on,
                     "start_connected": True, "mac_address": vm["mac_addresses"][0],
                     "mac_type": "assigned", "ip_addresses": vm["ip_addresses"],
                     "is_template": vm["is_template"], "vm_moid": f"vm-{i}"})
        cdroms.append({"vcenter": vc, "vm": vm["name"], "power_state": vm["power_state"],
                       "label": "CD/DVD drive 1", "connected": i % 300 == 0,
                       "start_connected": False, "device_type": "iso" if i % 300 == 0
                       else "client device", "backing": "[iso] os.iso" if i % 300 == 0
                       else None, "is_template": vm["is_template"], "vm_moid": f"vm-{i}"})
        if i % 8 == 0:
            created = now - timedelta(days=rnd.randint(0, 60))
            snapshots.append({"vcenter": vc, "vm": vms[-1]["name"], "name": "before patch",
                              "description": "CHG-12345", "created": created,
                              "age_days": (now - created).total_seconds() / 86400,
                              "parent": None, "depth": 0, "is_current": True,
                              "quiesced": False, "state": "poweredOn",
                              "vm_power_state": vms[-1]["power_state"],
                              "vm_moid": f"vm-{i}", "moid": f"snapshot-{i}"})
        if i % 100 == 0:
            alarms.append({"vcenter": vc, "entity": vms[-1]["name"],
                           "entity_type": "VirtualMachine",
                           "alarm": "Virtual machine CPU usage",
                           "status": "red" if i % 200 else "yellow",
                           "time": now - timedelta(hours=i % 48), "acknowledged": False,
                           "acknowledged_by": None, "entity_moid": f"vm-{i}",
                           "alarm_moid": "alarm-6", "key": f"alarm-6.vm-{i}"})
    frames = {name: TABLES[name].frame(rows) for name, rows in (
        ("vms", vms), ("hosts", hosts), ("clusters", clusters),
        ("datastores", datastores), ("snapshots", snapshots), ("networks", networks),
        ("alarms", alarms), ("nics", nics), ("cdroms", cdroms))}
    status = pd.DataFrame([{
        "vcenter": vc, "address": f"vcenter-{vc}.corp.example.com:443", "status": "ok",
        "message": "connected", "product": "VMware vCenter Server 8.0.2 build-22617221",
        "version": "8.0.2", "build": "22617221", "api_version": "8.0.2.0",
        "user": "svc-vcompanion@vsphere.local", "round_trip_ms": 2.5,
        "last_collection": now, "collect_seconds": 12.0, "round_trips": 9,
        "objects": n_vms // len(vcenters)} for vc in vcenters], columns=STATUS_COLUMNS)
    facts = problems.Facts(vms=frames["vms"], hosts=frames["hosts"],
                           datastores=frames["datastores"], snapshots=frames["snapshots"],
                           alarms=frames["alarms"], cdroms=frames["cdroms"],
                           status=status,
                           settings={"datastore_free_warning_pct": 15,
                                     "datastore_free_critical_pct": 10,
                                     "snapshot_age_days": 14, "disabled_rules": []})
    return inventory.InventoryData(problems=problems.evaluate(facts), status=status,
                                   **frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=None,
                        help="keep the workbook here (default: a temporary file)")
    args = parser.parse_args()

    started = time.perf_counter()
    data = synthetic(args.vms)
    built = time.perf_counter() - started
    gc.collect()
    before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "inventory.xlsx"
        started, cpu = time.perf_counter(), time.process_time()
        inventory.write(data, out)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        size = out.stat().st_size
    after = peak_rss_mb()
    rows = {n: len(data.frame(n)) for n in ("vInfo", "vHost", "vDatastore", "vSnapshot",
                                            "vHealth")}
    print(f"synthetic tables: {built:.1f} s; rows: "
          + ", ".join(f"{n} {r:,}" for n, r in rows.items()))
    print(f"workbook write: {seconds:.2f} s wall clock, {cpu:.2f} s CPU, "
          f"{size / 1e6:.1f} MB file")
    print(f"peak RSS: {after:.0f} MB for the whole process "
          f"(tables {before:.0f} MB before the write)")
    if args.vms != 20_000:
        return 0
    ok = seconds < 15 and after < 1024
    print("goal for 20,000 VMs (< 15 s, < 1 GB):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
