package main

// The control API of the simulated PerformanceManager (perf.go).

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// Control API:
//
//	POST /perf/limit?max=N[&advertise=true]  fault historical queries above N metrics
//	                                         (advertise: also set the OptionManager setting)
//	POST /perf/fail?mode=none|fault|delay[&seconds=S]
//	GET  /perf/queries[?clear=true]          the QueryPerf calls received
func (m *perfManager) routes(mux *http.ServeMux) {
	mux.HandleFunc("/perf/limit", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, func(r *http.Request) (map[string]interface{}, error) {
			n, err := strconv.Atoi(r.URL.Query().Get("max"))
			if err != nil || n < 0 {
				return nil, badRequest("max must be a number >= 0")
			}
			m.mu.Lock()
			m.limit = n
			m.mu.Unlock()
			if r.URL.Query().Get("advertise") == "true" {
				m.advertise(n)
			}
			return map[string]interface{}{"max": n}, nil
		})
	})
	mux.HandleFunc("/perf/fail", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, func(r *http.Request) (map[string]interface{}, error) {
			mode := r.URL.Query().Get("mode")
			if mode == "none" {
				mode = ""
			}
			if mode != "" && mode != "fault" && mode != "delay" {
				return nil, badRequest("mode must be none, fault or delay")
			}
			seconds, _ := strconv.ParseFloat(r.URL.Query().Get("seconds"), 64)
			m.mu.Lock()
			m.fail, m.delay = mode, time.Duration(seconds*float64(time.Second))
			m.mu.Unlock()
			return map[string]interface{}{"mode": mode}, nil
		})
	})
	mux.HandleFunc("/perf/queries", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, func(r *http.Request) (map[string]interface{}, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			out := append([]perfQueryRecord{}, m.queries...)
			if r.URL.Query().Get("clear") == "true" {
				m.queries = nil
			}
			return map[string]interface{}{"queries": out}, nil
		})
	})
}

// advertise sets config.vpxd.stats.maxQueryMetrics in the OptionManager.
func (m *perfManager) advertise(n int) {
	content := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	om := simulator.Map.Get(*content.Setting).(*simulator.OptionManager)
	simulator.Map.WithLock(om, func() {
		for _, opt := range om.Setting {
			if v := opt.GetOptionValue(); v.Key == maxQueryMetricsKey {
				v.Value = strconv.Itoa(n)
				return
			}
		}
		om.Setting = append(om.Setting, &types.OptionValue{Key: maxQueryMetricsKey, Value: strconv.Itoa(n)})
	})
}
