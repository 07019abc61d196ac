package sparkapplication

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

var unitStart = time.Date(2026, 11, 21, 8, 7, 53, 0, time.UTC)

// unitDriverPod is a driver pod in the given phase whose Spark container is in the given state (none when
// state is nil), with extra container statuses and conditions.
func unitDriverPod(phase corev1.PodPhase, state *corev1.ContainerState, conditions []corev1.PodCondition, others ...corev1.ContainerStatus) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "app-1-driver", Namespace: "ns"},
		Status:     corev1.PodStatus{Phase: phase, Conditions: conditions},
	}
	if state != nil {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{Name: spark.DriverContainerName, State: *state})
	}
	pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, others...)
	return pod
}

func waiting(reason, message string) *corev1.ContainerState {
	return &corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
}

func runningSince(t time.Time) *corev1.ContainerState {
	return &corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t)}}
}

func terminatedWith(code int32, reason, message string) *corev1.ContainerState {
	return &corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: message}}
}

func cond(t corev1.PodConditionType, s corev1.ConditionStatus, reason, message string) corev1.PodCondition {
	return corev1.PodCondition{Type: t, Status: s, Reason: reason, Message: message}
}

func TestUnitObserveDriver(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	sidecarRunning := corev1.ContainerStatus{Name: "proxy", State: *runningSince(unitStart)}
	ready := []corev1.PodCondition{cond(corev1.PodReady, corev1.ConditionTrue, "", "")}

	evicted := unitDriverPod(corev1.PodFailed, terminatedWith(137, "Error", ""), nil)
	evicted.Status.Reason, evicted.Status.Message = "Evicted", "The node was low on resource: memory."

	evictedExit0 := unitDriverPod(corev1.PodFailed, terminatedWith(0, "Completed", ""), nil)
	evictedExit0.Status.Reason = "Evicted"

	preempted := unitDriverPod(corev1.PodFailed, terminatedWith(143, "Error", ""), nil)
	preempted.Status.Reason = "Preempting"

	podFailedEvicted := unitDriverPod(corev1.PodFailed, nil, nil)
	podFailedEvicted.Status.Reason, podFailedEvicted.Status.Message = "Evicted", "evicted for disk pressure"

	podFailedUnknownReason := unitDriverPod(corev1.PodFailed, terminatedWith(1, "Error", ""), nil)
	podFailedUnknownReason.Status.Reason = "SomethingElse"

	hashed := unitDriverPod(corev1.PodPending, nil, nil)
	hashed.Annotations = map[string]string{AnnotationSpecHash: "0123456789abcdef"}

	tests := []struct {
		desc string
		pod  *corev1.Pod
		want DriverObservation
	}{
		{"nil pod", nil,
			DriverObservation{Phase: DriverAbsent, Reason: "DriverPodNotFound", Message: "the driver pod does not exist"}},
		{"pending, unschedulable", unitDriverPod(corev1.PodPending, nil,
			[]corev1.PodCondition{cond(corev1.PodScheduled, corev1.ConditionFalse, "Unschedulable", "0/3 nodes are available")}),
			DriverObservation{Phase: DriverPending, Reason: "Unschedulable", Message: "0/3 nodes are available"}},
		{"pending, not scheduled without a reason", unitDriverPod(corev1.PodPending, nil,
			[]corev1.PodCondition{cond(corev1.PodScheduled, corev1.ConditionFalse, "", "")}),
			DriverObservation{Phase: DriverPending, Reason: "Unschedulable"}},
		{"pending, scheduled", unitDriverPod(corev1.PodPending, nil,
			[]corev1.PodCondition{cond(corev1.PodScheduled, corev1.ConditionTrue, "", "")}),
			DriverObservation{Phase: DriverPending, Reason: "DriverPending", Message: "waiting for the driver container to start"}},
		{"pending, container creating", unitDriverPod(corev1.PodPending, waiting("ContainerCreating", ""), nil),
			DriverObservation{Phase: DriverPending, Reason: "DriverPending", Message: "waiting for the driver container to start"}},
		{"pending, only a sidecar status", unitDriverPod(corev1.PodPending, nil, nil, sidecarRunning),
			DriverObservation{Phase: DriverPending, Reason: "DriverPending", Message: "waiting for the driver container to start"}},
		{"image pull back-off is fatal", unitDriverPod(corev1.PodPending, waiting("ImagePullBackOff", "Back-off pulling image \"nope\""), nil),
			DriverObservation{Phase: DriverPending, Reason: "ImagePullError", Message: "ImagePullBackOff: Back-off pulling image \"nope\"",
				Fatal: true, Infrastructure: true}},
		{"invalid image name is fatal", unitDriverPod(corev1.PodPending, waiting("InvalidImageName", "bad"), nil),
			DriverObservation{Phase: DriverPending, Reason: "ImagePullError", Message: "InvalidImageName: bad", Fatal: true, Infrastructure: true}},
		{"never-pull is fatal", unitDriverPod(corev1.PodPending, waiting("ErrImageNeverPull", "x"), nil),
			DriverObservation{Phase: DriverPending, Reason: "ImagePullError", Message: "ErrImageNeverPull: x", Fatal: true, Infrastructure: true}},
		{"first pull error is not fatal yet", unitDriverPod(corev1.PodPending, waiting("ErrImagePull", "timeout"), nil),
			DriverObservation{Phase: DriverPending, Reason: "ErrImagePull", Message: "timeout"}},
		{"config error keeps its reason", unitDriverPod(corev1.PodPending, waiting("CreateContainerConfigError", "secret \"s\" not found"),
			[]corev1.PodCondition{cond(corev1.PodScheduled, corev1.ConditionTrue, "", "")}),
			DriverObservation{Phase: DriverPending, Reason: "CreateContainerConfigError", Message: "secret \"s\" not found"}},
		{"waiting reason wins over unschedulable", unitDriverPod(corev1.PodPending, waiting("ErrImagePull", "x"),
			[]corev1.PodCondition{cond(corev1.PodScheduled, corev1.ConditionFalse, "Unschedulable", "no")}),
			DriverObservation{Phase: DriverPending, Reason: "ErrImagePull", Message: "x"}},
		{"running, not ready", unitDriverPod(corev1.PodRunning, runningSince(unitStart), nil),
			DriverObservation{Phase: DriverRunning, StartedAt: &unitStart}},
		{"running and ready", unitDriverPod(corev1.PodRunning, runningSince(unitStart), ready),
			DriverObservation{Phase: DriverRunning, StartedAt: &unitStart, Ready: true}},
		{"ready condition false", unitDriverPod(corev1.PodRunning, runningSince(unitStart),
			[]corev1.PodCondition{cond(corev1.PodReady, corev1.ConditionFalse, "ContainersNotReady", "")}),
			DriverObservation{Phase: DriverRunning, StartedAt: &unitStart}},
		{"exited 0", unitDriverPod(corev1.PodSucceeded, terminatedWith(0, "Completed", ""), nil),
			DriverObservation{Phase: DriverSucceeded, PodTerminal: true, ExitCode: i32(0), Reason: "Completed", Message: "the driver exited with code 0"}},
		{"exited 1", unitDriverPod(corev1.PodFailed, terminatedWith(1, "Error", ""), nil),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(1), Reason: "Error", Message: "the driver exited with code 1"}},
		{"exited 1 with a termination message", unitDriverPod(corev1.PodFailed, terminatedWith(1, "Error", "java.lang.RuntimeException: boom"), nil),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(1), Reason: "Error",
				Message: "the driver exited with code 1: java.lang.RuntimeException: boom", Result: "java.lang.RuntimeException: boom"}},
		{"exited 0 with a result in its termination message", unitDriverPod(corev1.PodSucceeded, terminatedWith(0, "Completed", `["eu","us"]`), nil),
			DriverObservation{Phase: DriverSucceeded, PodTerminal: true, ExitCode: i32(0), Reason: "Completed",
				Message: "the driver exited with code 0", Result: `["eu","us"]`}},
		{"exited without a reason", unitDriverPod(corev1.PodFailed, terminatedWith(2, "", ""), nil),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(2), Reason: "Error", Message: "the driver exited with code 2"}},
		{"OOM killed is the application's", unitDriverPod(corev1.PodFailed, terminatedWith(137, "OOMKilled", ""), nil),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(137), Reason: "OOMKilled", Message: "the driver exited with code 137"}},
		{"unknown pod reason is the application's", podFailedUnknownReason,
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(1), Reason: "Error", Message: "the driver exited with code 1"}},
		{"evicted, container killed", evicted,
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(137), Reason: "Evicted",
				Message: "The node was low on resource: memory.", Infrastructure: true}},
		{"preempted without a pod message", preempted,
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(143), Reason: "Preempting",
				Message: "the driver exited with code 143", Infrastructure: true}},
		{"evicted after exiting 0 still succeeded", evictedExit0,
			DriverObservation{Phase: DriverSucceeded, PodTerminal: true, ExitCode: i32(0), Reason: "Completed", Message: "the driver exited with code 0"}},
		{"disruption target", unitDriverPod(corev1.PodFailed, terminatedWith(143, "Error", ""),
			[]corev1.PodCondition{cond(corev1.DisruptionTarget, corev1.ConditionTrue, "PreemptionByScheduler", "")}),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(143), Reason: "DisruptionTarget",
				Message: "the driver exited with code 143", Infrastructure: true}},
		{"disruption target false is not a disruption", unitDriverPod(corev1.PodFailed, terminatedWith(1, "Error", ""),
			[]corev1.PodCondition{cond(corev1.DisruptionTarget, corev1.ConditionFalse, "", "")}),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, ExitCode: i32(1), Reason: "Error", Message: "the driver exited with code 1"}},
		{"spark container done, sidecar alive: succeeded, pod not terminal",
			unitDriverPod(corev1.PodRunning, terminatedWith(0, "Completed", ""), ready, sidecarRunning),
			DriverObservation{Phase: DriverSucceeded, Ready: true, ExitCode: i32(0), Reason: "Completed", Message: "the driver exited with code 0"}},
		{"spark container failed, sidecar alive: failed, pod not terminal",
			unitDriverPod(corev1.PodRunning, terminatedWith(3, "Error", ""), nil, sidecarRunning),
			DriverObservation{Phase: DriverFailed, ExitCode: i32(3), Reason: "Error", Message: "the driver exited with code 3"}},
		{"spark container done, the kubelet's phase update still outstanding: pod terminal",
			unitDriverPod(corev1.PodRunning, terminatedWith(0, "Completed", ""), nil),
			DriverObservation{Phase: DriverSucceeded, PodTerminal: true, ExitCode: i32(0), Reason: "Completed", Message: "the driver exited with code 0"}},
		{"pod succeeded without statuses", unitDriverPod(corev1.PodSucceeded, nil, nil),
			DriverObservation{Phase: DriverSucceeded, PodTerminal: true, ExitCode: i32(0), Reason: "Completed", Message: "the driver pod succeeded"}},
		{"pod failed without statuses", unitDriverPod(corev1.PodFailed, nil, nil),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, Reason: "PodFailed", Message: "the driver pod failed", Infrastructure: true}},
		{"pod evicted before the container started", podFailedEvicted,
			DriverObservation{Phase: DriverFailed, PodTerminal: true, Reason: "Evicted", Message: "evicted for disk pressure", Infrastructure: true}},
		{"pod failed while its container looked running", unitDriverPod(corev1.PodFailed, runningSince(unitStart), nil),
			DriverObservation{Phase: DriverFailed, PodTerminal: true, Reason: "PodFailed", Message: "the driver pod failed", Infrastructure: true}},
		{"spec hash annotation", hashed,
			DriverObservation{Phase: DriverPending, Reason: "DriverPending", Message: "waiting for the driver container to start", SpecHash: "0123456789abcdef"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := ObserveDriver(tc.pod)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ObserveDriver =\n  %s\nwant\n  %s", fmtObs(got), fmtObs(tc.want))
			}
		})
	}
}

