package dag

import (
	"strings"
	"testing"
)

func TestCheckValues(t *testing.T) {
	base := func(extra ...Step) Workflow {
		return Workflow{Steps: append([]Step{
			{Name: "list"},
			{Name: "load", ItemsFrom: ".Steps.list.Result"},
		}, extra...), Exit: &Step{Name: "done", References: []string{"Workflow.Status"}}}
	}
	tests := []struct {
		name     string
		wf       Workflow
		provided []string
		want     string // empty: no error
	}{
		{"everything known", base(Step{Name: "report", References: []string{"Params.date", "Steps.load.Results", "Steps.list.ExitCode", "ScheduledTime"}}),
			[]string{"Params.date", "ScheduledTime"}, ""},
		{"item in a fan-out step", base(Step{Name: "each", Items: []string{"a"}, References: []string{"Item"}}), nil, ""},
		{"parameter never given", base(Step{Name: "report", References: []string{"Params.date"}}), []string{"Params.day"},
			`step "report": .Params.date: parameter date is not declared, or has no value`},
		{"parameter in when", base(Step{Name: "report", When: `.Params.env == "prod"`}), nil,
			`step "report": .Params.env: parameter env is not declared, or has no value`},
		{"item outside a fan-out", base(Step{Name: "report", References: []string{"Item"}}), nil,
			`step "report": .Item: only a step with items or itemsFrom has an item`},
		{"workflow status outside the exit step", base(Step{Name: "report", References: []string{"Workflow.Status"}}), nil,
			`step "report": .Workflow.Status: only the exit step sees the workflow's status`},
		{"unknown output", base(Step{Name: "report", References: []string{"Steps.list.Rows"}}), nil,
			`step "report": .Steps.list.Rows: a step's outputs are Result, ExitCode, ApplicationID`},
		{"single output of a fan-out", base(Step{Name: "report", References: []string{"Steps.load.Result"}}), nil,
			`step "report": .Steps.load.Result: step load fans out: its outputs are in .Steps.load.Results, a JSON array`},
		{"scheduled time without a schedule", base(Step{Name: "report", References: []string{"ScheduledTime"}}), nil,
			`step "report": .ScheduledTime: the workflow was not started by a schedule, so it has no scheduled time`},
		{"exit step reads a parameter", Workflow{Steps: []Step{{Name: "a"}}, Exit: &Step{Name: "done", References: []string{"Params.x"}}}, nil,
			`exit step "done": .Params.x: parameter x is not declared, or has no value`},
		{"unknown value", base(Step{Name: "report", References: []string{"Nope"}}), nil,
			`step "report": .Nope: unknown parameter: no such value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Compile(tt.wf)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			err = g.CheckValues(tt.provided)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("CheckValues: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("CheckValues = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestTemplateReferencesOrderSteps(t *testing.T) {
	g, err := Compile(Workflow{Steps: []Step{
		{Name: "report", References: []string{"Steps.count.Result"}},
		{Name: "count"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	plan := g.Evaluate(nil, State{})
	if len(plan.Create) != 1 || plan.Create[0].Name != "count" {
		t.Fatalf("first plan creates %v, want only count: report waits for the step its template reads", plan.Create)
	}
	var reason string
	for _, s := range plan.Steps {
		if s.Name == "report" {
			reason = s.Reason
		}
	}
	if !strings.Contains(reason, "waiting for count") {
		t.Fatalf("report's reason = %q", reason)
	}
	if _, err := Compile(Workflow{Steps: []Step{{Name: "a", References: []string{"Steps.a.Result"}}}}); err == nil ||
		err.Error() != `step "a": its template (.Steps.a.Result) names the step itself` {
		t.Fatalf("self reference: %v", err)
	}
}
