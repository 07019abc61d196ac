package sparkapplication

import (
	"fmt"
	"reflect"
	"regexp"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func unitI32(v int32) *int32 { return &v }

func TestUnitEvaluateAttempt(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	ago := func(s int) *metav1.Time { t := metav1.NewTime(now.Add(-time.Duration(s) * time.Second)); return &t }
	const grace = 30 * time.Second
	code := func(v int32) *int32 { return &v }

	noTimeouts := stokev1.SparkApplicationSpec{}
	start60 := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{DriverStartSeconds: unitI32(60)}}
	ready30 := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{DriverReadySeconds: unitI32(30)}}
	exec120 := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{ExecutorStartSeconds: unitI32(120)}}
	exec120NoExecutors := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{ExecutorStartSeconds: unitI32(120)},
		Executor: stokev1.ExecutorSpec{Instances: unitI32(0)}}
	exec120Dynamic := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{ExecutorStartSeconds: unitI32(120)},
		Executor: stokev1.ExecutorSpec{Instances: unitI32(4)}, DynamicAllocation: &stokev1.DynamicAllocation{Enabled: true}}
	ready30exec15 := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{DriverReadySeconds: unitI32(30), ExecutorStartSeconds: unitI32(15)}}
	ready30exec120 := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{DriverReadySeconds: unitI32(30), ExecutorStartSeconds: unitI32(120)}}
	zeroTimeouts := stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{DriverStartSeconds: unitI32(0), DriverReadySeconds: unitI32(0), ExecutorStartSeconds: unitI32(0)}}

	absent := DriverObservation{Phase: DriverAbsent, Reason: "DriverPodNotFound"}
	pending := DriverObservation{Phase: DriverPending, Reason: "DriverPending", Message: "waiting for the driver container to start"}
	unschedulable := DriverObservation{Phase: DriverPending, Reason: "Unschedulable", Message: "0/3 nodes are available"}
	pullError := DriverObservation{Phase: DriverPending, Reason: "ImagePullError", Message: "ImagePullBackOff: nope", Fatal: true, Infrastructure: true}
	running := DriverObservation{Phase: DriverRunning}
	runningReady := DriverObservation{Phase: DriverRunning, Ready: true}

	tests := []struct {
		desc   string
		spec   stokev1.SparkApplicationSpec
		cur    stokev1.Attempt
		driver DriverObservation
		want   Evaluation
	}{
		// An absent driver pod is awaited for the grace period after submission.
		{"absent within grace", noTimeouts, stokev1.Attempt{SubmissionTime: ago(10)}, absent,
			Evaluation{RecheckAfter: 20 * time.Second}},
		{"absent just before grace ends", noTimeouts, stokev1.Attempt{SubmissionTime: &metav1.Time{Time: now.Add(-grace + time.Millisecond)}}, absent,
			Evaluation{RecheckAfter: time.Millisecond}},
		{"absent at the end of grace", noTimeouts, stokev1.Attempt{SubmissionTime: ago(30)}, absent,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "DriverLost",
				Message: "the driver pod disappeared (confirmed by a live read after the grace period)"}}},
		{"absent long after grace", noTimeouts, stokev1.Attempt{SubmissionTime: ago(3600)}, absent,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "DriverLost",
				Message: "the driver pod disappeared (confirmed by a live read after the grace period)"}}},
		{"absent without a submission time waits the whole grace", noTimeouts, stokev1.Attempt{}, absent,
			Evaluation{RecheckAfter: grace}},

		// Pending.
		{"pending without a start timeout", noTimeouts, stokev1.Attempt{SubmissionTime: ago(3600)}, pending, Evaluation{}},
		{"pending with zero timeouts", zeroTimeouts, stokev1.Attempt{SubmissionTime: ago(3600)}, unschedulable, Evaluation{}},
		{"pending within the start timeout", start60, stokev1.Attempt{SubmissionTime: ago(10)}, pending,
			Evaluation{RecheckAfter: 50 * time.Second}},
		{"unschedulable within the start timeout", start60, stokev1.Attempt{SubmissionTime: ago(59)}, unschedulable,
			Evaluation{RecheckAfter: time.Second}},
		{"pending past the start timeout", start60, stokev1.Attempt{SubmissionTime: ago(60)}, pending,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "DriverStartTimeout",
				Message: "the driver did not start within 1m0s (DriverPending: waiting for the driver container to start)", DeleteDriver: true}}},
		{"unschedulable past the start timeout", start60, stokev1.Attempt{SubmissionTime: ago(90)}, unschedulable,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "Unschedulable",
				Message: "the driver did not start within 1m0s (Unschedulable: 0/3 nodes are available)", DeleteDriver: true}}},
		{"container config error past the start timeout", start60, stokev1.Attempt{SubmissionTime: ago(61)},
			DriverObservation{Phase: DriverPending, Reason: "CreateContainerConfigError", Message: "secret missing"},
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "DriverStartTimeout",
				Message: "the driver did not start within 1m0s (CreateContainerConfigError: secret missing)", DeleteDriver: true}}},
		{"fatal pull error ends at once without a timeout", noTimeouts, stokev1.Attempt{SubmissionTime: ago(1)}, pullError,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "ImagePullError",
				Message: "ImagePullBackOff: nope", DeleteDriver: true}}},
		{"fatal pull error ends within the start timeout", start60, stokev1.Attempt{SubmissionTime: ago(1)}, pullError,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "ImagePullError",
				Message: "ImagePullBackOff: nope", DeleteDriver: true}}},

		// Running.
		{"running without timeouts", noTimeouts, stokev1.Attempt{SubmissionTime: ago(600), DriverStartTime: ago(500)}, running, Evaluation{}},
		{"running, the start timeout no longer applies", start60, stokev1.Attempt{SubmissionTime: ago(600), DriverStartTime: ago(500)}, running, Evaluation{}},
		{"not ready within the ready timeout", ready30, stokev1.Attempt{SubmissionTime: ago(60), DriverStartTime: ago(10)}, running,
			Evaluation{RecheckAfter: 20 * time.Second}},
		{"not ready past the ready timeout", ready30, stokev1.Attempt{SubmissionTime: ago(60), DriverStartTime: ago(30)}, running,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "DriverReadyTimeout",
				Message: "the driver was not ready within 30s of starting", DeleteDriver: true}}},
		{"ready long after the ready timeout", ready30, stokev1.Attempt{SubmissionTime: ago(600), DriverStartTime: ago(500)}, runningReady, Evaluation{}},
		{"ready timeout counts from the driver start, not submission", ready30, stokev1.Attempt{SubmissionTime: ago(600), DriverStartTime: ago(5)}, running,
			Evaluation{RecheckAfter: 25 * time.Second}},
		{"ready timeout without a start time counts from now", ready30, stokev1.Attempt{SubmissionTime: ago(600)}, running,
			Evaluation{RecheckAfter: 30 * time.Second}},
		{"no executor within the executor timeout", exec120, stokev1.Attempt{DriverStartTime: ago(10)}, runningReady,
			Evaluation{RecheckAfter: 110 * time.Second}},
		{"no executor past the executor timeout", exec120, stokev1.Attempt{DriverStartTime: ago(120)}, runningReady,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "ExecutorStartTimeout",
				Message: "no executor ran within 2m0s of the driver starting", DeleteDriver: true}}},
		{"an executor ran", exec120, stokev1.Attempt{DriverStartTime: ago(600), FirstExecutorTime: ago(590)}, runningReady, Evaluation{}},
		{"no executors requested", exec120NoExecutors, stokev1.Attempt{DriverStartTime: ago(600)}, runningReady, Evaluation{}},
		{"dynamic allocation without initial executors", exec120Dynamic, stokev1.Attempt{DriverStartTime: ago(600)}, runningReady, Evaluation{}},
		{"both timeouts: the nearer recheck", ready30exec15, stokev1.Attempt{DriverStartTime: ago(10)}, running,
			Evaluation{RecheckAfter: 5 * time.Second}},
		{"both timeouts: the ready one nearer", ready30exec120, stokev1.Attempt{DriverStartTime: ago(10)}, running,
			Evaluation{RecheckAfter: 20 * time.Second}},
		{"both timeouts, ready: only the executor one", ready30exec120, stokev1.Attempt{DriverStartTime: ago(10)}, runningReady,
			Evaluation{RecheckAfter: 110 * time.Second}},
		{"both passed: the ready timeout is reported", ready30exec15, stokev1.Attempt{DriverStartTime: ago(40)}, running,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "DriverReadyTimeout",
				Message: "the driver was not ready within 30s of starting", DeleteDriver: true}}},
		{"executor timeout passed while the ready one has not", ready30exec15, stokev1.Attempt{DriverStartTime: ago(20)}, running,
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "ExecutorStartTimeout",
				Message: "no executor ran within 15s of the driver starting", DeleteDriver: true}}},

		// Ended.
		{"succeeded, pod terminal: keep the driver", ready30, stokev1.Attempt{DriverStartTime: ago(3600)},
			DriverObservation{Phase: DriverSucceeded, PodTerminal: true, ExitCode: code(0), Reason: "Completed", Message: "the driver exited with code 0"},
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeSucceeded, Reason: "Completed", Message: "the driver exited with code 0", ExitCode: code(0)}}},
		{"succeeded, sidecar alive: delete the driver", noTimeouts, stokev1.Attempt{},
			DriverObservation{Phase: DriverSucceeded, ExitCode: code(0), Reason: "Completed", Message: "the driver exited with code 0"},
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeSucceeded, Reason: "Completed", Message: "the driver exited with code 0", ExitCode: code(0), DeleteDriver: true}}},
		{"application failure", noTimeouts, stokev1.Attempt{},
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: code(1), Reason: "Error", Message: "the driver exited with code 1"},
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeApplicationFailure, Reason: "Error", Message: "the driver exited with code 1", ExitCode: code(1)}}},
		{"application failure, sidecar alive", noTimeouts, stokev1.Attempt{},
			DriverObservation{Phase: DriverFailed, ExitCode: code(137), Reason: "OOMKilled", Message: "m"},
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeApplicationFailure, Reason: "OOMKilled", Message: "m", ExitCode: code(137), DeleteDriver: true}}},
		{"infrastructure failure", exec120, stokev1.Attempt{DriverStartTime: ago(3600)},
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: code(137), Reason: "Evicted", Message: "low memory", Infrastructure: true},
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "Evicted", Message: "low memory", ExitCode: code(137)}}},
		{"infrastructure failure of a pod without a container state", noTimeouts, stokev1.Attempt{},
			DriverObservation{Phase: DriverFailed, PodTerminal: true, Reason: "PodFailed", Message: "the driver pod failed", Infrastructure: true},
			Evaluation{End: &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "PodFailed", Message: "the driver pod failed"}}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			spec, cur := tc.spec, tc.cur
			got := EvaluateAttempt(&spec, &cur, tc.driver, now, grace)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("EvaluateAttempt =\n  %s\nwant\n  %s", fmtEval(got), fmtEval(tc.want))
			}
		})
	}
}

