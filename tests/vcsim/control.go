package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// The control API changes state that the vSphere API cannot change (host
// connection, maintenance without tasks, datastore free space, events,
// alarms). It is plain HTTP on a loopback address. Every change is made under
// the simulator's per-object lock and published with simulator.Map.Update, so
// PropertyCollector reads and WaitForUpdatesEx listeners see it.
//
//	POST /host/connection?name=HOST&state=connected|disconnected|notResponding
//	POST /host/maintenance?name=HOST&on=true|false
//	POST /vm/power?name=VM&state=poweredOn|poweredOff|suspended[&event=true]
//	POST /datastore/free?name=DS&pct=N           (or &gb=N)
//	POST /event?type=T&message=M[&entity=NAME[&entity_type=T]][&user=U][&hours_ago=H]
//	           [&severity=S&event_type_id=ID]    (EventEx)
//	           [&alarm=A&from=green&to=red]      (AlarmStatusChangedEvent)
//	POST /alarm?entity=NAME&alarm=ALARM&status=red|yellow|green[&entity_type=T]
//	GET  /logins                                 (SessionManager.Login calls, per user)
//	POST /attribute?entity=NAME&field=F&value=V[&entity_type=T]  (custom attribute; empty value removes)
//	POST /tagging?status=N[&session=true][&message=M]  (the tagging REST service answers
//	           every request with HTTP N, login too with session=true; status=0 heals it)
//	POST /perf/limit, /perf/fail; GET /perf/queries (perf.go)
//	POST /plant?name=NAME&property=overallStatus|connectionState|name&value=TEXT
//	           [&entity_type=T]                  (any text: a hostile vCenter)
//	GET  /health
//
// Answers are JSON: 200 {"ok": true, ...}; 4xx {"ok": false, "error": "..."}.

// httpError is an error with an HTTP status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...interface{}) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...interface{}) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// controlHandler serves the control API for one inventory.
func controlHandler(inv *inventory, tags *tagging) http.Handler {
	mux := http.NewServeMux()
	post := func(path string, f func(r *http.Request) (map[string]interface{}, error)) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				writeJSON(w, http.StatusMethodNotAllowed, map[string]interface{}{"ok": false, "error": "use POST"})
				return
			}
			serve(w, r, f)
		})
	}
	post("/host/connection", inv.hostConnection)
	post("/host/maintenance", inv.hostMaintenance)
	post("/vm/power", inv.vmPower)
	post("/datastore/free", inv.datastoreFree)
	post("/event", inv.postEventRequest)
	post("/alarm", inv.alarmRequest)
	mux.HandleFunc("/logins", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, logins.report)
	})
	post("/attribute", inv.attributeRequest)
	post("/tagging", tags.taggingRequest)
	if inv.perf != nil {
		inv.perf.routes(mux) // /perf/..., see perf.go
	}
	post("/plant", inv.plant)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, func(*http.Request) (map[string]interface{}, error) {
			return map[string]interface{}{"topology": inv.topo.Name, "vms": len(inv.vms), "hosts": len(inv.hosts)}, nil
		})
	})
	return loopbackOnly(mux)
}

// loopbackOnly refuses requests from other machines.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			writeJSON(w, http.StatusForbidden, map[string]interface{}{"ok": false, "error": "loopback clients only"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func serve(w http.ResponseWriter, r *http.Request, f func(r *http.Request) (map[string]interface{}, error)) {
	defer func() {
		if p := recover(); p != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]interface{}{"ok": false, "error": fmt.Sprint(p)})
		}
	}()
	res, err := f(r)
	if err != nil {
		status := http.StatusBadRequest
		var he *httpError
		if errors.As(err, &he) {
			status = he.status
		}
		writeJSON(w, status, map[string]interface{}{"ok": false, "error": err.Error()})
		return
	}
	if res == nil {
		res = map[string]interface{}{}
	}
	res["ok"] = true
	writeJSON(w, http.StatusOK, res)
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// param returns a required query parameter.
func param(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", badRequest("missing parameter %q", name)
	}
	return v, nil
}

func (inv *inventory) host(r *http.Request) (*simulator.HostSystem, error) {
	name, err := param(r, "name")
	if err != nil {
		return nil, err
	}
	h, ok := inv.hosts[name]
	if !ok {
		return nil, notFound("no host named %q", name)
	}
	return h, nil
}

