package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

const scheduleManifest = `apiVersion: stoke.dev/v1alpha1
kind: ScheduledSparkApplication
metadata:
  name: nightly
spec:
  schedule: "30 2 * * *"
  timeZone: Europe/Berlin
  concurrencyPolicy: Forbid
  template:
    application:
      type: Python
      sparkVersion: "3.5.7"
      image: spark:3.5.7
      mainApplicationFile: local:///opt/jobs/daily.py
      arguments: ['--date={{ .ScheduledTime | date "2006-01-02" }}']
---
apiVersion: stoke.dev/v1alpha1
kind: SparkApplication
metadata:
  name: once
spec:
  type: Python
  sparkVersion: "3.5.7"
  image: spark:3.5.7
  mainApplicationFile: local:///opt/jobs/once.py
`

func TestSchedulesSubmitGetRunNowBackfill(t *testing.T) {
	ns := env.Namespace(t)
	file := filepath.Join(t.TempDir(), "pipeline.yaml")
	if err := os.WriteFile(file, []byte(scheduleManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	out := stoke(t, nil, "submit", "-f", file, "-n", ns).must(t)
	if want := "schedule \"nightly\" submitted in namespace \"" + ns + "\"\napplication \"once\" submitted in namespace \"" + ns + "\"\n"; out != want {
		t.Errorf("submit printed %q, want %q", out, want)
	}
	names := stoke(t, nil, "submit", "-f", file, "-n", ns, "--dry-run=client", "-o", "name").must(t)
	if names != "scheduledsparkapplication.stoke.dev/nightly\nsparkapplication.stoke.dev/once\n" {
		t.Errorf("-o name printed %q", names)
	}
	stoke(t, nil, "submit", "-f", file, "-n", ns, "--wait").wantErr(t, true, "--wait follows one application")

	ctx := context.Background()
	s := &stokev1.ScheduledSparkApplication{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "nightly"}, s); err != nil {
		t.Fatal(err)
	}
	now := s.CreationTimestamp.Add(3 * time.Hour)
	s.Status = stokev1.ScheduledSparkApplicationStatus{
		Phase:            stokev1.SchedulePhaseScheduling,
		LastScheduleTime: &metav1.Time{Time: now.Add(-time.Hour)},
		NextScheduleTime: &metav1.Time{Time: now.Add(23 * time.Hour)},
		Active:           []string{"nightly-29000000"},
		RecentRuns: []stokev1.ScheduledRun{{Name: "nightly-28998560", ScheduledTime: metav1.NewTime(now.Add(-25 * time.Hour)),
			Outcome: stokev1.RunFailed, Trigger: stokev1.RunTriggerSchedule}},
		ConsecutiveFailures: 1,
	}
	if err := env.Client.Status().Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(now)
	golden(t, "get-schedules.txt", stoke(t, clk, "get", "schedules", "-n", ns).must(t))
	golden(t, "get-schedules-wide.txt", stoke(t, clk, "get", "sparksched", "-n", ns, "-o", "wide").must(t))
	if out := stoke(t, clk, "get", "schedule", "nightly", "-n", ns, "-o", "yaml").must(t); !strings.HasPrefix(out, "apiVersion: stoke.dev/v1alpha1\nkind: ScheduledSparkApplication\n") {
		t.Errorf("-o yaml:\n%.200s", out)
	}
	stoke(t, clk, "get", "schedules", "nope", "-n", ns).wantErr(t, false, `schedule "nope" not found`)

	// run-now writes the current time as the token; the operator starts the run.
	runNow := time.Date(2026, 11, 20, 9, 15, 42, 0, time.UTC)
	out = stoke(t, clocktesting.NewFakeClock(runNow), "schedule", "run-now", "nightly", "-n", ns).must(t)
	if want := `schedule "nightly": run nightly-now-29919435 requested, logical time 2026-11-20T09:15:42Z` + "\n"; out != want {
		t.Errorf("run-now printed %q, want %q", out, want)
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "nightly"}, s); err != nil {
		t.Fatal(err)
	}
	if got := s.Annotations[stokev1.AnnotationRunNow]; got != "2026-11-20T09:15:42Z" {
		t.Errorf("run-now annotation = %q", got)
	}

	// backfill: dates in the schedule's zone, --to a whole day.
	out = stoke(t, nil, "schedule", "backfill", "nightly", "-n", ns, "--from", "2026-11-01", "--to", "2026-11-03", "--parallelism", "2").must(t)
	if want := `schedule "nightly": backfill of 3 fire times from 2026-11-01T02:30:00+01:00 to 2026-11-03T02:30:00+01:00, 2 at a time` + "\n"; out != want {
		t.Errorf("backfill printed %q, want %q", out, want)
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "nightly"}, s); err != nil {
		t.Fatal(err)
	}
	b := s.Spec.Backfill
	if b == nil || b.Parallelism != 2 || !b.From.Time.Equal(time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)) ||
		!b.To.Time.Equal(time.Date(2026, 11, 3, 22, 59, 59, 0, time.UTC)) {
		t.Errorf("spec.backfill = %+v", b)
	}

	bf := func(args ...string) result {
		return stoke(t, nil, append([]string{"schedule", "backfill", "nightly", "-n", ns}, args...)...)
	}
	bf("--from", "2026-11-01").wantErr(t, true, "--from and --to")
	bf("--from", "2026-11-05", "--to", "2026-11-01").wantErr(t, true, "is after --to")
	bf("--from", "yesterday", "--to", "2026-11-01").wantErr(t, true, "--from", "is not a time")
	bf("--from", "2026-11-01", "--to", "2026-11-02", "--parallelism", "0").wantErr(t, true, "--parallelism 0")
	bf("--from", "2026-11-01T03:00", "--to", "2026-11-01T04:00").wantErr(t, true, "does not fire between")
	bf("--from", "1990-01-01", "--to", "2026-11-01").wantErr(t, true, "more than 10000 fire times")
	stoke(t, nil, "schedule", "backfill", "nope", "-n", ns, "--from", "2026-11-01", "--to", "2026-11-02").wantErr(t, false, `schedule "nope" not found`)

	s.Spec.Suspend = true
	if err := env.Client.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	stoke(t, nil, "schedule", "run-now", "nightly", "-n", ns).wantErr(t, true, "suspended")
}
