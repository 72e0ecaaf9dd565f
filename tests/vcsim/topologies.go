package main

import "fmt"

// The seeded inventories. Every fact here is mirrored by hand in
// tests/vcsim/seed.py; change both together.

// guestOSInfo describes a guest operating system identifier.
type guestOSInfo struct {
	FullName string
	Family   string // GuestInfo.guestFamily
}

// guestOS lists the guest OS identifiers used by the topologies.
var guestOS = map[string]guestOSInfo{
	"ubuntu64Guest":              {"Ubuntu Linux (64-bit)", "linuxGuest"},
	"rhel8_64Guest":              {"Red Hat Enterprise Linux 8 (64-bit)", "linuxGuest"},
	"centos7_64Guest":            {"CentOS 7 (64-bit)", "linuxGuest"},
	"debian11_64Guest":           {"Debian GNU/Linux 11 (64-bit)", "linuxGuest"},
	"vmwarePhoton64Guest":        {"VMware Photon OS (64-bit)", "linuxGuest"},
	"windows2019srv_64Guest":     {"Microsoft Windows Server 2019 (64-bit)", "windowsGuest"},
	"windows2019srvNext_64Guest": {"Microsoft Windows Server 2022 (64-bit)", "windowsGuest"},
	"windows9Server64Guest":      {"Microsoft Windows Server 2016 or later (64-bit)", "windowsGuest"},
	"winNetStandard64Guest":      {"Microsoft Windows Server 2003 Standard (64-bit)", "windowsGuest"},
	"windows11_64Guest":          {"Microsoft Windows 11 (64-bit)", "windowsGuest"},
	"vmkernel7Guest":             {"VMware ESXi 7.0 or later", "otherGuestFamily"},
}

