// Package schedule implements `stoke schedule run-now|backfill` and the table of `stoke get schedules`.
// Both commands only write the schedule (the stoke.dev/run-now annotation, spec.backfill); the operator
// starts the runs, so a command that is retried, or run twice, never starts a run twice.
package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	cron "github.com/stokehq/stoke/internal/schedule"
)

// Kind is set on schedules printed as JSON or YAML (typed clients leave it empty).
const Kind = "ScheduledSparkApplication"

// Resources are the words commands accept for ScheduledSparkApplications (stoke get schedules).
var Resources = []string{"schedules", "schedule", "sparksched", "scheduledsparkapp", "scheduledsparkapps",
	"scheduledsparkapplications", "scheduledsparkapplication"}

// NewCommand builds `stoke schedule` and its subcommands.
func NewCommand(f *kube.Flags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Start runs of a ScheduledSparkApplication by hand: run-now, backfill",
	}
	cmd.AddCommand(newRunNowCommand(f), newBackfillCommand(f))
	return cmd
}

// Lookup reads the named schedule from the namespace the flags select.
func Lookup(ctx context.Context, f *kube.Flags, name string) (client.Client, *stokev1.ScheduledSparkApplication, error) {
	return apps.LookupWith(ctx, f, name, Get)
}

// Get reads one schedule; a missing schedule or namespace gives a one-line error naming it.
func Get(ctx context.Context, c client.Client, ns, name string) (*stokev1.ScheduledSparkApplication, error) {
	s := &stokev1.ScheduledSparkApplication{}
	if err := apps.Read(ctx, c, ns, name, s, "schedule", "schedules"); err != nil {
		return nil, err
	}
	s.Kind, s.APIVersion = Kind, apps.APIVersion
	return s, nil
}

// RunNowOptions are the arguments of `stoke schedule run-now`.
type RunNowOptions struct {
	Flags *kube.Flags
	Name  string
}

func newRunNowCommand(f *kube.Flags) *cobra.Command {
	o := &RunNowOptions{Flags: f}
	return &cobra.Command{
		Use:   "run-now NAME",
		Short: "Start one run of a schedule now, with the current time as its logical time",
		Long: `Start one run of a schedule now. Its logical time ({{ .ScheduledTime }}) is the current time, and the
schedule's concurrency policy applies: under Forbid the run waits for the active runs to finish, under
Replace they are deleted. Runs requested within the same minute are one run.`,
		Args: apps.OneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
}

// Run writes the stoke.dev/run-now annotation, guarded by the resourceVersion that was checked.
func (o *RunNowOptions) Run(ctx context.Context, out io.Writer) error {
	c, s, err := Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	now := o.Flags.Clock.Now()
	patch, runName, err := RunNowPatch(s, now)
	if err != nil {
		return err
	}
	if err := c.Patch(ctx, s, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return cmderr.API(err, fmt.Sprintf("schedule %q", o.Name))
	}
	_, err = fmt.Fprintf(out, "schedule %q: run %s requested, logical time %s\n", o.Name, runName,
		now.UTC().Truncate(time.Second).Format(time.RFC3339))
	return err
}

// RunNowPatch is the merge patch that asks for one run of s now (the stoke.dev/run-now annotation, guarded
// by the resourceVersion that was checked) and the name that run gets; a suspended schedule is a usage
// error. `stoke server` applies the same rules.
func RunNowPatch(s *stokev1.ScheduledSparkApplication, now time.Time) ([]byte, string, error) {
	if s.Spec.Suspend {
		return nil, "", cmderr.Usagef("schedule %q is suspended: its run would wait until spec.suspend is false", s.Name)
	}
	now = now.UTC().Truncate(time.Second)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"resourceVersion": s.ResourceVersion,
		"annotations":     map[string]string{stokev1.AnnotationRunNow: now.Format(time.RFC3339)},
	}})
	return patch, scheduledsparkapplication.RunNowName(s.Name, now), err
}

// BackfillOptions are the arguments of `stoke schedule backfill`.
type BackfillOptions struct {
	Flags       *kube.Flags
	Name        string
	From, To    string
	Parallelism int32
}

