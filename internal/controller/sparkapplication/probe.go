package sparkapplication

import (
	"context"
	"fmt"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// probeTTL is how long an executor pod that passed a dry run in a namespace is taken to pass again.
// Admission can change meanwhile (a service account deleted, a namespace relabelled): then the executors
// fail as they would have without the probe, and the next attempt's probe sees it.
const probeTTL = time.Minute

// maxProbes bounds the remembered passes; past it they are all forgotten at once.
const maxProbes = 4096

// executorProbes remembers executor pods that passed a dry run, by namespace and shape: applications built
// from the same spec (a burst, a schedule's runs, a workflow's fan-out) share one dry run a minute.
type executorProbes struct {
	mu     sync.Mutex
	passed map[string]time.Time
}

// probeExecutor creates the attempt's first executor pod as a server-side dry run, so that a setting the API
// server or its admission (Pod Security, LimitRange, service accounts) would refuse for every executor stops
// the attempt before its driver exists.
func (r *Reconciler) probeExecutor(ctx context.Context, app *stokev1.SparkApplication, objs *spark.Objects, now time.Time) error {
	pod, err := spark.ExecutorPod(app, objs)
	if err != nil {
		return err
	}
	key, err := spark.ExecutorPodShape(pod, objs.Names)
	if err != nil {
		return err
	}
	key = app.Namespace + "/" + key
	r.probes.mu.Lock()
	passedAt, ok := r.probes.passed[key]
	r.probes.mu.Unlock()
	if ok && now.Sub(passedAt) < probeTTL {
		return nil
	}
	// Create writes the API server's answer into the object: the dry run gets its own copy.
	if err := r.Client.Create(ctx, pod.DeepCopy(), client.DryRunAll); err != nil {
		return fmt.Errorf("executor pods would be refused (dry run of %s): %w", pod.Name, err)
	}
	r.probes.mu.Lock()
	defer r.probes.mu.Unlock()
	if r.probes.passed == nil || len(r.probes.passed) >= maxProbes {
		r.probes.passed = map[string]time.Time{}
	}
	r.probes.passed[key] = now
	return nil
}
