package sparkapplication_test

import (
	"testing"
	"time"

	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// metricValue reads one counter or gauge series of the process's registry (0 when absent).
func metricValue(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// TestMetricsCountTransitions: a failed attempt, a retry and a success are counted once each, from the status
// the reconciler wrote, and the applications gauge shows the phase.
func TestMetricsCountTransitions(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "counted")
	app.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartOnFailure, BackoffSeconds: ptr(int32(1))}
	create(t, app)
	first := waitAttempt(t, ns, "counted", 1)
	running(t, first)
	waitPhase(t, ns, "counted", stokev1.PhaseRunning)
	exited(t, first, 1)
	second := waitAttempt(t, ns, "counted", 2)
	running(t, second)
	waitPhase(t, ns, "counted", stokev1.PhaseRunning)
	exited(t, second, 0)
	waitPhase(t, ns, "counted", stokev1.PhaseSucceeded)

	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"stoke_attempts_started_total", map[string]string{"namespace": ns}, 2},
		{"stoke_attempts_ended_total", map[string]string{"namespace": ns, "outcome": "ApplicationFailure", "reason": "Error"}, 1},
		{"stoke_attempts_ended_total", map[string]string{"namespace": ns, "outcome": "Succeeded", "reason": "Completed"}, 1},
		{"stoke_retries_total", map[string]string{"namespace": ns}, 1},
		{"stoke_applications_finished_total", map[string]string{"namespace": ns, "phase": "Succeeded"}, 1},
	}
	time.Sleep(1500 * time.Millisecond) // later passes must not count again
	for _, c := range checks {
		if got := metricValue(t, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	eventually(t, 10*time.Second, "the applications gauge to show the success", func() (bool, error) {
		return metricValue(t, "stoke_applications", map[string]string{"namespace": ns, "phase": "Succeeded"}) == 1, nil
	})
}