func fmtObs(o DriverObservation) string {
	exit, started := "<nil>", "<nil>"
	if o.ExitCode != nil {
		exit = fmt.Sprint(*o.ExitCode)
	}
	if o.StartedAt != nil {
		started = o.StartedAt.String()
	}
	return fmt.Sprintf("{Phase:%s Reason:%q Message:%q ExitCode:%s Result:%q StartedAt:%s Ready:%v PodTerminal:%v Infrastructure:%v Fatal:%v SpecHash:%q}",
		o.Phase, o.Reason, o.Message, exit, o.Result, started, o.Ready, o.PodTerminal, o.Infrastructure, o.Fatal, o.SpecHash)
}

func TestUnitCountExecutors(t *testing.T) {
	pod := func(phase corev1.PodPhase) corev1.Pod { return corev1.Pod{Status: corev1.PodStatus{Phase: phase}} }
	tests := []struct {
		desc string
		pods []corev1.Pod
		want stokev1.ExecutorCounts
	}{
		{"none", nil, stokev1.ExecutorCounts{}},
		{"every phase", []corev1.Pod{
			pod(corev1.PodPending), pod(corev1.PodRunning), pod(corev1.PodRunning), pod(corev1.PodSucceeded),
			pod(corev1.PodFailed), pod(corev1.PodFailed), pod(corev1.PodFailed), pod(corev1.PodUnknown), pod(""),
		}, stokev1.ExecutorCounts{Pending: 3, Running: 2, Succeeded: 1, Failed: 3}},
		{"all running", []corev1.Pod{pod(corev1.PodRunning), pod(corev1.PodRunning)}, stokev1.ExecutorCounts{Running: 2}},
	}
	for _, tc := range tests {
		if got := CountExecutors(tc.pods); got != tc.want {
			t.Errorf("%s: CountExecutors = %+v, want %+v", tc.desc, got, tc.want)
		}
	}
}

