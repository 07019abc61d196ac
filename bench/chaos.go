package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/testenv"
)

// The chaos suite (`make chaos`, `make chaos-short` in CI): bursts of applications through the operator on
// the bench's real API server and kwok nodes while faults are injected, each round checked by the auditor.
// docs/reliability.md describes the scenarios and holds the results.

type chaosOptions struct {
	scenarios []string
	rounds    int
	apps      int
	// retained finished applications are seeded before the first scenario (see seedRetained).
	retained       int
	operatorConfig string // added to every replica's configuration
	// backToBack starts each round as soon as the last one ended, even for a scenario with a settle time.
	backToBack bool
}

// chaosRow is one scenario's result over its rounds.
type chaosRow struct {
	Scenario     string `json:"scenario"`
	Description  string `json:"description"`
	Rounds       int    `json:"rounds"`
	Applications int    `json:"applications"`
	Faults       int    `json:"faults"`
	Duplicates   int    `json:"duplicateDrivers"`
	Concurrent   int    `json:"concurrentDrivers"`
	Lost         int    `json:"lost"`
	Failed       int    `json:"spuriousFailures"`
	FailedAfter0 int    `json:"failedAfterDriverSucceeded"`
	Leaks        int    `json:"leaks"`
	AwaitingGC   int    `json:"configMapsAwaitingGC"`
	Stuck        int    `json:"stuckAfterFault"`
	// ResumedMax is the longest, over the faults, from a fault's removal to the first application in
	// flight changing; RecoveryP50 and RecoveryMax are over the faults, from the removal until every
	// application in flight changed.
	ResumedMax  float64 `json:"resumedMaxSeconds"`
	RecoveryP50 float64 `json:"recoveryP50Seconds"`
	RecoveryMax float64 `json:"recoveryMaxSeconds"`
	// RecoveryTarget is the bound on RecoveryMax this scenario must meet (0: reported only).
	RecoveryTarget float64 `json:"recoveryTargetSeconds,omitempty"`
	// Seconds is the wall time of the scenario's rounds.
	Seconds  float64  `json:"seconds"`
	Problems []string `json:"problems,omitempty"`
}

func (r chaosRow) ok() bool {
	return r.Duplicates == 0 && r.Concurrent == 0 && r.Lost == 0 && r.Failed == 0 && r.Leaks == 0 && r.Stuck == 0 &&
		(r.RecoveryTarget == 0 || r.RecoveryMax <= r.RecoveryTarget)
}

type chaosReport struct {
	Started  time.Time      `json:"started"`
	Machine  string         `json:"machine"`
	Settings map[string]any `json:"settings"`
	Rows     []chaosRow     `json:"scenarios"`
	Seconds  float64        `json:"seconds"`
}

