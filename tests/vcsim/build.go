package main

import (
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Sizes are given in GiB in the topologies.
const gib = int64(1) << 30

// vmBootAge is how long ago every seeded powered-on VM was booted.
const vmBootAge = 14 * 24 * time.Hour

// Tools versions reported by the seeded VMs (VMware encodes x.y.z as x*1024+y*32+z).
const (
	toolsVersionCurrent   = "12389" // 12.3.5
	toolsVersionOld       = "11269" // 11.0.5
	toolsVersionUnmanaged = "12325" // open-vm-tools 12.1.5
)

// inventory is the seeded simulator state plus the indexes the control API needs.
type inventory struct {
	topo  *topology
	start time.Time // every "days/hours ago" is relative to this instant
	dir   string    // temporary directory backing the datastores

	root       types.ManagedObjectReference
	datacenter *simulator.Datacenter
	hosts      map[string]*simulator.HostSystem
	datastores map[string]*simulator.Datastore
	vms        map[string]*simulator.VirtualMachine
	vmSpecs    map[string]*vmSpec
	alarms     map[string]*mo.Alarm // by info.name
	byName     map[string][]types.ManagedObjectReference
	taskSeq    int32 // numbers the Task references of TaskEvents (atomic)
	perf       *perfManager
}

// builder creates the inventory through the vSphere API of the in-process
// simulator (so the simulator wires everything consistently) and then sets
// what the API cannot set directly in simulator.Map.
type builder struct {
	*inventory
	ctx    context.Context
	client *vim25.Client

	folders   *object.DatacenterFolders
	vmFolders map[string]*object.Folder
	pools     map[string]*object.ResourcePool // "<compute resource>/<pool>", "" pool = root
	hostObjs  map[string]*object.HostSystem
	networks  map[string]types.BaseVirtualDeviceBackingInfo
	dvs       *simulator.DistributedVirtualSwitch
}

// buildInventory creates the simulator model for topology t.
func buildInventory(model *simulator.Model, t *topology, dir string) (*inventory, error) {
	ctx := context.Background()
	client, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		return nil, err
	}
	b := &builder{
		inventory: &inventory{
			topo:       t,
			start:      time.Now(),
			dir:        dir,
			root:       client.ServiceContent.RootFolder,
			hosts:      map[string]*simulator.HostSystem{},
			datastores: map[string]*simulator.Datastore{},
			vms:        map[string]*simulator.VirtualMachine{},
			vmSpecs:    map[string]*vmSpec{},
			alarms:     map[string]*mo.Alarm{},
			byName:     map[string][]types.ManagedObjectReference{},
		},
		ctx:       ctx,
		client:    client,
		vmFolders: map[string]*object.Folder{},
		pools:     map[string]*object.ResourcePool{},
		hostObjs:  map[string]*object.HostSystem{},
		networks:  map[string]types.BaseVirtualDeviceBackingInfo{},
	}

	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	si.Content.About.InstanceUuid = t.InstanceUUID

	steps := []struct {
		name string
		f    func() error
	}{
		{"datacenter", b.createDatacenter},
		{"hosts", b.createHosts},
		{"datastores", b.createDatastores},
		{"networks", b.createNetworks},
		{"virtual machines", b.createVMs},
		{"datastore usage", b.finishDatastores},
		{"name index", b.indexNames},
		{"custom attributes", b.createCustomAttributes},
		{"alarms and events", b.createAlarmsAndEvents},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.f(); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if d := time.Since(t0); d > time.Second {
			logf("%s took %s", s.name, d.Round(time.Millisecond))
		}
	}
	b.cleanup()
	return b.inventory, nil
}

// ago returns the instant d before the build started.
func (inv *inventory) ago(d time.Duration) time.Time { return inv.start.Add(-d) }

func days(n float64) time.Duration  { return time.Duration(n * float64(24*time.Hour)) }
func hours(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }

// wait returns the result of a simulator task. Simulator tasks complete before
// the call that created them returns, so there is nothing to wait for; the
// Task object is then removed to keep the registry small.
func (b *builder) wait(task *object.Task, err error) (types.AnyType, error) {
	if err != nil {
		return nil, err
	}
	st, ok := simulator.Map.Get(task.Reference()).(*simulator.Task)
	if !ok {
		return nil, fmt.Errorf("task %s not found", task.Reference())
	}
	info := st.Info
	simulator.Map.Remove(task.Reference())
	if info.Error != nil {
		return nil, fmt.Errorf("%s: %T %s", info.Name, info.Error.Fault, info.Error.LocalizedMessage)
	}
	return info.Result, nil
}

func (b *builder) createDatacenter() error {
	root := object.NewRootFolder(b.client)
	dc, err := root.CreateDatacenter(b.ctx, b.topo.Datacenter)
	if err != nil {
		return err
	}
	b.datacenter = simulator.Map.Get(dc.Reference()).(*simulator.Datacenter)
	if b.folders, err = dc.Folders(b.ctx); err != nil {
		return err
	}
	for _, name := range b.topo.VMFolders {
		f, err := b.folders.VmFolder.CreateFolder(b.ctx, name)
		if err != nil {
			return err
		}
		b.vmFolders[name] = f
	}
	return nil
}

