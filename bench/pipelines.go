package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkworkflow"
)

// scheduleResult is the schedules workload: n schedules firing every minute for a number of minutes.
type scheduleResult struct {
	Schedules  int `json:"schedules"`
	FireTimes  int `json:"fireTimes"`
	Expected   int `json:"expectedRuns"`
	Created    int `json:"runsCreated"`
	Missed     int `json:"missedRuns"`
	Duplicates int `json:"duplicateRuns"`
	// ToRun is from a run's scheduled time to the bench's watch first seeing its SparkApplication.
	ToRun latency `json:"scheduledToRunCreated"`
	// BareCreateSeconds is how long the API server took to create as many SparkApplications as there are
	// schedules, sent by the bench alone (BareCreateConcurrency in flight) in a namespace the operator does
	// not serve, before the schedules: a lower bound on the p99 of one fire time's runs, whoever creates
	// them.
	BareCreateSeconds     float64 `json:"bareCreateSeconds"`
	BareCreateConcurrency int     `json:"bareCreateConcurrency"`
}

// bareSubmitter creates an application and nothing else.
type bareSubmitter struct{ c client.Client }

func (s bareSubmitter) submit(ctx context.Context, ns, name string) error {
	return s.c.Create(ctx, benchApp(ns, name, 1))
}

// timeBareCreates creates n applications in ns (which the operator must not serve) with concurrency
// clients, and deletes them again; it returns how long the creates took.
func timeBareCreates(ctx context.Context, c client.Client, ns string, n, concurrency int) (time.Duration, error) {
	start := time.Now()
	if _, err := burst(ctx, bareSubmitter{c}, ns, "bare", n, concurrency); err != nil {
		return 0, err
	}
	took := time.Since(start)
	err := waitUntil(2*time.Minute, "the bare applications to be deleted", func() bool {
		if err := c.DeleteAllOf(ctx, &stokev1.SparkApplication{}, client.InNamespace(ns)); err != nil {
			return false
		}
		left := &stokev1.SparkApplicationList{}
		return c.List(ctx, left, client.InNamespace(ns), client.Limit(1)) == nil && len(left.Items) == 0
	})
	return took, err
}

// workflowResult is the workflow workload: a start step, a fan-out and a chain.
type workflowResult struct {
	Steps     int     `json:"concreteSteps"`
	FanOut    int     `json:"fanOut"`
	Chain     int     `json:"chain"`
	Phase     string  `json:"phase"`
	Seconds   float64 `json:"seconds"`
	Unmatched int     `json:"stepsWithoutTimes"`
	// ToPod is from the time the last of a step's dependencies was seen finished to the step's driver pod
	// being seen.
	ToPod latency `json:"dependencyFinishedToDriverPod"`
}

// runLog records when the bench's watch first saw each schedule run, with its schedule and scheduled time.
type runLog struct {
	mu   sync.Mutex
	runs map[string]seenRun // by name
}

type seenRun struct {
	schedule  string
	scheduled time.Time
	seen      time.Time
}

func newRunLog() *runLog { return &runLog{runs: map[string]seenRun{}} }

func (l *runLog) handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		now := time.Now()
		app, ok := obj.(*stokev1.SparkApplication)
		if !ok || app.Labels[stokev1.LabelSchedule] == "" {
			return
		}
		t, err := time.Parse(time.RFC3339, app.Annotations[stokev1.AnnotationScheduledTime])
		if err != nil {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if _, ok := l.runs[app.Name]; !ok {
			l.runs[app.Name] = seenRun{schedule: app.Labels[stokev1.LabelSchedule], scheduled: t, seen: now}
		}
	}}
}

func (l *runLog) snapshot() map[string]seenRun {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]seenRun, len(l.runs))
	for k, v := range l.runs {
		out[k] = v
	}
	return out
}

