// govmomi_retrieve: the Go side of benchmarks/bench_collect.py.
//
// Logs into a vCenter (or the simulator) with govmomi, creates a
// ContainerView over the root folder and reads the property paths given in
// -spec (JSON: {"VirtualMachine": ["name", ...], ...}) with one
// RetrievePropertiesEx, following ContinueRetrievePropertiesEx tokens: the
// same request vCompanion sends. The response is decoded by govmomi into its
// typed objects (types.ObjectContent with typed values). Each repetition
// starts from a fresh client (login included) and prints one JSON line.
//
// Build like the simulator (no modules, Debian's govmomi source):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o govmomi_retrieve .
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sort"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

type result struct {
	LoginSeconds    float64 `json:"login_seconds"`
	RetrieveSeconds float64 `json:"retrieve_seconds"`
	TotalSeconds    float64 `json:"total_seconds"`
	Objects         int     `json:"objects"`
	Properties      int     `json:"properties"`
	Pages           int     `json:"pages"`
}

func main() {
	rawURL := flag.String("url", "", "https://user:password@host:port/sdk")
	insecure := flag.Bool("insecure", true, "skip TLS verification (simulator)")
	specPath := flag.String("spec", "", "JSON file: type -> property paths")
	repeat := flag.Int("repeat", 1, "repetitions, each with a fresh login")
	flag.Parse()

	u, err := url.Parse(*rawURL)
	if err != nil || *specPath == "" {
		fmt.Fprintln(os.Stderr, "usage: govmomi_retrieve -url URL -spec FILE [-repeat N]")
		os.Exit(2)
	}
	if env := os.Getenv("GOVMOMI_PASSWORD"); env != "" && u.User != nil {
		u.User = url.UserPassword(u.User.Username(), env)
	}
	raw, err := os.ReadFile(*specPath)
	check(err)
	var spec map[string][]string
	check(json.Unmarshal(raw, &spec))

	for i := 0; i < *repeat; i++ {
		r, err := once(u, *insecure, spec)
		check(err)
		out, _ := json.Marshal(r)
		fmt.Println(string(out))
	}
}

func once(u *url.URL, insecure bool, spec map[string][]string) (*result, error) {
	ctx := context.Background()
	started := time.Now()
	client, err := govmomi.NewClient(ctx, u, insecure)
	if err != nil {
		return nil, err
	}
	defer client.Logout(ctx)
	login := time.Since(started)

	retrieveStart := time.Now()
	var kinds []string
	for kind := range spec {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	v, err := view.NewManager(client.Client).CreateContainerView(ctx, client.ServiceContent.RootFolder, kinds, true)
	if err != nil {
		return nil, err
	}
	defer v.Destroy(ctx)

	var propSet []types.PropertySpec
	for _, kind := range kinds {
		propSet = append(propSet, types.PropertySpec{Type: kind, PathSet: spec[kind]})
	}
	req := types.RetrievePropertiesEx{
		This: client.PropertyCollector().Reference(),
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{
				Obj:  v.Reference(),
				Skip: types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{
					SelectionSpec: types.SelectionSpec{Name: "view"},
					Type:          "ContainerView", Path: "view", Skip: types.NewBool(false),
				}},
			}},
			PropSet: propSet,
		}},
		Options: types.RetrieveOptions{MaxObjects: 1000},
	}
	res := &result{LoginSeconds: login.Seconds()}
	page, err := methods.RetrievePropertiesEx(ctx, client.Client, &req)
	if err != nil {
		return nil, err
	}
	ret := page.Returnval
	for ret != nil {
		res.Pages++
		for _, oc := range ret.Objects {
			res.Objects++
			res.Properties += len(oc.PropSet)
		}
		if ret.Token == "" {
			break
		}
		next, err := methods.ContinueRetrievePropertiesEx(ctx, client.Client,
			&types.ContinueRetrievePropertiesEx{This: req.This, Token: ret.Token})
		if err != nil {
			return nil, err
		}
		ret = &next.Returnval
	}
	res.RetrieveSeconds = time.Since(retrieveStart).Seconds()
	res.TotalSeconds = time.Since(started).Seconds()
	return res, nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "govmomi_retrieve:", err)
		os.Exit(1)
	}
}
