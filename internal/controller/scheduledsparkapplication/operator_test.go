package scheduledsparkapplication_test

import (
	"context"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
)

// TestOperatorRunsScheduledApplications runs Stoke's real controller manager: a schedule's run is a
// SparkApplication the application reconciler submits like any other.
func TestOperatorRunsScheduledApplications(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.startOperator()

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
