// Package get implements `stoke get apps|schedules|workflows|queues`: a table of applications (phase,
// attempt, run time, executors, age), of schedules (expression, phase, active runs, last and next fire
// time), of workflows (phase, steps succeeded of all, running, failed) or of queues (admitted and queued
// applications, what they hold of each limit), or the objects as JSON, YAML or names.
package get

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/cli/queue"
	"github.com/stokehq/stoke/internal/cli/schedule"
	"github.com/stokehq/stoke/internal/cli/workflow"
	"github.com/stokehq/stoke/internal/usage"
)

// Options are the flags and arguments of `stoke get`.
type Options struct {
	Flags         *kube.Flags
	Resource      string
	Names         []string
	AllNamespaces bool
	Selector      string
	Output        string
}

// NewCommand builds `stoke get`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:   "get apps|schedules|workflows|queues [NAME...]",
		Short: "List Spark applications, schedules, workflows or queues",
		Example: `  stoke get apps
  stoke get apps -A -l team=data
  stoke get app pi -o yaml
  stoke get schedules
  stoke get workflows -o wide
  stoke get queues`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"apps", "schedules", "workflows", "queues"}, cobra.ShellCompDirectiveNoFileComp
			}
			r := resourceNamed(args[0])
			if r == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return kube.CompleteNames(f, stokev1.GroupVersion.WithKind(r.kind))(cmd, nil, s)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmderr.Usagef("say what to get: stoke get apps|schedules|workflows|queues")
			}
			o.Resource, o.Names = args[0], args[1:]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "list the objects of all namespaces")
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "label selector, for example team=data,tier!=dev")
	output.AddFlag(cmd, &o.Output, output.FormatWide, output.FormatJSON, output.FormatYAML, output.FormatName)
	return cmd
}

// resource is a kind `stoke get` lists, under the words that name it.
type resource struct {
	words []string
	kind  string
	list  func(ctx context.Context, o *Options, out io.Writer) error
}

var resources = []resource{
	{apps.Resources, apps.Kind, func(ctx context.Context, o *Options, out io.Writer) error {
		return listKind(ctx, o, out, applications)
	}},
	{schedule.Resources, schedule.Kind, func(ctx context.Context, o *Options, out io.Writer) error {
		return listKind(ctx, o, out, schedules)
	}},
	{workflow.Resources, workflow.Kind, func(ctx context.Context, o *Options, out io.Writer) error {
		return listKind(ctx, o, out, workflows)
	}},
	{queue.Resources, queue.Kind, func(ctx context.Context, o *Options, out io.Writer) error {
		return listKind(ctx, o, out, queues)
	}},
}

func resourceNamed(word string) *resource {
	for i := range resources {
		if slices.Contains(resources[i].words, strings.ToLower(word)) {
			return &resources[i]
		}
	}
	return nil
}

// Run lists the applications, schedules or workflows and prints them.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	if r := resourceNamed(o.Resource); r != nil {
		return r.list(ctx, o, out)
	}
	return cmderr.Usagef("unknown resource %q: stoke get apps|schedules|workflows|queues", o.Resource)
}

// applications is how `stoke get apps` lists SparkApplications.
var applications = kind[stokev1.SparkApplication, *stokev1.SparkApplication]{
	noun: "applications",
	gvk:  stokev1.GroupVersion.WithKind(apps.Kind),
	list: func(ctx context.Context, c client.Client, ns string, sel labels.Selector) ([]stokev1.SparkApplication, error) {
		list := &stokev1.SparkApplicationList{}
		err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel})
		// Where the CRD is not installed, or the user may not read SparkApplications (a tenant allowed only
		// direct submissions), the direct submissions are all there is to list.
		noCRD, forbidden := meta.IsNoMatchError(err), apierrors.IsForbidden(err)
		if err != nil && !noCRD && !forbidden {
			return nil, err
		}
		// Direct submissions (stoke submit --direct) carry no application labels: they are listed beside the
		// SparkApplications unless a selector asks for labels. Without the right to list pods, only
		// SparkApplications are listed.
		if !sel.Empty() {
			if forbidden {
				return nil, err
			}
			return list.Items, nil
		}
		direct, derr := apps.ListDirect(ctx, c, ns)
		switch {
		case derr == nil:
			list.Items = append(list.Items, direct...)
		case forbidden: // neither readable: the first refusal says why
			return nil, err
		case noCRD:
			return nil, derr
		}
		return list.Items, nil
	},
	get: apps.Get,
	asList: func(items []stokev1.SparkApplication) runtime.Object {
		return &stokev1.SparkApplicationList{Items: items}
	},
	table: AppTable,
}

func colourPhase(header []string, p output.Palette) func(int, string) string {
	phaseCol := slices.Index(header, "PHASE")
	return func(col int, s string) string {
		if col == phaseCol {
			return p.Phase(s)
		}
		return s
	}
}

// AppTable lays out applications as `stoke get apps` shows them, at the given time.
func AppTable(items []stokev1.SparkApplication, now time.Time, withNamespace, wide bool) *output.Table {
	t := output.NewListTable([]string{"NAME", "PHASE", "ATTEMPT", "DURATION", "EXECUTORS", "AGE"}, []string{"DRIVER", "IMAGE", "USAGE"}, []int{0}, withNamespace, wide)
	for i := range items {
		a := &items[i]
		attempt, run := "-", "-"
		if n := apps.AttemptNumber(a); n > 0 {
			attempt = fmt.Sprint(n)
		}
		if apps.IsDirect(a) {
			attempt = "direct" // stoke submit --direct: no SparkApplication, no retries
		}
		if d := apps.RunTime(a, now); d > 0 {
			run = output.Duration(d)
		}
		row := []string{a.Name, apps.Phase(a), attempt, run, apps.Executors(a), output.Age(a.CreationTimestamp, now)}
		if wide {
			driver := "-"
			if cur := a.Status.CurrentAttempt; cur != nil && cur.DriverPodName != "" {
				driver = cur.DriverPodName
			}
			row = append(row, driver, a.Spec.Image, usage.Summary(usage.LiveTotal(&a.Status, now)))
		}
		t.AddListRow(a.Namespace, row)
	}
	return t
}