func (r *chaosReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Chaos suite, %s\n\nMachine: %s. %d rounds of %v applications per scenario.\n\n",
		r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Machine, r.Settings["rounds"], r.Settings["apps"])
	b.WriteString("| Scenario | Rounds | Applications | Faults | Duplicate drivers | Lost | Spurious failures | Leaks | Resumed (max) | Every application moved (p50 / max) | Result |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, row := range r.Rows {
		result := "PASS"
		if !row.ok() {
			result = "FAIL"
		}
		resumed, recovery := "—", "—"
		if row.RecoveryMax > 0 {
			resumed = fmt.Sprintf("%.1f s", row.ResumedMax)
			recovery = fmt.Sprintf("%.1f s / %.1f s", row.RecoveryP50, row.RecoveryMax)
			if row.RecoveryTarget > 0 {
				recovery += fmt.Sprintf(" (≤ %.0f s)", row.RecoveryTarget)
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n", row.Scenario, row.Rounds, row.Applications,
			row.Faults, row.Duplicates+row.Concurrent, row.Lost, row.Failed, row.Leaks, resumed, recovery, result)
	}
	b.WriteString("\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "- **%s**: %s (%.0f s", row.Scenario, row.Description, row.Seconds)
		if row.AwaitingGC > 0 {
			fmt.Fprintf(&b, "; %d ConfigMaps of deleted driver pods left to the garbage collector, which the bench does not run", row.AwaitingGC)
		}
		b.WriteString(")\n")
		for _, p := range row.Problems {
			fmt.Fprintf(&b, "  - %s\n", p)
		}
	}
	return b.String()
}

func (r *chaosReport) failed() bool {
	return slices.ContainsFunc(r.Rows, func(row chaosRow) bool { return !row.ok() })
}

// scenario is one kind of fault, injected while a round's applications run.
type scenario struct {
	name, description string
	// replicas of the operator, with leader election when more than one.
	replicas int
	// proxied: the operator reaches the API server through the fault-injecting proxy.
	proxied bool
	// spread: the round's applications are created evenly over this long, so that faults that take a
	// while to play out all meet applications in flight (0: as fast as the clients can).
	spread time.Duration
	// settle: from the second round on, a round starts only this long after the last one ended, the
	// operator left alone in between (0: at once; -chaos-back-to-back ignores it).
	settle time.Duration
	// recoveryTarget bounds, after every fault, the time until every application in flight moved again
	// (0: reported only; a burst's own backlog is part of that time).
	recoveryTarget time.Duration
	// inject runs beside the round's burst and returns the moments its faults were removed.
	inject func(ctx context.Context, h *chaosHarness, r *chaosRound) ([]time.Time, error)
}

var scenarios = []scenario{
	{name: "operator-kill", replicas: 1, inject: injectOperatorKills,
		description: "the operator SIGKILLed at random moments of the burst (3 times a round) and started again"},
	{name: "leader-failover", replicas: 2, inject: injectFailovers,
		description: "two replicas with leader election; the leader SIGKILLed at random moments (2 times a round), the standby takes over, the killed one comes back as standby"},
	// The settle time is client-go's: every informer's reflector waits before each relist, 0.8 s doubling up
	// to 30 s (plus as much again of jitter), and forgets that backoff only after 2 minutes without one.
	// Restarts closer together than that are a different scenario (-chaos-back-to-back): each relist waits
	// longer than the last, whatever the operator does (docs/reliability.md).
	{name: "apiserver-restart", replicas: 1, recoveryTarget: 30 * time.Second, settle: 2*time.Minute + 15*time.Second, inject: injectAPIServerRestart,
		description: "kube-apiserver stopped at a random moment of the burst, etcd compacted to its latest revision while it is down (every watch resumes with 410 Gone and relists), and started again"},
	{name: "network", replicas: 1, proxied: true, spread: 50 * time.Second, inject: injectNetworkFaults,
		description: "the operator's connection to the API server through toxiproxy: 300±150 ms latency, 32 KB/s bandwidth, an 8 s stall (data held, connections open), and a 5 s cut (connections reset, new ones refused), then restored"},
	{name: "pod-faults", replicas: 1, inject: injectPodFaults,
		description: "up to a third of the applications (as many as are caught running) get one fault each on a running pod of theirs, driver or executor: deleted, evicted, failed (exit 1) or OOM-killed (exit 137)"},
}

// chaosHarness is what the scenarios share: the API server, clients, the operator replicas and the proxy.
type chaosHarness struct {
	env        *testenv.Env
	c          client.Client
	cs         kubernetes.Interface
	stokeBin   string
	dir        string
	kubeconfig string
	proxied    string // the kubeconfig through the proxy
	proxy      *faultProxy
	audit      *auditor
	pods       cache.Cache // the auditor's informers (read for the pod faults)
	ops        []*operatorProcess
	opOptions  []operatorOptions
	opConfig   string
	cluster    *benchCluster
	// operatorConfig is added to every replica's configuration (-operator-config).
	operatorConfig string
}

type chaosRound struct {
	ns    string
	keys  []string
	total int
	rng   *rand.Rand
	// faults counts the faults injected.
	faults int
	// done is closed when the round's applications have all finished.
	done chan struct{}
}

func (r *chaosRound) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// sleep waits d, or less when the round finishes first; it reports whether the round is still going.
func (r *chaosRound) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return ctx.Err() == nil
	case <-r.done:
		return false
	case <-ctx.Done():
		return false
	}
}

