package scheduledsparkapplication

import (
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/schedule"
)

// run is one observed run of a schedule: a SparkApplication or a SparkWorkflow.
type run struct {
	obj       client.Object
	scheduled time.Time
	trigger   stokev1.RunTrigger
	outcome   stokev1.RunOutcome // empty while active
	finished  time.Time
	message   string
}

// runSource is what observeRuns reads of a run object: the object and its status's conditions and
// termination time (both kinds record the outcome the same way).
type runSource struct {
	obj        client.Object
	conditions []metav1.Condition
	terminated *metav1.Time
}

func applicationSource(app *stokev1.SparkApplication) runSource {
	return runSource{obj: app, conditions: app.Status.Conditions, terminated: app.Status.TerminationTime}
}

func workflowSource(wf *stokev1.SparkWorkflow) runSource {
	return runSource{obj: wf, conditions: wf.Status.Conditions, terminated: wf.Status.TerminationTime}
}

// observedRuns splits a schedule's runs into active, waiting and finished ones, oldest scheduled time
// first. Waiting runs are those HTTP triggers created that the schedule has not started yet. Runs being
// deleted are none of these: they were replaced or pruned.
type observedRuns struct {
	active   []run
	waiting  []run
	finished []run
}

// observeRuns classifies the schedule's runs from their conditions and annotations.
func observeRuns(sources []runSource) observedRuns {
	var o observedRuns
	for _, src := range sources {
		obj := src.obj
		if !obj.GetDeletionTimestamp().IsZero() {
			continue
		}
		annotations := obj.GetAnnotations()
		r := run{obj: obj, trigger: stokev1.RunTrigger(annotations[stokev1.AnnotationRunTrigger])}
		if t, err := time.Parse(time.RFC3339, annotations[stokev1.AnnotationScheduledTime]); err == nil {
			r.scheduled = t
		} else {
			r.scheduled = obj.GetCreationTimestamp().Time
		}
		for _, t := range []struct {
			condition string
			outcome   stokev1.RunOutcome
		}{{stokev1.ConditionSucceeded, stokev1.RunSucceeded}, {stokev1.ConditionFailed, stokev1.RunFailed}} {
			if c := meta.FindStatusCondition(src.conditions, t.condition); c != nil && c.Status == metav1.ConditionTrue {
				r.outcome = t.outcome
				r.finished = c.LastTransitionTime.Time
				if t.outcome == stokev1.RunFailed {
					r.message = c.Message
				}
			}
		}
		if r.outcome != "" && src.terminated != nil {
			r.finished = src.terminated.Time
		}
		_, waiting := annotations[stokev1.AnnotationAwaitingSchedule]
		switch {
		case r.outcome == "" && waiting:
			o.waiting = append(o.waiting, r)
		case r.outcome == "":
			o.active = append(o.active, r)
		default:
			o.finished = append(o.finished, r)
		}
	}
	byScheduled := func(runs []run) {
		sort.SliceStable(runs, func(i, j int) bool {
			if !runs[i].scheduled.Equal(runs[j].scheduled) {
				return runs[i].scheduled.Before(runs[j].scheduled)
			}
			return runs[i].obj.GetName() < runs[j].obj.GetName()
		})
	}
	byScheduled(o.active)
	byScheduled(o.waiting)
	byFinished(o.finished)
	return o
}

// has reports whether a run of that name exists, active, waiting or finished.
func (o observedRuns) has(name string) bool {
	for _, list := range [][]run{o.active, o.waiting, o.finished} {
		for _, r := range list {
			if r.obj.GetName() == name {
				return true
			}
		}
	}
	return false
}

// byFinished orders runs by the time they finished, then by name.
func byFinished(runs []run) {
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].finished.Equal(runs[j].finished) {
			return runs[i].finished.Before(runs[j].finished)
		}
		return runs[i].obj.GetName() < runs[j].obj.GetName()
	})
}

// activeRuns is the form schedule.Decide takes.
func activeRuns(runs []run) []schedule.ActiveRun {
	out := make([]schedule.ActiveRun, 0, len(runs))
	for _, r := range runs {
		out = append(out, schedule.ActiveRun{Name: r.obj.GetName(), ScheduledTime: r.scheduled})
	}
	return out
}

// historyLimits returns the succeeded and failed history limits, defaulted.
func historyLimits(spec *stokev1.ScheduledSparkApplicationSpec) (succeeded, failed int) {
	succeeded, failed = 3, 1
	if spec.SuccessfulRunHistoryLimit != nil {
		succeeded = int(*spec.SuccessfulRunHistoryLimit)
	}
	if spec.FailedRunHistoryLimit != nil {
		failed = int(*spec.FailedRunHistoryLimit)
	}
	return succeeded, failed
}

// recentRunsLimit is how many entries status.recentRuns keeps: every finished run the history limits
// keep, plus room for skipped fire times, so a kept run is never recorded twice.
func recentRunsLimit(spec *stokev1.ScheduledSparkApplicationSpec) int {
	s, f := historyLimits(spec)
	return s + f + 10
}