func (b *builder) createHosts() error {
	for ci := range b.topo.Clusters {
		cs := &b.topo.Clusters[ci]
		cluster, err := b.folders.HostFolder.CreateCluster(b.ctx, cs.Name, types.ClusterConfigSpecEx{})
		if err != nil {
			return err
		}
		for hi := range cs.Hosts {
			hs := &cs.Hosts[hi]
			res, err := b.wait(cluster.AddHost(b.ctx, types.HostConnectSpec{HostName: hs.Name}, true, nil, nil))
			if err != nil {
				return err
			}
			b.addHost(hs, res.(types.ManagedObjectReference))
		}
		rootPool, err := cluster.ResourcePool(b.ctx)
		if err != nil {
			return err
		}
		b.pools[cs.Name+"/"] = rootPool
		for _, name := range cs.Pools {
			pool, err := rootPool.Create(b.ctx, name, types.DefaultResourceConfigSpec())
			if err != nil {
				return err
			}
			b.pools[cs.Name+"/"+name] = pool
		}

		c := simulator.Map.Get(cluster.Reference()).(*simulator.ClusterComputeResource)
		cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
		cfg.DrsConfig.Enabled = types.NewBool(cs.DRS)
		cfg.DrsConfig.DefaultVmBehavior = types.DrsBehaviorFullyAutomated
		cfg.DasConfig.Enabled = types.NewBool(cs.HA)
		cfg.DasConfig.HostMonitoring = "enabled"
		b.updateComputeSummary(&c.ComputeResource)
	}

	for hi := range b.topo.Standalone {
		hs := &b.topo.Standalone[hi]
		res, err := b.wait(b.folders.HostFolder.AddStandaloneHost(b.ctx, types.HostConnectSpec{HostName: hs.Name}, true, nil, nil))
		if err != nil {
			return err
		}
		h := b.addHost(hs, res.(types.ManagedObjectReference))
		pool, err := b.hostObjs[hs.Name].ResourcePool(b.ctx)
		if err != nil {
			return err
		}
		b.pools[hs.Name+"/"] = pool
		cr := simulator.Map.Get(*h.Parent).(*mo.ComputeResource)
		b.updateComputeSummary(cr)
	}
	return nil
}

// addHost records a new host and sets its hardware, version and state.
func (b *builder) addHost(hs *hostSpec, ref types.ManagedObjectReference) *simulator.HostSystem {
	h := simulator.Map.Get(ref).(*simulator.HostSystem)
	b.hosts[hs.Name] = h
	b.hostObjs[hs.Name] = object.NewHostSystem(b.client, ref)

	hw := hostHardware[hs.Hardware]
	rel := esxiReleases[hs.Version]

	sum := h.Summary.Hardware // per-host copy made by the simulator
	sum.Vendor, sum.Model, sum.CpuModel = hw.Vendor, hw.Model, hw.CPUModel
	sum.CpuMhz = hw.CPUMhz
	sum.NumCpuPkgs, sum.NumCpuCores, sum.NumCpuThreads = hw.CPUPackages, hw.Cores, hw.Threads
	sum.MemorySize = hw.MemoryGB * gib
	sum.NumNics = 4
	sum.OtherIdentifyingInfo = []types.HostSystemIdentificationInfo{{
		IdentifierValue: serviceTag(hs.Name),
		IdentifierType: &types.ElementDescription{
			Description: types.Description{Label: "Service tag", Summary: "Service tag of the system"},
			Key:         "ServiceTag",
		},
	}}

	h.Hardware.SystemInfo.Vendor = hw.Vendor
	h.Hardware.SystemInfo.Model = hw.Model
	h.Hardware.SystemInfo.SerialNumber = serviceTag(hs.Name)
	h.Hardware.CpuInfo = types.HostCpuInfo{
		NumCpuPackages: hw.CPUPackages, NumCpuCores: hw.Cores, NumCpuThreads: hw.Threads,
		Hz: int64(hw.CPUMhz) * 1000 * 1000,
	}
	h.Hardware.MemorySize = sum.MemorySize

	about := types.AboutInfo{
		Name:                  "VMware ESXi",
		FullName:              fmt.Sprintf("VMware ESXi %s build-%s", rel.Version, rel.Build),
		Vendor:                "VMware, Inc.",
		Version:               rel.Version,
		Build:                 rel.Build,
		LocaleVersion:         "INTL",
		LocaleBuild:           "000",
		OsType:                "vmnix-x86",
		ProductLineId:         "embeddedEsx",
		ApiType:               "HostAgent",
		ApiVersion:            rel.APIVersion,
		LicenseProductName:    "VMware ESX Server",
		LicenseProductVersion: rel.Version[:1] + ".0",
	}
	h.Config.Product = about
	h.Summary.Config.Product = &about // the template shares one AboutInfo between hosts
	h.Summary.Config.Name = hs.Name
	if len(h.Config.Network.Vnic) > 0 && h.Config.Network.Vnic[0].Spec.Ip != nil {
		ip := *h.Config.Network.Vnic[0].Spec.Ip
		ip.IpAddress = hs.MgmtIP
		ip.SubnetMask = "255.255.255.0"
		h.Config.Network.Vnic[0].Spec.Ip = &ip
	}

	if hs.Connection == "" {
		hs.Connection = string(types.HostSystemConnectionStateConnected)
	}
	boot := b.ago(days(hs.BootDaysAgo))
	h.Runtime.ConnectionState = types.HostSystemConnectionState(hs.Connection)
	h.Runtime.InMaintenanceMode = hs.Maintenance
	h.Runtime.PowerState = types.HostSystemPowerStatePoweredOn
	h.Runtime.BootTime = &boot
	h.Summary.Runtime = &h.Runtime
	h.Summary.QuickStats = types.HostListSummaryQuickStats{
		OverallCpuUsage:    int32(int64(hs.CPUUsagePct) * int64(hw.Cores) * int64(hw.CPUMhz) / 100),
		OverallMemoryUsage: int32(int64(hs.MemUsagePct) * hw.MemoryGB * 1024 / 100),
		Uptime:             int32(b.start.Sub(boot) / time.Second),
	}
	if hs.Connection != string(types.HostSystemConnectionStateConnected) {
		h.Summary.QuickStats = types.HostListSummaryQuickStats{}
	}

	for i, issue := range hs.Issues {
		e := types.Event{
			Key:                  int32(900 + i),
			ChainId:              int32(900 + i),
			CreatedTime:          b.ago(days(7)),
			FullFormattedMessage: issue.Message,
			Datacenter:           &types.DatacenterEventArgument{Datacenter: b.datacenter.Self, EntityEventArgument: types.EntityEventArgument{Name: b.datacenter.Name}},
			Host:                 &types.HostEventArgument{Host: h.Self, EntityEventArgument: types.EntityEventArgument{Name: hs.Name}},
		}
		switch issue.Type {
		case "HostNoRedundantManagementNetworkEvent":
			h.ConfigIssue = append(h.ConfigIssue, &types.HostNoRedundantManagementNetworkEvent{
				HostDasEvent: types.HostDasEvent{HostEvent: types.HostEvent{Event: e}}})
		case "LocalTSMEnabledEvent":
			h.ConfigIssue = append(h.ConfigIssue, &types.LocalTSMEnabledEvent{HostEvent: types.HostEvent{Event: e}})
		default:
			panic("unsupported config issue type " + issue.Type)
		}
	}
	h.ConfigStatus = types.ManagedEntityStatusGreen
	if len(h.ConfigIssue) > 0 {
		h.ConfigStatus = types.ManagedEntityStatusYellow
	}
	setOverallStatus(h, defaultStatus(h))
	return h
}

