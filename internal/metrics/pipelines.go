package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Reasons a schedule's fire time gets no run (the reason label of stoke_schedule_fires_skipped_total).
const (
	SkipMissedDeadline = "MissedDeadline"    // passed startingDeadlineSeconds before the operator got to it
	SkipSuperseded     = "Superseded"        // a later fire time was due too, and only the latest runs
	SkipConcurrency    = "ConcurrencyPolicy" // Forbid with a run active, or the run already active
	SkipOther          = "Other"
)

// Schedule and workflow metrics, counted by their reconcilers: runs when the API server accepted their
// creation (a deterministic name can be created once), skips and workflow transitions from the status
// they have just written. Labels are bounded: namespace, trigger, reason or phase, never an object's name.
var (
	ScheduleRunsStarted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_schedule_runs_started_total",
		Help: "Runs a ScheduledSparkApplication created, by namespace and trigger (Schedule, RunNow, Backfill).",
	}, []string{"namespace", "trigger"})
	ScheduleStartDelay = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "stoke_schedule_start_delay_seconds",
		Help:    "Time from a scheduled fire time to the creation of its run (trigger Schedule only).",
		Buckets: TransitionBuckets,
	})
	ScheduleFiresSkipped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_schedule_fires_skipped_total",
		Help: "Fire times that got no run, by namespace and reason (MissedDeadline, Superseded, ConcurrencyPolicy, Other).",
	}, []string{"namespace", "reason"})
	WorkflowStepTransitions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_workflow_step_transitions_total",
		Help: "Workflow steps that entered a phase (Running, Succeeded, Failed, Errored, Skipped, Omitted), by namespace and phase.",
	}, []string{"namespace", "phase"})
	WorkflowsFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stoke_workflows_finished_total",
		Help: "Workflows that succeeded or failed, by namespace and phase.",
	}, []string{"namespace", "phase"})
	WorkflowSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "stoke_workflow_duration_seconds",
		Help:    "Time from a workflow's start to its success or failure.",
		Buckets: TransitionBuckets,
	})
)

func init() {
	ctrlmetrics.Registry.MustRegister(ScheduleRunsStarted, ScheduleStartDelay, ScheduleFiresSkipped,
		WorkflowStepTransitions, WorkflowsFinished, WorkflowSeconds)
}
