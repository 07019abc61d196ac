package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"k8s.io/apimachinery/pkg/labels"

	stokemetrics "github.com/stokehq/stoke/internal/metrics"
	"github.com/stokehq/stoke/internal/testenv"
)

// operatorProcess is `stoke operator` running as a separate process with a configuration file, as in
// production.
type operatorProcess struct {
	cmd         *exec.Cmd
	metricsURL  string
	clockTicks  float64
	configYAML  string
	startedWall time.Time
	pprofURL    string        // empty unless started with pprof
	exited      chan struct{} // closed when the process has ended
}

var freePort = testenv.FreePort

// servedLabel marks the namespaces the operator serves (its namespace selector): all but the plain
// client's, whose SparkApplications it must leave alone.
var servedLabel = map[string]string{"stoke.dev/bench": "operator"}

// operatorOptions vary the operator processes the chaos suite runs: several replicas (each its own name,
// configuration and log) and more configuration.
type operatorOptions struct {
	name    string
	workers int
	// extraConfig is appended to the configuration file (YAML).
	extraConfig string
	// pprof serves the operator's profiler on a loopback port (heapProfile reads it).
	pprof bool
}

func startOperatorWith(ctx context.Context, stokeBin, dir, kubeconfig string, o operatorOptions) (*operatorProcess, error) {
	mport, err := freePort()
	if err != nil {
		return nil, err
	}
	hport, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("metricsAddress: 127.0.0.1:%d\nhealthAddress: 127.0.0.1:%d\nnamespaceSelector: %s\n", mport, hport, labels.SelectorFromSet(servedLabel))
	if o.workers > 0 {
		cfg += fmt.Sprintf("workers: %d\n", o.workers)
	}
	pprofURL := ""
	if o.pprof {
		pport, err := freePort()
		if err != nil {
			return nil, err
		}
		cfg += fmt.Sprintf("pprofAddress: 127.0.0.1:%d\n", pport)
		pprofURL = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", pport)
	}
	cfg += o.extraConfig
	cfgPath := filepath.Join(dir, o.name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, stokeBin, "operator", "--config", cfgPath, "--kubeconfig", kubeconfig)
	// Appended to: the chaos suite starts the same replica again after killing it.
	logf, err := os.OpenFile(filepath.Join(dir, o.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the bench
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s operator: %w", stokeBin, err)
	}
	logf.Close() // the child holds its own descriptor
	op := &operatorProcess{cmd: cmd, metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", mport), clockTicks: 100,
		configYAML: cfg, startedWall: time.Now(), pprofURL: pprofURL}
	op.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(op.exited) }()
	healthz := fmt.Sprintf("http://127.0.0.1:%d/readyz", hport)
	err = waitUntil(60*time.Second, "the operator to be ready", func() bool {
		select {
		case <-op.exited:
			return true
		default:
		}
		resp, err := http.Get(healthz)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	select {
	case <-op.exited:
		return op, fmt.Errorf("the operator %s exited while starting (see %s.log)", o.name, o.name)
	default:
	}
	return op, err
}

func (o *operatorProcess) stop() {
	if o.cmd.Process != nil {
		_ = o.cmd.Process.Signal(os.Interrupt)
		select {
		case <-o.exited:
		case <-time.After(10 * time.Second):
			o.kill()
		}
	}
}

// kill ends the operator with SIGKILL, as a node failure or the OOM killer would, and waits for it.
func (o *operatorProcess) kill() {
	if o.cmd.Process != nil {
		_ = o.cmd.Process.Kill()
		<-o.exited
	}
}

// heapProfile saves the operator's heap profile, taken after a garbage collection, to path (read it with
// go tool pprof -sample_index=inuse_space).
func (o *operatorProcess) heapProfile(path string) error {
	return o.profile("heap?gc=1", time.Minute, path)
}

// cpuProfile saves a CPU profile of the operator's next d to path (go tool pprof -top).
func (o *operatorProcess) cpuProfile(d time.Duration, path string) error {
	return o.profile(fmt.Sprintf("profile?seconds=%d", int(d.Seconds())), d+time.Minute, path)
}

// cpuProfileInBackground starts a CPU profile of the operator's next d and returns a wait for it; a profile
// that could not be taken is logged, not an error (the measurement goes on without it).
func (o *operatorProcess) cpuProfileInBackground(d time.Duration, path string) (wait func()) {
	done := make(chan error, 1)
	go func() { done <- o.cpuProfile(d, path) }()
	return func() {
		if err := <-done; err != nil {
			logf("no CPU profile %s: %v", filepath.Base(path), err)
		}
	}
}

// profile saves what the operator's profiler serves under name to path.
func (o *operatorProcess) profile(name string, timeout time.Duration, path string) error {
	if o.pprofURL == "" {
		return fmt.Errorf("the operator was started without pprof")
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: timeout}
	resp, err := c.Get(o.pprofURL + name)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", name, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// procSample is the operator's CPU time and memory from /proc/<pid>.
type procSample struct {
	CPUSeconds float64 `json:"cpuSeconds"`
	// ChildCPUSeconds is the CPU time of the process's children that ended (kubeflow's spark-submit JVMs).
	ChildCPUSeconds float64 `json:"childCPUSeconds,omitempty"`
	RSSBytes        int64   `json:"rssBytes"`
	PeakRSS         int64   `json:"peakRSSBytes"`
}

func (o *operatorProcess) proc() (procSample, error) {
	return readProc(o.cmd.Process.Pid, o.clockTicks)
}

func readProc(pid int, ticks float64) (procSample, error) {
	var s procSample
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the parenthesised command: state is field 3; utime and stime are fields 14 and 15.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
	f := strings.Fields(rest)
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	s.CPUSeconds = (utime + stime) / ticks
	cutime, _ := strconv.ParseFloat(f[13], 64)
	cstime, _ := strconv.ParseFloat(f[14], 64)
	s.ChildCPUSeconds = (cutime + cstime) / ticks
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		kb := func() int64 {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v * 1024
		}
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			s.RSSBytes = kb()
		case strings.HasPrefix(line, "VmHWM:"):
			s.PeakRSS = kb()
		}
	}
	return s, nil
}

// settledRSS waits for the idle operator's RSS to stop falling (the Go runtime forces a collection every
// 2 minutes and returns freed pages to the OS gradually): it samples every 5 s and returns once 30 s of
// samples lowered it by less than 1%, or after 150 s.
func (o *operatorProcess) settledRSS() (int64, error) {
	return settle(func() (int64, error) {
		p, err := o.proc()
		return p.RSSBytes, err
	}, 6, 30, func() { time.Sleep(5 * time.Second) })
}

// settle samples until the last `window` samples lowered the value by less than 1% of where that window
// began, or until `limit` samples were taken, and returns the last sample.
func settle(sample func() (int64, error), window, limit int, wait func()) (int64, error) {
	var seen []int64
	for {
		v, err := sample()
		if err != nil {
			return 0, err
		}
		seen = append(seen, v)
		if n := len(seen); n > window {
			if first := seen[n-1-window]; float64(first-v) < 0.01*float64(first) {
				return v, nil
			}
		}
		if len(seen) >= limit {
			return v, nil
		}
		wait()
	}
}

// scrape reads /metrics n times, as Prometheus would, and measures each scrape and the series served.
func (o *operatorProcess) scrape(n int) (*scrapeResult, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	res := &scrapeResult{Scrapes: n}
	var took []float64
	for range n {
		start := time.Now()
		resp, err := c.Get(o.metricsURL)
		if err != nil {
			return nil, fmt.Errorf("scraping the operator: %w", err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("scraping the operator: %w", err)
		}
		took = append(took, float64(time.Since(start).Microseconds())/1000)
		res.Series = 0
		for _, line := range bytes.Split(body, []byte("\n")) {
			if len(line) > 0 && line[0] != '#' {
				res.Series++
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	slices.Sort(took)
	res.P50Ms, res.MaxMs = took[len(took)/2], took[len(took)-1]
	return res, nil
}

// operatorMetrics are the figures the bench reads from the operator's /metrics.
type operatorMetrics struct {
	Goroutines float64            `json:"goroutines"`
	Reconciles float64            `json:"reconciles"`
	QueueDepth float64            `json:"queueDepth"`
	Requests   map[string]float64 `json:"requests"` // "verb resource" -> count
	// Leader: this replica holds the leader-election lease (with leader election on).
	Leader bool `json:"leader,omitempty"`
}

func (o *operatorProcess) metrics() (operatorMetrics, error) {
	m := operatorMetrics{Requests: map[string]float64{}}
	// No keep-alive: an idle connection would be a goroutine in the operator that the bench put there.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(o.metricsURL)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return m, fmt.Errorf("parsing operator metrics: %w", err)
	}
	label := func(mt *dto.Metric, name string) string {
		for _, l := range mt.GetLabel() {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return ""
	}
	if f := families["leader_election_master_status"]; f != nil {
		for _, mt := range f.Metric {
			m.Leader = m.Leader || mt.GetGauge().GetValue() == 1
		}
	}
	if f := families["go_goroutines"]; f != nil && len(f.Metric) > 0 {
		m.Goroutines = f.Metric[0].GetGauge().GetValue()
	}
	if f := families["controller_runtime_reconcile_total"]; f != nil {
		for _, mt := range f.Metric {
			if label(mt, "controller") == "sparkapplication" {
				m.Reconciles += mt.GetCounter().GetValue()
			}
		}
	}
	if f := families["workqueue_depth"]; f != nil {
		for _, mt := range f.Metric {
			if label(mt, "name") == "sparkapplication" {
				m.QueueDepth += mt.GetGauge().GetValue()
			}
		}
	}
	if f := families["stoke_operator_api_requests_total"]; f != nil {
		for _, mt := range f.Metric {
			m.Requests[label(mt, "verb")+" "+label(mt, "resource")] += mt.GetCounter().GetValue()
		}
	}
	return m, nil
}

// requestDelta is after minus before, per "verb resource".
func requestDelta(before, after operatorMetrics) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after.Requests {
		if x := v - before.Requests[k]; x > 0 {
			d[k] = x
		}
	}
	return d
}

// objectWrites sums the writes to the application's own objects (pods, ConfigMaps, Services,
// SparkApplications and their subresources): what the happy-path target counts. Events and leases are
// reported separately.
func objectWrites(d map[string]float64) (objects, events float64) {
	for k, v := range d {
		verb, resource, _ := strings.Cut(k, " ")
		if !stokemetrics.IsWrite(verb) {
			continue
		}
		base, _, _ := strings.Cut(resource, "/")
		switch base {
		case "events":
			events += v
		case "pods", "configmaps", "services", "sparkapplications":
			objects += v
		}
	}
	return objects, events
}

// waitIdle waits until the operator is idle: its work queue is empty and no reconcile ran for quiet. It
// returns how long that took (at most limit).
func (o *operatorProcess) waitIdle(quiet, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	last, err := o.metrics()
	if err != nil {
		return 0, err
	}
	lastChange := time.Now()
	for time.Since(start) < limit {
		time.Sleep(500 * time.Millisecond)
		m, err := o.metrics()
		if err != nil {
			return time.Since(start), err
		}
		if m.Reconciles != last.Reconciles || m.QueueDepth > 0 {
			last, lastChange = m, time.Now()
			continue
		}
		if time.Since(lastChange) >= quiet {
			return time.Since(start), nil
		}
	}
	return time.Since(start), fmt.Errorf("the operator was not idle after %s", limit)
}
