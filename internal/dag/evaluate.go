package dag

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stokehq/stoke/internal/params"
)

// Phase is the state of one step.
type Phase string

const (
	PhasePending   Phase = "Pending"   // not created yet: waiting for dependencies or a parallelism slot
	PhaseRunning   Phase = "Running"   // its application exists and has not finished
	PhaseSucceeded Phase = "Succeeded" // its application succeeded
	PhaseFailed    Phase = "Failed"    // its application failed
	PhaseErrored   Phase = "Errored"   // it could not be run
	PhaseSkipped   Phase = "Skipped"   // its when condition was false
	PhaseOmitted   Phase = "Omitted"   // it will not run: dependencies not satisfied, or fail-fast
)

func (p Phase) finished() bool { return p != PhasePending && p != PhaseRunning }

func (p Phase) failure() bool { return p == PhaseFailed || p == PhaseErrored }

// Observed is what the reconciler saw of a step's child application.
type Observed struct {
	// Phase is Running, Succeeded, Failed or Errored (the reconciler could not create it); anything else
	// counts as Running.
	Phase Phase
	// Outputs of a finished step: "Result", "ExitCode", "ApplicationID".
	Outputs map[string]string
}

// State is what has been observed, keyed by concrete step name (STEP, STEP-N for fan-out children, and
// the exit step). Steps without a child application are absent.
type State map[string]Observed

// Task is a step to create now.
type Task struct {
	// Name is the concrete step name: the step's name, or STEP-N for the N-th fan-out item.
	Name string
	// Step is the name of the step as written in the workflow.
	Step string
	// Index is the fan-out index, or -1 for a step that does not fan out.
	Index int
	// Values are what the step's application template is substituted with (params.Substitute): the
	// workflow's values, every finished step's outputs, .Item for a fan-out child and .Workflow.Status
	// for the exit step.
	Values params.Values
}

// StepStatus is one line of the workflow's per-step summary.
type StepStatus struct {
	Name   string // concrete step name
	Step   string // step name as written
	Phase  Phase
	Reason string // why it is Pending, Skipped, Omitted or Errored
}

// WorkflowPhase is the outcome of the whole workflow.
type WorkflowPhase string

const (
	WorkflowRunning   WorkflowPhase = "Running"
	WorkflowSucceeded WorkflowPhase = "Succeeded"
	WorkflowFailed    WorkflowPhase = "Failed"
)

// Plan is what Evaluate decided.
type Plan struct {
	// Create are the steps to create now, in a stable order, within the parallelism limit.
	Create []Task
	// Steps is every step's state, in evaluation order; the exit step comes last.
	Steps []StepStatus
	// Phase is the workflow's outcome so far.
	Phase WorkflowPhase
	// Reason explains a Failed phase.
	Reason string
}

// Evaluate decides what to do next, given the workflow's values (parameters, logical time) and what has
// been observed of its steps. It is a pure function of its inputs. An observed step is only looked at once
// its dependencies have finished and allow it to run; until then its step is Pending or Omitted whatever
// its application is doing.
func (g *Graph) Evaluate(values params.Values, state State) Plan {
	failing := g.observedUnhandledFailure(state)
	e := g.evaluate(values, state, failing)
	if !failing && e.failing && g.failurePolicy == FailFast {
		// A failure found during this pass (an Errored fan-out, say) stops steps evaluated before it, too.
		e = g.evaluate(values, state, true)
	}
	return e.plan()
}

type group struct {
	phase    Phase
	children []Phase
	results  []string
}

type evaluation struct {
	g          *Graph
	state      State
	values     params.Values
	groups     map[string]*group
	statuses   []StepStatus
	candidates []Task
	failing    bool
	failures   []string // concrete names of unhandled failures
	running    int
}

func (g *Graph) observedUnhandledFailure(state State) bool {
	for name, observed := range state {
		if c := g.templateOf(name); c != nil && observed.Phase.failure() && !g.handled[c.Name] {
			return true
		}
	}
	return false
}

// templateOf is the step a concrete step name belongs to (itself, or the fan-out step of STEP-N), or
// nil for the exit step and names the workflow does not have.
func (g *Graph) templateOf(name string) *compiledStep {
	if c, ok := g.byName[name]; ok && !c.fanOut {
		return c
	}
	dash := strings.LastIndexByte(name, '-')
	if dash <= 0 || dash == len(name)-1 || strings.Trim(name[dash+1:], "0123456789") != "" {
		return nil
	}
	if c, ok := g.byName[name[:dash]]; ok && c.fanOut {
		return c
	}
	return nil
}

