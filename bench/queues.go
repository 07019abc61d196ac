package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// queueResult is the SparkQueue workload: two saturated sibling queues of weights 1 and 3 under a parent
// (sampled every 200 ms for over-admission and for their shares), then one queue holding a long line, where
// each application that ends lets the next one in (from its end to the next driver pod).
type queueResult struct {
	// Fair share.
	ParentCores  int64 `json:"parentCores"`
	AppsPerQueue int   `json:"appsPerQueue"`
	// Samples is how many times the admitted footprints were summed from the applications' status;
	// OverAdmitted counts those in which a queue or the parent held more than its quota.
	Samples      int     `json:"samples"`
	OverAdmitted int     `json:"overAdmittedSamples"`
	MaxParent    float64 `json:"maxParentCoresHeld"`
	// SaturatedSamples are the samples in which both queues had applications waiting; ShareLight is the
	// weight-1 queue's mean share of the held cores over them (percent).
	SaturatedSamples int     `json:"saturatedSamples"`
	ShareLight       float64 `json:"weight1SharePercent"`
	FairSeconds      float64 `json:"fairShareSeconds"`

	// The line.
	Queued   int     `json:"queued"`
	Slots    int     `json:"slots"`
	Releases int     `json:"releases"`
	ToDriver latency `json:"endToNextDriverPod"`
	// WritesPerAdmission are the operator's object writes (status included) per application admitted
	// from the line, against WritesPerApp of the burst (no queue).
	WritesPerAdmission float64 `json:"objectWritesPerAdmission"`
	LineSeconds        float64 `json:"lineSeconds"`
}

// Footprint of a bench application: a driver and o.executors executors of 1 core each.
const benchPodCores = 1

func queueApp(ns, name, queue string, executors int) *stokev1.SparkApplication {
	app := benchApp(ns, name, executors)
	app.Spec.Queue = queue
	return app
}

func sparkQueue(name, parent string, cores int64, weight int32) *stokev1.SparkQueue {
	q := resource.NewQuantity(cores, resource.DecimalSI)
	return &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: stokev1.SparkQueueSpec{Quota: stokev1.QueueQuota{Cores: q}, Parent: parent, Weight: &weight}}
}

