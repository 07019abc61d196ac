package operator

import (
	"encoding/json"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/usage"
)

func TestPodForCache(t *testing.T) {
	started := metav1.Now()
	terminated := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", FinishedAt: started}}
	meta := metav1.ObjectMeta{Name: "d", Namespace: "ns", Labels: map[string]string{"spark-role": "driver"},
		Annotations: map[string]string{spark.AnnotationSpecHash: "abc"}}
	full := &corev1.Pod{
		ObjectMeta: *meta.DeepCopy(),
		Spec: corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "spark-kubernetes-driver", Image: "spark:3.5.7",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1408Mi")}}}}},
		Status: corev1.PodStatus{
			Phase: corev1.PodSucceeded, Reason: "r", Message: "m", StartTime: &started,
			HostIP: "10.0.0.1", PodIP: "10.0.0.2", PodIPs: []corev1.PodIP{{IP: "10.0.0.2"}}, QOSClass: corev1.PodQOSBurstable,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "PodCompleted"}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "spark-kubernetes-driver", Ready: false, RestartCount: 1, State: terminated,
				LastTerminationState: terminated, Image: "spark:3.5.7", ImageID: "sha256:x", ContainerID: "containerd://y",
				AllocatedResources: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			}},
		},
	}
	full.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}
	// Labels and annotations no reconciler reads are not kept.
	full.Labels["spark-version"], full.Labels["team"] = "3.5.7", "a"
	full.Annotations["prometheus.io/scrape"] = "true"
	wantMeta := meta.DeepCopy()
	wantMeta.Annotations[usage.CachedRequestsAnnotation] = "1000,1408" // the requests outlive the spec
	want := &corev1.Pod{
		ObjectMeta: *wantMeta,
		Status: corev1.PodStatus{
			Phase: corev1.PodSucceeded, Reason: "r", Message: "m", StartTime: &started,
			// An ended pod keeps only the DisruptionTarget condition (none here).
			ContainerStatuses: []corev1.ContainerStatus{{Name: "spark-kubernetes-driver", RestartCount: 1, State: terminated}},
		},
	}
	got, err := podForCache(full)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("podForCache =\n%+v\nwant\n%+v", got, want)
	}
	if again, _ := podForCache(got.(*corev1.Pod).DeepCopy()); !reflect.DeepEqual(again, want) {
		t.Errorf("a pod stripped twice lost its requests: %+v", again)
	}

	evicted := full.DeepCopy()
	evicted.Status.Phase = corev1.PodFailed
	evicted.Status.Conditions = append(evicted.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI"})
	got, _ = podForCache(evicted)
	if c := got.(*corev1.Pod).Status.Conditions; len(c) != 1 || c[0].Type != corev1.DisruptionTarget {
		t.Errorf("an evicted pod's conditions = %+v, want only DisruptionTarget", c)
	}

	running := &corev1.Pod{ObjectMeta: *meta.DeepCopy(), Status: corev1.PodStatus{Phase: corev1.PodRunning,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}}}
	got, _ = podForCache(running.DeepCopy())
	if !reflect.DeepEqual(got, running) {
		t.Errorf("a running pod's conditions changed: %+v", got)
	}

	pending := &corev1.Pod{ObjectMeta: *meta.DeepCopy(), Status: corev1.PodStatus{Phase: corev1.PodPending}}
	got, _ = podForCache(pending.DeepCopy())
	if !reflect.DeepEqual(got, pending) {
		t.Errorf("a pod without container statuses changed: %+v", got)
	}
	tombstone := "not a pod"
	if got, _ := podForCache(tombstone); got != tombstone {
		t.Errorf("a tombstone was changed: %v", got)
	}
}

