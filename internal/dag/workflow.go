// Package dag is the pure engine behind SparkWorkflow: it validates a workflow's steps and, given what
// has been observed of each step so far, decides which steps to create now, which are skipped and why,
// and the workflow's outcome. It never talks to the API server; the reconciler observes the child
// applications, calls Evaluate, and creates what the plan says.
//
// # Steps and dependencies
//
// A step runs after its dependencies, given either as a list or as an expression:
//
//	dependencies: [extract, validate]    each listed step Succeeded or was Skipped
//	depends: extract.Succeeded && (validate.Failed || validate.Skipped)
//
// The results a depends expression can test are Succeeded, Failed, Errored (the step could not be run:
// a parameter that was not given, a bad fan-out input), Skipped (its when condition was false), Omitted
// (it never ran because its own dependencies were not satisfied, or fail-fast stopped it), Completed
// (Succeeded or Failed), AnySucceeded and AllFailed (for fan-out steps; for other steps they mean
// Succeeded and Failed). Expressions combine them with &&, || and !, and parentheses. A step whose
// dependencies are not satisfied is Omitted, and so, in turn, are the steps that need it.
//
// A step waits until every step its depends, dependencies, when, itemsFrom and application template
// mention has finished.
//
// # Conditions
//
// when compares values with == and != and combines comparisons like depends:
//
//	when: .Params.env == "prod" && .Steps.count.Result != "0"
//
// Values are named as in the parameter engine (package params): .Params.NAME, .Steps.STEP.Result,
// .Steps.STEP.ExitCode, .Steps.STEP.ApplicationID, .Item, and in the exit step .Workflow.Status. A step
// whose when is false is Skipped; a when naming a value that does not exist makes the step Errored.
//
// # Fan-out
//
// A step with items (a list) or itemsFrom (a value holding a JSON array, such as .Steps.list.Result)
// runs once per item, as steps named STEP-0, STEP-1, ..., each seeing its item as .Item. A fan-out over
// no items succeeds without running anything. Later steps test the fan-out step as a whole: it
// Succeeded when every child succeeded (or was skipped), Failed when any failed, and its children's
// results are available as .Steps.STEP.Results, a JSON array in item order.
//
// # Failures and the outcome
//
// A failed or errored step fails the workflow, unless another step's depends tests it for Failed,
// Errored, Completed, AnySucceeded or AllFailed: then the failure is expected and handled. With
// fail-fast (the default) no new step starts once a step has failed unhandled; running steps finish.
// With run-all every step whose dependencies allow it still runs. The exit step, if any, runs after
// every other step has finished, whatever happened, and sees .Workflow.Status (Succeeded or Failed); if
// it fails, so does the workflow. A parallelism limit caps how many steps run at once.
package dag

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Step is one step of a workflow, as the user wrote it.
type Step struct {
	Name string
	// Dependencies must each have Succeeded or been Skipped. Not allowed together with Depends.
	Dependencies []string
	// Depends is an expression over other steps' results.
	Depends string
	// When is a condition over values; the step is Skipped when it is false.
	When string
	// Items fans the step out over a fixed list.
	Items []string
	// ItemsFrom fans the step out over a JSON array held in a value, such as ".Steps.list.Result".
	ItemsFrom string
	// References are the value names (without the leading dot) the step's application template refers
	// to, as params.References lists them. A step waits for every step whose outputs it refers to.
	References []string
}

// FailurePolicy says whether steps still start after a step failed.
type FailurePolicy string

const (
	// FailFast starts no new step after an unhandled failure (the default).
	FailFast FailurePolicy = "FailFast"
	// RunAll keeps starting every step whose dependencies allow it.
	RunAll FailurePolicy = "RunAll"
)

// Workflow is the DAG as the user wrote it.
type Workflow struct {
	Steps []Step
	// Exit runs after all other steps, whatever their outcome. It cannot have dependencies or fan out.
	Exit *Step
	// Parallelism caps how many steps run at once; 0 means no limit.
	Parallelism int
	// FailurePolicy is FailFast when empty.
	FailurePolicy FailurePolicy
}

// Limits that keep one workflow's status readable and its evaluation cheap.
const (
	// MaxSteps matches the SparkWorkflow schema: the admission cost of each step's embedded application
	// schema (its CEL rules) grows with this bound.
	MaxSteps = 150
	MaxItems = 1000
	// MaxStepNameLength leaves room in a DNS-1123 label for a fan-out index and the workflow's name.
	MaxStepNameLength = 40
)

// WorkflowStatusValue is the value name the exit step reads the workflow's outcome from.
const WorkflowStatusValue = "Workflow.Status"

