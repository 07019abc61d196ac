package sparkapplication

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestUnitEvaluatePreemption(t *testing.T) {
	asked := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	notice := &stokev1.PreemptionNotice{Time: metav1.Time{Time: asked}, Queue: "team-a", For: "a/etl", GracePeriodSeconds: 30}
	code := func(v int32) *int32 { return &v }
	for _, tc := range []struct {
		name    string
		driver  DriverObservation
		now     time.Time
		outcome stokev1.AttemptOutcome // "": still stopping
		delete  bool
		recheck time.Duration
		message string
	}{
		{name: "still shutting down within its grace period", driver: DriverObservation{Phase: DriverRunning},
			now: asked.Add(5 * time.Second), recheck: 35 * time.Second},
		{name: "the driver pod is gone", driver: DriverObservation{Phase: DriverAbsent}, now: asked.Add(time.Second),
			outcome: stokev1.OutcomePreempted, message: `SparkQueue "team-a" took its share back for a/etl`},
		{name: "killed by SIGTERM is no failure", driver: DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: code(143), Reason: "Error"},
			now: asked.Add(3 * time.Second), outcome: stokev1.OutcomePreempted},
		{name: "a driver that finished meanwhile succeeded", driver: DriverObservation{Phase: DriverSucceeded, PodTerminal: true, ExitCode: code(0), Reason: "Completed"},
			now: asked.Add(3 * time.Second), outcome: stokev1.OutcomeSucceeded},
		{name: "a pod still there past its grace period and the margin is deleted again and the attempt ends",
			driver: DriverObservation{Phase: DriverRunning}, now: asked.Add(30*time.Second + PreemptionMargin),
			outcome: stokev1.OutcomePreempted, delete: true, message: "still there 10s after its grace period of 30s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eval := EvaluatePreemption(notice, tc.driver, tc.now)
			if tc.outcome == "" {
				if eval.End != nil || eval.RecheckAfter != tc.recheck {
					t.Fatalf("got end %+v, recheck %s; want none, recheck %s", eval.End, eval.RecheckAfter, tc.recheck)
				}
				return
			}
			if eval.End == nil || eval.End.Outcome != tc.outcome || eval.End.DeleteDriver != tc.delete || !strings.Contains(eval.End.Message, tc.message) {
				t.Fatalf("got %+v; want outcome %s, delete %v, message with %q", eval.End, tc.outcome, tc.delete, tc.message)
			}
		})
	}
}
