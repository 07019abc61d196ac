// Package describe implements `stoke describe app NAME` (the spec in brief, conditions, attempts with their
// outcomes and exit codes, executors, the UI address and recent Events), `stoke describe workflow NAME`
// (the workflow's conditions and its steps as a tree, one line per step) and `stoke describe queue NAME`
// (its limits and usage, the applications holding a share and those waiting, in admission order).
package describe

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/events"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/cli/queue"
	"github.com/stokehq/stoke/internal/cli/workflow"
	"github.com/stokehq/stoke/internal/direct"
	"github.com/stokehq/stoke/internal/usage"
)

// RecentEvents is how many events describe shows.
const RecentEvents = 10

// Options are the flags and arguments of `stoke describe`.
type Options struct {
	Flags *kube.Flags
	Name  string
	// Workflow describes a SparkWorkflow instead of an application.
	Workflow bool
	// Queue describes a SparkQueue instead of an application.
	Queue bool
}

// NewCommand builds `stoke describe`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:   "describe app|workflow|queue NAME",
		Short: "Show an application, a workflow or a queue in detail: conditions, attempts, steps or members, events",
		Example: `  stoke describe app pi
  stoke describe workflow nightly-etl
  stoke describe queue team-a`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
			switch {
			case len(args) == 0:
				return []string{"app", "workflow", "queue"}, cobra.ShellCompDirectiveNoFileComp
			case workflow.IsResource(args[0]):
				return workflow.CompleteNames(f)(cmd, args[1:], s)
			case queue.IsResource(args[0]):
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return apps.CompleteNames(f)(cmd, args[1:], s)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 2 && slices.Contains(apps.Resources, strings.ToLower(args[0])):
				o.Name = args[1]
			case len(args) == 2 && workflow.IsResource(args[0]):
				o.Name, o.Workflow = args[1], true
			case len(args) == 2 && queue.IsResource(args[0]):
				o.Name, o.Queue = args[1], true
			case len(args) == 1:
				o.Name = args[0]
			default:
				return cmderr.Usagef("usage: stoke describe app NAME, stoke describe workflow NAME, or stoke describe queue NAME")
			}
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	return cmd
}

// Run prints the description.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	if o.Workflow {
		return o.runWorkflow(ctx, out)
	}
	if o.Queue {
		return o.runQueue(ctx, out)
	}
	c, app, err := apps.Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	evs, err := apps.Events(ctx, c, app, false)
	if err != nil {
		return err
	}
	return Write(out, app, evs, o.Flags.Clock.Now(), output.NewPalette(o.Flags.Terminal(out)))
}

