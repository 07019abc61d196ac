package describe

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/cli/workflow"
)

func (o *Options) runWorkflow(ctx context.Context, out io.Writer) error {
	c, wf, err := workflow.Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	evs, err := apps.EventsAbout(ctx, c, wf.Namespace, func(ref corev1.ObjectReference) bool { return apps.About(ref, workflow.Kind, wf) })
	if err != nil {
		return err
	}
	return WriteWorkflow(out, wf, evs, o.Flags.Clock.Now(), output.NewPalette(o.Flags.Terminal(out)), o.Flags.WidthOf(out, output.TableWidth))
}

// WriteWorkflow renders the description of a workflow with its events at time now: the spec in brief,
// the conditions, the steps as a tree fitted to width (one line per step, fan-out items under their step,
// the exit step last) and the recent events.
func WriteWorkflow(out io.Writer, wf *stokev1.SparkWorkflow, evs []corev1.Event, now time.Time, p output.Palette, width int) error {
	var b strings.Builder
	field := func(k, v string) { writeField(&b, k, v) }
	spec, st := &wf.Spec, &wf.Status
	field("Name", wf.Name)
	field("Namespace", wf.Namespace)
	field("Phase", p.Phase(workflow.Phase(wf)))
	field("Progress", progress(st.Progress))
	if st.StartTime != nil {
		field("Started", fmt.Sprintf("%s (%s ago)", st.StartTime.UTC().Format(time.RFC3339), output.Age(*st.StartTime, now)))
	}
	if d := workflow.RunTime(wf, now); d > 0 {
		field("Duration", output.Duration(d))
	}
	if st.Retries > 0 {
		field("Retries", fmt.Sprintf("%d (last %s)", st.Retries, st.LastRetryToken))
	}
	field("Created", fmt.Sprintf("%s (%s ago)", wf.CreationTimestamp.UTC().Format(time.RFC3339), output.Age(wf.CreationTimestamp, now)))
	if len(spec.Parameters) > 0 {
		params := make([]string, 0, len(spec.Parameters))
		for _, prm := range spec.Parameters {
			v := "(required)"
			if prm.Value != nil {
				v = *prm.Value
			}
			params = append(params, prm.Name+"="+v)
		}
		field("Parameters", output.Fit(output.OneLine(strings.Join(params, ", ")), width-15))
	}
	policy := spec.FailurePolicy
	if policy == "" {
		policy = "FailFast"
	}
	if spec.Parallelism != nil {
		policy += fmt.Sprintf(", at most %d steps at once", *spec.Parallelism)
	}
	field("Policy", policy)
	if spec.ActiveDeadlineSeconds != nil {
		field("Deadline", output.Duration(time.Duration(*spec.ActiveDeadlineSeconds)*time.Second))
	}
	field("On exit", spec.OnExit)
	if spec.TTLSecondsAfterFinished != nil {
		field("TTL", output.Duration(time.Duration(*spec.TTLSecondsAfterFinished)*time.Second))
	}
	if spec.Suspend {
		field("Suspend", "true")
	}
	field("Applications", "stoke get apps -l "+stokev1.LabelWorkflow+"="+wf.Name)
	field("Step logs", "stoke logs workflow/"+wf.Name+" --step STEP")

	writeConditions(&b, st.Conditions, now)

	b.WriteString("\nSteps:\n")
	if len(st.Steps) == 0 {
		b.WriteString("  none yet\n")
	} else {
		_ = StepTree(wf, now, p, width).Write(&b)
		writeFailures(&b, wf, width)
	}

	writeEvents(&b, evs, now)
	_, err := io.WriteString(out, b.String())
	return err
}

// progress is the step counts in words, leaving out what is zero.
func progress(c stokev1.StepCounts) string {
	if c.Total == 0 {
		return ""
	}
	parts := []string{fmt.Sprintf("%d/%d succeeded", c.Succeeded, c.Total)}
	for _, n := range []struct {
		count int32
		what  string
	}{{c.Running, "running"}, {c.Pending, "pending"}, {c.Failed, "failed"}, {c.Other, "skipped/omitted/errored"}} {
		if n.count > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n.count, n.what))
		}
	}
	return strings.Join(parts, ", ")
}

