package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
)

// The scale run (`-scale 1000,10000,50000`) measures what the operator costs as the number of finished
// applications it keeps grows. For each level, in ascending order:
//
//  1. the operator is stopped and the cluster is topped up to the level with finished applications cloned
//     from one the operator ran itself (the SparkApplication with its status, its driver pod, Succeeded,
//     and its ConfigMap; only names, UIDs and the Spark application id differ), in seededNamespace;
//  2. the plain client runs a burst there (the ceiling at this size), and its applications are deleted;
//  3. the operator starts again: it lists and reconciles every retained application (the resync, timed to
//     idle, with the writes it made);
//  4. a burst of -scale-burst applications through the operator, in the namespace of the retained ones:
//     driver pods a minute and creation → driver pod;
//  5. the idle operator's settled RSS, less its settled RSS holding only the warm-up, per retained
//     application.
//
// Seeding skips the operator's work for each application (it did that work once, for the template), so
// that 50,000 retained applications take minutes rather than the better part of an hour; what the operator
// holds for each of them is what it holds for the template.

// seededNamespace holds the cloned finished applications, named seedPrefix and a number, and the bursts
// measured among them: lookups the operator makes in a namespace then meet every retained application. The
// simulator leaves the clones' pods alone (they are finished and bound to no node, so kwok does not play
// them either).
const seededNamespace, seedPrefix = "retained", "seed-"

type scaleOptions struct {
	levels         []int
	burst          int
	repeats        int // bursts of each client at each level; the median is reported
	workers        int
	operatorConfig string // added to the operator's configuration
}

type scaleLevel struct {
	// Level is the number of applications in the cluster when the operator starts again.
	Level        int     `json:"level"`
	Seeded       int     `json:"seeded"`
	SeedSeconds  float64 `json:"seedSeconds"`
	ResyncSecs   float64 `json:"resyncSeconds"`
	ResyncWrites float64 `json:"resyncObjectWrites"`
	ResyncReads  float64 `json:"resyncReads"`
	// Burst and Ceiling are the operator's and the plain client's median bursts at this size (by driver
	// pods a minute), of the repeats whose figures BurstsPerMinute and CeilingsPerMinute list in order.
	Burst             phaseResult `json:"burst"`
	Ceiling           phaseResult `json:"ceiling"`
	BurstsPerMinute   []float64   `json:"burstsDriverPodsPerMinute"`
	CeilingsPerMinute []float64   `json:"ceilingsDriverPodsPerMinute"`
	// Retained is every SparkApplication in the cluster when the settled RSS was read.
	Retained   int     `json:"retained"`
	RSSSettled int64   `json:"rssSettledBytes"`
	RSSPeak    int64   `json:"rssPeakBytes"`
	RSSPerApp  float64 `json:"rssPerRetainedAppBytes"`
}

type scaleReport struct {
	Started     time.Time      `json:"started"`
	Machine     string         `json:"machine"`
	Burst       int            `json:"burstApps"`
	Workers     int            `json:"workers"`
	RSSBaseline int64          `json:"rssBaselineBytes"`
	Levels      []scaleLevel   `json:"levels"`
	Targets     []target       `json:"targets"`
	SimErrors   []string       `json:"simulatorErrors,omitempty"`
	Settings    map[string]any `json:"settings"`
}

