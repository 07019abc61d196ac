package sparkworkflow

import (
	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/metrics"
)

// statusChanges is what the metrics count in one status write: the phases steps entered, and whether the
// workflow finished with it (then phase and seconds from start to termination).
type statusChanges struct {
	stepsEntered map[stokev1.StepPhase]int
	finished     stokev1.WorkflowPhase
	seconds      float64
}

// changesOf compares the status a pass started from with the one it wrote. A step is matched by its
// concrete name; a step seen for the first time counts as entering its phase unless that phase is Pending.
// It is pure.
func changesOf(before, after *stokev1.SparkWorkflowStatus) statusChanges {
	c := statusChanges{stepsEntered: map[stokev1.StepPhase]int{}}
	was := make(map[string]stokev1.StepPhase, len(before.Steps))
	for _, s := range before.Steps {
		was[s.Name] = s.Phase
	}
	for _, s := range after.Steps {
		old, seen := was[s.Name]
		if s.Phase != old && (seen || s.Phase != stokev1.StepPending) {
			c.stepsEntered[s.Phase]++
		}
	}
	done := func(p stokev1.WorkflowPhase) bool {
		return p == stokev1.WorkflowPhaseSucceeded || p == stokev1.WorkflowPhaseFailed
	}
	if done(after.Phase) && !done(before.Phase) {
		c.finished = after.Phase
		if after.StartTime != nil && after.TerminationTime != nil {
			c.seconds = max(after.TerminationTime.Sub(after.StartTime.Time).Seconds(), 0)
		}
	}
	return c
}

// recordChanges counts a status write that succeeded.
func recordChanges(wf *stokev1.SparkWorkflow, before *stokev1.SparkWorkflowStatus) {
	c := changesOf(before, &wf.Status)
	for phase, n := range c.stepsEntered {
		metrics.WorkflowStepTransitions.WithLabelValues(wf.Namespace, string(phase)).Add(float64(n))
	}
	if c.finished != "" {
		metrics.WorkflowsFinished.WithLabelValues(wf.Namespace, string(c.finished)).Inc()
		metrics.WorkflowSeconds.Observe(c.seconds)
	}
}
