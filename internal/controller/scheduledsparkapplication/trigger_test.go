package scheduledsparkapplication_test

import (
	"context"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/schedule"
)

// triggered is a schedule with a parameter that an HTTP trigger fills.
func (f *fixture) triggered(name string, policy stokev1.ConcurrencyPolicy) *stokev1.ScheduledSparkApplication {
	return f.newSchedule(name, func(s *stokev1.ScheduledSparkApplication) {
		s.Spec.ConcurrencyPolicy = policy
		s.Spec.Parameters = []stokev1.ScheduleParameter{{Name: "table", Value: "none"}}
		s.Spec.Triggers = []stokev1.HTTPTrigger{{Name: "hook", Parameters: []stokev1.TriggerParameter{{Name: "table", Path: "table"}}}}
		s.Spec.Template.Application.Arguments = append(s.Spec.Template.Application.Arguments, "--table={{ .Params.table }}")
	})
}

// deliver creates a run as stoke server does for a delivery with this key: built from the schedule with the
// key as the table parameter, suspended and annotated as waiting for the schedule.
func (f *fixture) deliver(s *stokev1.ScheduledSparkApplication, key string, at time.Time) string {
	f.t.Helper()
	name := schedule.TriggeredRunName(s.Name, "hook", key)
	obj, err := scheduledsparkapplication.BuildRun(s, time.UTC, at, stokev1.RunTriggerHTTP, name,
		scheduledsparkapplication.RunValues(s, map[string]string{"table": key}))
	if err != nil {
		f.t.Fatal(err)
	}
	scheduledsparkapplication.AwaitSchedule(obj, "hook")
	if err := env.Client.Create(context.Background(), obj); err != nil {
		f.t.Fatalf("creating run %s: %v", name, err)
	}
	return name
}

// started reports whether the schedule started a waiting run: no longer suspended, no longer annotated.
func (f *fixture) started(name string) bool {
	f.t.Helper()
	app := &stokev1.SparkApplication{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, app); err != nil {
		if apierrors.IsNotFound(err) {
			return false
		}
		f.t.Fatal(err)
	}
	_, waiting := app.Annotations[stokev1.AnnotationAwaitingSchedule]
	return !app.Spec.Suspend && !waiting
}

func TestTriggeredRunsWaitForForbid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.triggered("forbid", stokev1.ConcurrencyForbid)
	f.start(nil)
	now := time.Now().UTC()
	first := f.deliver(s, "orders", now)
	second := f.deliver(s, "customers", now.Add(time.Second))

	f.waitStatus(s.Name, "the first delivery's run active, the second waiting", func(s *stokev1.ScheduledSparkApplication) bool {
		return slices.Equal(s.Status.Active, []string{first}) && slices.Equal(s.Status.Waiting, []string{second})
	})
	if !f.started(first) || f.started(second) {
		t.Fatalf("under Forbid only the first run starts: first started %v, second %v", f.started(first), f.started(second))
	}
	for _, app := range f.runs() {
		want := "--table=orders"
		if app.Name == second {
			want = "--table=customers"
		}
		if !slices.Contains(app.Spec.Arguments, want) || app.Annotations[stokev1.AnnotationRunTrigger] != string(stokev1.RunTriggerHTTP) {
			t.Errorf("run %s: arguments %q, trigger %q; want %s and HTTP", app.Name, app.Spec.Arguments, app.Annotations[stokev1.AnnotationRunTrigger], want)
		}
	}

	f.finish(first, true)
	f.waitStatus(s.Name, "the second run started once the first ended", func(s *stokev1.ScheduledSparkApplication) bool {
		return slices.Equal(s.Status.Active, []string{second}) && len(s.Status.Waiting) == 0
	})
	if !f.started(second) {
		t.Error("the second run is still waiting")
	}
}

func TestTriggeredRunsStartAtOnceUnderAllow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.triggered("allow", stokev1.ConcurrencyAllow)
	f.start(nil)
	now := time.Now().UTC()
	a, b := f.deliver(s, "a", now), f.deliver(s, "b", now)
	f.waitStatus(s.Name, "both runs active", func(s *stokev1.ScheduledSparkApplication) bool {
		return len(s.Status.Active) == 2 && len(s.Status.Waiting) == 0
	})
	if !f.started(a) || !f.started(b) {
		t.Errorf("under Allow both start: %v %v", f.started(a), f.started(b))
	}
}

// TestTriggeredRunsWaitWhileSuspendedThenTheNewestReplaces: deliveries to a suspended schedule wait; on
// resume, under Replace, the newest starts, the active run is replaced and the older waiting run is
// superseded, each recorded in recentRuns.
func TestTriggeredRunsWaitWhileSuspendedThenTheNewestReplaces(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.triggered("replace", stokev1.ConcurrencyReplace)
	f.start(nil)
	now := time.Now().UTC()
	active := f.deliver(s, "first", now)
	f.waitStatus(s.Name, "the first run active", func(s *stokev1.ScheduledSparkApplication) bool {
		return slices.Equal(s.Status.Active, []string{active})
	})
	f.update(s.Name, func(s *stokev1.ScheduledSparkApplication) { s.Spec.Suspend = true })
	// Once the status says Suspended, the reconciler's cache holds the suspended spec.
	f.waitStatus(s.Name, "suspended", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseSuspended
	})
	older, newest := f.deliver(s, "second", now.Add(time.Second)), f.deliver(s, "third", now.Add(2*time.Second))
	f.waitStatus(s.Name, "both deliveries waiting while suspended", func(s *stokev1.ScheduledSparkApplication) bool {
		return slices.Equal(s.Status.Waiting, []string{older, newest})
	})
	if f.started(older) || f.started(newest) {
		t.Fatal("a run started while the schedule was suspended")
	}

	f.update(s.Name, func(s *stokev1.ScheduledSparkApplication) { s.Spec.Suspend = false })
	got := f.waitStatus(s.Name, "the newest run alone active", func(s *stokev1.ScheduledSparkApplication) bool {
		return slices.Equal(s.Status.Active, []string{newest}) && len(s.Status.Waiting) == 0
	})
	f.waitRuns(newest)
	replaced := map[string]bool{}
	for _, r := range got.Status.RecentRuns {
		if r.Outcome == stokev1.RunReplaced && r.Trigger == stokev1.RunTriggerHTTP {
			replaced[r.Name] = true
		}
	}
	if !replaced[active] || !replaced[older] {
		t.Errorf("recentRuns should record %s and %s as Replaced: %+v", active, older, got.Status.RecentRuns)
	}
}
