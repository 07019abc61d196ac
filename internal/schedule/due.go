package schedule

import "time"

// DefaultMaxMissed is the number of missed fire times Due looks at when DueOptions.MaxMissed is not set,
// the same cap Kubernetes CronJobs use.
const DefaultMaxMissed = 100

// DueOptions are the schedule's settings that decide which missed fire times still run.
type DueOptions struct {
	// StartingDeadline, when set, is how late a run may start: a fire time older than now minus the
	// deadline is never run (startingDeadlineSeconds).
	StartingDeadline *time.Duration
	// MaxMissed caps how many fire times one call looks at (DefaultMaxMissed when 0 or less).
	MaxMissed int
	// CatchUp runs every missed fire time, oldest first, instead of only the most recent one.
	CatchUp bool
}

// Decision says what a schedule should start now.
type Decision struct {
	// Run are the scheduled times to start runs for now, oldest first; empty when nothing is due.
	Run []time.Time
	// Skipped counts fire times after last that will never run because a later fire time superseded
	// them. When TooManyMissed is set it is a lower bound.
	Skipped int
	// TooManyMissed is set when more than MaxMissed fire times passed since last (without CatchUp); the
	// most recent one still runs, and users should be told (Kubernetes emits TooManyMissedTimes).
	TooManyMissed bool
	// MoreDue is set with CatchUp when further fire times are due after the last one in Run: record
	// Run's last time as the last scheduled time and call Due again.
	MoreDue bool
	// Next is the first fire time after now (or after last, if last is later): requeue for then.
	Next time.Time
}

// Due decides which scheduled times to run now, given last, the last scheduled time a run was started
// for (or the schedule's creation time if none was), following Kubernetes' CronJob controller: only the
// most recent missed fire time runs, unless CatchUp asks for all of them, and never one older than the
// starting deadline.
func (s *Schedule) Due(last, now time.Time, opts DueOptions) Decision {
	maxMissed := opts.MaxMissed
	if maxMissed <= 0 {
		maxMissed = DefaultMaxMissed
	}
	decision := Decision{Next: s.Next(later(last, now))}
	earliest := last
	if opts.StartingDeadline != nil {
		earliest = later(earliest, now.Add(-*opts.StartingDeadline))
	}
	if !earliest.Before(now) {
		return decision
	}
	times, more := s.Between(earliest, now, maxMissed)
	switch {
	case len(times) == 0:
		return decision
	case opts.CatchUp:
		decision.Run = times
		decision.MoreDue = more
	case more:
		decision.TooManyMissed = true
		decision.Skipped = len(times)
		decision.Run = []time.Time{s.latest(times[len(times)-1], now)}
	default:
		decision.Skipped = len(times) - 1
		decision.Run = times[len(times)-1:]
	}
	return decision
}

// searchWindows are the look-back spans tried, smallest first, to find the most recent fire time
// without walking every fire time since a long-ago last run.
var searchWindows = []time.Duration{
	time.Minute, time.Hour, 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 9 * 366 * 24 * time.Hour,
}

// latest is the most recent fire time at or before to; from is a fire time no later than to, returned
// when no later one exists.
func (s *Schedule) latest(from, to time.Time) time.Time {
	for _, window := range searchWindows {
		start := later(from, to.Add(-window))
		var latest time.Time
		for t := s.Next(start); !t.IsZero() && !t.After(to); t = s.Next(t) {
			latest = t
		}
		if !latest.IsZero() {
			return latest
		}
		if !start.After(from) {
			break
		}
	}
	return from
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
