package dag

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stokehq/stoke/internal/params"
)

func mustCompile(t *testing.T, wf Workflow) *Graph {
	t.Helper()
	g, err := Compile(wf)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return g
}

// phases abbreviates a state: "a=Succeeded b-0=Running".
func phases(s string) State {
	state := State{}
	for _, field := range strings.Fields(s) {
		name, phase, _ := strings.Cut(field, "=")
		state[name] = Observed{Phase: Phase(phase)}
	}
	return state
}

// summary is a plan in a comparable form.
type summary struct {
	Create []string
	Steps  []string // "name=Phase" or "name=Phase(reason)"
	Phase  WorkflowPhase
	Reason string
}

func summarise(p Plan) summary {
	s := summary{Phase: p.Phase, Reason: p.Reason}
	for _, task := range p.Create {
		s.Create = append(s.Create, task.Name)
	}
	for _, st := range p.Steps {
		line := st.Name + "=" + string(st.Phase)
		if st.Reason != "" {
			line += "(" + st.Reason + ")"
		}
		s.Steps = append(s.Steps, line)
	}
	return s
}

func TestEvaluate(t *testing.T) {
	chain := Workflow{Steps: steps(
		Step{Name: "extract"},
		Step{Name: "transform", Dependencies: []string{"extract"}},
		Step{Name: "load", Dependencies: []string{"transform"}},
	)}
	diamond := Workflow{Steps: steps(
		Step{Name: "a"},
		Step{Name: "b", Dependencies: []string{"a"}},
		Step{Name: "c", Dependencies: []string{"a"}},
		Step{Name: "d", Depends: "b.Succeeded && (c.Failed || c.Skipped)"},
	)}
	withExit := func(wf Workflow, exit Step) Workflow { wf.Exit = &exit; return wf }
	tests := []struct {
		name   string
		wf     Workflow
		values params.Values
		state  State
		want   summary
	}{
		{
			name: "a fresh chain starts its first step", wf: chain, state: State{},
			want: summary{Create: []string{"extract"}, Phase: WorkflowRunning, Steps: []string{
				"extract=Pending", "transform=Pending(waiting for extract)", "load=Pending(waiting for transform)"}},
		},
		{
			name: "a running step holds back its dependants", wf: chain, state: phases("extract=Running"),
			want: summary{Phase: WorkflowRunning, Steps: []string{
				"extract=Running", "transform=Pending(waiting for extract)", "load=Pending(waiting for transform)"}},
		},
		{
			name: "unknown observed phases count as running", wf: chain, state: phases("extract=Queued"),
			want: summary{Phase: WorkflowRunning, Steps: []string{
				"extract=Running", "transform=Pending(waiting for extract)", "load=Pending(waiting for transform)"}},
		},
		{
			name: "the next step becomes ready", wf: chain, state: phases("extract=Succeeded"),
			want: summary{Create: []string{"transform"}, Phase: WorkflowRunning, Steps: []string{
				"extract=Succeeded", "transform=Pending", "load=Pending(waiting for transform)"}},
		},
		{
			name: "a finished chain succeeds", wf: chain, state: phases("extract=Succeeded transform=Succeeded load=Succeeded"),
			want: summary{Phase: WorkflowSucceeded, Steps: []string{"extract=Succeeded", "transform=Succeeded", "load=Succeeded"}},
		},
		{
			name: "a failure omits what depends on it and fails the workflow", wf: chain, state: phases("extract=Succeeded transform=Failed"),
			want: summary{Phase: WorkflowFailed, Reason: "step transform failed", Steps: []string{
				"extract=Succeeded", "transform=Failed", "load=Omitted(dependency transform failed)"}},
		},
		{
			name: "an errored step fails the workflow", wf: chain, state: phases("extract=Errored"),
			want: summary{Phase: WorkflowFailed, Reason: "step extract failed", Steps: []string{
				"extract=Errored", "transform=Omitted(dependency extract errored)", "load=Omitted(dependency transform omitted)"}},
		},
		{
			name: "independent branches start together", wf: diamond, state: phases("a=Succeeded"),
			want: summary{Create: []string{"b", "c"}, Phase: WorkflowRunning, Steps: []string{
				"a=Succeeded", "b=Pending", "c=Pending", "d=Pending(waiting for b, c)"}},
		},
		{
			name: "depends expression satisfied by a handled failure", wf: diamond, state: phases("a=Succeeded b=Succeeded c=Failed"),
			want: summary{Create: []string{"d"}, Phase: WorkflowRunning, Steps: []string{
				"a=Succeeded", "b=Succeeded", "c=Failed", "d=Pending"}},
		},
		{
			name: "a handled failure does not fail the workflow", wf: diamond, state: phases("a=Succeeded b=Succeeded c=Failed d=Succeeded"),
			want: summary{Phase: WorkflowSucceeded, Steps: []string{"a=Succeeded", "b=Succeeded", "c=Failed", "d=Succeeded"}},
		},
		{
			name: "depends expression not satisfied omits the step", wf: diamond, state: phases("a=Succeeded b=Succeeded c=Succeeded"),
			want: summary{Phase: WorkflowSucceeded, Steps: []string{
				"a=Succeeded", "b=Succeeded", "c=Succeeded", `d=Omitted(depends "b.Succeeded && (c.Failed || c.Skipped)" is false)`}},
		},
		{
			name: "when false skips, and a skipped dependency still lets the list form run",
			wf: Workflow{Steps: steps(
				Step{Name: "backup", When: `.Params.env == "prod"`},
				Step{Name: "migrate", Dependencies: []string{"backup"}},
			)},
			values: params.Values{"Params.env": "dev"}, state: State{},
			want: summary{Create: []string{"migrate"}, Phase: WorkflowRunning, Steps: []string{
				`backup=Skipped(when ".Params.env == \"prod\"" is false)`, "migrate=Pending"}},
		},
		{
			name: "when true runs", wf: Workflow{Steps: steps(Step{Name: "backup", When: `.Params.env == "prod"`})},
			values: params.Values{"Params.env": "prod"}, state: State{},
			want: summary{Create: []string{"backup"}, Phase: WorkflowRunning, Steps: []string{"backup=Pending"}},
		},
		{
			name: "when naming a missing value errors the step", wf: Workflow{Steps: steps(Step{Name: "backup", When: `.Params.env == "prod"`})},
			state: State{},
			want: summary{Phase: WorkflowFailed, Reason: "step backup failed", Steps: []string{
				`backup=Errored(when ".Params.env == \"prod\"": unknown parameter .Params.env)`}},
		},
		{
			name: "when over a step output",
			wf: Workflow{Steps: steps(
				Step{Name: "count"},
				Step{Name: "load", When: `.Steps.count.Result != "0"`},
			)},
			state: State{"count": {Phase: PhaseSucceeded, Outputs: map[string]string{"Result": "0"}}},
			want:  summary{Phase: WorkflowSucceeded, Steps: []string{"count=Succeeded", `load=Skipped(when ".Steps.count.Result != \"0\"" is false)`}},
		},
		{
			name:  "fail-fast starts nothing new after a failure",
			wf:    Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b"}, Step{Name: "c", Dependencies: []string{"a"}})},
			state: phases("a=Succeeded b=Failed"),
			want: summary{Phase: WorkflowFailed, Reason: "step b failed", Steps: []string{
				"a=Succeeded", "b=Failed", "c=Omitted(not started: a step failed (fail-fast))"}},
		},
		{
			name:  "fail-fast lets running steps finish",
			wf:    Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b"}, Step{Name: "c"})},
			state: phases("a=Running b=Failed"),
			want: summary{Phase: WorkflowRunning, Steps: []string{
				"a=Running", "b=Failed", "c=Omitted(not started: a step failed (fail-fast))"}},
		},
		{
			name:  "run-all keeps going after a failure",
			wf:    Workflow{FailurePolicy: RunAll, Steps: steps(Step{Name: "a"}, Step{Name: "b"}, Step{Name: "c", Dependencies: []string{"a"}})},
			state: phases("a=Succeeded b=Failed"),
			want:  summary{Create: []string{"c"}, Phase: WorkflowRunning, Steps: []string{"a=Succeeded", "b=Failed", "c=Pending"}},
		},
		{
			name:  "run-all still fails the workflow in the end",
			wf:    Workflow{FailurePolicy: RunAll, Steps: steps(Step{Name: "a"}, Step{Name: "b"}, Step{Name: "c", Dependencies: []string{"a"}})},
			state: phases("a=Succeeded b=Failed c=Succeeded"),
			want:  summary{Phase: WorkflowFailed, Reason: "step b failed", Steps: []string{"a=Succeeded", "b=Failed", "c=Succeeded"}},
		},
		{
			name:  "a handled failure does not trigger fail-fast",
			wf:    Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b"}, Step{Name: "fallback", Depends: "a.Failed"})},
			state: phases("a=Failed"),
			want:  summary{Create: []string{"b", "fallback"}, Phase: WorkflowRunning, Steps: []string{"a=Failed", "b=Pending", "fallback=Pending"}},
		},
		{
			name:  "parallelism caps new steps",
			wf:    Workflow{Parallelism: 2, Steps: steps(Step{Name: "a"}, Step{Name: "b"}, Step{Name: "c"}, Step{Name: "d"})},
			state: phases("a=Running"),
			want: summary{Create: []string{"b"}, Phase: WorkflowRunning, Steps: []string{
				"a=Running", "b=Pending",
				"c=Pending(waiting for a slot: at most 2 steps run at once)", "d=Pending(waiting for a slot: at most 2 steps run at once)"}},
		},
		{
			name:  "parallelism full",
			wf:    Workflow{Parallelism: 1, Steps: steps(Step{Name: "a"}, Step{Name: "b"})},
			state: phases("a=Running"),
			want:  summary{Phase: WorkflowRunning, Steps: []string{"a=Running", "b=Pending(waiting for a slot: at most 1 steps run at once)"}},
		},
		{
			name:  "fan-out over items",
			wf:    Workflow{Parallelism: 3, Steps: steps(Step{Name: "load", Items: []string{"eu", "us", "apac", "latam"}}, Step{Name: "merge", Dependencies: []string{"load"}})},
			state: phases("load-0=Succeeded"),
			want: summary{Create: []string{"load-1", "load-2", "load-3"}, Phase: WorkflowRunning, Steps: []string{
				"load-0=Succeeded", "load-1=Pending", "load-2=Pending", "load-3=Pending", "merge=Pending(waiting for load)"}},
		},
		{
			name:  "fan-out finished lets the fan-in run",
			wf:    Workflow{Steps: steps(Step{Name: "load", Items: []string{"eu", "us"}}, Step{Name: "merge", Dependencies: []string{"load"}})},
			state: phases("load-0=Succeeded load-1=Succeeded"),
			want:  summary{Create: []string{"merge"}, Phase: WorkflowRunning, Steps: []string{"load-0=Succeeded", "load-1=Succeeded", "merge=Pending"}},
		},
		{
			name:  "one failed child fails the fan-out",
			wf:    Workflow{Steps: steps(Step{Name: "load", Items: []string{"eu", "us"}}, Step{Name: "merge", Dependencies: []string{"load"}})},
			state: phases("load-0=Succeeded load-1=Failed"),
			want: summary{Phase: WorkflowFailed, Reason: "step load-1 failed", Steps: []string{
				"load-0=Succeeded", "load-1=Failed", "merge=Omitted(dependency load failed)"}},
		},
		{
			name:  "AnySucceeded handles partial fan-out failure",
			wf:    Workflow{Steps: steps(Step{Name: "load", Items: []string{"eu", "us"}}, Step{Name: "merge", Depends: "load.AnySucceeded"})},
			state: phases("load-0=Succeeded load-1=Failed"),
			want:  summary{Create: []string{"merge"}, Phase: WorkflowRunning, Steps: []string{"load-0=Succeeded", "load-1=Failed", "merge=Pending"}},
		},
		{
			name:  "AllFailed",
			wf:    Workflow{Steps: steps(Step{Name: "load", Items: []string{"eu", "us"}}, Step{Name: "alert", Depends: "load.AllFailed"})},
			state: phases("load-0=Failed load-1=Succeeded"),
			// Testing load for AllFailed declares its failures expected: they do not fail the workflow.
			want: summary{Phase: WorkflowSucceeded, Steps: []string{
				"load-0=Failed", "load-1=Succeeded", `alert=Omitted(depends "load.AllFailed" is false)`}},
		},
		{
			name:  "fan-out when per item",
			wf:    Workflow{Steps: steps(Step{Name: "load", Items: []string{"eu", "us"}, When: `.Item != "us"`})},
			state: State{},
			want:  summary{Create: []string{"load-0"}, Phase: WorkflowRunning, Steps: []string{"load-0=Pending", `load-1=Skipped(when ".Item != \"us\"" is false)`}},
		},
		{
			name:  "fan-out over an earlier step's output",
			wf:    Workflow{Steps: steps(Step{Name: "list"}, Step{Name: "load", Dependencies: []string{"list"}, ItemsFrom: ".Steps.list.Result"})},
			state: State{"list": {Phase: PhaseSucceeded, Outputs: map[string]string{"Result": `["a.csv", 7, {"k":"v"}]`}}},
			want: summary{Create: []string{"load-0", "load-1", "load-2"}, Phase: WorkflowRunning, Steps: []string{
				"list=Succeeded", "load-0=Pending", "load-1=Pending", "load-2=Pending"}},
		},
		{
			name:  "fan-out over nothing succeeds",
			wf:    Workflow{Steps: steps(Step{Name: "list"}, Step{Name: "load", Dependencies: []string{"list"}, ItemsFrom: ".Steps.list.Result"}, Step{Name: "merge", Dependencies: []string{"load"}})},
			state: State{"list": {Phase: PhaseSucceeded, Outputs: map[string]string{"Result": `[]`}}},
			want:  summary{Create: []string{"merge"}, Phase: WorkflowRunning, Steps: []string{"list=Succeeded", "merge=Pending"}},
		},
		{
			name:  "fan-out over a bad output errors the step",
			wf:    Workflow{Steps: steps(Step{Name: "list"}, Step{Name: "load", Dependencies: []string{"list"}, ItemsFrom: ".Steps.list.Result"})},
			state: State{"list": {Phase: PhaseSucceeded, Outputs: map[string]string{"Result": `a.csv b.csv`}}},
			want: summary{Phase: WorkflowFailed, Reason: "step load failed", Steps: []string{
				"list=Succeeded", "load=Errored(itemsFrom .Steps.list.Result is not a JSON array)"}},
		},
		{
			name:  "fan-out over a missing output errors the step",
			wf:    Workflow{Steps: steps(Step{Name: "list"}, Step{Name: "load", Dependencies: []string{"list"}, ItemsFrom: ".Steps.list.Result"})},
			state: phases("list=Succeeded"),
			want: summary{Phase: WorkflowFailed, Reason: "step load failed", Steps: []string{
				"list=Succeeded", "load=Errored(itemsFrom: unknown parameter .Steps.list.Result)"}},
		},
		{
			name:   "a failure found late still stops earlier-evaluated independent steps (fail-fast)",
			wf:     Workflow{Steps: steps(Step{Name: "list"}, Step{Name: "other"}, Step{Name: "load", Dependencies: []string{"list"}, ItemsFrom: ".Params.files"})},
			values: params.Values{"Params.files": "nope"}, state: phases("list=Succeeded"),
			want: summary{Phase: WorkflowFailed, Reason: "step load failed", Steps: []string{
				"list=Succeeded", "other=Omitted(not started: a step failed (fail-fast))", "load=Errored(itemsFrom .Params.files is not a JSON array)"}},
		},
		{
			name: "exit step waits for the others",
			wf:   withExit(chain, Step{Name: "notify"}), state: phases("extract=Running"),
			want: summary{Phase: WorkflowRunning, Steps: []string{
				"extract=Running", "transform=Pending(waiting for extract)", "load=Pending(waiting for transform)",
				"notify=Pending(waiting for the other steps to finish)"}},
		},
		{
			name: "exit step runs after a failure",
			wf:   withExit(chain, Step{Name: "notify"}), state: phases("extract=Failed"),
			want: summary{Create: []string{"notify"}, Phase: WorkflowRunning, Steps: []string{
				"extract=Failed", "transform=Omitted(dependency extract failed)", "load=Omitted(dependency transform omitted)", "notify=Pending"}},
		},
		{
			name: "exit step keeps the failed outcome",
			wf:   withExit(chain, Step{Name: "notify"}), state: phases("extract=Failed notify=Succeeded"),
			want: summary{Phase: WorkflowFailed, Reason: "step extract failed", Steps: []string{
				"extract=Failed", "transform=Omitted(dependency extract failed)", "load=Omitted(dependency transform omitted)", "notify=Succeeded"}},
		},
		{
			name: "a failed exit step fails the workflow",
			wf:   withExit(chain, Step{Name: "notify"}), state: phases("extract=Succeeded transform=Succeeded load=Succeeded notify=Failed"),
			want: summary{Phase: WorkflowFailed, Reason: "exit step notify failed", Steps: []string{
				"extract=Succeeded", "transform=Succeeded", "load=Succeeded", "notify=Failed"}},
		},
		{
			name: "exit step when over the outcome",
			wf:   withExit(chain, Step{Name: "page", When: `.Workflow.Status == "Failed"`}), state: phases("extract=Succeeded transform=Succeeded load=Succeeded"),
			want: summary{Phase: WorkflowSucceeded, Steps: []string{
				"extract=Succeeded", "transform=Succeeded", "load=Succeeded", `page=Skipped(when ".Workflow.Status == \"Failed\"" is false)`}},
		},
		{
			name:  "many failures are summarised",
			wf:    Workflow{Steps: steps(Step{Name: "load", Items: make([]string, 7)})},
			state: phases("load-0=Failed load-1=Failed load-2=Failed load-3=Failed load-4=Failed load-5=Failed load-6=Failed"),
			want: summary{Phase: WorkflowFailed, Reason: "steps load-0, load-1, load-2, load-3, load-4 and 2 more failed", Steps: []string{
				"load-0=Failed", "load-1=Failed", "load-2=Failed", "load-3=Failed", "load-4=Failed", "load-5=Failed", "load-6=Failed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarise(mustCompile(t, tt.wf).Evaluate(tt.values, tt.state))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTaskValues(t *testing.T) {
	g := mustCompile(t, Workflow{
		Steps: steps(
			Step{Name: "list"},
			Step{Name: "load", Dependencies: []string{"list"}, ItemsFrom: ".Steps.list.Result"},
			Step{Name: "merge", Dependencies: []string{"load"}},
		),
		Exit: &Step{Name: "notify"},
	})
	values := params.Values{params.Param("date"): "2026-12-01"}
	state := State{"list": {Phase: PhaseSucceeded, Outputs: map[string]string{"Result": `["a.csv", 7]`, "ExitCode": "0"}}}

	plan := g.Evaluate(values, state)
	want := []Task{
		{Name: "load-0", Step: "load", Index: 0, Values: params.Values{
			"Params.date": "2026-12-01", "Steps.list.Result": `["a.csv", 7]`, "Steps.list.ExitCode": "0", "Item": "a.csv"}},
		{Name: "load-1", Step: "load", Index: 1, Values: params.Values{
			"Params.date": "2026-12-01", "Steps.list.Result": `["a.csv", 7]`, "Steps.list.ExitCode": "0", "Item": "7"}},
	}
	if diff := cmp.Diff(want, plan.Create); diff != "" {
		t.Errorf("fan-out tasks (-want +got):\n%s", diff)
	}

	state["load-0"] = Observed{Phase: PhaseSucceeded, Outputs: map[string]string{"Result": "10"}}
	state["load-1"] = Observed{Phase: PhaseSucceeded}
	plan = g.Evaluate(values, state)
	if len(plan.Create) != 1 || plan.Create[0].Name != "merge" || plan.Create[0].Index != -1 {
		t.Fatalf("create = %+v, want merge", plan.Create)
	}
	if got := plan.Create[0].Values["Steps.load.Results"]; got != `["10",""]` {
		t.Errorf("fan-in Results = %s", got)
	}
	if _, ok := plan.Create[0].Values[params.Item]; ok {
		t.Error("a step that does not fan out sees .Item")
	}

	state["merge"] = Observed{Phase: PhaseFailed}
	plan = g.Evaluate(values, state)
	if len(plan.Create) != 1 || plan.Create[0].Values[WorkflowStatusValue] != "Failed" {
		t.Errorf("exit task = %+v, want one with Workflow.Status Failed", plan.Create)
	}
	if values[WorkflowStatusValue] != "" || len(values) != 1 {
		t.Errorf("Evaluate changed its input values: %v", values)
	}
}

// A 200-step workflow (a fan-out of 100 and a chain of 100) is evaluated in one pass, quickly.
func TestEvaluateLargeWorkflow(t *testing.T) {
	wf := Workflow{Steps: []Step{{Name: "fan", Items: make([]string, 100)}}}
	previous := "fan"
	for i := 0; i < 100; i++ {
		name := "chain" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		wf.Steps = append(wf.Steps, Step{Name: name, Dependencies: []string{previous}})
		previous = name
	}
	g := mustCompile(t, wf)
	state := State{}
	for i := 0; i < 100; i++ {
		state["fan-"+itoa(i)] = Observed{Phase: PhaseSucceeded}
	}
	plan := g.Evaluate(nil, state)
	if len(plan.Create) != 1 || plan.Create[0].Name != "chainaa" {
		t.Errorf("create = %d tasks, want chainaa", len(plan.Create))
	}
	if len(plan.Steps) != 200 {
		t.Errorf("%d step statuses, want 200", len(plan.Steps))
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
