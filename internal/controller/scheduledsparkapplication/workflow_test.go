package scheduledsparkapplication_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
)

// workflowTemplate turns a test schedule into one whose runs are two-step workflows; the date parameter
// and the first step's argument come from the run's logical time.
func workflowTemplate(s *stokev1.ScheduledSparkApplication) {
	app := *s.Spec.Template.Application
	s.Spec.Template.Application = nil
	extract := app
	extract.Arguments = []string{"--day={{ .Params.day }}", `--hour={{ .ScheduledTime | date "15" }}`}
	load := app
	load.Arguments = []string{"--from={{ .Steps.extract.Result }}"}
	s.Spec.Template.Workflow = &stokev1.SparkWorkflowSpec{
		Parameters: []stokev1.WorkflowParameter{{Name: "day", Value: ptr(`{{ .ScheduledTime | addDays -1 | date "2006-01-02" }}`)}},
		Steps: []stokev1.WorkflowStep{
			{Name: "extract", Template: stokev1.StepTemplate{Application: extract}},
			{Name: "load", Dependencies: []string{"extract"}, Template: stokev1.StepTemplate{Application: load}},
		},
	}
}

// TestOperatorRunsScheduledWorkflows: with Stoke's real controller manager, a schedule whose template is
// a workflow starts a SparkWorkflow per run; its steps see the run's logical time; the workflow's outcome
// is recorded like an application's.
func TestOperatorRunsScheduledWorkflows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.startOperator()

	f.newSchedule("pipeline", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "@yearly" }, workflowTemplate)
	f.waitStatus("pipeline", "scheduling", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseScheduling
	})
	logical := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	f.annotate("pipeline", stokev1.AnnotationRunNow, logical.Format(time.RFC3339))
	name := scheduledsparkapplication.RunNowName("pipeline", logical)
	wf := &stokev1.SparkWorkflow{}
	eventually(t, "the workflow run", func() bool {
		return env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, wf) == nil
	})
	if ref := metav1.GetControllerOf(wf); ref == nil || ref.Kind != "ScheduledSparkApplication" || ref.Name != "pipeline" {
		t.Errorf("workflow controller = %+v", ref)
	}
	if got := wf.Annotations[stokev1.AnnotationScheduledTime]; got != "2026-11-20T06:00:00Z" {
		t.Errorf("scheduled-time = %q", got)
	}
	step := &stokev1.SparkApplication{}
	eventually(t, "the first step submitted", func() bool {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name + "-extract"}, step)
		return err == nil && step.Status.CurrentAttempt != nil && step.Status.CurrentAttempt.DriverPodName != ""
	})
	if want := []string{"--day=2026-11-19", "--hour=06"}; !slices.Equal(step.Spec.Arguments, want) {
		t.Errorf("first step's arguments = %q, want %q", step.Spec.Arguments, want)
	}
	f.waitStatus("pipeline", "the workflow active", func(s *stokev1.ScheduledSparkApplication) bool {
		return slices.Equal(s.Status.Active, []string{name})
	})

	// The workflow's outcome (written here as its reconciler would) is the run's outcome.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, wf); err != nil {
			return err
		}
		meta.SetStatusCondition(&wf.Status.Conditions, metav1.Condition{Type: stokev1.ConditionFailed, Status: metav1.ConditionTrue, Reason: "StepsFailed", Message: "step extract failed"})
		wf.Status.TerminationTime = &metav1.Time{Time: time.Now()}
		return env.Client.Status().Update(context.Background(), wf)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := f.waitStatus("pipeline", "the run recorded", func(s *stokev1.ScheduledSparkApplication) bool { return len(s.Status.RecentRuns) == 1 })
	if r := s.Status.RecentRuns[0]; r.Name != name || r.Outcome != stokev1.RunFailed || r.Message != "step extract failed" {
		t.Errorf("recent run = %+v", r)
	}
}

// TestInvalidWorkflowTemplateRunsNothing: a workflow template the workflow reconciler would refuse (a
// cycle) makes the schedule Invalid, naming the problem, before any run exists.
func TestInvalidWorkflowTemplateRunsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newSchedule("cyclic", workflowTemplate, func(s *stokev1.ScheduledSparkApplication) {
		s.Spec.Template.Workflow.Steps[0].Dependencies = []string{"load"}
	})
	s := f.waitStatus("cyclic", "invalid", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseInvalid
	})
	if c := condition(s, stokev1.ConditionInvalid); c.Reason != scheduledsparkapplication.ReasonInvalidTemplate ||
		!strings.Contains(c.Message, "spec.template.workflow: steps form a cycle") {
		t.Errorf("Invalid condition = %+v", c)
	}
	bad := &stokev1.ScheduledSparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "both"}}
	bad.Spec.Schedule = "@daily"
	spec := f.get("cyclic").Spec
	spec.Template.Application = &stokev1.SparkApplicationSpec{Type: stokev1.ApplicationTypePython, MainApplicationFile: ptr("local:///x.py")}
	bad.Spec = spec
	if err := env.Client.Create(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "template must set exactly one of application and workflow") {
		t.Errorf("a template with both an application and a workflow: %v", err)
	}
}
