package main

// Performance statistics served the way a real vCenter serves them.
//
// govmomi 0.24's PerformanceManager answers QueryPerf with one recorded
// series for every entity plus random noise, ignores the instance and the
// statistics levels, has no maxQueryMetrics limit, and its encoder drops
// every zero sample (omitempty on []int64), which shifts the values against
// their timestamps. perfManager replaces its QueryPerf:
//
//   - series are deterministic: value = series[(sample time / interval) % len]
//     from perfSeeds (by entity), else from the defaults below, else the
//     simulator's recorded data without noise; summations are per 20 s and
//     scaled to longer intervals; seed.py (PERF_*) is the Python twin;
//   - sample times are aligned to the interval, oldest first, within
//     (startTime, endTime]; maxSample caps the count (0: none, as vcsim does);
//   - historical intervals (perfManager.historicalInterval, set per topology)
//     have statistics levels: a counter above the level has no series;
//   - instance "*" of a datastore.* counter on a host or VM returns one
//     series per datastore, named like vCenter does (the last part of its URL);
//   - powered-off VMs and hosts that are not connected return no samples;
//   - a historical QueryPerf with more metrics than the limit (control API, or
//     the OptionManager setting config.vpxd.stats.maxQueryMetrics) faults
//     with InvalidArgument querySpec.size, as vCenter does;
//   - the control API can make every QueryPerf fault or answer late, and
//     reports the queries received (GET /perf/queries; perf_control.go).
//
// Catalog changes happen before the model is created (preparePerfCatalog):
// dr's counter keys are shifted by 1000 (keys differ between real vCenters)
// and lab's catalog lacks cpu.costop.summation.

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const maxQueryMetricsKey = "config.vpxd.stats.maxQueryMetrics"

// perfSeeds: topology -> "Type/name" -> counter -> raw values per 20 s sample.
// Datastore seeds apply to the datastore's instance on every host.
var perfSeeds = map[string]map[string]map[string][]int64{
	"prod": {
		// noisy neighbours: CPU ready 14 % (4 vCPUs) and 24 % (8 vCPUs) per vCPU
		"VirtualMachine/app-01": {"cpu.ready.summation": {10400, 12000, 11200}},
		"VirtualMachine/db-01": {"cpu.ready.summation": {36800, 40000, 38400},
			"cpu.costop.summation": {1600}},
		// a spike to 15 %, 4 % on average: quiet
		"VirtualMachine/web-03":       {"cpu.ready.summation": {200, 200, 200, 6000}},
		"VirtualMachine/mail-01":      {"mem.vmmemctl.average": {524288}},
		"VirtualMachine/reporting-01": {"mem.swapped.average": {262144}, "mem.swapinRate.average": {0, 128, 0}},
		"VirtualMachine/file-01":      {"disk.maxTotalLatency.latest": {25, 30, 35}},
		"VirtualMachine/dns-02":       {"cpu.usage.average": {150}},
		"HostSystem/esx-prod-b01.corp.example.com": {"mem.vmmemctl.average": {1048576}},
		"Datastore/prod-ds-03": {"datastore.totalReadLatency.average": {60},
			"datastore.totalWriteLatency.average": {28}},
	},
	"dr": {
		// exact figures: 2.5, 5, 7.5 and 10 % ready per vCPU (8 vCPUs)
		"VirtualMachine/dr-db-01": {"cpu.ready.summation": {4000, 8000, 12000, 16000}},
	},
}

// Historical intervals (period s, kept s, level) per topology; large keeps
// vcsim's empty list (clients assume vCenter's defaults).
var perfIntervals = map[string][][3]int32{
	"prod": {{300, 86400, 2}, {1800, 604800, 1}, {7200, 2592000, 1}, {86400, 31536000, 1}},
	"dr":   {{300, 86400, 1}, {1800, 604800, 1}, {7200, 2592000, 1}, {86400, 31536000, 1}},
	"lab":  {{300, 86400, 1}, {1800, 604800, 1}, {7200, 2592000, 1}, {86400, 31536000, 1}},
}