// Graph is a validated workflow, ready to evaluate.
type Graph struct {
	steps         []*compiledStep // in a topological order, declaration order among equals
	byName        map[string]*compiledStep
	exit          *compiledStep
	parallelism   int
	failurePolicy FailurePolicy
	// handled marks steps whose failure some depends expression expects.
	handled map[string]bool
}

type compiledStep struct {
	Step
	depends   *Expression
	when      *Expression
	itemsFrom string   // value name without the dot
	waitFor   []string // every step this one must wait for, sorted
	fanOut    bool
}

// Compile validates a workflow. Every error names the step and the problem.
func Compile(wf Workflow) (*Graph, error) {
	if len(wf.Steps) == 0 {
		return nil, errors.New("workflow has no steps")
	}
	if len(wf.Steps) > MaxSteps {
		return nil, fmt.Errorf("workflow has %d steps, at most %d are allowed", len(wf.Steps), MaxSteps)
	}
	if wf.Parallelism < 0 {
		return nil, fmt.Errorf("parallelism %d is negative", wf.Parallelism)
	}
	policy := wf.FailurePolicy
	switch policy {
	case "":
		policy = FailFast
	case FailFast, RunAll:
	default:
		return nil, fmt.Errorf("unknown failure policy %q: use FailFast or RunAll", policy)
	}
	g := &Graph{byName: map[string]*compiledStep{}, parallelism: wf.Parallelism, failurePolicy: policy, handled: map[string]bool{}}
	var declared []*compiledStep
	for _, step := range wf.Steps {
		c, err := compileStep(step)
		if err != nil {
			return nil, err
		}
		if _, dup := g.byName[step.Name]; dup {
			return nil, fmt.Errorf("step %q is defined twice", step.Name)
		}
		g.byName[step.Name] = c
		declared = append(declared, c)
	}
	if wf.Exit != nil {
		exit, err := compileExit(*wf.Exit, g.byName)
		if err != nil {
			return nil, err
		}
		g.exit = exit
	}
	for _, c := range declared {
		if err := g.resolve(c); err != nil {
			return nil, err
		}
	}
	if err := checkFanOutNames(declared, g.byName); err != nil {
		return nil, err
	}
	order, err := topologicalOrder(declared, g.byName)
	if err != nil {
		return nil, err
	}
	g.steps = order
	return g, nil
}

func compileStep(step Step) (*compiledStep, error) {
	if err := checkStepName(step.Name); err != nil {
		return nil, err
	}
	c := &compiledStep{Step: step}
	var err error
	if step.Depends != "" {
		if len(step.Dependencies) > 0 {
			return nil, fmt.Errorf("step %q: set dependencies or depends, not both", step.Name)
		}
		if c.depends, err = ParseExpression(step.Depends); err != nil {
			return nil, fmt.Errorf("step %q: depends %q: %w", step.Name, step.Depends, err)
		}
		if len(c.depends.valueNames()) > 0 {
			return nil, fmt.Errorf("step %q: depends %q compares values: put comparisons in when", step.Name, step.Depends)
		}
	}
	if step.When != "" {
		if c.when, err = ParseExpression(step.When); err != nil {
			return nil, fmt.Errorf("step %q: when %q: %w", step.Name, step.When, err)
		}
		if atoms := c.when.results(); len(atoms) > 0 {
			return nil, fmt.Errorf("step %q: when %q tests the result %s.%s: put step results in depends", step.Name, step.When, atoms[0].step, atoms[0].result)
		}
	}
	if len(step.Items) > 0 && step.ItemsFrom != "" {
		return nil, fmt.Errorf("step %q: set items or itemsFrom, not both", step.Name)
	}
	if len(step.Items) > MaxItems {
		return nil, fmt.Errorf("step %q: %d items, at most %d are allowed", step.Name, len(step.Items), MaxItems)
	}
	if step.ItemsFrom != "" {
		name, ok := strings.CutPrefix(strings.TrimSpace(step.ItemsFrom), ".")
		if !ok || !validValueName(name) {
			return nil, fmt.Errorf("step %q: itemsFrom %q is not a value name such as .Steps.list.Result", step.Name, step.ItemsFrom)
		}
		c.itemsFrom = name
	}
	c.fanOut = len(step.Items) > 0 || step.ItemsFrom != ""
	return c, nil
}

func checkStepName(name string) error {
	if name == "" {
		return errors.New("a step has no name")
	}
	if len(name) > MaxStepNameLength {
		return fmt.Errorf("step %q: name is longer than %d characters", name, MaxStepNameLength)
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("step %q: name must be a DNS-1123 label (lower case letters, digits and '-'): %s", name, strings.Join(errs, "; "))
	}
	if name[0] >= '0' && name[0] <= '9' {
		return fmt.Errorf("step %q: name must start with a letter", name)
	}
	return nil
}

