// Package options is what the schedule and workflow reconcilers are tuned with: workers, the clock (injected
// by tests) and the namespaces they serve; and how every Stoke controller paces the retries of failed
// reconciles.
package options

import (
	"context"
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// MaxRetryDelay is the longest a reconcile that failed waits before it is tried again.
const MaxRetryDelay = 10 * time.Second

// RetryLimiter paces the retries of reconciles that failed (with a transient error: the API server
// unreachable or overloaded; every other cause becomes a status condition, not a retry): per object, 5 ms
// doubling up to MaxRetryDelay. It replaces controller-runtime's default, which also passes every retry of
// every object through one token bucket of 10 per second: when the API server was unreachable for 20 s
// with 1,000 applications in flight, their failures had queued more than 100 s of that bucket's tokens, so
// most applications stood still for a minute and a half after the API server came back (found by the
// chaos suite, docs/reliability.md). The operator's client rate limit (clientQPS) still bounds the
// requests the retries make.
func RetryLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, MaxRetryDelay)
}

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
