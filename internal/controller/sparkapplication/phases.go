package sparkapplication

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// AnnotationSpecHash records on the driver pod the spec hash it was built from.
const AnnotationSpecHash = spark.AnnotationSpecHash

// SpecHash identifies the parts of a spec that shape the driver objects. Suspend, the TTL, the restart
// policy and the timeouts are left out: changing them does not restart a running application.
func SpecHash(spec *stokev1.SparkApplicationSpec) string {
	s := spec.DeepCopy()
	s.Suspend = false
	s.TimeToLiveSeconds = nil
	s.RestartPolicy = stokev1.RestartPolicy{}
	s.Timeouts = stokev1.Timeouts{}
	data, _ := json.Marshal(s) // a typed struct always marshals
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// Ending is how and why the current attempt ends.
type Ending struct {
	Outcome  stokev1.AttemptOutcome
	Reason   string
	Message  string
	ExitCode *int32
	// Result is what the driver wrote to its termination message.
	Result string
	// DeleteDriver asks for the driver pod to be deleted (it still runs or holds resources). A driver pod
	// whose Spark container ended is kept for its logs.
	DeleteDriver bool
}

// Evaluation is the verdict on the current attempt: an ending, or when to look again.
type Evaluation struct {
	End *Ending
	// RecheckAfter is the time until the next deadline (a timeout or the lost-driver grace), zero if none.
	RecheckAfter time.Duration
}

// EvaluateAttempt decides from the driver and executor observations whether the current attempt has ended.
// lostGrace is how long after submission an absent driver pod is still awaited.
func EvaluateAttempt(spec *stokev1.SparkApplicationSpec, cur *stokev1.Attempt, driver DriverObservation,
	now time.Time, lostGrace time.Duration) Evaluation {
	submitted := timeOf(cur.SubmissionTime, now)
	switch driver.Phase {
	case DriverAbsent:
		if wait := submitted.Add(lostGrace).Sub(now); wait > 0 {
			return Evaluation{RecheckAfter: wait}
		}
		return infraEnd("DriverLost", "the driver pod disappeared (confirmed by a live read after the grace period)", false)
	case DriverSucceeded:
		return Evaluation{End: &Ending{Outcome: stokev1.OutcomeSucceeded, Reason: driver.Reason, Message: driver.Message,
			ExitCode: driver.ExitCode, Result: driver.Result, DeleteDriver: !driver.PodTerminal}}
	case DriverFailed:
		outcome := stokev1.OutcomeApplicationFailure
		if driver.Infrastructure {
			outcome = stokev1.OutcomeInfrastructureFailure
		}
		return Evaluation{End: &Ending{Outcome: outcome, Reason: driver.Reason, Message: driver.Message,
			ExitCode: driver.ExitCode, Result: driver.Result, DeleteDriver: !driver.PodTerminal}}
	case DriverPending:
		if driver.Fatal {
			return infraEnd(driver.Reason, driver.Message, true)
		}
		limit := seconds(spec.Timeouts.DriverStartSeconds)
		if limit == 0 {
			return Evaluation{}
		}
		if wait := submitted.Add(limit).Sub(now); wait > 0 {
			return Evaluation{RecheckAfter: wait}
		}
		reason := "DriverStartTimeout"
		if driver.Reason == "Unschedulable" {
			reason = "Unschedulable"
		}
		return infraEnd(reason, fmt.Sprintf("the driver did not start within %s (%s: %s)", limit, driver.Reason, driver.Message), true)
	}
	// Running: the ready and executor start timeouts.
	started := timeOf(cur.DriverStartTime, now)
	var next time.Duration
	if limit := seconds(spec.Timeouts.DriverReadySeconds); limit > 0 && !driver.Ready {
		wait := started.Add(limit).Sub(now)
		if wait <= 0 {
			return infraEnd("DriverReadyTimeout", fmt.Sprintf("the driver was not ready within %s of starting", limit), true)
		}
		next = wait
	}
	if limit := seconds(spec.Timeouts.ExecutorStartSeconds); limit > 0 && cur.FirstExecutorTime == nil && spark.InitialExecutors(spec) > 0 {
		wait := started.Add(limit).Sub(now)
		if wait <= 0 {
			return infraEnd("ExecutorStartTimeout", fmt.Sprintf("no executor ran within %s of the driver starting", limit), true)
		}
		if next == 0 || wait < next {
			next = wait
		}
	}
	return Evaluation{RecheckAfter: next}
}

func infraEnd(reason, message string, deleteDriver bool) Evaluation {
	return Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: reason, Message: message, DeleteDriver: deleteDriver}}
}