// hostConnection sets runtime.connectionState of a host and of its VMs.
func (inv *inventory) hostConnection(r *http.Request) (map[string]interface{}, error) {
	h, err := inv.host(r)
	if err != nil {
		return nil, err
	}
	state := types.HostSystemConnectionState(r.URL.Query().Get("state"))
	switch state {
	case types.HostSystemConnectionStateConnected, types.HostSystemConnectionStateDisconnected,
		types.HostSystemConnectionStateNotResponding:
	default:
		return nil, badRequest("state must be connected, disconnected or notResponding")
	}

	var vms []types.ManagedObjectReference
	simulator.Map.WithLock(h, func() {
		simulator.Map.Update(h, []types.PropertyChange{
			{Name: "runtime.connectionState", Val: state},
			{Name: "summary.runtime.connectionState", Val: state},
		})
		simulator.Map.Update(h, statusChanges(h, entityStatus(h)))
		vms = append(vms, h.Vm...)
	})
	vmState := vmConnectionState(h)
	for _, ref := range vms {
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		simulator.Map.WithLock(vm, func() {
			simulator.Map.Update(vm, []types.PropertyChange{
				{Name: "runtime.connectionState", Val: vmState},
				{Name: "summary.runtime.connectionState", Val: vmState},
			})
		})
	}
	inv.refreshComputeSummary(h)
	return map[string]interface{}{"host": h.Name, "state": state, "vms": len(vms)}, nil
}

// hostMaintenance sets runtime.inMaintenanceMode of a host.
func (inv *inventory) hostMaintenance(r *http.Request) (map[string]interface{}, error) {
	h, err := inv.host(r)
	if err != nil {
		return nil, err
	}
	on, err := strconv.ParseBool(r.URL.Query().Get("on"))
	if err != nil {
		return nil, badRequest("on must be true or false")
	}
	simulator.Map.WithLock(h, func() {
		simulator.Map.Update(h, []types.PropertyChange{
			{Name: "runtime.inMaintenanceMode", Val: on},
			{Name: "summary.runtime.inMaintenanceMode", Val: on},
		})
	})
	inv.refreshComputeSummary(h)
	return map[string]interface{}{"host": h.Name, "maintenance": on}, nil
}

// refreshComputeSummary recomputes the summary of a host's compute resource.
func (inv *inventory) refreshComputeSummary(h *simulator.HostSystem) {
	parent := simulator.Map.Get(*h.Parent)
	simulator.Map.WithLock(parent, func() {
		cr := computeResource(h)
		(&builder{inventory: inv}).updateComputeSummary(cr)
		simulator.Map.Update(parent, []types.PropertyChange{{Name: "summary", Val: cr.Summary}})
	})
}

// vmPower sets the power state of a VM, with the guest information VMware
// Tools reports in that state (no IPs while powered off).
func (inv *inventory) vmPower(r *http.Request) (map[string]interface{}, error) {
	name, err := param(r, "name")
	if err != nil {
		return nil, err
	}
	vm, ok := inv.vms[name]
	if !ok {
		return nil, notFound("no VM named %q", name)
	}
	spec := inv.vmSpecs[name]
	state := types.VirtualMachinePowerState(r.URL.Query().Get("state"))
	switch state {
	case types.VirtualMachinePowerStatePoweredOn, types.VirtualMachinePowerStatePoweredOff,
		types.VirtualMachinePowerStateSuspended:
	default:
		return nil, badRequest("state must be poweredOn, poweredOff or suspended")
	}
	withEvent, _ := strconv.ParseBool(r.URL.Query().Get("event"))

	var fault error
	simulator.Map.WithLock(vm, func() {
		if vm.Config.Template && state != types.VirtualMachinePowerStatePoweredOff {
			fault = badRequest("%s is a template", name)
			return
		}
		var boot interface{} // untyped nil clears runtime.bootTime
		if state == types.VirtualMachinePowerStatePoweredOn {
			now := time.Now()
			if vm.Runtime.PowerState == state && vm.Runtime.BootTime != nil {
				now = *vm.Runtime.BootTime
			}
			boot = &now
		}
		changes := []types.PropertyChange{
			{Name: "runtime.powerState", Val: state},
			{Name: "summary.runtime.powerState", Val: state},
			{Name: "runtime.bootTime", Val: boot},
			{Name: "summary.runtime.bootTime", Val: boot},
		}
		simulator.Map.Update(vm, changes)

		oldGuest, oldSummary := *vm.Guest, *vm.Summary.Guest
		oldStats := vm.Summary.QuickStats
		g := guestInfo(vm, spec, state == types.VirtualMachinePowerStatePoweredOn)
		vm.Guest = g
		vm.Summary.Guest = guestSummary(g, state == types.VirtualMachinePowerStatePoweredOn)
		vm.GuestHeartbeatStatus = heartbeat(g)
		vm.Summary.QuickStats = vmQuickStats(vm, spec, time.Now())

		changes = diffFields("guest", oldGuest, *g)
		changes = append(changes, diffFields("summary.guest", oldSummary, *vm.Summary.Guest)...)
		changes = append(changes, diffFields("summary.quickStats", oldStats, vm.Summary.QuickStats)...)
		changes = append(changes, types.PropertyChange{Name: "guestHeartbeatStatus", Val: vm.GuestHeartbeatStatus})
		simulator.Map.Update(vm, changes)
	})
	if fault != nil {
		return nil, fault
	}
	if withEvent {
		var ev types.BaseEvent
		verb := "powered off"
		switch state {
		case types.VirtualMachinePowerStatePoweredOn:
			ev, verb = &types.VmPoweredOnEvent{}, "powered on"
		case types.VirtualMachinePowerStateSuspended:
			ev, verb = &types.VmSuspendedEvent{}, "suspended"
		default:
			ev = &types.VmPoweredOffEvent{}
		}
		inv.eventArguments(ev.GetEvent(), vm.Self)
		e := ev.GetEvent()
		host := ""
		if e.Host != nil {
			host = e.Host.Name
		}
		msg := fmt.Sprintf("%s on %s in %s is %s", name, host, inv.datacenter.Name, verb)
		postEvent(ev, r.URL.Query().Get("user"), time.Now(), msg)
	}
	return map[string]interface{}{"vm": name, "state": state}, nil
}

