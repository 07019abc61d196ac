package operator

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stokehq/stoke/internal/usage"
)

func TestPodForCache(t *testing.T) {
	started := metav1.Now()
	terminated := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", FinishedAt: started}}
	meta := metav1.ObjectMeta{Name: "d", Namespace: "ns", Labels: map[string]string{"spark-role": "driver"},
		Annotations: map[string]string{"stoke.dev/spec-hash": "abc"}}
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
	wantMeta := meta.DeepCopy()
	wantMeta.Annotations[usage.CachedRequestsAnnotation] = "1000,1408" // the requests outlive the spec
	want := &corev1.Pod{
		ObjectMeta: *wantMeta,
		Status: corev1.PodStatus{
			Phase: corev1.PodSucceeded, Reason: "r", Message: "m", StartTime: &started,
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "PodCompleted"}},
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