// RetryDecision says whether an ended attempt is followed by another, and after how long.
type RetryDecision struct {
	Retry bool
	Delay time.Duration
	// Why explains a decision not to retry.
	Why string
}

// DecideRetry applies the restart policy to an attempt's outcome. failures already counts this attempt.
func DecideRetry(policy stokev1.RestartPolicy, outcome stokev1.AttemptOutcome, failures stokev1.FailureCounts) RetryDecision {
	kind := policy.Type
	if kind == "" {
		kind = stokev1.RestartNever
	}
	base := time.Duration(int32Or(policy.BackoffSeconds, 10)) * time.Second
	switch outcome {
	case stokev1.OutcomeSucceeded:
		if kind == stokev1.RestartAlways {
			return RetryDecision{Retry: true, Delay: base}
		}
		return RetryDecision{Why: "the application completed"}
	case stokev1.OutcomeApplicationFailure:
		if kind != stokev1.RestartOnFailure && kind != stokev1.RestartAlways {
			return RetryDecision{Why: fmt.Sprintf("restart policy %s does not retry application failures", kind)}
		}
		if limit := int32Or(policy.OnFailureRetries, 3); failures.Application > limit {
			return RetryDecision{Why: fmt.Sprintf("%d application failures, %d retries allowed", failures.Application, limit)}
		}
	case stokev1.OutcomeInfrastructureFailure:
		if kind == stokev1.RestartNever {
			return RetryDecision{Why: "restart policy Never does not retry"}
		}
		if limit := int32Or(policy.OnInfrastructureFailureRetries, 3); failures.Infrastructure > limit {
			return RetryDecision{Why: fmt.Sprintf("%d infrastructure failures, %d retries allowed", failures.Infrastructure, limit)}
		}
	default:
		return RetryDecision{Retry: true}
	}
	return RetryDecision{Retry: true, Delay: Backoff(policy, failures.Application+failures.Infrastructure)}
}

// Backoff is the wait before the retry that follows the n-th failure: backoffSeconds doubled per earlier
// failure, capped at maxBackoffSeconds.
func Backoff(policy stokev1.RestartPolicy, n int32) time.Duration {
	base := time.Duration(int32Or(policy.BackoffSeconds, 10)) * time.Second
	ceiling := time.Duration(int32Or(policy.MaxBackoffSeconds, 300)) * time.Second
	d := base
	for i := int32(1); i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

func seconds(v *int32) time.Duration {
	if v == nil {
		return 0
	}
	return time.Duration(*v) * time.Second
}

func int32Or(v *int32, def int32) int32 {
	if v == nil {
		return def
	}
	return *v
}

// timeOf is t, or now when t is unset.
func timeOf(t *metav1.Time, now time.Time) time.Time {
	if t == nil {
		return now
	}
	return t.Time
}

// IgnorePodEvent reports whether a change to one of the application's pods can be left unreconciled: the
// application has finished (and its spec has not changed since), and the pod is a driver pod (a finished
// application does nothing with its drivers) or an executor pod already being deleted. Any other executor
// pod of a finished application is still a leftover to delete, so its events are not ignored.
func IgnorePodEvent(app *stokev1.SparkApplication, pod client.Object) bool {
	if !IsFinished(&app.Status) || specChangedSinceFinish(app) {
		return false
	}
	return pod.GetLabels()[spark.LabelRole] == spark.RoleDriver || !pod.GetDeletionTimestamp().IsZero()
}
