// Command bench measures Stoke's operator against the Kubernetes API server's own ceiling: a real
// kube-apiserver and etcd (internal/testenv), kwok simulating nodes and the pod lifecycle, the operator as
// a separate `stoke operator` process, and workloads of thousands of applications. `make bench` runs it;
// docs/performance.md describes the method and holds the latest results.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/testenv"
)

type options struct {
	stokeBin string
	// operatorConfig is added to the configuration of every operator the bench starts (-operator-config).
	operatorConfig  string
	out             string
	apps            int
	rate            int
	steadyFor       time.Duration
	steadyRounds    int
	inventory       int
	executors       int
	workers         int
	runningDelay    time.Duration
	completeAfter   time.Duration
	nodes           int
	jvmRuns         int
	schedules       int
	schedMinutes    int
	fanOut          int
	chain           int
	queueApps       int
	queueLine       int
	queueEnds       int
	serverPairs     int
	quick           bool
	kubeflowApps    int
	kubeflowRate    int
	kubeflowFor     time.Duration
	chaos           string
	chaosRounds     int
	chaosApps       int
	chaosRetained   int
	chaosBackToBack bool
	scale           string
	scaleBurst      int
	scaleRepeats    int
}

func main() {
	var o options
	flag.StringVar(&o.stokeBin, "stoke", "bin/stoke", "the stoke binary to run as the operator")
	flag.StringVar(&o.out, "out", "bench/results", "directory for results.json, results.md and logs")
	flag.IntVar(&o.apps, "apps", 2000, "burst: applications created as fast as the client can")
	flag.IntVar(&o.rate, "rate", 100, "steady: applications per minute")
	flag.DurationVar(&o.steadyFor, "steady-for", 90*time.Second, "steady: how long each client submits")
	flag.IntVar(&o.steadyRounds, "steady-rounds", 3, "steady: turns each client takes, alternating")
	flag.IntVar(&o.inventory, "inventory", 10000, "inventory: finished applications kept while the steady workload runs")
	flag.IntVar(&o.executors, "executors", 1, "executor pods each simulated driver creates")
	flag.IntVar(&o.workers, "workers", 0, "operator workers (0: the operator's default); also the plain client's concurrency")
	flag.DurationVar(&o.runningDelay, "running-delay", time.Second, "kwok: a bound pod becomes Running after this")
	flag.DurationVar(&o.completeAfter, "complete-after", 2*time.Second, "a running driver finishes after this")
	flag.IntVar(&o.nodes, "nodes", 20, "kwok nodes")
	flag.IntVar(&o.jvmRuns, "jvm-runs", 3, "spark-submit runs when Spark is cached (0: skip)")
	flag.IntVar(&o.schedules, "schedules", 1000, "schedules: schedules firing every minute (0: skip)")
	flag.IntVar(&o.schedMinutes, "schedule-minutes", 5, "schedules: whole minutes of fire times counted")
	flag.IntVar(&o.fanOut, "fan-out", 100, "workflow: items of its fan-out step (with -chain 0: skip)")
	flag.IntVar(&o.chain, "chain", 100, "workflow: steps of its chain after the fan-out")
	flag.IntVar(&o.queueApps, "queue-apps", 200, "queues: applications in each of two saturated sibling queues (0: skip the queues)")
	flag.IntVar(&o.queueLine, "queue-line", 10000, "queues: applications queued in one line (0: skip the line)")
	flag.IntVar(&o.queueEnds, "queue-ends", 300, "queues: application ends measured in the line")
	flag.IntVar(&o.serverPairs, "server-pairs", 100, "stoke server: Livy batches and plain creates, interleaved (0: skip the server)")
	flag.BoolVar(&o.quick, "quick", false, "a short run: 300 burst, 1 minute steady, 1000 inventory, 100 schedules for 2 minutes, a workflow of 20 + 20 steps, queues of 60 and a line of 1000")
	flag.IntVar(&o.kubeflowApps, "kubeflow-apps", 40, "side by side with kubeflow/spark-operator: the burst each operator gets (0: skip)")
	flag.IntVar(&o.kubeflowRate, "kubeflow-rate", 6, "side by side: the steady rate each operator gets (applications per minute)")
	flag.DurationVar(&o.kubeflowFor, "kubeflow-steady-for", 2*time.Minute, "side by side: how long each operator gets the steady rate")
	flag.StringVar(&o.chaos, "chaos", "", "run the chaos suite instead of the benchmark: \"all\" or scenarios separated by commas (operator-kill, leader-failover, apiserver-restart, network, pod-faults)")
	flag.IntVar(&o.chaosRounds, "chaos-rounds", 20, "chaos: rounds per scenario")
	flag.IntVar(&o.chaosApps, "chaos-apps", 1000, "chaos: applications per round")
	flag.BoolVar(&o.chaosBackToBack, "chaos-back-to-back", false, "chaos: start every round as soon as the last one ended, also in apiserver-restart, whose rounds otherwise wait out client-go's 2-minute backoff reset")
	flag.IntVar(&o.chaosRetained, "chaos-retained", 0, "chaos: finished applications (with their driver pods and ConfigMaps) created before the first scenario, as a cluster that keeps its history holds them")
	flag.StringVar(&o.scale, "scale", "", "run the scale suite instead of the benchmark: retained-application levels separated by commas (for example 1000,10000,50000)")
	flag.IntVar(&o.scaleBurst, "scale-burst", 1000, "scale: the burst measured at each level")
	flag.IntVar(&o.scaleRepeats, "scale-repeats", 3, "scale: bursts of each client at each level; the median is reported")
	operatorConfig := flag.String("operator-config", "", "a YAML file of operator settings (docs/operator-config.md) added to every operator the bench starts, for example clientQPS")
	flag.Parse()
	ctrllog.SetLogger(logr.Discard())
	if *operatorConfig != "" {
		extra, err := os.ReadFile(*operatorConfig)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		o.operatorConfig = strings.TrimRight(string(extra), "\n") + "\n"
	}
	if o.chaos != "" {
		os.Exit(chaosMain(o))
	}
	if o.scale != "" {
		os.Exit(scaleMain(o))
	}
	if o.quick {
		o.apps, o.steadyFor, o.inventory = 300, time.Minute, 1000
		o.schedules, o.schedMinutes, o.fanOut, o.chain = 100, 2, 20, 20
		o.queueApps, o.queueLine, o.queueEnds = 60, 1000, 100
		o.serverPairs, o.kubeflowApps = 30, 20
	}
	if o.apps <= 0 || o.rate <= 0 || o.steadyFor <= 0 || o.steadyRounds <= 0 || o.inventory < 0 || o.executors < 0 || o.nodes <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -apps, -rate, -steady-for, -steady-rounds and -nodes must be positive; -inventory and -executors not negative")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := run(ctx, o)
	if r != nil {
		md := r.markdown()
		fmt.Println(md)
		if werr := writeResults(o.out, r, md); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if r.failed() {
		fmt.Fprintln(os.Stderr, "bench: FAIL: a target was missed (see the table above)")
		os.Exit(1)
	}
}

// chaosMain runs the chaos suite and writes chaos.json and chaos.md; the exit code is 1 when a scenario
// failed.
func chaosMain(o options) int {
	if o.chaosRounds <= 0 || o.chaosApps <= 0 || o.chaosRetained < 0 {
		fmt.Fprintln(os.Stderr, "bench: -chaos-rounds and -chaos-apps must be positive, -chaos-retained not negative")
		return 2
	}
	names := strings.Split(o.chaos, ",")
	for _, n := range names {
		if n != "all" && !slices.ContainsFunc(scenarios, func(s scenario) bool { return s.name == n }) {
			fmt.Fprintf(os.Stderr, "bench: unknown chaos scenario %q\n", n)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := runChaos(ctx, o.stokeBin, o.out, chaosOptions{scenarios: names, rounds: o.chaosRounds, apps: o.chaosApps,
		retained: o.chaosRetained, operatorConfig: o.operatorConfig, backToBack: o.chaosBackToBack})
	if r != nil {
		md := r.markdown()
		fmt.Println(md)
		if werr := writeJSONAndMarkdown(o.out, "chaos", r, md); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: chaos:", err)
		return 1
	}
	if r.failed() {
		fmt.Fprintln(os.Stderr, "bench: chaos: FAIL (see the table above)")
		return 1
	}
	return 0
}

// scaleMain runs the scale suite and writes scale.json and scale.md; the exit code is 1 when a target was
// missed.
func scaleMain(o options) int {
	var levels []int
	for _, f := range strings.Split(o.scale, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 20 || (len(levels) > 0 && n <= levels[len(levels)-1]) {
			fmt.Fprintf(os.Stderr, "bench: -scale wants ascending numbers of applications above 20, got %q\n", o.scale)
			return 2
		}
		levels = append(levels, n)
	}
	if o.scaleBurst <= 0 || o.scaleRepeats <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -scale-burst and -scale-repeats must be positive")
		return 2
	}
	out, err := filepath.Abs(o.out)
	if err == nil {
		err = os.MkdirAll(out, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := runScale(ctx, o.stokeBin, out, scaleOptions{levels: levels, burst: o.scaleBurst, repeats: o.scaleRepeats, workers: o.workers, operatorConfig: o.operatorConfig})
	if r != nil {
		md := r.markdown()
		fmt.Println(md)
		if werr := writeJSONAndMarkdown(out, "scale", r, md); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: scale:", err)
		return 1
	}
	if r.failed() {
		fmt.Fprintln(os.Stderr, "bench: scale: FAIL (see the table above)")
		return 1
	}
	return 0
}

func writeJSONAndMarkdown(dir, name string, r any, md string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".md"), []byte(md), 0o644)
}

func writeResults(dir string, r *report, md string) error {
	return writeJSONAndMarkdown(dir, "results", r, md)
}

func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				_, model, _ = strings.Cut(line, ": ")
				break
			}
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(data), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s, Kubernetes %s", runtime.NumCPU(), strings.TrimSpace(model), mem, runtime.GOOS, runtime.GOARCH, testenv.KubeVersion)
}