func fmtEval(e Evaluation) string {
	if e.End == nil {
		return fmt.Sprintf("{RecheckAfter:%s}", e.RecheckAfter)
	}
	exit := "<nil>"
	if e.End.ExitCode != nil {
		exit = fmt.Sprint(*e.End.ExitCode)
	}
	return fmt.Sprintf("{End:{Outcome:%s Reason:%q Message:%q ExitCode:%s DeleteDriver:%v} RecheckAfter:%s}",
		e.End.Outcome, e.End.Reason, e.End.Message, exit, e.End.DeleteDriver, e.RecheckAfter)
}

func TestUnitDecideRetry(t *testing.T) {
	const (
		never   = stokev1.RestartNever
		onFail  = stokev1.RestartOnFailure
		always  = stokev1.RestartAlways
		onInfra = stokev1.RestartOnInfrastructureFailure
		succ    = stokev1.OutcomeSucceeded
		app     = stokev1.OutcomeApplicationFailure
		infra   = stokev1.OutcomeInfrastructureFailure
	)
	policy := func(kind stokev1.RestartPolicyType) stokev1.RestartPolicy { return stokev1.RestartPolicy{Type: kind} }
	limits := func(kind stokev1.RestartPolicyType, appRetries, infraRetries int32) stokev1.RestartPolicy {
		return stokev1.RestartPolicy{Type: kind, OnFailureRetries: unitI32(appRetries), OnInfrastructureFailureRetries: unitI32(infraRetries)}
	}
	fc := func(a, i int32) stokev1.FailureCounts {
		return stokev1.FailureCounts{Application: a, Infrastructure: i}
	}
	retry := func(d time.Duration) RetryDecision { return RetryDecision{Retry: true, Delay: d} }
	stop := func(why string) RetryDecision { return RetryDecision{Why: why} }
	s := time.Second

	tests := []struct {
		policy   stokev1.RestartPolicy
		outcome  stokev1.AttemptOutcome
		failures stokev1.FailureCounts
		want     RetryDecision
	}{
		// Success: only Always starts again, after the base backoff.
		{policy(""), succ, fc(0, 0), stop("the application completed")},
		{policy(never), succ, fc(0, 0), stop("the application completed")},
		{policy(onFail), succ, fc(2, 1), stop("the application completed")},
		{policy(onInfra), succ, fc(0, 2), stop("the application completed")},
		{policy(always), succ, fc(0, 0), retry(10 * s)},
		{policy(always), succ, fc(3, 3), retry(10 * s)},
		{stokev1.RestartPolicy{Type: always, BackoffSeconds: unitI32(7)}, succ, fc(0, 0), retry(7 * s)},

		// Application failures.
		{policy(""), app, fc(1, 0), stop("restart policy Never does not retry application failures")},
		{policy(never), app, fc(1, 0), stop("restart policy Never does not retry application failures")},
		{policy(onInfra), app, fc(1, 0), stop("restart policy OnInfrastructureFailure does not retry application failures")},
		{policy(onFail), app, fc(1, 0), retry(10 * s)},
		{policy(onFail), app, fc(2, 0), retry(20 * s)},
		{policy(onFail), app, fc(3, 0), retry(40 * s)}, // the third failure is the last retry allowed by default
		{policy(onFail), app, fc(4, 0), stop("4 application failures, 3 retries allowed")},
		{policy(always), app, fc(3, 0), retry(40 * s)},
		{policy(always), app, fc(4, 0), stop("4 application failures, 3 retries allowed")},
		{limits(onFail, 0, 3), app, fc(1, 0), stop("1 application failures, 0 retries allowed")},
		{limits(onFail, 1, 3), app, fc(1, 0), retry(10 * s)},
		{limits(onFail, 1, 3), app, fc(2, 0), stop("2 application failures, 1 retries allowed")},
		// Infrastructure failures do not count against the application limit, but they lengthen the backoff.
		{limits(onFail, 1, 3), app, fc(1, 3), retry(80 * s)},
		{limits(always, 5, 0), app, fc(5, 9), retry(300 * s)},

		// Infrastructure failures.
		{policy(""), infra, fc(0, 1), stop("restart policy Never does not retry")},
		{policy(never), infra, fc(0, 1), stop("restart policy Never does not retry")},
		{policy(onFail), infra, fc(0, 1), retry(10 * s)},
		{policy(always), infra, fc(0, 2), retry(20 * s)},
		{policy(onInfra), infra, fc(0, 3), retry(40 * s)},
		{policy(onInfra), infra, fc(0, 4), stop("4 infrastructure failures, 3 retries allowed")},
		{policy(onFail), infra, fc(0, 4), stop("4 infrastructure failures, 3 retries allowed")},
		{policy(always), infra, fc(0, 4), stop("4 infrastructure failures, 3 retries allowed")},
		{limits(onInfra, 0, 0), infra, fc(0, 1), stop("1 infrastructure failures, 0 retries allowed")},
		{limits(onInfra, 0, 10), infra, fc(0, 10), retry(300 * s)},
		// Application failures do not count against the infrastructure limit.
		{limits(onFail, 3, 1), infra, fc(3, 1), retry(80 * s)},
		{limits(onFail, 3, 1), infra, fc(0, 2), stop("2 infrastructure failures, 1 retries allowed")},

		// Superseded, suspended and preempted attempts start again at once and count nothing.
		{policy(never), stokev1.OutcomeSuperseded, fc(9, 9), retry(0)},
		{policy(never), stokev1.OutcomePreempted, fc(9, 9), retry(0)},
		{limits(onFail, 0, 0), stokev1.OutcomePreempted, fc(0, 0), retry(0)},
		{policy(onFail), stokev1.OutcomeSuspended, fc(0, 0), retry(0)},
		{policy(""), stokev1.OutcomeSuspended, fc(4, 4), retry(0)},

		// Backoff settings.
		{stokev1.RestartPolicy{Type: onFail, BackoffSeconds: unitI32(1), MaxBackoffSeconds: unitI32(5)}, app, fc(3, 0), retry(4 * s)},
		{stokev1.RestartPolicy{Type: onFail, BackoffSeconds: unitI32(1), MaxBackoffSeconds: unitI32(5)}, infra, fc(1, 3), retry(5 * s)},
		{stokev1.RestartPolicy{Type: onFail, BackoffSeconds: unitI32(0)}, app, fc(2, 0), retry(0)},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s/%s/app=%d,infra=%d", tc.policy.Type, tc.outcome, tc.failures.Application, tc.failures.Infrastructure)
		if got := DecideRetry(tc.policy, tc.outcome, tc.failures); got != tc.want {
			t.Errorf("%s (policy %+v): DecideRetry = %+v, want %+v", name, fmtPolicy(tc.policy), got, tc.want)
		}
	}
}

