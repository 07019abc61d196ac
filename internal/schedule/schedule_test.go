package schedule

import (
	"testing"
	"time"
)

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	location, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return location
}

func mustParse(t *testing.T, timeZone string, expressions ...string) *Schedule {
	t.Helper()
	s, err := Parse(expressions, timeZone)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", expressions, timeZone, err)
	}
	return s
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name        string
		expressions []string
		timeZone    string
		want        string
	}{
		{"no expression", nil, "", "schedule has no cron expression"},
		{"too many", make([]string, MaxExpressions+1), "", "schedule has 33 cron expressions, at most 32 are allowed"},
		{"empty", []string{"  "}, "", `cron expression "  ": is empty`},
		{"unknown zone", []string{"0 * * * *"}, "Mars/Olympus", `unknown time zone "Mars/Olympus": name an IANA zone such as "Europe/Berlin"`},
		{"local zone", []string{"0 * * * *"}, "Local", `time zone "Local" is not allowed: name an IANA zone such as "Europe/Berlin"`},
		{"four fields", []string{"0 * * *"}, "", `cron expression "0 * * *": cannot be parsed: expected exactly 5 fields, found 4: [0 * * *]`},
		{"seconds field", []string{"0 0 * * * *"}, "", `cron expression "0 0 * * * *": cannot be parsed: expected exactly 5 fields, found 6: [0 0 * * * *]`},
		{"minute out of range", []string{"60 * * * *"}, "", `cron expression "60 * * * *": cannot be parsed: end of range (60) above maximum (59): 60`},
		{"garbage", []string{"every day"}, "", `cron expression "every day": cannot be parsed: expected exactly 5 fields, found 2: [every day]`},
		{"unknown descriptor", []string{"@fortnightly"}, "", `cron expression "@fortnightly": cannot be parsed: unrecognized descriptor: @fortnightly`},
		{"every", []string{"@every 1h"}, "", `cron expression "@every 1h": @every is not supported: write a 5-field expression such as "*/15 * * * *"`},
		{"CRON_TZ prefix", []string{"CRON_TZ=UTC 0 0 * * *"}, "", `cron expression "CRON_TZ=UTC 0 0 * * *": must not set a time zone (CRON_TZ= or TZ=): use the schedule's timeZone field`},
		{"TZ prefix without space", []string{"TZ=UTC"}, "", `cron expression "TZ=UTC": must not set a time zone (CRON_TZ= or TZ=): use the schedule's timeZone field`},
		{"never fires", []string{"0 0 30 2 *"}, "", `cron expression "0 0 30 2 *": never fires`},
		{"second expression bad", []string{"0 * * * *", "x"}, "", `cron expression "x": cannot be parsed: expected exactly 5 fields, found 1: [x]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.expressions, tt.timeZone)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", s)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNext(t *testing.T) {
	berlin := mustLocation(t, "Europe/Berlin")
	newYork := mustLocation(t, "America/New_York")
	tests := []struct {
		name        string
		expressions []string
		timeZone    string
		after       time.Time
		want        []time.Time // successive fire times
	}{
		{
			name: "utc by default", expressions: []string{"30 2 * * *"},
			after: time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2026, 1, 2, 2, 30, 0, 0, time.UTC), time.Date(2026, 1, 3, 2, 30, 0, 0, time.UTC)},
		},
		{
			name: "strictly after", expressions: []string{"0 * * * *"},
			after: time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)},
		},
		{
			name: "zone of the input does not matter", expressions: []string{"0 9 * * *"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 1, 1, 7, 0, 0, 0, newYork),
			want:  []time.Time{time.Date(2026, 1, 2, 9, 0, 0, 0, berlin)},
		},
		{
			name: "spring forward skips a missing wall time (Berlin)", expressions: []string{"30 2 * * *"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 3, 28, 12, 0, 0, 0, berlin),
			want:  []time.Time{time.Date(2026, 3, 30, 2, 30, 0, 0, berlin)},
		},
		{
			name: "spring forward keeps an existing wall time (Berlin)", expressions: []string{"30 3 * * *"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 3, 28, 12, 0, 0, 0, berlin),
			want: []time.Time{
				time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), // 03:30 CEST
				time.Date(2026, 3, 30, 1, 30, 0, 0, time.UTC),
			},
		},
		{
			name: "fall back fires a repeated wall time once (Berlin)", expressions: []string{"30 2 * * *"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 10, 24, 12, 0, 0, 0, berlin),
			want: []time.Time{
				time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // 02:30 CEST, first occurrence
				time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC), // 02:30 CET next day
			},
		},
		{
			name: "fall back fires 01:30 once (New York)", expressions: []string{"30 1 * * *"}, timeZone: "America/New_York",
			after: time.Date(2026, 10, 31, 12, 0, 0, 0, newYork),
			want: []time.Time{
				time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), // 01:30 EDT
				time.Date(2026, 11, 2, 6, 30, 0, 0, time.UTC), // 01:30 EST next day
			},
		},
		{
			name: "fall back fires every minute of a fixed repeated hour once", expressions: []string{"*/20 2 * * *"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), // 02:00 CEST
				time.Date(2026, 10, 25, 0, 20, 0, 0, time.UTC),
				time.Date(2026, 10, 25, 0, 40, 0, 0, time.UTC),
				time.Date(2026, 10, 26, 1, 0, 0, 0, time.UTC), // 02:00 CET the next day
			},
		},
		{
			name: "fall back with every minute of a fixed hour", expressions: []string{"* 2 * * *"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 10, 25, 0, 58, 0, 0, time.UTC), // 02:58 CEST
			want: []time.Time{
				time.Date(2026, 10, 25, 0, 59, 0, 0, time.UTC),
				time.Date(2026, 10, 26, 1, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "spring forward skips 02:30 (New York)", expressions: []string{"30 2 * * *"}, timeZone: "America/New_York",
			after: time.Date(2026, 3, 7, 12, 0, 0, 0, newYork),
			want:  []time.Time{time.Date(2026, 3, 9, 2, 30, 0, 0, newYork)},
		},
		{
			name: "hourly fires on both occurrences of a repeated hour", expressions: []string{"@hourly"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC), // 01:30 CEST
			want: []time.Time{
				time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), // 02:00 CEST
				time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), // 02:00 CET
				time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), // 03:00 CET
			},
		},
		{
			name: "stepped hours fire on both occurrences", expressions: []string{"15 */1 * * *"}, timeZone: "America/New_York",
			after: time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), // 01:00 EDT
			want: []time.Time{
				time.Date(2026, 11, 1, 5, 15, 0, 0, time.UTC), // 01:15 EDT
				time.Date(2026, 11, 1, 6, 15, 0, 0, time.UTC), // 01:15 EST
			},
		},
		{
			name: "leap day", expressions: []string{"0 0 29 2 *"},
			after: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2032, 2, 29, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "leap day in a zone", expressions: []string{"0 0 29 2 *"}, timeZone: "America/New_York",
			after: time.Date(2028, 2, 29, 4, 0, 0, 0, time.UTC), // 23:00 on the 28th in New York
			want:  []time.Time{time.Date(2028, 2, 29, 0, 0, 0, 0, newYork), time.Date(2032, 2, 29, 0, 0, 0, 0, newYork)},
		},
		{
			name: "yearly", expressions: []string{"@yearly"},
			after: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "monthly", expressions: []string{"@monthly"},
			after: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "weekly is Sunday midnight", expressions: []string{"@weekly"},
			after: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), // a Wednesday
			want:  []time.Time{time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "daily in a zone", expressions: []string{"@daily"}, timeZone: "Europe/Berlin",
			after: time.Date(2026, 3, 28, 12, 0, 0, 0, berlin),
			want:  []time.Time{time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC)},
		},
		{
			name: "day of month or day of week", expressions: []string{"0 0 13 * FRI"},
			after: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 2, 6, 0, 0, 0, 0, time.UTC), // Friday
				time.Date(2026, 2, 13, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "several expressions interleave and coincide once", expressions: []string{"0 6 * * *", "0 18 * * *", "0 */12 * * *"},
			after: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			want: []time.Time{
				time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC),
				time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
				time.Date(2026, 1, 1, 18, 0, 0, 0, time.UTC),
				time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 1, 2, 6, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "surrounding spaces are ignored", expressions: []string{"  0 5 * * *  "},
			after: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			want:  []time.Time{time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.timeZone, tt.expressions...)
			after := tt.after
			for i, want := range tt.want {
				got := s.Next(after)
				if !got.Equal(want) {
					t.Fatalf("fire %d after %s: got %s, want %s", i, after, got, want)
				}
				if got.Location() != s.Location() {
					t.Errorf("fire %d is in %s, want the schedule's zone %s", i, got.Location(), s.Location())
				}
				after = got
			}
		})
	}
}

func TestBetween(t *testing.T) {
	s := mustParse(t, "", "0 * * * *")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hour := func(h int) time.Time { return from.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name     string
		from, to time.Time
		limit    int
		want     []time.Time
		wantMore bool
	}{
		{"from exclusive, to inclusive", from, hour(3), 10, []time.Time{hour(1), hour(2), hour(3)}, false},
		{"limit cuts and reports more", from, hour(5), 2, []time.Time{hour(1), hour(2)}, true},
		{"limit equal to count", from, hour(2), 2, []time.Time{hour(1), hour(2)}, false},
		{"empty range", hour(2), hour(2), 10, nil, false},
		{"inverted range", hour(3), hour(1), 10, nil, false},
		{"zero limit", from, hour(3), 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, more := s.Between(tt.from, tt.to, tt.limit)
			if !equalTimes(got, tt.want) || more != tt.wantMore {
				t.Errorf("got %v more=%v, want %v more=%v", got, more, tt.want, tt.wantMore)
			}
		})
	}
}

func equalTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}
