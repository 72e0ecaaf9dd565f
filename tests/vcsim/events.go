package main

import (
	"container/ring"
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

var serviceInstanceRef = vim25.ServiceInstance

// eventManager returns the simulator's EventManager.
func eventManager() *simulator.EventManager {
	content := simulator.Map.Get(serviceInstanceRef).(*simulator.ServiceInstance).Content
	return simulator.Map.Get(*content.EventManager).(*simulator.EventManager)
}

// resetEventHistory empties the EventManager's history (a ring of its last
// 1000 events) and restarts event keys at 1. Building the inventory through
// the API posts hundreds of "VM created" and "powered on" events stamped with
// the start time; the seeded history replaces them. The 0.24 EventManager has
// no API for this, so its unexported fields are set through reflection. Call
// it before any client can connect.
func resetEventHistory(em *simulator.EventManager) {
	v := reflect.ValueOf(em).Elem()
	field := func(name string) reflect.Value {
		f := v.FieldByName(name)
		if !f.IsValid() {
			panic("simulator.EventManager has no field " + name)
		}
		return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	}
	page := field("page")
	size := page.Interface().(*ring.Ring).Len()
	page.Set(reflect.ValueOf(ring.New(size)))
	field("key").Set(reflect.ValueOf(int32(0)))
}

// postEvent adds an event to the history as posted by user at the given time
// and returns its key.
func postEvent(ev types.BaseEvent, user string, at time.Time, message string) int32 {
	em := eventManager()
	ctx := &simulator.Context{
		Context: context.Background(),
		Map:     simulator.Map,
		Session: &simulator.Session{
			UserSession: types.UserSession{UserName: user},
			Registry:    simulator.NewRegistry(),
		},
	}
	var key int32
	simulator.Map.WithLock(em, func() {
		em.PostEvent(ctx, &types.PostEvent{EventToPost: ev})
		// PostEvent stamps "now" and formats its own message; the history
		// keeps the pointer, so the seeded values can be set afterwards.
		e := ev.GetEvent()
		e.CreatedTime = at
		e.UserName = user
		if message != "" {
			e.FullFormattedMessage = message
		}
		key = e.Key
	})
	return key
}

// lookupPreference orders entity types when several share a name (a
// standalone host and its ComputeResource always do).
var lookupPreference = []string{
	"VirtualMachine", "HostSystem", "Datastore", "ClusterComputeResource", "ComputeResource",
	"ResourcePool", "Datacenter", "DistributedVirtualPortgroup", "Network",
}

// lookup returns the entity called name; kind ("HostSystem", ...) selects
// the type, otherwise the first type in lookupPreference wins.
func (inv *inventory) lookup(name, kind string) (types.ManagedObjectReference, error) {
	var found []types.ManagedObjectReference
	for _, ref := range inv.byName[name] {
		if kind == "" || ref.Type == kind {
			found = append(found, ref)
		}
	}
	if len(found) == 0 {
		return types.ManagedObjectReference{}, fmt.Errorf("no entity named %q", name)
	}
	for _, t := range lookupPreference {
		for _, ref := range found {
			if ref.Type == t {
				return ref, nil
			}
		}
	}
	return found[0], nil
}

// entityName returns the name of an entity.
func entityName(ref types.ManagedObjectReference) string {
	switch x := simulator.Map.Get(ref).(type) {
	case *simulator.DistributedVirtualPortgroup:
		return x.Name
	case *simulator.DistributedVirtualSwitch:
		return x.Name
	case mo.Entity:
		return x.Entity().Name
	}
	return ""
}

// eventArguments fills the entity arguments of an event about ref the way
// vCenter does: the entity itself plus its host, compute resource and datacenter.
func (inv *inventory) eventArguments(e *types.Event, ref types.ManagedObjectReference) {
	dc := inv.datacenter
	e.Datacenter = &types.DatacenterEventArgument{
		Datacenter: dc.Self, EntityEventArgument: types.EntityEventArgument{Name: dc.Name},
	}
	arg := func(r types.ManagedObjectReference) types.EntityEventArgument {
		return types.EntityEventArgument{Name: entityName(r)}
	}
	hostArgs := func(h types.ManagedObjectReference) {
		e.Host = &types.HostEventArgument{Host: h, EntityEventArgument: arg(h)}
		if host, ok := simulator.Map.Get(h).(*simulator.HostSystem); ok && host.Parent != nil {
			e.ComputeResource = &types.ComputeResourceEventArgument{ComputeResource: *host.Parent, EntityEventArgument: arg(*host.Parent)}
		}
	}
	switch ref.Type {
	case "VirtualMachine":
		e.Vm = &types.VmEventArgument{Vm: ref, EntityEventArgument: arg(ref)}
		if vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine); ok && vm.Runtime.Host != nil {
			hostArgs(*vm.Runtime.Host)
		}
	case "HostSystem":
		hostArgs(ref)
	case "Datastore":
		e.Ds = &types.DatastoreEventArgument{Datastore: ref, EntityEventArgument: arg(ref)}
	case "ClusterComputeResource", "ComputeResource":
		e.ComputeResource = &types.ComputeResourceEventArgument{ComputeResource: ref, EntityEventArgument: arg(ref)}
	case "Network", "DistributedVirtualPortgroup":
		e.Net = &types.NetworkEventArgument{Network: ref, EntityEventArgument: arg(ref)}
	case "VmwareDistributedVirtualSwitch", "DistributedVirtualSwitch":
		e.Dvs = &types.DvsEventArgument{Dvs: ref, EntityEventArgument: arg(ref)}
	}
}

