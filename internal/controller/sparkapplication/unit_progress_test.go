package sparkapplication

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestProgressOnly(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	base := func() *stokev1.SparkApplicationStatus {
		return &stokev1.SparkApplicationStatus{
			Phase:          stokev1.PhaseRunning,
			CurrentAttempt: &stokev1.Attempt{Number: 1, DriverPodName: "d", DriverStartTime: &t0},
			Executors:      stokev1.ExecutorCounts{Requested: 2},
		}
	}
	timeout := int32(60)
	cases := []struct {
		name   string
		change func(*stokev1.SparkApplicationStatus)
		spec   stokev1.SparkApplicationSpec
		want   bool
	}{
		{"executor counts only", func(s *stokev1.SparkApplicationStatus) { s.Executors.Running = 2 }, stokev1.SparkApplicationSpec{}, true},
		{"counts and first executor, no timeout", func(s *stokev1.SparkApplicationStatus) {
			s.Executors.Running = 1
			s.CurrentAttempt.FirstExecutorTime = &t0
		}, stokev1.SparkApplicationSpec{}, true},
		{"first executor with an executor start timeout", func(s *stokev1.SparkApplicationStatus) {
			s.Executors.Running = 1
			s.CurrentAttempt.FirstExecutorTime = &t0
		}, stokev1.SparkApplicationSpec{Timeouts: stokev1.Timeouts{ExecutorStartSeconds: &timeout}}, false},
		{"phase changed too", func(s *stokev1.SparkApplicationStatus) {
			s.Executors.Running = 1
			s.Phase = stokev1.PhaseSucceeded
		}, stokev1.SparkApplicationSpec{}, false},
		{"attempt ended", func(s *stokev1.SparkApplicationStatus) { s.CurrentAttempt.Outcome = stokev1.OutcomeSucceeded }, stokev1.SparkApplicationSpec{}, false},
		{"no attempt yet", func(s *stokev1.SparkApplicationStatus) { s.CurrentAttempt = nil }, stokev1.SparkApplicationSpec{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, after := base(), base()
			c.change(after)
			if got := ProgressOnly(before, after, &c.spec); got != c.want {
				t.Errorf("ProgressOnly = %v, want %v", got, c.want)
			}
		})
	}
}

func TestEarliestStart(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { v := metav1.NewTime(now.Add(d)); return &v }
	pod := func(phase corev1.PodPhase, start *metav1.Time) corev1.Pod {
		return corev1.Pod{Status: corev1.PodStatus{Phase: phase, StartTime: start}}
	}
	cases := []struct {
		name string
		pods []corev1.Pod
		want time.Time
	}{
		{"none", nil, now},
		{"running without a start time", []corev1.Pod{pod(corev1.PodRunning, nil)}, now},
		{"earliest running", []corev1.Pod{pod(corev1.PodRunning, at(-5*time.Second)), pod(corev1.PodRunning, at(-9*time.Second))}, now.Add(-9 * time.Second)},
		{"pending ones do not count", []corev1.Pod{pod(corev1.PodPending, at(-20*time.Second)), pod(corev1.PodRunning, at(-3*time.Second))}, now.Add(-3 * time.Second)},
		{"a start after the fallback is not used", []corev1.Pod{pod(corev1.PodRunning, at(time.Second))}, now},
	}
	for _, c := range cases {
		if got := EarliestStart(c.pods, now); !got.Equal(c.want) {
			t.Errorf("%s: EarliestStart = %v, want %v", c.name, got, c.want)
		}
	}
}
