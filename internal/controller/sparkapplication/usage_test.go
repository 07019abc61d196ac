package sparkapplication_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// setPodTimeline writes a pod's status as a kubelet would: started at start, its one container running or,
// when end is set, terminated then.
func setPodTimeline(t *testing.T, pod *corev1.Pod, container string, start time.Time, end *time.Time) {
	t.Helper()
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(pod), pod); err != nil {
		t.Fatalf("reading pod: %v", err)
	}
	pod.Status.StartTime = &metav1.Time{Time: start}
	pod.Status.Phase = corev1.PodRunning
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Time{Time: start}}}
	if end != nil {
		pod.Status.Phase = corev1.PodSucceeded
		state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
			StartedAt: metav1.Time{Time: start}, FinishedAt: metav1.Time{Time: *end}}}
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: container, State: state, Image: pod.Spec.Containers[0].Image}}
	if err := env.Client.Status().Update(context.Background(), pod); err != nil {
		t.Fatalf("updating pod status: %v", err)
	}
}

// TestUsageCountsEveryPodOfTheAttempt follows an attempt whose executors come and go (one ends and is
// deleted, one is deleted while it runs, as dynamic allocation does) and expects the attempt's core- and
// memory-seconds from the pods' requests and lifetimes, the same total on the application, and the
// per-namespace counters Prometheus sums.
func TestUsageCountsEveryPodOfTheAttempt(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	create(t, newApp(ns, "cost"))
	driver := waitAttempt(t, ns, "cost", 1)
	base := time.Now().Add(-100 * time.Second).Truncate(time.Second)
	setPodTimeline(t, driver, spark.DriverContainerName, base, nil)

	executor := func(id int) *corev1.Pod {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: ns, Name: fmt.Sprintf("%s-exec-%d", driver.Labels[spark.LabelAppSelector], id),
				Labels: map[string]string{spark.LabelAppSelector: driver.Labels[spark.LabelAppSelector], spark.LabelRole: spark.RoleExecutor,
					spark.LabelManagedBy: spark.ManagedByStoke},
				Annotations: map[string]string{spark.AnnotationApplication: "cost"},
			},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: spark.ExecutorContainerName, Image: "spark:3.5.7",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("2Gi")}}}}},
		}
		create(t, pod)
		return pod
	}
	ledgerHas := func(name string) {
		eventually(t, 20*time.Second, "the ledger listing "+name, func() (bool, error) {
			cur := getApp(t, ns, "cost").Status.CurrentAttempt
			for _, e := range cur.UsageLedger {
				if e.Name == name {
					return true, nil
				}
			}
			return false, nil
		})
	}

	// Executor 1 runs 30 s and ends; Spark deletes it.
	e1 := executor(1)
	setPodTimeline(t, e1, spark.ExecutorContainerName, base.Add(10*time.Second), nil)
	ledgerHas(e1.Name)
	end1 := base.Add(40 * time.Second)
	setPodTimeline(t, e1, spark.ExecutorContainerName, base.Add(10*time.Second), &end1)
	eventually(t, 20*time.Second, "executor 1 counted", func() (bool, error) {
		u := getApp(t, ns, "cost").Status.CurrentAttempt.Usage
		return u != nil && u.Executors == 1, nil
	})
	if err := env.Client.Delete(context.Background(), e1); err != nil {
		t.Fatal(err)
	}
	// Executor 2 started 50 s after the driver and is deleted while it runs: counted until the operator
	// sees it gone.
	e2 := executor(2)
	setPodTimeline(t, e2, spark.ExecutorContainerName, base.Add(50*time.Second), nil)
	ledgerHas(e2.Name)
	if err := env.Client.Delete(context.Background(), e2); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	eventually(t, 20*time.Second, "executor 2 counted", func() (bool, error) {
		u := getApp(t, ns, "cost").Status.CurrentAttempt.Usage
		return u != nil && u.Executors == 2, nil
	})

	driverEnd := base.Add(100 * time.Second)
	setPodTimeline(t, driver, spark.DriverContainerName, base, &driverEnd)
	app := waitPhase(t, ns, "cost", stokev1.PhaseSucceeded)
	cur := app.Status.CurrentAttempt
	if cur.Usage == nil || app.Status.Usage == nil || *cur.Usage != *app.Status.Usage {
		t.Fatalf("attempt usage %+v, total %+v: want the same figures", cur.Usage, app.Status.Usage)
	}
	if len(cur.UsageLedger) != 0 {
		t.Errorf("the ended attempt still lists %d pods in its ledger", len(cur.UsageLedger))
	}
	u := *cur.Usage
	// The driver requests 1 core and 1 GiB + 384 MiB overhead (spark-submit's defaults) for 100 s.
	if u.DriverCoreSeconds != 100 || u.DriverMemoryGiBSeconds != 138 {
		t.Errorf("driver usage %d core-s, %d GiB-s; want 100 and 138 (1.375 GiB × 100 s)", u.DriverCoreSeconds, u.DriverMemoryGiBSeconds)
	}
	// Executor 1: 30 s; executor 2: from base+50 s to when its deletion was seen (a few seconds after
	// `deleted`); 2 cores and 2 GiB each.
	e2Seconds := deleted.Sub(base.Add(50 * time.Second)).Seconds()
	low, high := int64(2*(30+e2Seconds)), int64(2*(30+e2Seconds+10))
	if u.Executors != 2 || u.ExecutorCoreSeconds < low || u.ExecutorCoreSeconds > high || u.ExecutorMemoryGiBSeconds != u.ExecutorCoreSeconds {
		t.Errorf("executor usage %+v: want 2 executors and between %d and %d core-s and as many GiB-s", u, low, high)
	}
	// The counters are added once the reconciler's status write has returned, a moment after the test can
	// read that status.
	counters := func() string {
		var wrong []string
		for role, want := range map[string]int64{"driver": u.DriverCoreSeconds, "executor": u.ExecutorCoreSeconds} {
			if got := metricValue(t, "stoke_pod_core_seconds_total", map[string]string{"namespace": ns, "role": role}); got != float64(want) {
				wrong = append(wrong, fmt.Sprintf("stoke_pod_core_seconds_total{role=%q} = %v, want %d", role, got, want))
			}
		}
		if got := metricValue(t, "stoke_pod_memory_gib_seconds_total", map[string]string{"namespace": ns, "role": "driver"}); got != float64(u.DriverMemoryGiBSeconds) {
			wrong = append(wrong, fmt.Sprintf("stoke_pod_memory_gib_seconds_total{role=driver} = %v, want %d", got, u.DriverMemoryGiBSeconds))
		}
		return strings.Join(wrong, "; ")
	}
	deadline := time.Now().Add(5 * time.Second)
	for counters() != "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if wrong := counters(); wrong != "" {
		t.Error(wrong)
	}
}