func runScale(ctx context.Context, stokeBin, out string, o scaleOptions) (*scaleReport, error) {
	rep := &scaleReport{Started: time.Now(), Machine: machine(), Burst: o.burst, Workers: o.workers,
		Settings: map[string]any{"levels": o.levels, "burst": o.burst}}
	cl, err := startBenchCluster(ctx, out, clusterOptions{qps: 5000, nodes: 20, executors: 1, runningDelay: time.Second,
		completeAfter: 2 * time.Second, served: []string{"warmup", seededNamespace}, plain: []string{"ceiling"}})
	if err != nil {
		return nil, err
	}
	defer cl.stop()
	c, cs, tr, kubeconfig := cl.c, cl.cs, cl.tr, cl.kubeconfig
	workers := o.workers
	if workers == 0 {
		workers = operator.Config{}.WithDefaults().Workers
	}
	rep.Workers = workers

	startOp := func() (*operatorProcess, error) {
		return startOperatorWith(ctx, stokeBin, out, kubeconfig, operatorOptions{name: "operator", workers: o.workers, pprof: true, extraConfig: o.operatorConfig})
	}
	op, err := startOp()
	if op != nil {
		defer func() { op.stop() }()
	}
	if err != nil {
		return rep, err
	}
	sub := stokeSubmitter{c: c, t: tr, executors: 1}
	plain := plainSubmitter{c: c, t: tr, executors: 1}
	warm, err := burst(ctx, sub, "warmup", "app", 20, workers)
	if err != nil {
		return rep, err
	}
	if err := waitUntil(2*time.Minute, "warm-up applications to finish", func() bool { return tr.allFinished(warm) }); err != nil {
		return rep, err
	}
	if _, err := op.waitIdle(3*time.Second, time.Minute); err != nil {
		return rep, err
	}
	logf("scale: the operator's RSS holding the warm-up only")
	if rep.RSSBaseline, err = op.settledRSS(); err != nil {
		return rep, err
	}
	tmpl, err := loadSeedTemplate(ctx, c, cs, "warmup", "app-00000")
	if err != nil {
		return rep, err
	}

	for _, level := range o.levels {
		op.stop()
		lv := scaleLevel{Level: level}
		have, err := countApps(ctx, c)
		if err != nil {
			return rep, err
		}
		if n := level - have; n > 0 {
			logf("scale: seeding %d finished applications (to %d)", n, level)
			start := time.Now()
			if err := tmpl.seed(ctx, c, cs, have, n, 32); err != nil {
				return rep, err
			}
			lv.Seeded, lv.SeedSeconds = n, time.Since(start).Seconds()
		}
		var ceilings []phaseResult
		for r := range o.repeats {
			logf("scale: the plain client's burst of %d at %d retained (%d of %d)", o.burst, level, r+1, o.repeats)
			keys, err := burst(ctx, plain, "ceiling", fmt.Sprintf("l%d-%d", level, r), o.burst, workers)
			if err != nil {
				return rep, err
			}
			ceilings = append(ceilings, measure("burst", "plain", tr.snapshot(keys)))
			if err := c.DeleteAllOf(ctx, &stokev1.SparkApplication{}, client.InNamespace("ceiling")); err != nil {
				return rep, err
			}
		}
		lv.Ceiling, lv.CeilingsPerMinute = medianBurst(ceilings)
		lv.Ceiling.Kept = level

		logf("scale: starting the operator with %d applications", level)
		start := time.Now()
		if op, err = startOp(); err != nil {
			return rep, err
		}
		// Every application gets one reconcile from the cache's initial list; the resync ends when they
		// have all had it and the operator is idle.
		if err := waitUntil(15*time.Minute, "the restarted operator to reconcile every application", func() bool {
			m, err := op.metrics()
			return err == nil && m.Reconciles >= float64(level)
		}); err != nil {
			return rep, err
		}
		if _, err := op.waitIdle(3*time.Second, 15*time.Minute); err != nil {
			return rep, err
		}
		lv.ResyncSecs = time.Since(start).Seconds() - 3 // the quiet 3 s that proved it idle
		m, err := op.metrics()
		if err != nil {
			return rep, err
		}
		w, _ := objectWrites(m.Requests)
		lv.ResyncWrites = w
		for k, v := range m.Requests {
			if verb, _, _ := strings.Cut(k, " "); verb == "get" || verb == "list" {
				lv.ResyncReads += v
			}
		}

		var bursts []phaseResult
		for r := range o.repeats {
			logf("scale: the operator's burst of %d at %d retained (%d of %d)", o.burst, level, r+1, o.repeats)
			profiled := func() {}
			if r == 0 {
				// The first burst's first 20 s of operator CPU, to compare between levels (go tool pprof -top).
				profiled = op.cpuProfileInBackground(20*time.Second, filepath.Join(out, fmt.Sprintf("cpu-%d.pprof", level)))
			}
			keys, err := burst(ctx, sub, seededNamespace, fmt.Sprintf("l%d-%d", level, r), o.burst, workers)
			if err != nil {
				return rep, err
			}
			profiled()
			if err := waitUntil(10*time.Minute, "the burst to finish", func() bool { return tr.allFinished(keys) }); err != nil {
				return rep, err
			}
			bursts = append(bursts, measure("burst", "stoke", tr.snapshot(keys)))
		}
		lv.Burst, lv.BurstsPerMinute = medianBurst(bursts)
		lv.Burst.Kept = level
		if _, err := op.waitIdle(3*time.Second, 5*time.Minute); err != nil {
			return rep, err
		}
		logf("scale: waiting for the idle operator's RSS to settle")
		if lv.RSSSettled, err = op.settledRSS(); err != nil {
			return rep, err
		}
		if p, err := op.proc(); err == nil {
			lv.RSSPeak = p.PeakRSS
		}
		if err := op.heapProfile(filepath.Join(out, fmt.Sprintf("heap-%d.pprof", level))); err != nil {
			return rep, err
		}
		if lv.Retained, err = countApps(ctx, c); err != nil {
			return rep, err
		}
		if n := lv.Retained - len(warm); n > 0 {
			lv.RSSPerApp = float64(lv.RSSSettled-rep.RSSBaseline) / float64(n)
		}
		logf("scale: %d retained: burst %.0f driver pods/min (plain %.0f), p99 %.1f ms, RSS %.1f KB per retained app",
			lv.Retained, lv.Burst.PerMinute, lv.Ceiling.PerMinute, lv.Burst.ToDriverPod.P99, lv.RSSPerApp/1024)
		rep.Levels = append(rep.Levels, lv)
	}
	tr.mu.Lock()
	for _, e := range tr.errors {
		rep.SimErrors = append(rep.SimErrors, e.Error())
	}
	tr.mu.Unlock()
	rep.checkTargets()
	return rep, nil
}