func TestUnitRequestedExecutors(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	tests := []struct {
		desc      string
		instances *int32
		dyn       *stokev1.DynamicAllocation
		want      int32
	}{
		{"Spark's default", nil, nil, 2},
		{"instances", i32(5), nil, 5},
		{"zero instances", i32(0), nil, 0},
		{"dynamic: initial", i32(5), &stokev1.DynamicAllocation{Enabled: true, InitialExecutors: i32(3), MinExecutors: i32(1)}, 3},
		{"dynamic: min when no initial", i32(5), &stokev1.DynamicAllocation{Enabled: true, MinExecutors: i32(1), MaxExecutors: i32(9)}, 1},
		{"dynamic: neither", i32(5), &stokev1.DynamicAllocation{Enabled: true, MaxExecutors: i32(9)}, 0},
		{"dynamic: initial zero", nil, &stokev1.DynamicAllocation{Enabled: true, InitialExecutors: i32(0), MinExecutors: i32(0)}, 0},
		{"dynamic disabled: instances", i32(4), &stokev1.DynamicAllocation{Enabled: false, InitialExecutors: i32(3)}, 4},
		{"dynamic disabled: default", nil, &stokev1.DynamicAllocation{Enabled: false, InitialExecutors: i32(3)}, 2},
	}
	for _, tc := range tests {
		spec := &stokev1.SparkApplicationSpec{DynamicAllocation: tc.dyn, Executor: stokev1.ExecutorSpec{Instances: tc.instances}}
		if got := spark.InitialExecutors(spec); got != tc.want {
			t.Errorf("%s: spark.InitialExecutors = %d, want %d", tc.desc, got, tc.want)
		}
	}
}