// diffFields returns "prefix.field" changes for the fields of two structs
// that differ, named as in the vSphere API (their XML names).
func diffFields(prefix string, old, new interface{}) []types.PropertyChange {
	ov, nv := reflect.ValueOf(old), reflect.ValueOf(new)
	var changes []types.PropertyChange
	for i := 0; i < nv.NumField(); i++ {
		f := nv.Type().Field(i)
		tag := strings.Split(f.Tag.Get("xml"), ",")[0]
		if f.Anonymous || tag == "" || reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			continue
		}
		fv := nv.Field(i)
		val := fv.Interface()
		switch {
		case (fv.Kind() == reflect.Ptr || fv.Kind() == reflect.Slice) && fv.IsNil():
			val = nil // untyped nil: Map.Update clears the field
		case fv.Kind() == reflect.Ptr:
			val = fv.Elem().Interface() // Map.Update assigns *T fields from T values
		}
		changes = append(changes, types.PropertyChange{Name: prefix + "." + tag, Val: val})
	}
	return changes
}

// datastoreFree sets the free space of a datastore (and keeps it: the
// simulator recomputes free space only on RefreshDatastore).
func (inv *inventory) datastoreFree(r *http.Request) (map[string]interface{}, error) {
	name, err := param(r, "name")
	if err != nil {
		return nil, err
	}
	ds, ok := inv.datastores[name]
	if !ok {
		return nil, notFound("no datastore named %q", name)
	}
	q := r.URL.Query()
	var free int64
	simulator.Map.WithLock(ds, func() {
		switch {
		case q.Get("pct") != "":
			pct, perr := strconv.ParseFloat(q.Get("pct"), 64)
			if perr != nil || pct < 0 || pct > 100 {
				err = badRequest("pct must be a number from 0 to 100")
				return
			}
			free = int64(float64(ds.Summary.Capacity) * pct / 100)
		case q.Get("gb") != "":
			gb, perr := strconv.ParseFloat(q.Get("gb"), 64)
			if perr != nil || gb < 0 || int64(gb*float64(gib)) > ds.Summary.Capacity {
				err = badRequest("gb must be a number from 0 to the capacity")
				return
			}
			free = int64(gb * float64(gib))
		default:
			err = badRequest("give pct or gb")
			return
		}
		info := ds.Info.GetDatastoreInfo()
		info.FreeSpace = free
		info.MaxFileSize = free
		now := time.Now()
		info.Timestamp = &now
		simulator.Map.Update(ds, []types.PropertyChange{
			{Name: "summary.freeSpace", Val: free},
			{Name: "info", Val: ds.Info},
		})
	})
	if err != nil {
		return nil, err
	}
	return map[string]interface{}{"datastore": name, "capacity": ds.Summary.Capacity, "freeSpace": free}, nil
}

