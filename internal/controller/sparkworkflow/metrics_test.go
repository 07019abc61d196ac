package sparkworkflow

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestChangesOf(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	steps := func(kv ...string) []stokev1.WorkflowStepStatus {
		var out []stokev1.WorkflowStepStatus
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, stokev1.WorkflowStepStatus{Name: kv[i], Phase: stokev1.StepPhase(kv[i+1])})
		}
		return out
	}
	status := func(phase stokev1.WorkflowPhase, s []stokev1.WorkflowStepStatus, end time.Duration) *stokev1.SparkWorkflowStatus {
		st := &stokev1.SparkWorkflowStatus{Phase: phase, Steps: s, StartTime: &metav1.Time{Time: t0}}
		if end > 0 {
			st.TerminationTime = &metav1.Time{Time: t0.Add(end)}
		}
		return st
	}
	type want struct {
		entered  map[stokev1.StepPhase]int
		finished stokev1.WorkflowPhase
		seconds  float64
	}
	cases := []struct {
		name          string
		before, after *stokev1.SparkWorkflowStatus
		want          want
	}{
		{"nothing changed", status("Running", steps("a", "Running"), 0), status("Running", steps("a", "Running"), 0),
			want{entered: map[stokev1.StepPhase]int{}}},
		{"new pending steps are not transitions", status("Running", nil, 0), status("Running", steps("a", "Pending", "b", "Running"), 0),
			want{entered: map[stokev1.StepPhase]int{stokev1.StepRunning: 1}}},
		{"steps finish, fan-out items count one by one", status("Running", steps("a", "Running", "f-0", "Running", "f-1", "Running"), 0),
			status("Running", steps("a", "Succeeded", "f-0", "Failed", "f-1", "Failed", "c", "Skipped"), 0),
			want{entered: map[stokev1.StepPhase]int{stokev1.StepSucceeded: 1, stokev1.StepFailed: 2, stokev1.StepSkipped: 1}}},
		{"the workflow finishes", status("Running", steps("a", "Running"), 0), status("Succeeded", steps("a", "Succeeded"), 90*time.Second),
			want{entered: map[stokev1.StepPhase]int{stokev1.StepSucceeded: 1}, finished: "Succeeded", seconds: 90}},
		{"a finished workflow written again does not finish twice", status("Failed", steps("a", "Failed"), time.Minute),
			status("Failed", steps("a", "Failed"), time.Minute), want{entered: map[stokev1.StepPhase]int{}}},
		{"a retry resets steps to pending, then they run again", status("Failed", steps("a", "Failed"), time.Minute),
			status("Running", steps("a", "Pending"), 0), want{entered: map[stokev1.StepPhase]int{stokev1.StepPending: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := changesOf(c.before, c.after)
			if !reflect.DeepEqual(got.stepsEntered, c.want.entered) || got.finished != c.want.finished || got.seconds != c.want.seconds {
				t.Errorf("changes = %+v, want %+v", got, c.want)
			}
		})
	}
}