// newEvent builds the event described by s (not yet posted). Type is any
// vim event type; AlarmStatusChangedEvent, TaskEvent and EventEx get their
// specific fields from s.
func (inv *inventory) newEvent(s eventSpec, at time.Time) (types.BaseEvent, error) {
	var ref types.ManagedObjectReference
	if s.Entity != "" {
		var err error
		if ref, err = inv.lookup(s.Entity, s.EntityType); err != nil {
			return nil, notFound("%s", err)
		}
	}
	name := entityName(ref)
	entityArg := types.ManagedEntityEventArgument{Entity: ref, EntityEventArgument: types.EntityEventArgument{Name: name}}

	if s.Entity == "" && (s.Type == "AlarmStatusChangedEvent" || s.Type == "TaskEvent") {
		return nil, badRequest("%s needs an entity", s.Type)
	}

	var ev types.BaseEvent
	switch s.Type {
	case "AlarmStatusChangedEvent":
		alarm, ok := inv.alarms[s.Alarm]
		if !ok {
			return nil, notFound("unknown alarm %q", s.Alarm)
		}
		ev = &types.AlarmStatusChangedEvent{
			AlarmEvent: types.AlarmEvent{Alarm: types.AlarmEventArgument{
				Alarm: alarm.Self, EntityEventArgument: types.EntityEventArgument{Name: alarm.Info.Name},
			}},
			Source: types.ManagedEntityEventArgument{
				Entity: inv.root, EntityEventArgument: types.EntityEventArgument{Name: entityName(inv.root)},
			},
			Entity: entityArg,
			From:   s.From,
			To:     s.To,
		}
	case "TaskEvent":
		seq := atomic.AddInt32(&inv.taskSeq, 1)
		task := types.ManagedObjectReference{Type: "Task", Value: fmt.Sprintf("task-%d", 9000+seq)}
		ev = &types.TaskEvent{Info: types.TaskInfo{
			Key:           task.Value,
			Task:          task,
			Name:          s.TaskName,
			DescriptionId: s.TaskDescriptionID,
			Entity:        &ref,
			EntityName:    name,
			State:         types.TaskInfoStateSuccess,
			Reason:        &types.TaskReasonUser{UserName: s.User},
			QueueTime:     at,
			StartTime:     &at,
			CompleteTime:  &at,
		}}
	case "EventEx":
		ev = &types.EventEx{
			EventTypeId: s.EventTypeID,
			Severity:    s.Severity,
			Message:     s.Message,
			ObjectId:    ref.Value,
			ObjectType:  ref.Type,
			ObjectName:  name,
		}
	default:
		kind, ok := types.TypeFunc()(s.Type)
		if !ok {
			return nil, badRequest("unknown event type %q", s.Type)
		}
		ev, ok = reflect.New(kind).Interface().(types.BaseEvent)
		if !ok {
			return nil, badRequest("%s is not an event type", s.Type)
		}
	}
	if s.Entity != "" {
		inv.eventArguments(ev.GetEvent(), ref)
	}
	return ev, nil
}

// seedEvents posts the topology's event history, oldest first, and returns
// the keys of the AlarmStatusChangedEvents by "alarm name/entity name".
func (inv *inventory) seedEvents() (map[string]int32, error) {
	events := append([]eventSpec(nil), inv.topo.Events...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].HoursAgo > events[j].HoursAgo })
	keys := map[string]int32{}
	for _, s := range events {
		at := inv.ago(hours(s.HoursAgo))
		ev, err := inv.newEvent(s, at)
		if err != nil {
			return nil, err
		}
		key := postEvent(ev, s.User, at, s.Message)
		if s.Type == "AlarmStatusChangedEvent" {
			keys[s.Alarm+"/"+s.Entity] = key
		}
	}
	return keys, nil
}

// createAlarmsAndEvents registers the alarms, replaces the build-time event
// history by the seeded one and triggers the seeded alarms.
func (b *builder) createAlarmsAndEvents() error {
	b.registerAlarms()
	resetEventHistory(eventManager())
	keys, err := b.seedEvents()
	if err != nil {
		return err
	}
	for _, a := range b.topo.Alarms {
		ref, err := b.lookup(a.Entity, a.EntityType)
		if err != nil {
			return err
		}
		alarm, ok := b.alarms[a.Alarm]
		if !ok {
			return fmt.Errorf("unknown alarm %q", a.Alarm)
		}
		status := types.ManagedEntityStatus(a.Status)
		if err := b.setAlarmState(ref, alarm, status, b.ago(hours(a.HoursAgo)), keys[a.Alarm+"/"+a.Entity]); err != nil {
			return err
		}
		if vm, ok := b.vms[a.Entity]; ok && a.Alarm == "Virtual machine memory usage" {
			vm.Summary.QuickStats.GuestMemoryUsage = vm.Config.Hardware.MemoryMB * 92 / 100
		}
	}
	return nil
}