// scoreSchedules compares the runs seen with the runs the schedules owed: one per schedule per fire time
// in fireTimes. A fire time with no run is missed; a second run for the same schedule and fire time is a
// duplicate. Runs for fire times outside the window are ignored.
func scoreSchedules(schedules []string, fireTimes []time.Time, seen map[string]seenRun) scheduleResult {
	r := scheduleResult{Schedules: len(schedules), FireTimes: len(fireTimes), Expected: len(schedules) * len(fireTimes)}
	inWindow := map[int64]bool{}
	for _, t := range fireTimes {
		inWindow[t.Unix()] = true
	}
	perFire := map[string]int{}
	var delays []time.Duration
	for _, run := range seen {
		if !inWindow[run.scheduled.Unix()] {
			continue
		}
		key := run.schedule + "@" + strconv.FormatInt(run.scheduled.Unix(), 10)
		perFire[key]++
		r.Created++
		if perFire[key] > 1 {
			r.Duplicates++
		}
		delays = append(delays, run.seen.Sub(run.scheduled))
	}
	for _, s := range schedules {
		for _, t := range fireTimes {
			if perFire[s+"@"+strconv.FormatInt(t.Unix(), 10)] == 0 {
				r.Missed++
			}
		}
	}
	r.ToRun = summarize(delays)
	return r
}

// scheduleSubmitter creates a schedule firing every minute whose runs are bench applications, keeping one
// finished run of each outcome.
type scheduleSubmitter struct{ c client.Client }

func (s scheduleSubmitter) submit(ctx context.Context, ns, name string) error {
	app := benchApp(ns, "", 1).Spec
	return s.c.Create(ctx, &stokev1.ScheduledSparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: stokev1.ScheduledSparkApplicationSpec{Schedule: "* * * * *",
			SuccessfulRunHistoryLimit: ptr(int32(1)), FailedRunHistoryLimit: ptr(int32(1)),
			Template: stokev1.ScheduleTemplate{Application: &app}},
	})
}

// runSchedules times n bare creates in bareNS, then creates n schedules firing every minute, lets them fire
// for the given number of whole minutes, deletes them and scores the runs.
func runSchedules(ctx context.Context, c client.Client, log *runLog, ns, bareNS string, n, minutes, concurrency int) (*scheduleResult, error) {
	bare, err := timeBareCreates(ctx, c, bareNS, n, concurrency)
	if err != nil {
		return nil, err
	}
	logf("schedules: %d bare SparkApplication creates (%d in flight) took %.2f s", n, concurrency, bare.Seconds())
	keys, err := burst(ctx, scheduleSubmitter{c}, ns, "sched", n, 8)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = strings.TrimPrefix(k, ns+"/")
	}
	// The window starts at the first whole minute at least 10 s after the last schedule exists.
	first := time.Now().Add(10 * time.Second).Truncate(time.Minute).Add(time.Minute)
	fireTimes := make([]time.Time, minutes)
	for i := range fireTimes {
		fireTimes[i] = first.Add(time.Duration(i) * time.Minute)
	}
	last := fireTimes[len(fireTimes)-1]
	logf("schedules: %d created, counting fire times %s to %s", n, first.Format("15:04:05"), last.Format("15:04:05"))
	_ = waitUntil(time.Until(last)+30*time.Second, "every run of the last fire time", func() bool {
		if time.Now().Before(last) {
			return false
		}
		r := scoreSchedules(names, fireTimes, log.snapshot())
		return r.Missed == 0
	})
	res := scoreSchedules(names, fireTimes, log.snapshot())
	res.BareCreateSeconds, res.BareCreateConcurrency = bare.Seconds(), concurrency
	// An overloaded API server may time out the collection delete while still carrying it out: retry
	// until the schedules are gone, so that they do not load the phases after this one.
	err = waitUntil(5*time.Minute, "the schedules to be deleted", func() bool {
		if err := c.DeleteAllOf(ctx, &stokev1.ScheduledSparkApplication{}, client.InNamespace(ns)); err != nil {
			logf("schedules: deleting them: %v", err)
			return false
		}
		left := &stokev1.ScheduledSparkApplicationList{}
		return c.List(ctx, left, client.InNamespace(ns), client.Limit(1)) == nil && len(left.Items) == 0
	})
	return &res, err
}