func TestApplicationForCacheKeepsEverythingButManagedFields(t *testing.T) {
	main, file := "org.apache.spark.examples.SparkPi", "local:///opt/spark/examples/jars/spark-examples.jar"
	decode := func(name string) *stokev1.SparkApplication {
		// Each object decoded on its own, as the informer does: no string is shared to begin with.
		src := &stokev1.SparkApplication{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name, Labels: map[string]string{"team": "a"},
				ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
			Spec: stokev1.SparkApplicationSpec{Type: stokev1.ApplicationTypeScala, Image: "spark:3.5.7", MainClass: &main,
				MainApplicationFile: &file, Arguments: []string{"1000"}, SparkConf: map[string]string{"spark.eventLog.enabled": "true"}},
			Status: stokev1.SparkApplicationStatus{Phase: stokev1.PhaseSucceeded, Conditions: []metav1.Condition{
				{Type: stokev1.ConditionSucceeded, Status: metav1.ConditionTrue, Reason: "DriverSucceeded", Message: "attempt 1 completed"}},
				CurrentAttempt: &stokev1.Attempt{Number: 1, DriverPodName: name + "-1-driver", SpecHash: "9baf87118af7c2b4",
					Outcome: stokev1.OutcomeSucceeded, Reason: "Completed", Message: "the driver exited with code 0"},
				PastAttempts: []stokev1.Attempt{{Number: 0, Outcome: stokev1.OutcomePreempted, Message: "stopped for queue b"}}},
		}
		data, err := json.Marshal(src)
		if err != nil {
			t.Fatal(err)
		}
		app := &stokev1.SparkApplication{}
		if err := json.Unmarshal(data, app); err != nil {
			t.Fatal(err)
		}
		return app
	}
	a, b := decode("a"), decode("b")
	want := a.DeepCopy()
	want.ManagedFields = nil
	gotA, err := applicationForCache(a)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotA, want) {
		t.Fatalf("applicationForCache changed the application:\n%+v\nwant\n%+v", gotA, want)
	}
	runtime.GC() // the table must outlive a collection (the unique package's does not, with no handle held)
	runtime.GC()
	gotB, _ := applicationForCache(b)
	x, y := gotA.(*stokev1.SparkApplication), gotB.(*stokev1.SparkApplication)
	shared := func(what, s1, s2 string) {
		if unsafe.StringData(s1) != unsafe.StringData(s2) {
			t.Errorf("%s is held twice (%q)", what, s1)
		}
	}
	shared("the namespace", x.Namespace, y.Namespace)
	shared("a label value", x.Labels["team"], y.Labels["team"])
	shared("the image", x.Spec.Image, y.Spec.Image)
	shared("the main class", *x.Spec.MainClass, *y.Spec.MainClass)
	shared("an argument", x.Spec.Arguments[0], y.Spec.Arguments[0])
	shared("a sparkConf value", x.Spec.SparkConf["spark.eventLog.enabled"], y.Spec.SparkConf["spark.eventLog.enabled"])
	shared("a condition's reason", x.Status.Conditions[0].Reason, y.Status.Conditions[0].Reason)
	shared("a condition's message", x.Status.Conditions[0].Message, y.Status.Conditions[0].Message)
	shared("the phase", string(x.Status.Phase), string(y.Status.Phase))
	shared("the attempt's outcome", string(x.Status.CurrentAttempt.Outcome), string(y.Status.CurrentAttempt.Outcome))
	shared("the attempt's message", x.Status.CurrentAttempt.Message, y.Status.CurrentAttempt.Message)
	shared("the attempt's spec hash", x.Status.CurrentAttempt.SpecHash, y.Status.CurrentAttempt.SpecHash)
	shared("a past attempt's message", x.Status.PastAttempts[0].Message, y.Status.PastAttempts[0].Message)
	if tomb := "tombstone"; func() any { o, _ := applicationForCache(tomb); return o }() != tomb {
		t.Error("a tombstone was changed")
	}
}

func TestInternTableIsBounded(t *testing.T) {
	table := newInternTable(4, 8)
	fresh := func(s string) string { return strings.Clone(s) } // a decoded string: its own allocation
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

	hot := table.intern(fresh("Running"))
	for i := range 100 { // strings nothing shares, and one every object holds
		table.intern(fresh("app-" + strconv.Itoa(i)))
		if got := table.intern(fresh("Running")); !same(got, hot) {
			t.Fatalf("after %d other strings the shared one was copied again", i+1)
		}
		if n := table.len(); n > 8 {
			t.Fatalf("the table holds %d strings, more than its two generations of 4", n)
		}
	}
	if cold, again := table.intern(fresh("app-0")), table.intern(fresh("app-0")); !same(cold, again) {
		t.Error("a string dropped from the table was not interned again")
	}
	long := fresh("a message longer than eight bytes")
	if got := table.intern(long); !same(got, long) {
		t.Error("a long string was not returned as it is")
	}
	if got := table.intern(fresh(long)); same(got, long) {
		t.Error("a long string was interned (the table would keep it alive)")
	}
	if table.intern("") != "" {
		t.Error("the empty string changed")
	}
}