// hostHardware lists the server models used by the topologies.
var hostHardware = map[string]hostHardwareSpec{
	"r750":    {"Dell Inc.", "PowerEdge R750", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 2, 64, 128, 2000, 1024},
	"dl380":   {"HPE", "ProLiant DL380 Gen10", "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 2, 48, 96, 3000, 768},
	"r650":    {"Dell Inc.", "PowerEdge R650", "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz", 2, 32, 64, 2400, 256},
	"r740":    {"Dell Inc.", "PowerEdge R740", "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", 2, 40, 80, 2100, 512},
	"e300":    {"Supermicro", "SYS-E300-9D-8CN8TP", "Intel(R) Xeon(R) D-2146NT CPU @ 2.30GHz", 1, 8, 16, 2300, 128},
	"synergy": {"HPE", "Synergy 480 Gen10 Plus", "Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz", 2, 56, 112, 2000, 1536},
}

// esxiReleases lists the ESXi versions used by the topologies.
var esxiReleases = map[string]esxiRelease{
	"7.0.3": {"7.0.3", "21930508", "7.0.3.0"},
	"8.0.2": {"8.0.2", "22380479", "8.0.2.0"},
}

// nic is shorthand for a nicSpec.
func nic(network, mac string, ips ...string) nicSpec {
	return nicSpec{Network: network, MAC: mac, IPs: ips}
}

// topologyByName returns the named topology; vms sizes the "large" one.
func topologyByName(name string, vms int) (*topology, error) {
	switch name {
	case "prod":
		return prodTopology(), nil
	case "dr":
		return drTopology(), nil
	case "lab":
		return labTopology(), nil
	case "large":
		return largeTopology(vms), nil
	}
	return nil, fmt.Errorf("unknown topology %q (want prod, dr, lab or large)", name)
}

// prodTopology: 1 datacenter, 2 clusters (3 + 2 hosts), 1 standalone host, 24 VMs.
func prodTopology() *topology {
	const (
		web    = "dvpg-prod-web-vlan110"
		app    = "dvpg-prod-app-vlan120"
		db     = "dvpg-prod-db-vlan130"
		vmnet  = "VM Network"
		backup = "Backup-Net"
	)
	clusterA := []string{"esx-prod-a01.corp.example.com", "esx-prod-a02.corp.example.com", "esx-prod-a03.corp.example.com"}
	clusterB := []string{"esx-prod-b01.corp.example.com", "esx-prod-b02.corp.example.com"}
	standalone := "esx-prod-s01.corp.example.com"
	all := append(append(append([]string{}, clusterA...), clusterB...), standalone)

	return &topology{
		Name:         "prod",
		InstanceUUID: "6c0b2a4e-51d3-4f0e-9b7a-10d0c0de0001",
		Datacenter:   "DC-Prod",
		VMFolders:    []string{"Web", "Database", "Application", "Infrastructure", "Templates"},
		Clusters: []clusterSpec{
			{
				Name: "Prod-Cluster-A", DRS: true, HA: true,
				Pools: []string{"Web-Tier", "DB-Tier"},
				Hosts: []hostSpec{
					{Name: clusterA[0], Hardware: "r750", Version: "8.0.2", MgmtIP: "10.10.1.11", CPUUsagePct: 35, MemUsagePct: 62, BootDaysAgo: 45},
					{Name: clusterA[1], Hardware: "r750", Version: "8.0.2", MgmtIP: "10.10.1.12", CPUUsagePct: 40, MemUsagePct: 58, BootDaysAgo: 45},
					{Name: clusterA[2], Hardware: "r750", Version: "8.0.2", MgmtIP: "10.10.1.13", CPUUsagePct: 1, MemUsagePct: 3, BootDaysAgo: 2, Maintenance: true},
				},
			},
			{
				Name: "Prod-Cluster-B", DRS: true, HA: true,
				Hosts: []hostSpec{
					{Name: clusterB[0], Hardware: "dl380", Version: "7.0.3", MgmtIP: "10.10.1.21", CPUUsagePct: 95, MemUsagePct: 70, BootDaysAgo: 120},
					{Name: clusterB[1], Hardware: "dl380", Version: "7.0.3", MgmtIP: "10.10.1.22", CPUUsagePct: 30, MemUsagePct: 55, BootDaysAgo: 120,
						Issues: []configIssue{{"HostNoRedundantManagementNetworkEvent",
							"Host esx-prod-b02.corp.example.com in DC-Prod currently has no management network redundancy"}}},
				},
			},
		},
		Standalone: []hostSpec{
			{Name: standalone, Hardware: "r650", Version: "7.0.3", MgmtIP: "10.10.1.31", CPUUsagePct: 20, MemUsagePct: 45, BootDaysAgo: 200,
				Issues: []configIssue{{"LocalTSMEnabledEvent",
					"ESXi Shell for the host esx-prod-s01.corp.example.com has been enabled"}}},
		},
		Datastores: []datastoreSpec{
			{Name: "prod-ds-01", Type: "VMFS", CapacityGB: 4096, FreeGB: 1434, UncommittedGB: 800, Hosts: clusterA},
			{Name: "prod-ds-02", Type: "VMFS", CapacityGB: 2048, FreeGB: 102, UncommittedGB: 300, Hosts: clusterA},
			{Name: "prod-ds-03", Type: "VMFS", CapacityGB: 4096, FreeGB: 2458, UncommittedGB: 500, Hosts: clusterB},
			{Name: "prod-nfs-01", Type: "NFS", CapacityGB: 8192, FreeGB: 3686, UncommittedGB: 0, Hosts: all,
				RemoteHost: "nas01.corp.example.com", RemotePath: "/vol/prod_nfs01"},
			{Name: "prod-local-s01", Type: "VMFS", CapacityGB: 900, FreeGB: 585, UncommittedGB: 100, Hosts: []string{standalone}},
		},
		Networks:   []networkSpec{{Name: backup, VLAN: 300}},
		DVSwitch:   "DSwitch-Prod",
		Portgroups: []networkSpec{{Name: web, VLAN: 110}, {Name: app, VLAN: 120}, {Name: db, VLAN: 130}},
		VMs: []vmSpec{
			{Name: "web-01", Folder: "Web", Host: clusterA[0], Pool: "Web-Tier", Datastore: "prod-ds-01", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40},
				NICs:     []nicSpec{nic(web, "00:50:56:81:01:01", "10.10.110.11", "2001:db8:110::11", "fe80::250:56ff:fe81:101")},
				Hostname: "web-01.corp.example.com", Annotation: "Public web frontend",
				Snapshots: []snapshotSpec{{"before-patch", "Before monthly OS patching", 3, false, 2048, "CORP\\jdoe"}}},
			{Name: "web-02", Folder: "Web", Host: clusterA[1], Pool: "Web-Tier", Datastore: "prod-ds-01", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40},
				NICs:         []nicSpec{nic(web, "00:50:56:81:02:01")},
				ToolsStopped: true, Annotation: "Public web frontend"},
			{Name: "web-03", Folder: "Web", Host: clusterA[0], Pool: "Web-Tier", Datastore: "prod-ds-02", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40},
				NICs:     []nicSpec{nic(web, "00:50:56:81:03:01", "10.10.110.13", "fe80::250:56ff:fe81:301")},
				Hostname: "web-03.corp.example.com", Tools: "old"},
			{Name: "app-01", Folder: "Application", Host: clusterA[1], Datastore: "prod-ds-01", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 8192, DisksGB: []int64{80, 100},
				NICs: []nicSpec{
					nic(app, "00:50:56:81:04:01", "10.10.120.21", "fe80::250:56ff:fe81:401"),
					nic(backup, "00:50:56:81:04:02", "10.10.30.21"),
				},
				Hostname: "app-01.corp.example.com"},
			{Name: "app-02", Folder: "Application", Host: clusterA[0], Datastore: "prod-ds-02", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 8192, DisksGB: []int64{80},
				NICs:     []nicSpec{nic(app, "00:50:56:81:05:01", "10.10.120.22", "fe80::250:56ff:fe81:501")},
				Hostname: "app-02.corp.example.com", ConsolidationNeeded: true},
			{Name: "app-03", Folder: "Application", Host: clusterA[1], Datastore: "prod-ds-01", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 2, MemoryMB: 8192, DisksGB: []int64{80},
				NICs:     []nicSpec{nic(app, "00:50:56:81:06:01", "10.10.120.23", "fe80::250:56ff:fe81:601")},
				Hostname: "app-03.corp.example.com",
				CDROMISO: "[prod-ds-01] iso/SW_DVD9_Win_Server_STD_CORE_2019_1809.iso"},
			{Name: "db-01", Folder: "Database", Host: clusterA[0], Pool: "DB-Tier", Datastore: "prod-ds-01", PowerOn: true,
				GuestID: "rhel8_64Guest", CPU: 8, MemoryMB: 32768, DisksGB: []int64{60, 500}, Thick: true,
				NICs: []nicSpec{
					nic(db, "00:50:56:81:07:01", "10.10.130.31", "2001:db8:130::31", "fe80::250:56ff:fe81:701"),
					nic(backup, "00:50:56:81:07:02", "10.10.30.31"),
				},
				Hostname: "db-01.corp.example.com", Annotation: "PostgreSQL primary - owner: DBA team",
				Snapshots: []snapshotSpec{
					{"pre-upgrade-baseline", "Baseline before PostgreSQL 15 upgrade", 30, true, 8192, "CORP\\dba-admin"},
					{"after-schema-migration", "Schema migration 2024-Q3 applied", 20, true, 4096, "CORP\\dba-admin"},
					{"before-hotfix", "Before applying hotfix HF-1142", 3, false, 1024, "CORP\\jdoe"},
				}},
			{Name: "db-02", Folder: "Database", Host: clusterA[1], Pool: "DB-Tier", Datastore: "prod-ds-01", PowerOn: true,
				GuestID: "rhel8_64Guest", CPU: 8, MemoryMB: 32768, DisksGB: []int64{60, 500}, Thick: true,
				NICs:     []nicSpec{nic(db, "00:50:56:81:08:01", "10.10.130.32", "2001:db8:130::32", "fe80::250:56ff:fe81:801")},
				Hostname: "db-02.corp.example.com", Annotation: "PostgreSQL replica"},
			{Name: "db-03", Folder: "Database", Host: clusterA[0], Pool: "DB-Tier", Datastore: "prod-ds-02",
				GuestID: "centos7_64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{60, 200}, HWVersion: "vmx-13",
				NICs:       []nicSpec{nic(db, "00:50:56:81:09:01")},
				Annotation: "Legacy MySQL - powered off pending decommission"},
			{Name: "jump-01", Folder: "Infrastructure", Host: clusterA[1], Datastore: "prod-nfs-01", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{60},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:81:0a:01", "10.10.10.50", "fe80::250:56ff:fe81:a01")},
				Hostname: "jump-01.corp.example.com"},
			{Name: "archive-01", Folder: "Infrastructure", Host: clusterA[2], Datastore: "prod-ds-01",
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40, 1000},
				NICs:       []nicSpec{nic(vmnet, "00:50:56:81:0b:01")},
				Annotation: "Archive server - powered off"},
			{Name: "tmpl-ubuntu-2204", Folder: "Templates", Host: clusterA[0], Datastore: "prod-nfs-01", Template: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40},
				NICs:       []nicSpec{nic(vmnet, "00:50:56:81:0c:01")},
				Annotation: "Ubuntu 22.04 LTS golden image"},
			{Name: "tmpl-win2019", Folder: "Templates", Host: clusterA[1], Datastore: "prod-nfs-01", Template: true,
				GuestID: "windows2019srv_64Guest", CPU: 2, MemoryMB: 8192, DisksGB: []int64{80},
				NICs:       []nicSpec{nic(vmnet, "00:50:56:81:0d:01")},
				Annotation: "Windows Server 2019 golden image"},
			{Name: "mail-01", Folder: "Application", Host: clusterB[0], Datastore: "prod-ds-03", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{100, 500},
				NICs:     []nicSpec{nic(app, "00:50:56:81:0e:01", "10.10.120.41", "fe80::250:56ff:fe81:e01")},
				Hostname: "mail-01.corp.example.com"},
			{Name: "mail-02", Folder: "Application", Host: clusterB[1], Datastore: "prod-ds-03", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{100, 500},
				NICs:     []nicSpec{nic(app, "00:50:56:81:0f:01", "10.10.120.42", "fe80::250:56ff:fe81:f01")},
				Hostname: "mail-02.corp.example.com"},
			{Name: "file-01", Folder: "Infrastructure", Host: clusterB[0], Datastore: "prod-nfs-01", PowerOn: true,
				GuestID: "windows9Server64Guest", CPU: 2, MemoryMB: 8192, DisksGB: []int64{80, 2048},
				NICs: []nicSpec{
					nic(vmnet, "00:50:56:81:10:01", "10.10.10.60", "fe80::250:56ff:fe81:1001"),
					nic(backup, "00:50:56:81:10:02", "10.10.30.60"),
				},
				Hostname: "file-01.corp.example.com", GuestFreePct: 8, Annotation: "File server - D: nearly full"},
			{Name: "monitor-01", Folder: "Infrastructure", Host: clusterB[1], Datastore: "prod-ds-03", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 8192, DisksGB: []int64{100},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:81:11:01", "10.10.10.70", "2001:db8:10::70", "fe80::250:56ff:fe81:1101")},
				Hostname: "monitor-01.corp.example.com", Tools: "unmanaged"},
			{Name: "reporting-01", Folder: "Application", Host: clusterB[0], Datastore: "prod-ds-03", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{100},
				NICs:     []nicSpec{nic(app, "00:50:56:81:12:01", "10.10.120.50", "fe80::250:56ff:fe81:1201")},
				Hostname: "reporting-01.corp.example.com"},
			{Name: "test-01", Folder: "Application", Host: clusterB[1], Datastore: "prod-ds-03",
				GuestID: "ubuntu64Guest", CPU: 1, MemoryMB: 2048, DisksGB: []int64{20},
				NICs:       []nicSpec{nic(vmnet, "00:50:56:81:13:01")},
				Annotation: "Temporary test VM"},
			{Name: "ci-runner-01", Folder: "Infrastructure", Host: clusterB[1], Datastore: "prod-ds-03", PowerOn: true,
				GuestID: "vmwarePhoton64Guest", CPU: 4, MemoryMB: 8192, DisksGB: []int64{60},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:81:14:01", "10.10.10.80", "fe80::250:56ff:fe81:1401")},
				Hostname: "ci-runner-01.corp.example.com", Tools: "unmanaged"},
			{Name: "backup-01", Folder: "Infrastructure", Host: standalone, Datastore: "prod-local-s01", PowerOn: true,
				GuestID: "windows2019srvNext_64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{100, 800}, Thick: true,
				NICs: []nicSpec{
					nic(vmnet, "00:50:56:81:15:01", "10.10.10.90", "fe80::250:56ff:fe81:1501"),
					nic(backup, "00:50:56:81:15:02", "10.10.30.90"),
				},
				Hostname: "backup-01.corp.example.com"},
			{Name: "dns-01", Folder: "Infrastructure", Host: standalone, Datastore: "prod-local-s01", PowerOn: true,
				GuestID: "debian11_64Guest", CPU: 1, MemoryMB: 2048, DisksGB: []int64{20},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:81:16:01", "10.10.10.53", "2001:db8:10::53", "fe80::250:56ff:fe81:1601")},
				Hostname: "dns-01.corp.example.com", Tools: "unmanaged"},
			{Name: "dns-02", Folder: "Infrastructure", Host: standalone, Datastore: "prod-nfs-01", PowerOn: true,
				GuestID: "debian11_64Guest", CPU: 1, MemoryMB: 2048, DisksGB: []int64{20},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:81:17:01", "10.10.10.54", "2001:db8:10::54", "fe80::250:56ff:fe81:1701")},
				Hostname: "dns-02.corp.example.com", Tools: "unmanaged"},
			{Name: "legacy-app-01", Folder: "Application", Host: standalone, Datastore: "prod-local-s01",
				GuestID: "winNetStandard64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40}, HWVersion: "vmx-08", Thick: true,
				NICs:  []nicSpec{nic(vmnet, "00:50:56:81:18:01")},
				Tools: "old", Annotation: "Windows 2003 application - do not power on"},
		},
		Alarms: []triggeredAlarm{
			{Alarm: "Datastore usage on disk", EntityType: "Datastore", Entity: "prod-ds-02", Status: "red", HoursAgo: 24},
			{Alarm: "Virtual machine memory usage", EntityType: "VirtualMachine", Entity: "db-01", Status: "yellow", HoursAgo: 2},
			{Alarm: "Host CPU usage", EntityType: "HostSystem", Entity: clusterB[0], Status: "red", HoursAgo: 0.75},
		},
		Events: []eventSpec{
			{Type: "VmPoweredOffEvent", HoursAgo: 90 * 24, User: "CORP\\jdoe", Entity: "archive-01",
				Message: "archive-01 on esx-prod-a03.corp.example.com in DC-Prod is powered off"},
			{Type: "VmPoweredOffEvent", HoursAgo: 40 * 24, User: "CORP\\dba-admin", Entity: "db-03",
				Message: "db-03 on esx-prod-a01.corp.example.com in DC-Prod is powered off"},
			{Type: "TaskEvent", HoursAgo: 30 * 24, User: "CORP\\dba-admin", Entity: "db-01",
				TaskDescriptionID: "VirtualMachine.createSnapshot", TaskName: "CreateSnapshot_Task",
				Message: "Task: Create virtual machine snapshot"},
			{Type: "TaskEvent", HoursAgo: 20 * 24, User: "CORP\\dba-admin", Entity: "db-01",
				TaskDescriptionID: "VirtualMachine.createSnapshot", TaskName: "CreateSnapshot_Task",
				Message: "Task: Create virtual machine snapshot"},
			{Type: "TaskEvent", HoursAgo: 3 * 24, User: "CORP\\jdoe", Entity: "db-01",
				TaskDescriptionID: "VirtualMachine.createSnapshot", TaskName: "CreateSnapshot_Task",
				Message: "Task: Create virtual machine snapshot"},
			{Type: "TaskEvent", HoursAgo: 3 * 24, User: "CORP\\jdoe", Entity: "web-01",
				TaskDescriptionID: "VirtualMachine.createSnapshot", TaskName: "CreateSnapshot_Task",
				Message: "Task: Create virtual machine snapshot"},
			{Type: "EnteredMaintenanceModeEvent", HoursAgo: 2 * 24, User: "CORP\\vmadmin", Entity: clusterA[2],
				Message: "Host esx-prod-a03.corp.example.com in DC-Prod has entered maintenance mode"},
			{Type: "VmPoweredOffEvent", HoursAgo: 2 * 24, User: "CORP\\jdoe", Entity: "test-01",
				Message: "test-01 on esx-prod-b02.corp.example.com in DC-Prod is powered off"},
			{Type: "AlarmStatusChangedEvent", HoursAgo: 24, Entity: "prod-ds-02",
				Alarm: "Datastore usage on disk", From: "green", To: "red",
				Message: "Alarm 'Datastore usage on disk' on prod-ds-02 changed from Green to Red"},
			{Type: "EventEx", HoursAgo: 5, Entity: clusterB[0],
				EventTypeID: "esx.problem.vmfs.heartbeat.timedout", Severity: "error",
				Message: "Lost access to volume prod-ds-03 due to connectivity issues. Recovery attempt is in progress and outcome will be reported shortly."},
			{Type: "AlarmStatusChangedEvent", HoursAgo: 2, Entity: "db-01",
				Alarm: "Virtual machine memory usage", From: "green", To: "yellow",
				Message: "Alarm 'Virtual machine memory usage' on db-01 changed from Green to Yellow"},
			{Type: "AlarmStatusChangedEvent", HoursAgo: 0.75, Entity: clusterB[0],
				Alarm: "Host CPU usage", From: "green", To: "red",
				Message: "Alarm 'Host CPU usage' on esx-prod-b01.corp.example.com changed from Green to Red"},
		},
	}
}

