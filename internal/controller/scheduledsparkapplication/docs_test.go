package scheduledsparkapplication_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestDocsExampleRuns: the pipeline in docs/schedules.md is accepted by the API server and its run gets
// the arguments the document shows.
func TestDocsExampleRuns(t *testing.T) {
	t.Parallel()
	manifest := testenv.DocYAML(t, "schedules.md")
	s := &stokev1.ScheduledSparkApplication{}
	if err := yaml.UnmarshalStrict(manifest, s); err != nil {
		t.Fatalf("docs example: %v", err)
	}
	f := newFixture(t)
	f.start(nil)
	s.Namespace = f.ns
	if err := env.Client.Create(context.Background(), s); err != nil {
		t.Fatalf("docs example refused: %v", err)
	}
	f.waitStatus(s.Name, "scheduling", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseScheduling
	})
	night := time.Date(2026, 11, 20, 1, 30, 0, 0, time.UTC) // 02:30 in Berlin
	f.annotate(s.Name, stokev1.AnnotationRunNow, night.Format(time.RFC3339))
	apps := f.waitRuns(scheduledsparkapplication.RunNowName(s.Name, night))
	want := []string{"--day=2026-11-19", "--input=s3a://lake/raw/orders/dt=2026-11-19/", "--output=s3a://lake/marts/orders_daily/dt=2026-11-19/"}
	if !slices.Equal(apps[0].Spec.Arguments, want) {
		t.Errorf("arguments = %q, want %q", apps[0].Spec.Arguments, want)
	}
	if got := apps[0].Spec.SparkConf["spark.app.name"]; got != "orders-daily-20261120" {
		t.Errorf("spark.app.name = %q", got)
	}
	if got := apps[0].Annotations[stokev1.AnnotationScheduledTime]; got != "2026-11-20T02:30:00+01:00" {
		t.Errorf("scheduled-time = %q", got)
	}
	if got := runName(s.Name, time.Date(2026, 11, 20, 2, 30, 0, 0, mustZone(t, "Europe/Berlin"))); got != "orders-daily-29918970" {
		t.Errorf("the document names the scheduled run orders-daily-29918970, RunName gives %s", got)
	}
}
