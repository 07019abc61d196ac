package sparkapplication_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
)

// An attempt whose driver's pod events never reach the reconciler still runs to its end. In the chaos
// suite's API server restart, driver pods that started and ended while the operator's pod watches were cut
// off left no trace in its caches, and 30 applications stayed Running with their drivers long exited. Here
// the reconciler's caches hold no driver pod at all (its own pod cache only executors, and no driver cache),
// so every driver event is missed; only the active attempt's recheck (ActiveRecheck) brings the driver's
// start and exit, read from the API server.
func TestAnAttemptWhoseDriverEventsAreMissedStillEnds(t *testing.T) {
	ns := env.Namespace(t)
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  operator.Scheme(),
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}},
			ByObject: map[client.Object]cache.ByObject{
				&corev1.Pod{}: {Label: labels.SelectorFromSet(labels.Set{spark.LabelRole: spark.RoleExecutor})},
			}},
		Controller: config.Controller{SkipNameValidation: ptr(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &sparkapplication.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorderFor("test"),
		Options: sparkapplication.Options{ActiveRecheck: time.Second, LostDriverGrace: 10 * time.Minute}}
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	runManager(t, mgr.Start)

	create(t, newApp(ns, "pi"))
	driver := waitAttempt(t, ns, "pi", 1)
	running(t, driver)
	waitPhase(t, ns, "pi", stokev1.PhaseRunning)
	exited(t, driver, 0)
	app := waitPhase(t, ns, "pi", stokev1.PhaseSucceeded)
	if cur := app.Status.CurrentAttempt; cur.ExitCode == nil || *cur.ExitCode != 0 {
		t.Errorf("attempt ended with exit code %v, want 0", cur.ExitCode)
	}
}