func (g *Graph) evaluate(values params.Values, state State, failing bool) *evaluation {
	e := &evaluation{g: g, state: state, values: params.Values{}, groups: map[string]*group{}, failing: failing}
	for k, v := range values {
		e.values[k] = v
	}
	for name, observed := range state {
		for k, v := range observed.Outputs {
			e.values[params.StepOutput(name, k)] = v
		}
		if normalise(observed.Phase) == PhaseRunning {
			e.running++
		}
	}
	for _, c := range g.steps {
		e.step(c)
	}
	return e
}

func normalise(p Phase) Phase {
	switch p {
	case PhaseSucceeded, PhaseFailed, PhaseErrored:
		return p
	default:
		return PhaseRunning
	}
}

func (e *evaluation) step(c *compiledStep) {
	var waiting []string
	for _, dep := range c.waitFor {
		if !e.groups[dep].phase.finished() {
			waiting = append(waiting, dep)
		}
	}
	if len(waiting) > 0 {
		e.settle(c, PhasePending, "waiting for "+strings.Join(waiting, ", "))
		return
	}
	if satisfied, reason := e.dependenciesSatisfied(c); !satisfied {
		e.settle(c, PhaseOmitted, reason)
		return
	}
	items, err := e.items(c)
	if err != nil {
		e.settle(c, PhaseErrored, err.Error())
		return
	}
	g := &group{}
	e.groups[c.Name] = g
	if !c.fanOut {
		g.children = append(g.children, e.task(c, c.Name, -1, nil))
	}
	for i, item := range items {
		g.children = append(g.children, e.task(c, c.Name+"-"+strconv.Itoa(i), i, &item))
	}
	g.phase = aggregate(g.children)
	if c.fanOut && g.phase.finished() {
		for i := range items {
			g.results = append(g.results, e.values[params.StepOutput(c.Name+"-"+strconv.Itoa(i), "Result")])
		}
		encoded, _ := json.Marshal(append([]string{}, g.results...)) // a []string always encodes
		e.values[params.StepOutput(c.Name, "Results")] = string(encoded)
	}
}

// settle records a step that produces no task: the whole step is in one phase.
func (e *evaluation) settle(c *compiledStep, phase Phase, reason string) {
	e.groups[c.Name] = &group{phase: phase, children: []Phase{phase}}
	e.statuses = append(e.statuses, StepStatus{Name: c.Name, Step: c.Name, Phase: phase, Reason: reason})
	if phase.failure() {
		e.noteFailure(c, c.Name)
	}
}

func (e *evaluation) noteFailure(c *compiledStep, name string) {
	if e.g.handled[c.Name] {
		return
	}
	e.failing = true
	e.failures = append(e.failures, name)
}

func (e *evaluation) dependenciesSatisfied(c *compiledStep) (bool, string) {
	if c.depends != nil {
		ok, _ := c.depends.root.eval(&environment{result: e.result}) // result atoms cannot fail
		if !ok {
			return false, fmt.Sprintf("depends %q is false", c.Depends)
		}
		return true, ""
	}
	for _, dep := range c.Dependencies {
		if phase := e.groups[dep].phase; phase != PhaseSucceeded && phase != PhaseSkipped {
			return false, fmt.Sprintf("dependency %s %s", dep, strings.ToLower(string(phase)))
		}
	}
	return true, ""
}

func (e *evaluation) result(step string, r Result) bool {
	g := e.groups[step]
	switch r {
	case ResultSucceeded, ResultFailed, ResultErrored, ResultSkipped, ResultOmitted:
		return g.phase == Phase(r)
	case ResultCompleted:
		return g.phase == PhaseSucceeded || g.phase == PhaseFailed
	case ResultAnySucceeded:
		for _, p := range g.children {
			if p == PhaseSucceeded {
				return true
			}
		}
		return false
	case ResultAllFailed:
		for _, p := range g.children {
			if p != PhaseFailed {
				return false
			}
		}
		return len(g.children) > 0
	}
	return false
}

func (e *evaluation) items(c *compiledStep) ([]string, error) {
	if c.itemsFrom == "" {
		return c.Items, nil
	}
	raw, ok := e.values[c.itemsFrom]
	if !ok {
		return nil, fmt.Errorf("itemsFrom: %w .%s", params.ErrUnknownParameter, c.itemsFrom)
	}
	var decoded []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &decoded); err != nil {
		return nil, fmt.Errorf("itemsFrom .%s is not a JSON array", c.itemsFrom)
	}
	if len(decoded) > MaxItems {
		return nil, fmt.Errorf("itemsFrom .%s has %d items, at most %d are allowed", c.itemsFrom, len(decoded), MaxItems)
	}
	items := make([]string, len(decoded))
	for i, element := range decoded {
		var s string
		if json.Unmarshal(element, &s) == nil {
			items[i] = s
		} else {
			items[i] = string(element) // numbers, booleans and objects as their JSON text
		}
	}
	return items, nil
}