// serviceTag returns a deterministic Dell-style service tag for a host.
func serviceTag(name string) string {
	sum := sha1.Sum([]byte(name))
	const alphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZ"
	tag := make([]byte, 7)
	for i := range tag {
		tag[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(tag)
}

// updateComputeSummary recomputes a compute resource's summary from its hosts.
func (b *builder) updateComputeSummary(cr *mo.ComputeResource) {
	s := cr.Summary.GetComputeResourceSummary()
	*s = types.ComputeResourceSummary{OverallStatus: types.ManagedEntityStatusGreen}
	for _, ref := range cr.Host {
		h := simulator.Map.Get(ref).(*simulator.HostSystem)
		hw := h.Summary.Hardware
		s.TotalCpu += hw.CpuMhz * int32(hw.NumCpuCores)
		s.TotalMemory += hw.MemorySize
		s.NumCpuCores += hw.NumCpuCores
		s.NumCpuThreads += hw.NumCpuThreads
		s.NumHosts++
		if h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected && !h.Runtime.InMaintenanceMode {
			s.NumEffectiveHosts++
			s.EffectiveCpu += hw.CpuMhz * int32(hw.NumCpuCores)
			s.EffectiveMemory += hw.MemorySize >> 20 // MB
		}
	}
}

// dsUUID returns a deterministic VMFS-style UUID for a datastore.
func dsUUID(name string) string {
	s := sha1.Sum([]byte(name))
	return fmt.Sprintf("%x-%x-%x-%x", s[0:4], s[4:8], s[8:10], s[10:16])
}

func (b *builder) createDatastores() error {
	for i := range b.topo.Datastores {
		spec := &b.topo.Datastores[i]
		dir := filepath.Join(b.dir, spec.Name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		first := b.hostObjs[spec.Hosts[0]]
		dss, err := first.ConfigManager().DatastoreSystem(b.ctx)
		if err != nil {
			return err
		}
		obj, err := dss.CreateLocalDatastore(b.ctx, spec.Name, dir)
		if err != nil {
			return err
		}
		ds := simulator.Map.Get(obj.Reference()).(*simulator.Datastore)
		b.rekeyDatastore(ds, b.hosts[spec.Hosts[0]])
		b.datastores[spec.Name] = ds

		// The simulator mounts a datastore on one host per call and would
		// create a second object for the same name on the next host, so the
		// other hosts are mounted here directly.
		uuid := dsUUID(b.topo.Name + "/" + spec.Name)
		mountPath := "/vmfs/volumes/" + uuid
		ds.Host = nil
		for _, hostName := range spec.Hosts {
			h := b.hosts[hostName]
			if hostName != spec.Hosts[0] {
				hdss := simulator.Map.Get(*h.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem)
				hdss.Datastore = append(hdss.Datastore, ds.Self)
				h.Datastore = hdss.Datastore
				if cr := computeResource(h); simulator.FindReference(cr.Datastore, ds.Self) == nil {
					cr.Datastore = append(cr.Datastore, ds.Self)
				}
			}
			ds.Host = append(ds.Host, types.DatastoreHostMount{
				Key: h.Self,
				MountInfo: types.HostMountInfo{
					Path:       mountPath,
					AccessMode: string(types.HostMountModeReadWrite),
					Mounted:    types.NewBool(true),
					Accessible: types.NewBool(true),
				},
			})
		}

		// Real-looking info and summary; info.url stays the local directory
		// because the simulator stores the VM files there.
		base := types.DatastoreInfo{
			Name:                   spec.Name,
			Url:                    dir,
			MaxVirtualDiskCapacity: 62 * 1024 * gib,
			MaxMemoryFileSize:      62 * 1024 * gib,
			MaxFileSize:            62 * 1024 * gib,
			ContainerId:            uuid,
		}
		switch spec.Type {
		case "NFS":
			ds.Info = &types.NasDatastoreInfo{DatastoreInfo: base, Nas: &types.HostNasVolume{
				HostFileSystemVolume: types.HostFileSystemVolume{Type: "NFS", Name: spec.Name, Capacity: spec.CapacityGB * gib},
				RemoteHost:           spec.RemoteHost,
				RemotePath:           spec.RemotePath,
			}}
			ds.Summary.Url = "ds:///vmfs/volumes/" + uuid[:17] + "/"
		default:
			ds.Info = &types.VmfsDatastoreInfo{DatastoreInfo: base, Vmfs: &types.HostVmfsVolume{
				HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: spec.Name, Capacity: spec.CapacityGB * gib},
				BlockSizeMb:          1,
				BlockSize:            1024,
				MaxBlocks:            63963136,
				MajorVersion:         6,
				Version:              "6.82",
				Uuid:                 uuid,
				Extent:               []types.HostScsiDiskPartition{{DiskName: "naa.6000c29" + uuid[:8] + uuid[9:17] + "0000000000", Partition: 1}},
				VmfsUpgradable:       false,
				Ssd:                  types.NewBool(true),
				Local:                types.NewBool(len(spec.Hosts) == 1),
			}}
			ds.Summary.Url = "ds:///vmfs/volumes/" + uuid + "/"
		}
		ds.Summary.Type = spec.Type
		ds.Summary.MultipleHostAccess = types.NewBool(len(spec.Hosts) > 1)
	}
	return nil
}

// rekeyDatastore gives a datastore a vCenter-style reference ("datastore-N"):
// the simulator derives it from the backing directory, which would put a
// random temporary path into every moref. Called right after creation, when
// only the folder, datacenter, host, compute resource and browser refer to it.
func (b *builder) rekeyDatastore(ds *simulator.Datastore, h *simulator.HostSystem) {
	old := ds.Self
	simulator.Map.Remove(old)
	simulator.Map.NewEntity(ds)
	simulator.Map.Put(ds)
	ref := ds.Self

	replace := func(list []types.ManagedObjectReference) {
		for i := range list {
			if list[i] == old {
				list[i] = ref
			}
		}
	}
	folder := simulator.Map.Get(*ds.Parent).(*simulator.Folder)
	replace(folder.ChildEntity)
	replace(b.datacenter.Datastore)
	replace(h.Datastore)
	replace(simulator.Map.Get(*h.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem).Datastore)
	replace(computeResource(h).Datastore)
	if browser, ok := simulator.Map.Get(ds.Browser).(*simulator.HostDatastoreBrowser); ok {
		replace(browser.Datastore)
	}
	ds.Summary.Datastore = &ds.Self
}

// computeResource returns the (cluster) compute resource of a host.
func computeResource(h *simulator.HostSystem) *mo.ComputeResource {
	switch p := simulator.Map.Get(*h.Parent).(type) {
	case *mo.ComputeResource:
		return p
	case *simulator.ClusterComputeResource:
		return &p.ComputeResource
	}
	return nil
}

// dcHosts returns all hosts of the topology, in spec order.
func (b *builder) dcHosts() []*simulator.HostSystem {
	var hosts []*simulator.HostSystem
	for _, c := range b.topo.Clusters {
		for _, h := range c.Hosts {
			hosts = append(hosts, b.hosts[h.Name])
		}
	}
	for _, h := range b.topo.Standalone {
		hosts = append(hosts, b.hosts[h.Name])
	}
	return hosts
}

func (b *builder) createNetworks() error {
	netFolder := simulator.Map.Get(b.folders.NetworkFolder.Reference()).(*simulator.Folder)
	hosts := b.dcHosts()
	var hostRefs []types.ManagedObjectReference
	for _, h := range hosts {
		hostRefs = append(hostRefs, h.Self)
	}

	b.networks["VM Network"] = &types.VirtualEthernetCardNetworkBackingInfo{
		VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: "VM Network"},
	}
	if n, ok := simulator.Map.FindByName("VM Network", netFolder.ChildEntity).(*mo.Network); ok {
		n.Host = hostRefs
	}

	// Standard portgroups: the API creates the Network object from the first
	// host; every host then gets the portgroup in its configuration.
	for _, spec := range b.topo.Networks {
		ns, err := b.hostObjs[hosts[0].Name].ConfigManager().NetworkSystem(b.ctx)
		if err != nil {
			return err
		}
		pg := types.HostPortGroupSpec{Name: spec.Name, VlanId: spec.VLAN, VswitchName: "vSwitch0", Policy: types.HostNetworkPolicy{}}
		if err := ns.AddPortGroup(b.ctx, pg); err != nil {
			return err
		}
		n := simulator.Map.FindByName(spec.Name, netFolder.ChildEntity).(*mo.Network)
		n.Host = hostRefs
		for _, h := range hosts {
			h.Network = append(h.Network, n.Self)
			if cr := computeResource(h); simulator.FindReference(cr.Network, n.Self) == nil {
				cr.Network = append(cr.Network, n.Self)
			}
			h.Config.Network.Portgroup = append(h.Config.Network.Portgroup, types.HostPortGroup{
				Key: "key-vim.host.PortGroup-" + spec.Name, Spec: pg,
			})
			if h != hosts[0] {
				hns := simulator.Map.Get(*h.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
				for i := range hns.NetworkInfo.Vswitch {
					if hns.NetworkInfo.Vswitch[i].Name == "vSwitch0" {
						hns.NetworkInfo.Vswitch[i].Portgroup = append(hns.NetworkInfo.Vswitch[i].Portgroup, spec.Name)
					}
				}
			}
		}
		b.networks[spec.Name] = &types.VirtualEthernetCardNetworkBackingInfo{
			VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: spec.Name},
		}
	}

	if b.topo.DVSwitch == "" {
		return nil
	}
	spec := types.DVSCreateSpec{ConfigSpec: &types.VMwareDVSConfigSpec{
		DVSConfigSpec: types.DVSConfigSpec{Name: b.topo.DVSwitch},
	}}
	res, err := b.wait(b.folders.NetworkFolder.CreateDVS(b.ctx, spec))
	if err != nil {
		return err
	}
	dvsRef := res.(types.ManagedObjectReference)
	b.dvs = simulator.Map.Get(dvsRef).(*simulator.DistributedVirtualSwitch)
	dvs := object.NewDistributedVirtualSwitch(b.client, dvsRef)
	b.dvs.Summary.ProductInfo = &types.DistributedVirtualSwitchProductSpec{
		Name: "DVS", Vendor: "VMware, Inc.", Version: "7.0.3", Build: "21930508", ForwardingClass: "etherswitch",
	}

	members := &types.DVSConfigSpec{}
	for _, h := range hosts {
		members.Host = append(members.Host, types.DistributedVirtualSwitchHostMemberConfigSpec{
			Operation: string(types.ConfigSpecOperationAdd), Host: h.Self,
		})
	}
	if _, err := b.wait(dvs.Reconfigure(b.ctx, members)); err != nil {
		return err
	}

	var pgs []types.DVPortgroupConfigSpec
	for _, pg := range b.topo.Portgroups {
		pgs = append(pgs, types.DVPortgroupConfigSpec{
			Name:       pg.Name,
			Type:       string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
			NumPorts:   8,
			AutoExpand: types.NewBool(true),
			DefaultPortConfig: &types.VMwareDVSPortSetting{
				Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: pg.VLAN},
			},
		})
	}
	if _, err := b.wait(dvs.AddPortgroup(b.ctx, pgs)); err != nil {
		return err
	}
	for _, ref := range b.dvs.Portgroup {
		if pg, ok := simulator.Map.Get(ref).(*simulator.DistributedVirtualPortgroup); ok && strings.Contains(pg.Name, "-DVUplinks") {
			pg.Config.Uplink = types.NewBool(true)
		}
	}
	for _, spec := range b.topo.Portgroups {
		pg := simulator.Map.FindByName(spec.Name, netFolder.ChildEntity).(*simulator.DistributedVirtualPortgroup)
		pg.Config.Uplink = types.NewBool(false)
		b.networks[spec.Name] = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
			Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: b.dvs.Uuid, PortgroupKey: pg.Key},
		}
	}
	return nil
}

