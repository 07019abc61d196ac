package sparkapplication_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// reconciles is the process's count of sparkapplication reconciles (tests run one manager at a time).
func reconciles(t *testing.T) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "sparkapplication" {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// A finished application costs no more passes: neither a timer set while it ran (the lost-driver grace)
// nor changes to its driver pod bring it back. A live executor pod that shows up afterwards is still
// deleted.
func TestFinishedApplicationIsLeftAlone(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns) // lost-driver grace 2s
	ctx := context.Background()
	create(t, newApp(ns, "done"))
	driver := waitAttempt(t, ns, "done", 1)
	running(t, driver)
	waitPhase(t, ns, "done", stokev1.PhaseRunning)
	exited(t, driver, 0)
	app := waitPhase(t, ns, "done", stokev1.PhaseSucceeded)

	// Let the pass that forgets the finishing write run, then count.
	time.Sleep(1500 * time.Millisecond)
	before := reconciles(t)
	if before == 0 {
		t.Fatal("no reconciles counted: the metric is not read right")
	}
	// The driver pod changes, as a kubelet's late status refresh or a label edit would.
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(driver), driver); err != nil {
		t.Fatal(err)
	}
	driver.Labels["touched"] = "1"
	if err := env.Client.Update(ctx, driver); err != nil {
		t.Fatal(err)
	}
	driver.Status.Message = "refreshed"
	if err := env.Client.Status().Update(ctx, driver); err != nil {
		t.Fatal(err)
	}
	// Past the lost-driver grace counted from submission, and at least 1.5s of quiet.
	wait := max(time.Until(app.Status.CurrentAttempt.SubmissionTime.Add(2*time.Second+500*time.Millisecond)), 1500*time.Millisecond)
	time.Sleep(wait)
	if after := reconciles(t); after != before {
		t.Errorf("the finished application was reconciled %v more times", after-before)
	}
	if got := getApp(t, ns, "done"); got.Status.Phase != stokev1.PhaseSucceeded {
		t.Errorf("phase = %s", got.Status.Phase)
	}

	// An executor that appears after the end is a leftover and goes.
	executorPod(t, driver, 9, corev1.PodRunning)
	eventually(t, 10*time.Second, "the leftover executor to be deleted", func() (bool, error) {
		return len(podsWithRole(t, ns, spark.RoleExecutor)) == 0, nil
	})
}
