"""The demo's vCenters, declared: what Prod, DR and Lab contain.

Prod, DR and Lab with about 1,500 VMs in all, and Branch, a fourth vCenter
that cannot be reached, so that every health rule has an example to show.
Each ``build_prod``/``build_dr``/``build_lab`` says *what* a vCenter holds (clusters, roles
of VMs, the problems planted in it); ``builder.py`` knows *how* vSphere
shapes it.  Declarative data, kept in one place on purpose.

Everything follows from a fixed seed: the same names, sizes and problems on
every run.  Timestamps follow the clock, so ages stay the same.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyVmomi import vim

from ..sources import About
from .builder import VCenterBuilder
from .catalog import USERS, ClusterSpec, Net, Role

SEED = 20240611


@dataclass(frozen=True)
class Site:
    """One demo vCenter as it presents itself."""

    name: str
    host: str
    version: str
    build: str
    round_trip_ms: float | None = None
    unreachable: str | None = None  # why it cannot be read, for the one that can't

    @property
    def about(self) -> About:
        return About(product="VMware vCenter Server (demo)", version=self.version,
                     build=self.build, api_version=f"{self.version}.0",
                     instance_uuid=str(uuid.uuid5(uuid.NAMESPACE_DNS, self.host)))


SITES = (
    Site("prod", "vcsa-prod.corp.example.com", "8.0.3", "24022515", 1.8),
    Site("dr", "vcsa-dr.corp.example.com", "8.0.2", "22385739", 14.6),
    Site("lab", "vcsa-lab.corp.example.com", "8.0.3", "24262322", 3.1),
    Site("branch", "vcsa-branch.corp.example.com", "8.0.1", "21560480",
         unreachable="cannot connect: timed out after 10 s"),
)

OWNER = {
    "web": "Owner: Web Platform <web-platform@corp.example.com>",
    "dba": "Owner: Database Team <dba@corp.example.com>",
    "k8s": "Owner: Container Platform <k8s-team@corp.example.com>",
    "infra": "Owner: Infrastructure <infra@corp.example.com>",
    "euc": "Owner: End User Computing <euc@corp.example.com>",
    "sec": "Owner: Security Operations <soc@corp.example.com>",
    "apps": "Owner: Business Applications <bizapps@corp.example.com>",
    "backup": "Owner: Backup & Recovery <backup@corp.example.com>",
    "dev": "Owner: Development <dev-leads@corp.example.com>",
}

# Free space (share of capacity) of chosen datastores; the others get 25-65 %.
# The rules warn below 15 % and are critical at 10 % or less.
FREE = {"PRD-C01-VMFS-05": 0.13, "PRD-SQL-LOG-02": 0.07, "PRD-C02-VMFS-03": 0.19,
        "PRD-NFS-ISO": 0.31, "DR-VMFS-04": 0.11, "DR-SRM-Placeholder": 0.93,
        "LAB-VMFS-02": 0.035, "LAB-VMFS-01": 0.21, "LAB-NFS-02": 0.4}


# --- Prod -----------------------------------------------------------------------------

PROD_NETS = (
    Net("mgmt", "dvPG-PRD-Mgmt-10", 10, "10.10.10.0/24"),
    Net("infra", "dvPG-PRD-Infra-110", 110, "10.10.110.0/24"),
    Net("web", "dvPG-PRD-Web-120", 120, "10.10.120.0/22", "2001:db8:10:120::/64"),
    Net("app", "dvPG-PRD-App-130", 130, "10.10.128.0/21"),
    Net("db", "dvPG-PRD-DB-140", 140, "10.10.140.0/24"),
    Net("k8s", "dvPG-PRD-K8s-150", 150, "10.10.150.0/23", "2001:db8:10:150::/64"),
    Net("backup", "dvPG-PRD-Backup-160", 160, "10.10.160.0/24"),
    Net("vdi", "dvPG-PRD-Citrix-170", 170, "10.10.170.0/23"),
    Net("dmz", "dvPG-PRD-DMZ-200", 200, "172.16.200.0/24", "2001:db8:200::/64"),
)
PROD_CLUSTERS = (
    ClusterSpec("PRD-Compute-01", 16, "r750", "8.0u3", "esx-prd-c01",
                (("PRD-C01-VMFS", "VMFS", 8),), pools=("Tier-1", "Tier-2")),
    ClusterSpec("PRD-Compute-02", 14, "dl380", "8.0u2", "esx-prd-c02",
                (("PRD-C02-VMFS", "VMFS", 6),)),
    ClusterSpec("PRD-SQL", 4, "r7525", "8.0u3b", "esx-prd-sql",
                (("PRD-SQL-DATA", "VMFS", 4), ("PRD-SQL-LOG", "VMFS", 2))),
    ClusterSpec("PRD-DMZ", 4, "r650", "8.0u3", "esx-prd-dmz",
                (("PRD-DMZ-VMFS", "VMFS", 2),), drs="partiallyAutomated"),
    ClusterSpec("esx-prd-bkp-01", 1, "r740", "7.0u3n", "esx-prd-bkp",
                (("esx-prd-bkp-01-local", "VMFS", 1),), standalone=True),
)
APPS = ("crm", "erp", "hr", "pay", "shop", "api", "auth", "search", "report", "etl",
        "bi", "mdm")
WIN_MIX = {"w2019": 3, "w2022": 3, "rhel8": 2, "rhel9": 2, "w2016": 1}


def _prod_roles() -> list[Role]:
    c01, c02 = "PRD-Compute-01", "PRD-Compute-02"
    roles = [
        Role("prd-web-{:03d}", 200, {"rhel9": 6, "ubuntu": 3, "rhel8": 2}, (2, 4), (4, 8),
             (60,), ("web",), c01, "Production/Web", OWNER["web"], pool="Tier-2"),
        Role("prd-k8s-cp-{:02d}", 3, {"ubuntu": 1}, (4,), (16,), (100,), ("k8s",), c01,
             "Kubernetes", OWNER["k8s"], off=0, pool="Tier-1"),
        Role("prd-k8s-wrk-{:03d}", 170, {"ubuntu": 1}, (8,), (32,), (120, 200), ("k8s",),
             c01, "Kubernetes", OWNER["k8s"], off=0.01, busy=0.35, pool="Tier-1"),
        Role("prd-ctx-{:03d}", 250, {"w2019": 4, "w2022": 3, "w2016": 1}, (4, 8), (16, 24),
             (100,), ("vdi",), c02, "Citrix", OWNER["euc"], busy=0.3),
        Role("prd-dc-{:02d}", 4, {"w2022": 1}, (2,), (8,), (80,), ("infra",), c01,
             "Infrastructure", OWNER["infra"], off=0, thin=False, pool="Tier-1"),
        Role("prd-fs-{:02d}", 6, {"w2019": 1}, (4,), (16,), (100, 2048), ("infra",), c02,
             "Infrastructure", OWNER["infra"], off=0),
        Role("prd-exch-{:02d}", 4, {"w2019": 1}, (8,), (64,), (120, 1024, 1024),
             ("app",), c02, "Infrastructure", OWNER["infra"], off=0, thin=False),
        Role("prd-mon-{:02d}", 4, {"debian12": 1}, (4,), (16,), (80, 500), ("mgmt",), c01,
             "Infrastructure/Monitoring", OWNER["infra"], off=0),
        Role("prd-log-{:02d}", 6, {"rhel9": 1}, (8,), (64,), (100, 2048), ("mgmt",), c01,
             "Infrastructure/Monitoring", OWNER["sec"], off=0),
        Role("prd-jump-{:02d}", 4, {"w2022": 1}, (2,), (8,), (80,), ("mgmt",), c02,
             "Infrastructure", OWNER["infra"], off=0),
        Role("prd-kafka-{:02d}", 6, {"rhel9": 1}, (8,), (32,), (100, 1024), ("app",), c01,
             "Production/Middleware", OWNER["apps"], off=0),
        Role("prd-redis-{:02d}", 6, {"ubuntu": 1}, (4,), (32,), (60,), ("app",), c01,
             "Production/Middleware", OWNER["apps"], off=0),
        Role("prd-vbr-proxy-{:02d}", 4, {"w2022": 1}, (8,), (16,), (100,),
             ("backup", "mgmt"), "esx-prd-bkp-01", "Infrastructure/Backup",
             OWNER["backup"], off=0),
        Role("prd-nsx-mgr-{:02d}", 3, {"photon": 1}, (6,), (24,), (300,), ("mgmt",), c01,
             "Infrastructure/VMware", OWNER["infra"], off=0, thin=False, appliance=True,
             pool="Tier-1"),
        Role("dmz-web-{:02d}", 8, {"rhel9": 1}, (2,), (4,), (40,), ("dmz",), "PRD-DMZ",
             "DMZ", OWNER["web"], off=0),
        Role("dmz-proxy-{:02d}", 4, {"sles15": 1}, (4,), (8,), (60,), ("dmz",), "PRD-DMZ",
             "DMZ", OWNER["sec"], off=0),
        Role("dmz-mail-{:02d}", 2, {"debian12": 1}, (2,), (8,), (80,), ("dmz",),
             "PRD-DMZ", "DMZ", OWNER["infra"], off=0),
        Role("prd-legacy-nt-{:02d}", 1, {"w2008": 1}, (2,), (4,), (40,), ("app",), c02,
             "Production/Legacy", OWNER["apps"], off=0),
        Role("prd-app-old-{:02d}", 2, {"centos7": 1}, (2,), (8,), (60,), ("app",), c02,
             "Production/Legacy", OWNER["apps"], off=0),
    ]
    for i, app in enumerate(APPS):
        roles.append(Role(f"prd-app-{app}-{{:02d}}", 10 + (i * 7) % 11, WIN_MIX,
                          (2, 4, 8), (8, 16, 32), (80, 200), ("app",),
                          c01 if i % 2 else c02, f"Production/Apps/{app.upper()}",
                          OWNER["apps"], pool="Tier-2" if i % 2 else None))
    for app, count in (("fin", 3), ("hr", 2), ("crm", 4), ("erp", 4), ("shop", 3),
                       ("dwh", 2)):
        roles.append(Role(f"sql-{app}-{{:02d}}", count, {"w2019": 2, "w2022": 1},
                          (8, 16), (64, 128, 256), (100, 1024, 500, 200),
                          ("db", "backup"), "PRD-SQL", "Production/Databases",
                          OWNER["dba"], off=0, thin=False, busy=0.3))
    roles += [
        Role("ora-erp-{:02d}", 2, {"rhel8": 1}, (16,), (256,), (100, 2048, 512), ("db",),
             "PRD-SQL", "Production/Databases", OWNER["dba"], off=0, thin=False),
        Role("pg-api-{:02d}", 3, {"rhel9": 1}, (8,), (64,), (100, 1024), ("db",),
             "PRD-SQL", "Production/Databases", OWNER["dba"], off=0),
    ]
    return roles


def build_prod(now: datetime) -> VCenterBuilder:
    b = VCenterBuilder("prod", SEED, now, PROD_NETS)
    b.datacenter("Frankfurt")
    b.networks("DSwitch-PRD")
    # Mid-upgrade: one straggler left on 8.0 U2, two hosts of Compute-02 done.
    stragglers = {"PRD-Compute-01": lambda i: "8.0u2" if i == 16 else None,
                  "PRD-Compute-02": lambda i: "8.0u3" if i >= 13 else None}
    for spec in PROD_CLUSTERS:
        b.cluster(spec, esxi_of=stragglers.get(spec.name))
    iso = b.datastore("PRD-NFS-ISO", "NFS41",
                      b.hosts["PRD-Compute-01"] + b.hosts["PRD-Compute-02"])

    # Patching PRD-Compute-02 to 8.0 U3: one host is in maintenance mode, empty.
    patching = b.hosts["PRD-Compute-02"][13]
    b.props[patching._moId]["runtime.inMaintenanceMode"] = True
    b.event(vim.event.EnteredMaintenanceModeEvent, b.ago(hours=5, minutes=12),
            host=patching, user="CORP\\k.novak",
            message=f"Host {b.host_name(patching)} in Frankfurt has entered "
                    f"maintenance mode")
    for role in _prod_roles():
        b.role(role)
    for name, os_key in (("tpl-win2022-2024-06", "w2022"), ("tpl-win2019-2023-11", "w2019"),
                         ("tpl-rhel9-2024-05", "rhel9"), ("tpl-ubuntu2204-2024-04",
                                                           "ubuntu")):
        b.template(name, os_key, "PRD-Compute-01").datastores = [iso]

    _vm_states(b, not_running=("prd-app-hr-04", "prd-k8s-wrk-117", "prd-ctx-203"),
               not_installed=("prd-legacy-nt-01",), cdrom_share=0.015)
    b.size_vms()

    # A backup snapshot left behind: the disks need consolidation.
    stuck = b.by_name["sql-crm-03"]
    b.snapshot_chain(stuck, [23.4], names=["VEEAM BACKUP TEMPORARY SNAPSHOT"],
                     descriptions=[("Please do not delete this snapshot. It is being "
                                    "used by Veeam Backup.")], quiesced=True,
                     creator="CORP\\svc-veeam")
    stuck.consolidate = True
    b.by_name["prd-exch-02"].consolidate = True
    b.snapshot_chain(b.by_name["prd-app-erp-07"], [412.0, 95.5],
                     names=["before SAP kernel upgrade", "after upgrade - keep"],
                     descriptions=["m.garcia: rollback point for the SAP kernel upgrade",
                                   ""])
    b.snapshots(share=0.07, old_share=0.35)
    b.vm_properties()
    b.host_load()
    b.fill_datastores(FREE)

    for vm in (stuck, b.by_name["prd-exch-02"]):
        b.alarm(vm.ref, "Virtual machine Consolidation Needed status", "yellow",
                b.ago(days=21, hours=3))
    b.vm_alarms(share=0.015)
    _host_issue(b, b.hosts["PRD-Compute-01"][2], vim.event.RemoteTSMEnabledEvent,
                "SSH for the host {host} has been enabled")
    dmz = b.hosts["PRD-DMZ"][1]
    _host_issue(b, dmz, vim.event.HostNoRedundantManagementNetworkEvent,
                "Host {host} currently has no management network redundancy")
    b.alarm(dmz, "Network uplink redundancy lost", "yellow", b.ago(hours=7, minutes=40))
    b.event_ex("esx.problem.net.vmnic.linkstate.down", "error", b.ago(hours=7, minutes=41),
               "Physical NIC vmnic3 linkstate is down", host=dmz)
    psu = b.hosts["PRD-Compute-01"][6]
    b.alarm(psu, "Host hardware power status", "red", b.ago(hours=30),
            acknowledged_by="CORP\\s.mueller")
    b.event_ex("esx.problem.hardware.psu.failed", "error", b.ago(hours=30, minutes=1),
               "Power supply 2 on host failed: status critical", host=psu)
    busy = max(b.hosts["PRD-Compute-02"][:13],
               key=lambda h: b.props[h._moId]["summary.quickStats.overallMemoryUsage"])
    b.alarm(busy, "Host memory usage", "yellow", b.ago(hours=2, minutes=5))
    b.alarm(b.root, "Certificate Status", "yellow", b.ago(days=12))
    for i in range(7):  # the SQL cluster's array is struggling at night
        host = b.hosts["PRD-SQL"][i % 4]
        b.event_ex("esx.problem.scsi.device.io.latency.high", "warning",
                   b.ago(hours=3 + 4.5 * i, minutes=b.rng.uniform(0, 50)),
                   f"Device naa.600a0980383146{b.rng.getrandbits(40):010x} performance "
                   f"has deteriorated. I/O latency increased from average value of "
                   f"{b.rng.randrange(900, 1800)} microseconds to "
                   f"{b.rng.randrange(25000, 90000)} microseconds.", host=host)
    _bad_logins(b, "administrator@vsphere.local", "10.10.10.57", 3)
    b.routine_events(per_day=70)
    b.finish()
    return b


# --- DR -------------------------------------------------------------------------------

DR_NETS = (
    Net("mgmt", "dvPG-DR-Mgmt-10", 10, "10.20.10.0/24"),
    Net("infra", "dvPG-DR-Infra-110", 110, "10.20.110.0/24"),
    Net("web", "dvPG-DR-Web-120", 120, "10.20.120.0/22"),
    Net("app", "dvPG-DR-App-130", 130, "10.20.128.0/21"),
    Net("db", "dvPG-DR-DB-140", 140, "10.20.140.0/24"),
    Net("backup", "dvPG-DR-Backup-160", 160, "10.20.160.0/24"),
    Net("bubble", "dvPG-DR-SRM-TestBubble-999", 999, "10.10.0.0/16"),
)
DR_CLUSTERS = (
    ClusterSpec("DR-Compute-01", 10, "dl380p", "8.0u2", "esx-dr-c01",
                (("DR-VMFS", "VMFS", 6), ("DR-SRM-Placeholder", "NFS", 1))),
    ClusterSpec("DR-Compute-02", 6, "sr650", "7.0u3q", "esx-dr-c02",
                (("DR-C02-VMFS", "VMFS", 3),), drs="manual"),
)
DR_ROLES = (
    Role("dr-dc-{:02d}", 2, {"w2022": 1}, (2,), (8,), (80,), ("infra",), "DR-Compute-01",
         "DR-Infrastructure", OWNER["infra"], off=0, thin=False),
    Role("dr-fs-{:02d}", 2, {"w2019": 1}, (4,), (16,), (100, 2048), ("infra",),
         "DR-Compute-01", "DR-Infrastructure", OWNER["infra"], off=0),
    Role("dr-jump-{:02d}", 2, {"w2022": 1}, (2,), (8,), (80,), ("mgmt",), "DR-Compute-02",
         "DR-Infrastructure", OWNER["infra"], off=0),
    Role("dr-srm-{:02d}", 1, {"photon": 1}, (2,), (8,), (60,), ("mgmt",), "DR-Compute-01",
         "DR-Infrastructure/VMware", OWNER["infra"], off=0, appliance=True),
    Role("dr-vr-{:02d}", 4, {"photon": 1}, (2,), (8,), (20,), ("mgmt",), "DR-Compute-01",
         "DR-Infrastructure/VMware", OWNER["infra"], off=0, appliance=True),
    Role("dr-vbr-proxy-{:02d}", 4, {"w2022": 1}, (8,), (16,), (100,), ("backup", "mgmt"),
         "DR-Compute-02", "DR-Infrastructure/Backup", OWNER["backup"], off=0),
    Role("dr-mon-{:02d}", 2, {"debian12": 1}, (4,), (16,), (80, 500), ("mgmt",),
         "DR-Compute-02", "DR-Infrastructure", OWNER["infra"], off=0),
    Role("dr-web-{:03d}", 70, {"rhel9": 2, "ubuntu": 1}, (2, 4), (4, 8), (60,), ("web",),
         "DR-Compute-01", "DR-Active/Web", OWNER["web"], off=0.05),
    Role("dr-app-{:02d}", 60, {"w2019": 2, "w2022": 2, "rhel8": 1}, (2, 4), (8, 16),
         (80, 200), ("app",), "DR-Compute-02", "DR-Active/Apps", OWNER["apps"]),
    Role("dr-sql-{:02d}", 6, {"w2019": 1}, (8,), (64, 128), (100, 1024), ("db",),
         "DR-Compute-01", "DR-Active/Databases", OWNER["dba"], off=0, thin=False),
)
# Prod VMs protected by Site Recovery Manager: DR holds a placeholder of each.
PROTECTED = ("prd-web-0", "sql-", "ora-", "pg-", "prd-app-crm-", "prd-app-erp-", "prd-app-pay-",
             "prd-app-shop-", "prd-app-auth-", "prd-exch-", "prd-fs-", "prd-kafka-")
# Placeholders a test recovery powered on in the isolated bubble, with the
# production IPs, and nobody cleaned up.
TEST_RECOVERED = ("sql-fin-02", "prd-app-pay-03", "prd-app-crm-07")


def build_dr(now: datetime, prod: VCenterBuilder) -> VCenterBuilder:
    b = VCenterBuilder("dr", SEED, now, DR_NETS)
    b.datacenter("Hamburg")
    b.networks("DSwitch-DR")
    for spec in DR_CLUSTERS:
        b.cluster(spec)
    for role in DR_ROLES:
        b.role(role)
    placeholder_ds = b.datastores["DR-SRM-Placeholder"]
    placeholders = []
    for source in prod.vms:
        if source.template or not source.name.startswith(PROTECTED):
            continue
        folder = "SRM Placeholders/" + prod_folder(prod, source)
        vm = b.new_vm(source.name, source.os, cpu=source.cpu, mem_mb=source.mem_mb,
                      disks_gb=[], nets=[source.nets[0].key],  # DR has the same networks
                      host=b.rng.choice(b.hosts["DR-Compute-01"]),
                      folder=b.vm_folder(folder), power="poweredOff", placeholder=True,
                      annotation=f"Placeholder for protected VM {source.name} "
                                 f"(Site Recovery Manager, protected site: prod)")
        vm.datastores = [placeholder_ds]
        placeholders.append((vm, source))
    recovered = []
    for vm, source in placeholders:
        if vm.name in TEST_RECOVERED:
            vm.power, vm.tools, vm.placeholder = "poweredOn", "ok", False
            vm.nets = [b.nets["bubble"]] * len(source.nets)
            vm.macs = [b.mac() for _ in vm.nets]
            vm.ips = [list(ips) for ips in source.ips]
            vm.disks_gb = list(source.disks_gb)
            vm.annotation = (f"SRM test recovery of {source.name} "
                             f"(plan 'Finance-Apps', started by CORP\\a.kumar)")
            vm.datastores = [b.datastores["DR-VMFS-02"]]
            recovered.append(vm)
    _vm_states(b, not_running=("dr-app-17",), not_installed=(), cdrom_share=0.01)
    b.size_vms()
    for vm, _source in placeholders:
        if vm not in recovered:
            vm.committed, vm.uncommitted = 1_900_000, 0  # just the .vmx and logs
    for vm in recovered:
        b.snapshot_chain(vm, [2.6], names=["SRM test recovery"], descriptions=[""],
                         creator="CORP\\svc-srm")
    b.snapshots(share=0.05, old_share=0.3)

    # A host stopped answering: VMs on it show as disconnected, HA complains.
    lost = b.hosts["DR-Compute-02"][3]
    b.props[lost._moId]["runtime.connectionState"] = "notResponding"
    b.vm_properties()
    b.host_load()
    b.fill_datastores(FREE)
    when = b.ago(hours=3, minutes=18)
    b.event(vim.event.HostConnectionLostEvent, when, host=lost,
            message=f"Host {b.host_name(lost)} in Hamburg is not responding")
    b.alarm(lost, "Host connection and power state", "red", when + timedelta(seconds=20))
    b.alarm(lost, "vSphere HA host status", "red", when + timedelta(seconds=45))
    b.alarm(b.clusters["DR-Compute-02"], "Insufficient vSphere HA failover resources",
            "red", when + timedelta(minutes=1))
    _host_issue(b, b.hosts["DR-Compute-02"][0], vim.event.LocalTSMEnabledEvent,
                "ESXi Shell for the host {host} has been enabled")
    _host_issue(b, b.hosts["DR-Compute-02"][0], vim.event.RemoteTSMEnabledEvent,
                "SSH for the host {host} has been enabled")
    b.vm_alarms(share=0.01)
    _bad_logins(b, "administrator@vsphere.local", "10.20.10.99", 6)
    b.routine_events(per_day=20)
    b.finish()
    return b


def prod_folder(builder: VCenterBuilder, vm) -> str:
    """The VM folder path of a generated VM, e.g. 'Production/Databases'."""
    names = []
    oid = vm.folder._moId
    while oid is not None and oid != builder.folders["vm"]._moId:
        names.append(builder.names[oid])
        oid = builder.parents.get(oid)
    return "/".join(reversed(names))


# --- Lab ------------------------------------------------------------------------------

LAB_NETS = (
    Net("vmnet", "VM Network", 0, "192.168.30.0/24"),
    Net("dev", "Lab-Dev", 300, "10.30.0.0/22", "2001:db8:30::/64"),
    Net("test", "Lab-Test", 310, "10.30.8.0/23"),
    Net("iso", "Lab-Isolated", 4095, "172.31.0.0/24"),
)
LAB_CLUSTERS = (
    ClusterSpec("LAB-Cluster-01", 6, "sr650", "8.0u3", "esx-lab",
                (("LAB-VMFS", "VMFS", 3), ("LAB-NFS", "NFS", 2)), ha=False,
                drs="manual", pools=("Sandbox",)),
    ClusterSpec("LAB-Edge", 3, "e300", "7.0u3n", "esx-lab-edge",
                (("LAB-EDGE-vSAN", "vsan", 1),), drs=None),
)
LAB_ROLES = (
    Role("lab-dev-{:03d}", 80, {"ubuntu": 4, "rhel9": 2, "w2022": 2, "debian12": 1},
         (2, 4), (4, 8, 16), (40, 80), ("dev",), "LAB-Cluster-01", "Dev", OWNER["dev"],
         off=0.2, busy=0.05),
    Role("lab-test-{:03d}", 70, {"w2019": 2, "w2022": 2, "rhel8": 1, "ubuntu": 2},
         (2, 4), (4, 8), (60,), ("test",), "LAB-Cluster-01", "Test", OWNER["dev"],
         off=0.3, busy=0.05),
    Role("lab-k8s-{:02d}", 9, {"ubuntu": 1}, (4,), (16,), (80,), ("dev",),
         "LAB-Cluster-01", "Dev/Kubernetes", OWNER["k8s"], off=0),
    Role("lab-ci-runner-{:02d}", 8, {"ubuntu": 1}, (8,), (16,), (200,), ("dev",),
         "LAB-Cluster-01", "Dev/CI", OWNER["dev"], off=0, busy=0.4),
    Role("lab-edge-{:02d}", 12, {"photon": 1, "debian12": 2}, (2,), (4,), (30,),
         ("vmnet",), "LAB-Edge", "Edge", OWNER["infra"], off=0.1),
    Role("lab-malware-{:02d}", 3, {"w2016": 1, "w2008": 1}, (2,), (4,), (60,), ("iso",),
         "LAB-Cluster-01", "Security/Isolated", OWNER["sec"], off=0.6),
    Role("lab-git-{:02d}", 1, {"rhel9": 1}, (4,), (16,), (100, 500), ("dev",),
         "LAB-Cluster-01", "Dev", OWNER["dev"], off=0),
) + tuple(
    Role(f"sbx-{user.replace('.', '')}-{{:02d}}", 6, {"ubuntu": 2, "w2022": 2, "rhel9": 1},
         (2, 4), (4, 8), (40, 60), ("test",), "LAB-Cluster-01", f"Sandbox/{user}",
         off=0.4, busy=0.03, pool="Sandbox")
    for user in USERS)
# Copies of production VMs that kept the production IP address.
LAB_CLONES = (("clone-prd-web-012", "prd-web-012"), ("sql-fin-01-copy", "sql-fin-01"))


def build_lab(now: datetime, prod: VCenterBuilder) -> VCenterBuilder:
    b = VCenterBuilder("lab", SEED, now, LAB_NETS)
    b.datacenter("Lab")
    b.networks(None)
    for spec in LAB_CLUSTERS:
        b.cluster(spec, esxi_of=(lambda i: "7.0u3n" if i > 4 else None)
                  if spec.name == "LAB-Cluster-01" else None)
    for role in LAB_ROLES:
        b.role(role)
    for name, os_key in (("tpl-win2022", "w2022"), ("tpl-rhel9", "rhel9"),
                         ("tpl-ubuntu2204", "ubuntu"), ("tpl-win2016-old", "w2016")):
        b.template(name, os_key, "LAB-Cluster-01")
    for name, source_name in LAB_CLONES:
        source = prod.by_name[source_name]
        b.new_vm(name, source.os, cpu=source.cpu, mem_mb=source.mem_mb,
                 disks_gb=list(source.disks_gb), nets=["test"] * len(source.nets),
                 host=b.rng.choice(b.hosts["LAB-Cluster-01"]),
                 folder=b.vm_folder("Test/Clones"), tools="ok",
                 ips=[list(ips) for ips in source.ips],
                 annotation=f"Clone of {source_name} for upgrade tests (l.chen)")
    _vm_states(b, not_running=("lab-dev-007", "lab-test-044", "lab-k8s-05"),
               not_installed=("lab-malware-02",), cdrom_share=0.06, old_share=0.15)
    b.size_vms()
    # The same address typed into two test VMs.
    first, second = b.by_name["lab-dev-014"], b.by_name["lab-test-031"]
    for vm in (first, second):
        vm.power, vm.tools = "poweredOn", "ok"
        vm.uptime = vm.uptime or 86400 * 3
    second.ips = [list(first.ips[0]) if first.ips else ["10.30.0.99"]]
    first.ips = [list(second.ips[0])]
    no_ip = b.by_name["lab-dev-021"]
    no_ip.power, no_ip.tools, no_ip.ips = "poweredOn", "ok", [[]]  # DHCP failed
    no_ip.uptime = no_ip.uptime or 7200
    b.by_name["lab-test-012"].consolidate = True
    b.snapshots(share=0.22, old_share=0.7)

    # A host someone disconnected, and an NFS datastore that went away.
    gone = b.hosts["LAB-Cluster-01"][5]
    b.props[gone._moId]["runtime.connectionState"] = "disconnected"
    b.vm_properties()
    b.host_load()
    b.fill_datastores(FREE)
    nfs = b.datastores["LAB-NFS-02"]
    b.props[nfs._moId]["summary.accessible"] = False
    b.props[nfs._moId]["overallStatus"] = "red"
    for mount in b.props[nfs._moId]["host"]:
        mount.mountInfo = vim.host.MountInfo(accessMode="readWrite", mounted=True,
                                             accessible=False,
                                             inaccessibleReason="AllPathsDown_Start")
    for host in b.hosts["LAB-Cluster-01"][:5]:
        b.event_ex("esx.problem.vmfs.nfs.server.disconnect", "error",
                   b.ago(hours=9, minutes=b.rng.uniform(0, 3)),
                   "Lost connection to server 10.30.5.20 mount point /vol/lab_nfs02 "
                   "mounted as LAB-NFS-02", host=host, datastore=nfs)
    b.event(vim.event.HostDisconnectedEvent, b.ago(days=2, hours=4), host=gone,
            user="CORP\\l.chen", reason="userRequest",
            message=f"Disconnected from {b.host_name(gone)} in Lab. Reason: User "
                    f"requested disconnect")
    b.alarm(b.by_name["lab-test-012"].ref, "Virtual machine Consolidation Needed status",
            "yellow", b.ago(days=4))
    b.vm_alarms(share=0.03)
    b.routine_events(per_day=25)
    for i, vm in enumerate(b.vms[-12:-6]):
        if vm.template:
            continue
        b.event(vim.event.VmCreatedEvent, b.ago(hours=10 + 9 * i), vm=vm,
                user=f"CORP\\{USERS[i % len(USERS)]}",
                message=f"Created virtual machine {vm.name} on {b.host_name(vm.host)} "
                        f"in Lab")
    b.finish()
    return b


# --- shared scenario pieces -----------------------------------------------------------

def _vm_states(b: VCenterBuilder, not_running, not_installed, cdrom_share: float,
               old_share: float = 0.0) -> None:
    """VMware Tools trouble on named VMs, connected CD-ROMs on a share of VMs."""
    for name in not_running:
        vm = b.by_name[name]
        vm.power, vm.tools = "poweredOn", "notrunning"
    for name in not_installed:
        vm = b.by_name[name]
        vm.power, vm.tools = "poweredOn", "notinstalled"
    for vm in b.vms:
        if vm.template:
            continue
        if b.rng.random() < cdrom_share:
            vm.cdrom = True
        if vm.tools == "ok" and b.rng.random() < old_share:
            vm.tools = "old"


def _host_issue(b: VCenterBuilder, host, cls, message: str) -> None:
    """A configuration issue vCenter lists on a host (``configIssue``)."""
    when = b.ago(days=b.rng.uniform(1, 40))
    text = message.format(host=b.host_name(host))
    b.props[host._moId]["configIssue"].append(cls(
        key=0, chainId=0, createdTime=when, userName="", fullFormattedMessage=text,
        host=vim.event.HostEventArgument(name=b.host_name(host), host=host),
        datacenter=vim.event.DatacenterEventArgument(name=b.dc_name, datacenter=b.dc)))
    if b.props[host._moId]["overallStatus"] == "green":
        b.props[host._moId]["overallStatus"] = "yellow"


def _bad_logins(b: VCenterBuilder, user: str, address: str, count: int) -> None:
    start = b.ago(hours=b.rng.uniform(4, 20))
    for i in range(count):
        b.event(vim.event.BadUsernameSessionEvent, start + timedelta(seconds=17 * i),
                user=user, ipAddress=address,
                message=f"Cannot login {user}@{address}")
