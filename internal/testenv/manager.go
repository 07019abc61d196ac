package testenv

import (
	"context"
	"sync/atomic"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/stokehq/stoke/internal/operator"
)

// StartManager runs a controller manager for one test: Stoke's scheme, a cache of the test's namespace
// only, no metrics or health servers. setup registers the reconcilers under test. The manager stops when
// stop is called or the test ends, and a manager error fails the test.
func (e *Env) StartManager(t testing.TB, ns string, setup func(ctrl.Manager) error) (stop func()) {
	t.Helper()
	skip := true
	mgr, err := ctrl.NewManager(e.Config, ctrl.Options{
		Scheme:                 operator.Scheme(),
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		t.Fatalf("creating manager: %v", err)
	}
	if err := setup(mgr); err != nil {
		t.Fatalf("setting up the reconcilers: %v", err)
	}
	return RunManager(t, mgr.Start)
}

// RunManager runs start (a manager's Start) until stop is called or the test ends; an error fails the test.
func RunManager(t testing.TB, start func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- start(ctx) }()
	var stopped atomic.Bool
	stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}