// perfDefault is the raw value per 20 s of a counter nobody seeded.
func perfDefault(e *perfEntity, counter string) (int64, bool) {
	switch e.kind {
	case "VirtualMachine":
		switch counter {
		case "cpu.usage.average":
			return 2000, true
		case "cpu.ready.summation":
			return 100 * int64(e.vcpus), true // 0.5 % per vCPU
		case "mem.usage.average":
			return 3000, true
		case "mem.active.average":
			return 524288, true
		case "disk.maxTotalLatency.latest":
			return 2, true
		case "net.usage.average":
			return 120, true
		}
	case "HostSystem":
		switch counter {
		case "cpu.usage.average":
			return 100 * int64(e.cpuPct), true
		case "mem.usage.average":
			return 100 * int64(e.memPct), true
		case "disk.maxTotalLatency.latest":
			return 3, true
		case "net.usage.average":
			return 5000, true
		}
	case "ClusterComputeResource":
		switch counter {
		case "cpu.usage.average":
			return 3500, true
		case "mem.usage.average":
			return 5500, true
		}
	}
	switch counter {
	case "cpu.costop.summation", "mem.vmmemctl.average", "mem.swapped.average", "mem.swapinRate.average":
		return 0, true
	case "datastore.totalReadLatency.average":
		return 2, true
	case "datastore.totalWriteLatency.average":
		return 3, true
	}
	return 0, false
}

// preparePerfCatalog changes vcsim's counter catalog for a topology; it must
// run before the model is created.
func preparePerfCatalog(topology string) {
	switch topology {
	case "dr":
		shift := func(ids []types.PerfMetricId) {
			for i := range ids {
				ids[i].CounterId += 1000
			}
		}
		for i := range vpx.PerfCounter {
			vpx.PerfCounter[i].Key += 1000
		}
		shift(vpx.VmMetrics)
		shift(vpx.HostMetrics)
		shift(vpx.ResourcePoolMetrics)
		shift(vpx.ClusterMetrics)
		shift(vpx.DatastoreMetrics)
		shift(vpx.DatacenterMetrics)
		for kind, data := range vpx.MetricData {
			shifted := make(map[int32][]int64, len(data))
			for key, values := range data {
				shifted[key+1000] = values
			}
			vpx.MetricData[kind] = shifted
		}
	case "lab":
		kept := vpx.PerfCounter[:0:0]
		for _, c := range vpx.PerfCounter {
			if counterName(c) != "cpu.costop.summation" {
				kept = append(kept, c)
			}
		}
		vpx.PerfCounter = kept
	}
}

func counterName(c types.PerfCounterInfo) string {
	return c.GroupInfo.GetElementDescription().Key + "." + c.NameInfo.GetElementDescription().Key + "." + string(c.RollupType)
}

// PerfMetricIntSeries is types.PerfMetricIntSeries without omitempty on the
// values, so that zero samples are sent (the type name is the xsi:type).
type PerfMetricIntSeries struct {
	types.PerfMetricSeries
	Value []int64 `xml:"value"`
}

// perfEntity is what the series of one entity depend on.
type perfEntity struct {
	kind, name     string
	vcpus          int32
	cpuPct, memPct int
	vm             *simulator.VirtualMachine
	host           *simulator.HostSystem
}

type perfQueryRecord struct {
	Interval int32 `json:"interval"`
	Specs    int   `json:"specs"`
	Metrics  int   `json:"metrics"`
	Faulted  bool  `json:"faulted"`
	Values   int   `json:"values"`
}

// perfManager serves QueryPerf (see the top of this file).
type perfManager struct {
	simulator.PerformanceManager
	topology string
	entities map[string]*perfEntity // by moid
	byName   map[string]types.PerfCounterInfo
	byKey    map[int32]types.PerfCounterInfo
	dsNames  map[types.ManagedObjectReference][2]string // datastore -> name, instance

	mu      sync.Mutex
	limit   int           // metrics per historical query (0: the OptionManager setting)
	fail    string        // "", "fault" or "delay"
	delay   time.Duration // with fail = "delay"
	queries []perfQueryRecord
}

