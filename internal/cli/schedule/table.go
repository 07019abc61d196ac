package schedule

import (
	"fmt"
	"time"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/output"
)

// Table lays out schedules as `stoke get schedules` shows them, at the given time: the expression, the
// phase, how many runs are active, when it last and next fires, and the outcome of the latest run.
func Table(items []stokev1.ScheduledSparkApplication, now time.Time, withNamespace, wide bool) *output.Table {
	t := output.NewListTable([]string{"NAME", "SCHEDULE", "PHASE", "ACTIVE", "LAST", "NEXT", "LAST RUN", "AGE"}, []string{"TIMEZONE", "POLICY", "FAILURES"}, []int{0, 1}, withNamespace, wide)
	for i := range items {
		s := &items[i]
		expr := s.Spec.Schedule
		if n := len(s.Spec.AdditionalSchedules); n > 0 {
			expr += fmt.Sprintf(" (+%d)", n)
		}
		phase := string(s.Status.Phase)
		if phase == "" {
			phase = "-"
		}
		last, next, lastRun := "-", "-", "-"
		if s.Status.LastScheduleTime != nil {
			last = output.Age(*s.Status.LastScheduleTime, now) + " ago"
		}
		if s.Status.NextScheduleTime != nil {
			if d := s.Status.NextScheduleTime.Sub(now); d > 0 {
				next = "in " + output.Duration(d)
			} else {
				next = "now"
			}
		}
		if n := len(s.Status.RecentRuns); n > 0 {
			lastRun = string(s.Status.RecentRuns[n-1].Outcome)
		}
		row := []string{s.Name, expr, phase, fmt.Sprint(len(s.Status.Active)), last, next, lastRun, output.Age(s.CreationTimestamp, now)}
		if wide {
			zone, policy := s.Spec.TimeZone, string(s.Spec.ConcurrencyPolicy)
			if zone == "" {
				zone = "UTC"
			}
			if policy == "" {
				policy = string(stokev1.ConcurrencyAllow)
			}
			row = append(row, zone, policy, fmt.Sprint(s.Status.ConsecutiveFailures))
		}
		t.AddListRow(s.Namespace, row)
	}
	return t
}
