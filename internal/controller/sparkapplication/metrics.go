package sparkapplication

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/metrics"
	"github.com/stokehq/stoke/internal/usage"
)

// Transition is one change between the status an application had and the status just written, as the
// metrics count it.
type Transition struct {
	// Kind is AttemptStarted, DriverRunning, AttemptEnded, Retrying, Finished or WaitEnded.
	Kind string
	// Outcome and Reason of an ended attempt; Phase of a finished application.
	Outcome, Reason, Phase string
	// Histogram and Seconds: the latency the transition measures (Histogram empty when none).
	Histogram, Label string
	Seconds          float64
	// Usage of an ended attempt.
	Usage *stokev1.Usage
}

// Transition kinds.
const (
	TransitionAttemptStarted = "AttemptStarted"
	TransitionDriverRunning  = "DriverRunning"
	TransitionAttemptEnded   = "AttemptEnded"
	TransitionRetrying       = "Retrying"
	TransitionFinished       = "Finished"
	TransitionWaitEnded      = "WaitEnded"
	histogramTransition      = "transition"
	histogramWait            = "wait"
)

// StatusTransitions lists what changed from before to after: attempts started, drivers running, attempts
// ended, a retry scheduled, the application finished, a wait over. It is pure: created is the application's
// creation time and now the time of the pass.
func StatusTransitions(created time.Time, before, after *stokev1.SparkApplicationStatus, now time.Time) []Transition {
	var out []Transition
	was := attemptsByNumber(before)
	for _, a := range allAttempts(after) {
		old, seen := was[a.Number]
		if !seen {
			t := Transition{Kind: TransitionAttemptStarted}
			if a.Number == 1 && a.SubmissionTime != nil {
				t.Histogram, t.Label, t.Seconds = histogramTransition, metrics.TransitionCreatedToSubmitted, seconds2(created, a.SubmissionTime.Time)
			} else if prev, ok := endOf(after, a.Number-1); ok && a.SubmissionTime != nil {
				t.Histogram, t.Label, t.Seconds = histogramWait, metrics.WaitBackoff, seconds2(prev, a.SubmissionTime.Time)
			}
			out = append(out, t)
		}
		if a.DriverStartTime != nil && (!seen || old.DriverStartTime == nil) && a.SubmissionTime != nil {
			out = append(out, Transition{Kind: TransitionDriverRunning, Histogram: histogramTransition,
				Label: metrics.TransitionSubmittedToRunning, Seconds: seconds2(a.SubmissionTime.Time, a.DriverStartTime.Time)})
		}
		if a.Outcome != "" && (!seen || old.Outcome == "") {
			t := Transition{Kind: TransitionAttemptEnded, Outcome: string(a.Outcome), Reason: a.Reason, Usage: a.Usage}
			if a.DriverStartTime != nil && a.EndTime != nil {
				t.Histogram, t.Label, t.Seconds = histogramTransition, metrics.TransitionRunningToFinished, seconds2(a.DriverStartTime.Time, a.EndTime.Time)
			}
			out = append(out, t)
		}
	}
	if isTrue(after, stokev1.ConditionRetrying) && !isTrue(before, stokev1.ConditionRetrying) {
		out = append(out, Transition{Kind: TransitionRetrying})
	}
	if after.TerminationTime != nil && before.TerminationTime == nil {
		out = append(out, Transition{Kind: TransitionFinished, Phase: string(PhaseOf(after.Conditions)), Histogram: histogramTransition,
			Label: metrics.TransitionCreatedToTerminated, Seconds: seconds2(created, after.TerminationTime.Time)})
	}
	if w := meta.FindStatusCondition(before.Conditions, stokev1.ConditionWaiting); w != nil && w.Status == metav1.ConditionTrue &&
		!isTrue(after, stokev1.ConditionWaiting) {
		out = append(out, Transition{Kind: TransitionWaitEnded, Histogram: histogramWait, Label: metrics.WaitWaiting,
			Seconds: seconds2(w.LastTransitionTime.Time, now)})
	}
	return out
}

func allAttempts(st *stokev1.SparkApplicationStatus) []stokev1.Attempt {
	out := append([]stokev1.Attempt(nil), st.PastAttempts...)
	if st.CurrentAttempt != nil {
		out = append(out, *st.CurrentAttempt)
	}
	return out
}