func validValueName(name string) bool {
	for _, segment := range strings.Split(name, ".") {
		if segment == "" || !isNameStart(segment[0]) {
			return false
		}
		for i := 0; i < len(segment); i++ {
			if !isNameChar(segment[i]) {
				return false
			}
		}
	}
	return true
}

func compileExit(step Step, steps map[string]*compiledStep) (*compiledStep, error) {
	c, err := compileStep(step)
	if err != nil {
		return nil, fmt.Errorf("exit %w", err)
	}
	if _, clash := steps[step.Name]; clash {
		return nil, fmt.Errorf("exit step %q has the name of a step", step.Name)
	}
	if len(step.Dependencies) > 0 || step.Depends != "" || c.fanOut {
		return nil, fmt.Errorf("exit step %q cannot have dependencies, depends or a fan-out: it runs after every step", step.Name)
	}
	for _, name := range append(c.when.valueNamesOrNil(), c.References...) {
		if step, ok := stepOfValue(name); ok {
			if _, known := steps[step]; !known {
				return nil, fmt.Errorf("exit step %q: .%s names unknown step %q", c.Name, name, step)
			}
		}
	}
	return c, nil
}

func (e *Expression) valueNamesOrNil() []string {
	if e == nil {
		return nil
	}
	return e.valueNames()
}

// resolve checks every step a step mentions and works out what it waits for.
func (g *Graph) resolve(c *compiledStep) error {
	wait := map[string]bool{}
	mention := func(what, step string) error {
		if step == c.Name {
			return fmt.Errorf("step %q: %s names the step itself", c.Name, what)
		}
		if _, ok := g.byName[step]; !ok {
			if g.exit != nil && step == g.exit.Name {
				return fmt.Errorf("step %q: %s names the exit step %q, which runs last", c.Name, what, step)
			}
			return fmt.Errorf("step %q: %s names unknown step %q", c.Name, what, step)
		}
		wait[step] = true
		return nil
	}
	for _, dep := range c.Dependencies {
		if err := mention("dependencies", dep); err != nil {
			return err
		}
	}
	if c.depends != nil {
		for _, atom := range c.depends.results() {
			if err := mention("depends", atom.step); err != nil {
				return err
			}
			if handlesFailure[atom.result] {
				g.handled[atom.step] = true
			}
		}
	}
	for _, name := range c.when.valueNamesOrNil() {
		if step, ok := stepOfValue(name); ok {
			if err := mention("when", step); err != nil {
				return err
			}
		}
	}
	if step, ok := stepOfValue(c.itemsFrom); ok {
		if err := mention("itemsFrom", step); err != nil {
			return err
		}
	}
	for _, name := range c.References {
		if step, ok := stepOfValue(name); ok {
			if err := mention("its template (."+name+")", step); err != nil {
				return err
			}
		}
	}
	for step := range wait {
		c.waitFor = append(c.waitFor, step)
	}
	sort.Strings(c.waitFor)
	return nil
}

// checkFanOutNames refuses a step named like another step's fan-out child (STEP-N).
func checkFanOutNames(declared []*compiledStep, byName map[string]*compiledStep) error {
	for _, c := range declared {
		dash := strings.LastIndexByte(c.Name, '-')
		if dash <= 0 || dash == len(c.Name)-1 || strings.Trim(c.Name[dash+1:], "0123456789") != "" {
			continue
		}
		if parent, ok := byName[c.Name[:dash]]; ok && parent.fanOut {
			return fmt.Errorf("step %q has the name of a fan-out child of step %q", c.Name, parent.Name)
		}
	}
	return nil
}

// topologicalOrder orders steps so that each comes after everything it waits for, keeping declaration
// order where the graph allows, or reports a cycle.
func topologicalOrder(declared []*compiledStep, byName map[string]*compiledStep) ([]*compiledStep, error) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var order []*compiledStep
	var path []string
	var visit func(c *compiledStep) error
	visit = func(c *compiledStep) error {
		switch state[c.Name] {
		case done:
			return nil
		case visiting:
			start := 0
			for i, name := range path {
				if name == c.Name {
					start = i
				}
			}
			cycle := append(append([]string{}, path[start:]...), c.Name)
			return fmt.Errorf("steps form a cycle: %s", strings.Join(cycle, " -> "))
		}
		state[c.Name] = visiting
		path = append(path, c.Name)
		for _, dep := range c.waitFor {
			if err := visit(byName[dep]); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[c.Name] = done
		order = append(order, c)
		return nil
	}
	for _, c := range declared {
		if err := visit(c); err != nil {
			return nil, err
		}
	}
	return order, nil
}
