package sparkworkflow_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestBadWorkflowSpecsRejectedAtAdmission is the SparkWorkflow part of the bad-input catalogue: each spec is
// created against the real API server, which must refuse it as Invalid with a cause naming the field (""
// for a rule on the whole object) and the problem. What the schema cannot express (cycles, unknown
// dependencies, bad expressions) is TestBadWorkflows' Invalid condition.
func TestBadWorkflowSpecsRejectedAtAdmission(t *testing.T) {
	t.Parallel()
	ns := env.Namespace(t)
	cases := []struct {
		name   string
		change func(*stokev1.SparkWorkflow)
		field  string
		words  []string
	}{
		{"no steps", func(w *stokev1.SparkWorkflow) { w.Spec.Steps = []stokev1.WorkflowStep{} },
			"spec.steps", []string{"at least 1 items"}},
		{"two steps of one name", func(w *stokev1.SparkWorkflow) { w.Spec.Steps = append(w.Spec.Steps, step("extract")) },
			"spec.steps[2]", []string{"Duplicate value"}},
		{"step name with a capital", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[0].Name = "Extract" },
			"spec.steps[0].name", []string{"should match"}},
		{"step name ending in a dash", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[1].Name = "load-" },
			"spec.steps[1].name", []string{"should match"}},
		{"empty step name", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[0].Name = "" },
			"spec.steps[0].name", []string{"at least 1 chars long"}},
		{"step name of 41 characters", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[0].Name = strings.Repeat("a", 41) },
			"spec.steps[0].name", []string{"Too long", "40"}},
		{"dependencies and depends", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[1].Depends = "extract.Succeeded" },
			"spec.steps[1]", []string{"set dependencies or depends, not both"}},
		{"a dependency twice", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[1].Dependencies = []string{"extract", "extract"} },
			"spec.steps[1].dependencies[1]", []string{"Duplicate value"}},
		{"items and itemsFrom", func(w *stokev1.SparkWorkflow) {
			w.Spec.Steps[0].Items, w.Spec.Steps[0].ItemsFrom = []string{"a"}, "{{ .Params.days }}"
		}, "spec.steps[0]", []string{"set items or itemsFrom, not both"}},
		{"item of 1025 characters", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[0].Items = []string{strings.Repeat("x", 1025)} },
			"spec.steps[0].items[0]", []string{"Too long", "1024"}},
		{"onExit naming no step", func(w *stokev1.SparkWorkflow) { w.Spec.OnExit = "cleanup" },
			"spec", []string{"onExit must name one of steps"}},
		{"zero parallelism", func(w *stokev1.SparkWorkflow) { w.Spec.Parallelism = ptr(int32(0)) },
			"spec.parallelism", []string{"greater than or equal to 1"}},
		{"parallelism above 10000", func(w *stokev1.SparkWorkflow) { w.Spec.Parallelism = ptr(int32(10001)) },
			"spec.parallelism", []string{"less than or equal to 10000"}},
		{"unknown failure policy", func(w *stokev1.SparkWorkflow) { w.Spec.FailurePolicy = "BestEffort" },
			"spec.failurePolicy", []string{"Unsupported value", "FailFast", "RunAll"}},
		{"zero deadline", func(w *stokev1.SparkWorkflow) { w.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			"spec.activeDeadlineSeconds", []string{"greater than or equal to 1"}},
		{"negative TTL", func(w *stokev1.SparkWorkflow) { w.Spec.TTLSecondsAfterFinished = ptr(int64(-1)) },
			"spec.ttlSecondsAfterFinished", []string{"greater than or equal to 0"}},
		{"parameter name starting with a digit", func(w *stokev1.SparkWorkflow) {
			w.Spec.Parameters = []stokev1.WorkflowParameter{{Name: "1day", Value: ptr("x")}}
		}, "spec.parameters[0].name", []string{"should match"}},
		{"a parameter twice", func(w *stokev1.SparkWorkflow) {
			w.Spec.Parameters = []stokev1.WorkflowParameter{{Name: "day"}, {Name: "day"}}
		}, "spec.parameters[1]", []string{"Duplicate value"}},
		{"step label Stoke sets", func(w *stokev1.SparkWorkflow) {
			w.Spec.Steps[0].Template.Metadata.Labels = map[string]string{stokev1.LabelWorkflowStep: "x"}
		}, "spec.steps[0].template.metadata.labels", []string{"must not set stoke.dev/workflow"}},
		{"step application without a main class", func(w *stokev1.SparkWorkflow) { w.Spec.Steps[1].Template.Application.MainClass = nil },
			"spec.steps[1].template.application", []string{"mainClass is required"}},
		{"step application with negative cores", func(w *stokev1.SparkWorkflow) {
			w.Spec.Steps[0].Template.Application.Executor.Cores = ptr(int32(-1))
		}, "spec.steps[0].template.application.executor.cores", []string{"greater than or equal to"}},
		{"name of 64 characters", func(w *stokev1.SparkWorkflow) { w.Name = strings.Repeat("w", 64) },
			"", []string{"a workflow's name is at most 63 characters"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wf := &stokev1.SparkWorkflow{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad-" + strings.ToLower(strings.ReplaceAll(tc.name, " ", "-"))},
				Spec:       stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("extract"), after(step("load"), "extract")}},
			}
			tc.change(wf)
			if err := testenv.CheckInvalid(env.Client.Create(context.Background(), wf), tc.field, tc.words...); err != nil {
				t.Error(err)
			}
		})
	}
	// The control: the unchanged workflow is accepted.
	wf := &stokev1.SparkWorkflow{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "valid"},
		Spec:       stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("extract"), after(step("load"), "extract")}},
	}
	if err := env.Client.Create(context.Background(), wf); err != nil {
		t.Errorf("the valid workflow is refused: %v", err)
	}
}
