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

	create(t, newApp(ns, "waiting"))
	time.Sleep(2 * time.Second)
	if app := getApp(t, ns, "waiting"); app.Status.CurrentAttempt != nil {
		t.Fatalf("an application in an unselected namespace was run: %+v", app.Status)
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
	create(t, newApp(fresh.Name, "at-once"))
	waitAttempt(t, fresh.Name, "at-once", 1)
}
