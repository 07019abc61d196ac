//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// newestVersion is the Spark version the queue tests run on: admission happens before any Spark process,
// so one version shows it.
func newestVersion() string { return h.Versions[len(h.Versions)-1] }

// waitQueuedWhile checks that the application is Queued with the reason, with no driver pod, for as long as
// the other application runs, and returns once the other has succeeded.
func waitQueuedWhile(t *testing.T, ns, queued, reason, running string) {
	t.Helper()
	eventually(t, time.Minute, queued+" queued with "+reason, func() (bool, error) {
		app := get(t, ns, queued)
		c := meta.FindStatusCondition(app.Status.Conditions, stokev1.ConditionQueued)
		return app.Status.Phase == stokev1.PhaseQueued && c != nil && c.Reason == reason, nil
	})
	eventually(t, jobTimeout, queued+" waiting while "+running+" runs to success", func() (bool, error) {
		app := get(t, ns, queued)
		c := meta.FindStatusCondition(app.Status.Conditions, stokev1.ConditionQueued)
		other := get(t, ns, running)
		if other.Status.Phase == stokev1.PhaseSucceeded {
			return true, nil
		}
		if other.Status.Phase == stokev1.PhaseFailed {
			t.Fatalf("%s failed: %+v", running, other.Status.Conditions)
		}
		if app.Status.Phase != stokev1.PhaseQueued || c == nil || c.Reason != reason {
			t.Fatalf("%s is %s (Queued condition %+v) while %s is %s: want Queued, %s", queued, app.Status.Phase, c, running, other.Status.Phase, reason)
		}
		for _, p := range pods(t, ns, map[string]string{"spark-role": "driver"}) {
			if p.Annotations["stoke.dev/application"] == queued {
				t.Fatalf("%s has a driver pod %s while it is Queued", queued, p.Name)
			}
		}
		return false, nil
	})
}

// TestQueueRunsRealJobsOneAfterTheOther: with a SparkQueue that holds one application, a second real Spark
// job waits as Queued (nothing of it created) while the first runs, then runs and succeeds.
func TestQueueRunsRealJobsOneAfterTheOther(t *testing.T) {
	t.Parallel()
	sparkSlot(t)
	ns := Namespace(t)
	ctx := context.Background()
	q := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: ns}, Spec: stokev1.SparkQueueSpec{
		Quota: stokev1.QueueQuota{Applications: ptr.To[int32](1)},
		// Only this test's namespace may use it.
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}}
	if err := h.Client.Create(ctx, q); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Client.Delete(context.Background(), q) })
	version := newestVersion()
	first, second := App(ns, "first", version, sparkPi, "4"), App(ns, "second", version, sparkPi, "4")
	first.Spec.Queue, second.Spec.Queue = q.Name, q.Name
	create(t, first)
	waitPhase(t, ns, "first", 3*time.Minute, stokev1.PhaseRunning)
	create(t, second)
	waitQueuedWhile(t, ns, "second", "WaitingForCapacity", "first")
	if got := waitPhase(t, ns, "second", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed); got.Status.Phase != stokev1.PhaseSucceeded {
		t.Fatalf("second: %s", got.Status.Phase)
	}
	if out, _, err := stoke(t, "describe", "queue", q.Name); err != nil {
		t.Errorf("stoke describe queue: %v\n%s", err, out)
	}
}

// TestNamespaceResourceQuotaRunsRealJobsOneAfterTheOther: a ResourceQuota with room for one job's three
// pods makes the second wait as Queued instead of failing (or starting a driver whose executors never fit),
// and it runs once the first job's pods have ended.
func TestNamespaceResourceQuotaRunsRealJobsOneAfterTheOther(t *testing.T) {
	t.Parallel()
	sparkSlot(t)
	ns := Namespace(t)
	rq := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "spark"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("3")}}}
	if err := h.Client.Create(context.Background(), rq); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the quota controller computing the quota's usage", func() (bool, error) {
		err := h.Client.Get(context.Background(), client.ObjectKeyFromObject(rq), rq)
		return err == nil && rq.Status.Hard != nil, err
	})
	version := newestVersion()
	create(t, App(ns, "first", version, sparkPi, "4"))
	// Once the first driver is counted in the quota's usage, the second's three pods cannot fit.
	waitPhase(t, ns, "first", 3*time.Minute, stokev1.PhaseRunning)
	create(t, App(ns, "second", version, sparkPi, "4"))
	waitQueuedWhile(t, ns, "second", "WaitingForNamespaceQuota", "first")
	if got := waitPhase(t, ns, "second", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed); got.Status.Phase != stokev1.PhaseSucceeded {
		t.Fatalf("second: %s", got.Status.Phase)
	}
}
