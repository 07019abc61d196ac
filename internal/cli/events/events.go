// Package events implements `stoke events NAME`: the Events of an application and of its driver and
// executor pods, oldest first.
package events

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/output"
)

// Options are the flags and arguments of `stoke events`.
type Options struct {
	Flags  *kube.Flags
	Name   string
	Output string
	// AppOnly leaves out the pods' events.
	AppOnly bool
}

// NewCommand builds `stoke events`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:               "events NAME",
		Short:             "Show the Events of an application and its pods",
		Args:              apps.OneName,
		ValidArgsFunction: apps.CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.AppOnly, "app-only", false, "only the application's own events, not its pods'")
	output.AddFlag(cmd, &o.Output, output.FormatJSON, output.FormatYAML)
	return cmd
}

// Run prints the events.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	format, err := output.Parse(o.Output, output.FormatJSON, output.FormatYAML)
	if err != nil {
		return err
	}
	c, app, err := apps.Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	list, err := apps.Events(ctx, c, app, !o.AppOnly)
	if err != nil {
		return err
	}
	if format != output.FormatTable {
		for i := range list {
			list[i].ManagedFields = nil
		}
		if list == nil {
			list = []corev1.Event{}
		}
		l := &corev1.EventList{Items: list}
		l.Kind, l.APIVersion = "List", "v1"
		return output.Object(out, format, l)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintf(out, "No events for %s.\n", o.Name)
		return err
	}
	t := Table(list, o.Flags.Clock.Now(), "", output.TableWidth)
	if o.Flags.Terminal(out) {
		p := output.NewPalette(true)
		t.Colour = func(col int, s string) string {
			if col == 1 {
				return p.Phase(s)
			}
			return s
		}
	}
	return t.Write(out)
}

// Table lays events out: when, type, reason, object, message (the message is cut to fit width).
func Table(list []corev1.Event, now time.Time, indent string, width int) *output.Table {
	t := &output.Table{Header: []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}, Indent: indent,
		MaxWidth: width, Shrink: []int{4, 3}}
	for i := range list {
		e := &list[i]
		seen := output.Duration(now.Sub(apps.EventTime(e)))
		if e.Count > 1 {
			seen = fmt.Sprintf("%s (x%d)", seen, e.Count)
		}
		obj := objectPrefix(e.InvolvedObject.Kind) + e.InvolvedObject.Name
		t.Rows = append(t.Rows, []string{seen, e.Type, e.Reason, obj, output.OneLine(e.Message)})
	}
	return t
}

// objectPrefix is how the OBJECT column names a kind, in the words stoke's commands take.
func objectPrefix(kind string) string {
	switch kind {
	case "Pod":
		return "pod/"
	case "SparkWorkflow":
		return "workflow/"
	case "ScheduledSparkApplication":
		return "schedule/"
	}
	return "app/"
}