// postEventRequest adds an event to the EventManager history.
func (inv *inventory) postEventRequest(r *http.Request) (map[string]interface{}, error) {
	q := r.URL.Query()
	s := eventSpec{
		Type:              q.Get("type"),
		User:              q.Get("user"),
		Entity:            q.Get("entity"),
		EntityType:        q.Get("entity_type"),
		Message:           q.Get("message"),
		Alarm:             q.Get("alarm"),
		From:              q.Get("from"),
		To:                q.Get("to"),
		EventTypeID:       q.Get("event_type_id"),
		Severity:          q.Get("severity"),
		TaskDescriptionID: q.Get("task_description_id"),
		TaskName:          q.Get("task_name"),
	}
	if s.Type == "" {
		s.Type = "GeneralUserEvent"
	}
	if s.Type == "EventEx" && s.EventTypeID == "" {
		s.EventTypeID = "com.example.vcsim.event"
	}
	if s.Type == "EventEx" && s.Severity == "" {
		s.Severity = "info"
	}
	at := time.Now()
	if h := q.Get("hours_ago"); h != "" {
		v, err := strconv.ParseFloat(h, 64)
		if err != nil {
			return nil, badRequest("hours_ago must be a number")
		}
		at = at.Add(-hours(v))
	}
	ev, err := inv.newEvent(s, at)
	if err != nil {
		return nil, err
	}
	key := postEvent(ev, s.User, at, s.Message)
	return map[string]interface{}{"key": key, "type": s.Type}, nil
}

// alarmRequest triggers (red, yellow) or clears (green) an alarm on an entity.
func (inv *inventory) alarmRequest(r *http.Request) (map[string]interface{}, error) {
	q := r.URL.Query()
	name, err := param(r, "entity")
	if err != nil {
		return nil, err
	}
	ref, err := inv.lookup(name, q.Get("entity_type"))
	if err != nil {
		return nil, notFound("%s", err)
	}
	alarmName, err := param(r, "alarm")
	if err != nil {
		return nil, err
	}
	alarm, ok := inv.alarms[alarmName]
	if !ok {
		return nil, notFound("no alarm named %q", alarmName)
	}
	status := types.ManagedEntityStatus(q.Get("status"))
	switch status {
	case types.ManagedEntityStatusRed, types.ManagedEntityStatusYellow, types.ManagedEntityStatusGreen:
	default:
		return nil, badRequest("status must be red, yellow or green")
	}
	if err := inv.setAlarmState(ref, alarm, status, time.Now(), 0); err != nil {
		return nil, err
	}
	return map[string]interface{}{"entity": name, "alarm": alarmName, "status": status}, nil
}

// plant sets a property of an entity to any text, as a hostile or intercepted
// vCenter could send it: overallStatus (an enumeration), a host's
// connectionState (an enumeration) or the name. The entity is still found by
// its original name afterwards.
func (inv *inventory) plant(r *http.Request) (map[string]interface{}, error) {
	q := r.URL.Query()
	name, err := param(r, "name")
	if err != nil {
		return nil, err
	}
	ref, err := inv.lookup(name, q.Get("entity_type"))
	if err != nil {
		return nil, notFound("%s", err)
	}
	prop, err := param(r, "property")
	if err != nil {
		return nil, err
	}
	value := q.Get("value")
	obj := simulator.Map.Get(ref)
	var changes []types.PropertyChange
	switch prop {
	case "overallStatus":
		changes = statusChanges(obj, types.ManagedEntityStatus(value))
	case "connectionState":
		if _, ok := obj.(*simulator.HostSystem); !ok {
			return nil, badRequest("connectionState is planted on hosts only")
		}
		state := types.HostSystemConnectionState(value)
		changes = []types.PropertyChange{
			{Name: "runtime.connectionState", Val: state},
			{Name: "summary.runtime.connectionState", Val: state},
		}
	case "name":
		changes = []types.PropertyChange{{Name: "name", Val: value}}
		switch obj.(type) {
		case *simulator.VirtualMachine:
			changes = append(changes, types.PropertyChange{Name: "summary.config.name", Val: value})
		case *simulator.Datastore:
			changes = append(changes, types.PropertyChange{Name: "summary.name", Val: value})
		}
	default:
		return nil, badRequest("property must be overallStatus, connectionState or name")
	}
	simulator.Map.WithLock(obj, func() {
		simulator.Map.Update(obj, changes)
	})
	return map[string]interface{}{"entity": name, "type": ref.Type, "property": prop, "value": value}, nil
}

// compile-time check: the registry objects used above are entities.
var _ mo.Entity = (*simulator.HostSystem)(nil)