// medianBurst returns the burst with the median throughput (the lower middle one of an even number) and
// every burst's driver pods a minute, in the order they ran. One burst on a shared 2-core machine can be a
// third off the next one; the median of a few keeps one slow or fast burst from deciding a level's figure.
func medianBurst(bursts []phaseResult) (phaseResult, []float64) {
	if len(bursts) == 0 {
		return phaseResult{}, nil
	}
	each := make([]float64, len(bursts))
	for i, b := range bursts {
		each[i] = b.PerMinute
	}
	sorted := slices.Clone(bursts)
	slices.SortStableFunc(sorted, func(a, b phaseResult) int { return cmp.Compare(a.PerMinute, b.PerMinute) })
	return sorted[(len(sorted)-1)/2], each
}

func countApps(ctx context.Context, c client.Client) (int, error) {
	all := &metav1.PartialObjectMetadataList{}
	all.SetGroupVersionKind(stokev1.GroupVersion.WithKind("SparkApplicationList"))
	if err := c.List(ctx, all); err != nil {
		return 0, err
	}
	return len(all.Items), nil
}

// seedTemplate is a finished application the operator ran, with its driver pod and ConfigMap, as JSON in
// which the application's namespace, name, UID and Spark application id are replaced per clone.
type seedTemplate struct {
	app, appStatus, pod, podStatus, configMap []byte
	namespace, name, appID                    string
	uid, podUID                               string
	attempt                                   int32
}

