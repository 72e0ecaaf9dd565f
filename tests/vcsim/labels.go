package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	vapi "github.com/vmware/govmomi/vapi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Tags and custom attributes of the seeded topologies, mirrored by hand in
// tests/vcsim/seed.py (TAG_CATEGORIES, CUSTOM_FIELDS and each topology's
// "tags" and "attributes").
//
// Custom attributes are SOAP: CustomFieldsManager.AddCustomFieldDef and
// SetField, planted while the inventory is built. Tags live in the vSphere
// Automation REST API, which govmomi 0.24 serves from its vapi simulator
// under /rest/com/vmware/cis/... only (no /api): the handler is mounted after
// the server starts (it needs the server's URL) behind a switch that makes
// the tagging service fail on demand (control API: POST /tagging), and the
// tags are planted through it in-process.

// tagCategory is a tag category with the tags it holds.
type tagCategory struct {
	Name, Description, Cardinality string
	Types                          []string // associable types
	Tags                           []string
}

// tagCategories is every simulated vCenter's tag catalog.
var tagCategories = []tagCategory{
	{"Env", "Environment", "SINGLE", []string{"VirtualMachine", "ClusterComputeResource"},
		[]string{"Prod", "DR", "Test", "Lab"}},
	{"App", "Application", "MULTIPLE", []string{"VirtualMachine"},
		[]string{"Web", "Finance", "Database", "Mail", "Infra", "K8s"}},
	{"Backup", "Backup policy", "SINGLE", []string{"VirtualMachine"},
		[]string{"Gold", "Silver", "None"}},
	{"Site", "Data centre site", "SINGLE", []string{"HostSystem"},
		[]string{"Frankfurt", "Hamburg", "Lab"}},
	{"Tier", "Storage tier", "SINGLE", []string{"Datastore"}, []string{"Tier1", "Tier2"}},
	{"Zone", "Network zone", "SINGLE", []string{"Network", "DistributedVirtualPortgroup"},
		[]string{"DMZ", "Internal"}},
}

// customField is a custom attribute definition ("" type: every type).
type customField struct{ Name, MoType string }

// customFields are defined in every simulated vCenter, keys 0, 1, ... in this order.
var customFields = []customField{
	{"Owner", ""},
	{"CostCentre", "VirtualMachine"},
	{"LastBackup", "VirtualMachine"},
	{"Rack", "HostSystem"},
}

// labelled is an object with its tags ("Category:Tag") and attribute values.
type labelled struct {
	Kind  string // vm, host, datastore, cluster or network
	Name  string
	Tags  []string
	Attrs map[string]string
}

