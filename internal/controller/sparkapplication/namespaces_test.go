package sparkapplication_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
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
}