func run(ctx context.Context, o options) (*report, error) {
	rep := &report{Started: time.Now(), Machine: machine(), Settings: map[string]any{
		"burstApps": o.apps, "ratePerMinute": o.rate, "steadyFor": o.steadyFor.String(), "steadyRounds": o.steadyRounds, "inventory": o.inventory,
		"executorsPerDriver": o.executors, "runningDelay": o.runningDelay.String(), "completeAfter": o.completeAfter.String(),
		"kwokNodes": o.nodes, "schedules": o.schedules, "scheduleMinutes": o.schedMinutes, "workflowFanOut": o.fanOut, "workflowChain": o.chain,
		"queueApps": o.queueApps, "queueLine": o.queueLine, "queueEnds": o.queueEnds, "serverPairs": o.serverPairs,
		"kubeflowApps": o.kubeflowApps, "kubeflowRate": o.kubeflowRate, "kubeflowSteadyFor": o.kubeflowFor.String(),
	}}
	stokeBin, err := filepath.Abs(o.stokeBin)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(o.out)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	workers := o.workers
	if workers == 0 {
		workers = operator.Config{}.WithDefaults().Workers
	}
	rep.Settings["workers"] = workers

	runs := newRunLog()
	// The operator serves every namespace but the plain client's ("ceiling") and kubeflow's.
	cl, err := startBenchCluster(ctx, dir, clusterOptions{qps: 5000, nodes: o.nodes, executors: o.executors,
		runningDelay: o.runningDelay, completeAfter: o.completeAfter, appHandlers: []toolscache.ResourceEventHandler{runs.handler()},
		served: []string{"warmup", "burst", "inventory", "steady", "jvm", "schedules", "workflows", "queues", "server", "vs-stoke"},
		plain:  []string{"ceiling", "kubeflow"}})
	if err != nil {
		return nil, err
	}
	defer cl.stop()
	env, c, cs, tr, kubeconfig, informers, appInf := cl.env, cl.c, cl.cs, cl.tr, cl.kubeconfig, cl.informers, cl.apps
	settle := o.runningDelay + o.completeAfter + 3*time.Second

	// The ceiling first, before the operator runs: a plain client doing the same work in line. Its client
	// has discovered every kind it writes before the clock starts.
	for _, l := range []client.ObjectList{&stokev1.SparkApplicationList{}, &corev1.PodList{}, &corev1.ConfigMapList{}, &corev1.ServiceList{}} {
		if err := c.List(ctx, l, client.InNamespace("ceiling"), client.Limit(1)); err != nil {
			return rep, err
		}
	}
	plain := plainSubmitter{c: c, t: tr, executors: o.executors}
	logf("ceiling: plain client, burst of %d with concurrency %d", o.apps, workers)
	keys, err := burst(ctx, plain, "ceiling", "burst", o.apps, workers)
	if err != nil {
		return rep, err
	}
	rep.Phases = append(rep.Phases, measure("burst", "plain", tr.snapshot(keys)))
	time.Sleep(settle)
	// The plain client's burst goes, so that the operator does not cache it (its namespace is not served).
	if err := c.DeleteAllOf(ctx, &stokev1.SparkApplication{}, client.InNamespace("ceiling")); err != nil {
		return rep, err
	}

	logf("starting the operator (%s)", stokeBin)
	opCtx, stopOp := context.WithCancel(ctx)
	defer stopOp()
	op, err := startOperatorWith(opCtx, stokeBin, dir, kubeconfig, operatorOptions{name: "operator", workers: o.workers, pprof: true, extraConfig: o.operatorConfig})
	if op != nil {
		defer op.stop()
	}
	if err != nil {
		return rep, err
	}
	sub := stokeSubmitter{c: c, t: tr, executors: o.executors}
	// A few applications first, so that what starts lazily (the event broadcaster, client connections) is
	// running before the goroutine baseline is taken.
	keys, err = burst(ctx, sub, "warmup", "app", 20, workers)
	if err != nil {
		return rep, err
	}
	if err := waitUntil(2*time.Minute, "warm-up applications to finish", func() bool { return tr.allFinished(keys) }); err != nil {
		return rep, err
	}
	time.Sleep(3 * time.Second)
	m0, err := op.metrics()
	if err != nil {
		return rep, err
	}
	rep.GoroutinesB = m0.Goroutines
	if p, err := op.proc(); err == nil {
		rep.RSSBaseline = p.RSSBytes
	}

	// stokePhase runs one workload through the operator and measures it.
	stokePhase := func(name string, kept int, submit func() ([]string, error)) (*phaseResult, error) {
		p0, err := op.proc()
		if err != nil {
			return nil, err
		}
		mBefore, err := op.metrics()
		if err != nil {
			return nil, err
		}
		keys, err := submit()
		if err != nil {
			return nil, err
		}
		timeout := 10*time.Minute + time.Duration(len(keys))*50*time.Millisecond
		if err := waitUntil(timeout, name+" applications to finish", func() bool { return tr.allFinished(keys) }); err != nil {
			return nil, err
		}
		// The phase ends when the operator is idle, so that its trailing work (re-checks, pod events of
		// finished applications) counts for it and not for the next phase.
		idle, err := op.waitIdle(3*time.Second, 5*time.Minute)
		if err != nil {
			return nil, err
		}
		logf("%s: operator idle %.1f s after the last application finished", name, idle.Seconds())
		p1, err := op.proc()
		if err != nil {
			return nil, err
		}
		mAfter, err := op.metrics()
		if err != nil {
			return nil, err
		}
		res := measure(name, "stoke", tr.snapshot(keys))
		res.Kept = kept
		n := float64(len(keys))
		res.CPUSeconds = p1.CPUSeconds - p0.CPUSeconds
		res.CPUPerApp = res.CPUSeconds / n
		res.RequestsPerApp = map[string]float64{}
		delta := requestDelta(mBefore, mAfter)
		for k, v := range delta {
			res.RequestsPerApp[k] = v / n
		}
		w, e := objectWrites(delta)
		res.WritesPerApp, res.EventsPerApp = w/n, e/n
		res.ReconcilesPerAp = (mAfter.Reconciles - mBefore.Reconciles) / n
		res.RSSBefore, res.RSSAfter = p0.RSSBytes, p1.RSSBytes
		res.IdleAfterSeconds = idle.Seconds()
		return &res, nil
	}

	logf("stoke: burst of %d", o.apps)
	res, err := stokePhase("burst", 0, func() ([]string, error) { return burst(ctx, sub, "burst", "app", o.apps, workers) })
	if err != nil {
		return rep, err
	}
	rep.Phases = append(rep.Phases, *res)
	retained := o.apps

	if o.inventory > 0 {
		logf("stoke: inventory of %d finished applications", o.inventory)
		res, err = stokePhase("inventory", o.apps, func() ([]string, error) {
			return burst(ctx, sub, "inventory", "app", o.inventory, workers)
		})
		if err != nil {
			return rep, err
		}
		rep.Phases = append(rep.Phases, *res)
		rep.InventoryRSSPerApp = float64(res.RSSAfter-res.RSSBefore) / float64(o.inventory)
		retained += o.inventory
	}

	logf("stoke and the plain client in turns: %d/min for %s each with %d finished applications kept", o.rate, o.steadyFor, retained)
	// Steady: Stoke and the plain client take turns, o.steadyRounds rounds each at the same rate, so that
	// both meet the same cluster (the same retained applications, the same neighbours on the machine) and
	// a passing disturbance falls on both. The plain client's applications are in a namespace the operator
	// does not serve; the operator's figures cover the whole interleaved span.
	var stokeRounds, plainRounds [][]string
	res, err = stokePhase("steady", retained, func() ([]string, error) {
		round := o.steadyFor / time.Duration(o.steadyRounds)
		for i := 0; i < o.steadyRounds; i++ {
			keys, err := steady(ctx, sub, "steady", fmt.Sprintf("app-%d", i), o.rate, round)
			stokeRounds = append(stokeRounds, keys)
			if err != nil {
				return slices.Concat(stokeRounds...), err
			}
			keys, err = steady(ctx, plain, "ceiling", fmt.Sprintf("steady-%d", i), o.rate, round)
			plainRounds = append(plainRounds, keys)
			if err != nil {
				return slices.Concat(stokeRounds...), err
			}
		}
		return slices.Concat(stokeRounds...), nil
	})
	if err != nil {
		return rep, err
	}
	res.PerMinute = perMinuteOverRounds(tr, stokeRounds)
	rep.Phases = append(rep.Phases, *res)
	plainSteady := measure("steady", "plain", tr.snapshot(slices.Concat(plainRounds...)))
	plainSteady.PerMinute, plainSteady.Kept = perMinuteOverRounds(tr, plainRounds), retained
	rep.Phases = append(rep.Phases, plainSteady)

	// Goroutines come back to their idle level once the work is done (allow up to 15 s for idle HTTP
	// connections to close).
	_ = waitUntil(15*time.Second, "goroutines to settle", func() bool {
		m, err := op.metrics()
		rep.GoroutinesA = m.Goroutines
		return err == nil && m.Goroutines <= rep.GoroutinesB
	})
	if p, err := op.proc(); err == nil {
		rep.PeakRSS = p.PeakRSS
	}
	// Memory per retained application: the settled RSS of the idle operator holding every application of
	// the run (and their finished driver pods), against its RSS after the warm-up.
	logf("waiting for the idle operator's RSS to settle")
	if rep.RSSSettled, err = op.settledRSS(); err != nil {
		return rep, err
	}
	all := &metav1.PartialObjectMetadataList{}
	all.SetGroupVersionKind(stokev1.GroupVersion.WithKind("SparkApplicationList"))
	if err := c.List(ctx, all); err != nil {
		return rep, err
	}
	rep.Retained = len(all.Items)
	if rep.Retained > 0 {
		rep.RSSPerApp = float64(rep.RSSSettled-rep.RSSBaseline) / float64(rep.Retained)
	}
	if rep.Scrape, err = op.scrape(20); err != nil {
		return rep, err
	}
	rep.Scrape.Apps = rep.Retained

	// stoke server beside the operator, after the operator's memory figures: a page of the inventory's
	// namespace, its RSS holding every retained application, Livy against plain creates, its watch stream.
	if o.serverPairs > 0 {
		logf("stoke server: list pages of %d applications, %d Livy batches and plain creates", o.inventory, o.serverPairs)
		if rep.Server, err = runServer(ctx, stokeBin, dir, kubeconfig, c, cs, appInf, tr, "inventory", "server", o.serverPairs, o.executors); err != nil {
			return rep, err
		}
	}

	// Pipelines, after the memory figures so that they measure applications alone.
	if o.schedules > 0 && o.schedMinutes > 0 {
		logf("schedules: %d firing every minute for %d minutes", o.schedules, o.schedMinutes)
		if rep.Schedules, err = runSchedules(ctx, c, runs, "schedules", "ceiling", o.schedules, o.schedMinutes, workers); err != nil {
			return rep, err
		}
	}
	if o.fanOut > 0 || o.chain > 0 {
		logf("workflow: a start step, a fan-out of %d and a chain of %d", o.fanOut, o.chain)
		if rep.Workflow, err = runWorkflow(ctx, c, tr, "workflows", o.fanOut, o.chain); err != nil {
			return rep, err
		}
	}
	if o.queueApps > 0 {
		logf("queues: two sibling queues of weights 1 and 3, %d applications each", o.queueApps)
		if rep.Queues, err = runQueues(ctx, c, informers, tr, op, dir, "queues", o.executors, o.queueApps, o.queueLine, o.queueEnds, workers); err != nil {
			return rep, err
		}
	}
	tokenKubeconfig := filepath.Join(dir, "kubeconfig-token")
	if o.kubeflowApps > 0 || o.jvmRuns > 0 {
		if err := writeTokenKubeconfig(ctx, env, cs, tokenKubeconfig); err != nil {
			return rep, err
		}
	}
	if o.kubeflowApps > 0 {
		if rep.Kubeflow, err = runSideBySide(ctx, cl.cfg, c, tr, op, dir, tokenKubeconfig, o.kubeflowApps, o.kubeflowRate, o.kubeflowFor); err != nil {
			return rep, err
		}
	}
	op.stop()
	stopOp()

	rep.JVM = &jvmResult{}
	switch home := cachedSparkHome(); {
	case o.jvmRuns == 0:
		rep.JVM.SkippedBecause = "-jvm-runs=0"
	case home == "":
		rep.JVM.SkippedBecause = "no Spark 3.5 in the cache; run hack/spark.sh to install it"
	default:
		logf("spark-submit: %d runs from %s", o.jvmRuns, home)
		j, err := runSparkSubmit(ctx, home, env.Config.Host, "jvm", tokenKubeconfig, dir, o.jvmRuns)
		if err != nil {
			return rep, err
		}
		rep.JVM = &j
	}
	tr.mu.Lock()
	for _, e := range tr.errors {
		rep.SimErrors = append(rep.SimErrors, e.Error())
	}
	tr.mu.Unlock()
	rep.checkTargets()
	return rep, nil
}

// clientsFor makes the bench's controller-runtime client and clientset.
func clientsFor(cfg *rest.Config) (client.Client, kubernetes.Interface, error) {
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		return nil, nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	return c, cs, err
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