func (b *builder) createVMs() error {
	for i := range b.topo.VMs {
		if err := b.createVM(&b.topo.VMs[i]); err != nil {
			return fmt.Errorf("%s: %w", b.topo.VMs[i].Name, err)
		}
	}

	// vCenter lists the VMs of each network (the simulator does not).
	byNet := map[types.ManagedObjectReference][]types.ManagedObjectReference{}
	for _, s := range b.topo.VMs {
		vm := b.vms[s.Name]
		for _, ref := range vm.Network {
			if simulator.FindReference(byNet[ref], vm.Self) == nil {
				byNet[ref] = append(byNet[ref], vm.Self)
			}
		}
	}
	for ref, vms := range byNet {
		switch n := simulator.Map.Get(ref).(type) {
		case *mo.Network:
			n.Vm = vms
		case *simulator.DistributedVirtualPortgroup:
			n.Vm = vms
		}
	}
	return nil
}

// Device keys as vCenter assigns them.
const (
	keySCSI  = 1000
	keyDisk  = 2000
	keyCDROM = 3000
	keyNIC   = 4000
	keyIDE0  = 200
)

func (b *builder) createVM(s *vmSpec) error {
	ds := b.datastores[s.Datastore]
	host := b.hosts[s.Host]
	if ds == nil || host == nil {
		return fmt.Errorf("unknown datastore %q or host %q", s.Datastore, s.Host)
	}
	if s.Tools == "" {
		s.Tools = "current"
	}
	if s.HWVersion == "" {
		s.HWVersion = "vmx-19"
	}
	if s.UsedPct == 0 {
		s.UsedPct = 50
	}
	if s.GuestFreePct == 0 {
		s.GuestFreePct = 60
	}
	osInfo, ok := guestOS[s.GuestID]
	if !ok {
		return fmt.Errorf("unknown guest id %q", s.GuestID)
	}

	var devices object.VirtualDeviceList
	scsiType := "pvscsi"
	if osInfo.Family == "windowsGuest" {
		scsiType = "lsilogic-sas"
	}
	scsi, err := devices.CreateSCSIController(scsiType)
	if err != nil {
		return err
	}
	// Labels as vCenter shows them (the simulator would name them pvscsi-1000, ...).
	label := func(text string) *types.Description { return &types.Description{Label: text, Summary: text} }
	scsi.GetVirtualDevice().Key = keySCSI
	scsi.GetVirtualDevice().DeviceInfo = label("SCSI controller 0")
	devices = append(devices, scsi)
	for i, size := range s.DisksGB {
		disk := devices.CreateDisk(scsi.(types.BaseVirtualController), ds.Self, "")
		disk.Key = int32(keyDisk + i)
		disk.DeviceInfo = label(fmt.Sprintf("Hard disk %d", i+1))
		disk.CapacityInKB = size * gib / 1024
		disk.CapacityInBytes = size * gib
		backing := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
		backing.FileName = fmt.Sprintf("[%s] %s/%s.vmdk", s.Datastore, s.Name, s.Name)
		if i > 0 {
			backing.FileName = fmt.Sprintf("[%s] %s/%s_%d.vmdk", s.Datastore, s.Name, s.Name, i)
		}
		backing.ThinProvisioned = types.NewBool(!s.Thick)
		backing.EagerlyScrub = types.NewBool(false)
		devices = append(devices, disk)
	}

	ide := &types.VirtualIDEController{VirtualController: types.VirtualController{VirtualDevice: types.VirtualDevice{Key: keyIDE0}}}
	cdrom, _ := devices.CreateCdrom(ide)
	cdrom.Key = keyCDROM
	cdrom.DeviceInfo = label("CD/DVD drive 1")
	if s.CDROMISO != "" {
		devices.InsertIso(cdrom, s.CDROMISO)
		if p, ok := parseDSPath(s.CDROMISO); ok {
			if isoDS := b.datastores[p]; isoDS != nil {
				cdrom.Backing.(*types.VirtualCdromIsoBackingInfo).Datastore = &isoDS.Self
			}
		}
		cdrom.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, Connected: true, AllowGuestControl: true, Status: "ok"}
	} else {
		cdrom.Backing = &types.VirtualCdromRemotePassthroughBackingInfo{
			VirtualDeviceRemoteDeviceBackingInfo: types.VirtualDeviceRemoteDeviceBackingInfo{UseAutoDetect: types.NewBool(false)},
		}
		cdrom.Connectable = &types.VirtualDeviceConnectInfo{AllowGuestControl: true, Status: "untried"}
	}
	devices = append(devices, cdrom)

	for i, n := range s.NICs {
		backing, ok := b.networks[n.Network]
		if !ok {
			return fmt.Errorf("unknown network %q", n.Network)
		}
		dev, err := devices.CreateEthernetCard("vmxnet3", backing)
		if err != nil {
			return err
		}
		card := dev.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		card.Key = int32(keyNIC + i)
		card.DeviceInfo = label(fmt.Sprintf("Network adapter %d", i+1))
		card.MacAddress = n.MAC
		card.AddressType = string(types.VirtualEthernetCardMacTypeAssigned)
		card.UnitNumber = types.NewInt32(int32(7 + i))
		card.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, Connected: true, AllowGuestControl: true, Status: "ok"}
		devices = append(devices, dev)
	}

	config := types.VirtualMachineConfigSpec{
		Name:              s.Name,
		GuestId:           "otherGuest64", // replaced below: the simulator only knows older guest ids
		NumCPUs:           s.CPU,
		NumCoresPerSocket: 1,
		MemoryMB:          int64(s.MemoryMB),
		Annotation:        s.Annotation,
		Version:           s.HWVersion,
		Files:             &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s]", s.Datastore)},
	}
	config.DeviceChange, _ = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)

	folder := b.folders.VmFolder
	if s.Folder != "" {
		folder = b.vmFolders[s.Folder]
	}
	pool := b.pools[computeResource(host).Name+"/"+s.Pool]
	if folder == nil || pool == nil {
		return fmt.Errorf("unknown folder %q or pool %q", s.Folder, s.Pool)
	}
	res, err := b.wait(folder.CreateVM(b.ctx, config, pool, b.hostObjs[s.Host]))
	if err != nil {
		return err
	}
	ref := res.(types.ManagedObjectReference)
	vmObj := object.NewVirtualMachine(b.client, ref)
	vm := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	b.vms[s.Name] = vm
	b.vmSpecs[s.Name] = s

	if s.PowerOn {
		if _, err := b.wait(vmObj.PowerOn(b.ctx)); err != nil {
			return err
		}
	}
	if s.Template {
		if err := vmObj.MarkAsTemplate(b.ctx); err != nil {
			return err
		}
		// A template belongs to no resource pool.
		if p, ok := simulator.Map.Get(pool.Reference()).(*simulator.ResourcePool); ok {
			simulator.RemoveReference(&p.Vm, ref)
		}
	}
	b.patchVM(vm, s, host)

	// Snapshots last, so that their copy of the configuration is the final one.
	for _, snap := range s.Snapshots {
		if _, err := b.wait(vmObj.CreateSnapshot(b.ctx, snap.Name, snap.Description, false, snap.Quiesced)); err != nil {
			return err
		}
	}
	b.fixSnapshotTimes(vm, s)
	b.setStorage(vm, s)
	return nil
}

