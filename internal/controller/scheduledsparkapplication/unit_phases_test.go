package scheduledsparkapplication

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/schedule"
)

var base = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func finishedRun(name string, outcome stokev1.RunOutcome, finishedMinute int) run {
	return run{
		obj:       &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Name: name}},
		scheduled: base,
		outcome:   outcome,
		finished:  base.Add(time.Duration(finishedMinute) * time.Minute),
	}
}

func names(runs []run) []string {
	var out []string
	for _, r := range runs {
		out = append(out, r.obj.GetName())
	}
	return out
}

func TestToPruneKeepsTheLatestFinishedOfEachOutcome(t *testing.T) {
	finished := []run{
		finishedRun("s3", stokev1.RunSucceeded, 3),
		finishedRun("f1", stokev1.RunFailed, 1),
		finishedRun("s1", stokev1.RunSucceeded, 1),
		finishedRun("s2", stokev1.RunSucceeded, 2),
		finishedRun("f2", stokev1.RunFailed, 5),
	}
	cases := []struct {
		succeeded, failed int
		want              []string
	}{
		{3, 1, []string{"f1"}},
		{1, 1, []string{"s1", "s2", "f1"}},
		{0, 0, []string{"s1", "s2", "s3", "f1", "f2"}},
		{5, 5, nil},
	}
	for _, c := range cases {
		if got := names(toPrune(finished, c.succeeded, c.failed)); !slices.Equal(got, c.want) {
			t.Errorf("limits %d/%d: pruned %v, want %v", c.succeeded, c.failed, got, c.want)
		}
	}
}

func TestRecordFinishedCountsConsecutiveFailuresOnce(t *testing.T) {
	st := &stokev1.ScheduledSparkApplicationStatus{}
	first := []run{finishedRun("a", stokev1.RunFailed, 1), finishedRun("b", stokev1.RunFailed, 2)}
	if got := names(recordFinished(st, first, 10)); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("recorded %v", got)
	}
	if st.ConsecutiveFailures != 2 {
		t.Errorf("consecutive failures = %d, want 2", st.ConsecutiveFailures)
	}
	// The same runs seen again are not counted again.
	if got := recordFinished(st, first, 10); len(got) != 0 {
		t.Errorf("recorded again: %v", names(got))
	}
	if st.ConsecutiveFailures != 2 {
		t.Errorf("consecutive failures = %d after a second look, want 2", st.ConsecutiveFailures)
	}
	recordFinished(st, append(first, finishedRun("c", stokev1.RunSucceeded, 3), finishedRun("d", stokev1.RunFailed, 4)), 3)
	if st.ConsecutiveFailures != 1 {
		t.Errorf("consecutive failures = %d after a success and a failure, want 1", st.ConsecutiveFailures)
	}
	var kept []string
	for _, r := range st.RecentRuns {
		kept = append(kept, r.Name)
	}
	if !slices.Equal(kept, []string{"b", "c", "d"}) {
		t.Errorf("recent runs %v, want the newest 3", kept)
	}
}

func TestStoppedNamesTheLastFailedRun(t *testing.T) {
	spec := &stokev1.ScheduledSparkApplicationSpec{FailureLimit: ptr(int32(2))}
	st := &stokev1.ScheduledSparkApplicationStatus{ConsecutiveFailures: 1, RecentRuns: []stokev1.ScheduledRun{
		{Name: "x-1", Outcome: stokev1.RunFailed}, {Name: "x-2", Outcome: stokev1.RunSkipped},
	}}
	if stop, _ := stopped(spec, st); stop {
		t.Fatal("stopped below the limit")
	}
	st.ConsecutiveFailures = 2
	stop, msg := stopped(spec, st)
	if !stop || msg == "" || !strings.Contains(msg, "x-1") {
		t.Errorf("stopped = %v %q, want stopped naming x-1", stop, msg)
	}
	if stop, _ := stopped(&stokev1.ScheduledSparkApplicationSpec{}, st); stop {
		t.Error("stopped without a failure limit")
	}
}