func attemptsByNumber(st *stokev1.SparkApplicationStatus) map[int32]stokev1.Attempt {
	m := map[int32]stokev1.Attempt{}
	for _, a := range allAttempts(st) {
		m[a.Number] = a
	}
	return m
}

// endOf is when attempt n ended, if the status still records it.
func endOf(st *stokev1.SparkApplicationStatus, n int32) (time.Time, bool) {
	for _, a := range allAttempts(st) {
		if a.Number == n && a.EndTime != nil {
			return a.EndTime.Time, true
		}
	}
	return time.Time{}, false
}

func isTrue(st *stokev1.SparkApplicationStatus, t string) bool {
	return meta.IsStatusConditionTrue(st.Conditions, t)
}

// seconds2 is the time from a to b in seconds, never negative (clocks of different machines).
func seconds2(a, b time.Time) float64 { return max(b.Sub(a).Seconds(), 0) }

// recordTransitions counts the transitions of a status write that succeeded.
func recordTransitions(app *stokev1.SparkApplication, before *stokev1.SparkApplicationStatus, now time.Time) {
	ns := app.Namespace
	for _, t := range StatusTransitions(app.CreationTimestamp.Time, before, &app.Status, now) {
		switch t.Kind {
		case TransitionAttemptStarted:
			metrics.AttemptsStarted.WithLabelValues(ns).Inc()
		case TransitionAttemptEnded:
			metrics.AttemptsEnded.WithLabelValues(ns, t.Outcome, metrics.Reason(t.Reason)).Inc()
			if u := t.Usage; u != nil {
				metrics.CoreSeconds.WithLabelValues(ns, usage.RoleDriver).Add(float64(u.DriverCoreSeconds))
				metrics.CoreSeconds.WithLabelValues(ns, usage.RoleExecutor).Add(float64(u.ExecutorCoreSeconds))
				metrics.MemoryGiBSeconds.WithLabelValues(ns, usage.RoleDriver).Add(float64(u.DriverMemoryGiBSeconds))
				metrics.MemoryGiBSeconds.WithLabelValues(ns, usage.RoleExecutor).Add(float64(u.ExecutorMemoryGiBSeconds))
			}
		case TransitionRetrying:
			metrics.Retries.WithLabelValues(ns).Inc()
		case TransitionFinished:
			metrics.ApplicationsFinished.WithLabelValues(ns, t.Phase).Inc()
		}
		switch t.Histogram {
		case histogramTransition:
			metrics.TransitionSeconds.WithLabelValues(t.Label).Observe(t.Seconds)
		case histogramWait:
			metrics.WaitSeconds.WithLabelValues(t.Label).Observe(t.Seconds)
		}
	}
}

// phaseCounter counts the cached applications by namespace and phase for the stoke_applications gauge,
// from the cache's own events: a scrape reads a map of a few entries instead of listing every cached
// application (a list copies each one, 1.6 KB apiece, however many there are).
type phaseCounter struct {
	mu     sync.Mutex
	counts map[phaseKey]int
}

type phaseKey struct{ namespace, phase string }

func newPhaseCounter() *phaseCounter { return &phaseCounter{counts: map[phaseKey]int{}} }

func phaseKeyOf(obj any) (phaseKey, bool) {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	app, ok := obj.(*stokev1.SparkApplication)
	if !ok {
		return phaseKey{}, false
	}
	phase := string(app.Status.Phase)
	if phase == "" {
		phase = string(stokev1.PhasePending)
	}
	return phaseKey{app.Namespace, phase}, true
}

func (c *phaseCounter) add(obj any, n int) {
	k, ok := phaseKeyOf(obj)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts[k] += n; c.counts[k] <= 0 {
		delete(c.counts, k) // a namespace or phase that emptied leaves the gauge
	}
}

// handler keeps the counts as the cache changes.
func (c *phaseCounter) handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.add(obj, 1) },
		UpdateFunc: func(old, obj any) { c.add(old, -1); c.add(obj, 1) },
		DeleteFunc: func(obj any) { c.add(obj, -1) },
	}
}

// source serves the counts to the metrics package.
func (c *phaseCounter) source() metrics.PhaseSource {
	return func(context.Context) ([]metrics.PhaseCount, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		out := make([]metrics.PhaseCount, 0, len(c.counts))
		for k, n := range c.counts {
			out = append(out, metrics.PhaseCount{Namespace: k.namespace, Phase: k.phase, Count: n})
		}
		return out, nil
	}
}