func fmtPolicy(p stokev1.RestartPolicy) string {
	f := func(v *int32) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprintf("{%s retries app=%s infra=%s backoff=%s max=%s}", p.Type, f(p.OnFailureRetries), f(p.OnInfrastructureFailureRetries),
		f(p.BackoffSeconds), f(p.MaxBackoffSeconds))
}

func TestUnitBackoff(t *testing.T) {
	s := time.Second
	def := stokev1.RestartPolicy{}
	small := stokev1.RestartPolicy{BackoffSeconds: unitI32(1), MaxBackoffSeconds: unitI32(5)}
	tests := []struct {
		policy stokev1.RestartPolicy
		n      int32
		want   time.Duration
	}{
		{def, 0, 10 * s},
		{def, 1, 10 * s},
		{def, 2, 20 * s},
		{def, 3, 40 * s},
		{def, 4, 80 * s},
		{def, 5, 160 * s},
		{def, 6, 300 * s}, // 320 capped
		{def, 7, 300 * s},
		{def, 1000, 300 * s},
		{def, 2147483647, 300 * s},
		{small, 1, 1 * s},
		{small, 2, 2 * s},
		{small, 3, 4 * s},
		{small, 4, 5 * s},
		{stokev1.RestartPolicy{BackoffSeconds: unitI32(0)}, 5, 0},
		{stokev1.RestartPolicy{BackoffSeconds: unitI32(400)}, 1, 300 * s}, // the base is capped too
		{stokev1.RestartPolicy{MaxBackoffSeconds: unitI32(0)}, 3, 0},
		{stokev1.RestartPolicy{BackoffSeconds: unitI32(3), MaxBackoffSeconds: unitI32(3600)}, 8, 384 * s},
	}
	for _, tc := range tests {
		if got := Backoff(tc.policy, tc.n); got != tc.want {
			t.Errorf("Backoff(%s, %d) = %s, want %s", fmtPolicy(tc.policy), tc.n, got, tc.want)
		}
	}
}