// Markers show a step's phase in front of its name, as `argo get` does.
var Markers = map[stokev1.StepPhase]string{
	stokev1.StepSucceeded: "✔",
	stokev1.StepFailed:    "✖",
	stokev1.StepErrored:   "⚠",
	stokev1.StepRunning:   "●",
	stokev1.StepPending:   "◷",
	stokev1.StepSkipped:   "○",
	stokev1.StepOmitted:   "○",
}

func marker(phase stokev1.StepPhase) string {
	if m, ok := Markers[phase]; ok {
		return m
	}
	return "?"
}

// MinStepMessage is the narrowest the step tree cuts messages to before it leaves the APPLICATION column
// out (the applications are named in the header's command, and shown on wider terminals).
const MinStepMessage = 24

// StepTree lays out a workflow's per-step summary as a tree: the steps in the summary's order (the
// dependencies before what needs them), the items of a fan-out nested under their step, the exit step
// last. Each step is one line, with its phase, run time, application, attempt, exit code and message.
// Messages are cut so that lines fit width; where that would leave them narrower than MinStepMessage, the
// APPLICATION column is left out.
func StepTree(wf *stokev1.SparkWorkflow, now time.Time, p output.Palette, width int) *output.Table {
	const application = 3
	t := &output.Table{Header: []string{"STEP", "PHASE", "DURATION", "APPLICATION", "ATTEMPT", "EXIT", "MESSAGE"},
		Indent: "  ", MaxWidth: width}
	row := func(prefix string, s *stokev1.WorkflowStepStatus, suffix string) []string {
		run, attempt, exit := "", "", ""
		if d := workflow.StepRunTime(s, now); d > 0 {
			run = output.Duration(d)
		}
		if s.Attempt > 0 {
			attempt = fmt.Sprint(s.Attempt)
		}
		if s.ExitCode != nil {
			exit = fmt.Sprint(*s.ExitCode)
		}
		return []string{prefix + marker(s.Phase) + " " + s.Name + suffix, string(s.Phase), run, s.Application, attempt, exit, output.OneLine(s.Message)}
	}
	for _, n := range treeOf(wf) {
		switch {
		case n.exit:
			t.Rows = append(t.Rows, row("", n.line, " (onExit)"))
		case n.item:
			branch := "├─"
			if n.last {
				branch = "└─"
			}
			t.Rows = append(t.Rows, row("  "+branch, n.line, ""))
		default:
			t.Rows = append(t.Rows, row("", n.line, ""))
		}
	}
	message := len(t.Header) - 1
	if t.Width(message)+output.Gap+MinStepMessage > width {
		t.Header = slices.Delete(t.Header, application, application+1)
		for i := range t.Rows {
			t.Rows[i] = slices.Delete(t.Rows[i], application, application+1)
		}
		message--
	}
	t.Shrink = []int{message, 0}
	if p != (output.Palette{}) {
		t.Colour = func(col int, s string) string {
			if col == 1 {
				return p.Phase(s)
			}
			return s
		}
	}
	return t
}

// treeNode is one line of the step tree.
type treeNode struct {
	line *stokev1.WorkflowStepStatus
	// item is a fan-out item (last: its step's last); group summarises a fan-out's items; exit is the exit
	// step.
	item, last, group, exit bool
}

