package sparkapplication

import (
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/conditions"
)

// Condition reasons. docs/conditions.md documents each.
const (
	ReasonDriverPodCreated   = "DriverPodCreated"
	ReasonAttemptEnded       = "AttemptEnded"
	ReasonDriverPending      = "DriverPending"
	ReasonDriverRunning      = "DriverRunning"
	ReasonDriverReady        = "DriverReady"
	ReasonDriverNotReady     = "DriverNotReady"
	ReasonBackoff            = "Backoff"
	ReasonCompleted          = "Completed"
	ReasonApplicationFailed  = "ApplicationFailed"
	ReasonInfrastructureFail = "InfrastructureFailed"
	ReasonInvalidSpec        = "InvalidSpec"
	ReasonSuspendedByUser    = "SuspendedByUser"
	// ReasonAwaitingSchedule: a run an HTTP trigger created waits for its schedule to start it.
	ReasonAwaitingSchedule = "AwaitingSchedule"
	ReasonResumed          = "Resumed"
	ReasonRerun            = "SpecChanged"
	// ReasonUnsupportedDependency: the native builder cannot do what the spec asks (Maven packages, local
	// files to upload); the SparkSubmitPod submission mode can.
	ReasonUnsupportedDependency = "UnsupportedDependency"
	// ReasonSparkSubmitRunning: in the SparkSubmitPod mode, spark-submit runs and the driver does not exist yet.
	ReasonSparkSubmitRunning = "SparkSubmitRunning"
	// ReasonSubmissionFailed: the spark-submit pod ended without creating the driver pod.
	ReasonSubmissionFailed = "SubmissionFailed"
	// ReasonSubmissionRejected: admission (Pod Security, a LimitRange, a webhook) refused an object of the
	// attempt for a reason only a spec change fixes; the message is the API server's.
	ReasonSubmissionRejected = "SubmissionRejected"
	// ReasonExecutorPodRejected: a server-side dry run of the attempt's first executor pod was refused, so no
	// executor could ever start; no driver was created.
	ReasonExecutorPodRejected = "ExecutorPodRejected"
	// ReasonUnreadable: the stored object does not fit the types Stoke reads (for example a number stored
	// before the schema bounded it); nothing runs until it is fixed or deleted.
	ReasonUnreadable = "Unreadable"

	// Reasons of the Waiting condition: what a new attempt waits for before its driver can be created.
	ReasonWaitingForServiceAccount = "WaitingForServiceAccount"
	ReasonWaitingForPriorityClass  = "WaitingForPriorityClass"
	ReasonWaitingForQuota          = "WaitingForQuota"
	ReasonWaitingForPermission     = "WaitingForPermission"
	// ReasonWaitingForEventLogVolume: the operator's event-log volume claim does not exist in the
	// application's namespace.
	ReasonWaitingForEventLogVolume = "WaitingForEventLogVolume"
	// ReasonWaitingForBatchScheduler: spec.batchScheduler.volcano asks for a PodGroup and the API server
	// serves no scheduling.volcano.sh/v1beta1 PodGroup (Volcano is not installed).
	ReasonWaitingForBatchScheduler = "WaitingForBatchScheduler"
)

// PhaseOf derives the phase from the conditions, most decisive first.
func PhaseOf(conditions []metav1.Condition) stokev1.ApplicationPhase {
	is := func(t string) bool { return meta.IsStatusConditionTrue(conditions, t) }
	switch {
	case is(stokev1.ConditionSuspended):
		return stokev1.PhaseSuspended
	case is(stokev1.ConditionSucceeded):
		return stokev1.PhaseSucceeded
	case is(stokev1.ConditionFailed):
		return stokev1.PhaseFailed
	case is(stokev1.ConditionQueued):
		return stokev1.PhaseQueued
	case is(stokev1.ConditionRetrying):
		return stokev1.PhaseRetrying
	case is(stokev1.ConditionRunning):
		return stokev1.PhaseRunning
	case is(stokev1.ConditionSubmitted):
		return stokev1.PhaseSubmitted
	}
	return stokev1.PhasePending
}

// IsFinished reports an application that succeeded or failed for good.
func IsFinished(status *stokev1.SparkApplicationStatus) bool {
	return meta.IsStatusConditionTrue(status.Conditions, stokev1.ConditionSucceeded) ||
		meta.IsStatusConditionTrue(status.Conditions, stokev1.ConditionFailed)
}

// setCondition sets one condition for the given generation, with a bounded message and a valid reason.
func setCondition(status *stokev1.SparkApplicationStatus, generation int64, t string, ok bool, reason, message string) {
	conditions.Set(&status.Conditions, generation, t, ok, reason, message)
}

// clearCondition marks a condition False with the given reason if it is present and True.
func clearCondition(status *stokev1.SparkApplicationStatus, generation int64, t, reason, message string) {
	if meta.IsStatusConditionTrue(status.Conditions, t) {
		setCondition(status, generation, t, false, reason, message)
	}
}

// pushPastAttempt moves the current attempt into the history, keeping the newest max.
func pushPastAttempt(status *stokev1.SparkApplicationStatus, max int) {
	if status.CurrentAttempt == nil {
		return
	}
	status.PastAttempts = append(status.PastAttempts, *status.CurrentAttempt)
	if over := len(status.PastAttempts) - max; over > 0 {
		status.PastAttempts = append([]stokev1.Attempt(nil), status.PastAttempts[over:]...)
	}
}

// ProgressOnly reports whether after differs from before only in executor progress: the executor counts,
// the usage ledger and what it has counted, and the first executor's start time when no executor start
// timeout depends on it having been stored.
func ProgressOnly(before, after *stokev1.SparkApplicationStatus, spec *stokev1.SparkApplicationSpec) bool {
	if before.CurrentAttempt == nil || after.CurrentAttempt == nil {
		return false
	}
	b, a := *before, *after
	b.Executors, a.Executors = stokev1.ExecutorCounts{}, stokev1.ExecutorCounts{}
	b.Usage, a.Usage = nil, nil
	bc, ac := *before.CurrentAttempt, *after.CurrentAttempt
	bc.Usage, ac.Usage, bc.UsageLedger, ac.UsageLedger = nil, nil, nil, nil
	if seconds(spec.Timeouts.ExecutorStartSeconds) == 0 {
		bc.FirstExecutorTime, ac.FirstExecutorTime = nil, nil
	}
	b.CurrentAttempt, a.CurrentAttempt = &bc, &ac
	return equality.Semantic.DeepEqual(&b, &a)
}
