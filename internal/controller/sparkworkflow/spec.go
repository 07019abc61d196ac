package sparkworkflow

import (
	"fmt"
	"time"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/dag"
	"github.com/stokehq/stoke/internal/params"
)

// compiled is a workflow spec checked and ready to evaluate.
type compiled struct {
	graph *dag.Graph
	// values are what every step is given up front: parameters and the scheduled time.
	values params.Values
	// steps are the spec's steps by name.
	steps map[string]*stokev1.WorkflowStep
}

// invalidSpec is a problem with the spec that only a change to it can fix.
type invalidSpec struct {
	reason  string
	message string
}

func (e *invalidSpec) Error() string { return e.message }

// compile checks a workflow spec: the DAG (names, dependencies, expressions, cycles), the references in
// each step's template, and that every value a step refers to will exist. scheduled is the logical time of
// a workflow a schedule started (nil otherwise). Errors are *invalidSpec and name the step and the problem.
func compile(spec *stokev1.SparkWorkflowSpec, scheduled *time.Time) (*compiled, error) {
	c := &compiled{values: params.Values{}, steps: map[string]*stokev1.WorkflowStep{}}
	if scheduled != nil {
		c.values[params.ScheduledTime] = params.Time(*scheduled)
	}
	for _, p := range spec.Parameters {
		if p.Value == nil {
			continue // CheckValues reports a reference to it
		}
		base := params.Values{}
		if scheduled != nil {
			base[params.ScheduledTime] = c.values[params.ScheduledTime]
		}
		v, err := params.Expand(*p.Value, base) // a parameter's value may use the scheduled time
		if err != nil {
			return nil, &invalidSpec{ReasonInvalidParameter, fmt.Sprintf("parameter %s: %v", p.Name, err)}
		}
		c.values[params.Param(p.Name)] = v
	}
	wf := dag.Workflow{FailurePolicy: dag.FailurePolicy(spec.FailurePolicy)}
	if spec.Parallelism != nil {
		wf.Parallelism = int(*spec.Parallelism)
	}
	for i := range spec.Steps {
		s := &spec.Steps[i]
		refs, err := params.References(&s.Template.Application)
		if err != nil {
			return nil, &invalidSpec{ReasonInvalidStep, fmt.Sprintf("step %q: template.application.%s", s.Name, trimSpec(err.Error()))}
		}
		step := dag.Step{Name: s.Name, Dependencies: s.Dependencies, Depends: s.Depends, When: s.When,
			Items: s.Items, ItemsFrom: s.ItemsFrom}
		for _, r := range refs {
			step.References = append(step.References, r.Name)
		}
		c.steps[s.Name] = s
		if s.Name == spec.OnExit {
			wf.Exit = &step
			continue
		}
		wf.Steps = append(wf.Steps, step)
	}
	if spec.OnExit != "" && wf.Exit == nil {
		return nil, &invalidSpec{ReasonInvalidWorkflow, fmt.Sprintf("onExit names %q, which is not a step", spec.OnExit)}
	}
	graph, err := dag.Compile(wf)
	if err != nil {
		return nil, &invalidSpec{ReasonInvalidWorkflow, err.Error()}
	}
	provided := make([]string, 0, len(c.values))
	for name := range c.values {
		provided = append(provided, name)
	}
	if err := graph.CheckValues(provided); err != nil {
		return nil, &invalidSpec{ReasonInvalidReference, err.Error()}
	}
	c.graph = graph
	return c, nil
}

// trimSpec turns params' "spec.arguments[0]: ..." into "arguments[0]: ...".
func trimSpec(message string) string {
	if len(message) > 5 && message[:5] == "spec." {
		return message[5:]
	}
	return message
}

// scheduledTime is the logical time a schedule gave the workflow, from its annotation.
func scheduledTime(wf *stokev1.SparkWorkflow) (*time.Time, error) {
	raw, ok := wf.Annotations[stokev1.AnnotationScheduledTime]
	if !ok {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return nil, &invalidSpec{ReasonInvalidParameter, fmt.Sprintf("annotation %s: %v", stokev1.AnnotationScheduledTime, err)}
	}
	return &t, nil
}

// Validate checks a workflow spec as the reconciler will before running it, for a workflow started at the
// logical time scheduled (nil for one not started by a schedule): what a schedule checks of its workflow
// template before creating any run.
func Validate(spec *stokev1.SparkWorkflowSpec, scheduled *time.Time) error {
	_, err := compile(spec, scheduled)
	return err
}
