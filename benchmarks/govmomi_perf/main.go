// govmomi_perf: the Go side of benchmarks/bench_metrics.py.
//
// For each vCenter given (-url, repeatable, read in parallel), logs in with
// govmomi, reads the counter catalog and the server's time through govmomi's
// performance.Manager, and asks the realtime samples of the last -window
// seconds of the given counters for the given entities (-entities: JSON
// {"VirtualMachine": [moid, ...], "HostSystem": [...]}): the same QueryPerf
// requests vCompanion sends (-batch metrics per query, -concurrency queries
// in flight). Each answer is decoded by govmomi into its types and named by
// performance.Manager.ToMetricSeries; then every series' average and maximum
// is computed in the counter's unit (percent / 100), as vCompanion's
// performance() does. Prints one JSON line per repetition: seconds (after
// login), values, series, queries, and the process's CPU seconds so far.
//
// Build like the simulator (no modules, Debian's govmomi source):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o govmomi_perf .
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/performance"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

type urls []string

func (u *urls) String() string     { return strings.Join(*u, ",") }
func (u *urls) Set(v string) error { *u = append(*u, v); return nil }

type result struct {
	LoginSeconds float64 `json:"login_seconds"`
	ReadSeconds  float64 `json:"read_seconds"`
	Values       int     `json:"values"`
	Series       int     `json:"series"`
	Queries      int     `json:"queries"`
	CPUSeconds   float64 `json:"cpu_seconds"`
}

func main() {
	var targets urls
	flag.Var(&targets, "url", "https://user:password@host:port/sdk (repeat for several vCenters)")
	entitiesPath := flag.String("entities", "", "JSON file: entity type -> moids")
	counters := flag.String("counters", "", "comma-separated counter names")
	window := flag.Int("window", 900, "seconds of realtime samples")
	batch := flag.Int("batch", 2222, "metrics (entity x counter) per QueryPerf")
	concurrency := flag.Int("concurrency", 4, "queries in flight per vCenter")
	repeat := flag.Int("repeat", 1, "repetitions, each with a fresh login")
	flag.Parse()
	if len(targets) == 0 || *entitiesPath == "" || *counters == "" {
		fmt.Fprintln(os.Stderr, "usage: govmomi_perf -url URL [-url URL ...] -entities FILE -counters a,b")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*entitiesPath)
	check(err)
	var entities map[string][]string
	check(json.Unmarshal(raw, &entities))
	names := strings.Split(*counters, ",")

	for i := 0; i < *repeat; i++ {
		var wg sync.WaitGroup
		results := make([]*result, len(targets))
		errs := make([]error, len(targets))
		started := time.Now()
		for j, target := range targets {
			wg.Add(1)
			go func(j int, target string) {
				defer wg.Done()
				results[j], errs[j] = once(target, entities, names, int32(*window), *batch, *concurrency)
			}(j, target)
		}
		wg.Wait()
		total := &result{}
		for j := range targets {
			check(errs[j])
			total.Values += results[j].Values
			total.Series += results[j].Series
			total.Queries += results[j].Queries
			if results[j].LoginSeconds > total.LoginSeconds {
				total.LoginSeconds = results[j].LoginSeconds
			}
		}
		// wall time after the slowest login, as vCompanion's figures exclude login
		total.ReadSeconds = time.Since(started).Seconds() - total.LoginSeconds
		total.CPUSeconds = cpuSeconds()
		out, _ := json.Marshal(total)
		fmt.Println(string(out))
	}
}

func once(target string, entities map[string][]string, names []string, window int32, batch, concurrency int) (*result, error) {
	ctx := context.Background()
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	client, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		return nil, err
	}
	defer client.Logout(ctx)
	res := &result{LoginSeconds: time.Since(started).Seconds()}

	readStart := time.Now()
	m := performance.NewManager(client.Client)
	info, err := m.CounterInfoByName(ctx)
	if err != nil {
		return nil, err
	}
	now, err := methods.GetCurrentTime(ctx, client.Client)
	if err != nil {
		return nil, err
	}
	start := now.Add(-time.Duration(window) * time.Second)
	var ids []types.PerfMetricId
	for _, name := range names {
		if c, ok := info[name]; ok {
			ids = append(ids, types.PerfMetricId{CounterId: c.Key})
		}
	}

	type pair struct {
		kind, moid string
		id         types.PerfMetricId
	}
	var batches [][]pair
	for _, kind := range []string{"VirtualMachine", "HostSystem"} {
		var current []pair
		for _, moid := range entities[kind] {
			for _, id := range ids {
				current = append(current, pair{kind, moid, id})
				if len(current) == batch {
					batches = append(batches, current)
					current = nil
				}
			}
		}
		if len(current) > 0 {
			batches = append(batches, current)
		}
	}

	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, b := range batches {
		wg.Add(1)
		sem <- struct{}{}
		go func(b []pair) {
			defer wg.Done()
			defer func() { <-sem }()
			var specs []types.PerfQuerySpec
			for _, p := range b {
				n := len(specs)
				if n == 0 || specs[n-1].Entity.Value != p.moid {
					specs = append(specs, types.PerfQuerySpec{
						Entity:    types.ManagedObjectReference{Type: p.kind, Value: p.moid},
						StartTime: &start, EndTime: now,
						MaxSample:  window / 20,
						IntervalId: 20,
					})
					n++
				}
				specs[n-1].MetricId = append(specs[n-1].MetricId, p.id)
			}
			answer, err := m.Query(ctx, specs)
			if err == nil {
				var series []performance.EntityMetric
				series, err = m.ToMetricSeries(ctx, answer)
				values, count := summarize(series, info)
				mu.Lock()
				res.Values += values
				res.Series += count
				res.Queries++
				mu.Unlock()
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(b)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	res.ReadSeconds = time.Since(readStart).Seconds()
	return res, nil
}

// summarize computes every series' average and maximum in the counter's unit.
func summarize(series []performance.EntityMetric, info map[string]*types.PerfCounterInfo) (int, int) {
	values, count := 0, 0
	for _, em := range series {
		for _, s := range em.Value {
			scale := 1.0
			if c, ok := info[s.Name]; ok && c.UnitInfo.GetElementDescription().Key == "percent" {
				scale = 0.01
			}
			sum, max, n := 0.0, -1.0, 0
			for _, v := range s.Value {
				if v < 0 {
					continue
				}
				f := float64(v) * scale
				sum += f
				if f > max {
					max = f
				}
				n++
			}
			if n > 0 {
				_ = sum / float64(n)
			}
			values += len(s.Value)
			count++
		}
	}
	return values, count
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "govmomi_perf:", err)
		os.Exit(1)
	}
}
