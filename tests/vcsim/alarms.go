package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Alarms. The 0.24 simulator has no AlarmManager and no Alarm objects, so the
// default vCenter alarm definitions are registered here as mo.Alarm objects
// (with a complete AlarmInfo, including the expression, which serialization
// needs), an AlarmManager answering GetAlarm/GetAlarmState replaces the empty
// placeholder, and triggered alarms are written into triggeredAlarmState of
// the entity and of all its ancestors, as vCenter reports them.

// alarmDef is a predefined vCenter alarm.
type alarmDef struct {
	Name, SystemName, Description string
	Expression                    types.BaseAlarmExpression
}

func metric(kind string, counter int32, yellow, red int32) types.BaseAlarmExpression {
	return &types.OrAlarmExpression{Expression: []types.BaseAlarmExpression{
		&types.MetricAlarmExpression{
			Operator: types.MetricAlarmOperatorIsAbove,
			Type:     kind,
			Metric:   types.PerfMetricId{CounterId: counter},
			Yellow:   yellow, YellowInterval: 300,
			Red: red, RedInterval: 300,
		},
	}}
}

// alarmDefs are registered in every simulated vCenter as alarm-1, alarm-2, ...
var alarmDefs = []alarmDef{
	{"Host connection and power state", "alarm.HostConnectionStateAlarm",
		"Default alarm to monitor host connection and power state",
		&types.OrAlarmExpression{Expression: []types.BaseAlarmExpression{
			&types.StateAlarmExpression{Operator: types.StateAlarmOperatorIsEqual, Type: "HostSystem",
				StatePath: "runtime.connectionState", Red: "notResponding"},
			&types.StateAlarmExpression{Operator: types.StateAlarmOperatorIsEqual, Type: "HostSystem",
				StatePath: "runtime.connectionState", Red: "disconnected"},
		}}},
	{"Host CPU usage", "alarm.HostCPUUsageAlarm",
		"Default alarm to monitor host CPU usage", metric("HostSystem", 2, 7500, 9000)},
	{"Host memory usage", "alarm.HostMemoryUsageAlarm",
		"Default alarm to monitor host memory usage", metric("HostSystem", 24, 9000, 9500)},
	{"Virtual machine CPU usage", "alarm.VmCPUUsageAlarm",
		"Default alarm to monitor virtual machine CPU usage", metric("VirtualMachine", 2, 7500, 9000)},
	{"Virtual machine memory usage", "alarm.VmMemoryUsageAlarm",
		"Default alarm to monitor virtual machine memory usage", metric("VirtualMachine", 24, 8500, 9500)},
	{"Datastore usage on disk", "alarm.DatastoreDiskUsageAlarm",
		"Default alarm to monitor datastore disk usage", metric("Datastore", 281, 7500, 8500)},
}

// AlarmManager implements the read side of vim.alarm.AlarmManager.
type AlarmManager struct {
	mo.AlarmManager

	inv *inventory
}

// GetAlarm returns the alarms defined on an entity (all of them for the root
// folder or when no entity is given).
func (m *AlarmManager) GetAlarm(req *types.GetAlarm) soap.HasFault {
	body := &methods.GetAlarmBody{Res: &types.GetAlarmResponse{}}
	for _, a := range m.inv.alarmList() {
		if req.Entity == nil || *req.Entity == a.Info.Entity {
			body.Res.Returnval = append(body.Res.Returnval, a.Self)
		}
	}
	return body
}

// GetAlarmState returns the triggered alarm states of an entity.
func (m *AlarmManager) GetAlarmState(req *types.GetAlarmState) soap.HasFault {
	body := &methods.GetAlarmStateBody{}
	obj := simulator.Map.Get(req.Entity)
	e, ok := obj.(mo.Entity)
	if !ok {
		body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: req.Entity})
		return body
	}
	body.Res = &types.GetAlarmStateResponse{}
	simulator.Map.WithLock(obj, func() {
		body.Res.Returnval = append([]types.AlarmState(nil), e.Entity().TriggeredAlarmState...)
	})
	return body
}

// alarmList returns the registered alarms ordered by key.
func (inv *inventory) alarmList() []*mo.Alarm {
	var list []*mo.Alarm
	for _, a := range inv.alarms {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Info.Key < list[j].Info.Key })
	return list
}

