package main

// Declarative description of a simulated vCenter. The topologies in
// topologies.go fill these types; build.go turns them into simulator state.
// tests/vcsim/seed.py is the hand-written Python twin of the same facts and
// is what the test-suite asserts against: keep both in step.

// topology is one simulated vCenter Server.
type topology struct {
	Name         string // "prod", "dr", "lab", "large"
	InstanceUUID string // ServiceContent.about.instanceUuid
	Datacenter   string
	VMFolders    []string // folders below the datacenter's "vm" folder
	Clusters     []clusterSpec
	Standalone   []hostSpec // hosts outside any cluster
	Datastores   []datastoreSpec
	Networks     []networkSpec // standard portgroups besides the default "VM Network"
	DVSwitch     string        // distributed switch name ("" = none)
	Portgroups   []networkSpec // distributed portgroups on DVSwitch
	VMs          []vmSpec
	Alarms       []triggeredAlarm
	Events       []eventSpec
}

// clusterSpec is a ClusterComputeResource with its hosts and child pools.
type clusterSpec struct {
	Name  string
	DRS   bool
	HA    bool
	Hosts []hostSpec
	Pools []string // child resource pools below the root pool "Resources"
}

// hostSpec is an ESXi host.
type hostSpec struct {
	Name        string
	Connection  string // "connected" (default), "disconnected", "notResponding"
	Maintenance bool
	Hardware    string // key into hostHardware
	Version     string // key into esxiReleases, e.g. "8.0.2"
	MgmtIP      string
	CPUUsagePct int // summary.quickStats.overallCpuUsage as % of total MHz
	MemUsagePct int // summary.quickStats.overallMemoryUsage as % of memory
	BootDaysAgo float64
	Issues      []configIssue
}

// configIssue is one entry of HostSystem.configIssue.
type configIssue struct {
	Type    string // "HostNoRedundantManagementNetworkEvent" or "LocalTSMEnabledEvent"
	Message string
}

// hostHardwareSpec describes a server model.
type hostHardwareSpec struct {
	Vendor, Model, CPUModel string
	CPUPackages, Cores      int16
	Threads                 int16
	CPUMhz                  int32
	MemoryGB                int64
}

// esxiRelease describes an ESXi version.
type esxiRelease struct {
	Version, Build, APIVersion string
}

// datastoreSpec is a datastore mounted on a set of hosts.
type datastoreSpec struct {
	Name          string
	Type          string // "VMFS" or "NFS"
	CapacityGB    int64  // GiB
	FreeGB        int64  // GiB
	UncommittedGB int64  // GiB
	Hosts         []string
	RemoteHost    string // NFS only
	RemotePath    string // NFS only
}

// networkSpec is a standard or distributed portgroup.
type networkSpec struct {
	Name string
	VLAN int32
}

// vmSpec is a virtual machine (or template).
type vmSpec struct {
	Name      string
	Folder    string // VM folder name ("" = the datacenter's vm folder)
	Host      string
	Pool      string // child resource pool ("" = root pool of the host's compute resource)
	Datastore string
	PowerOn   bool
	Template  bool
	GuestID   string // key into guestOS
	CPU       int32
	MemoryMB  int32
	DisksGB   []int64
	Thick     bool // thick provisioned: committed = provisioned
	UsedPct   int  // thin disks: committed share of provisioned (default 50)
	HWVersion string
	NICs      []nicSpec
	Hostname  string // guest FQDN reported by VMware Tools
	// Tools is the installed VMware Tools flavour: "current" (default),
	// "old", "unmanaged" (open-vm-tools) or "none".
	Tools string
	// ToolsStopped: tools installed but not running on a powered-on VM.
	ToolsStopped        bool
	Annotation          string
	ConsolidationNeeded bool
	CDROMISO            string // connected CD-ROM backed by this ISO ("" = disconnected)
	GuestFreePct        int    // free space of the guest file systems (default 60)
	Snapshots           []snapshotSpec
}

// nicSpec is a virtual NIC. IPs are what VMware Tools reports in guest.net,
// so they are only visible while the VM runs with Tools running.
type nicSpec struct {
	Network string
	MAC     string
	IPs     []string
}

// snapshotSpec is one snapshot. Snapshots of a VM form a chain in list order:
// each one is the child of the previous, and the last one is current.
type snapshotSpec struct {
	Name        string
	Description string
	DaysAgo     float64
	Quiesced    bool
	SizeMB      int64
	CreatedBy   string // user name on the matching TaskEvent (if any)
}

// triggeredAlarm is an AlarmState on an entity (and its ancestors).
type triggeredAlarm struct {
	Alarm      string // alarm definition name (see alarmDefs)
	EntityType string // "HostSystem", "VirtualMachine", "Datastore"
	Entity     string
	Status     string // "red" or "yellow"
	HoursAgo   float64
}

// eventSpec is one event in the EventManager history.
type eventSpec struct {
	Type     string // vim type name, e.g. "VmPoweredOffEvent"
	HoursAgo float64
	User     string
	Entity   string // name of the VM, host, datastore, cluster or datacenter
	// EntityType selects among entities of the same name ("" = prefer VMs,
	// then hosts, datastores, clusters, ...).
	EntityType string
	Message    string // fullFormattedMessage
	// AlarmStatusChangedEvent only.
	Alarm, From, To string
	// EventEx only.
	EventTypeID, Severity string
	// TaskEvent only: TaskInfo.descriptionId and name.
	TaskDescriptionID, TaskName string
}