// workflowSpec is a start step, a fan-out of fanOut items after it and a chain of chain steps after the
// fan-out, each step a bench application.
func workflowSpec(fanOut, chain int) stokev1.SparkWorkflowSpec {
	step := func(name string, deps ...string) stokev1.WorkflowStep {
		return stokev1.WorkflowStep{Name: name, Dependencies: deps, Template: stokev1.StepTemplate{Application: benchApp("", "", 1).Spec}}
	}
	fan := step("fan", "start")
	for i := 0; i < fanOut; i++ {
		fan.Items = append(fan.Items, strconv.Itoa(i))
	}
	spec := stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("start"), fan}}
	prev := "fan"
	for i := 1; i <= chain; i++ {
		name := fmt.Sprintf("c%03d", i)
		spec.Steps = append(spec.Steps, step(name, prev))
		prev = name
	}
	return spec
}

// stepDelays computes, for every step but the first, the time from its last dependency finishing to its
// driver pod, from the tracked times of the steps' applications (keyed by concrete step name).
func stepDelays(fanOut, chain int, times map[string]appTimes) (delays []time.Duration, unmatched int) {
	after := func(step string, deps ...string) {
		pod := times[step].pod
		var ready time.Time
		for _, d := range deps {
			f := times[d].finished
			if f.IsZero() {
				ready = time.Time{}
				break
			}
			if f.After(ready) {
				ready = f
			}
		}
		if pod.IsZero() || ready.IsZero() {
			unmatched++
			return
		}
		delays = append(delays, pod.Sub(ready))
	}
	fan := make([]string, fanOut)
	for i := range fan {
		fan[i] = "fan-" + strconv.Itoa(i)
		after(fan[i], "start")
	}
	prev := fan
	for i := 1; i <= chain; i++ {
		name := fmt.Sprintf("c%03d", i)
		after(name, prev...)
		prev = []string{name}
	}
	return delays, unmatched
}

// runWorkflow runs one workflow of a fan-out and a chain to the end and measures each step's start.
func runWorkflow(ctx context.Context, c client.Client, tr *tracker, ns string, fanOut, chain int) (*workflowResult, error) {
	wf := &stokev1.SparkWorkflow{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "wf"}, Spec: workflowSpec(fanOut, chain)}
	start := time.Now()
	if err := c.Create(ctx, wf); err != nil {
		return nil, fmt.Errorf("creating the workflow: %w", err)
	}
	timeout := time.Duration(chain+5) * 30 * time.Second
	err := waitUntil(timeout, "the workflow to finish", func() bool {
		if err := c.Get(ctx, client.ObjectKeyFromObject(wf), wf); err != nil {
			return false
		}
		return wf.Status.Phase == stokev1.WorkflowPhaseSucceeded || wf.Status.Phase == stokev1.WorkflowPhaseFailed
	})
	res := &workflowResult{Steps: 1 + fanOut + chain, FanOut: fanOut, Chain: chain, Phase: string(wf.Status.Phase),
		Seconds: time.Since(start).Seconds()}
	names := []string{"start"}
	for i := 0; i < fanOut; i++ {
		names = append(names, "fan-"+strconv.Itoa(i))
	}
	for i := 1; i <= chain; i++ {
		names = append(names, fmt.Sprintf("c%03d", i))
	}
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = ns + "/" + sparkworkflow.ChildName(wf.Name, n)
	}
	snap := tr.snapshot(keys)
	times := map[string]appTimes{}
	for i, n := range names {
		times[n] = snap[i]
	}
	delays, unmatched := stepDelays(fanOut, chain, times)
	res.ToPod, res.Unmatched = summarize(delays), unmatched
	return res, err
}