// recordFinished appends the finished runs not yet in status.recentRuns, in the order they finished, and
// counts consecutive failures (a success resets the count). It returns the runs it recorded.
func recordFinished(status *stokev1.ScheduledSparkApplicationStatus, finished []run, limit int) []run {
	known := map[string]bool{}
	for _, r := range status.RecentRuns {
		known[r.Name] = true
	}
	var recorded []run
	for _, r := range finished {
		if known[r.obj.GetName()] {
			continue
		}
		recorded = append(recorded, r)
		entry := stokev1.ScheduledRun{
			Name:          r.obj.GetName(),
			ScheduledTime: metav1.NewTime(r.scheduled),
			Trigger:       r.trigger,
			Outcome:       r.outcome,
			FinishTime:    &metav1.Time{Time: r.finished},
			Message:       conditions.Bound(r.message, conditions.MaxEventMessage),
		}
		appendRecent(status, entry, limit)
		if r.outcome == stokev1.RunSucceeded {
			status.ConsecutiveFailures = 0
		} else {
			status.ConsecutiveFailures++
		}
	}
	return recorded
}

// appendRecent adds an entry to status.recentRuns and drops the oldest beyond limit.
func appendRecent(status *stokev1.ScheduledSparkApplicationStatus, entry stokev1.ScheduledRun, limit int) {
	status.RecentRuns = append(status.RecentRuns, entry)
	if over := len(status.RecentRuns) - limit; over > 0 {
		status.RecentRuns = append([]stokev1.ScheduledRun(nil), status.RecentRuns[over:]...)
	}
}

// toPrune lists the finished runs beyond the history limits: the ones that finished earliest go first.
func toPrune(finished []run, succeededLimit, failedLimit int) []run {
	var succeeded, failed []run
	for _, r := range finished {
		if r.outcome == stokev1.RunSucceeded {
			succeeded = append(succeeded, r)
		} else {
			failed = append(failed, r)
		}
	}
	byFinished(succeeded)
	byFinished(failed)
	var out []run
	if over := len(succeeded) - succeededLimit; over > 0 {
		out = append(out, succeeded[:over]...)
	}
	if over := len(failed) - failedLimit; over > 0 {
		out = append(out, failed[:over]...)
	}
	return out
}

// stopped reports whether failureLimit consecutive runs failed, with the condition's message.
func stopped(spec *stokev1.ScheduledSparkApplicationSpec, status *stokev1.ScheduledSparkApplicationStatus) (bool, string) {
	if spec.FailureLimit == nil || status.ConsecutiveFailures < *spec.FailureLimit {
		return false, ""
	}
	last := ""
	for i := len(status.RecentRuns) - 1; i >= 0; i-- {
		if status.RecentRuns[i].Outcome == stokev1.RunFailed {
			last = status.RecentRuns[i].Name
			break
		}
	}
	return true, fmt.Sprintf("%d consecutive runs failed (failureLimit %d), the last one %s: scheduled runs are stopped until a run succeeds (stoke schedule run-now) or failureLimit is raised",
		status.ConsecutiveFailures, *spec.FailureLimit, last)
}

// dueTimes decides which scheduled fire times to act on now, from the last handled fire time (or the
// schedule's creation). skipped is the latest fire time that passed its starting deadline without
// running and without a later fire time superseding it, zero if none; superseded counts the fire times
// that will never run because a later one was due too (a lower bound when very many were missed).
func dueTimes(s *schedule.Schedule, spec *stokev1.ScheduledSparkApplicationSpec, last, now time.Time) (run []time.Time, skipped time.Time, superseded int, next time.Time) {
	opts := schedule.DueOptions{}
	if spec.StartingDeadlineSeconds != nil {
		d := time.Duration(*spec.StartingDeadlineSeconds) * time.Second
		opts.StartingDeadline = &d
	}
	decision := s.Due(last, now, opts)
	superseded = decision.Skipped
	if len(decision.Run) == 0 && opts.StartingDeadline != nil {
		if late := s.Due(last, now.Add(-*opts.StartingDeadline), schedule.DueOptions{}); len(late.Run) > 0 {
			skipped = late.Run[len(late.Run)-1]
			superseded += late.Skipped
		}
	}
	return decision.Run, skipped, superseded, decision.Next
}

// backfillSlots is how many backfill runs may start now: up to parallelism beside the active backfill
// runs under Allow; under Forbid and Replace one, and only when no run is active.
func backfillSlots(policy stokev1.ConcurrencyPolicy, parallelism int32, active []run) int {
	if policy == stokev1.ConcurrencyForbid || policy == stokev1.ConcurrencyReplace {
		if len(active) > 0 {
			return 0
		}
		return 1
	}
	n := int(max(parallelism, 1))
	for _, r := range active {
		if r.trigger == stokev1.RunTriggerBackfill {
			n--
		}
	}
	return max(n, 0)
}

// backfillProgress returns the status.backfill matching spec.backfill: the same one when the range is
// unchanged, a fresh one for a new range.
func backfillProgress(spec *stokev1.Backfill, current *stokev1.BackfillStatus) *stokev1.BackfillStatus {
	if spec == nil {
		return nil
	}
	if current != nil && current.From.Equal(&spec.From) && current.To.Equal(&spec.To) {
		return current
	}
	return &stokev1.BackfillStatus{From: spec.From, To: spec.To}
}

// phaseOf summarises the conditions.
func phaseOf(list []metav1.Condition) stokev1.SchedulePhase {
	switch {
	case meta.IsStatusConditionTrue(list, stokev1.ConditionInvalid):
		return stokev1.SchedulePhaseInvalid
	case meta.IsStatusConditionTrue(list, stokev1.ConditionSuspended):
		return stokev1.SchedulePhaseSuspended
	case meta.IsStatusConditionTrue(list, stokev1.ConditionStopped):
		return stokev1.SchedulePhaseStopped
	}
	return stokev1.SchedulePhaseScheduling
}
