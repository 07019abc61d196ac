// Package workflow implements `stoke workflow retry|suspend|resume` and what the other commands know about
// SparkWorkflows: finding one by name, the table of `stoke get workflows`, its steps' applications (for
// `stoke logs workflow/NAME --step STEP`) and name completion. The commands only write the workflow (the
// stoke.dev/retry annotation, spec.suspend); the operator acts on it.
package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
)

// Kind is set on workflows printed as JSON or YAML (typed clients leave it empty).
const Kind = "SparkWorkflow"

// Resources are the words commands accept for SparkWorkflows (stoke get workflows, stoke describe
// workflow, stoke logs workflow/NAME), the CRD's short names among them.
var Resources = []string{"workflows", "workflow", "wf", "wfs", "sparkwf", "sparkworkflows", "sparkworkflow"}

// IsResource reports whether word names SparkWorkflows.
func IsResource(word string) bool { return slices.Contains(Resources, strings.ToLower(word)) }

// NewCommand builds `stoke workflow` and its subcommands.
func NewCommand(f *kube.Flags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "workflow",
		Aliases: []string{"wf"},
		Short:   "Act on a SparkWorkflow: retry, suspend, resume",
	}
	cmd.AddCommand(newRetryCommand(f), newSuspendCommand(f, true), newSuspendCommand(f, false))
	return cmd
}

// Lookup reads the named workflow from the namespace the flags select.
func Lookup(ctx context.Context, f *kube.Flags, name string) (client.Client, *stokev1.SparkWorkflow, error) {
	return apps.LookupWith(ctx, f, name, Get)
}

// Get reads one workflow; a missing workflow or namespace gives a one-line error naming it.
func Get(ctx context.Context, c client.Client, ns, name string) (*stokev1.SparkWorkflow, error) {
	wf := &stokev1.SparkWorkflow{}
	if err := apps.Read(ctx, c, ns, name, wf, "workflow", "workflows"); err != nil {
		return nil, err
	}
	wf.Kind, wf.APIVersion = Kind, apps.APIVersion
	return wf, nil
}

// CompleteNames completes workflow names in the command's namespace, for shell completion.
func CompleteNames(f *kube.Flags) cobra.CompletionFunc {
	return kube.CompleteNames(f, stokev1.GroupVersion.WithKind(Kind))
}

// OneName is an Args check for commands that take exactly one workflow name.
func OneName(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return cmderr.Usagef("%s needs exactly one workflow name (got %d): stoke workflow %s NAME", cmd.Name(), len(args), cmd.Name())
	}
	return nil
}

// Phase is the status phase, or "-" before the operator has written one.
func Phase(wf *stokev1.SparkWorkflow) string {
	if wf.Status.Phase == "" {
		return "-"
	}
	return string(wf.Status.Phase)
}

// Finished reports a workflow that succeeded or failed (a retry may start it again).
func Finished(wf *stokev1.SparkWorkflow) bool {
	return wf.Status.Phase == stokev1.WorkflowPhaseSucceeded || wf.Status.Phase == stokev1.WorkflowPhaseFailed
}

// RunTime is how long the workflow has run: from its start to its termination, or now. Zero before it
// started.
func RunTime(wf *stokev1.SparkWorkflow, now time.Time) time.Duration {
	return span(wf.Status.StartTime, wf.Status.TerminationTime, now)
}

// StepRunTime is how long a step has run: from its application's creation to its end, or now. Zero
// before it started.
func StepRunTime(s *stokev1.WorkflowStepStatus, now time.Time) time.Duration {
	return span(s.StartTime, s.EndTime, now)
}

func span(start, end *metav1.Time, now time.Time) time.Duration {
	if start == nil {
		return 0
	}
	if end != nil {
		now = end.Time
	}
	return max(now.Sub(start.Time), 0)
}

// Step finds a step's line in the per-step summary by its concrete name.
func Step(wf *stokev1.SparkWorkflow, name string) *stokev1.WorkflowStepStatus {
	for i := range wf.Status.Steps {
		if wf.Status.Steps[i].Name == name {
			return &wf.Status.Steps[i]
		}
	}
	return nil
}

// StepApplication reads the SparkApplication of a step: the one the per-step summary names or, when the
// summary does not name one yet, the application labelled with the workflow and the step. A step that has
// none, a fan-out step given without its item and a step the workflow does not have are errors that say
// which names to use.
func StepApplication(ctx context.Context, c client.Client, wf *stokev1.SparkWorkflow, step string) (*stokev1.SparkApplication, error) {
	line := Step(wf, step)
	if line != nil && line.Application != "" {
		app, err := apps.Get(ctx, c, wf.Namespace, line.Application)
		if err != nil {
			return nil, fmt.Errorf("step %q of workflow %q: %w", step, wf.Name, err)
		}
		return app, nil
	}
	list := &stokev1.SparkApplicationList{}
	if err := c.List(ctx, list, client.InNamespace(wf.Namespace),
		client.MatchingLabels{stokev1.LabelWorkflow: wf.Name, stokev1.LabelWorkflowStep: step}); err != nil {
		return nil, cmderr.API(err, "listing the applications of workflow "+wf.Name)
	}
	// After a retry the application of the earlier round may still be going away: take one of the current
	// round if there is one, and the newest.
	items := slices.DeleteFunc(list.Items, func(a stokev1.SparkApplication) bool { return a.DeletionTimestamp != nil })
	round := fmt.Sprint(wf.Status.Retries)
	if current := slices.DeleteFunc(slices.Clone(items), func(a stokev1.SparkApplication) bool {
		return a.Labels[stokev1.LabelWorkflowRound] != round
	}); len(current) > 0 {
		items = current
	}
	if len(items) > 0 {
		sort.Slice(items, func(i, j int) bool { return items[j].CreationTimestamp.Before(&items[i].CreationTimestamp) })
		app := &items[0]
		app.Kind, app.APIVersion = apps.Kind, apps.APIVersion
		return app, nil
	}
	if line != nil {
		msg := fmt.Sprintf("step %q of workflow %q is %s and has no application", step, wf.Name, line.Phase)
		if line.Message != "" {
			msg += ": " + line.Message
		}
		return nil, errors.New(msg)
	}
	if items := fanOutItems(wf, step); len(items) > 0 {
		return nil, cmderr.Usagef("step %q of workflow %q fans out: give one of its items: %s", step, wf.Name, Abbreviate(items, 10))
	}
	if slices.ContainsFunc(wf.Spec.Steps, func(s stokev1.WorkflowStep) bool { return s.Name == step }) {
		return nil, fmt.Errorf("step %q of workflow %q has not started yet", step, wf.Name)
	}
	return nil, cmderr.Usagef("workflow %q has no step %q; its steps are %s", wf.Name, step, Abbreviate(StepNames(wf), 10))
}

// StepNames are the concrete step names of the per-step summary, else the steps as written.
func StepNames(wf *stokev1.SparkWorkflow) []string {
	var names []string
	for _, s := range wf.Status.Steps {
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		for _, s := range wf.Spec.Steps {
			names = append(names, s.Name)
		}
	}
	return names
}

func fanOutItems(wf *stokev1.SparkWorkflow, step string) []string {
	var out []string
	for _, s := range wf.Status.Steps {
		if s.Step == step {
			out = append(out, s.Name)
		}
	}
	return out
}

// Abbreviate lists names separated by commas, at most n of them and then how many more there are.
func Abbreviate(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
