// Package schedule is the cron arithmetic behind ScheduledSparkApplication: parsing schedules, finding the
// next fire time, deciding which scheduled times are due now, naming runs and applying the concurrency
// policy. It is pure: every function takes the times it needs and never reads the clock.
//
// # Expressions
//
// A schedule is one or more standard 5-field cron expressions (minute, hour, day of month, month, day of
// week), for example "30 2 * * *" or "*/15 9-17 * * MON-FRI", or one of the descriptors @yearly
// (@annually), @monthly, @weekly, @daily (@midnight) and @hourly. When both day of month and day of week
// are restricted, a day matches if either matches, as in classic cron. With several expressions the
// schedule fires at every time any of them names; a time named by two expressions fires once.
//
// Not accepted:
//   - @every DURATION: its runs are anchored to whenever the schedule was last evaluated rather than to
//     the clock, so they cannot be named or caught up deterministically. Write "*/15 * * * *" instead.
//   - a CRON_TZ= or TZ= prefix: the time zone is the schedule's timeZone field, one per schedule.
//   - seconds (a sixth field), and expressions that can never fire, such as "0 0 30 2 *".
//
// # Time zones and daylight saving
//
// Expressions are read in the schedule's IANA time zone (UTC when empty). When clocks go forward, a wall
// time that does not exist that day does not fire that day: a "30 2 * * *" job in Europe/Berlin does not
// run on the last Sunday of March, exactly as Kubernetes CronJobs behave. When clocks go back, a wall time
// that happens twice fires once, at its first occurrence, if the expression names a fixed hour ("30 1 * * *"
// in America/New_York runs once on the first Sunday of November); expressions whose hour field is "*" or
// "*/n" (including @hourly) fire on both occurrences, so an hourly job keeps running every hour of elapsed
// time.
package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed set of cron expressions in one time zone.
type Schedule struct {
	location *time.Location
	entries  []entry
}

type entry struct {
	expression string
	spec       cron.Schedule
	// fixedHour is true when the expression names particular hours, so a wall time repeated by a
	// daylight-saving change fires only at its first occurrence.
	fixedHour bool
}

// MaxExpressions bounds how many cron expressions one schedule may hold.
const MaxExpressions = 32

// Parse parses cron expressions in the IANA time zone timeZone ("" means UTC). Errors name the
// offending expression or zone.
func Parse(expressions []string, timeZone string) (*Schedule, error) {
	if len(expressions) == 0 {
		return nil, errors.New("schedule has no cron expression")
	}
	if len(expressions) > MaxExpressions {
		return nil, fmt.Errorf("schedule has %d cron expressions, at most %d are allowed", len(expressions), MaxExpressions)
	}
	location, err := loadLocation(timeZone)
	if err != nil {
		return nil, err
	}
	s := &Schedule{location: location}
	for _, expression := range expressions {
		e, err := parseExpression(expression)
		if err != nil {
			return nil, fmt.Errorf("cron expression %q: %w", expression, err)
		}
		s.entries = append(s.entries, e)
	}
	return s, nil
}

func loadLocation(timeZone string) (*time.Location, error) {
	if timeZone == "" {
		return time.UTC, nil
	}
	// time.LoadLocation treats "Local" as the operator's own zone, which would make a schedule's meaning
	// depend on where the operator runs.
	if timeZone == "Local" {
		return nil, fmt.Errorf("time zone %q is not allowed: name an IANA zone such as \"Europe/Berlin\"", timeZone)
	}
	location, err := time.LoadLocation(timeZone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: name an IANA zone such as \"Europe/Berlin\"", timeZone)
	}
	return location, nil
}

// neverFiresReference is where Parse looks for a first fire time; robfig/cron searches five years ahead,
// and 2000 is a leap year, so "0 0 29 2 *" is found.
var neverFiresReference = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func parseExpression(expression string) (e entry, err error) {
	trimmed := strings.TrimSpace(expression)
	switch {
	case trimmed == "":
		return entry{}, errors.New("is empty")
	case strings.Contains(trimmed, "="):
		return entry{}, errors.New("must not set a time zone (CRON_TZ= or TZ=): use the schedule's timeZone field")
	case strings.HasPrefix(trimmed, "@every"):
		return entry{}, errors.New("@every is not supported: write a 5-field expression such as \"*/15 * * * *\"")
	}
	// robfig/cron has panicked on malformed input in the past; a schedule must never crash the operator.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot be parsed: %v", r)
		}
	}()
	spec, err := cron.ParseStandard(trimmed)
	if err != nil {
		return entry{}, fmt.Errorf("cannot be parsed: %w", err)
	}
	if spec.Next(neverFiresReference).IsZero() {
		return entry{}, errors.New("never fires")
	}
	return entry{expression: trimmed, spec: spec, fixedHour: namesFixedHour(trimmed)}, nil
}

func namesFixedHour(expression string) bool {
	if strings.HasPrefix(expression, "@") {
		return expression != "@hourly"
	}
	fields := strings.Fields(expression)
	return len(fields) < 2 || !strings.HasPrefix(fields[1], "*")
}

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.location }

// Next is the earliest fire time strictly after after, or the zero time if the schedule never fires
// again.
func (s *Schedule) Next(after time.Time) time.Time {
	var earliest time.Time
	for _, e := range s.entries {
		t := e.next(after.In(s.location))
		if !t.IsZero() && (earliest.IsZero() || t.Before(earliest)) {
			earliest = t
		}
	}
	return earliest
}

// maxRepeatedFires is the most fire times a minute-granular expression has in a repeated span of wall time.
const maxRepeatedFires = 120

func (e entry) next(after time.Time) time.Time {
	t := e.spec.Next(after)
	// Clocks go back by at most two hours (Antarctica/Troll), so at most 120 minutes of fire times repeat;
	// the bound keeps this loop finite whatever the zone database says.
	for i := 0; i <= maxRepeatedFires && e.fixedHour && !t.IsZero() && isRepeatedWallTime(t); i++ {
		t = e.spec.Next(t)
	}
	return t
}

// isRepeatedWallTime reports whether t's wall clock reading already happened earlier because clocks
// went back.
func isRepeatedWallTime(t time.Time) bool {
	_, offsetNow := t.Zone()
	_, offsetBefore := t.Add(-3 * time.Hour).Zone()
	if offsetBefore <= offsetNow {
		return false
	}
	earlier := t.Add(-time.Duration(offsetBefore-offsetNow) * time.Second)
	return sameWallClock(earlier, t)
}

func sameWallClock(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute()
}

// Between lists the fire times t with from < t <= to, oldest first, at most limit of them (limit <= 0
// means none). It is what a backfill or a catch-up creates runs for. The bool reports whether more fire
// times in the range were left out by the limit.
func (s *Schedule) Between(from, to time.Time, limit int) ([]time.Time, bool) {
	var times []time.Time
	for t := s.Next(from); !t.IsZero() && !t.After(to); t = s.Next(t) {
		if len(times) == limit || limit <= 0 {
			return times, true
		}
		times = append(times, t)
	}
	return times, false
}
