package dag

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stokehq/stoke/internal/params"
)

// Outputs a step provides to later steps, as .Steps.STEP.OUTPUT; a fan-out step provides Results instead.
var stepOutputs = []string{"Result", "ExitCode", "ApplicationID"}

// CheckValues checks, before anything runs, that every value a step's when or application template refers
// to will exist when the step is created: provided names a value the workflow gives every step up front
// (Params.NAME, ScheduledTime), .Steps.STEP.OUTPUT names an output of an earlier step (Results for a
// fan-out step), .Item is only used by fan-out steps and .Workflow.Status only by the exit step. The error
// names the step and the reference, so that a parameter that is never given stops the workflow before
// its first step instead of failing it halfway.
func (g *Graph) CheckValues(provided []string) error {
	given := map[string]bool{}
	for _, name := range provided {
		given[name] = true
	}
	all := append([]*compiledStep{}, g.steps...)
	if g.exit != nil {
		all = append(all, g.exit)
	}
	for _, c := range all {
		names := append(c.when.valueNamesOrNil(), c.References...)
		if c.itemsFrom != "" {
			names = append(names, c.itemsFrom)
		}
		for _, name := range names {
			if err := g.checkValue(c, name, given); err != nil {
				what := "step"
				if c == g.exit {
					what = "exit step"
				}
				return fmt.Errorf("%s %q: .%s: %w", what, c.Name, name, err)
			}
		}
	}
	return nil
}

func (g *Graph) checkValue(c *compiledStep, name string, given map[string]bool) error {
	switch {
	case given[name]:
		return nil
	case name == params.Item:
		if !c.fanOut {
			return fmt.Errorf("only a step with items or itemsFrom has an item")
		}
		return nil
	case name == WorkflowStatusValue:
		if c != g.exit {
			return fmt.Errorf("only the exit step sees the workflow's status")
		}
		return nil
	case strings.HasPrefix(name, "Steps."):
		step, output, _ := strings.Cut(strings.TrimPrefix(name, "Steps."), ".")
		target := g.byName[step]
		if target == nil {
			return fmt.Errorf("no step is named %q", step)
		}
		if target.fanOut {
			if output != "Results" {
				return fmt.Errorf("step %s fans out: its outputs are in .Steps.%s.Results, a JSON array", step, step)
			}
			return nil
		}
		if !slices.Contains(stepOutputs, output) {
			return fmt.Errorf("a step's outputs are %s", strings.Join(stepOutputs, ", "))
		}
		return nil
	case strings.HasPrefix(name, "Params."):
		return fmt.Errorf("parameter %s is not declared, or has no value", strings.TrimPrefix(name, "Params."))
	case name == params.ScheduledTime:
		return fmt.Errorf("the workflow was not started by a schedule, so it has no scheduled time")
	default:
		return fmt.Errorf("%w: no such value", params.ErrUnknownParameter)
	}
}