func TestUnitPhaseOf(t *testing.T) {
	c := func(kind string, ok bool) metav1.Condition {
		s := metav1.ConditionFalse
		if ok {
			s = metav1.ConditionTrue
		}
		return metav1.Condition{Type: kind, Status: s, Reason: "R"}
	}
	unknown := func(kind string) metav1.Condition {
		return metav1.Condition{Type: kind, Status: metav1.ConditionUnknown, Reason: "R"}
	}
	const (
		sub   = stokev1.ConditionSubmitted
		run   = stokev1.ConditionRunning
		ready = stokev1.ConditionDriverReady
		retr  = stokev1.ConditionRetrying
		succ  = stokev1.ConditionSucceeded
		fail  = stokev1.ConditionFailed
		susp  = stokev1.ConditionSuspended
	)
	tests := []struct {
		desc       string
		conditions []metav1.Condition
		want       stokev1.ApplicationPhase
	}{
		{"no conditions", nil, stokev1.PhasePending},
		{"all false", []metav1.Condition{c(sub, false), c(run, false), c(retr, false), c(succ, false), c(fail, false), c(susp, false)}, stokev1.PhasePending},
		{"unknown counts as not true", []metav1.Condition{unknown(run), unknown(sub)}, stokev1.PhasePending},
		{"submitted", []metav1.Condition{c(sub, true)}, stokev1.PhaseSubmitted},
		{"submitted, not running", []metav1.Condition{c(sub, true), c(run, false)}, stokev1.PhaseSubmitted},
		{"running", []metav1.Condition{c(sub, true), c(run, true)}, stokev1.PhaseRunning},
		{"driver ready alone is no phase", []metav1.Condition{c(ready, true)}, stokev1.PhasePending},
		{"running and ready", []metav1.Condition{c(sub, true), c(run, true), c(ready, true)}, stokev1.PhaseRunning},
		{"retrying beats running", []metav1.Condition{c(run, true), c(retr, true)}, stokev1.PhaseRetrying},
		{"retrying beats submitted", []metav1.Condition{c(sub, true), c(retr, true)}, stokev1.PhaseRetrying},
		{"failed beats retrying", []metav1.Condition{c(retr, true), c(fail, true), c(run, true)}, stokev1.PhaseFailed},
		{"succeeded beats failed", []metav1.Condition{c(fail, true), c(succ, true)}, stokev1.PhaseSucceeded},
		{"suspended beats everything", []metav1.Condition{c(sub, true), c(run, true), c(retr, true), c(fail, true), c(succ, true), c(susp, true)}, stokev1.PhaseSuspended},
		{"resumed: suspended false", []metav1.Condition{c(susp, false), c(sub, true)}, stokev1.PhaseSubmitted},
		{"succeeded false after a spec change", []metav1.Condition{c(succ, false), c(sub, true), c(run, true)}, stokev1.PhaseRunning},
	}
	for _, tc := range tests {
		if got := PhaseOf(tc.conditions); got != tc.want {
			t.Errorf("%s: PhaseOf = %s, want %s", tc.desc, got, tc.want)
		}
	}
}