// runQueues runs both workloads in namespace ns, reading the applications from the bench's cache.
// The line's ends are profiled (the operator's CPU, its first 30 s) into profileDir/queue-line-cpu.pprof.
func runQueues(ctx context.Context, c client.Client, cached client.Reader, tr *tracker, op *operatorProcess, profileDir, ns string, executors, perQueue, line, releases, workers int) (*queueResult, error) {
	res := &queueResult{AppsPerQueue: perQueue, Queued: line}
	footprint := int64((1 + executors) * benchPodCores)
	slots := int64(8)
	res.ParentCores = slots * footprint
	for _, q := range []*stokev1.SparkQueue{
		sparkQueue("bench-parent", "", res.ParentCores, 1),
		// Each child may borrow the whole parent: its own quota is the parent's.
		sparkQueue("bench-light", "bench-parent", res.ParentCores, 1),
		sparkQueue("bench-heavy", "bench-parent", res.ParentCores, 3),
	} {
		if err := c.Create(ctx, q); err != nil {
			return nil, fmt.Errorf("creating SparkQueue %s: %w", q.Name, err)
		}
	}

	// Fair share: both queues saturated, sampled every 100 ms until every application finished.
	// Submitted alternately, so that both queues are saturated from the start (a queue that is alone at first
	// borrows the whole parent and gives it back only as its applications end: there is no preemption).
	start := time.Now()
	keys, err := burst(ctx, queueSubmitter{c: c, t: tr, executors: executors, queueOf: func(i int) string {
		return []string{"bench-light", "bench-heavy"}[i%2]
	}}, ns, "fair", 2*perQueue, workers)
	if err != nil {
		return res, err
	}
	limits := map[string]int64{"bench-light": res.ParentCores, "bench-heavy": res.ParentCores}
	var shareSum float64
	sample := func() error {
		list := &stokev1.SparkApplicationList{}
		if err := cached.List(ctx, list, client.InNamespace(ns)); err != nil {
			return err
		}
		held, waiting := map[string]int64{}, map[string]int{}
		for i := range list.Items {
			q := list.Items[i].Status.Queue
			switch {
			case q == nil:
			case q.AdmittedTime != nil:
				held[q.Name] += q.Footprint.Cores.MilliValue()
			default:
				waiting[q.Name]++
			}
		}
		res.Samples++
		parent := held["bench-light"] + held["bench-heavy"]
		res.MaxParent = max(res.MaxParent, float64(parent)/1000)
		if parent > res.ParentCores*1000 || held["bench-light"] > limits["bench-light"]*1000 || held["bench-heavy"] > limits["bench-heavy"]*1000 {
			res.OverAdmitted++
		}
		if waiting["bench-light"] > 0 && waiting["bench-heavy"] > 0 && parent > 0 {
			res.SaturatedSamples++
			shareSum += 100 * float64(held["bench-light"]) / float64(parent)
		}
		return nil
	}
	err = waitUntil(10*time.Minute+time.Duration(len(keys))*100*time.Millisecond, "the queued applications to finish", func() bool {
		if err := sample(); err != nil {
			tr.simError(fmt.Errorf("sampling the queues: %w", err))
		}
		return tr.allFinished(keys)
	})
	res.FairSeconds = time.Since(start).Seconds()
	if res.SaturatedSamples > 0 {
		res.ShareLight = shareSum / float64(res.SaturatedSamples)
	}
	if err != nil {
		return res, err
	}

	// The line: a queue with room for `slots` applications and `line` of them created; after the first
	// slots run, each end admits the next. The k-th end pairs with the (slots+k)-th driver pod.
	if line <= 0 || releases <= 0 {
		return res, nil
	}
	res.Slots = int(slots)
	if err := c.Create(ctx, sparkQueue("bench-line", "", slots*footprint, 1)); err != nil {
		return res, fmt.Errorf("creating SparkQueue bench-line: %w", err)
	}
	logf("queues: a line of %d applications in a queue with room for %d", line, slots)
	lineStart := time.Now()
	keys, err = burst(ctx, queueSubmitter{c: c, t: tr, executors: executors, queueOf: func(int) string { return "bench-line" }}, ns, "line", line, workers)
	if err != nil {
		return res, err
	}
	// Measure from a point where the whole line has been seen by the operator: every application stands in
	// the queue (admitted or waiting) or has already run (ends while the line was being created count less
	// than a full line, so they are not measured).
	if err := waitUntil(10*time.Minute+time.Duration(line)*50*time.Millisecond, "the line to stand in the queue", func() bool {
		list := &stokev1.SparkApplicationList{}
		if err := cached.List(ctx, list, client.InNamespace(ns)); err != nil {
			return false
		}
		seen := 0
		for i := range list.Items {
			app := &list.Items[i]
			if q := app.Status.Queue; (q != nil && q.Name == "bench-line") || (app.Spec.Queue == "bench-line" && app.Status.Phase == stokev1.PhaseSucceeded) {
				seen++
			}
		}
		return seen >= line
	}); err != nil {
		return res, err
	}
	m0, err := op.metrics()
	if err != nil {
		return res, err
	}
	measureFrom := time.Now()
	_, doneBefore := tr.count(keys)
	logf("queues: the line stands (%d already ran); measuring %d ends", doneBefore, releases)
	profiled := op.cpuProfileInBackground(30*time.Second, filepath.Join(profileDir, "queue-line-cpu.pprof"))
	if err := waitUntil(10*time.Minute+time.Duration(releases)*time.Second, fmt.Sprintf("%d applications to end", releases), func() bool {
		_, done := tr.count(keys)
		return done >= doneBefore+releases
	}); err != nil {
		return res, err
	}
	m1, err := op.metrics()
	if err != nil {
		return res, err
	}
	res.LineSeconds = time.Since(lineStart).Seconds()
	profiled()
	var ends, pods []time.Time
	for _, a := range tr.snapshot(keys) {
		if !a.finished.IsZero() {
			ends = append(ends, a.finished)
		}
		if !a.pod.IsZero() {
			pods = append(pods, a.pod)
		}
	}
	sortTimes(ends)
	sortTimes(pods)
	var ds []time.Duration
	for k, end := range ends {
		if k+int(slots) >= len(pods) || end.Before(measureFrom) {
			continue
		}
		ds = append(ds, pods[k+int(slots)].Sub(end))
	}
	res.ToDriver = summarize(ds)
	res.Releases = len(ds)
	if w, _ := objectWrites(requestDelta(m0, m1)); len(ds) > 0 {
		res.WritesPerAdmission = w / float64(len(ds))
	}
	return res, nil
}

func sortTimes(ts []time.Time) { sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) }) }

// queueSubmitter creates applications in the queue queueOf gives for their number (burst names them
// <prefix>-<number>).
type queueSubmitter struct {
	c         client.Client
	t         *tracker
	executors int
	queueOf   func(int) string
}

func (s queueSubmitter) submit(ctx context.Context, ns, name string) error {
	var n int
	if i := strings.LastIndexByte(name, '-'); i >= 0 {
		n, _ = strconv.Atoi(name[i+1:])
	}
	s.t.created(ns+"/"+name, time.Now())
	return s.c.Create(ctx, queueApp(ns, name, s.queueOf(n), s.executors))
}
