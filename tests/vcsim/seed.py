"""Ground truth of the seeded vCenter simulators (tests/vcsim/*.go).

Hand-written: this is the specification the Go simulator implements, not a
dump of it. tests/test_simulator.py checks that the two agree.

Every simulated vCenter has one login (USERNAME / PASSWORD). Times are
relative to the moment the simulator built its inventory (a second or two
before its ready line): "age_days" / "hours_ago" mean "that long before
start"; compare with a tolerance of a few minutes.

Shape of a topology (PROD, DR, LAB; see TOPOLOGIES):

    {
      "name": "prod", "instance_uuid": str, "datacenter": "DC-Prod",
      "vm_folders": [folder names below the datacenter's "vm" folder],
      "clusters": {name: {"hosts": [host names], "drs": bool, "ha": bool,
                          "pools": [child pool names below "Resources"]}},
      "standalone_hosts": [host names],
      "hosts": {name: HOST},            # see _host()
      "datastores": {name: DATASTORE},  # see _datastore()
      "networks": {name: {"vlan": int, "distributed": bool}},
      "dvswitch": name or None,         # it also has an uplink portgroup
                                        # "<dvswitch>-DVUplinks-<n>" (config.uplink = True)
      "vms": {name: VM},                # see _vm(); templates included
      "alarms": [ALARM],                # triggered alarms, see _alarm()
      "events": [EVENT],                # the whole seeded history, oldest first;
                                        # event keys are 1, 2, ... in this order
      "tags": {(KIND, name): ["Category:Tag", ...]},       # tags.go-style REST tags
      "attributes": {(KIND, name): {field: value}},        # custom attribute values
    }

KIND is vm, host, datastore, cluster or network. Every simulator has the
same tag catalog (TAG_CATEGORIES) and custom field definitions
(CUSTOM_FIELDS); the tags are served by the vSphere Automation REST API at
/rest/com/vmware/cis/tagging/... (no /api), see tests/vcsim/labels.go.

LARGE and large_vm() describe the generated "large" topology.
"""

USERNAME = "vcadmin@vsphere.local"
PASSWORD = "Sim-Passw0rd!"

GIB = 1024**3
MIB = 1024**2

# Powered-on VMs were booted this long before start (runtime.bootTime).
VM_BOOT_AGE_DAYS = 14

# guest.toolsVersion per installed VMware Tools flavour.
TOOLS_VERSION = {"current": "12389", "old": "11269", "unmanaged": "12325", "none": "0"}
TOOLS_VERSION_STATUS = {
    "current": "guestToolsCurrent",
    "old": "guestToolsNeedUpgrade",
    "unmanaged": "guestToolsUnmanaged",
    "none": "guestToolsNotInstalled",
}

# config.guestId -> (config.guestFullName, guest.guestFamily)
GUEST_OS = {
    "ubuntu64Guest": ("Ubuntu Linux (64-bit)", "linuxGuest"),
    "rhel8_64Guest": ("Red Hat Enterprise Linux 8 (64-bit)", "linuxGuest"),
    "centos7_64Guest": ("CentOS 7 (64-bit)", "linuxGuest"),
    "debian11_64Guest": ("Debian GNU/Linux 11 (64-bit)", "linuxGuest"),
    "vmwarePhoton64Guest": ("VMware Photon OS (64-bit)", "linuxGuest"),
    "windows2019srv_64Guest": ("Microsoft Windows Server 2019 (64-bit)", "windowsGuest"),
    "windows2019srvNext_64Guest": ("Microsoft Windows Server 2022 (64-bit)", "windowsGuest"),
    "windows9Server64Guest": ("Microsoft Windows Server 2016 or later (64-bit)", "windowsGuest"),
    "winNetStandard64Guest": ("Microsoft Windows Server 2003 Standard (64-bit)", "windowsGuest"),
    "windows11_64Guest": ("Microsoft Windows 11 (64-bit)", "windowsGuest"),
    "vmkernel7Guest": ("VMware ESXi 7.0 or later", "otherGuestFamily"),
}

# Alarm definitions registered in every simulator (Alarm objects, entity =
# root folder; AlarmManager.GetAlarm returns them): (moref value, info.name, info.systemName)
ALARM_DEFINITIONS = [
    ("alarm-1", "Host connection and power state", "alarm.HostConnectionStateAlarm"),
    ("alarm-2", "Host CPU usage", "alarm.HostCPUUsageAlarm"),
    ("alarm-3", "Host memory usage", "alarm.HostMemoryUsageAlarm"),
    ("alarm-4", "Virtual machine CPU usage", "alarm.VmCPUUsageAlarm"),
    ("alarm-5", "Virtual machine memory usage", "alarm.VmMemoryUsageAlarm"),
    ("alarm-6", "Datastore usage on disk", "alarm.DatastoreDiskUsageAlarm"),
]
ALARM_KEYS = {name: key for key, name, _ in ALARM_DEFINITIONS}

# One IPv4 address used by a VM in prod and by a different VM in dr.
SHARED_IP = "10.10.120.50"
SHARED_IP_VMS = {"prod": "reporting-01", "dr": "reporting-dr-01"}
# VM names that exist in more than one vCenter (different VMs).
SHARED_VM_NAMES = {"jump-01": ("prod", "dr")}