func TestUnitIsFinished(t *testing.T) {
	tests := []struct {
		conditions []metav1.Condition
		want       bool
	}{
		{nil, false},
		{[]metav1.Condition{{Type: stokev1.ConditionSucceeded, Status: metav1.ConditionTrue}}, true},
		{[]metav1.Condition{{Type: stokev1.ConditionFailed, Status: metav1.ConditionTrue}}, true},
		{[]metav1.Condition{{Type: stokev1.ConditionFailed, Status: metav1.ConditionFalse}, {Type: stokev1.ConditionSucceeded, Status: metav1.ConditionFalse}}, false},
		{[]metav1.Condition{{Type: stokev1.ConditionRunning, Status: metav1.ConditionTrue}}, false},
	}
	for i, tc := range tests {
		if got := IsFinished(&stokev1.SparkApplicationStatus{Conditions: tc.conditions}); got != tc.want {
			t.Errorf("case %d: IsFinished = %v, want %v", i, got, tc.want)
		}
	}
}

func unitSpec() *stokev1.SparkApplicationSpec {
	return &stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypeScala,
		SparkVersion:        "3.5.9",
		Image:               "spark:test",
		MainClass:           ptrTo("org.apache.spark.examples.SparkPi"),
		MainApplicationFile: ptrTo("local:///opt/spark/examples/jars/spark-examples.jar"),
		Arguments:           []string{"1000"},
		SparkConf:           map[string]string{"a": "1", "b": "2", "c": "3"},
		Executor:            stokev1.ExecutorSpec{Instances: unitI32(2)},
	}
}

