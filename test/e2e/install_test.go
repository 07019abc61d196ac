//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func needChart(t *testing.T) {
	t.Helper()
	if h.Chart == nil {
		t.Skip("the operator is not installed with the chart (STOKE_E2E_OPERATOR=process)")
	}
}

// parkedApp is an application whose driver pod is created but can never be scheduled (a node selector no
// node matches): it exercises everything the operator does at submission without costing the node a JVM.
func parkedApp(ns, name string) *stokev1.SparkApplication {
	app := App(ns, name, h.Versions[0], sparkPi, "1")
	app.Spec.Driver.NodeSelector = map[string]string{"stoke.dev/e2e": "nowhere"}
	app.Spec.Timeouts.DriverStartSeconds = ptr.To[int32](3600)
	return app
}

// TestLeaderFailover runs two operator replicas and SIGKILLs the leader five times while applications are
// being submitted. Each time, the time from the kill to the new leader's first reconcile (a fresh
// application's first status) must be at most 15 s; at the end every application has exactly one driver
// pod: none lost, none duplicated by the handover.
func TestLeaderFailover(t *testing.T) {
	needChart(t)
	if err := h.Chart.Install("replicas=2"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := h.Chart.Install(); err != nil {
			t.Errorf("back to one replica: %v", err)
		}
	}()
	ns := Namespace(t)
	ctx := context.Background()

	// The burst: an application every 250 ms for the whole test.
	var mu sync.Mutex
	var submitted []string
	stop := make(chan struct{})
	burstDone := make(chan struct{})
	go func() {
		defer close(burstDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			name := fmt.Sprintf("burst-%03d", i)
			if err := h.Client.Create(ctx, parkedApp(ns, name)); err != nil {
				t.Errorf("submitting %s: %v", name, err)
				continue
			}
			mu.Lock()
			submitted = append(submitted, name)
			mu.Unlock()
		}
	}()

	const kills = 5
	var failovers []time.Duration
	for i := 0; i < kills; i++ {
		if err := h.Chart.Start(); err != nil { // both replicas Ready, a leader
			close(stop)
			t.Fatal(err)
		}
		killed, err := h.Chart.KillLeader()
		if err != nil {
			close(stop)
			t.Fatal(err)
		}
		killedAt := time.Now()
		probe := parkedApp(ns, fmt.Sprintf("probe-%d", i))
		probe.Spec.Suspend = true
		if err := h.Client.Create(ctx, probe); err != nil {
			close(stop)
			t.Fatal(err)
		}
		var took time.Duration
		for {
			app := get(t, ns, probe.Name)
			if app.Status.Phase != "" || len(app.Status.Conditions) > 0 {
				took = time.Since(killedAt)
				break
			}
			if time.Since(killedAt) > time.Minute {
				close(stop)
				t.Fatalf("kill %d: no reconcile within a minute of killing leader %s\n%s", i+1, killed, h.Chart.LogTail(20))
			}
			time.Sleep(100 * time.Millisecond)
		}
		leader, _ := h.Chart.Leader()
		t.Logf("kill %d: leader %s SIGKILLed; first reconcile after %.1f s (leader now %s)", i+1, killed, took.Seconds(), leader)
		failovers = append(failovers, took)
	}
	close(stop)
	<-burstDone
	h.report.AddFailovers(failovers)

	for i, took := range failovers {
		if took > 15*time.Second {
			t.Errorf("kill %d: failover took %.1f s, more than 15 s", i+1, took.Seconds())
		}
	}

	// Every application submitted during the kills gets its driver, once.
	mu.Lock()
	names := append([]string(nil), submitted...)
	mu.Unlock()
	var drivers map[string][]string
	eventually(t, 3*time.Minute, "every burst application having a driver pod", func() (bool, error) {
		drivers = map[string][]string{}
		for _, p := range pods(t, ns, map[string]string{"spark-role": "driver"}) {
			for _, ref := range p.OwnerReferences {
				if ref.Kind == "SparkApplication" {
					drivers[ref.Name] = append(drivers[ref.Name], p.Name)
				}
			}
		}
		for _, n := range names {
			if len(drivers[n]) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	duplicates := 0
	for _, n := range names {
		if len(drivers[n]) != 1 {
			duplicates++
			t.Errorf("%s has driver pods %v, want exactly one", n, drivers[n])
		}
	}
	sort.Slice(failovers, func(i, j int) bool { return failovers[i] < failovers[j] })
	t.Logf("%d applications submitted during %d leader kills: %d duplicate drivers, 0 lost; failover min %.1f s, max %.1f s",
		len(names), kills, duplicates, failovers[0].Seconds(), failovers[len(failovers)-1].Seconds())
}

// TestHelmUpgradeAppliesCRDChanges puts an older CRD in place (one schema field missing, as before a
// release that adds it), runs `helm upgrade` as a new version would (the pods roll), and expects the
// operator to have brought the CRD up to date: Helm itself never touches crds/ on upgrade.
func TestHelmUpgradeAppliesCRDChanges(t *testing.T) {
	needChart(t)
	ctx := context.Background()
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	path := []string{"spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "timeToLiveSeconds"}
	hasField := func() (bool, error) {
		if err := h.Client.Get(ctx, client.ObjectKey{Name: "sparkapplications.stoke.dev"}, crd); err != nil {
			return false, err
		}
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		_, found, _ := unstructured.NestedMap(versions[0].(map[string]any), path[3:]...)
		return found, nil
	}
	if ok, err := hasField(); err != nil || !ok {
		t.Fatalf("the installed CRD lacks %s before the test (%v)", strings.Join(path, "."), err)
	}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	unstructured.RemoveNestedField(versions[0].(map[string]any), path[3:]...)
	if err := unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions"); err != nil {
		t.Fatal(err)
	}
	if err := h.Client.Update(ctx, crd, client.FieldOwner("e2e-older-release")); err != nil {
		t.Fatalf("installing the older CRD: %v", err)
	}
	if ok, _ := hasField(); ok {
		t.Fatal("the older CRD still has the field")
	}

	if err := h.Chart.Install(fmt.Sprintf("podAnnotations.e2e-upgrade=v%d", time.Now().UnixNano())); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the upgraded operator restoring the CRD field", hasField)
}

// TestHelmUninstallLeavesOnlyCRDs: `helm uninstall` removes everything the release created (operator,
// RBAC, accounts, config, Service), while the CRDs and the applications stay, as docs/install.md says. The
// chart is installed again afterwards.
func TestHelmUninstallLeavesOnlyCRDs(t *testing.T) {
	needChart(t)
	ns := Namespace(t)
	app := parkedApp(ns, "survivor")
	app.Spec.Suspend = true
	create(t, app)
	before, err := releaseObjects()
	if err != nil || len(before) == 0 {
		t.Fatalf("release objects before uninstall: %v %v", before, err)
	}
	if _, err := h.Chart.helm("uninstall", release, "--namespace", operatorNS, "--wait", "--timeout", "120s"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := h.Chart.Install(); err != nil {
			t.Errorf("reinstalling the chart: %v", err)
		}
	}()
	var left []string
	eventually(t, time.Minute, "the release's objects being deleted", func() (bool, error) {
		left, err = releaseObjects()
		return len(left) == 0, err
	})
	t.Logf("uninstall removed %d objects: %s", len(before), strings.Join(before, ", "))
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	if err := h.Client.Get(context.Background(), client.ObjectKey{Name: "sparkapplications.stoke.dev"}, crd); err != nil {
		t.Errorf("the CRD is gone after uninstall: %v", err)
	}
	get(t, ns, "survivor")
	var podsLeft corev1.PodList
	if err := h.Client.List(context.Background(), &podsLeft, client.InNamespace(operatorNS)); err != nil || len(podsLeft.Items) != 0 {
		t.Errorf("pods left in %s: %d (%v)", operatorNS, len(podsLeft.Items), err)
	}
}

// bareNamespace creates a namespace without the driver's account (the chart is to create it), deleted when
// the test ends.
func bareNamespace(t *testing.T, suffix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "e2e-" + suffix + "-" + rand.String(4)}}
	if err := h.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Client.Delete(context.Background(), ns) })
	return ns.Name
}