func loadSeedTemplate(ctx context.Context, c client.Client, cs kubernetes.Interface, ns, name string) (*seedTemplate, error) {
	app := &stokev1.SparkApplication{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		return nil, err
	}
	if app.Status.Phase != stokev1.PhaseSucceeded || app.Status.CurrentAttempt == nil {
		return nil, fmt.Errorf("the template %s/%s has not succeeded (%s)", ns, name, app.Status.Phase)
	}
	pod, err := cs.CoreV1().Pods(ns).Get(ctx, app.Status.CurrentAttempt.DriverPodName, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	cms, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var cm *corev1.ConfigMap
	for i := range cms.Items {
		for _, ref := range cms.Items[i].OwnerReferences {
			if ref.UID == pod.UID {
				cm = &cms.Items[i]
			}
		}
	}
	if cm == nil {
		return nil, fmt.Errorf("no ConfigMap owned by the template's driver pod %s", pod.Name)
	}
	t := &seedTemplate{namespace: ns, name: name, appID: pod.Labels[spark.LabelAppSelector], uid: string(app.UID), podUID: string(pod.UID),
		attempt: app.Status.CurrentAttempt.Number}
	if t.appID != spark.AppID(app.UID, t.attempt) {
		return nil, fmt.Errorf("the template's driver pod has %s=%q, not its attempt's Spark application id", spark.LabelAppSelector, t.appID)
	}
	status := app.Status
	app.Status = stokev1.SparkApplicationStatus{}
	pod.Spec.NodeName = "" // bound to no node: neither kwok nor the simulator plays it
	podStatus := pod.Status
	pod.Status = corev1.PodStatus{}
	for _, m := range []*metav1.ObjectMeta{&app.ObjectMeta, &pod.ObjectMeta, &cm.ObjectMeta} {
		m.UID, m.ResourceVersion, m.CreationTimestamp, m.ManagedFields, m.Generation = "", "", metav1.Time{}, nil, 0
	}
	for _, x := range []struct {
		to *[]byte
		v  any
	}{{&t.app, app}, {&t.appStatus, status}, {&t.pod, pod}, {&t.podStatus, podStatus}, {&t.configMap, cm}} {
		if *x.to, err = json.Marshal(x.v); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// clone renders one of the template's documents for the i-th clone.
func (t *seedTemplate) clone(doc []byte, i int, uid, podUID string, into any) error {
	appID := t.appID // the application document does not hold it
	if uid != "" {
		appID = spark.AppID(types.UID(uid), t.attempt)
	}
	r := strings.NewReplacer(
		t.appID, appID,
		t.name, fmt.Sprintf("%s%06d", seedPrefix, i),
		`"`+t.namespace+`"`, `"`+seededNamespace+`"`,
		"."+t.namespace+".", "."+seededNamespace+".",
		t.uid, uid,
		t.podUID, podUID,
	)
	return json.Unmarshal([]byte(r.Replace(string(doc))), into)
}

// seed creates n finished applications numbered from `from`, with `concurrency` clients.
func (t *seedTemplate) seed(ctx context.Context, c client.Client, cs kubernetes.Interface, from, n, concurrency int) error {
	next := make(chan int)
	var firstErr error
	var once sync.Once
	var done atomic.Int64
	fail := func(err error) { once.Do(func() { firstErr = err }) }
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := t.seedOne(ctx, c, cs, i); err != nil {
					fail(fmt.Errorf("seeding application %d: %w", i, err))
				}
				if d := done.Add(1); d%5000 == 0 {
					logf("scale: seeded %d of %d", d, n)
				}
			}
		}()
	}
	for i := from; i < from+n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func (t *seedTemplate) seedOne(ctx context.Context, c client.Client, cs kubernetes.Interface, i int) error {
	app := &stokev1.SparkApplication{}
	if err := t.clone(t.app, i, "", "", app); err != nil {
		return err
	}
	if err := c.Create(ctx, app); err != nil {
		return err
	}
	if err := t.clone(t.appStatus, i, string(app.UID), "", &app.Status); err != nil {
		return err
	}
	if err := c.Status().Update(ctx, app); err != nil {
		return err
	}
	pod := &corev1.Pod{}
	if err := t.clone(t.pod, i, string(app.UID), "", pod); err != nil {
		return err
	}
	created, err := cs.CoreV1().Pods(seededNamespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	if err := t.clone(t.podStatus, i, string(app.UID), string(created.UID), &created.Status); err != nil {
		return err
	}
	if _, err := cs.CoreV1().Pods(seededNamespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return err
	}
	cm := &corev1.ConfigMap{}
	if err := t.clone(t.configMap, i, string(app.UID), string(created.UID), cm); err != nil {
		return err
	}
	_, err = cs.CoreV1().ConfigMaps(seededNamespace).Create(ctx, cm, metav1.CreateOptions{})
	return err
}

func (r *scaleReport) checkTargets() {
	if len(r.Levels) < 2 {
		return
	}
	first, last := r.Levels[0], r.Levels[len(r.Levels)-1]
	ratio := 0.0
	if first.Burst.PerMinute > 0 {
		ratio = last.Burst.PerMinute / first.Burst.PerMinute
	}
	r.Targets = append(r.Targets, check(fmt.Sprintf("burst throughput at %d retained vs at %d", last.Level, first.Level), "≥ 90%",
		fmt.Sprintf("%.0f%% (%.0f vs %.0f driver pods/min)", 100*ratio, last.Burst.PerMinute, first.Burst.PerMinute), ratio >= 0.9))
	r.Targets = append(r.Targets, check(fmt.Sprintf("operator RSS per retained application at %d", last.Retained), "< 10 KB",
		fmt.Sprintf("%.1f KB (%s → %s settled)", last.RSSPerApp/1024, mb(r.RSSBaseline), mb(last.RSSSettled)), last.RSSPerApp < 10*1024))
	writes := 0.0
	for _, l := range r.Levels {
		writes += l.ResyncWrites
	}
	r.Targets = append(r.Targets, check("object writes while a restarted operator resyncs its finished applications", "0",
		fmt.Sprintf("%.0f over %d restarts", writes, len(r.Levels)), writes == 0))
}

func (l scaleLevel) seedsPerSecond() float64 {
	if l.SeedSeconds == 0 {
		return 0
	}
	return float64(l.Seeded) / l.SeedSeconds
}

// medianAndEach renders a median figure with the figures it was taken from: "2305 (2201, 2305, 2410)".
func medianAndEach(median float64, each []float64) string {
	if len(each) < 2 {
		return fmt.Sprintf("%.0f", median)
	}
	parts := make([]string, len(each))
	for i, v := range each {
		parts[i] = fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.0f (%s)", median, strings.Join(parts, ", "))
}

func (r *scaleReport) failed() bool { return anyFailed(r.Targets) }

func (r *scaleReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Scale run %s on %s; bursts of %d applications, %d operator workers. Burst columns: the median burst, and every burst in the order they ran.\n\n", r.Started.UTC().Format(time.RFC3339), r.Machine, r.Burst, r.Workers)
	b.WriteString("| Retained | Seeded (per s) | Restart → idle | Reads / writes in resync | Burst driver pods/min | Plain client's | Stoke / plain | Creation → driver pod p50 / p99 | Settled RSS | RSS per retained app |\n")
	b.WriteString("|---:|---|---:|---|---:|---:|---:|---|---:|---:|\n")
	for _, l := range r.Levels {
		ratio := 0.0
		if l.Ceiling.PerMinute > 0 {
			ratio = l.Burst.PerMinute / l.Ceiling.PerMinute
		}
		fmt.Fprintf(&b, "| %d | %d (%.0f/s) | %.1f s | %.0f / %.0f | %s | %s | %.0f%% | %.0f / %.0f ms | %s | %.1f KB |\n",
			l.Level, l.Seeded, l.seedsPerSecond(), l.ResyncSecs, l.ResyncReads, l.ResyncWrites,
			medianAndEach(l.Burst.PerMinute, l.BurstsPerMinute), medianAndEach(l.Ceiling.PerMinute, l.CeilingsPerMinute),
			100*ratio, l.Burst.ToDriverPod.P50, l.Burst.ToDriverPod.P99, mb(l.RSSSettled), l.RSSPerApp/1024)
	}
	fmt.Fprintf(&b, "\nOperator RSS holding the 20 warm-up applications: %s (settled). RSS per retained application is the settled RSS less that, over the applications in the cluster less the warm-up.\n\n", mb(r.RSSBaseline))
	targetsMarkdown(&b, r.Targets)
	if len(r.SimErrors) > 0 {
		fmt.Fprintf(&b, "\nSimulator errors (first %d): %s\n", len(r.SimErrors), strings.Join(r.SimErrors, "; "))
	}
	return b.String()
}