// parseDSPath returns the datastore name of "[ds] path".
func parseDSPath(p string) (string, bool) {
	if !strings.HasPrefix(p, "[") {
		return "", false
	}
	end := strings.Index(p, "]")
	if end < 0 {
		return "", false
	}
	return p[1:end], true
}

// patchVM sets what the vSphere API cannot: guest OS ids, VMware Tools and
// guest networking, runtime flags, snapshot times and storage usage.
func (b *builder) patchVM(vm *simulator.VirtualMachine, s *vmSpec, host *simulator.HostSystem) {
	osInfo := guestOS[s.GuestID]
	vm.Config.GuestId = s.GuestID
	vm.Config.GuestFullName = osInfo.FullName
	vm.Summary.Config.GuestId = s.GuestID
	vm.Summary.Config.GuestFullName = osInfo.FullName
	vm.Summary.Config.Annotation = s.Annotation
	vm.Summary.Config.Template = s.Template
	vm.Summary.Config.CpuReservation = 0
	vm.Summary.Config.MemoryReservation = 0
	vm.Config.Modified = b.ago(days(30))
	vm.Config.ChangeVersion = b.ago(days(30)).UTC().Format("2006-01-02T15:04:05.000000Z")
	vm.Config.CpuHotAddEnabled = types.NewBool(false)
	vm.Config.MemoryHotAddEnabled = types.NewBool(false)

	if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
		boot := b.ago(vmBootAge)
		vm.Runtime.BootTime = &boot
	} else {
		vm.Runtime.BootTime = nil
	}
	vm.Runtime.ConsolidationNeeded = types.NewBool(s.ConsolidationNeeded)
	vm.Runtime.ConnectionState = vmConnectionState(host)
	vm.Runtime.MaxCpuUsage = s.CPU * host.Summary.Hardware.CpuMhz
	vm.Runtime.MaxMemoryUsage = s.MemoryMB

	b.setGuest(vm, s)
	vm.Summary.Runtime = vm.Runtime
	// RefreshStorageInfo would recompute storage from the (empty) local files.
	vm.DisabledMethod = []string{"RefreshStorageInfo"}
	setOverallStatus(vm, types.ManagedEntityStatusGreen)
}

