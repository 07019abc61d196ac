package schedule

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestDue(t *testing.T) {
	everyMinute := mustParse(t, "", "* * * * *")
	hourly := mustParse(t, "", "0 * * * *")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	minute := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	duration := func(d time.Duration) *time.Duration { return &d }
	tests := []struct {
		name      string
		schedule  *Schedule
		last, now time.Time
		opts      DueOptions
		want      Decision
	}{
		{
			name: "nothing due yet", schedule: hourly, last: minute(0), now: minute(59),
			want: Decision{Next: minute(60)},
		},
		{
			name: "exactly on time", schedule: hourly, last: minute(0), now: minute(60),
			want: Decision{Run: []time.Time{minute(60)}, Next: minute(120)},
		},
		{
			name: "late but no deadline", schedule: hourly, last: minute(0), now: minute(90),
			want: Decision{Run: []time.Time{minute(60)}, Next: minute(120)},
		},
		{
			name: "only the most recent missed time runs", schedule: hourly, last: minute(0), now: minute(4*60 + 5),
			want: Decision{Run: []time.Time{minute(240)}, Skipped: 3, Next: minute(300)},
		},
		{
			name: "within the starting deadline", schedule: hourly, last: minute(0), now: minute(70),
			opts: DueOptions{StartingDeadline: duration(15 * time.Minute)},
			want: Decision{Run: []time.Time{minute(60)}, Next: minute(120)},
		},
		{
			name: "past the starting deadline", schedule: hourly, last: minute(0), now: minute(80),
			opts: DueOptions{StartingDeadline: duration(15 * time.Minute)},
			want: Decision{Next: minute(120)},
		},
		{
			name: "deadline limits what counts as missed", schedule: everyMinute, last: minute(0), now: minute(1000),
			opts: DueOptions{StartingDeadline: duration(3 * time.Minute)},
			want: Decision{Run: []time.Time{minute(1000)}, Skipped: 2, Next: minute(1001)},
		},
		{
			name: "too many missed still runs the most recent", schedule: everyMinute, last: minute(0), now: minute(100000).Add(30 * time.Second),
			want: Decision{Run: []time.Time{minute(100000)}, Skipped: 100, TooManyMissed: true, Next: minute(100001)},
		},
		{
			name: "missed cap is configurable", schedule: hourly, last: minute(0), now: minute(5 * 60),
			opts: DueOptions{MaxMissed: 2},
			want: Decision{Run: []time.Time{minute(300)}, Skipped: 2, TooManyMissed: true, Next: minute(360)},
		},
		{
			name: "too many missed over years finds the latest", schedule: mustParse(t, "", "0 0 29 2 *"), last: minute(0), now: time.Date(2041, 1, 1, 0, 0, 0, 0, time.UTC),
			opts: DueOptions{MaxMissed: 1},
			want: Decision{Run: []time.Time{time.Date(2040, 2, 29, 0, 0, 0, 0, time.UTC)}, Skipped: 1, TooManyMissed: true, Next: time.Date(2044, 2, 29, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "catch up runs every missed time oldest first", schedule: hourly, last: minute(0), now: minute(3*60 + 1),
			opts: DueOptions{CatchUp: true},
			want: Decision{Run: []time.Time{minute(60), minute(120), minute(180)}, Next: minute(240)},
		},
		{
			name: "catch up in batches", schedule: hourly, last: minute(0), now: minute(5 * 60),
			opts: DueOptions{CatchUp: true, MaxMissed: 2},
			want: Decision{Run: []time.Time{minute(60), minute(120)}, MoreDue: true, Next: minute(360)},
		},
		{
			name: "catch up respects the deadline", schedule: hourly, last: minute(0), now: minute(5*60 + 10),
			opts: DueOptions{CatchUp: true, StartingDeadline: duration(2 * time.Hour)},
			want: Decision{Run: []time.Time{minute(240), minute(300)}, Next: minute(360)},
		},
		{
			name: "last after now (clock skew) runs nothing", schedule: hourly, last: minute(125), now: minute(61),
			want: Decision{Next: minute(180)},
		},
		{
			name: "last already ran the current time", schedule: hourly, last: minute(60), now: minute(60),
			want: Decision{Next: minute(120)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.schedule.Due(tt.last, tt.now, tt.opts)
			if !equalTimes(got.Run, tt.want.Run) || got.Skipped != tt.want.Skipped || got.TooManyMissed != tt.want.TooManyMissed ||
				got.MoreDue != tt.want.MoreDue || !got.Next.Equal(tt.want.Next) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDueAcrossDST(t *testing.T) {
	s := mustParse(t, "Europe/Berlin", "30 2 * * *")
	// Checking every ten minutes through the autumn change starts exactly one run for 25 October.
	start := time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC)
	last := start
	var runs []time.Time
	for now := start; now.Before(start.Add(6 * time.Hour)); now = now.Add(10 * time.Minute) {
		decision := s.Due(last, now, DueOptions{})
		runs = append(runs, decision.Run...)
		if len(decision.Run) > 0 {
			last = decision.Run[len(decision.Run)-1]
		}
	}
	want := []time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)}
	if !equalTimes(runs, want) {
		t.Errorf("runs %v, want %v", runs, want)
	}
}

var hashedRunName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?-[0-9a-f]{8}-[0-9]+$`)

func TestRunName(t *testing.T) {
	scheduled := time.Date(2026, 12, 2, 7, 30, 45, 0, time.UTC) // unix minute 29936610
	berlin := mustLocation(t, "Europe/Berlin")
	tests := []struct {
		name, schedule string
		scheduled      time.Time
		want           string // exact, or "" to check only the shape
		hashed         bool
	}{
		{name: "plain", schedule: "nightly", scheduled: scheduled, want: "nightly-29936610"},
		{name: "seconds do not matter", schedule: "nightly", scheduled: scheduled.Add(-45 * time.Second), want: "nightly-29936610"},
		{name: "zone does not matter", schedule: "nightly", scheduled: scheduled.In(berlin), want: "nightly-29936610"},
		{name: "longest plain name", schedule: strings.Repeat("a", 54), scheduled: scheduled, want: strings.Repeat("a", 54) + "-29936610"},
		{name: "one too long", schedule: strings.Repeat("a", 55), scheduled: scheduled, hashed: true},
		{name: "subdomain length", schedule: strings.Repeat("abcdefghij", 25), scheduled: scheduled, hashed: true},
		{name: "dots", schedule: "team.nightly", scheduled: scheduled, hashed: true},
		{name: "upper case", schedule: "Nightly", scheduled: scheduled, hashed: true},
		{name: "truncation lands on a dash", schedule: strings.Repeat("a", 44) + "-" + strings.Repeat("b", 20), scheduled: scheduled, hashed: true},
		{name: "nothing label-safe", schedule: "...", scheduled: scheduled, hashed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RunName(tt.schedule, tt.scheduled)
			if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
				t.Errorf("RunName(%q) = %q is not a DNS-1123 label: %v", tt.schedule, got, errs)
			}
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Errorf("RunName(%q) = %q is not a DNS-1123 subdomain: %v", tt.schedule, got, errs)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("RunName(%q) = %q, want %q", tt.schedule, got, tt.want)
			}
			if tt.hashed && !hashedRunName.MatchString(got) {
				t.Errorf("RunName(%q) = %q, want a hashed name", tt.schedule, got)
			}
			if !strings.HasSuffix(got, "-29936610") {
				t.Errorf("RunName(%q) = %q does not end with the scheduled minute", tt.schedule, got)
			}
			if again := RunName(tt.schedule, tt.scheduled); again != got {
				t.Errorf("not deterministic: %q then %q", got, again)
			}
		})
	}
}

func TestRunNameKeepsSchedulesApart(t *testing.T) {
	scheduled := time.Date(2026, 12, 2, 7, 30, 0, 0, time.UTC)
	long := strings.Repeat("x", 100)
	pairs := [][2]string{
		{"team.nightly", "team-nightly"},
		{"Nightly", "nightly"},
		{long + "a", long + "b"},
	}
	for _, pair := range pairs {
		if a, b := RunName(pair[0], scheduled), RunName(pair[1], scheduled); a == b {
			t.Errorf("schedules %q and %q share run name %q", pair[0], pair[1], a)
		}
	}
	if a, b := RunName("nightly", scheduled), RunName("nightly", scheduled.Add(time.Minute)); a == b {
		t.Errorf("two scheduled minutes share run name %q", a)
	}
}

func TestDecide(t *testing.T) {
	due := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	older := []ActiveRun{
		{Name: "nightly-2", ScheduledTime: due.Add(-time.Hour)},
		{Name: "nightly-1", ScheduledTime: due.Add(-2 * time.Hour)},
	}
	tests := []struct {
		name   string
		policy ConcurrencyPolicy
		active []ActiveRun
		want   Action
	}{
		{"allow, idle", Allow, nil, Action{Start: true}},
		{"allow, busy", Allow, older, Action{Start: true}},
		{"default is allow", "", older, Action{Start: true}},
		{"forbid, idle", Forbid, nil, Action{Start: true}},
		{"forbid, busy", Forbid, older, Action{SkipReason: "concurrency policy Forbid: 2 run(s) still active, the oldest is nightly-1"}},
		{"replace, idle", Replace, nil, Action{Start: true}},
		{"replace, busy", Replace, older, Action{Start: true, Replace: []string{"nightly-2", "nightly-1"}}},
		{"same time already active", Replace, []ActiveRun{{Name: "nightly-3", ScheduledTime: due}}, Action{SkipReason: "run nightly-3 for this scheduled time is already active"}},
		{"unknown policy", "Sometimes", nil, Action{SkipReason: `unknown concurrency policy "Sometimes": use Allow, Forbid or Replace`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.policy, due, tt.active)
			if got.Start != tt.want.Start || got.SkipReason != tt.want.SkipReason || strings.Join(got.Replace, ",") != strings.Join(tt.want.Replace, ",") {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
