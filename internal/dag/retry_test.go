package dag

import (
	"errors"
	"strings"
	"testing"
)

func TestRetryPlan(t *testing.T) {
	pipeline := Workflow{
		Steps: steps(
			Step{Name: "extract"},
			Step{Name: "audit"},
			Step{Name: "load", Items: []string{"eu", "us", "apac"}, Dependencies: []string{"extract"}},
			Step{Name: "merge", Dependencies: []string{"load"}},
			Step{Name: "report", Depends: "merge.Succeeded || merge.Omitted"},
		),
		Exit:          &Step{Name: "notify"},
		FailurePolicy: RunAll,
	}
	tests := []struct {
		name  string
		wf    Workflow
		state State
		want  string // comma-separated, sorted
		err   error
	}{
		{
			name:  "failed fan-out children and everything downstream, keeping succeeded siblings",
			wf:    pipeline,
			state: phases("extract=Succeeded audit=Succeeded load-0=Succeeded load-1=Failed load-2=Succeeded report=Succeeded notify=Succeeded"),
			want:  "load-1,notify,report",
		},
		{
			name:  "a failed root reruns every step that needs it",
			wf:    pipeline,
			state: phases("extract=Failed audit=Succeeded report=Succeeded notify=Succeeded"),
			want:  "extract,notify,report",
		},
		{
			name:  "a step downstream of a rerun step reruns even though it succeeded",
			wf:    pipeline,
			state: phases("extract=Succeeded audit=Succeeded load-0=Succeeded load-1=Succeeded load-2=Succeeded merge=Errored report=Succeeded notify=Failed"),
			want:  "merge,notify,report",
		},
		{
			name: "fail-fast omitted steps need nothing deleted",
			wf: Workflow{Steps: steps(
				Step{Name: "a"}, Step{Name: "b"}, Step{Name: "c", Dependencies: []string{"a"}},
			)},
			state: phases("a=Succeeded b=Failed"),
			want:  "b",
		},
		{
			name: "when-skipped steps are not retried",
			wf: Workflow{Steps: steps(
				Step{Name: "a", When: "false"}, Step{Name: "b", Dependencies: []string{"a"}}, Step{Name: "c"},
			)},
			state: phases("b=Succeeded c=Failed"),
			want:  "c",
		},
		{
			name:  "a succeeded workflow has nothing to retry",
			wf:    pipeline,
			state: phases("extract=Succeeded audit=Succeeded load-0=Succeeded load-1=Succeeded load-2=Succeeded merge=Succeeded report=Succeeded notify=Succeeded"),
			want:  "",
		},
		{
			name:  "a running workflow cannot be retried",
			wf:    pipeline,
			state: phases("extract=Succeeded audit=Running"),
			err:   ErrStillRunning,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustCompile(t, tt.wf).RetryPlan(nil, tt.state)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("reset %v, want %s", got, tt.want)
			}
		})
	}
}

// After deleting what RetryPlan lists, the next evaluation starts exactly the failed work again.
func TestRetryThenEvaluate(t *testing.T) {
	g := mustCompile(t, Workflow{Steps: steps(
		Step{Name: "extract"},
		Step{Name: "load", Items: []string{"eu", "us"}, Dependencies: []string{"extract"}},
		Step{Name: "merge", Dependencies: []string{"load"}},
	)})
	state := phases("extract=Succeeded load-0=Succeeded load-1=Failed")
	reset, err := g.RetryPlan(nil, state)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range reset {
		delete(state, name)
	}
	plan := g.Evaluate(nil, state)
	if len(plan.Create) != 1 || plan.Create[0].Name != "load-1" || plan.Phase != WorkflowRunning {
		t.Errorf("after retry: create %+v, phase %s; want load-1, Running", plan.Create, plan.Phase)
	}
}
