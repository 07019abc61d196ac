package schedule

import (
	"fmt"
	"time"
)

// ConcurrencyPolicy says what happens when a run is due while earlier runs are still active.
type ConcurrencyPolicy string

const (
	// Allow starts the new run beside the active ones.
	Allow ConcurrencyPolicy = "Allow"
	// Forbid skips the new run while any run is active.
	Forbid ConcurrencyPolicy = "Forbid"
	// Replace stops the active runs and starts the new one.
	Replace ConcurrencyPolicy = "Replace"
)

// ActiveRun is a run of the schedule that has not finished.
type ActiveRun struct {
	Name          string
	ScheduledTime time.Time
}

// Action is what to do for one due scheduled time.
type Action struct {
	// Start is true when the run for the scheduled time should be created.
	Start bool
	// Replace names active runs to delete before the new run is created (Replace policy).
	Replace []string
	// SkipReason explains, when Start is false, why the run is not started.
	SkipReason string
}

// Decide applies the concurrency policy to a due scheduled time, given the schedule's active runs. A
// run already active for the same scheduled time is never started again, whatever the policy. An
// unknown policy skips with a reason rather than guessing ("" means Allow, the API default).
func Decide(policy ConcurrencyPolicy, scheduled time.Time, active []ActiveRun) Action {
	for _, run := range active {
		if run.ScheduledTime.Equal(scheduled) {
			return Action{SkipReason: fmt.Sprintf("run %s for this scheduled time is already active", run.Name)}
		}
	}
	switch policy {
	case Allow, "":
		return Action{Start: true}
	case Forbid:
		if len(active) > 0 {
			return Action{SkipReason: fmt.Sprintf("concurrency policy Forbid: %d run(s) still active, the oldest is %s", len(active), oldest(active).Name)}
		}
		return Action{Start: true}
	case Replace:
		action := Action{Start: true}
		for _, run := range active {
			action.Replace = append(action.Replace, run.Name)
		}
		return action
	default:
		return Action{SkipReason: fmt.Sprintf("unknown concurrency policy %q: use Allow, Forbid or Replace", policy)}
	}
}

func oldest(runs []ActiveRun) ActiveRun {
	first := runs[0]
	for _, run := range runs[1:] {
		if run.ScheduledTime.Before(first.ScheduledTime) {
			first = run
		}
	}
	return first
}

// Release is what to do with the runs HTTP triggers created that wait for the concurrency policy.
type Release struct {
	// Start names waiting runs to start now.
	Start []string
	// Replace names active runs to delete first (Replace policy).
	Replace []string
	// Supersede names waiting runs to delete without starting them: under Replace only the newest
	// delivery runs.
	Supersede []string
}

// ReleaseWaiting applies the concurrency policy to the runs waiting to start (ordered by logical time,
// oldest first) given the active ones: Allow starts them all; Forbid starts the oldest once no run is
// active; Replace starts the newest, deleting the active runs and superseding the older waiting ones. An
// unknown policy starts nothing.
func ReleaseWaiting(policy ConcurrencyPolicy, active, waiting []ActiveRun) Release {
	if len(waiting) == 0 {
		return Release{}
	}
	var r Release
	switch policy {
	case Allow, "":
		for _, w := range waiting {
			r.Start = append(r.Start, w.Name)
		}
	case Forbid:
		if len(active) == 0 {
			r.Start = []string{waiting[0].Name}
		}
	case Replace:
		newest := waiting[len(waiting)-1]
		r.Start = []string{newest.Name}
		for _, a := range active {
			r.Replace = append(r.Replace, a.Name)
		}
		for _, w := range waiting[:len(waiting)-1] {
			r.Supersede = append(r.Supersede, w.Name)
		}
	}
	return r
}