func TestUnitSpecHash(t *testing.T) {
	base := SpecHash(unitSpec())
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(base) {
		t.Fatalf("SpecHash = %q, want 16 hex digits", base)
	}
	for i := 0; i < 20; i++ {
		if again := SpecHash(unitSpec()); again != base {
			t.Fatalf("SpecHash is not deterministic: %q then %q", base, again)
		}
	}
	ttl := int64(60)
	ignored := []struct {
		desc   string
		change func(*stokev1.SparkApplicationSpec)
	}{
		{"suspend", func(s *stokev1.SparkApplicationSpec) { s.Suspend = true }},
		{"TTL", func(s *stokev1.SparkApplicationSpec) { s.TimeToLiveSeconds = &ttl }},
		{"restart policy", func(s *stokev1.SparkApplicationSpec) {
			s.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartAlways, OnFailureRetries: unitI32(9), BackoffSeconds: unitI32(1), MaxBackoffSeconds: unitI32(2)}
		}},
		{"timeouts", func(s *stokev1.SparkApplicationSpec) {
			s.Timeouts = stokev1.Timeouts{DriverStartSeconds: unitI32(1), DriverReadySeconds: unitI32(2), ExecutorStartSeconds: unitI32(3)}
		}},
		{"map written in another order", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"c": "3", "b": "2", "a": "1"}
		}},
	}
	for _, tc := range ignored {
		spec := unitSpec()
		tc.change(spec)
		before := spec.DeepCopy()
		if got := SpecHash(spec); got != base {
			t.Errorf("changing %s changed the hash: %q -> %q", tc.desc, base, got)
		}
		if !reflect.DeepEqual(spec, before) {
			t.Errorf("SpecHash modified the spec when %s was set", tc.desc)
		}
	}
	counted := []struct {
		desc   string
		change func(*stokev1.SparkApplicationSpec)
	}{
		{"arguments", func(s *stokev1.SparkApplicationSpec) { s.Arguments = []string{"1001"} }},
		{"argument order", func(s *stokev1.SparkApplicationSpec) { s.Arguments = []string{"1000", "x"} }},
		{"no arguments", func(s *stokev1.SparkApplicationSpec) { s.Arguments = nil }},
		{"image", func(s *stokev1.SparkApplicationSpec) { s.Image = "spark:other" }},
		{"spark version", func(s *stokev1.SparkApplicationSpec) { s.SparkVersion = "4.3.0" }},
		{"sparkConf value", func(s *stokev1.SparkApplicationSpec) { s.SparkConf["a"] = "2" }},
		{"executor instances", func(s *stokev1.SparkApplicationSpec) { s.Executor.Instances = unitI32(3) }},
		{"driver memory", func(s *stokev1.SparkApplicationSpec) { s.Driver.Memory = ptrTo("2g") }},
		{"dynamic allocation", func(s *stokev1.SparkApplicationSpec) {
			s.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true}
		}}, {"run token", func(s *stokev1.SparkApplicationSpec) { s.RunToken = "rerun-1" }},
	}
	seen := map[string]string{base: "base"}
	for _, tc := range counted {
		spec := unitSpec()
		tc.change(spec)
		got := SpecHash(spec)
		if got == base {
			t.Errorf("changing %s did not change the hash", tc.desc)
		}
		if prev, dup := seen[got]; dup && got != base {
			t.Errorf("changing %s gives the same hash as %s", tc.desc, prev)
		}
		seen[got] = tc.desc
	}
}