func runChaos(ctx context.Context, stokeBin, out string, o chaosOptions) (*chaosReport, error) {
	rep := &chaosReport{Started: time.Now(), Machine: machine(), Settings: map[string]any{"rounds": o.rounds, "apps": o.apps, "scenarios": o.scenarios,
		"retained": o.retained}}
	dir, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if stokeBin, err = filepath.Abs(stokeBin); err != nil {
		return nil, err
	}
	auditPath := filepath.Join(dir, "audit.log")
	_ = os.Remove(auditPath)
	cl, err := startBenchCluster(ctx, dir, clusterOptions{env: testenv.Options{Restartable: true, AuditLog: auditPath},
		qps: 2000, waitForAPIServer: true, nodes: 20, executors: 1, runningDelay: time.Second, completeAfter: 2 * time.Second,
		served: []string{"warmup", seededNamespace}})
	if err != nil {
		return nil, err
	}
	defer cl.stop()
	h := &chaosHarness{cluster: cl, env: cl.env, c: cl.c, cs: cl.cs, stokeBin: stokeBin, dir: dir, kubeconfig: cl.kubeconfig, audit: newAuditor(),
		operatorConfig: o.operatorConfig}
	if h.proxy, err = startFaultProxy(cl.env.Config.Host); err != nil {
		return nil, err
	}
	defer h.proxy.close()
	h.proxied = filepath.Join(dir, "kubeconfig-proxied")
	if err := writeKubeconfigTo(h.kubeconfig, h.proxied, "https://"+h.proxy.listen); err != nil {
		return nil, err
	}
	// The auditor's own informers: nothing it concludes comes from the simulator's or the operator's view.
	if h.pods, _, err = sparkInformers(ctx, cl.cfg, cl.runCtx, []toolscache.ResourceEventHandler{h.audit.podHandler()},
		[]toolscache.ResourceEventHandler{h.audit.appHandler()}); err != nil {
		return nil, err
	}
	if o.retained > 0 {
		if err := h.seedRetained(ctx, o.retained); err != nil {
			return nil, err
		}
	}
	log := &auditLog{path: auditPath}
	creates := map[string]int{}

	for _, sc := range scenarios {
		if !slices.Contains(o.scenarios, sc.name) && !slices.Contains(o.scenarios, "all") {
			continue
		}
		logf("chaos: %s, %d rounds of %d applications", sc.name, o.rounds, o.apps)
		row, err := h.runScenario(ctx, sc, o, log, creates)
		rep.Rows = append(rep.Rows, row)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", sc.name, err)
		}
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

// seedRetained gives the scenarios a cluster's history: n finished applications, each with its driver pod
// and ConfigMap, in seededNamespace, which the operator serves. One application is run through an operator
// first, as the template the others are cloned from (the scale bench's seeding). The operators of every
// scenario then list, cache and, after a restart or a 410 Gone, relist them.
func (h *chaosHarness) seedRetained(ctx context.Context, n int) error {
	op, err := startOperatorWith(ctx, h.stokeBin, h.dir, h.kubeconfig, operatorOptions{name: "seeding-operator", extraConfig: h.operatorConfig})
	if op != nil {
		defer op.stop()
	}
	if err != nil {
		return err
	}
	tr := h.cluster.tr
	warm, err := burst(ctx, stokeSubmitter{c: h.c, t: tr, executors: 1}, "warmup", "app", 1, 1)
	if err != nil {
		return err
	}
	if err := waitUntil(2*time.Minute, "the template application to finish", func() bool { return tr.allFinished(warm) }); err != nil {
		return err
	}
	tmpl, err := loadSeedTemplate(ctx, h.c, h.cs, "warmup", "app-00000")
	if err != nil {
		return err
	}
	op.stop() // before the clones are created: it would start each one before its status says it finished
	logf("chaos: seeding %d finished applications", n)
	start := time.Now()
	if err := tmpl.seed(ctx, h.c, h.cs, 0, n, 32); err != nil {
		return err
	}
	logf("chaos: seeded %d finished applications in %.0f s", n, time.Since(start).Seconds())
	return nil
}

// writeKubeconfigTo copies a kubeconfig with another server address.
func writeKubeconfigTo(from, to, server string) error {
	cfg, err := clientcmd.LoadFromFile(from)
	if err != nil {
		return err
	}
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	return clientcmd.WriteToFile(*cfg, to)
}

func (h *chaosHarness) runScenario(ctx context.Context, sc scenario, o chaosOptions, log *auditLog, creates map[string]int) (chaosRow, error) {
	row := chaosRow{Scenario: sc.name, Description: sc.description, RecoveryTarget: sc.recoveryTarget.Seconds()}
	switch {
	case sc.settle > 0 && o.backToBack:
		row.Scenario += " (back to back)"
		row.Description += "; each round as soon as the last one ended"
		sc.settle = 0
	case sc.settle > 0:
		row.Description += fmt.Sprintf("; each round %s after the last one ended", sc.settle)
	}
	start := time.Now()
	if err := h.startOperators(ctx, sc); err != nil {
		return row, err
	}
	defer h.stopOperators()
	var recoveries []float64
	var lastEnded time.Time
	for round := 1; round <= o.rounds; round++ {
		if wait := time.Until(lastEnded.Add(sc.settle)); round > 1 && wait > 0 {
			logf("chaos: %s: the operator left alone %.0f s before round %d", sc.name, wait.Seconds(), round)
			select {
			case <-ctx.Done():
				return row, ctx.Err()
			case <-time.After(wait):
			}
		}
		r := &chaosRound{ns: fmt.Sprintf("%s-%02d", sc.name, round), total: o.apps, rng: rand.New(rand.NewPCG(uint64(round), uint64(len(sc.name)))),
			done: make(chan struct{})}
		if err := createNamespace(ctx, h.cs, r.ns, servedLabel); err != nil {
			return row, err
		}
		for i := range o.apps {
			r.keys = append(r.keys, fmt.Sprintf("%s/app-%05d", r.ns, i))
		}
		type injected struct {
			removed []time.Time
			err     error
		}
		faultsDone := make(chan injected, 1)
		go func() {
			removed, err := sc.inject(ctx, h, r)
			faultsDone <- injected{removed, err}
		}()
		if err := h.submitAll(ctx, r, sc.spread); err != nil {
			return row, err
		}
		deadline := time.Now().Add(4*time.Minute + time.Duration(o.apps)*100*time.Millisecond)
		for h.audit.unfinished(r.keys) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(250 * time.Millisecond)
		}
		close(r.done)
		inj := <-faultsDone
		if inj.err != nil {
			return row, fmt.Errorf("round %d: injecting faults: %w", round, inj.err)
		}
		// Give the operator a moment to finish what follows an application's end, then read what is left.
		time.Sleep(5 * time.Second)
		lk, err := findLeaks(ctx, h.c, r.ns)
		if err != nil {
			return row, err
		}
		if err := log.driverCreates(creates); err != nil {
			return row, err
		}
		dup, drivers := 0, 0
		for k, n := range h.audit.drivers(r.ns, creates) {
			drivers++
			if n > 1 {
				dup += n - 1
				row.Problems = append(row.Problems, fmt.Sprintf("round %d: driver pod %s created %d times", round, k, n))
			}
		}
		if drivers < len(r.keys) {
			// Every application had at least one driver pod: an account that shows fewer cannot vouch for
			// the absence of duplicates.
			return row, fmt.Errorf("round %d: the audit log and the watch know %d driver pods for %d applications", round, drivers, len(r.keys))
		}
		lost, failed, failedAfter0, concurrent := h.audit.outcome(r.keys)
		var worst time.Duration
		stuck, slowest, each := 0, "", []string{}
		for _, at := range inj.removed {
			first, d, s, k := h.audit.recovery(r.keys, at)
			row.ResumedMax = max(row.ResumedMax, first.Seconds())
			if d > worst {
				worst, slowest = d, h.audit.timeline(k, at)
			}
			stuck += s
			recoveries = append(recoveries, d.Seconds())
			each = append(each, fmt.Sprintf("%.1f", d.Seconds()))
		}
		row.Rounds++
		row.Applications += len(r.keys)
		row.Faults += r.faults
		row.Duplicates += dup
		row.Concurrent += concurrent
		row.Lost += lost
		row.Failed += failed
		row.FailedAfter0 += failedAfter0
		row.Leaks += lk.total()
		row.AwaitingGC += lk.ConfigMapsForGC
		row.Stuck += stuck
		if lost+failed+concurrent+lk.total()+stuck > 0 || (sc.recoveryTarget > 0 && worst > sc.recoveryTarget) {
			row.Problems = append(row.Problems, fmt.Sprintf("round %d: %d lost, %d failed (%d after a driver exited 0), %d with two drivers running at once, %d stuck after a fault, recovery %.1f s, leaks %+v",
				round, lost, failed, failedAfter0, concurrent, stuck, worst.Seconds(), lk))
			for _, k := range h.audit.examples(r.keys, 3) {
				row.Problems = append(row.Problems, "  "+k)
			}
		}
		logf("chaos: %s round %d: %d applications, %d faults, %d duplicate drivers, %d concurrent, %d lost, %d failed, %d leaks, recovery after each fault [%s] s, slowest %s",
			sc.name, round, len(r.keys), r.faults, dup, concurrent, lost, failed, lk.total(), strings.Join(each, " "), slowest)
		// A live operator for the next round: a scenario may leave one dead (a failed restart is an error above).
		if err := h.ensureOperators(ctx); err != nil {
			return row, err
		}
		lastEnded = time.Now()
	}
	row.RecoveryP50, row.RecoveryMax = medianAndMax(recoveries)
	row.Seconds = time.Since(start).Seconds()
	return row, nil
}