// fixSnapshotTimes moves the snapshots, which the API stamped "now", into the past.
func (b *builder) fixSnapshotTimes(vm *simulator.VirtualMachine, s *vmSpec) {
	if vm.Snapshot == nil {
		return
	}
	i := 0
	walkSnapshots(vm.Snapshot.RootSnapshotList, func(t *types.VirtualMachineSnapshotTree) {
		if i < len(s.Snapshots) {
			t.CreateTime = b.ago(days(s.Snapshots[i].DaysAgo))
			t.Quiesced = s.Snapshots[i].Quiesced
		}
		i++
	})
}

// walkSnapshots visits a snapshot tree depth first, parents before children.
func walkSnapshots(list []types.VirtualMachineSnapshotTree, f func(*types.VirtualMachineSnapshotTree)) {
	for i := range list {
		f(&list[i])
		walkSnapshots(list[i].ChildSnapshotList, f)
	}
}

// vmConnectionState derives a VM's connection state from its host's.
func vmConnectionState(h *simulator.HostSystem) types.VirtualMachineConnectionState {
	if h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected {
		return types.VirtualMachineConnectionStateConnected
	}
	return types.VirtualMachineConnectionStateDisconnected
}

// guestInfo returns the GuestInfo VMware Tools would report for s.
func guestInfo(vm *simulator.VirtualMachine, s *vmSpec, poweredOn bool) *types.GuestInfo {
	osInfo := guestOS[s.GuestID]
	installed := s.Tools != "none"
	running := poweredOn && installed && !s.ToolsStopped

	g := &types.GuestInfo{
		ToolsRunningStatus:              string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning),
		GuestState:                      "notRunning",
		AppHeartbeatStatus:              "appStatusGray",
		AppState:                        "none",
		GuestOperationsReady:            types.NewBool(running),
		InteractiveGuestOperationsReady: types.NewBool(false),
		GuestStateChangeSupported:       types.NewBool(running),
	}
	switch s.Tools {
	case "old":
		g.ToolsVersion = toolsVersionOld
		g.ToolsVersionStatus = string(types.VirtualMachineToolsVersionStatusGuestToolsNeedUpgrade)
	case "unmanaged":
		g.ToolsVersion = toolsVersionUnmanaged
		g.ToolsVersionStatus = string(types.VirtualMachineToolsVersionStatusGuestToolsUnmanaged)
	case "none":
		g.ToolsVersion = "0"
		g.ToolsVersionStatus = string(types.VirtualMachineToolsVersionStatusGuestToolsNotInstalled)
	default:
		g.ToolsVersion = toolsVersionCurrent
		g.ToolsVersionStatus = string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent)
	}
	g.ToolsVersionStatus2 = g.ToolsVersionStatus

	switch {
	case !installed:
		g.ToolsStatus = types.VirtualMachineToolsStatusToolsNotInstalled
	case !running:
		g.ToolsStatus = types.VirtualMachineToolsStatusToolsNotRunning
	case s.Tools == "old":
		g.ToolsStatus = types.VirtualMachineToolsStatusToolsOld
	default:
		g.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
	}
	if installed {
		g.GuestId = s.GuestID
		g.GuestFullName = osInfo.FullName
		g.GuestFamily = osInfo.Family
	}
	if !running {
		return g
	}

	g.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	g.GuestState = "running"
	g.HostName = s.Hostname
	macKeys := map[string]int32{}
	for _, d := range vm.Config.Hardware.Device {
		if c, ok := d.(types.BaseVirtualEthernetCard); ok {
			macKeys[c.GetVirtualEthernetCard().MacAddress] = c.GetVirtualEthernetCard().Key
		}
	}
	for _, n := range s.NICs {
		info := types.GuestNicInfo{
			Network:        n.Network,
			MacAddress:     n.MAC,
			Connected:      true,
			DeviceConfigId: macKeys[n.MAC],
			IpAddress:      n.IPs,
		}
		if len(n.IPs) > 0 {
			info.IpConfig = &types.NetIpConfigInfo{}
			for _, ip := range n.IPs {
				prefix, origin := int32(24), "manual"
				if strings.Contains(ip, ":") {
					prefix = 64
					if strings.HasPrefix(ip, "fe80:") {
						origin = "linklayer"
					}
				}
				info.IpConfig.IpAddress = append(info.IpConfig.IpAddress, types.NetIpConfigInfoIpAddress{
					IpAddress: ip, PrefixLength: prefix, Origin: origin, State: "preferred",
				})
				if g.IpAddress == "" && !strings.Contains(ip, ":") {
					g.IpAddress = ip
				}
			}
		}
		g.Net = append(g.Net, info)
	}
	g.Disk = guestDisks(s)
	g.AppHeartbeatStatus = "appStatusGray"
	return g
}

