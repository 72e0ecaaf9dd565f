// Command vcsim serves a seeded, deterministic vCenter Server simulator for
// the vCompanion test-suite, built on govmomi's simulator package (0.24).
//
// It serves the vSphere API over TLS with one fixed login (or, with
// -any-user, any non-empty user name and password: a vCenter that accepts a
// user the others refuse), plus a small HTTP control API on loopback for
// state the vSphere API cannot change and a count of the Login calls. When ready
// it prints one JSON line on stdout:
//
//	{"url": "https://127.0.0.1:PORT/sdk", "host": "127.0.0.1", "port": PORT,
//	 "control": "http://127.0.0.1:CPORT", "cert": "PATH or empty"}
//
// It exits on SIGTERM or SIGINT, and when its stdin is closed (so that a
// simulator started by a test process dies with it).
//
// Build (from the repository root):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$PWD/.cache/go-build \
//	    go build -o .cache/vcsim/vcsim ./tests/vcsim
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

// logf writes a progress message to stderr.
var logf = log.New(os.Stderr, "vcsim: ", log.LstdFlags|log.Lmicroseconds).Printf

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vcsim:", err)
		os.Exit(1)
	}
}

func run() error {
	topologyName := flag.String("topology", "prod", "inventory to serve: prod, dr, lab or large")
	vms := flag.Int("vms", 6000, "number of VMs of the large topology")
	listen := flag.String("listen", "127.0.0.1:0", "address of the vSphere API (HTTPS)")
	username := flag.String("username", "vcadmin@vsphere.local", "the only user name accepted by Login")
	password := flag.String("password", "Sim-Passw0rd!", "the only password accepted by Login")
	anyUser := flag.Bool("any-user", false, "accept any non-empty user name and password (not only -username / -password)")
	control := flag.String("control", "127.0.0.1:0", "loopback address of the control API (HTTP)")
	certOut := flag.String("cert-out", "", "write the server's TLS certificate (PEM) to this file")
	dataDir := flag.String("data-dir", "", "parent directory for the datastore files (default: system temp dir)")
	sessionIdle := flag.Duration("session-idle", 0, "expire API sessions idle this long (0 = never)")
	quiet := flag.Bool("quiet", false, "discard the simulator library's log messages")
	flag.Parse()

	if *quiet {
		log.SetOutput(io.Discard) // the simulator package logs through the standard logger
	}
	if *vms < 0 {
		return fmt.Errorf("-vms must not be negative")
	}

	topo, err := topologyByName(*topologyName, *vms)
	if err != nil {
		return err
	}
	controlAddr, err := net.ResolveTCPAddr("tcp", *control)
	if err != nil || !controlAddr.IP.IsLoopback() {
		return fmt.Errorf("-control must be a loopback address, got %q", *control)
	}
	listenHost, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}

	dir, err := os.MkdirTemp(*dataDir, "vcsim-"+topo.Name+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Build the inventory.
	started := time.Now()
	model := simulator.VPX()
	model.Datacenter, model.Portgroup, model.Host, model.Cluster = 0, 0, 0, 0
	model.ClusterHost, model.Datastore, model.Machine = 0, 0, 0
	model.Autostart = false
	preparePerfCatalog(topo.Name)
	if err := model.Create(); err != nil {
		return err
	}
	inv, err := buildInventory(model, topo, dir)
	if err != nil {
		return err
	}
	inv.perf = installPerf(inv)
	logf("built topology %s: %d hosts, %d datastores, %d VMs in %s",
		topo.Name, len(inv.hosts), len(inv.datastores), len(inv.vms), time.Since(started).Round(time.Millisecond))
	simulator.SessionIdleTimeout = *sessionIdle

	// Serve the vSphere API over TLS with the fixed login.
	cert, certPEM, err := newCertificate("vcsim-"+topo.Name+".vcompanion.test", net.ParseIP(listenHost))
	if err != nil {
		return err
	}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	user := url.UserPassword(*username, *password)
	if *anyUser {
		user = simulator.DefaultLogin // the simulator then accepts every user
	}
	model.Service.Listen = &url.URL{Host: *listen, User: user}
	server := model.Service.NewServer()
	// Count Login calls (GET /logins). The port is not announced yet, so no
	// request can be in flight while the handler is replaced.
	server.Config.Handler = logins.wrap(server.Config.Handler)
	tags, err := serveTagging(model.Service, inv)
	if err != nil {
		server.Close()
		return fmt.Errorf("tags: %w", err)
	}
	if *certOut != "" {
		if err := os.WriteFile(*certOut, certPEM, 0o644); err != nil {
			server.Close()
			return err
		}
	}

	// Serve the control API.
	ln, err := net.Listen("tcp", controlAddr.String())
	if err != nil {
		server.Close()
		return err
	}
	ctl := &http.Server{Handler: controlHandler(inv, tags), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ctl.Serve(ln) }()

	// Announce readiness.
	host, port, _ := net.SplitHostPort(server.Listener.Addr().String())
	portNum, _ := strconv.Atoi(port)
	ready := map[string]interface{}{
		"url":     (&url.URL{Scheme: "https", Host: net.JoinHostPort(host, port), Path: "/sdk"}).String(),
		"host":    host,
		"port":    portNum,
		"control": "http://" + ln.Addr().String(),
		"cert":    *certOut,
	}
	line, _ := json.Marshal(ready)
	if _, err := fmt.Fprintf(os.Stdout, "%s\n", line); err != nil {
		return err
	}
	_ = os.Stdout.Sync()
	logf("ready in %s: %s", time.Since(started).Round(time.Millisecond), line)

	reason := waitForShutdown()
	logf("stopping (%s)", reason)
	_ = ctl.Close()
	closeWithin(server, 3*time.Second)
	return nil
}

// waitForShutdown blocks until SIGTERM/SIGINT or the end of stdin.
func waitForShutdown() string {
	done := make(chan string, 2)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { done <- (<-signals).String() }()
	if watchStdin() {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			done <- "stdin closed"
		}()
	}
	return <-done
}

// watchStdin reports whether stdin can tell us that our parent went away:
// not when it is /dev/null (e.g. a background job), which is always at EOF.
func watchStdin() bool {
	in, err := os.Stdin.Stat()
	if err != nil {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(in, null)
}

// closeWithin closes the server, giving up after d: Close waits for every
// active request, and a client may be blocked in WaitForUpdates.
func closeWithin(s *simulator.Server, d time.Duration) {
	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}
