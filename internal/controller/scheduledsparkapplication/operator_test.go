package scheduledsparkapplication_test

import (
	"context"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/operator"
)

// TestOperatorRunsScheduledApplications runs Stoke's real controller manager: a schedule's run is a
// SparkApplication the application reconciler submits like any other.
func TestOperatorRunsScheduledApplications(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mgr, err := operator.NewManager(env.Config, operator.Config{
		MetricsAddress: "0", HealthAddress: "0", Namespaces: []string{f.ns}, SeveralManagersPerProcess: true,
	})
	if err != nil {
		t.Fatalf("creating manager: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})

	f.newSchedule("wired", func(s *stokev1.ScheduledSparkApplication) { s.Spec.Schedule = "@yearly" })
	f.waitStatus("wired", "next schedule time", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.NextScheduleTime != nil && s.Status.Phase == stokev1.SchedulePhaseScheduling
	})
	token := time.Now().UTC().Truncate(time.Second)
	f.annotate("wired", stokev1.AnnotationRunNow, token.Format(time.RFC3339))
	name := scheduledsparkapplication.RunNowName("wired", token)
	eventually(t, "the run submitted", func() bool {
		app := &stokev1.SparkApplication{}
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, app)
		return err == nil && app.Status.CurrentAttempt != nil && app.Status.CurrentAttempt.DriverPodName != ""
	})
	f.waitStatus("wired", "the run active", func(s *stokev1.ScheduledSparkApplication) bool {
		return len(s.Status.Active) == 1 && s.Status.Active[0] == name
	})
}