func TestUnitPushPastAttempt(t *testing.T) {
	status := &stokev1.SparkApplicationStatus{}
	pushPastAttempt(status, 3)
	if len(status.PastAttempts) != 0 {
		t.Fatalf("pushing without a current attempt added %v", status.PastAttempts)
	}
	for n := int32(1); n <= 5; n++ {
		status.CurrentAttempt = &stokev1.Attempt{Number: n}
		pushPastAttempt(status, 3)
	}
	var numbers []int32
	for _, a := range status.PastAttempts {
		numbers = append(numbers, a.Number)
	}
	if want := []int32{3, 4, 5}; !reflect.DeepEqual(numbers, want) {
		t.Errorf("past attempts = %v, want %v (the newest, oldest first)", numbers, want)
	}
	// The history does not alias the current attempt.
	status.CurrentAttempt.Reason = "changed"
	if status.PastAttempts[2].Reason != "" {
		t.Errorf("past attempt aliases the current one")
	}
}

func TestUnitSetAndClearCondition(t *testing.T) {
	status := &stokev1.SparkApplicationStatus{}
	setCondition(status, 4, stokev1.ConditionRunning, true, ReasonDriverRunning, "running")
	got := status.Conditions
	if len(got) != 1 || got[0].Type != stokev1.ConditionRunning || got[0].Status != metav1.ConditionTrue ||
		got[0].Reason != ReasonDriverRunning || got[0].Message != "running" || got[0].ObservedGeneration != 4 {
		t.Fatalf("conditions = %+v", got)
	}
	// Clearing a condition that is not there, or not true, does nothing.
	clearCondition(status, 5, stokev1.ConditionRetrying, ReasonAttemptEnded, "")
	if len(status.Conditions) != 1 {
		t.Errorf("clearing an absent condition added one: %+v", status.Conditions)
	}
	clearCondition(status, 5, stokev1.ConditionRunning, ReasonAttemptEnded, "ended")
	c := status.Conditions[0]
	if c.Status != metav1.ConditionFalse || c.Reason != ReasonAttemptEnded || c.Message != "ended" || c.ObservedGeneration != 5 {
		t.Errorf("cleared condition = %+v", c)
	}
	clearCondition(status, 6, stokev1.ConditionRunning, "Other", "other")
	if c := status.Conditions[0]; c.Reason != ReasonAttemptEnded || c.ObservedGeneration != 5 {
		t.Errorf("clearing a false condition changed it: %+v", c)
	}
}