// Write renders the description of app with its events at time now.
func Write(out io.Writer, app *stokev1.SparkApplication, evs []corev1.Event, now time.Time, p output.Palette) error {
	var b strings.Builder
	field := func(k, v string) { writeField(&b, k, v) }
	spec, st := &app.Spec, &app.Status
	field("Name", app.Name)
	field("Namespace", app.Namespace)
	phase := p.Phase(apps.Phase(app))
	if n := apps.AttemptNumber(app); n > 0 {
		phase += fmt.Sprintf(" (attempt %d)", n)
	}
	field("Phase", phase)
	if apps.IsDirect(app) {
		field("Submitted", "directly (stoke submit --direct, submission "+app.Annotations[direct.AnnotationSubmissionID]+"): no SparkApplication, no retries")
	}
	if q := st.Queue; q != nil {
		standing := fmt.Sprintf("%s, waiting at position %d", q.Name, q.Position)
		switch {
		case q.AdmittedTime != nil && q.Preemption != nil:
			p := q.Preemption
			standing = fmt.Sprintf("%s, admitted %s ago, stopping since %s ago: SparkQueue %s takes its share back for %s (grace period %ds)",
				q.Name, output.Age(*q.AdmittedTime, now), output.Age(p.Time, now), p.Queue, p.For, p.GracePeriodSeconds)
		case q.AdmittedTime != nil:
			standing = fmt.Sprintf("%s, admitted %s ago", q.Name, output.Age(*q.AdmittedTime, now))
		case q.Position == 0:
			standing = q.Name + ", waiting (see the Queued condition)"
		}
		field("Queue", fmt.Sprintf("%s (%s cores, %s memory, %d pods)", standing, q.Footprint.Cores.String(), q.Footprint.Memory.String(), q.Footprint.Pods))
	}
	if d := apps.RunTime(app, now); d > 0 {
		field("Duration", output.Duration(d))
	}
	field("Created", fmt.Sprintf("%s (%s ago)", app.CreationTimestamp.UTC().Format(time.RFC3339), output.Age(app.CreationTimestamp, now)))
	field("Type", fmt.Sprintf("%s, Spark %s", spec.Type, spec.SparkVersion))
	field("Image", spec.Image)
	if spec.MainClass != nil {
		field("Main class", *spec.MainClass)
	}
	if spec.MainApplicationFile != nil {
		field("Main file", *spec.MainApplicationFile)
	}
	if len(spec.Arguments) > 0 {
		field("Arguments", output.OneLine(strings.Join(spec.Arguments, " ")))
	}
	field("Driver", resources(&spec.Driver.SparkPodSpec))
	exec := resources(&spec.Executor.SparkPodSpec)
	switch {
	case spec.DynamicAllocation != nil && spec.DynamicAllocation.Enabled:
		exec = "dynamic " + bounds(spec.DynamicAllocation) + ", each " + exec
	case spec.Executor.Instances != nil:
		exec = fmt.Sprintf("%d × %s", *spec.Executor.Instances, exec)
	}
	field("Executors", exec)
	e := st.Executors
	field("Executor pods", fmt.Sprintf("%d running, %d pending, %d succeeded, %d failed (%d requested)",
		e.Running, e.Pending, e.Succeeded, e.Failed, e.Requested))
	field("Restart", restart(app))
	if spec.Suspend {
		field("Suspend", "true")
	}
	if spec.TimeToLiveSeconds != nil {
		field("TTL", output.Duration(time.Duration(*spec.TimeToLiveSeconds)*time.Second))
	}
	if cur := st.CurrentAttempt; cur != nil {
		field("Spark app id", cur.SparkApplicationID)
		field("Driver pod", cur.DriverPodName)
	}
	if st.UIAddress != "" {
		field("Spark UI", fmt.Sprintf("%s (stoke ui %s)", st.UIAddress, app.Name))
	}
	if st.UIURL != "" {
		field("UI Ingress", st.UIURL)
	}
	if u := usage.LiveTotal(st, now); u != nil {
		field("Usage", usage.Summary(u)+" (requests × time, all attempts)")
		field("Usage by role", fmt.Sprintf("driver %d, %d; %d executors %d, %d (core-s, GiB-s)",
			u.DriverCoreSeconds, u.DriverMemoryGiBSeconds, u.Executors, u.ExecutorCoreSeconds, u.ExecutorMemoryGiBSeconds))
	}
	if st.NextAttemptTime != nil {
		field("Next attempt", "in "+output.Duration(st.NextAttemptTime.Sub(now)))
	}

	writeConditions(&b, st.Conditions, now)

	b.WriteString("\nAttempts:\n")
	attempts := apps.Attempts(app)
	if len(attempts) == 0 {
		b.WriteString("  none yet\n")
	} else {
		t := &output.Table{Header: []string{"#", "OUTCOME", "REASON", "EXIT", "STARTED", "RAN", "CORE-S", "GIB-S"}, Indent: "  ",
			MaxWidth: output.TableWidth, Shrink: []int{2}}
		if p != (output.Palette{}) {
			t.Colour = func(col int, s string) string {
				if col == 1 {
					return p.Phase(s)
				}
				return s
			}
		}
		for _, a := range attempts {
			outcome := string(a.Outcome)
			if outcome == "" {
				outcome = "Running"
			}
			exit, started, ran := "-", "-", "-"
			if a.ExitCode != nil {
				exit = fmt.Sprint(*a.ExitCode)
			}
			if a.SubmissionTime != nil {
				started = output.Age(*a.SubmissionTime, now) + " ago"
				end := now
				if a.EndTime != nil {
					end = a.EndTime.Time
				}
				ran = output.Duration(end.Sub(a.SubmissionTime.Time))
			}
			reason := a.Reason
			if reason == "" {
				reason = "-"
			}
			cores, mem := "-", "-"
			if a.Usage != nil || len(a.UsageLedger) > 0 {
				u := usage.Live(&a, now)
				cores, mem = fmt.Sprint(u.DriverCoreSeconds+u.ExecutorCoreSeconds), fmt.Sprint(u.DriverMemoryGiBSeconds+u.ExecutorMemoryGiBSeconds)
			}
			t.Rows = append(t.Rows, []string{fmt.Sprint(a.Number), outcome, reason, exit, started, ran, cores, mem})
		}
		_ = t.Write(&b)
		for _, a := range attempts {
			if a.Message != "" && a.Outcome != "" && a.Outcome != stokev1.OutcomeSucceeded {
				head := fmt.Sprintf("  attempt %d: ", a.Number)
				for i, l := range output.WrapText(a.Message, output.TableWidth-len(head)) {
					if i > 0 {
						head = strings.Repeat(" ", len(head))
					}
					b.WriteString(head + l + "\n")
				}
			}
		}
	}

	writeEvents(&b, evs, now)
	_, err := io.WriteString(out, b.String())
	return err
}