// submitAll creates the round's applications from 16 clients, evenly over spread, each create retried
// until the API server accepts it or says it exists (a create whose answer was lost in a restart).
func (h *chaosHarness) submitAll(ctx context.Context, r *chaosRound, spread time.Duration) error {
	next := make(chan string)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range next {
				ns, name, _ := strings.Cut(key, "/")
				app := chaosApp(ns, name)
				for {
					err := h.c.Create(ctx, app.DeepCopy())
					if err == nil || apierrors.IsAlreadyExists(err) {
						break
					}
					if apierrors.IsInvalid(err) || ctx.Err() != nil {
						errs <- fmt.Errorf("creating %s: %w", key, err)
						return
					}
					time.Sleep(200 * time.Millisecond)
				}
			}
		}()
	}
	start := time.Now()
	for i, k := range r.keys {
		if spread > 0 {
			time.Sleep(time.Until(start.Add(spread * time.Duration(i) / time.Duration(len(r.keys)))))
		}
		next <- k
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// chaosApp is the bench's application with a restart policy that retries every fault the suite injects
// (one per application at most), with short backoffs.
func chaosApp(ns, name string) *stokev1.SparkApplication {
	app := benchApp(ns, name, 1)
	one, two, retries := int32(1), int32(2), int32(3)
	app.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartOnFailure, OnFailureRetries: &retries,
		OnInfrastructureFailureRetries: &retries, BackoffSeconds: &one, MaxBackoffSeconds: &two}
	return app
}

