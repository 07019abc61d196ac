package dag

import (
	"testing"

	"github.com/stokehq/stoke/internal/params"
)

// FuzzEvaluate builds a small workflow from fuzzed expressions and outputs and checks that compiling,
// evaluating and planning a retry never panic, and that a plan never creates a step twice or beyond
// the parallelism limit.
func FuzzEvaluate(f *testing.F) {
	f.Add("a.Succeeded || a.Failed", `.Steps.a.Result == "x"`, `["p", "q"]`, "Failed", uint8(1))
	f.Add("!a.Skipped && (a.AllFailed || a.AnySucceeded)", "true", `[1, {"k": 2}]`, "Succeeded", uint8(0))
	f.Add("a.Omitted", `.Item != "p"`, "not json", "Errored", uint8(3))
	f.Fuzz(func(t *testing.T, depends, when, result, phase string, parallelism uint8) {
		g, err := Compile(Workflow{
			Steps: []Step{
				{Name: "a"},
				{Name: "b", Depends: depends, When: when},
				{Name: "c", Dependencies: []string{"a"}, ItemsFrom: ".Steps.a.Result", When: when},
			},
			Exit:        &Step{Name: "done", When: when},
			Parallelism: int(parallelism % 4),
		})
		if err != nil {
			return
		}
		state := State{"a": {Phase: Phase(phase), Outputs: map[string]string{"Result": result}}}
		plan := g.Evaluate(params.Values{"Params.x": "1"}, state)
		seen := map[string]bool{}
		for _, task := range plan.Create {
			if seen[task.Name] {
				t.Fatalf("task %s planned twice", task.Name)
			}
			seen[task.Name] = true
		}
		if limit := int(parallelism % 4); limit > 0 && len(plan.Create) > limit {
			t.Fatalf("%d tasks planned with parallelism %d", len(plan.Create), limit)
		}
		_, _ = g.RetryPlan(nil, state)
	})
}