// installPerf puts a perfManager in place of vcsim's PerformanceManager.
func installPerf(inv *inventory) *perfManager {
	ref := *simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content.PerfManager
	stock := simulator.Map.Get(ref).(*simulator.PerformanceManager)
	m := &perfManager{PerformanceManager: *stock, topology: inv.topo.Name,
		entities: map[string]*perfEntity{}, byName: map[string]types.PerfCounterInfo{},
		byKey: map[int32]types.PerfCounterInfo{}, dsNames: map[types.ManagedObjectReference][2]string{}}
	for _, c := range m.PerfCounter {
		m.byName[counterName(c)] = c
		m.byKey[c.Key] = c
	}
	m.HistoricalInterval = nil
	for _, iv := range perfIntervals[inv.topo.Name] {
		m.HistoricalInterval = append(m.HistoricalInterval, types.PerfInterval{
			Key: iv[0], SamplingPeriod: iv[0], Length: iv[1], Level: iv[2], Enabled: true,
			Name: "Past " + strconv.Itoa(int(iv[1]/86400)) + " days"})
	}
	hostSpecs := map[string]*hostSpec{}
	for ci := range inv.topo.Clusters {
		for hi := range inv.topo.Clusters[ci].Hosts {
			h := &inv.topo.Clusters[ci].Hosts[hi]
			hostSpecs[h.Name] = h
		}
	}
	for hi := range inv.topo.Standalone {
		hostSpecs[inv.topo.Standalone[hi].Name] = &inv.topo.Standalone[hi]
	}
	for name, vm := range inv.vms {
		m.entities[vm.Self.Value] = &perfEntity{kind: "VirtualMachine", name: name,
			vcpus: inv.vmSpecs[name].CPU, vm: vm}
	}
	for name, h := range inv.hosts {
		e := &perfEntity{kind: "HostSystem", name: name, host: h}
		if spec := hostSpecs[name]; spec != nil {
			e.cpuPct, e.memPct = spec.CPUUsagePct, spec.MemUsagePct
		}
		m.entities[h.Self.Value] = e
	}
	for _, c := range inv.topo.Clusters {
		for _, r := range inv.byName[c.Name] {
			if r.Type == "ClusterComputeResource" {
				m.entities[r.Value] = &perfEntity{kind: r.Type, name: c.Name}
			}
		}
	}
	for name, ds := range inv.datastores {
		url := strings.TrimSuffix(ds.Summary.Url, "/")
		m.dsNames[ds.Self] = [2]string{name, url[strings.LastIndex(url, "/")+1:]}
		m.entities[ds.Self.Value] = &perfEntity{kind: "Datastore", name: name}
	}
	simulator.Map.Put(m)
	return m
}

// QueryPerf answers like vCenter does (see the top of this file).
func (m *perfManager) QueryPerf(ctx *simulator.Context, req *types.QueryPerf) soap.HasFault {
	body := new(methods.QueryPerfBody)
	m.mu.Lock()
	fail, delay, limit := m.fail, m.delay, m.limit
	m.mu.Unlock()
	if fail == "delay" {
		time.Sleep(delay)
	}
	record := perfQueryRecord{Specs: len(req.QuerySpec)}
	historical := false
	for _, qs := range req.QuerySpec {
		record.Metrics += len(qs.MetricId)
		record.Interval = qs.IntervalId
		historical = historical || (qs.IntervalId != 20 && qs.IntervalId > 0)
	}
	if limit == 0 {
		limit = m.optionLimit()
	}
	switch {
	case fail == "fault":
		body.Fault_ = simulator.Fault("statistics service unavailable", &types.SystemError{Reason: "vpxd stats"})
	case historical && limit > 0 && record.Metrics > limit:
		body.Fault_ = simulator.Fault("A specified parameter was not correct: querySpec.size",
			&types.InvalidArgument{InvalidProperty: "querySpec.size"})
	}
	if body.Fault_ != nil {
		record.Faulted = true
		m.remember(record)
		return body
	}
	res := &types.QueryPerfResponse{}
	for _, qs := range req.QuerySpec {
		e := m.entities[qs.Entity.Value]
		if e == nil || e.kind != qs.Entity.Type {
			body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: qs.Entity})
			record.Faulted = true
			m.remember(record)
			return body
		}
		metric := m.entityMetric(e, qs)
		for _, s := range metric.Value {
			record.Values += len(s.(*PerfMetricIntSeries).Value)
		}
		res.Returnval = append(res.Returnval, metric)
	}
	m.remember(record)
	body.Res = res
	return body
}

func (m *perfManager) remember(r perfQueryRecord) {
	m.mu.Lock()
	m.queries = append(m.queries, r)
	m.mu.Unlock()
}