// topologyLabels returns the tags and attribute values of a topology.
func topologyLabels(name string) []labelled {
	type a = map[string]string
	switch name {
	case "prod":
		return []labelled{
			{"vm", "web-01", []string{"Env:Prod", "App:Web", "Backup:Gold"},
				a{"Owner": "web-team", "CostCentre": "4100", "LastBackup": "2024-06-02 01:15"}},
			{"vm", "web-02", []string{"Env:Prod", "App:Web", "Backup:Silver"}, nil},
			{"vm", "web-03", []string{"Env:Prod", "App:Web", "Backup:Silver"}, nil},
			{"vm", "app-01", []string{"Env:Prod", "App:Finance", "Backup:Gold"},
				a{"Owner": "finance", "CostCentre": "4711", "LastBackup": "2024-06-02 02:40"}},
			{"vm", "app-02", []string{"Env:Prod", "App:Finance", "Backup:Gold"},
				a{"Owner": "finance", "CostCentre": "4711"}},
			{"vm", "app-03", []string{"Env:Prod", "App:Finance", "App:Web", "Backup:Silver"}, nil},
			{"vm", "db-01", []string{"Env:Prod", "App:Finance", "App:Database", "Backup:Gold"},
				a{"Owner": "dba", "CostCentre": "4711", "LastBackup": "2024-06-02 03:05"}},
			{"vm", "db-02", []string{"Env:Prod", "App:Database", "Backup:Gold"}, nil},
			{"vm", "db-03", []string{"Env:Prod", "App:Database", "Backup:None"}, nil},
			{"vm", "mail-01", []string{"Env:Prod", "App:Mail", "Backup:Silver"}, nil},
			{"vm", "mail-02", []string{"Env:Prod", "App:Mail", "Backup:Silver"}, nil},
			{"vm", "reporting-01", []string{"Env:Prod", "App:Finance", "Backup:Silver"},
				a{"Owner": "finance"}},
			{"vm", "test-01", []string{"Env:Test", "Backup:None"}, a{"Owner": "jdoe"}},
			{"vm", "backup-01", []string{"Env:Prod", "App:Infra"}, nil},
			{"host", "esx-prod-a01.corp.example.com", []string{"Site:Frankfurt"},
				a{"Owner": "infra", "Rack": "FRA-R12-U20"}},
			{"host", "esx-prod-a02.corp.example.com", []string{"Site:Frankfurt"}, nil},
			{"host", "esx-prod-a03.corp.example.com", []string{"Site:Frankfurt"}, nil},
			{"host", "esx-prod-b01.corp.example.com", []string{"Site:Frankfurt"}, a{"Rack": "FRA-R14-U10"}},
			{"host", "esx-prod-b02.corp.example.com", []string{"Site:Frankfurt"}, nil},
			{"cluster", "Prod-Cluster-A", []string{"Env:Prod"}, a{"Owner": "infra"}},
			{"cluster", "Prod-Cluster-B", []string{"Env:Prod"}, nil},
			{"datastore", "prod-ds-01", []string{"Tier:Tier1"}, a{"Owner": "storage-team"}},
			{"datastore", "prod-ds-02", []string{"Tier:Tier1"}, nil},
			{"datastore", "prod-ds-03", []string{"Tier:Tier2"}, nil},
			{"datastore", "prod-nfs-01", []string{"Tier:Tier2"}, nil},
			{"network", "dvpg-prod-web-vlan110", []string{"Zone:DMZ"}, a{"Owner": "network-team"}},
			{"network", "dvpg-prod-app-vlan120", []string{"Zone:Internal"}, nil},
			{"network", "dvpg-prod-db-vlan130", []string{"Zone:Internal"}, nil},
		}
	case "dr":
		return []labelled{
			{"vm", "dr-web-01", []string{"Env:DR", "App:Web", "Backup:Silver"}, nil},
			{"vm", "dr-web-02", []string{"Env:DR", "App:Web", "Backup:Silver"}, nil},
			{"vm", "dr-db-01", []string{"Env:DR", "App:Database", "App:Finance", "Backup:Gold"},
				a{"Owner": "dba", "CostCentre": "4711"}},
			{"vm", "dr-app-01", []string{"Env:DR", "App:Finance", "Backup:Gold"},
				a{"Owner": "finance", "CostCentre": "4711", "LastBackup": "2024-06-01 23:50"}},
			{"vm", "reporting-dr-01", []string{"Env:DR", "App:Finance", "Backup:Silver"}, nil},
			{"vm", "dr-app-02", []string{"Env:DR", "Backup:Silver"}, nil},
			{"vm", "dr-test-01", []string{"Env:Test", "Backup:None"}, a{"Owner": "jdoe"}},
			{"vm", "dr-test-02", []string{"Env:Test", "Backup:None"}, nil},
			{"vm", "srm-01", []string{"Env:DR", "App:Infra"}, nil},
			{"host", "esx-dr-01.corp.example.com", []string{"Site:Hamburg"}, a{"Rack": "HAM-R02-U05"}},
			{"host", "esx-dr-02.corp.example.com", []string{"Site:Hamburg"}, nil},
			{"host", "esx-dr-03.corp.example.com", []string{"Site:Hamburg"}, nil},
			{"cluster", "DR-Cluster", []string{"Env:DR"}, a{"Owner": "infra"}},
			{"datastore", "dr-ds-01", []string{"Tier:Tier1"}, a{"Owner": "storage-team"}},
			{"datastore", "dr-nfs-01", []string{"Tier:Tier2"}, nil},
			{"network", "dvpg-dr-vlan210", []string{"Zone:DMZ"}, nil},
		}
	case "lab":
		return []labelled{
			{"vm", "lab-dc-01", []string{"Env:Lab", "App:Infra"}, nil},
			{"vm", "lab-k8s-01", []string{"Env:Lab", "App:K8s", "Backup:None"},
				a{"Owner": "platform", "CostCentre": "9000"}},
			{"vm", "lab-k8s-02", []string{"Env:Lab", "App:K8s", "Backup:None"}, nil},
			{"vm", "lab-win11-01", []string{"Env:Lab", "Backup:None"}, a{"Owner": "jdoe"}},
			{"vm", "lab-nested-esx-01", []string{"Env:Lab"}, nil},
			{"host", "esx-lab-01.lab.example.com", []string{"Site:Lab"}, a{"Rack": "LAB-R01"}},
			{"datastore", "lab-ds-01", []string{"Tier:Tier2"}, nil},
			{"network", "VM Network", []string{"Zone:Internal"}, nil},
		}
	}
	return nil
}