// drTopology: 1 datacenter, 1 cluster of 3 hosts (one disconnected), 13 VMs.
func drTopology() *topology {
	const (
		v210  = "dvpg-dr-vlan210"
		v220  = "dvpg-dr-vlan220"
		vmnet = "VM Network"
	)
	hosts := []string{"esx-dr-01.corp.example.com", "esx-dr-02.corp.example.com", "esx-dr-03.corp.example.com"}

	return &topology{
		Name:         "dr",
		InstanceUUID: "6c0b2a4e-51d3-4f0e-9b7a-10d0c0de0002",
		Datacenter:   "DC-DR",
		VMFolders:    []string{"DR-Replicas", "DR-Infrastructure", "Test"},
		Clusters: []clusterSpec{
			{
				Name: "DR-Cluster", DRS: true, HA: true,
				Pools: []string{"Replica-VMs"},
				Hosts: []hostSpec{
					{Name: hosts[0], Hardware: "r740", Version: "7.0.3", MgmtIP: "10.20.1.11", CPUUsagePct: 25, MemUsagePct: 40, BootDaysAgo: 60},
					{Name: hosts[1], Hardware: "r740", Version: "7.0.3", MgmtIP: "10.20.1.12", CPUUsagePct: 20, MemUsagePct: 35, BootDaysAgo: 60},
					{Name: hosts[2], Hardware: "r740", Version: "7.0.3", MgmtIP: "10.20.1.13", BootDaysAgo: 60, Connection: "disconnected"},
				},
			},
		},
		Datastores: []datastoreSpec{
			{Name: "dr-ds-01", Type: "VMFS", CapacityGB: 4096, FreeGB: 492, UncommittedGB: 600, Hosts: hosts},
			{Name: "dr-ds-02", Type: "VMFS", CapacityGB: 2048, FreeGB: 1126, UncommittedGB: 200, Hosts: hosts[:2]},
			{Name: "dr-nfs-01", Type: "NFS", CapacityGB: 4096, FreeGB: 2867, Hosts: hosts,
				RemoteHost: "nas-dr.corp.example.com", RemotePath: "/vol/dr_nfs01"},
		},
		DVSwitch:   "DSwitch-DR",
		Portgroups: []networkSpec{{Name: v210, VLAN: 210}, {Name: v220, VLAN: 220}},
		VMs: []vmSpec{
			{Name: "dr-web-01", Folder: "DR-Replicas", Host: hosts[0], Pool: "Replica-VMs", Datastore: "dr-ds-01", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40},
				NICs:     []nicSpec{nic(v210, "00:50:56:82:01:01", "10.20.210.11", "fe80::250:56ff:fe82:101")},
				Hostname: "dr-web-01.corp.example.com"},
			{Name: "dr-web-02", Folder: "DR-Replicas", Host: hosts[1], Pool: "Replica-VMs", Datastore: "dr-ds-01", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40},
				NICs:     []nicSpec{nic(v210, "00:50:56:82:02:01", "10.20.210.12", "fe80::250:56ff:fe82:201")},
				Hostname: "dr-web-02.corp.example.com"},
			{Name: "dr-db-01", Folder: "DR-Replicas", Host: hosts[0], Pool: "Replica-VMs", Datastore: "dr-ds-01", PowerOn: true,
				GuestID: "rhel8_64Guest", CPU: 8, MemoryMB: 32768, DisksGB: []int64{60, 500}, Thick: true,
				NICs:     []nicSpec{nic(v220, "00:50:56:82:03:01", "10.20.220.31", "2001:db8:220::31", "fe80::250:56ff:fe82:301")},
				Hostname: "dr-db-01.corp.example.com", Annotation: "PostgreSQL DR replica"},
			{Name: "dr-app-01", Folder: "DR-Replicas", Host: hosts[1], Pool: "Replica-VMs", Datastore: "dr-ds-01", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 8192, DisksGB: []int64{80},
				NICs:      []nicSpec{nic(v210, "00:50:56:82:04:01", "10.20.210.21", "fe80::250:56ff:fe82:401")},
				Hostname:  "dr-app-01.corp.example.com",
				Snapshots: []snapshotSpec{{"pre-dr-test", "Before DR test failover", 45, false, 4096, "CORP\\srm-svc"}}},
			{Name: "reporting-dr-01", Folder: "DR-Replicas", Host: hosts[0], Pool: "Replica-VMs", Datastore: "dr-ds-01", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{100},
				NICs:     []nicSpec{nic(v210, "00:50:56:82:05:01", "10.10.120.50", "fe80::250:56ff:fe82:501")},
				Hostname: "reporting-dr-01.corp.example.com", Annotation: "Reporting replica (same IP as prod reporting-01)"},
			{Name: "dr-app-02", Folder: "DR-Replicas", Host: hosts[2], Pool: "Replica-VMs", Datastore: "dr-ds-01", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{40},
				NICs:     []nicSpec{nic(v210, "00:50:56:82:06:01", "10.20.210.22", "fe80::250:56ff:fe82:601")},
				Hostname: "dr-app-02.corp.example.com"},
			{Name: "dr-file-01", Folder: "DR-Replicas", Host: hosts[2], Datastore: "dr-nfs-01",
				GuestID: "windows9Server64Guest", CPU: 2, MemoryMB: 8192, DisksGB: []int64{80, 1024},
				NICs: []nicSpec{nic(vmnet, "00:50:56:82:07:01")}},
			{Name: "srm-01", Folder: "DR-Infrastructure", Host: hosts[1], Datastore: "dr-ds-02", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 4, MemoryMB: 8192, DisksGB: []int64{100},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:82:08:01", "10.20.10.15", "fe80::250:56ff:fe82:801")},
				Hostname: "srm-01.corp.example.com", Annotation: "Site Recovery Manager"},
			{Name: "vr-01", Folder: "DR-Infrastructure", Host: hosts[0], Datastore: "dr-ds-02", PowerOn: true,
				GuestID: "vmwarePhoton64Guest", CPU: 4, MemoryMB: 8192, DisksGB: []int64{16, 100},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:82:09:01", "10.20.10.16", "fe80::250:56ff:fe82:901")},
				Hostname: "vr-01.corp.example.com", Tools: "unmanaged", Annotation: "vSphere Replication appliance"},
			{Name: "dr-dc-01", Folder: "DR-Infrastructure", Host: hosts[1], Datastore: "dr-nfs-01", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{60},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:82:0a:01", "10.20.10.10", "fe80::250:56ff:fe82:a01")},
				Hostname: "dr-dc-01.corp.example.com"},
			{Name: "jump-01", Folder: "DR-Infrastructure", Host: hosts[0], Datastore: "dr-nfs-01", PowerOn: true,
				GuestID: "windows2019srv_64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{60},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:82:0b:01", "10.20.10.50", "fe80::250:56ff:fe82:b01")},
				Hostname: "jump-01.dr.corp.example.com"},
			{Name: "dr-test-01", Folder: "Test", Host: hosts[1], Datastore: "dr-nfs-01", PowerOn: true,
				GuestID: "centos7_64Guest", CPU: 1, MemoryMB: 2048, DisksGB: []int64{20},
				NICs:  []nicSpec{nic(vmnet, "00:50:56:82:0c:01")},
				Tools: "none", Annotation: "DR test bubble VM"},
			{Name: "dr-test-02", Folder: "Test", Host: hosts[0], Datastore: "dr-nfs-01",
				GuestID: "ubuntu64Guest", CPU: 1, MemoryMB: 2048, DisksGB: []int64{20},
				NICs: []nicSpec{nic(vmnet, "00:50:56:82:0d:01")}},
		},
		Alarms: []triggeredAlarm{
			{Alarm: "Datastore usage on disk", EntityType: "Datastore", Entity: "dr-ds-01", Status: "red", HoursAgo: 48},
			{Alarm: "Host connection and power state", EntityType: "HostSystem", Entity: hosts[2], Status: "red", HoursAgo: 3},
		},
		Events: []eventSpec{
			{Type: "TaskEvent", HoursAgo: 45 * 24, User: "CORP\\srm-svc", Entity: "dr-app-01",
				TaskDescriptionID: "VirtualMachine.createSnapshot", TaskName: "CreateSnapshot_Task",
				Message: "Task: Create virtual machine snapshot"},
			{Type: "VmPoweredOffEvent", HoursAgo: 20 * 24, User: "CORP\\vmadmin", Entity: "dr-file-01",
				Message: "dr-file-01 on esx-dr-03.corp.example.com in DC-DR is powered off"},
			{Type: "VmPoweredOffEvent", HoursAgo: 10 * 24, User: "CORP\\jdoe", Entity: "dr-test-02",
				Message: "dr-test-02 on esx-dr-01.corp.example.com in DC-DR is powered off"},
			{Type: "AlarmStatusChangedEvent", HoursAgo: 48, Entity: "dr-ds-01",
				Alarm: "Datastore usage on disk", From: "yellow", To: "red",
				Message: "Alarm 'Datastore usage on disk' on dr-ds-01 changed from Yellow to Red"},
			{Type: "HostConnectionLostEvent", HoursAgo: 3, Entity: hosts[2],
				Message: "Host esx-dr-03.corp.example.com in DC-DR is not responding"},
			{Type: "AlarmStatusChangedEvent", HoursAgo: 3, Entity: hosts[2],
				Alarm: "Host connection and power state", From: "green", To: "red",
				Message: "Alarm 'Host connection and power state' on esx-dr-03.corp.example.com changed from Green to Red"},
		},
	}
}

