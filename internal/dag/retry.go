package dag

import (
	"errors"
	"sort"

	"github.com/stokehq/stoke/internal/params"
)

// ErrStillRunning is returned by RetryPlan while the workflow has not finished.
var ErrStillRunning = errors.New("workflow is still running: retry it once it has finished")

// RetryPlan is "retry in place": it lists the concrete steps whose applications must be deleted so that
// the next evaluation runs them again. Those are the failed and errored steps (of a fan-out, only the
// children that failed), every step downstream of a step that failed or was omitted (all of its
// children), and the exit step. Steps that succeeded and do not depend on a rerun step are kept, and so
// are their outputs. Omitted steps have no application, so they need no deleting: with their
// dependencies reset, the next evaluation decides them afresh. Steps skipped by their when condition are
// not retried, since the same values would skip them again. A workflow that succeeded has nothing to
// retry.
func (g *Graph) RetryPlan(values params.Values, state State) ([]string, error) {
	plan := g.Evaluate(values, state)
	if plan.Phase == WorkflowRunning {
		return nil, ErrStillRunning
	}
	if plan.Phase == WorkflowSucceeded {
		return nil, nil
	}
	reset := map[string]bool{}
	roots := map[string]bool{}
	for _, s := range plan.Steps {
		if g.exit != nil && s.Name == g.exit.Name {
			continue
		}
		if s.Phase.failure() || s.Phase == PhaseOmitted {
			roots[s.Step] = true
		}
		if _, observed := state[s.Name]; observed && s.Phase.failure() {
			reset[s.Name] = true
		}
	}
	downstream := g.downstreamOf(roots)
	for name := range state {
		if c := g.templateOf(name); c != nil && downstream[c.Name] {
			reset[name] = true
		}
	}
	if g.exit != nil {
		if _, observed := state[g.exit.Name]; observed {
			reset[g.exit.Name] = true
		}
	}
	names := make([]string, 0, len(reset))
	for name := range reset {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// downstreamOf is the set of steps that wait, directly or not, for any of the given steps.
func (g *Graph) downstreamOf(roots map[string]bool) map[string]bool {
	affected := map[string]bool{}
	for _, c := range g.steps { // topological order: a step's dependencies come before it
		for _, dep := range c.waitFor {
			if roots[dep] || affected[dep] {
				affected[c.Name] = true
				break
			}
		}
	}
	return affected
}