// labelTypes are the vSphere types of each kind, most likely first.
var labelTypes = map[string][]string{
	"vm": {"VirtualMachine"}, "host": {"HostSystem"}, "datastore": {"Datastore"},
	"cluster": {"ClusterComputeResource"}, "network": {"DistributedVirtualPortgroup", "Network"},
}

// lookupLabelled returns the entity a labelled object names.
func (inv *inventory) lookupLabelled(l labelled) (types.ManagedObjectReference, error) {
	for _, t := range labelTypes[l.Kind] {
		if ref, err := inv.lookup(l.Name, t); err == nil {
			return ref, nil
		}
	}
	return types.ManagedObjectReference{}, fmt.Errorf("no %s named %q", l.Kind, l.Name)
}

// createCustomAttributes defines the custom fields and sets the seeded values
// through the SOAP API (CustomFieldsManager).
func (b *builder) createCustomAttributes() error {
	m, err := object.GetCustomFieldsManager(b.client)
	if err != nil {
		return err
	}
	keys := map[string]int32{}
	for _, f := range customFields {
		def, err := m.Add(b.ctx, f.Name, f.MoType, nil, nil)
		if err != nil {
			return fmt.Errorf("custom field %s: %w", f.Name, err)
		}
		keys[f.Name] = def.Key
	}
	// CustomFieldDef.type is the value type ("string" on vCenter); the 0.24
	// simulator puts the managed object type there, and nothing for a global
	// field, which clients then fail to read (the field is required).
	cfm := simulator.Map.Get(m.Reference()).(*simulator.CustomFieldsManager)
	for i := range cfm.Field {
		cfm.Field[i].Type = "string"
	}
	for _, e := range simulator.Map.All("") {
		fields := e.Entity().AvailableField
		for i := range fields {
			fields[i].Type = "string"
		}
	}
	for _, l := range topologyLabels(b.topo.Name) {
		ref, err := b.lookupLabelled(l)
		if err != nil {
			return err
		}
		for _, f := range customFields { // in definition order: customValue's order
			if v, ok := l.Attrs[f.Name]; ok {
				if err := m.Set(b.ctx, ref, keys[f.Name], v); err != nil {
					return fmt.Errorf("%s %s: %w", l.Name, f.Name, err)
				}
			}
		}
	}
	return nil
}

// setAttribute sets one custom attribute value as vCenter does: replacing
// any earlier value of the field (the 0.24 simulator's SetField appends) and
// notifying property collectors (SetField does not).
func setAttribute(ref types.ManagedObjectReference, field, value string) error {
	content := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	m := simulator.Map.Get(*content.CustomFieldsManager).(*simulator.CustomFieldsManager)
	key := int32(-1)
	for _, f := range m.Field {
		if f.Name == field {
			key = f.Key
		}
	}
	if key < 0 {
		return notFound("no custom field named %q", field)
	}
	obj := simulator.Map.Get(ref)
	entity, ok := obj.(mo.Entity)
	if !ok {
		return notFound("%s is not a managed entity", ref)
	}
	simulator.Map.WithLock(obj, func() {
		e := entity.Entity()
		var values []types.BaseCustomFieldValue
		for _, v := range e.CustomValue {
			if v.GetCustomFieldValue().Key != key {
				values = append(values, v)
			}
		}
		if value != "" {
			values = append(values, &types.CustomFieldStringValue{
				CustomFieldValue: types.CustomFieldValue{Key: key}, Value: value})
		}
		simulator.Map.Update(obj, []types.PropertyChange{
			{Name: "customValue", Val: values}, {Name: "value", Val: values}})
	})
	return nil
}

// attributeRequest serves POST /attribute?entity=NAME[&entity_type=T]&field=F&value=V
// (an empty value removes it).
func (inv *inventory) attributeRequest(r *http.Request) (map[string]interface{}, error) {
	q := r.URL.Query()
	name, err := param(r, "entity")
	if err != nil {
		return nil, err
	}
	field, err := param(r, "field")
	if err != nil {
		return nil, err
	}
	ref, err := inv.lookup(name, q.Get("entity_type"))
	if err != nil {
		return nil, notFound("%s", err)
	}
	if err := setAttribute(ref, field, q.Get("value")); err != nil {
		return nil, err
	}
	return map[string]interface{}{"entity": name, "field": field, "value": q.Get("value")}, nil
}

// tagging is the vAPI handler behind a switch that can make it fail.
type tagging struct {
	handler http.Handler
	mu      sync.Mutex
	status  int    // 0: serve; else answer every tagging request with it
	session bool   // the failure includes logging in
	message string // the vAPI error message
}