# Host hardware models: (vendor, model, cpu model, packages, cores, threads, MHz, memory GiB)
HARDWARE = {
    "r750": ("Dell Inc.", "PowerEdge R750", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 2, 64, 128, 2000, 1024),
    "dl380": ("HPE", "ProLiant DL380 Gen10", "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 2, 48, 96, 3000, 768),
    "r650": ("Dell Inc.", "PowerEdge R650", "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz", 2, 32, 64, 2400, 256),
    "r740": ("Dell Inc.", "PowerEdge R740", "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", 2, 40, 80, 2100, 512),
    "e300": ("Supermicro", "SYS-E300-9D-8CN8TP", "Intel(R) Xeon(R) D-2146NT CPU @ 2.30GHz", 1, 8, 16, 2300, 128),
    "synergy": ("HPE", "Synergy 480 Gen10 Plus", "Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz", 2, 56, 112, 2000, 1536),
}
# ESXi version -> build
ESXI_BUILDS = {"7.0.3": "21930508", "8.0.2": "22380479"}

_STATUS_RANK = {"gray": 0, "green": 1, "yellow": 2, "red": 3}


def _host(name, hardware, version, mgmt_ip, cpu_pct, mem_pct, boot_days_ago,
          connection_state="connected", maintenance=False, config_issues=()):
    """A HostSystem. config_issues: [(event type, fullFormattedMessage)]."""
    vendor, model, cpu_model, pkgs, cores, threads, mhz, mem_gb = HARDWARE[hardware]
    connected = connection_state == "connected"
    return {
        "name": name,
        "cluster": None,  # filled in by _topology()
        "connection_state": connection_state,
        "maintenance": maintenance,
        "power_state": "poweredOn",
        "vendor": vendor,
        "model": model,
        "cpu_model": cpu_model,
        "cpu_packages": pkgs,
        "cpu_cores": cores,
        "cpu_threads": threads,
        "cpu_mhz": mhz,
        "memory_bytes": mem_gb * GIB,
        "version": version,
        "build": ESXI_BUILDS[version],
        "full_name": f"VMware ESXi {version} build-{ESXI_BUILDS[version]}",
        "mgmt_ip": mgmt_ip,
        # summary.quickStats: overallCpuUsage (MHz), overallMemoryUsage (MB); 0 when not connected
        "cpu_usage_mhz": cpu_pct * cores * mhz // 100 if connected else 0,
        "memory_usage_mb": mem_pct * mem_gb * 1024 // 100 if connected else 0,
        # the same shares as the simulator's performance counters give them (perf.go)
        "cpu_usage_pct": cpu_pct,
        "memory_usage_pct": mem_pct,
        "boot_days_ago": boot_days_ago,
        "config_issues": list(config_issues),
        # overallStatus without alarms; _topology() applies triggered alarms
        "overall_status": "gray" if not connected else ("yellow" if config_issues else "green"),
        "config_status": "yellow" if config_issues else "green",
    }


def _datastore(name, type_, capacity_gb, free_gb, uncommitted_gb, hosts, remote_host=None, remote_path=None):
    return {
        "name": name,
        "type": type_,  # summary.type: "VMFS" or "NFS"
        "capacity_bytes": capacity_gb * GIB,
        "free_bytes": free_gb * GIB,
        "uncommitted_bytes": uncommitted_gb * GIB,
        "free_pct": round(100 * free_gb / capacity_gb, 2),
        "hosts": list(hosts),
        "shared": len(hosts) > 1,  # summary.multipleHostAccess
        "accessible": True,
        "remote_host": remote_host,  # NFS only
        "remote_path": remote_path,
        "overall_status": "green",  # _topology() applies triggered alarms
    }


def _nic(network, mac, *ips):
    """A vNIC; ips are what VMware Tools reports while the VM runs with Tools running."""
    return {"network": network, "mac": mac, "ips": list(ips)}


def _snap(name, description, age_days, quiesced, size_mb, created_by):
    return {"name": name, "description": description, "age_days": age_days,
            "quiesced": quiesced, "size_mb": size_mb, "created_by": created_by}


def _vm(name, folder, host, datastore, guest_id, cpu, memory_mb, disks_gb, nics, *,
        on=False, template=False, pool=None, hostname=None, tools="current", tools_stopped=False,
        annotation="", consolidation=False, cdrom_iso=None, thick=False, used_pct=50,
        guest_free_pct=60, hw_version="vmx-19", snapshots=()):
    """A VirtualMachine.

    tools: installed VMware Tools flavour: "current", "old", "unmanaged" (open-vm-tools) or "none".
    tools_stopped: Tools installed but not running although the VM is powered on.
    pool: child resource pool, None = the compute resource's root pool "Resources"
    (templates belong to no pool). snapshots: a chain, oldest first; the last is current.
    """
    full_name, family = GUEST_OS[guest_id]
    installed = tools != "none"
    running = on and installed and not tools_stopped
    if not running:
        assert all(not n["ips"] for n in nics), name  # Tools report nothing then
    if not installed:
        tools_status = "toolsNotInstalled"
    elif not running:
        tools_status = "toolsNotRunning"
    elif tools == "old":
        tools_status = "toolsOld"
    else:
        tools_status = "toolsOk"

    ips = [ip for n in nics for ip in n["ips"]]
    ipv4 = [ip for ip in ips if ":" not in ip]

    guest_disks = []
    if running:
        for i, size in enumerate(disks_gb):
            if family == "windowsGuest":
                path, fs = chr(ord("C") + i) + ":\\", "NTFS"
            elif family == "linuxGuest":
                path, fs = ["/", "/data", "/backup", "/srv"][i % 4], "ext4"
            else:
                continue
            capacity = size * GIB
            guest_disks.append({"path": path, "capacity": capacity,
                                "free": capacity // 100 * guest_free_pct, "filesystem": fs})

    provisioned = sum(disks_gb) * GIB
    used = provisioned if thick else sum(size * GIB // 100 * used_pct for size in disks_gb)
    snaps = []
    for i, s in enumerate(snapshots):
        snaps.append(dict(s, parent=snapshots[i - 1]["name"] if i else None,
                          current=i == len(snapshots) - 1, state="poweredOn" if on else "poweredOff"))

    return {
        "name": name,
        "folder": folder,
        "host": host,
        "cluster": None,  # filled in by _topology()
        "pool": None if template else pool,
        "datastore": datastore,
        "power_state": "poweredOn" if on else "poweredOff",
        "template": template,
        "guest_id": guest_id,  # config.guestId (and guest.guestId when Tools are installed)
        "guest_full_name": full_name,
        "guest_family": family,
        "num_cpu": cpu,
        "memory_mb": memory_mb,
        "disks_gb": list(disks_gb),
        "thin": not thick,
        "hw_version": hw_version,
        "annotation": annotation,
        "nics": list(nics),
        "macs": [n["mac"] for n in nics],
        "ips": ips,  # all guest.net[].ipAddress
        "ip_address": ipv4[0] if ipv4 else None,  # guest.ipAddress
        "hostname": hostname if running else None,  # guest.hostName
        "tools": tools,
        "tools_status": tools_status,  # guest.toolsStatus
        "tools_version_status": TOOLS_VERSION_STATUS[tools],  # guest.toolsVersionStatus and ...Status2
        "tools_running_status": "guestToolsRunning" if running else "guestToolsNotRunning",
        "tools_version": TOOLS_VERSION[tools],
        "guest_state": "running" if running else "notRunning",
        "heartbeat": "green" if running else "gray",  # guestHeartbeatStatus
        "guest_disks": guest_disks,  # guest.disk
        "consolidation_needed": consolidation,
        "cdrom_connected": cdrom_iso is not None,  # the CD-ROM's connectable.connected
        "cdrom_iso": cdrom_iso,
        "connection_state": "connected",  # _topology(): "disconnected" on a host that is not connected
        "boot_days_ago": VM_BOOT_AGE_DAYS if on else None,
        "snapshots": snaps,
        "current_snapshot": snaps[-1]["name"] if snaps else None,
        # summary.storage (and storage.perDatastoreUsage, one datastore):
        # committed = used disk space + snapshot sizes, uncommitted = provisioned - used disk space
        "provisioned_bytes": provisioned,
        "committed_bytes": used + sum(s["size_mb"] * MIB for s in snapshots),
        "uncommitted_bytes": provisioned - used,
        "overall_status": "green",  # _topology() applies triggered alarms
    }


def _alarm(alarm, entity_type, entity, status, hours_ago, event_key):
    """A triggered alarm: AlarmState in triggeredAlarmState of the entity and of
    every ancestor (folders, cluster, datacenter, root folder); acknowledged False.
    event_key: key of the matching AlarmStatusChangedEvent (AlarmState.eventKey)."""
    return {"alarm": alarm, "alarm_key": ALARM_KEYS[alarm], "entity_type": entity_type,
            "entity": entity, "status": status, "hours_ago": hours_ago, "event_key": event_key}


def _event(type_, hours_ago, entity, message, user="", **extra):
    """An event. extra: alarm/from_/to (AlarmStatusChangedEvent), event_type_id/severity
    (EventEx), task_description_id/task_name (TaskEvent)."""
    event = {"type": type_, "hours_ago": hours_ago, "user": user, "entity": entity, "message": message}
    for key, value in extra.items():
        event[key.rstrip("_")] = value
    return event


def _snapshot_task(days_ago, user, vm):
    return _event("TaskEvent", days_ago * 24, vm, "Task: Create virtual machine snapshot", user,
                  task_description_id="VirtualMachine.createSnapshot", task_name="CreateSnapshot_Task")


def _topology(name, instance_uuid, datacenter, vm_folders, clusters, standalone, hosts,
              datastores, networks, dvswitch, vms, alarms, events):
    host_map = {h["name"]: h for h in hosts}
    for cluster, spec in clusters.items():
        for h in spec["hosts"]:
            host_map[h]["cluster"] = cluster
    vm_map = {vm["name"]: vm for vm in vms}
    for vm in vms:
        host = host_map[vm["host"]]
        vm["cluster"] = host["cluster"]
        if host["connection_state"] != "connected":
            vm["connection_state"] = "disconnected"
    ds_map = {ds["name"]: ds for ds in datastores}
    entities = {"HostSystem": host_map, "VirtualMachine": vm_map, "Datastore": ds_map}
    for alarm in alarms:
        entity = entities[alarm["entity_type"]][alarm["entity"]]
        alarm_status = alarm["status"]
        if _STATUS_RANK[alarm_status] > _STATUS_RANK.get(entity.get("alarm_status"), -1):
            entity["alarm_status"] = alarm_status
            entity["overall_status"] = alarm_status
    for kind in entities.values():
        for entity in kind.values():
            entity.pop("alarm_status", None)
    return {
        "name": name,
        "instance_uuid": instance_uuid,
        "datacenter": datacenter,
        "vm_folders": vm_folders,
        "clusters": clusters,
        "standalone_hosts": standalone,
        "hosts": host_map,
        "datastores": ds_map,
        "networks": networks,
        "dvswitch": dvswitch,
        "vms": vm_map,
        "alarms": alarms,
        "events": events,
    }


# --------------------------------------------------------------------------- prod

_A1, _A2, _A3 = "esx-prod-a01.corp.example.com", "esx-prod-a02.corp.example.com", "esx-prod-a03.corp.example.com"
_B1, _B2 = "esx-prod-b01.corp.example.com", "esx-prod-b02.corp.example.com"
_S1 = "esx-prod-s01.corp.example.com"
_WEB, _APP, _DB = "dvpg-prod-web-vlan110", "dvpg-prod-app-vlan120", "dvpg-prod-db-vlan130"
_VMNET, _BACKUP = "VM Network", "Backup-Net"

PROD = _topology(
    name="prod",
    instance_uuid="6c0b2a4e-51d3-4f0e-9b7a-10d0c0de0001",
    datacenter="DC-Prod",
    vm_folders=["Web", "Database", "Application", "Infrastructure", "Templates"],
    clusters={
        "Prod-Cluster-A": {"hosts": [_A1, _A2, _A3], "drs": True, "ha": True, "pools": ["Web-Tier", "DB-Tier"]},
        "Prod-Cluster-B": {"hosts": [_B1, _B2], "drs": True, "ha": True, "pools": []},
    },
    standalone=[_S1],
    hosts=[
        _host(_A1, "r750", "8.0.2", "10.10.1.11", 35, 62, 45),
        _host(_A2, "r750", "8.0.2", "10.10.1.12", 40, 58, 45),
        _host(_A3, "r750", "8.0.2", "10.10.1.13", 1, 3, 2, maintenance=True),
        _host(_B1, "dl380", "7.0.3", "10.10.1.21", 95, 70, 120),
        _host(_B2, "dl380", "7.0.3", "10.10.1.22", 30, 55, 120, config_issues=[
            ("HostNoRedundantManagementNetworkEvent",
             "Host esx-prod-b02.corp.example.com in DC-Prod currently has no management network redundancy")]),
        _host(_S1, "r650", "7.0.3", "10.10.1.31", 20, 45, 200, config_issues=[
            ("LocalTSMEnabledEvent", "ESXi Shell for the host esx-prod-s01.corp.example.com has been enabled")]),
    ],
    datastores=[
        _datastore("prod-ds-01", "VMFS", 4096, 1434, 800, [_A1, _A2, _A3]),
        _datastore("prod-ds-02", "VMFS", 2048, 102, 300, [_A1, _A2, _A3]),  # ~5 % free
        _datastore("prod-ds-03", "VMFS", 4096, 2458, 500, [_B1, _B2]),
        _datastore("prod-nfs-01", "NFS", 8192, 3686, 0, [_A1, _A2, _A3, _B1, _B2, _S1],
                   "nas01.corp.example.com", "/vol/prod_nfs01"),
        _datastore("prod-local-s01", "VMFS", 900, 585, 100, [_S1]),
    ],
    networks={
        _VMNET: {"vlan": 0, "distributed": False},
        _BACKUP: {"vlan": 300, "distributed": False},
        _WEB: {"vlan": 110, "distributed": True},
        _APP: {"vlan": 120, "distributed": True},
        _DB: {"vlan": 130, "distributed": True},
    },
    dvswitch="DSwitch-Prod",
    vms=[
        _vm("web-01", "Web", _A1, "prod-ds-01", "ubuntu64Guest", 2, 4096, [40],
            [_nic(_WEB, "00:50:56:81:01:01", "10.10.110.11", "2001:db8:110::11", "fe80::250:56ff:fe81:101")],
            on=True, pool="Web-Tier", hostname="web-01.corp.example.com", annotation="Public web frontend",
            snapshots=[_snap("before-patch", "Before monthly OS patching", 3, False, 2048, "CORP\\jdoe")]),
        _vm("web-02", "Web", _A2, "prod-ds-01", "ubuntu64Guest", 2, 4096, [40],
            [_nic(_WEB, "00:50:56:81:02:01")],
            on=True, pool="Web-Tier", tools_stopped=True, annotation="Public web frontend"),
        _vm("web-03", "Web", _A1, "prod-ds-02", "ubuntu64Guest", 2, 4096, [40],
            [_nic(_WEB, "00:50:56:81:03:01", "10.10.110.13", "fe80::250:56ff:fe81:301")],
            on=True, pool="Web-Tier", hostname="web-03.corp.example.com", tools="old"),
        _vm("app-01", "Application", _A2, "prod-ds-01", "windows2019srv_64Guest", 4, 8192, [80, 100],
            [_nic(_APP, "00:50:56:81:04:01", "10.10.120.21", "fe80::250:56ff:fe81:401"),
             _nic(_BACKUP, "00:50:56:81:04:02", "10.10.30.21")],
            on=True, hostname="app-01.corp.example.com"),
        _vm("app-02", "Application", _A1, "prod-ds-02", "windows2019srv_64Guest", 4, 8192, [80],
            [_nic(_APP, "00:50:56:81:05:01", "10.10.120.22", "fe80::250:56ff:fe81:501")],
            on=True, hostname="app-02.corp.example.com", consolidation=True),
        _vm("app-03", "Application", _A2, "prod-ds-01", "windows2019srv_64Guest", 2, 8192, [80],
            [_nic(_APP, "00:50:56:81:06:01", "10.10.120.23", "fe80::250:56ff:fe81:601")],
            on=True, hostname="app-03.corp.example.com",
            cdrom_iso="[prod-ds-01] iso/SW_DVD9_Win_Server_STD_CORE_2019_1809.iso"),
        _vm("db-01", "Database", _A1, "prod-ds-01", "rhel8_64Guest", 8, 32768, [60, 500],
            [_nic(_DB, "00:50:56:81:07:01", "10.10.130.31", "2001:db8:130::31", "fe80::250:56ff:fe81:701"),
             _nic(_BACKUP, "00:50:56:81:07:02", "10.10.30.31")],
            on=True, pool="DB-Tier", thick=True, hostname="db-01.corp.example.com",
            annotation="PostgreSQL primary - owner: DBA team",
            snapshots=[
                _snap("pre-upgrade-baseline", "Baseline before PostgreSQL 15 upgrade", 30, True, 8192, "CORP\\dba-admin"),
                _snap("after-schema-migration", "Schema migration 2024-Q3 applied", 20, True, 4096, "CORP\\dba-admin"),
                _snap("before-hotfix", "Before applying hotfix HF-1142", 3, False, 1024, "CORP\\jdoe"),
            ]),
        _vm("db-02", "Database", _A2, "prod-ds-01", "rhel8_64Guest", 8, 32768, [60, 500],
            [_nic(_DB, "00:50:56:81:08:01", "10.10.130.32", "2001:db8:130::32", "fe80::250:56ff:fe81:801")],
            on=True, pool="DB-Tier", thick=True, hostname="db-02.corp.example.com", annotation="PostgreSQL replica"),
        _vm("db-03", "Database", _A1, "prod-ds-02", "centos7_64Guest", 4, 16384, [60, 200],
            [_nic(_DB, "00:50:56:81:09:01")],
            pool="DB-Tier", hw_version="vmx-13", annotation="Legacy MySQL - powered off pending decommission"),
        _vm("jump-01", "Infrastructure", _A2, "prod-nfs-01", "windows2019srv_64Guest", 2, 4096, [60],
            [_nic(_VMNET, "00:50:56:81:0a:01", "10.10.10.50", "fe80::250:56ff:fe81:a01")],
            on=True, hostname="jump-01.corp.example.com"),
        _vm("archive-01", "Infrastructure", _A3, "prod-ds-01", "ubuntu64Guest", 2, 4096, [40, 1000],
            [_nic(_VMNET, "00:50:56:81:0b:01")], annotation="Archive server - powered off"),
        _vm("tmpl-ubuntu-2204", "Templates", _A1, "prod-nfs-01", "ubuntu64Guest", 2, 4096, [40],
            [_nic(_VMNET, "00:50:56:81:0c:01")], template=True, annotation="Ubuntu 22.04 LTS golden image"),
        _vm("tmpl-win2019", "Templates", _A2, "prod-nfs-01", "windows2019srv_64Guest", 2, 8192, [80],
            [_nic(_VMNET, "00:50:56:81:0d:01")], template=True, annotation="Windows Server 2019 golden image"),
        _vm("mail-01", "Application", _B1, "prod-ds-03", "windows2019srv_64Guest", 4, 16384, [100, 500],
            [_nic(_APP, "00:50:56:81:0e:01", "10.10.120.41", "fe80::250:56ff:fe81:e01")],
            on=True, hostname="mail-01.corp.example.com"),
        _vm("mail-02", "Application", _B2, "prod-ds-03", "windows2019srv_64Guest", 4, 16384, [100, 500],
            [_nic(_APP, "00:50:56:81:0f:01", "10.10.120.42", "fe80::250:56ff:fe81:f01")],
            on=True, hostname="mail-02.corp.example.com"),
        _vm("file-01", "Infrastructure", _B1, "prod-nfs-01", "windows9Server64Guest", 2, 8192, [80, 2048],
            [_nic(_VMNET, "00:50:56:81:10:01", "10.10.10.60", "fe80::250:56ff:fe81:1001"),
             _nic(_BACKUP, "00:50:56:81:10:02", "10.10.30.60")],
            on=True, hostname="file-01.corp.example.com", guest_free_pct=8,
            annotation="File server - D: nearly full"),
        _vm("monitor-01", "Infrastructure", _B2, "prod-ds-03", "ubuntu64Guest", 2, 8192, [100],
            [_nic(_VMNET, "00:50:56:81:11:01", "10.10.10.70", "2001:db8:10::70", "fe80::250:56ff:fe81:1101")],
            on=True, hostname="monitor-01.corp.example.com", tools="unmanaged"),
        _vm("reporting-01", "Application", _B1, "prod-ds-03", "windows2019srv_64Guest", 4, 16384, [100],
            [_nic(_APP, "00:50:56:81:12:01", "10.10.120.50", "fe80::250:56ff:fe81:1201")],
            on=True, hostname="reporting-01.corp.example.com"),
        _vm("test-01", "Application", _B2, "prod-ds-03", "ubuntu64Guest", 1, 2048, [20],
            [_nic(_VMNET, "00:50:56:81:13:01")], annotation="Temporary test VM"),
        _vm("ci-runner-01", "Infrastructure", _B2, "prod-ds-03", "vmwarePhoton64Guest", 4, 8192, [60],
            [_nic(_VMNET, "00:50:56:81:14:01", "10.10.10.80", "fe80::250:56ff:fe81:1401")],
            on=True, hostname="ci-runner-01.corp.example.com", tools="unmanaged"),
        _vm("backup-01", "Infrastructure", _S1, "prod-local-s01", "windows2019srvNext_64Guest", 4, 16384, [100, 800],
            [_nic(_VMNET, "00:50:56:81:15:01", "10.10.10.90", "fe80::250:56ff:fe81:1501"),
             _nic(_BACKUP, "00:50:56:81:15:02", "10.10.30.90")],
            on=True, thick=True, hostname="backup-01.corp.example.com"),
        _vm("dns-01", "Infrastructure", _S1, "prod-local-s01", "debian11_64Guest", 1, 2048, [20],
            [_nic(_VMNET, "00:50:56:81:16:01", "10.10.10.53", "2001:db8:10::53", "fe80::250:56ff:fe81:1601")],
            on=True, hostname="dns-01.corp.example.com", tools="unmanaged"),
        _vm("dns-02", "Infrastructure", _S1, "prod-nfs-01", "debian11_64Guest", 1, 2048, [20],
            [_nic(_VMNET, "00:50:56:81:17:01", "10.10.10.54", "2001:db8:10::54", "fe80::250:56ff:fe81:1701")],
            on=True, hostname="dns-02.corp.example.com", tools="unmanaged"),
        _vm("legacy-app-01", "Application", _S1, "prod-local-s01", "winNetStandard64Guest", 2, 4096, [40],
            [_nic(_VMNET, "00:50:56:81:18:01")],
            thick=True, hw_version="vmx-08", tools="old", annotation="Windows 2003 application - do not power on"),
    ],
    alarms=[
        _alarm("Datastore usage on disk", "Datastore", "prod-ds-02", "red", 24, event_key=9),
        _alarm("Virtual machine memory usage", "VirtualMachine", "db-01", "yellow", 2, event_key=11),
        _alarm("Host CPU usage", "HostSystem", _B1, "red", 0.75, event_key=12),
    ],
    events=[  # keys 1..12
        _event("VmPoweredOffEvent", 90 * 24, "archive-01",
               "archive-01 on esx-prod-a03.corp.example.com in DC-Prod is powered off", "CORP\\jdoe"),
        _event("VmPoweredOffEvent", 40 * 24, "db-03",
               "db-03 on esx-prod-a01.corp.example.com in DC-Prod is powered off", "CORP\\dba-admin"),
        _snapshot_task(30, "CORP\\dba-admin", "db-01"),
        _snapshot_task(20, "CORP\\dba-admin", "db-01"),
        _snapshot_task(3, "CORP\\jdoe", "db-01"),
        _snapshot_task(3, "CORP\\jdoe", "web-01"),
        _event("EnteredMaintenanceModeEvent", 2 * 24, _A3,
               "Host esx-prod-a03.corp.example.com in DC-Prod has entered maintenance mode", "CORP\\vmadmin"),
        _event("VmPoweredOffEvent", 2 * 24, "test-01",
               "test-01 on esx-prod-b02.corp.example.com in DC-Prod is powered off", "CORP\\jdoe"),
        _event("AlarmStatusChangedEvent", 24, "prod-ds-02",
               "Alarm 'Datastore usage on disk' on prod-ds-02 changed from Green to Red",
               alarm="Datastore usage on disk", from_="green", to="red"),
        _event("EventEx", 5, _B1,
               "Lost access to volume prod-ds-03 due to connectivity issues. "
               "Recovery attempt is in progress and outcome will be reported shortly.",
               event_type_id="esx.problem.vmfs.heartbeat.timedout", severity="error"),
        _event("AlarmStatusChangedEvent", 2, "db-01",
               "Alarm 'Virtual machine memory usage' on db-01 changed from Green to Yellow",
               alarm="Virtual machine memory usage", from_="green", to="yellow"),
        _event("AlarmStatusChangedEvent", 0.75, _B1,
               "Alarm 'Host CPU usage' on esx-prod-b01.corp.example.com changed from Green to Red",
               alarm="Host CPU usage", from_="green", to="red"),
    ],
)

# --------------------------------------------------------------------------- dr

_D1, _D2, _D3 = "esx-dr-01.corp.example.com", "esx-dr-02.corp.example.com", "esx-dr-03.corp.example.com"
_V210, _V220 = "dvpg-dr-vlan210", "dvpg-dr-vlan220"

DR = _topology(
    name="dr",
    instance_uuid="6c0b2a4e-51d3-4f0e-9b7a-10d0c0de0002",
    datacenter="DC-DR",
    vm_folders=["DR-Replicas", "DR-Infrastructure", "Test"],
    clusters={"DR-Cluster": {"hosts": [_D1, _D2, _D3], "drs": True, "ha": True, "pools": ["Replica-VMs"]}},
    standalone=[],
    hosts=[
        _host(_D1, "r740", "7.0.3", "10.20.1.11", 25, 40, 60),
        _host(_D2, "r740", "7.0.3", "10.20.1.12", 20, 35, 60),
        _host(_D3, "r740", "7.0.3", "10.20.1.13", 0, 0, 60, connection_state="disconnected"),
    ],
    datastores=[
        _datastore("dr-ds-01", "VMFS", 4096, 492, 600, [_D1, _D2, _D3]),  # ~12 % free
        _datastore("dr-ds-02", "VMFS", 2048, 1126, 200, [_D1, _D2]),
        _datastore("dr-nfs-01", "NFS", 4096, 2867, 0, [_D1, _D2, _D3], "nas-dr.corp.example.com", "/vol/dr_nfs01"),
    ],
    networks={
        _VMNET: {"vlan": 0, "distributed": False},
        _V210: {"vlan": 210, "distributed": True},
        _V220: {"vlan": 220, "distributed": True},
    },
    dvswitch="DSwitch-DR",
    vms=[
        _vm("dr-web-01", "DR-Replicas", _D1, "dr-ds-01", "ubuntu64Guest", 2, 4096, [40],
            [_nic(_V210, "00:50:56:82:01:01", "10.20.210.11", "fe80::250:56ff:fe82:101")],
            on=True, pool="Replica-VMs", hostname="dr-web-01.corp.example.com"),
        _vm("dr-web-02", "DR-Replicas", _D2, "dr-ds-01", "ubuntu64Guest", 2, 4096, [40],
            [_nic(_V210, "00:50:56:82:02:01", "10.20.210.12", "fe80::250:56ff:fe82:201")],
            on=True, pool="Replica-VMs", hostname="dr-web-02.corp.example.com"),
        _vm("dr-db-01", "DR-Replicas", _D1, "dr-ds-01", "rhel8_64Guest", 8, 32768, [60, 500],
            [_nic(_V220, "00:50:56:82:03:01", "10.20.220.31", "2001:db8:220::31", "fe80::250:56ff:fe82:301")],
            on=True, pool="Replica-VMs", thick=True, hostname="dr-db-01.corp.example.com",
            annotation="PostgreSQL DR replica"),
        _vm("dr-app-01", "DR-Replicas", _D2, "dr-ds-01", "windows2019srv_64Guest", 4, 8192, [80],
            [_nic(_V210, "00:50:56:82:04:01", "10.20.210.21", "fe80::250:56ff:fe82:401")],
            on=True, pool="Replica-VMs", hostname="dr-app-01.corp.example.com",
            snapshots=[_snap("pre-dr-test", "Before DR test failover", 45, False, 4096, "CORP\\srm-svc")]),
        _vm("reporting-dr-01", "DR-Replicas", _D1, "dr-ds-01", "windows2019srv_64Guest", 4, 16384, [100],
            [_nic(_V210, "00:50:56:82:05:01", "10.10.120.50", "fe80::250:56ff:fe82:501")],
            on=True, pool="Replica-VMs", hostname="reporting-dr-01.corp.example.com",
            annotation="Reporting replica (same IP as prod reporting-01)"),
        _vm("dr-app-02", "DR-Replicas", _D3, "dr-ds-01", "ubuntu64Guest", 2, 4096, [40],
            [_nic(_V210, "00:50:56:82:06:01", "10.20.210.22", "fe80::250:56ff:fe82:601")],
            on=True, pool="Replica-VMs", hostname="dr-app-02.corp.example.com"),
        _vm("dr-file-01", "DR-Replicas", _D3, "dr-nfs-01", "windows9Server64Guest", 2, 8192, [80, 1024],
            [_nic(_VMNET, "00:50:56:82:07:01")]),
        _vm("srm-01", "DR-Infrastructure", _D2, "dr-ds-02", "windows2019srv_64Guest", 4, 8192, [100],
            [_nic(_VMNET, "00:50:56:82:08:01", "10.20.10.15", "fe80::250:56ff:fe82:801")],
            on=True, hostname="srm-01.corp.example.com", annotation="Site Recovery Manager"),
        _vm("vr-01", "DR-Infrastructure", _D1, "dr-ds-02", "vmwarePhoton64Guest", 4, 8192, [16, 100],
            [_nic(_VMNET, "00:50:56:82:09:01", "10.20.10.16", "fe80::250:56ff:fe82:901")],
            on=True, hostname="vr-01.corp.example.com", tools="unmanaged", annotation="vSphere Replication appliance"),
        _vm("dr-dc-01", "DR-Infrastructure", _D2, "dr-nfs-01", "windows2019srv_64Guest", 2, 4096, [60],
            [_nic(_VMNET, "00:50:56:82:0a:01", "10.20.10.10", "fe80::250:56ff:fe82:a01")],
            on=True, hostname="dr-dc-01.corp.example.com"),
        _vm("jump-01", "DR-Infrastructure", _D1, "dr-nfs-01", "windows2019srv_64Guest", 2, 4096, [60],
            [_nic(_VMNET, "00:50:56:82:0b:01", "10.20.10.50", "fe80::250:56ff:fe82:b01")],
            on=True, hostname="jump-01.dr.corp.example.com"),
        _vm("dr-test-01", "Test", _D2, "dr-nfs-01", "centos7_64Guest", 1, 2048, [20],
            [_nic(_VMNET, "00:50:56:82:0c:01")], on=True, tools="none", annotation="DR test bubble VM"),
        _vm("dr-test-02", "Test", _D1, "dr-nfs-01", "ubuntu64Guest", 1, 2048, [20],
            [_nic(_VMNET, "00:50:56:82:0d:01")]),
    ],
    alarms=[
        _alarm("Datastore usage on disk", "Datastore", "dr-ds-01", "red", 48, event_key=4),
        _alarm("Host connection and power state", "HostSystem", _D3, "red", 3, event_key=6),
    ],
    events=[  # keys 1..6
        _snapshot_task(45, "CORP\\srm-svc", "dr-app-01"),
        _event("VmPoweredOffEvent", 20 * 24, "dr-file-01",
               "dr-file-01 on esx-dr-03.corp.example.com in DC-DR is powered off", "CORP\\vmadmin"),
        _event("VmPoweredOffEvent", 10 * 24, "dr-test-02",
               "dr-test-02 on esx-dr-01.corp.example.com in DC-DR is powered off", "CORP\\jdoe"),
        _event("AlarmStatusChangedEvent", 48, "dr-ds-01",
               "Alarm 'Datastore usage on disk' on dr-ds-01 changed from Yellow to Red",
               alarm="Datastore usage on disk", from_="yellow", to="red"),
        _event("HostConnectionLostEvent", 3, _D3, "Host esx-dr-03.corp.example.com in DC-DR is not responding"),
        _event("AlarmStatusChangedEvent", 3, _D3,
               "Alarm 'Host connection and power state' on esx-dr-03.corp.example.com changed from Green to Red",
               alarm="Host connection and power state", from_="green", to="red"),
    ],
)

# --------------------------------------------------------------------------- lab

_L1 = "esx-lab-01.lab.example.com"

LAB = _topology(
    name="lab",
    instance_uuid="6c0b2a4e-51d3-4f0e-9b7a-10d0c0de0003",
    datacenter="DC-Lab",
    vm_folders=["Lab"],
    clusters={},
    standalone=[_L1],
    hosts=[_host(_L1, "e300", "8.0.2", "192.168.50.5", 15, 60, 10)],
    datastores=[
        _datastore("lab-ds-01", "VMFS", 1024, 410, 150, [_L1]),
        _datastore("lab-nfs-01", "NFS", 2048, 1393, 0, [_L1], "nas.lab.example.com", "/export/lab"),
    ],
    networks={_VMNET: {"vlan": 0, "distributed": False}},
    dvswitch=None,
    vms=[
        _vm("lab-dc-01", "Lab", _L1, "lab-ds-01", "windows2019srvNext_64Guest", 2, 4096, [60],
            [_nic(_VMNET, "00:50:56:83:01:01", "192.168.50.10", "fe80::250:56ff:fe83:101")],
            on=True, hostname="lab-dc-01.lab.example.com"),
        _vm("lab-k8s-01", "Lab", _L1, "lab-ds-01", "ubuntu64Guest", 4, 16384, [100],
            [_nic(_VMNET, "00:50:56:83:02:01", "192.168.50.21", "fe80::250:56ff:fe83:201")],
            on=True, hostname="lab-k8s-01.lab.example.com",
            snapshots=[_snap("clean-install", "Fresh Ubuntu install with containerd", 10, False, 512, "LAB\\admin")]),
        _vm("lab-k8s-02", "Lab", _L1, "lab-nfs-01", "ubuntu64Guest", 4, 16384, [100],
            [_nic(_VMNET, "00:50:56:83:03:01", "192.168.50.22", "fe80::250:56ff:fe83:301")],
            on=True, hostname="lab-k8s-02.lab.example.com", tools="unmanaged"),
        _vm("lab-nested-esx-01", "Lab", _L1, "lab-nfs-01", "vmkernel7Guest", 8, 32768, [16, 200],
            [_nic(_VMNET, "00:50:56:83:04:01", "192.168.50.31", "fe80::250:56ff:fe83:401"),
             _nic(_VMNET, "00:50:56:83:04:02", "192.168.50.32")],
            on=True, hostname="lab-nested-esx-01.lab.example.com", tools="unmanaged",
            annotation="Nested ESXi for upgrade tests"),
        _vm("lab-win11-01", "Lab", _L1, "lab-ds-01", "windows11_64Guest", 2, 8192, [64],
            [_nic(_VMNET, "00:50:56:83:05:01")]),
    ],
    alarms=[],
    events=[  # keys 1..2
        _event("VmPoweredOffEvent", 12 * 24, "lab-win11-01",
               "lab-win11-01 on esx-lab-01.lab.example.com in DC-Lab is powered off", "LAB\\admin"),
        _snapshot_task(10, "LAB\\admin", "lab-k8s-01"),
    ],
)

TOPOLOGIES = {"prod": PROD, "dr": DR, "lab": LAB}

# --------------------------------------------------------------------------- tags, attributes

# Every simulator's tag catalog: category -> description, cardinality,
# associable types and its tags (tag description: "<category description> <tag>").
TAG_CATEGORIES = {
    "Env": {"description": "Environment", "cardinality": "SINGLE",
            "types": ["VirtualMachine", "ClusterComputeResource"], "tags": ["Prod", "DR", "Test", "Lab"]},
    "App": {"description": "Application", "cardinality": "MULTIPLE", "types": ["VirtualMachine"],
            "tags": ["Web", "Finance", "Database", "Mail", "Infra", "K8s"]},
    "Backup": {"description": "Backup policy", "cardinality": "SINGLE", "types": ["VirtualMachine"],
               "tags": ["Gold", "Silver", "None"]},
    "Site": {"description": "Data centre site", "cardinality": "SINGLE", "types": ["HostSystem"],
             "tags": ["Frankfurt", "Hamburg", "Lab"]},
    "Tier": {"description": "Storage tier", "cardinality": "SINGLE", "types": ["Datastore"],
             "tags": ["Tier1", "Tier2"]},
    "Zone": {"description": "Network zone", "cardinality": "SINGLE",
             "types": ["Network", "DistributedVirtualPortgroup"], "tags": ["DMZ", "Internal"]},
}
# Custom attribute definitions (CustomFieldsManager.field), keys 0, 1, ... in
# this order: (name, managedObjectType; None = every type). Their type is "string".
CUSTOM_FIELDS = [("Owner", None), ("CostCentre", "VirtualMachine"), ("LastBackup", "VirtualMachine"),
                 ("Rack", "HostSystem")]

# (kind, name, tags, attribute values); mirrored in tests/vcsim/labels.go.
_LABELS = {
    "prod": [
        ("vm", "web-01", ["Env:Prod", "App:Web", "Backup:Gold"],
         {"Owner": "web-team", "CostCentre": "4100", "LastBackup": "2024-06-02 01:15"}),
        ("vm", "web-02", ["Env:Prod", "App:Web", "Backup:Silver"], {}),
        ("vm", "web-03", ["Env:Prod", "App:Web", "Backup:Silver"], {}),
        ("vm", "app-01", ["Env:Prod", "App:Finance", "Backup:Gold"],
         {"Owner": "finance", "CostCentre": "4711", "LastBackup": "2024-06-02 02:40"}),
        ("vm", "app-02", ["Env:Prod", "App:Finance", "Backup:Gold"], {"Owner": "finance", "CostCentre": "4711"}),
        ("vm", "app-03", ["Env:Prod", "App:Finance", "App:Web", "Backup:Silver"], {}),
        ("vm", "db-01", ["Env:Prod", "App:Finance", "App:Database", "Backup:Gold"],
         {"Owner": "dba", "CostCentre": "4711", "LastBackup": "2024-06-02 03:05"}),
        ("vm", "db-02", ["Env:Prod", "App:Database", "Backup:Gold"], {}),
        ("vm", "db-03", ["Env:Prod", "App:Database", "Backup:None"], {}),
        ("vm", "mail-01", ["Env:Prod", "App:Mail", "Backup:Silver"], {}),
        ("vm", "mail-02", ["Env:Prod", "App:Mail", "Backup:Silver"], {}),
        ("vm", "reporting-01", ["Env:Prod", "App:Finance", "Backup:Silver"], {"Owner": "finance"}),
        ("vm", "test-01", ["Env:Test", "Backup:None"], {"Owner": "jdoe"}),
        ("vm", "backup-01", ["Env:Prod", "App:Infra"], {}),
        ("host", _A1, ["Site:Frankfurt"], {"Owner": "infra", "Rack": "FRA-R12-U20"}),
        ("host", _A2, ["Site:Frankfurt"], {}),
        ("host", _A3, ["Site:Frankfurt"], {}),
        ("host", _B1, ["Site:Frankfurt"], {"Rack": "FRA-R14-U10"}),
        ("host", _B2, ["Site:Frankfurt"], {}),
        ("cluster", "Prod-Cluster-A", ["Env:Prod"], {"Owner": "infra"}),
        ("cluster", "Prod-Cluster-B", ["Env:Prod"], {}),
        ("datastore", "prod-ds-01", ["Tier:Tier1"], {"Owner": "storage-team"}),
        ("datastore", "prod-ds-02", ["Tier:Tier1"], {}),
        ("datastore", "prod-ds-03", ["Tier:Tier2"], {}),
        ("datastore", "prod-nfs-01", ["Tier:Tier2"], {}),
        ("network", _WEB, ["Zone:DMZ"], {"Owner": "network-team"}),
        ("network", _APP, ["Zone:Internal"], {}),
        ("network", _DB, ["Zone:Internal"], {}),
    ],
    "dr": [
        ("vm", "dr-web-01", ["Env:DR", "App:Web", "Backup:Silver"], {}),
        ("vm", "dr-web-02", ["Env:DR", "App:Web", "Backup:Silver"], {}),
        ("vm", "dr-db-01", ["Env:DR", "App:Database", "App:Finance", "Backup:Gold"],
         {"Owner": "dba", "CostCentre": "4711"}),
        ("vm", "dr-app-01", ["Env:DR", "App:Finance", "Backup:Gold"],
         {"Owner": "finance", "CostCentre": "4711", "LastBackup": "2024-06-01 23:50"}),
        ("vm", "reporting-dr-01", ["Env:DR", "App:Finance", "Backup:Silver"], {}),
        ("vm", "dr-app-02", ["Env:DR", "Backup:Silver"], {}),
        ("vm", "dr-test-01", ["Env:Test", "Backup:None"], {"Owner": "jdoe"}),
        ("vm", "dr-test-02", ["Env:Test", "Backup:None"], {}),
        ("vm", "srm-01", ["Env:DR", "App:Infra"], {}),
        ("host", _D1, ["Site:Hamburg"], {"Rack": "HAM-R02-U05"}),
        ("host", _D2, ["Site:Hamburg"], {}),
        ("host", _D3, ["Site:Hamburg"], {}),
        ("cluster", "DR-Cluster", ["Env:DR"], {"Owner": "infra"}),
        ("datastore", "dr-ds-01", ["Tier:Tier1"], {"Owner": "storage-team"}),
        ("datastore", "dr-nfs-01", ["Tier:Tier2"], {}),
        ("network", _V210, ["Zone:DMZ"], {}),
    ],
    "lab": [
        ("vm", "lab-dc-01", ["Env:Lab", "App:Infra"], {}),
        ("vm", "lab-k8s-01", ["Env:Lab", "App:K8s", "Backup:None"], {"Owner": "platform", "CostCentre": "9000"}),
        ("vm", "lab-k8s-02", ["Env:Lab", "App:K8s", "Backup:None"], {}),
        ("vm", "lab-win11-01", ["Env:Lab", "Backup:None"], {"Owner": "jdoe"}),
        ("vm", "lab-nested-esx-01", ["Env:Lab"], {}),
        ("host", _L1, ["Site:Lab"], {"Rack": "LAB-R01"}),
        ("datastore", "lab-ds-01", ["Tier:Tier2"], {}),
        ("network", _VMNET, ["Zone:Internal"], {}),
    ],
}
for _name, _labels in _LABELS.items():
    TOPOLOGIES[_name]["tags"] = {(k, n): list(t) for k, n, t, _ in _labels if t}
    TOPOLOGIES[_name]["attributes"] = {(k, n): dict(a) for k, n, _, a in _labels if a}

# --------------------------------------------------------------------------- large

LARGE_DEFAULT_VMS = 6000
_LARGE_ROLES = [("web", "Web"), ("app", "App"), ("db", "DB"), ("cache", "Cache"), ("batch", "Batch"), ("api", "API")]
_LARGE_GUEST_IDS = ["ubuntu64Guest", "windows2019srv_64Guest", "rhel8_64Guest"]


def _large_hosts(cluster):
    return [f"esx-lg-c{cluster:02d}-h{h:02d}.corp.example.com" for h in range(1, 9)]


LARGE = {
    "name": "large",
    "instance_uuid": "6c0b2a4e-51d3-4f0e-9b7a-10d0c0de0004",
    "datacenter": "DC-Large",
    "vm_folders": [folder for _, folder in _LARGE_ROLES],
    "clusters": {f"Large-Cluster-{c:02d}": {"hosts": _large_hosts(c), "drs": True, "ha": True, "pools": []}
                 for c in range(1, 5)},
    "standalone_hosts": [],
    # every host: hardware "synergy", ESXi 8.0.2, connected, 40 % CPU, 60 % memory, booted 30 days ago
    "host_hardware": "synergy",
    "datastores": {
        **{f"lg-ds-{c:02d}": {"type": "VMFS", "capacity_bytes": 32768 * GIB, "free_bytes": free * GIB,
                              "uncommitted_bytes": 4096 * GIB, "hosts": _large_hosts(c)}
           for c, free in zip(range(1, 5), [13107, 14746, 16384, 2621])},
        "lg-nfs-01": {"type": "NFS", "capacity_bytes": 65536 * GIB, "free_bytes": 32768 * GIB,
                      "uncommitted_bytes": 0, "hosts": [h for c in range(1, 5) for h in _large_hosts(c)]},
    },
    "dvswitch": "DSwitch-Large",
    "networks": {"VM Network": {"vlan": 0, "distributed": False},
                 **{f"dvpg-lg-vlan{100 + c}": {"vlan": 100 + c, "distributed": True} for c in range(1, 5)}},
    # with at least one VM (web-0001 is always the first, powered on):
    "alarms": [
        {"alarm": "Datastore usage on disk", "entity_type": "Datastore", "entity": "lg-ds-04", "status": "red", "hours_ago": 6},
        {"alarm": "Virtual machine memory usage", "entity_type": "VirtualMachine", "entity": "web-0001", "status": "yellow", "hours_ago": 1},
        {"alarm": "Host CPU usage", "entity_type": "HostSystem", "entity": "esx-lg-c01-h01.corp.example.com", "status": "red", "hours_ago": 0.5},
    ],
    # events: one AlarmStatusChangedEvent per alarm (keys 1..3, oldest first)
}


def _large_mac(base, i):
    return f"00:50:56:{base + ((i >> 16) & 0x0F):02x}:{(i >> 8) & 0xFF:02x}:{i & 0xFF:02x}"


def large_vm(i):
    """The i-th (0-based) VM of the large topology, in the same shape as the
    other topologies' VMs (annotation empty, thin disks at 50 % use)."""
    role, folder = _LARGE_ROLES[i % len(_LARGE_ROLES)]
    c = i % 4  # cluster index
    size = (i // 3) % 4
    name = f"{role}-{i // len(_LARGE_ROLES) + 1:04d}"
    template = i % 1000 == 999
    on = not template and i % 10 != 9
    tools_stopped = i % 97 == 5
    tools = "old" if not tools_stopped and i % 53 == 7 else "current"
    reporting = on and not tools_stopped
    nic0 = _nic(f"dvpg-lg-vlan{101 + c}", _large_mac(0x90, i))
    if reporting:
        nic0["ips"] = [f"10.{128 + i // 62500}.{(i // 250) % 250}.{i % 250 + 2}", f"2001:db8:1000::{i + 1:x}"]
    nics = [nic0]
    if i % 7 == 0:
        nic1 = _nic("VM Network", _large_mac(0xA0, i))
        if reporting:
            nic1["ips"] = [f"172.16.{(i // 250) % 250}.{i % 250 + 2}"]
        nics.append(nic1)
    snapshots = []
    if i % 50 == 3:
        snapshots = [_snap("pre-patch", "Before patching", i % 40 + 1, False, 1024, "CORP\\patch-svc")]
    vm = _vm(
        name, folder, _large_hosts(c + 1)[(i // 4) % 8],
        "lg-nfs-01" if i % 5 == 4 else f"lg-ds-{c + 1:02d}",
        _LARGE_GUEST_IDS[i % 3], [1, 2, 4, 8][size], [2048, 4096, 8192, 16384][size],
        [40, 100] if i % 3 == 0 else [40], nics,
        on=on, template=template, hostname=f"{name}.corp.example.com", tools=tools, tools_stopped=tools_stopped,
        consolidation=i % 500 == 11,
        cdrom_iso="[lg-nfs-01] iso/ubuntu-22.04.4-live-server-amd64.iso" if i % 400 == 17 else None,
        snapshots=snapshots,
    )
    vm["cluster"] = f"Large-Cluster-{c + 1:02d}"
    if name == "web-0001":
        vm["overall_status"] = "yellow"
    return vm


# --------------------------------------------------------------------------- performance

# What the simulators' PerformanceManager serves (tests/vcsim/perf.go): raw
# values per 20 s sample, repeating; the value at sample time t (epoch s,
# aligned to the interval) is series[(t // interval) % len(series)], and a
# summation counter over a longer interval is that value x interval / 20.
# Powered-off VMs and hosts that are not connected have no samples.
PERF_SEEDS = {
    "prod": {
        ("VirtualMachine", "app-01"): {"cpu.ready.summation": [10400, 12000, 11200]},
        ("VirtualMachine", "db-01"): {"cpu.ready.summation": [36800, 40000, 38400],
                                      "cpu.costop.summation": [1600]},
        ("VirtualMachine", "web-03"): {"cpu.ready.summation": [200, 200, 200, 6000]},
        ("VirtualMachine", "mail-01"): {"mem.vmmemctl.average": [524288]},
        ("VirtualMachine", "reporting-01"): {"mem.swapped.average": [262144],
                                             "mem.swapinRate.average": [0, 128, 0]},
        ("VirtualMachine", "file-01"): {"disk.maxTotalLatency.latest": [25, 30, 35]},
        ("VirtualMachine", "dns-02"): {"cpu.usage.average": [150]},
        ("HostSystem", _B1): {"mem.vmmemctl.average": [1048576]},
        # a datastore's series is its instance on every host that mounts it
        ("Datastore", "prod-ds-03"): {"datastore.totalReadLatency.average": [60],
                                      "datastore.totalWriteLatency.average": [28]},
    },
    "dr": {
        ("VirtualMachine", "dr-db-01"): {"cpu.ready.summation": [4000, 8000, 12000, 16000]},
    },
    "lab": {},
}
# Historical intervals: (period s, kept s, statistics level); large reports none.
PERF_INTERVALS = {
    "prod": [(300, 86400, 2), (1800, 604800, 1), (7200, 2592000, 1), (86400, 31536000, 1)],
    "dr": [(300, 86400, 1), (1800, 604800, 1), (7200, 2592000, 1), (86400, 31536000, 1)],
    "lab": [(300, 86400, 1), (1800, 604800, 1), (7200, 2592000, 1), (86400, 31536000, 1)],
}
# dr's counter keys differ from the others' (+1000); lab's catalog lacks a counter.
PERF_KEY_SHIFT = {"dr": 1000}
PERF_ABSENT_COUNTERS = {"lab": ["cpu.costop.summation"]}


def perf_default(kind, entity, counter):
    """The raw value per 20 s of a counter nobody seeded (None: vcsim's recording)."""
    if kind == "VirtualMachine":
        vm = {"cpu.usage.average": 2000, "cpu.ready.summation": 100 * entity["num_cpu"],
              "mem.usage.average": 3000, "mem.active.average": 524288,
              "disk.maxTotalLatency.latest": 2, "net.usage.average": 120}
        if counter in vm:
            return vm[counter]
    if kind == "HostSystem":
        host = {"cpu.usage.average": 100 * entity["cpu_usage_pct"],
                "mem.usage.average": 100 * entity["memory_usage_pct"],
                "disk.maxTotalLatency.latest": 3, "net.usage.average": 5000}
        if counter in host:
            return host[counter]
    if kind == "ClusterComputeResource":
        cluster = {"cpu.usage.average": 3500, "mem.usage.average": 5500}
        if counter in cluster:
            return cluster[counter]
    return {"cpu.costop.summation": 0, "mem.vmmemctl.average": 0, "mem.swapped.average": 0,
            "mem.swapinRate.average": 0, "datastore.totalReadLatency.average": 2,
            "datastore.totalWriteLatency.average": 3}.get(counter)


def perf_series(topology, kind, name, counter):
    """The repeating raw values per 20 s the simulator serves for one object's counter
    (for a datastore: its instance on each host)."""
    topo = TOPOLOGIES[topology]
    seeded = PERF_SEEDS.get(topology, {}).get((kind, name), {}).get(counter)
    if seeded:
        return list(seeded)
    entity = {"VirtualMachine": topo["vms"], "HostSystem": topo["hosts"]}.get(kind, {}).get(name, {})
    value = perf_default(kind, entity, counter)
    return None if value is None else [value]


def perf_value(topology, kind, name, counter, t, interval=20, summation=None):
    """The raw sample at aligned time ``t`` (epoch s) of one object's counter."""
    series = perf_series(topology, kind, name, counter)
    value = series[(t // interval) % len(series)]
    summation = counter.endswith(".summation") if summation is None else summation
    return value * interval // 20 if summation and interval > 20 else value
