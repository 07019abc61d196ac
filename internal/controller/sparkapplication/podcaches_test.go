package sparkapplication_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
)

// The operator caches a driver pod only while it runs: a retained finished application must not cost its
// ended driver pod in memory. Its ended executors stay cached (the counts read them), and an application
// whose driver ends is still seen to end, from a read of the API server.
func TestEndedDriverPodsAreNotCached(t *testing.T) {
	ns := env.Namespace(t)
	mgr, err := operator.NewManager(env.Config, operator.Config{MetricsAddress: "0", HealthAddress: "0",
		Namespaces: []string{ns}, SeveralManagersPerProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	drivers, err := operator.NewDriverCache(mgr, ns)
	if err != nil {
		t.Fatal(err)
	}
	runManager(t, mgr.Start)
	cached := func(c client.Reader, role string) map[string]corev1.PodPhase {
		t.Helper()
		list := &corev1.PodList{}
		if err := c.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{spark.LabelRole: role}); err != nil {
			t.Fatalf("listing cached %s pods: %v", role, err)
		}
		out := map[string]corev1.PodPhase{}
		for _, p := range list.Items {
			out[p.Name] = p.Status.Phase
		}
		return out
	}

	create(t, newApp(ns, "pi"))
	driver := waitAttempt(t, ns, "pi", 1)
	running(t, driver)
	failed := executorPod(t, driver, 1, corev1.PodFailed)
	executorPod(t, driver, 2, corev1.PodRunning)
	eventually(t, 30*time.Second, "the running driver and both executors cached", func() (bool, error) {
		d, e := cached(drivers, spark.RoleDriver), cached(mgr.GetCache(), spark.RoleExecutor)
		return d[driver.Name] == corev1.PodRunning && e[failed.Name] == corev1.PodFailed && len(e) == 2, nil
	})
	if d := cached(mgr.GetCache(), spark.RoleDriver); len(d) != 0 {
		t.Errorf("the manager's cache holds driver pods %v; only the driver cache may", d)
	}
	eventually(t, 30*time.Second, "the failed executor counted", func() (bool, error) {
		e := getApp(t, ns, "pi").Status.Executors
		return e.Failed == 1 && e.Running == 1, nil
	})

	exited(t, driver, 0)
	app := waitPhase(t, ns, "pi", stokev1.PhaseSucceeded)
	if cur := app.Status.CurrentAttempt; cur.ExitCode == nil || *cur.ExitCode != 0 {
		t.Errorf("attempt ended with exit code %v, want 0 (read from the API server)", cur.ExitCode)
	}
	eventually(t, 30*time.Second, "the ended driver pod to leave the driver cache", func() (bool, error) {
		_, held := cached(drivers, spark.RoleDriver)[driver.Name]
		return !held, nil
	})
	if !exists(t, driver) {
		t.Errorf("driver pod %s was deleted; it is kept for its logs", driver.Name)
	}
}