// task decides one concrete step and returns its phase.
func (e *evaluation) task(c *compiledStep, name string, index int, item *string) Phase {
	status := StepStatus{Name: name, Step: c.Name}
	defer func() { e.statuses = append(e.statuses, status) }()
	if observed, ok := e.state[name]; ok {
		status.Phase = normalise(observed.Phase)
		if status.Phase.failure() {
			e.noteFailure(c, name)
		}
		return status.Phase
	}
	values := e.taskValues(item)
	if c.when != nil {
		ok, err := c.when.root.eval(&environment{values: values})
		if err != nil {
			status.Phase, status.Reason = PhaseErrored, fmt.Sprintf("when %q: %v", c.When, err)
			e.noteFailure(c, name)
			return status.Phase
		}
		if !ok {
			status.Phase, status.Reason = PhaseSkipped, fmt.Sprintf("when %q is false", c.When)
			return status.Phase
		}
	}
	if e.failing && e.g.failurePolicy == FailFast && c != e.g.exit {
		status.Phase, status.Reason = PhaseOmitted, "not started: a step failed (fail-fast)"
		return status.Phase
	}
	status.Phase = PhasePending
	e.candidates = append(e.candidates, Task{Name: name, Step: c.Name, Index: index, Values: values})
	return status.Phase
}

func (e *evaluation) taskValues(item *string) params.Values {
	values := make(params.Values, len(e.values)+1)
	for k, v := range e.values {
		values[k] = v
	}
	if item != nil {
		values[params.Item] = *item
	}
	return values
}

// aggregate is the phase of a step from its children's phases.
func aggregate(children []Phase) Phase {
	count := map[Phase]int{}
	for _, p := range children {
		count[p]++
	}
	switch {
	case count[PhasePending] > 0 || count[PhaseRunning] > 0:
		return PhaseRunning
	case count[PhaseErrored] > 0:
		return PhaseErrored
	case count[PhaseFailed] > 0:
		return PhaseFailed
	case count[PhaseOmitted] > 0:
		return PhaseOmitted
	case len(children) > 0 && count[PhaseSkipped] == len(children):
		return PhaseSkipped
	default:
		return PhaseSucceeded
	}
}

func (e *evaluation) plan() Plan {
	plan := Plan{Steps: e.statuses}
	mainFinished := true
	for _, c := range e.g.steps {
		if !e.groups[c.Name].phase.finished() {
			mainFinished = false
		}
	}
	outcome, reason := WorkflowSucceeded, ""
	if len(e.failures) > 0 {
		sort.Strings(e.failures)
		outcome, reason = WorkflowFailed, describeFailures(e.failures)
	}
	exitPhase := PhaseSucceeded
	if exit := e.g.exit; exit != nil {
		if mainFinished {
			e.values[WorkflowStatusValue] = string(outcome)
			exitPhase = e.task(exit, exit.Name, -1, nil)
		} else {
			exitPhase = PhasePending
			e.statuses = append(e.statuses, StepStatus{Name: exit.Name, Step: exit.Name, Phase: PhasePending, Reason: "waiting for the other steps to finish"})
		}
		plan.Steps = e.statuses
	}
	plan.Create = e.admit(plan.Steps)
	switch {
	case !mainFinished || !exitPhase.finished():
		plan.Phase = WorkflowRunning
	case outcome == WorkflowFailed:
		plan.Phase, plan.Reason = WorkflowFailed, reason
	case exitPhase.failure():
		plan.Phase, plan.Reason = WorkflowFailed, fmt.Sprintf("exit step %s %s", e.g.exit.Name, strings.ToLower(string(exitPhase)))
	default:
		plan.Phase = WorkflowSucceeded
	}
	return plan
}

// admit takes candidates up to the parallelism limit; the rest wait, and their status says so.
func (e *evaluation) admit(statuses []StepStatus) []Task {
	admitted := e.candidates
	if limit := e.g.parallelism; limit > 0 {
		slots := max(0, limit-e.running)
		if len(admitted) > slots {
			waiting := map[string]bool{}
			for _, t := range admitted[slots:] {
				waiting[t.Name] = true
			}
			for i := range statuses {
				if waiting[statuses[i].Name] {
					statuses[i].Reason = fmt.Sprintf("waiting for a slot: at most %d steps run at once", limit)
				}
			}
			admitted = admitted[:slots]
		}
	}
	return admitted
}

func describeFailures(names []string) string {
	const shown = 5
	if len(names) == 1 {
		return fmt.Sprintf("step %s failed", names[0])
	}
	if len(names) <= shown {
		return fmt.Sprintf("steps %s failed", strings.Join(names, ", "))
	}
	return fmt.Sprintf("steps %s and %d more failed", strings.Join(names[:shown], ", "), len(names)-shown)
}