// TestNamespacedInstall installs the chart in namespaced mode (watchNamespaces): the operator, with Roles in
// those namespaces only, reconciles applications there and ignores one elsewhere; the drivers' account is
// created in the watched namespaces.
func TestNamespacedInstall(t *testing.T) {
	needChart(t)
	a, b, other := bareNamespace(t, "watched-a"), bareNamespace(t, "watched-b"), Namespace(t)
	if err := h.Chart.Install(fmt.Sprintf("watchNamespaces={%s,%s}", a, b)); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := h.Chart.Install(); err != nil {
			t.Errorf("back to cluster-wide mode: %v", err)
		}
	}()
	for _, ns := range []string{a, b, other} {
		app := parkedApp(ns, "parked")
		app.Spec.Suspend = true
		create(t, app)
	}
	for _, ns := range []string{a, b} {
		eventually(t, time.Minute, "the application in watched namespace "+ns+" being reconciled", func() (bool, error) {
			return get(t, ns, "parked").Status.Phase != "", nil
		})
	}
	for _, ns := range []string{a, b} {
		var sa corev1.ServiceAccount
		if err := h.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "spark"}, &sa); err != nil {
			t.Errorf("the drivers' service account in %s: %v", ns, err)
		}
	}
	time.Sleep(5 * time.Second)
	if got := get(t, other, "parked"); got.Status.Phase != "" {
		t.Errorf("the application outside watchNamespaces was reconciled: phase %s", got.Status.Phase)
	}
	if logs := h.Chart.LogTail(200); strings.Contains(logs, "forbidden") {
		t.Errorf("the namespaced operator hit a forbidden request:\n%s", logs)
	}
}
