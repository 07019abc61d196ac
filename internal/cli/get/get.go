// Package get implements `stoke get apps|schedules`: a table of applications (phase, attempt, run time,
// executors, age) or of schedules (expression, phase, active runs, last and next fire time), or the objects
// as JSON, YAML or names.
package get

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/output"
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

var appResources = []string{"apps", "app", "sparkapps", "sparkapp", "sparkapplications", "sparkapplication"}

// NewCommand builds `stoke get`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:   "get apps|schedules [NAME...]",
		Short: "List Spark applications or schedules",
		Example: `  stoke get apps
  stoke get apps -A -l team=data
  stoke get app pi -o yaml
  stoke get schedules`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"apps", "schedules"}, cobra.ShellCompDirectiveNoFileComp
			}
			return apps.CompleteNames(f)(cmd, nil, s)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmderr.Usagef("say what to get: stoke get apps|schedules")
			}
			o.Resource, o.Names = args[0], args[1:]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "list applications in all namespaces")
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "label selector, for example team=data,tier!=dev")
	output.AddFlag(cmd, &o.Output, output.FormatWide, output.FormatJSON, output.FormatYAML, output.FormatName)
	return cmd
}

// Run lists the applications or schedules and prints them.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	switch resource := strings.ToLower(o.Resource); {
	case slices.Contains(scheduleResources, resource):
		return listKind(ctx, o, out, schedules)
	case slices.Contains(appResources, resource):
		return listKind(ctx, o, out, applications)
	}
	return cmderr.Usagef("unknown resource %q: stoke get apps|schedules", o.Resource)
}

// applications is how `stoke get apps` lists SparkApplications.
var applications = kind[stokev1.SparkApplication, *stokev1.SparkApplication]{
	noun: "applications",
	gvk:  stokev1.GroupVersion.WithKind(apps.Kind),
	list: func(ctx context.Context, c client.Client, ns string, sel labels.Selector) ([]stokev1.SparkApplication, error) {
		list := &stokev1.SparkApplicationList{}
		err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel})
		return list.Items, err
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
	t := &output.Table{Header: []string{"NAME", "PHASE", "ATTEMPT", "DURATION", "EXECUTORS", "AGE"}}
	if wide {
		t.Header = append(t.Header, "DRIVER", "IMAGE")
	} else {
		t.MaxWidth = output.TableWidth
		t.Shrink = []int{0}
	}
	if withNamespace {
		t.Header = append([]string{"NAMESPACE"}, t.Header...)
		if !wide {
			t.Shrink = []int{1, 0}
		}
	}
	for i := range items {
		a := &items[i]
		attempt, run := "-", "-"
		if n := apps.AttemptNumber(a); n > 0 {
			attempt = fmt.Sprint(n)
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
			row = append(row, driver, a.Spec.Image)
		}
		if withNamespace {
			row = append([]string{a.Namespace}, row...)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
