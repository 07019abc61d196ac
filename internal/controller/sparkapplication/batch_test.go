package sparkapplication_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestVolcanoPodGroupAgainstVolcanosSchema: an application for Volcano waits, with a condition saying so
// and no driver, while the API server serves no PodGroup kind; once Volcano's CRDs (generated from the
// types Volcano publishes) are installed, the attempt creates its driver and then its PodGroup, owned by
// the driver, accepted by Volcano's schema without a pruned or unknown field, with the starting footprint
// as minResources; driver and executors name the group and Volcano's scheduler; the PodGroup is deleted
// when the attempt ends. A YuniKorn application's driver carries its task groups on the real API server.
func TestVolcanoPodGroupAgainstVolcanosSchema(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	ctx := context.Background()

	app := newApp(ns, "gang")
	app.Spec.BatchScheduler = &stokev1.BatchScheduler{Volcano: &stokev1.VolcanoScheduling{Queue: "team-a", PriorityClassName: "batch"}}
	create(t, app)
	waitingFor(t, ns, "gang", sparkapplication.ReasonWaitingForBatchScheduler, "install Volcano", "scheduling.volcano.sh/v1beta1 PodGroup")
	if pods := podsWithRole(t, ns, spark.RoleDriver); len(pods) != 0 {
		t.Fatalf("a driver was created without Volcano: %s", pods[0].Name)
	}

	env.InstallCRDs(t, testenv.VolcanoCRDs(t))
	driver := waitAttempt(t, ns, "gang", 1)
	app = getApp(t, ns, "gang")
	names := spark.NamesFor(app.Name, app.UID, 1)
	pg := &unstructured.Unstructured{}
	pg.SetGroupVersionKind(spark.PodGroupGVK)
	eventually(t, 10*time.Second, "the PodGroup", func() (bool, error) {
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: spark.PodGroupName(names)}, pg)
		return err == nil, client.IgnoreNotFound(err)
	})
	if ref := metav1.GetControllerOf(pg); ref == nil || ref.UID != driver.UID {
		t.Errorf("PodGroup owner %+v, want the driver pod %s", ref, driver.Name)
	}
	// Three pods of 1 core and 1 GiB + 384 MiB overhead each.
	want := map[string]any{"minMember": int64(1), "queue": "team-a", "priorityClassName": "batch",
		"minResources": map[string]any{"cpu": "3", "memory": "4224Mi"}}
	if diff := cmp.Diff(want, pg.Object["spec"]); diff != "" {
		t.Errorf("PodGroup spec as stored (-want +got):\n%s", diff)
	}
	// What the builder renders passes Volcano's schema with strict field validation (no field it does not
	// know), here as a dry run under another name.
	objs, err := spark.Build(app, 1)
	if err != nil {
		t.Fatal(err)
	}
	probe := objs.PodGroup.DeepCopy()
	probe.SetName("strict-probe")
	if err := env.Client.Create(ctx, probe, client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
		t.Errorf("Volcano's schema refuses the PodGroup: %v", err)
	}
	if driver.Spec.SchedulerName != "volcano" || driver.Annotations[spark.VolcanoGroupAnnotation] != pg.GetName() {
		t.Errorf("driver schedulerName %q, group %q", driver.Spec.SchedulerName, driver.Annotations[spark.VolcanoGroupAnnotation])
	}
	props := driverProperties(t, ns, "gang")
	for k, v := range map[string]string{
		"spark.kubernetes.executor.scheduler.name":                             "volcano",
		"spark.kubernetes.executor.annotation." + spark.VolcanoGroupAnnotation: "{{APP_ID}}-podgroup", // Spark substitutes it
	} {
		if props[k] != v {
			t.Errorf("spark.properties %s = %q, want %q (the executors' scheduler and group)", k, props[k], v)
		}
	}

	running(t, driver)
	exited(t, driver, 0)
	waitPhase(t, ns, "gang", stokev1.PhaseSucceeded)
	eventually(t, 10*time.Second, "the PodGroup deleted with the attempt's end", func() (bool, error) {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(pg), pg.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})

	yk := newApp(ns, "yunikorn")
	yk.Spec.BatchScheduler = &stokev1.BatchScheduler{YuniKorn: &stokev1.YuniKornScheduling{Queue: "root.sandbox", GangSchedulingStyle: "Hard"}}
	create(t, yk)
	driver = waitAttempt(t, ns, "yunikorn", 1)
	var groups []struct {
		Name      string `json:"name"`
		MinMember int32  `json:"minMember"`
	}
	if err := json.Unmarshal([]byte(driver.Annotations[spark.YuniKornTaskGroupsAnnotation]), &groups); err != nil {
		t.Fatalf("task groups on the stored driver: %v", err)
	}
	if len(groups) != 2 || groups[0].Name != "spark-driver" || groups[1].Name != "spark-executor" || groups[1].MinMember != 2 {
		t.Errorf("task groups %+v", groups)
	}
	if driver.Spec.SchedulerName != "yunikorn" || driver.Labels["queue"] != "root.sandbox" ||
		!strings.Contains(driver.Annotations[spark.YuniKornPolicyAnnotation], "gangSchedulingStyle=Hard") {
		t.Errorf("driver scheduler %q, labels %v, annotations %v", driver.Spec.SchedulerName, driver.Labels, driver.Annotations)
	}
	if pods := podsWithRole(t, ns, spark.RoleDriver); len(pods) != 2 {
		t.Errorf("%d driver pods, want 2", len(pods))
	}
}