func (m *perfManager) optionLimit() int {
	content := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	om, ok := simulator.Map.Get(*content.Setting).(*simulator.OptionManager)
	if !ok {
		return 0
	}
	for _, opt := range om.Setting {
		if v := opt.GetOptionValue(); v.Key == maxQueryMetricsKey {
			n, _ := strconv.Atoi(strings.TrimSpace(toString(v.Value)))
			return n
		}
	}
	return 0
}

func toString(v interface{}) string {
	switch x := v.(type) {
	case string:
		return x
	case int32:
		return strconv.Itoa(int(x))
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// level is the statistics level kept by the interval (realtime: every counter).
func (m *perfManager) level(interval int32) int32 {
	if interval == 20 {
		return 4
	}
	for _, iv := range m.HistoricalInterval {
		if iv.SamplingPeriod == interval {
			return iv.Level
		}
	}
	return 1
}

func (m *perfManager) entityMetric(e *perfEntity, qs types.PerfQuerySpec) *types.PerfEntityMetric {
	metric := &types.PerfEntityMetric{PerfEntityMetricBase: types.PerfEntityMetricBase{Entity: qs.Entity}}
	switch {
	case e.vm != nil && e.vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn:
		return metric
	case e.host != nil && e.host.Runtime.ConnectionState != types.HostSystemConnectionStateConnected:
		return metric
	}
	interval := qs.IntervalId
	if interval <= 0 {
		interval = 20
	}
	end := time.Now()
	if qs.EndTime != nil {
		end = *qs.EndTime
	}
	start := end.Add(-time.Hour)
	if qs.StartTime != nil {
		start = *qs.StartTime
	}
	last := end.Unix() / int64(interval) * int64(interval)
	n := int32(0)
	for t := last; t > start.Unix() && n < qs.MaxSample; t -= int64(interval) {
		n++
	}
	times := make([]int64, n)
	for i := range times {
		times[i] = last - int64(n-1-int32(i))*int64(interval)
	}
	for _, t := range times {
		metric.SampleInfo = append(metric.SampleInfo, types.PerfSampleInfo{
			Timestamp: time.Unix(t, 0).UTC(), Interval: interval})
	}
	level := m.level(interval)
	for _, id := range qs.MetricId {
		info, ok := m.byKey[id.CounterId]
		if !ok || (interval != 20 && info.Level > level) {
			continue // not in the catalog, or not collected at this level
		}
		name := counterName(info)
		for _, inst := range m.instances(e, name, id.Instance) {
			series := &PerfMetricIntSeries{PerfMetricSeries: types.PerfMetricSeries{
				Id: types.PerfMetricId{CounterId: id.CounterId, Instance: inst[1]}}}
			for _, t := range times {
				series.Value = append(series.Value, m.value(e, inst[0], info, name, interval, t))
			}
			metric.Value = append(metric.Value, series)
		}
	}
	return metric
}

// instances: [seed key, instance] of the series a metric id asks for.
func (m *perfManager) instances(e *perfEntity, counter, instance string) [][2]string {
	self := e.kind + "/" + e.name
	if instance != "*" || !strings.HasPrefix(counter, "datastore.") {
		if instance == "*" {
			instance = ""
		}
		return [][2]string{{self, instance}}
	}
	var refs []types.ManagedObjectReference
	switch {
	case e.host != nil:
		refs = e.host.Datastore
	case e.vm != nil:
		refs = e.vm.Datastore
	}
	var out [][2]string
	for _, ref := range refs {
		if ds, ok := m.dsNames[ref]; ok {
			out = append(out, [2]string{"Datastore/" + ds[0], ds[1]})
		}
	}
	return out
}

// value is the raw sample at time t (see the top of this file).
func (m *perfManager) value(e *perfEntity, key string, info types.PerfCounterInfo, counter string,
	interval int32, t int64) int64 {
	tick := t / int64(interval)
	if series := perfSeeds[m.topology][key][counter]; len(series) > 0 {
		return scale(series[tick%int64(len(series))], info, interval)
	}
	if v, ok := perfDefault(e, counter); ok {
		return scale(v, info, interval)
	}
	if points := vpx.MetricData[e.kind][info.Key]; len(points) > 0 {
		return points[tick%int64(len(points))]
	}
	return 0
}

// scale turns a per-20-s summation into one over a longer interval.
func scale(v int64, info types.PerfCounterInfo, interval int32) int64 {
	if info.RollupType == types.PerfSummaryTypeSummation && interval > 20 {
		return v * int64(interval) / 20
	}
	return v
}