func newBackfillCommand(f *kube.Flags) *cobra.Command {
	o := &BackfillOptions{Flags: f}
	cmd := &cobra.Command{
		Use:   "backfill NAME --from TIME --to TIME [--parallelism N]",
		Short: "Run a schedule for its past fire times in a range",
		Long: `Run a schedule for each of its fire times from --from to --to (both inclusive), oldest first, at most
--parallelism at once and as the concurrency policy allows (under Forbid and Replace one at a time). A fire
time that already has a run is not run again. Times are RFC 3339, or a date (2006-01-02) or a minute
(2006-01-02T15:04) in the schedule's time zone; a date given to --to means the end of that day. A new
backfill replaces one in progress.`,
		Example: `  stoke schedule backfill nightly --from 2026-11-01 --to 2026-11-30 --parallelism 4`,
		Args:    apps.OneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.From, "from", "", "earliest fire time to run (required)")
	cmd.Flags().StringVar(&o.To, "to", "", "latest fire time to run (required)")
	cmd.Flags().Int32Var(&o.Parallelism, "parallelism", 1, "how many backfill runs may be active at once (1 to 100)")
	return cmd
}

// MaxBackfillRuns bounds how many fire times one backfill may cover, so a typo in a year cannot start
// hundreds of thousands of runs.
const MaxBackfillRuns = 10000

// Run checks the range against the schedule and writes spec.backfill.
func (o *BackfillOptions) Run(ctx context.Context, out io.Writer) error {
	if o.From == "" || o.To == "" {
		return cmderr.Usagef("backfill needs --from and --to")
	}
	c, s, err := Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	patch, summary, err := BackfillPatch(s, o.From, o.To, o.Parallelism)
	if err != nil {
		return err
	}
	if err := c.Patch(ctx, s, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return cmderr.API(err, fmt.Sprintf("schedule %q", o.Name))
	}
	_, err = fmt.Fprintf(out, "schedule %q: %s\n", o.Name, summary)
	return err
}

// BackfillPatch checks a backfill of s from from to to (times as ParseTime reads them) and returns the merge
// patch that asks for it (spec.backfill, guarded by the resourceVersion that was checked) and a one-line
// summary of the fire times it covers. Bad ranges are usage errors naming the flag. `stoke server` applies
// the same rules.
func BackfillPatch(s *stokev1.ScheduledSparkApplication, fromText, toText string, parallelism int32) ([]byte, string, error) {
	if parallelism < 1 || parallelism > 100 {
		return nil, "", cmderr.Usagef("--parallelism %d: use 1 to 100", parallelism)
	}
	sched, err := cron.Parse(append([]string{s.Spec.Schedule}, s.Spec.AdditionalSchedules...), s.Spec.TimeZone)
	if err != nil {
		return nil, "", fmt.Errorf("schedule %q cannot be backfilled: %w", s.Name, err)
	}
	from, err := ParseTime(fromText, sched.Location(), false)
	if err != nil {
		return nil, "", cmderr.Usagef("--from: %v", err)
	}
	to, err := ParseTime(toText, sched.Location(), true)
	if err != nil {
		return nil, "", cmderr.Usagef("--to: %v", err)
	}
	if from.After(to) {
		return nil, "", cmderr.Usagef("--from %s is after --to %s", fromText, toText)
	}
	times, more := sched.Between(from.Add(-time.Nanosecond), to, MaxBackfillRuns)
	switch {
	case more:
		return nil, "", cmderr.Usagef("the range holds more than %d fire times of %q: backfill a shorter range", MaxBackfillRuns, s.Spec.Schedule)
	case len(times) == 0:
		return nil, "", cmderr.Usagef("schedule %q (%s) does not fire between %s and %s", s.Name, s.Spec.Schedule, fromText, toText)
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": s.ResourceVersion},
		"spec": map[string]any{"backfill": map[string]any{
			"from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339), "parallelism": parallelism,
		}},
	})
	note := ""
	if s.Spec.Suspend {
		note = " (the schedule is suspended: the runs start when it resumes)"
	}
	return patch, fmt.Sprintf("backfill of %d fire times from %s to %s, %d at a time%s", len(times),
		times[0].Format(time.RFC3339), times[len(times)-1].Format(time.RFC3339), parallelism, note), err
}

// ParseTime reads an RFC 3339 time, or a minute or a date in loc; with endOfDay a date means the last
// moment of that day rather than its midnight.
func ParseTime(s string, loc *time.Location, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1).Add(-time.Second)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2026-11-01T02:00:00Z), 2026-11-01T02:00 or 2026-11-01", strings.TrimSpace(s))
}