// examples describes a few applications of the keys that did not end well.
func (a *auditor) examples(keys []string, n int) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, k := range keys {
		x := a.apps[k]
		if len(out) == n {
			break
		}
		switch {
		case x == nil:
			out = append(out, k+": never seen")
		case x.phase != stokev1.PhaseSucceeded || a.concurrent[k]:
			out = append(out, fmt.Sprintf("%s: phase %q, %d changes, two drivers at once: %v", k, x.phase, len(x.changes), a.concurrent[k]))
		}
	}
	return out
}

// Operators.

func (h *chaosHarness) startOperators(ctx context.Context, sc scenario) error {
	kubeconfig := h.kubeconfig
	if sc.proxied {
		kubeconfig = h.proxied
	}
	h.ops, h.opOptions = nil, nil
	extra := h.operatorConfig
	if sc.replicas > 1 {
		extra += "leaderElection:\n  enabled: true\n  namespace: kube-system\n  id: stoke-chaos\n  leaseDuration: 4s\n  renewDeadline: 3s\n  retryPeriod: 500ms\n"
	}
	for i := range sc.replicas {
		o := operatorOptions{name: fmt.Sprintf("%s-operator-%d", sc.name, i), extraConfig: extra}
		h.opOptions = append(h.opOptions, o)
		op, err := startOperatorWith(ctx, h.stokeBin, h.dir, kubeconfig, o)
		if err != nil {
			return err
		}
		h.ops = append(h.ops, op)
	}
	h.opConfig = kubeconfig
	return nil
}

