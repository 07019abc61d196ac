package sparkapplication_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/spark"
)

// kueueObject creates a Kueue object (kueue.x-k8s.io/v1beta2) for the test, deleted when it ends.
func kueueObject(t *testing.T, kind, namespace, name string, spec map[string]any) {
	t.Helper()
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	obj.SetGroupVersionKind(schema.GroupVersionKind{Group: "kueue.x-k8s.io", Version: "v1beta2", Kind: kind})
	obj.SetNamespace(namespace)
	obj.SetName(name)
	create(t, obj)
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}

func kueueApp(ns, name, localQueue string) *stokev1.SparkApplication {
	app := newApp(ns, name)
	app.Labels = map[string]string{admission.LabelKueueQueue: localQueue}
	return app
}

// workloadOf reads the application's Workload.
func workloadOf(t *testing.T, app *stokev1.SparkApplication) *unstructured.Unstructured {
	t.Helper()
	wl := &unstructured.Unstructured{}
	wl.SetGroupVersionKind(admission.WorkloadGVK)
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: app.Namespace, Name: admission.WorkloadName(app)}, wl); err != nil {
		t.Fatalf("reading %s's Workload: %v", app.Name, err)
	}
	return wl
}

// TestKueueAdmitsAndEvicts runs the real Kueue (built from the Go module proxy) against the API server: a
// ClusterQueue with room for one application's footprint (3 cores: a driver and two executors). The first
// application's Workload, with a driver and an executor pod set, is admitted and its driver created; the
// second waits as Queued (WaitingForKueue, with Kueue's reason) with no driver, and is admitted when the
// first finishes (its Workload is deleted, which frees the quota). Deactivating the running application's
// Workload makes Kueue evict it: the attempt is stopped (Preempted, no failure counted), the reservation
// is given back, and the application waits until the Workload is active again, then runs a new attempt.
func TestKueueAdmitsAndEvicts(t *testing.T) {
	env.StartKueue(t)
	ns := env.Namespace(t)
	kueueObject(t, "ResourceFlavor", "", ns+"-flavor", map[string]any{
		"nodeLabels":  map[string]any{"stoke.dev/pool": "spark"},
		"tolerations": []any{map[string]any{"key": "spark-only", "operator": "Exists", "effect": "NoSchedule"}},
	})
	kueueObject(t, "ClusterQueue", "", ns+"-cq", map[string]any{
		"namespaceSelector": map[string]any{},
		"resourceGroups": []any{map[string]any{
			"coveredResources": []any{"cpu", "memory"},
			"flavors": []any{map[string]any{"name": ns + "-flavor", "resources": []any{
				map[string]any{"name": "cpu", "nominalQuota": "3"},
				map[string]any{"name": "memory", "nominalQuota": "8Gi"},
			}}},
		}},
	})
	kueueObject(t, "LocalQueue", ns, "team", map[string]any{"clusterQueue": ns + "-cq"})
	startOperator(t, ns)

	first := kueueApp(ns, "first", "team")
	create(t, first)
	driver := waitAttempt(t, ns, "first", 1)
	first = getApp(t, ns, "first")
	wl := workloadOf(t, first)
	sets, _, _ := unstructured.NestedSlice(wl.Object, "spec", "podSets")
	if len(sets) != 2 || sets[0].(map[string]any)["name"] != admission.PodSetDriver || sets[1].(map[string]any)["count"] != int64(2) {
		t.Errorf("first's Workload pod sets %v, want the driver and 2 executors", sets)
	}
	if ref := metav1.GetControllerOf(wl); ref == nil || ref.UID != first.UID {
		t.Errorf("first's Workload is controlled by %v, want the application", ref)
	}
	if c := condition(first, stokev1.ConditionQueued); c == nil || c.Reason != sparkapplication.ReasonAdmitted || !strings.Contains(c.Message, ns+"-cq") {
		t.Errorf("first's Queued condition %+v, want admitted by the ClusterQueue", c)
	}
	// The assigned flavor's node labels and tolerations are on the driver and in the executors' properties.
	tolerated := slices.ContainsFunc(driver.Spec.Tolerations, func(t corev1.Toleration) bool { return t.Key == "spark-only" })
	if driver.Spec.NodeSelector["stoke.dev/pool"] != "spark" || !tolerated {
		t.Errorf("first's driver node selector %v, tolerations %v: want the flavor's", driver.Spec.NodeSelector, driver.Spec.Tolerations)
	}
	conf := &corev1.ConfigMap{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: spark.NamesFor(first.Name, first.UID, 1).ConfigMap}, conf); err != nil {
		t.Fatal(err)
	}
	if props := conf.Data[spark.PropertiesFileKey]; !strings.Contains(props, "spark.kubernetes.executor.node.selector.stoke.dev/pool=spark") ||
		!strings.Contains(conf.Data[spark.PodTemplateKey], "spark-only") {
		t.Errorf("the executors do not get the flavor's node label and toleration:\n%s\n%s", props, conf.Data[spark.PodTemplateKey])
	}

	create(t, kueueApp(ns, "second", "team"))
	second := waitQueued(t, ns, "second", sparkapplication.ReasonWaitingForKueue)
	noDriverFor(t, ns, "second")
	eventually(t, 30*time.Second, "second's message to quote Kueue", func() (bool, error) {
		second = getApp(t, ns, "second")
		return strings.Contains(condition(second, stokev1.ConditionQueued).Message, "Pending: couldn't assign flavors"), nil
	})

	exited(t, driver, 0)
	waitPhase(t, ns, "first", stokev1.PhaseSucceeded)
	eventually(t, 30*time.Second, "first's Workload deleted", func() (bool, error) {
		wl := &unstructured.Unstructured{}
		wl.SetGroupVersionKind(admission.WorkloadGVK)
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: admission.WorkloadName(first)}, wl)
		return err != nil, client.IgnoreNotFound(err)
	})
	secondDriver := waitAttempt(t, ns, "second", 1)
	bindAndRun(t, secondDriver)

	// Deactivating the Workload evicts it.
	wl = workloadOf(t, second)
	if err := unstructured.SetNestedField(wl.Object, false, "spec", "active"); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Update(context.Background(), wl); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "second's attempt stopped by the eviction", func() (bool, error) {
		second = getApp(t, ns, "second")
		cur := second.Status.CurrentAttempt
		return cur != nil && cur.Number == 1 && cur.Outcome == stokev1.OutcomePreempted, nil
	})
	if cur := second.Status.CurrentAttempt; cur.Reason != sparkapplication.ReasonEvictedByKueue || !strings.Contains(cur.Message, "Kueue evicted Workload") {
		t.Errorf("second's attempt ended %s: %s; want EvictedByKueue", cur.Reason, cur.Message)
	}
	if f := second.Status.Failures; f.Application+f.Infrastructure != 0 {
		t.Errorf("second's failures %+v: an eviction is no failure", f)
	}
	pod := &corev1.Pod{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(secondDriver), pod); err == nil && pod.DeletionTimestamp == nil {
		t.Errorf("second's driver pod is not being deleted after the eviction")
	}
	second = waitQueued(t, ns, "second", sparkapplication.ReasonWaitingForKueue)
	eventually(t, 30*time.Second, "the evicted Workload's reservation given back", func() (bool, error) {
		wl := workloadOf(t, second)
		conds, _, _ := unstructured.NestedSlice(wl.Object, "status", "conditions")
		for _, c := range conds {
			if m := c.(map[string]any); m["type"] == "QuotaReserved" {
				return m["status"] == "False", nil
			}
		}
		return false, nil
	})
	if msg := condition(getApp(t, ns, "second"), stokev1.ConditionQueued).Message; !strings.Contains(msg, "inactive") && !strings.Contains(msg, "evicted") {
		t.Errorf("second's Queued message %q, want the eviction or the inactive Workload", msg)
	}
	time.Sleep(time.Second)
	noDriverFor(t, ns, "second") // the old driver is gone; no new attempt while the Workload is inactive
	if n := getApp(t, ns, "second").Status.CurrentAttempt.Number; n != 1 {
		t.Fatalf("second started attempt %d while its Workload is inactive", n)
	}

	wl = workloadOf(t, second)
	if err := unstructured.SetNestedField(wl.Object, true, "spec", "active"); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Update(context.Background(), wl); err != nil {
		t.Fatal(err)
	}
	waitAttempt(t, ns, "second", 2)
	if c := condition(getApp(t, ns, "second"), stokev1.ConditionQueued); c == nil || c.Reason != sparkapplication.ReasonAdmitted {
		t.Errorf("second's Queued condition %+v after reactivation, want admitted", c)
	}
}