// registerAlarms puts the alarm definitions and the AlarmManager in the registry.
func (inv *inventory) registerAlarms() {
	modified := inv.ago(days(400))
	for i, def := range alarmDefs {
		ref := types.ManagedObjectReference{Type: "Alarm", Value: fmt.Sprintf("alarm-%d", i+1)}
		a := &mo.Alarm{
			ExtensibleManagedObject: mo.ExtensibleManagedObject{Self: ref},
			Info: types.AlarmInfo{
				AlarmSpec: types.AlarmSpec{
					Name:        def.Name,
					SystemName:  def.SystemName,
					Description: def.Description,
					Enabled:     true,
					Expression:  def.Expression,
					Setting:     &types.AlarmSetting{ToleranceRange: 0, ReportingFrequency: 300},
				},
				Key:              ref.Value,
				Alarm:            ref,
				Entity:           inv.root,
				LastModifiedTime: modified,
				LastModifiedUser: "VSPHERE.LOCAL\\Administrator",
				CreationEventId:  0,
			},
		}
		simulator.Map.Put(a)
		inv.alarms[def.Name] = a
	}

	content := simulator.Map.Get(serviceInstanceRef).(*simulator.ServiceInstance).Content
	m := &AlarmManager{inv: inv}
	m.Self = *content.AlarmManager
	simulator.Map.Put(m) // replaces the placeholder without methods
}

// statusRank orders entity statuses from best to worst.
var statusRank = map[types.ManagedEntityStatus]int{
	types.ManagedEntityStatusGray:   0,
	types.ManagedEntityStatusGreen:  1,
	types.ManagedEntityStatusYellow: 2,
	types.ManagedEntityStatusRed:    3,
}

// defaultStatus is an entity's overall status without triggered alarms:
// yellow for a host with configuration issues, gray for a host vCenter cannot
// reach, green otherwise.
func defaultStatus(obj mo.Reference) types.ManagedEntityStatus {
	if h, ok := obj.(*simulator.HostSystem); ok {
		if h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
			return types.ManagedEntityStatusGray
		}
		if len(h.ConfigIssue) > 0 {
			return types.ManagedEntityStatusYellow
		}
	}
	return types.ManagedEntityStatusGreen
}

// entityStatus is the worst of the alarms triggered on the entity itself,
// or its default status.
func entityStatus(obj mo.Reference) types.ManagedEntityStatus {
	e := obj.(mo.Entity).Entity()
	status := types.ManagedEntityStatus("")
	for _, s := range e.TriggeredAlarmState {
		if s.Entity == e.Self && statusRank[s.OverallStatus] > statusRank[status] {
			status = s.OverallStatus
		}
	}
	if status == "" {
		status = defaultStatus(obj)
	}
	return status
}

// setOverallStatus sets overallStatus (and summary.overallStatus) directly;
// for use while nothing else can see the object.
func setOverallStatus(obj mo.Reference, status types.ManagedEntityStatus) {
	obj.(mo.Entity).Entity().OverallStatus = status
	switch x := obj.(type) {
	case *simulator.HostSystem:
		x.Summary.OverallStatus = status
	case *simulator.VirtualMachine:
		x.Summary.OverallStatus = status
	}
}

// statusChanges returns the property changes that publish a new overall status.
func statusChanges(obj mo.Reference, status types.ManagedEntityStatus) []types.PropertyChange {
	changes := []types.PropertyChange{{Name: "overallStatus", Val: status}}
	switch obj.(type) {
	case *simulator.HostSystem, *simulator.VirtualMachine:
		changes = append(changes, types.PropertyChange{Name: "summary.overallStatus", Val: status})
	}
	return changes
}

// setAlarmState triggers (status red or yellow) or clears (any other status)
// an alarm on an entity. The state is added to or removed from the entity and
// all its ancestors; the entity's overall status follows. Each object is
// locked while it changes and the changes reach WaitForUpdates listeners.
func (inv *inventory) setAlarmState(entity types.ManagedObjectReference, alarm *mo.Alarm,
	status types.ManagedEntityStatus, at time.Time, eventKey int32) error {
	if simulator.Map.Get(entity) == nil {
		return fmt.Errorf("entity %s not found", entity)
	}
	key := alarm.Self.Value + "." + entity.Value
	trigger := status == types.ManagedEntityStatusRed || status == types.ManagedEntityStatusYellow

	for ref := &entity; ref != nil; {
		obj := simulator.Map.Get(*ref)
		me, ok := obj.(mo.Entity)
		if !ok {
			break
		}
		var parent *types.ManagedObjectReference
		simulator.Map.WithLock(obj, func() {
			e := me.Entity()
			parent = e.Parent
			var states []types.AlarmState
			for _, s := range e.TriggeredAlarmState {
				if s.Key != key {
					states = append(states, s)
				}
			}
			if trigger {
				states = append(states, types.AlarmState{
					Key:           key,
					Entity:        entity,
					Alarm:         alarm.Self,
					OverallStatus: status,
					Time:          at,
					Acknowledged:  types.NewBool(false),
					EventKey:      eventKey,
				})
			}
			var val interface{}
			if len(states) > 0 {
				val = states
			}
			simulator.Map.Update(obj, []types.PropertyChange{{Name: "triggeredAlarmState", Val: val}})
			if *ref == entity {
				simulator.Map.Update(obj, statusChanges(obj, entityStatus(obj)))
			}
		})
		ref = parent
	}
	return nil
}