// restart starts replica i again (after it was killed).
func (h *chaosHarness) restart(ctx context.Context, i int) error {
	op, err := startOperatorWith(ctx, h.stokeBin, h.dir, h.opConfig, h.opOptions[i])
	if op != nil {
		h.ops[i] = op
	}
	return err
}

func (h *chaosHarness) ensureOperators(ctx context.Context) error {
	for i, op := range h.ops {
		select {
		case <-op.exited:
			if err := h.restart(ctx, i); err != nil {
				return err
			}
		default:
		}
	}
	return nil
}

func (h *chaosHarness) stopOperators() {
	for _, op := range h.ops {
		op.stop()
	}
}

// leader is the index of the replica that holds the lease, waiting up to a minute for one to.
func (h *chaosHarness) leader() (int, error) {
	found := -1
	err := waitUntil(time.Minute, "a leader", func() bool {
		for i, op := range h.ops {
			if m, err := op.metrics(); err == nil && m.Leader {
				found = i
				return true
			}
		}
		return false
	})
	return found, err
}

// Fault injectors. Each waits a random moment while the round's applications are in flight, injects,
// and records when the fault was removed.

func injectOperatorKills(ctx context.Context, h *chaosHarness, r *chaosRound) ([]time.Time, error) {
	var removed []time.Time
	for range 3 {
		if !r.sleep(ctx, time.Duration(300+r.rng.IntN(2700))*time.Millisecond) {
			break
		}
		h.ops[0].kill()
		r.faults++
		if err := h.restart(ctx, 0); err != nil {
			return removed, err
		}
		removed = append(removed, time.Now())
	}
	return removed, nil
}

func injectFailovers(ctx context.Context, h *chaosHarness, r *chaosRound) ([]time.Time, error) {
	var removed []time.Time
	for range 2 {
		if !r.sleep(ctx, time.Duration(500+r.rng.IntN(2500))*time.Millisecond) {
			break
		}
		i, err := h.leader()
		if err != nil {
			return removed, err
		}
		h.ops[i].kill()
		r.faults++
		removed = append(removed, time.Now())
		if err := h.restart(ctx, i); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

func injectAPIServerRestart(ctx context.Context, h *chaosHarness, r *chaosRound) ([]time.Time, error) {
	if !r.sleep(ctx, time.Duration(500+r.rng.IntN(2500))*time.Millisecond) {
		return nil, nil
	}
	r.faults++
	if err := h.env.RestartAPIServer(func() error { return compactEtcd(ctx, h.env.EtcdURL()) }); err != nil {
		return nil, err
	}
	removed := time.Now()
	return []time.Time{removed}, h.cluster.restartKwok()
}

// compactEtcd compacts etcd's history up to its current revision through etcd's JSON gateway, so that no
// watch can resume from a resourceVersion older than now.
func compactEtcd(ctx context.Context, etcdURL string) error {
	post := func(path string, body any, into any) error {
		data, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(etcdURL, "/")+path, bytes.NewReader(data))
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("etcd %s: %s", path, resp.Status)
		}
		if into == nil {
			return nil
		}
		return json.NewDecoder(resp.Body).Decode(into)
	}
	var rng struct {
		Header struct {
			Revision string `json:"revision"`
		} `json:"header"`
	}
	key := base64.StdEncoding.EncodeToString([]byte("/"))
	if err := post("/v3/kv/range", map[string]any{"key": key, "count_only": true}, &rng); err != nil {
		return fmt.Errorf("reading etcd's revision: %w", err)
	}
	if err := post("/v3/kv/compaction", map[string]any{"revision": rng.Header.Revision, "physical": true}, nil); err != nil {
		return fmt.Errorf("compacting etcd at revision %s: %w", rng.Header.Revision, err)
	}
	logf("chaos: etcd compacted at revision %s", rng.Header.Revision)
	return nil
}