// treeOf orders the per-step summary as the tree shows it: each step where it first appears in the
// summary, a fan-out step (its own line, else one summarising its items) followed by its items, and the exit
// step last.
func treeOf(wf *stokev1.SparkWorkflow) []treeNode {
	steps := wf.Status.Steps
	items := map[string][]*stokev1.WorkflowStepStatus{}
	own := map[string]*stokev1.WorkflowStepStatus{}
	for i := range steps {
		if s := &steps[i]; s.Step != "" {
			items[s.Step] = append(items[s.Step], s)
		} else {
			own[s.Name] = s
		}
	}
	var out []treeNode
	var exit *stokev1.WorkflowStepStatus
	shown := map[string]bool{}
	for i := range steps {
		name := steps[i].Name
		if steps[i].Step != "" {
			name = steps[i].Step
		}
		if shown[name] {
			continue
		}
		shown[name] = true
		head := own[name]
		if head != nil && name == wf.Spec.OnExit {
			exit = head
			continue
		}
		children := items[name]
		node := treeNode{line: head}
		if head == nil {
			group := fanOut(name, children)
			node = treeNode{line: &group, group: true}
		}
		out = append(out, node)
		for j, item := range children {
			out = append(out, treeNode{line: item, item: true, last: j == len(children)-1})
		}
	}
	if exit != nil {
		out = append(out, treeNode{line: exit, exit: true})
	}
	return out
}

// ShownFailures is how many failed or errored steps' messages a description shows in full.
const ShownFailures = 5

// writeFailures writes the messages of the first failed or errored steps in full, wrapped at width.
func writeFailures(b *strings.Builder, wf *stokev1.SparkWorkflow, width int) {
	var failed []*stokev1.WorkflowStepStatus
	for _, n := range treeOf(wf) {
		if ph := n.line.Phase; (ph == stokev1.StepFailed || ph == stokev1.StepErrored) && n.line.Message != "" && !n.group {
			failed = append(failed, n.line)
		}
	}
	for i, s := range failed {
		if i == ShownFailures {
			fmt.Fprintf(b, "  and %d more failed steps\n", len(failed)-ShownFailures)
			break
		}
		head := "  " + s.Name + ": "
		for k, l := range output.WrapText(output.OneLine(s.Message), max(width-len(head), 20)) {
			if k > 0 {
				head = strings.Repeat(" ", len(head))
			}
			b.WriteString(head + l + "\n")
		}
	}
}

// fanOut is the line of a fan-out step, summarising its items: the earliest start, the latest end (none
// while an item has not finished), a phase (Running while any item runs or waits after others started,
// else Failed or Errored when any did, else Succeeded when any did, else Pending, Skipped or Omitted) and
// the items counted by phase.
func fanOut(name string, items []*stokev1.WorkflowStepStatus) stokev1.WorkflowStepStatus {
	line := stokev1.WorkflowStepStatus{Name: name}
	count := map[stokev1.StepPhase]int{}
	open := false
	for _, it := range items {
		count[it.Phase]++
		if it.StartTime != nil && (line.StartTime == nil || it.StartTime.Before(line.StartTime)) {
			line.StartTime = it.StartTime
		}
		switch {
		case it.Phase == stokev1.StepRunning || it.Phase == stokev1.StepPending:
			open = true
		case it.EndTime != nil && (line.EndTime == nil || line.EndTime.Before(it.EndTime)):
			line.EndTime = it.EndTime
		}
	}
	if open {
		line.EndTime = nil
	}
	started := len(items) - count[stokev1.StepPending]
	switch {
	case count[stokev1.StepRunning] > 0 || count[stokev1.StepPending] > 0 && started > 0:
		line.Phase = stokev1.StepRunning
	case count[stokev1.StepPending] > 0:
		line.Phase = stokev1.StepPending
	case count[stokev1.StepFailed] > 0:
		line.Phase = stokev1.StepFailed
	case count[stokev1.StepErrored] > 0:
		line.Phase = stokev1.StepErrored
	case count[stokev1.StepSucceeded] > 0:
		line.Phase = stokev1.StepSucceeded
	case count[stokev1.StepSkipped] == len(items):
		line.Phase = stokev1.StepSkipped
	default:
		line.Phase = stokev1.StepOmitted
	}
	var parts []string
	for _, ph := range []stokev1.StepPhase{stokev1.StepSucceeded, stokev1.StepRunning, stokev1.StepPending, stokev1.StepFailed,
		stokev1.StepErrored, stokev1.StepSkipped, stokev1.StepOmitted} {
		if n := count[ph]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(string(ph))))
		}
	}
	line.Message = fmt.Sprintf("%d items: %s", len(items), strings.Join(parts, ", "))
	return line
}