// failing returns the status and message to answer r with (0: serve it).
func (t *tagging) failing(r *http.Request) (int, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.status == 0 || (!t.session && strings.HasSuffix(r.URL.Path, "/com/vmware/cis/session")) {
		return 0, ""
	}
	return t.status, t.message
}

func (t *tagging) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, message := t.failing(r)
	if status == 0 {
		t.handler.ServeHTTP(w, r)
		return
	}
	kind := "com.vmware.vapi.std.errors.service_unavailable"
	switch status {
	case http.StatusUnauthorized:
		kind = "com.vmware.vapi.std.errors.unauthenticated"
	case http.StatusForbidden:
		kind = "com.vmware.vapi.std.errors.unauthorized"
	}
	body := map[string]interface{}{"type": kind, "value": map[string]interface{}{
		"messages": []map[string]string{{"id": "vcsim.tagging", "default_message": message}}}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// taggingRequest serves POST /tagging?status=N[&session=true][&message=M]:
// status 0 serves normally again.
func (t *tagging) taggingRequest(r *http.Request) (map[string]interface{}, error) {
	q := r.URL.Query()
	status, err := strconv.Atoi(q.Get("status"))
	if err != nil || (status != 0 && (status < 400 || status > 599)) {
		return nil, badRequest("status must be 0 or an HTTP error status")
	}
	session, _ := strconv.ParseBool(q.Get("session"))
	message := q.Get("message")
	if message == "" {
		message = http.StatusText(status)
	}
	t.mu.Lock()
	t.status, t.session, t.message = status, session, message
	t.mu.Unlock()
	return map[string]interface{}{"status": status, "session": session}, nil
}

// serveTagging mounts the vAPI simulator at /rest and plants the seeded tags.
func serveTagging(service *simulator.Service, inv *inventory) (*tagging, error) {
	path, handler := vapi.New(service.Listen, simulator.Map.OptionManager().Setting)
	t := &tagging{handler: handler}
	service.Handle(path, t)
	if err := plantTags(handler, inv); err != nil {
		return nil, err
	}
	return t, nil
}

// plantTags creates the catalog and the seeded associations through the REST
// API, in-process.
func plantTags(h http.Handler, inv *inventory) error {
	var session string
	call := func(method, path string, body interface{}) (json.RawMessage, error) {
		var data []byte
		if body != nil {
			data, _ = json.Marshal(body)
		}
		req := httptest.NewRequest(method, "/rest"+path, bytes.NewReader(data))
		if session == "" {
			req.SetBasicAuth("vcsim", "vcsim")
		} else {
			req.Header.Set("vmware-api-session-id", session)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("%s %s: HTTP %d %s", method, path, rec.Code, rec.Body.String())
		}
		if rec.Body.Len() == 0 {
			return nil, nil
		}
		var answer struct {
			Value json.RawMessage `json:"value"`
		}
		err := json.Unmarshal(rec.Body.Bytes(), &answer)
		return answer.Value, err
	}
	id := func(raw json.RawMessage, err error) (string, error) {
		var s string
		if err == nil {
			err = json.Unmarshal(raw, &s)
		}
		return s, err
	}
	var err error
	if session, err = id(call(http.MethodPost, "/com/vmware/cis/session", nil)); err != nil {
		return err
	}
	tagIDs := map[string]string{} // "Category:Tag" -> id
	for _, c := range tagCategories {
		cid, err := id(call(http.MethodPost, "/com/vmware/cis/tagging/category", map[string]interface{}{
			"create_spec": map[string]interface{}{"name": c.Name, "description": c.Description,
				"cardinality": c.Cardinality, "associable_types": c.Types}}))
		if err != nil {
			return err
		}
		for _, tag := range c.Tags {
			tid, err := id(call(http.MethodPost, "/com/vmware/cis/tagging/tag", map[string]interface{}{
				"create_spec": map[string]interface{}{"name": tag, "category_id": cid,
					"description": c.Description + " " + tag}}))
			if err != nil {
				return err
			}
			tagIDs[c.Name+":"+tag] = tid
		}
	}
	for _, l := range topologyLabels(inv.topo.Name) {
		ref, err := inv.lookupLabelled(l)
		if err != nil {
			return err
		}
		for _, tag := range l.Tags {
			tid, ok := tagIDs[tag]
			if !ok {
				return fmt.Errorf("%s: unknown tag %q", l.Name, tag)
			}
			_, err := call(http.MethodPost, "/com/vmware/cis/tagging/tag-association/id:"+tid+"?~action=attach",
				map[string]interface{}{"object_id": map[string]string{"type": ref.Type, "id": ref.Value}})
			if err != nil {
				return err
			}
		}
	}
	_, err = call(http.MethodDelete, "/com/vmware/cis/session", nil)
	return err
}