// guestDisks returns the guest file systems of s: one per virtual disk.
func guestDisks(s *vmSpec) []types.GuestDiskInfo {
	family := guestOS[s.GuestID].Family
	var disks []types.GuestDiskInfo
	for i, size := range s.DisksGB {
		var p, fs string
		switch family {
		case "windowsGuest":
			p, fs = string(rune('C'+i))+":\\", "NTFS"
		case "linuxGuest":
			p, fs = []string{"/", "/data", "/backup", "/srv"}[i%4], "ext4"
		default:
			continue // no guest file systems reported (e.g. nested ESXi)
		}
		capacity := size * gib
		disks = append(disks, types.GuestDiskInfo{
			DiskPath:       p,
			Capacity:       capacity,
			FreeSpace:      capacity / 100 * int64(s.GuestFreePct),
			FilesystemType: fs,
		})
	}
	return disks
}

// setGuest sets guest, summary.guest and the heartbeat of a VM.
func (b *builder) setGuest(vm *simulator.VirtualMachine, s *vmSpec) {
	on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	vm.Guest = guestInfo(vm, s, on)
	if v, err := strconv.Atoi(vm.Guest.ToolsVersion); err == nil {
		vm.Config.Tools.ToolsVersion = int32(v)
	}
	vm.Summary.Guest = guestSummary(vm.Guest, on)
	vm.GuestHeartbeatStatus = heartbeat(vm.Guest)
	vm.Summary.QuickStats = vmQuickStats(vm, s, b.start)
}

// guestSummary returns summary.guest. Like some vCenters (and the stock
// simulator), it leaves toolsRunningStatus unset while the VM is powered off:
// guest.toolsRunningStatus still has it.
func guestSummary(g *types.GuestInfo, poweredOn bool) *types.VirtualMachineGuestSummary {
	running := g.ToolsRunningStatus
	if !poweredOn {
		running = ""
	}
	return &types.VirtualMachineGuestSummary{
		GuestId:             g.GuestId,
		GuestFullName:       g.GuestFullName,
		ToolsStatus:         g.ToolsStatus,
		ToolsVersionStatus:  g.ToolsVersionStatus,
		ToolsVersionStatus2: g.ToolsVersionStatus2,
		ToolsRunningStatus:  running,
		HostName:            g.HostName,
		IpAddress:           g.IpAddress,
	}
}

func heartbeat(g *types.GuestInfo) types.ManagedEntityStatus {
	if g.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) {
		return types.ManagedEntityStatusGreen
	}
	return types.ManagedEntityStatusGray
}

