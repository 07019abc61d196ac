package dag

import (
	"fmt"
	"strings"
	"testing"
)

func steps(s ...Step) []Step { return s }

func TestCompileErrors(t *testing.T) {
	manySteps := make([]Step, MaxSteps+1)
	for i := range manySteps {
		manySteps[i] = Step{Name: fmt.Sprintf("s%d", i)}
	}
	tests := []struct {
		name string
		wf   Workflow
		want string
	}{
		{"no steps", Workflow{}, "workflow has no steps"},
		{"too many steps", Workflow{Steps: manySteps}, fmt.Sprintf("workflow has %d steps, at most %d are allowed", MaxSteps+1, MaxSteps)},
		{"negative parallelism", Workflow{Steps: steps(Step{Name: "a"}), Parallelism: -1}, "parallelism -1 is negative"},
		{"unknown failure policy", Workflow{Steps: steps(Step{Name: "a"}), FailurePolicy: "Sometimes"}, `unknown failure policy "Sometimes": use FailFast or RunAll`},
		{"unnamed step", Workflow{Steps: steps(Step{})}, "a step has no name"},
		{"upper-case name", Workflow{Steps: steps(Step{Name: "Extract"})}, `step "Extract": name must be a DNS-1123 label (lower case letters, digits and '-'): a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"name starting with a digit", Workflow{Steps: steps(Step{Name: "1st"})}, `step "1st": name must start with a letter`},
		{"long name", Workflow{Steps: steps(Step{Name: strings.Repeat("a", 41)})}, `step "` + strings.Repeat("a", 41) + `": name is longer than 40 characters`},
		{"duplicate", Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b"}, Step{Name: "a"})}, `step "a" is defined twice`},
		{"unknown dependency", Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b", Dependencies: []string{"a", "x"}})}, `step "b": dependencies names unknown step "x"`},
		{"self dependency", Workflow{Steps: steps(Step{Name: "a", Dependencies: []string{"a"}})}, `step "a": dependencies names the step itself`},
		{"both dependency forms", Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b", Dependencies: []string{"a"}, Depends: "a.Succeeded"})}, `step "b": set dependencies or depends, not both`},
		{"depends does not parse", Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b", Depends: "a.Succeeded &&"})}, `step "b": depends "a.Succeeded &&": expected a step result, a comparison or ( at position 15, found end of expression`},
		{"depends names unknown step", Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b", Depends: "a.Succeeded || c.Failed"})}, `step "b": depends names unknown step "c"`},
		{"depends compares values", Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b", Depends: `.Params.x == "1"`})}, `step "b": depends ".Params.x == \"1\"" compares values: put comparisons in when`},
		{"when does not parse", Workflow{Steps: steps(Step{Name: "a", When: ".Params.x = 1"})}, `step "a": when ".Params.x = 1": unexpected character '=' at position 11`},
		{"when tests a result", Workflow{Steps: steps(Step{Name: "a"}, Step{Name: "b", When: "a.Succeeded"})}, `step "b": when "a.Succeeded" tests the result a.Succeeded: put step results in depends`},
		{"when names unknown step", Workflow{Steps: steps(Step{Name: "a", When: `.Steps.zz.Result == "1"`})}, `step "a": when names unknown step "zz"`},
		{"items and itemsFrom", Workflow{Steps: steps(Step{Name: "a", Items: []string{"x"}, ItemsFrom: ".Params.list"})}, `step "a": set items or itemsFrom, not both`},
		{"too many items", Workflow{Steps: steps(Step{Name: "a", Items: make([]string, MaxItems+1)})}, `step "a": 1001 items, at most 1000 are allowed`},
		{"itemsFrom not a value", Workflow{Steps: steps(Step{Name: "a", ItemsFrom: "Params.list"})}, `step "a": itemsFrom "Params.list" is not a value name such as .Steps.list.Result`},
		{"itemsFrom names unknown step", Workflow{Steps: steps(Step{Name: "a", ItemsFrom: ".Steps.list.Result"})}, `step "a": itemsFrom names unknown step "list"`},
		{"fan-out child name clash", Workflow{Steps: steps(Step{Name: "load", Items: []string{"x"}}, Step{Name: "load-0"})}, `step "load-0" has the name of a fan-out child of step "load"`},
		{"cycle", Workflow{Steps: steps(
			Step{Name: "a", Dependencies: []string{"c"}},
			Step{Name: "b", Dependencies: []string{"a"}},
			Step{Name: "c", Depends: "b.Succeeded"},
		)}, "steps form a cycle: a -> c -> b -> a"},
		{"cycle through when", Workflow{Steps: steps(
			Step{Name: "a", When: `.Steps.b.Result == "1"`},
			Step{Name: "b", Dependencies: []string{"a"}},
		)}, "steps form a cycle: a -> b -> a"},
		{"exit with dependencies", Workflow{Steps: steps(Step{Name: "a"}), Exit: &Step{Name: "done", Dependencies: []string{"a"}}}, `exit step "done" cannot have dependencies, depends or a fan-out: it runs after every step`},
		{"exit named like a step", Workflow{Steps: steps(Step{Name: "a"}), Exit: &Step{Name: "a"}}, `exit step "a" has the name of a step`},
		{"exit with a bad name", Workflow{Steps: steps(Step{Name: "a"}), Exit: &Step{Name: "Done"}}, `exit step "Done": name must be a DNS-1123 label (lower case letters, digits and '-'): a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"exit when names unknown step", Workflow{Steps: steps(Step{Name: "a"}), Exit: &Step{Name: "done", When: `.Steps.x.Result == "1"`}}, `exit step "done": .Steps.x.Result names unknown step "x"`},
		{"step depends on the exit step", Workflow{Steps: steps(Step{Name: "a", Depends: "done.Succeeded"}), Exit: &Step{Name: "done"}}, `step "a": depends names the exit step "done", which runs last`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Compile(tt.wf)
			if err == nil {
				t.Fatalf("Compile accepted it: %+v", g)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestCompileOrder(t *testing.T) {
	g, err := Compile(Workflow{Steps: steps(
		Step{Name: "report", Depends: "load.Succeeded || load.Failed"},
		Step{Name: "load", Dependencies: []string{"extract"}, ItemsFrom: ".Steps.extract.Result"},
		Step{Name: "extract"},
		Step{Name: "audit"},
		Step{Name: "load-x"}, // not a fan-out child name: the suffix is not a number
	)})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range g.steps {
		order = append(order, c.Name)
	}
	if got := strings.Join(order, ","); got != "extract,load,report,audit,load-x" {
		t.Errorf("order = %s", got)
	}
	if !g.handled["load"] || g.handled["extract"] {
		t.Errorf("handled = %v, want only load", g.handled)
	}
}