func TestDueTimesSkipsPastTheDeadline(t *testing.T) {
	s, err := schedule.Parse([]string{"0 * * * *"}, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := func(sec int64) *stokev1.ScheduledSparkApplicationSpec {
		return &stokev1.ScheduledSparkApplicationSpec{StartingDeadlineSeconds: &sec}
	}
	cases := []struct {
		name       string
		spec       *stokev1.ScheduledSparkApplicationSpec
		last, now  time.Time
		run        []time.Time
		skipped    time.Time
		superseded int
		next       time.Time
	}{
		{"on time", &stokev1.ScheduledSparkApplicationSpec{}, base, base.Add(time.Hour + time.Second),
			[]time.Time{base.Add(time.Hour)}, time.Time{}, 0, base.Add(2 * time.Hour)},
		{"within the deadline", deadline(60), base, base.Add(time.Hour + 30*time.Second),
			[]time.Time{base.Add(time.Hour)}, time.Time{}, 0, base.Add(2 * time.Hour)},
		{"past the deadline", deadline(60), base, base.Add(time.Hour + 5*time.Minute),
			nil, base.Add(time.Hour), 0, base.Add(2 * time.Hour)},
		{"past the deadline, with earlier ones superseded", deadline(60), base, base.Add(3*time.Hour + 5*time.Minute),
			nil, base.Add(3 * time.Hour), 2, base.Add(4 * time.Hour)},
		{"only the latest of many missed", &stokev1.ScheduledSparkApplicationSpec{}, base, base.Add(5*time.Hour + time.Minute),
			[]time.Time{base.Add(5 * time.Hour)}, time.Time{}, 4, base.Add(6 * time.Hour)},
		{"nothing due", deadline(60), base, base.Add(30 * time.Minute), nil, time.Time{}, 0, base.Add(time.Hour)},
	}
	for _, c := range cases {
		run, skipped, superseded, next := dueTimes(s, c.spec, c.last, c.now)
		if !slices.EqualFunc(run, c.run, time.Time.Equal) || !skipped.Equal(c.skipped) || superseded != c.superseded || !next.Equal(c.next) {
			t.Errorf("%s: run %v skipped %v superseded %d next %v, want %v %v %d %v", c.name, run, skipped, superseded, next, c.run, c.skipped, c.superseded, c.next)
		}
	}
}

func TestBackfillSlots(t *testing.T) {
	active := []run{{trigger: stokev1.RunTriggerBackfill}, {trigger: stokev1.RunTriggerSchedule}}
	cases := []struct {
		policy      stokev1.ConcurrencyPolicy
		parallelism int32
		active      []run
		want        int
	}{
		{stokev1.ConcurrencyAllow, 3, active, 2},
		{stokev1.ConcurrencyAllow, 1, active, 0},
		{stokev1.ConcurrencyAllow, 0, nil, 1},
		{stokev1.ConcurrencyForbid, 5, nil, 1},
		{stokev1.ConcurrencyForbid, 5, active[1:], 0},
		{stokev1.ConcurrencyReplace, 5, active[:1], 0},
	}
	for _, c := range cases {
		if got := backfillSlots(c.policy, c.parallelism, c.active); got != c.want {
			t.Errorf("%s parallelism %d with %d active: %d slots, want %d", c.policy, c.parallelism, len(c.active), got, c.want)
		}
	}
}

func TestBackfillProgressRestartsForANewRange(t *testing.T) {
	spec := &stokev1.Backfill{From: metav1.NewTime(base), To: metav1.NewTime(base.Add(time.Hour))}
	current := &stokev1.BackfillStatus{From: spec.From, To: spec.To, Started: 4}
	if got := backfillProgress(spec, current); got != current {
		t.Errorf("same range: %+v, want the current progress", got)
	}
	other := &stokev1.Backfill{From: spec.From, To: metav1.NewTime(base.Add(2 * time.Hour))}
	if got := backfillProgress(other, current); got.Started != 0 || !got.To.Equal(&other.To) {
		t.Errorf("new range: %+v, want fresh progress", got)
	}
	if got := backfillProgress(nil, current); got != nil {
		t.Errorf("no backfill: %+v", got)
	}
}

func TestPhaseOf(t *testing.T) {
	set := func(types ...string) []metav1.Condition {
		var out []metav1.Condition
		for _, ty := range types {
			out = append(out, metav1.Condition{Type: ty, Status: metav1.ConditionTrue})
		}
		return out
	}
	cases := []struct {
		conditions []metav1.Condition
		want       stokev1.SchedulePhase
	}{
		{nil, stokev1.SchedulePhaseScheduling},
		{set(stokev1.ConditionStopped), stokev1.SchedulePhaseStopped},
		{set(stokev1.ConditionStopped, stokev1.ConditionSuspended), stokev1.SchedulePhaseSuspended},
		{set(stokev1.ConditionSuspended, stokev1.ConditionInvalid), stokev1.SchedulePhaseInvalid},
	}
	for _, c := range cases {
		if got := phaseOf(c.conditions); got != c.want {
			t.Errorf("%v: %s, want %s", c.conditions, got, c.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
