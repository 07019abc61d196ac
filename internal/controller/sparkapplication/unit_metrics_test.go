package sparkapplication

import (
	"fmt"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/metrics"
)

func TestUnitStatusTransitions(t *testing.T) {
	created := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(s int) *metav1.Time { v := metav1.NewTime(created.Add(time.Duration(s) * time.Second)); return &v }
	cond := func(typ string, ok bool, since int) metav1.Condition {
		s := metav1.ConditionFalse
		if ok {
			s = metav1.ConditionTrue
		}
		return metav1.Condition{Type: typ, Status: s, LastTransitionTime: *at(since), Reason: "R"}
	}
	submitted := stokev1.Attempt{Number: 1, SubmissionTime: at(2)}
	running := submitted
	running.DriverStartTime = at(5)
	failed := running
	failed.Outcome, failed.Reason, failed.EndTime = stokev1.OutcomeApplicationFailure, "Error", at(65)
	second := stokev1.Attempt{Number: 2, SubmissionTime: at(75)}
	succeeded := second
	succeeded.DriverStartTime, succeeded.Outcome, succeeded.Reason, succeeded.EndTime = at(80), stokev1.OutcomeSucceeded, "Completed", at(100)

	type want struct {
		kind, label string
		seconds     float64
	}
	cases := []struct {
		name          string
		before, after stokev1.SparkApplicationStatus
		want          []want
	}{
		{"nothing changed", stokev1.SparkApplicationStatus{CurrentAttempt: &running}, stokev1.SparkApplicationStatus{CurrentAttempt: &running}, nil},
		{"first driver created", stokev1.SparkApplicationStatus{}, stokev1.SparkApplicationStatus{CurrentAttempt: &submitted},
			[]want{{TransitionAttemptStarted, metrics.TransitionCreatedToSubmitted, 2}}},
		{"driver running", stokev1.SparkApplicationStatus{CurrentAttempt: &submitted}, stokev1.SparkApplicationStatus{CurrentAttempt: &running},
			[]want{{TransitionDriverRunning, metrics.TransitionSubmittedToRunning, 3}}},
		{"attempt failed, retry scheduled", stokev1.SparkApplicationStatus{CurrentAttempt: &running},
			stokev1.SparkApplicationStatus{CurrentAttempt: &failed, Conditions: []metav1.Condition{cond(stokev1.ConditionRetrying, true, 65)}},
			[]want{{TransitionAttemptEnded, metrics.TransitionRunningToFinished, 60}, {TransitionRetrying, "", 0}}},
		{"next attempt after the backoff", stokev1.SparkApplicationStatus{CurrentAttempt: &failed},
			stokev1.SparkApplicationStatus{CurrentAttempt: &second, PastAttempts: []stokev1.Attempt{failed}},
			[]want{{TransitionAttemptStarted, metrics.WaitBackoff, 10}}},
		{"succeeded for good", stokev1.SparkApplicationStatus{CurrentAttempt: &second, PastAttempts: []stokev1.Attempt{failed}},
			stokev1.SparkApplicationStatus{CurrentAttempt: &succeeded, PastAttempts: []stokev1.Attempt{failed}, TerminationTime: at(100),
				Conditions: []metav1.Condition{cond(stokev1.ConditionSucceeded, true, 100)}},
			[]want{{TransitionDriverRunning, metrics.TransitionSubmittedToRunning, 5}, {TransitionAttemptEnded, metrics.TransitionRunningToFinished, 20},
				{TransitionFinished, metrics.TransitionCreatedToTerminated, 100}}},
		{"a wait over", stokev1.SparkApplicationStatus{Conditions: []metav1.Condition{cond(stokev1.ConditionWaiting, true, 10)}},
			stokev1.SparkApplicationStatus{CurrentAttempt: &submitted, Conditions: []metav1.Condition{cond(stokev1.ConditionWaiting, false, 40)}},
			[]want{{TransitionAttemptStarted, metrics.TransitionCreatedToSubmitted, 2}, {TransitionWaitEnded, metrics.WaitWaiting, 30}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := StatusTransitions(created, &tc.before, &tc.after, created.Add(40*time.Second))
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i, w := range tc.want {
				if got[i].Kind != w.kind || got[i].Label != w.label || got[i].Seconds != w.seconds {
					t.Errorf("transition %d = %+v, want %+v", i, got[i], w)
				}
			}
		})
	}
}

// TestUnitMetricSeriesStayBounded: thousands of applications, with every outcome and reasons made up by
// kubelets, give a bounded number of series, none labelled with an application's name.
func TestUnitMetricSeriesStayBounded(t *testing.T) {
	created := time.Now().Add(-time.Hour)
	outcomes := []stokev1.AttemptOutcome{stokev1.OutcomeSucceeded, stokev1.OutcomeApplicationFailure, stokev1.OutcomeInfrastructureFailure, stokev1.OutcomeSuperseded}
	for i := 0; i < 5000; i++ {
		app := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bounded-app-%d", i), Namespace: fmt.Sprintf("team-%d", i%3),
			CreationTimestamp: metav1.NewTime(created)}}
		start, end := metav1.NewTime(created.Add(time.Second)), metav1.NewTime(created.Add(time.Minute))
		app.Status.CurrentAttempt = &stokev1.Attempt{Number: 1, SubmissionTime: &start, DriverStartTime: &start, EndTime: &end,
			Outcome: outcomes[i%len(outcomes)], Reason: fmt.Sprintf("KubeletReason%d", i)}
		app.Status.TerminationTime = &end
		app.Status.Conditions = []metav1.Condition{{Type: stokev1.ConditionFailed, Status: metav1.ConditionTrue}}
		recordTransitions(app, &stokev1.SparkApplicationStatus{}, end.Time)
	}
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := 0
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "stoke_") {
			continue
		}
		for _, m := range f.GetMetric() {
			series += seriesOf(f, m)
			for _, l := range m.GetLabel() {
				if strings.HasPrefix(l.GetValue(), "bounded-app-") || strings.HasPrefix(l.GetValue(), "KubeletReason") {
					t.Errorf("%s has label %s=%s", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	if series == 0 || series > 400 {
		t.Errorf("%d stoke_ series for 5,000 applications in 3 namespaces, want at most 400", series)
	}
}

// seriesOf counts a metric's time series as Prometheus stores them (a histogram has one per bucket plus
// its sum and count).
func seriesOf(f *dto.MetricFamily, m *dto.Metric) int {
	if f.GetType() == dto.MetricType_HISTOGRAM {
		return len(m.GetHistogram().GetBucket()) + 3
	}
	return 1
}