// labTopology: 1 datacenter, 1 standalone host, no cluster, 5 VMs, no alarms.
func labTopology() *topology {
	const vmnet = "VM Network"
	host := "esx-lab-01.lab.example.com"

	return &topology{
		Name:         "lab",
		InstanceUUID: "6c0b2a4e-51d3-4f0e-9b7a-10d0c0de0003",
		Datacenter:   "DC-Lab",
		VMFolders:    []string{"Lab"},
		Standalone: []hostSpec{
			{Name: host, Hardware: "e300", Version: "8.0.2", MgmtIP: "192.168.50.5", CPUUsagePct: 15, MemUsagePct: 60, BootDaysAgo: 10},
		},
		Datastores: []datastoreSpec{
			{Name: "lab-ds-01", Type: "VMFS", CapacityGB: 1024, FreeGB: 410, UncommittedGB: 150, Hosts: []string{host}},
			{Name: "lab-nfs-01", Type: "NFS", CapacityGB: 2048, FreeGB: 1393, Hosts: []string{host},
				RemoteHost: "nas.lab.example.com", RemotePath: "/export/lab"},
		},
		VMs: []vmSpec{
			{Name: "lab-dc-01", Folder: "Lab", Host: host, Datastore: "lab-ds-01", PowerOn: true,
				GuestID: "windows2019srvNext_64Guest", CPU: 2, MemoryMB: 4096, DisksGB: []int64{60},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:83:01:01", "192.168.50.10", "fe80::250:56ff:fe83:101")},
				Hostname: "lab-dc-01.lab.example.com"},
			{Name: "lab-k8s-01", Folder: "Lab", Host: host, Datastore: "lab-ds-01", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{100},
				NICs:      []nicSpec{nic(vmnet, "00:50:56:83:02:01", "192.168.50.21", "fe80::250:56ff:fe83:201")},
				Hostname:  "lab-k8s-01.lab.example.com",
				Snapshots: []snapshotSpec{{"clean-install", "Fresh Ubuntu install with containerd", 10, false, 512, "LAB\\admin"}}},
			{Name: "lab-k8s-02", Folder: "Lab", Host: host, Datastore: "lab-nfs-01", PowerOn: true,
				GuestID: "ubuntu64Guest", CPU: 4, MemoryMB: 16384, DisksGB: []int64{100},
				NICs:     []nicSpec{nic(vmnet, "00:50:56:83:03:01", "192.168.50.22", "fe80::250:56ff:fe83:301")},
				Hostname: "lab-k8s-02.lab.example.com", Tools: "unmanaged"},
			{Name: "lab-nested-esx-01", Folder: "Lab", Host: host, Datastore: "lab-nfs-01", PowerOn: true,
				GuestID: "vmkernel7Guest", CPU: 8, MemoryMB: 32768, DisksGB: []int64{16, 200},
				NICs: []nicSpec{
					nic(vmnet, "00:50:56:83:04:01", "192.168.50.31", "fe80::250:56ff:fe83:401"),
					nic(vmnet, "00:50:56:83:04:02", "192.168.50.32"),
				},
				Hostname: "lab-nested-esx-01.lab.example.com", Tools: "unmanaged", Annotation: "Nested ESXi for upgrade tests"},
			{Name: "lab-win11-01", Folder: "Lab", Host: host, Datastore: "lab-ds-01",
				GuestID: "windows11_64Guest", CPU: 2, MemoryMB: 8192, DisksGB: []int64{64},
				NICs: []nicSpec{nic(vmnet, "00:50:56:83:05:01")}},
		},
		Events: []eventSpec{
			{Type: "TaskEvent", HoursAgo: 10 * 24, User: "LAB\\admin", Entity: "lab-k8s-01",
				TaskDescriptionID: "VirtualMachine.createSnapshot", TaskName: "CreateSnapshot_Task",
				Message: "Task: Create virtual machine snapshot"},
			{Type: "VmPoweredOffEvent", HoursAgo: 12 * 24, User: "LAB\\admin", Entity: "lab-win11-01",
				Message: "lab-win11-01 on esx-lab-01.lab.example.com in DC-Lab is powered off"},
		},
	}
}
