package sparkapplication_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
)

func TestNamespaceSelectorLimitsAndFollowsLabels(t *testing.T) {
	ns := env.Namespace(t)
	mgr, err := operator.NewManager(env.Config, operator.Config{
		MetricsAddress: "0", HealthAddress: "0", SeveralManagersPerProcess: true,
		NamespaceSelector: "stoke-test/enabled=" + ns,
	})
	if err != nil {
		t.Fatal(err)
	}
	runManager(t, mgr.Start)
	if !mgr.GetCache().WaitForCacheSync(context.Background()) {
		t.Fatal("cache did not sync")
	}
	// At start every namespace's applications are looked at once (the namespaces' own creation events).
	base := settledReconciles(t)

	create(t, newApp(ns, "waiting"))
	time.Sleep(2 * time.Second)
	if app := getApp(t, ns, "waiting"); app.Status.CurrentAttempt != nil {
		t.Fatalf("an application in an unselected namespace was run: %+v", app.Status)
	}
	// It is filtered before the work queue: its creation cost no reconcile.
	if n := reconciles(t) - base; n != 0 {
		t.Errorf("an application in an unselected namespace cost %v reconciles, want 0", n)
	}

	namespace := &corev1.Namespace{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: ns}, namespace); err != nil {
		t.Fatal(err)
	}
	namespace.Labels["stoke-test/enabled"] = ns
	if err := env.Client.Update(context.Background(), namespace); err != nil {
		t.Fatal(err)
	}
	waitAttempt(t, ns, "waiting", 1)
	waitPhase(t, ns, "waiting", stokev1.PhaseSubmitted)

	// A namespace created matching, with an application created in the same instant (before the operator's
	// cache has seen the namespace): the namespace's own creation brings the application in.
	fresh := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns + "-new", Labels: map[string]string{"stoke-test/enabled": ns}}}
	if err := env.Client.Create(context.Background(), fresh); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), fresh) })
	create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: fresh.Name}}) // as the controller manager would
	create(t, newApp(fresh.Name, "at-once"))
	waitAttempt(t, fresh.Name, "at-once", 1)
}

// settledReconciles waits until the reconcile count has not moved for a second, and returns it.
func settledReconciles(t *testing.T) float64 {
	t.Helper()
	last := reconciles(t)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		time.Sleep(time.Second)
		n := reconciles(t)
		if n == last {
			return n
		}
		last = n
	}
	t.Fatal("reconciles did not settle within 30s")
	return 0
}