// writeConditions is the Conditions section: one row per condition, messages wrapped in full.
func writeConditions(b *strings.Builder, conds []metav1.Condition, now time.Time) {
	b.WriteString("\nConditions:\n")
	if len(conds) == 0 {
		b.WriteString("  none yet\n")
		return
	}
	message := 4
	t := &output.Table{Header: []string{"TYPE", "STATUS", "REASON", "AGE", "MESSAGE"}, Indent: "  ",
		MaxWidth: output.TableWidth, Shrink: []int{message}, Wrap: &message}
	for _, c := range conds {
		t.Rows = append(t.Rows, []string{c.Type, string(c.Status), c.Reason, output.Age(c.LastTransitionTime, now), output.OneLine(c.Message)})
	}
	_ = t.Write(b)
}

// writeEvents is the Events section: the last RecentEvents events.
func writeEvents(b *strings.Builder, evs []corev1.Event, now time.Time) {
	b.WriteString("\nEvents:\n")
	if len(evs) == 0 {
		b.WriteString("  none\n")
		return
	}
	if len(evs) > RecentEvents {
		evs = evs[len(evs)-RecentEvents:]
	}
	_ = events.Table(evs, now, "  ", output.TableWidth).Write(b)
}

// writeField writes one "Key:   value" line of a description's header; an empty value writes nothing.
func writeField(b *strings.Builder, k, v string) {
	if v != "" {
		fmt.Fprintf(b, "%-15s%s\n", k+":", v)
	}
}

func resources(s *stokev1.SparkPodSpec) string {
	cores := "1 core"
	if s.Cores != nil && *s.Cores != 1 {
		cores = fmt.Sprintf("%d cores", *s.Cores)
	}
	mem := "1g"
	if s.Memory != nil {
		mem = *s.Memory
	}
	out := cores + ", " + mem + " memory"
	if s.GPU != nil {
		out += fmt.Sprintf(", %d %s", s.GPU.Quantity, s.GPU.Name)
	}
	return out
}

func bounds(d *stokev1.DynamicAllocation) string {
	v := func(p *int32, def string) string {
		if p == nil {
			return def
		}
		return fmt.Sprint(*p)
	}
	return v(d.MinExecutors, "0") + ".." + v(d.MaxExecutors, "∞")
}

func restart(app *stokev1.SparkApplication) string {
	r := app.Spec.RestartPolicy
	typ := r.Type
	if typ == "" {
		typ = stokev1.RestartNever
	}
	f := app.Status.Failures
	if typ == stokev1.RestartNever {
		return string(typ)
	}
	limit := func(p *int32) string {
		if p == nil {
			return "3"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%s (failures: application %d/%s, infrastructure %d/%s)", typ,
		f.Application, limit(r.OnFailureRetries), f.Infrastructure, limit(r.OnInfrastructureFailureRetries))
}
