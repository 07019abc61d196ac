package sparkapplication

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// DriverPhase is what the driver pod of the current attempt is doing, as far as the application cares.
type DriverPhase string

const (
	// DriverAbsent: no driver pod was found, by the cache or by a live GET.
	DriverAbsent DriverPhase = "Absent"
	// DriverPending: the pod exists but its Spark container is not running yet.
	DriverPending DriverPhase = "Pending"
	// DriverRunning: the Spark container runs.
	DriverRunning DriverPhase = "Running"
	// DriverSucceeded: the Spark container exited 0.
	DriverSucceeded DriverPhase = "Succeeded"
	// DriverFailed: the Spark container exited non-zero, or the pod failed.
	DriverFailed DriverPhase = "Failed"
)

// DriverObservation is a pure reading of a driver pod.
type DriverObservation struct {
	Phase DriverPhase
	// Ready is the pod's Ready condition.
	Ready bool
	// StartedAt is when the Spark container started running.
	StartedAt *time.Time
	// PodTerminal is true when the pod has finished (Succeeded or Failed phase) or is about to: every
	// container has terminated and only the kubelet's phase update is outstanding. A driver pod that is not
	// terminal once Spark has ended still runs sidecars and is deleted to free its resources.
	PodTerminal bool
	// ExitCode of the terminated Spark container.
	ExitCode *int32
	// Result is the terminated Spark container's termination message.
	Result string
	// Reason and Message explain a pending or failed driver (for example Unschedulable, ImagePullError,
	// Evicted, Error, OOMKilled).
	Reason, Message string
	// Infrastructure marks failures of the platform rather than of the application.
	Infrastructure bool
	// Fatal marks a pending driver that will not start without a change (for example a bad image name).
	Fatal bool
	// SpecHash is the spec hash the pod was built from.
	SpecHash string
}

// infrastructureReasons are pod and container reasons that mean the platform, not the program, ended the
// driver.
var infrastructureReasons = map[string]bool{
	"Evicted": true, "Preempting": true, "NodeLost": true, "Shutdown": true, "Terminated": true,
	"NodeShutdown": true, "UnexpectedAdmissionError": true, "NodeAffinity": true, "OutOfcpu": true,
	"OutOfmemory": true, "OutOfpods": true, "ContainerStatusUnknown": true, "DeadlineExceeded": true,
}

// fatalWaitingReasons are container waiting reasons that do not resolve by waiting.
var fatalWaitingReasons = map[string]bool{
	"ImagePullBackOff": true, "InvalidImageName": true, "ErrImageNeverPull": true,
}

// ObserveDriver reads a driver pod. A nil pod is DriverAbsent.
func ObserveDriver(pod *corev1.Pod) DriverObservation {
	if pod == nil {
		return DriverObservation{Phase: DriverAbsent, Reason: "DriverPodNotFound", Message: "the driver pod does not exist"}
	}
	obs := DriverObservation{SpecHash: pod.Annotations[AnnotationSpecHash]}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			obs.Ready = true
		}
	}
	obs.PodTerminal = pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || allTerminated(pod)
	cs := sparkContainerStatus(pod)
	switch {
	case cs != nil && cs.State.Terminated != nil:
		return terminated(obs, pod, cs.State.Terminated)
	case pod.Status.Phase == corev1.PodSucceeded:
		obs.Phase, obs.ExitCode = DriverSucceeded, ptrTo(int32(0))
		obs.Reason, obs.Message = "Completed", "the driver pod succeeded"
		return obs
	case pod.Status.Phase == corev1.PodFailed:
		obs.Phase = DriverFailed
		obs.Reason, obs.Message = orDefault(pod.Status.Reason, "PodFailed"), orDefault(pod.Status.Message, "the driver pod failed")
		obs.Infrastructure = true
		return obs
	case cs != nil && cs.State.Running != nil:
		obs.Phase = DriverRunning
		t := cs.State.Running.StartedAt.Time
		obs.StartedAt = &t
		return obs
	}
	obs.Phase = DriverPending
	if cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "ContainerCreating" {
		w := cs.State.Waiting
		obs.Reason, obs.Message = w.Reason, w.Message
		if fatalWaitingReasons[w.Reason] {
			obs.Fatal, obs.Infrastructure = true, true
			obs.Reason = "ImagePullError"
			obs.Message = fmt.Sprintf("%s: %s", w.Reason, w.Message)
		}
		return obs
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			obs.Reason, obs.Message = orDefault(c.Reason, "Unschedulable"), c.Message
			return obs
		}
	}
	obs.Reason, obs.Message = "DriverPending", "waiting for the driver container to start"
	return obs
}

// allTerminated reports whether every container of the pod reported a terminated state.
func allTerminated(pod *corev1.Pod) bool {
	if len(pod.Status.ContainerStatuses) < len(pod.Spec.Containers) || len(pod.Status.ContainerStatuses) == 0 {
		return false
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Terminated == nil {
			return false
		}
	}
	return true
}

func terminated(obs DriverObservation, pod *corev1.Pod, t *corev1.ContainerStateTerminated) DriverObservation {
	obs.ExitCode, obs.Result = ptrTo(t.ExitCode), t.Message
	if t.ExitCode == 0 {
		obs.Phase = DriverSucceeded
		obs.Reason, obs.Message = "Completed", "the driver exited with code 0"
		return obs
	}
	obs.Phase = DriverFailed
	obs.Reason = orDefault(t.Reason, "Error")
	obs.Message = fmt.Sprintf("the driver exited with code %d", t.ExitCode)
	if t.Message != "" {
		obs.Message += ": " + t.Message
	}
	if infrastructureReasons[pod.Status.Reason] || disrupted(pod) {
		obs.Infrastructure = true
		obs.Reason = orDefault(pod.Status.Reason, "DisruptionTarget")
		obs.Message = orDefault(pod.Status.Message, obs.Message)
	}
	return obs
}

// disrupted reports the DisruptionTarget condition Kubernetes sets on pods it evicts or preempts.
func disrupted(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func sparkContainerStatus(pod *corev1.Pod) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == spark.DriverContainerName {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// CountExecutors counts executor pods by state.
func CountExecutors(pods []corev1.Pod) stokev1.ExecutorCounts {
	var c stokev1.ExecutorCounts
	for i := range pods {
		switch pods[i].Status.Phase {
		case corev1.PodRunning:
			c.Running++
		case corev1.PodSucceeded:
			c.Succeeded++
		case corev1.PodFailed:
			c.Failed++
		default:
			c.Pending++
		}
	}
	return c
}

// EarliestStart is the earliest start time of the running pods, or fallback when none reports one: the
// first executor's start does not depend on when the operator happened to look.
func EarliestStart(pods []corev1.Pod, fallback time.Time) time.Time {
	earliest := fallback
	for i := range pods {
		if st := pods[i].Status.StartTime; pods[i].Status.Phase == corev1.PodRunning && st != nil && st.Before(&metav1.Time{Time: earliest}) {
			earliest = st.Time
		}
	}
	return earliest
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func ptrTo[T any](v T) *T { return &v }