// vmQuickStats returns plausible usage figures (not part of the seed spec,
// except that they are zero for powered-off VMs).
func vmQuickStats(vm *simulator.VirtualMachine, s *vmSpec, now time.Time) types.VirtualMachineQuickStats {
	qs := types.VirtualMachineQuickStats{GuestHeartbeatStatus: heartbeat(vm.Guest)}
	if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		return qs
	}
	qs.OverallCpuUsage = s.CPU * 2000 * 15 / 100
	qs.OverallCpuDemand = qs.OverallCpuUsage
	qs.GuestMemoryUsage = s.MemoryMB * 40 / 100
	qs.HostMemoryUsage = s.MemoryMB * 60 / 100
	qs.ConsumedOverheadMemory = 40
	if vm.Runtime.BootTime != nil {
		qs.UptimeSeconds = int32(now.Sub(*vm.Runtime.BootTime) / time.Second)
	}
	return qs
}

// setStorage sets storage, summary.storage and layoutEx file sizes:
// committed = used disk space + snapshot sizes; thin disks use UsedPct of
// their capacity, thick disks all of it.
func (b *builder) setStorage(vm *simulator.VirtualMachine, s *vmSpec) {
	var provisioned, used int64
	diskUsed := map[string]int64{}
	for _, d := range vm.Config.Hardware.Device {
		disk, ok := d.(*types.VirtualDisk)
		if !ok {
			continue
		}
		size := disk.CapacityInBytes
		u := size
		if !s.Thick {
			u = size / 100 * int64(s.UsedPct)
		}
		provisioned += size
		used += u
		name := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo).FileName
		diskUsed[strings.Replace(name, ".vmdk", "-flat.vmdk", 1)] = u
	}
	var snapshots int64
	for _, snap := range s.Snapshots {
		snapshots += snap.SizeMB << 20
	}
	// RefreshStorageInfo in the simulator also lists the VM directory's files
	// without their directory ("[ds] vm.vmx"): drop those duplicates and
	// give the real ones their path.
	dir := fmt.Sprintf("[%s] %s/", s.Datastore, s.Name)
	var files []types.VirtualMachineFileLayoutExFileInfo
	seen := map[string]bool{}
	for _, f := range vm.LayoutEx.File {
		seen[f.Name] = true
	}
	for _, f := range vm.LayoutEx.File {
		if !strings.Contains(f.Name, "/") {
			base := strings.TrimPrefix(f.Name, fmt.Sprintf("[%s] ", s.Datastore))
			if seen[dir+base] {
				continue
			}
			f.Name = dir + base
		}
		switch f.Type {
		case string(types.VirtualMachineFileLayoutExFileTypeConfig):
			f.Size = 3 << 10
		case string(types.VirtualMachineFileLayoutExFileTypeNvram):
			f.Size = 8684
		case string(types.VirtualMachineFileLayoutExFileTypeLog):
			f.Size = 256 << 10
		}
		f.UniqueSize = f.Size
		files = append(files, f)
	}
	vm.LayoutEx.File = files
	for i := range vm.LayoutEx.File {
		f := &vm.LayoutEx.File[i]
		if u, ok := diskUsed[f.Name]; ok {
			f.Size, f.UniqueSize = u, u
		}
		if strings.HasSuffix(f.Name, ".vmsn") {
			var n int
			if _, err := fmt.Sscanf(path.Base(f.Name)[len(s.Name):], "-Snapshot%d.vmsn", &n); err == nil && n >= 1 && n <= len(s.Snapshots) {
				f.Size = s.Snapshots[n-1].SizeMB << 20
				f.UniqueSize = f.Size
			}
		}
	}
	vm.LayoutEx.Timestamp = b.start

	committed := used + snapshots
	uncommitted := provisioned - used
	ds := b.datastores[s.Datastore]
	vm.Storage = &types.VirtualMachineStorageInfo{
		PerDatastoreUsage: []types.VirtualMachineUsageOnDatastore{{
			Datastore: ds.Self, Committed: committed, Uncommitted: uncommitted, Unshared: committed,
		}},
		Timestamp: b.start,
	}
	vm.Summary.Storage = &types.VirtualMachineStorageSummary{
		Committed: committed, Uncommitted: uncommitted, Unshared: committed, Timestamp: b.start,
	}
}

// finishDatastores sets capacity and free space last, because creating VM
// disks through the API subtracts their size from the free space.
func (b *builder) finishDatastores() error {
	for _, spec := range b.topo.Datastores {
		ds := b.datastores[spec.Name]
		free := spec.FreeGB * gib
		ds.Summary.Capacity = spec.CapacityGB * gib
		ds.Summary.FreeSpace = free
		ds.Summary.Uncommitted = spec.UncommittedGB * gib
		ds.Summary.Accessible = true
		info := ds.Info.GetDatastoreInfo()
		info.FreeSpace = free
		info.MaxFileSize = free
		ts := b.start
		info.Timestamp = &ts
		sort.Slice(ds.Vm, func(i, j int) bool { return ds.Vm[i].Value < ds.Vm[j].Value })
		// RefreshDatastore would replace the seeded figures by those of the
		// local directory: disabled, as vCenter disables methods at times.
		ds.DisabledMethod = []string{"RefreshDatastore"}
		setOverallStatus(ds, types.ManagedEntityStatusGreen)
	}
	return nil
}

// cleanup drops build-time leftovers: the recent task lists that refer to the
// (already removed) build tasks.
func (b *builder) cleanup() {
	content := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	if tm, ok := simulator.Map.Get(*content.TaskManager).(*simulator.TaskManager); ok {
		tm.RecentTask = nil
	}
	for _, h := range b.hosts {
		h.RecentTask = nil
	}
	for _, vm := range b.vms {
		vm.RecentTask = nil
	}
}

// indexNames maps every entity name to its references (for events, alarms
// and the control API).
func (b *builder) indexNames() error {
	for _, e := range simulator.Map.All("") {
		name := e.Entity().Name
		switch x := e.(type) {
		case *simulator.DistributedVirtualPortgroup:
			name = x.Name
		case *simulator.DistributedVirtualSwitch:
			name = x.Name
		}
		if name != "" {
			b.byName[name] = append(b.byName[name], e.Reference())
		}
	}
	return nil
}