func injectNetworkFaults(ctx context.Context, h *chaosHarness, r *chaosRound) ([]time.Time, error) {
	var removed []time.Time
	faults := []struct {
		name string
		hold time.Duration
		on   func() error
		off  func() error
	}{
		{"latency", 4 * time.Second, func() error {
			return h.proxy.toxic("latency", "latency", map[string]int{"latency": 300, "jitter": 150})
		},
			func() error { return h.proxy.removeToxic("latency") }},
		{"bandwidth", 4 * time.Second, func() error { return h.proxy.toxic("bandwidth", "bandwidth", map[string]int{"rate": 32}) },
			func() error { return h.proxy.removeToxic("bandwidth") }},
		{"stall", 8 * time.Second, func() error { return h.proxy.toxic("stall", "timeout", map[string]int{"timeout": 0}) },
			func() error { return h.proxy.removeToxic("stall") }},
		{"cut", 5 * time.Second, func() error { h.proxy.cut(); return nil }, h.proxy.restore},
	}
	for _, f := range faults {
		if !r.sleep(ctx, time.Duration(300+r.rng.IntN(1200))*time.Millisecond) {
			break
		}
		if err := f.on(); err != nil {
			return removed, fmt.Errorf("%s: %w", f.name, err)
		}
		r.faults++
		time.Sleep(f.hold)
		if err := f.off(); err != nil {
			return removed, fmt.Errorf("removing %s: %w", f.name, err)
		}
		removed = append(removed, time.Now())
	}
	return removed, nil
}

// injectPodFaults gives up to a third of the round's applications one fault each, on a running pod, until
// the round ends.
func injectPodFaults(ctx context.Context, h *chaosHarness, r *chaosRound) ([]time.Time, error) {
	want := r.total / 3
	hit := map[string]bool{}
	for len(hit) < want && r.sleep(ctx, 20*time.Millisecond) {
		var pods corev1.PodList
		if err := h.pods.List(ctx, &pods, client.InNamespace(r.ns)); err != nil {
			return nil, err
		}
		r.rng.Shuffle(len(pods.Items), func(i, j int) { pods.Items[i], pods.Items[j] = pods.Items[j], pods.Items[i] })
		for i := range pods.Items {
			p := &pods.Items[i]
			app := p.Annotations[spark.AnnotationApplication]
			if app == "" || hit[app] || p.Status.Phase != corev1.PodRunning || !p.DeletionTimestamp.IsZero() {
				continue
			}
			hit[app] = true
			if err := podFault(ctx, h.cs, p, r.rng.IntN(4)); err != nil {
				if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
					continue // it ended meanwhile: the fault did not happen
				}
				return nil, err
			}
			r.faults++
			break
		}
	}
	return nil, nil
}

// podFault applies one fault to a running pod: 0 delete, 1 evict (drivers) or delete, 2 fail with exit 1,
// 3 fail with exit 137 as the OOM killer would.
func podFault(ctx context.Context, cs kubernetes.Interface, p *corev1.Pod, kind int) error {
	pods := cs.CoreV1().Pods(p.Namespace)
	switch kind {
	case 0:
		zero := int64(0)
		return pods.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	case 1:
		return pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name}})
	}
	fresh, err := pods.Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	code, reason := int32(1), "Error"
	if kind == 3 {
		code, reason = 137, "OOMKilled"
	}
	now := metav1.Now()
	fresh.Status.Phase = corev1.PodFailed
	for i := range fresh.Status.ContainerStatuses {
		cs := &fresh.Status.ContainerStatuses[i]
		cs.Ready, cs.State = false, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, FinishedAt: now, StartedAt: now}}
	}
	_, err = pods.UpdateStatus(ctx, fresh, metav1.UpdateOptions{})
	return err
}

// medianAndMax are the median and the largest of the recovery times (seconds), zero when there are none.
func medianAndMax(recoveries []float64) (p50, largest float64) {
	if len(recoveries) == 0 {
		return 0, 0
	}
	sorted := slices.Sorted(slices.Values(recoveries))
	return percentile(sorted, 50), sorted[len(sorted)-1]
}
