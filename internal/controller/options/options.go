// Package options is what the schedule and workflow reconcilers are tuned with: workers, the clock (injected
// by tests) and the namespaces they serve.
package options

import (
	"context"

	"k8s.io/utils/clock"
)

// Options tune a reconciler. Zero values take the defaults.
type Options struct {
	// MaxConcurrentReconciles is the number of workers (default 4).
	MaxConcurrentReconciles int
	// Clock is injected for tests (default the real clock).
	Clock clock.PassiveClock
	// NamespaceAllowed, when set, limits the reconciler to the namespaces it accepts.
	NamespaceAllowed func(ctx context.Context, namespace string) (bool, error)
}

// WithDefaults fills in the defaults of unset options.
func (o Options) WithDefaults() Options {
	if o.MaxConcurrentReconciles == 0 {
		o.MaxConcurrentReconciles = 4
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	return o
}
