package options

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// TestRetryLimiterAfterAnOutage: 1,000 applications whose reconciles all failed again and again while the
// API server was down are each tried again within MaxRetryDelay, whatever the others did. (With
// controller-runtime's default limiter, its shared 10-per-second bucket made the last of them wait more
// than 100 s: the chaos suite's apiserver-restart scenario.)
func TestRetryLimiterAfterAnOutage(t *testing.T) {
	limiter := RetryLimiter()
	var worst time.Duration
	for failure := 0; failure < 15; failure++ {
		for i := 0; i < 1000; i++ {
			req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: fmt.Sprintf("app-%d", i)}}
			worst = max(worst, limiter.When(req))
		}
	}
	if worst > MaxRetryDelay {
		t.Errorf("a retry waits %s, more than MaxRetryDelay (%s)", worst, MaxRetryDelay)
	}
	first := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: "fresh"}}
	if d := limiter.When(first); d > 10*time.Millisecond {
		t.Errorf("the first retry of an object that had not failed waits %s: the others' failures delayed it", d)
	}
	limiter.Forget(first)
}
