package sparkapplication

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// ReasonPreempted: a sibling queue takes the attempt's room back (SparkQueue spec.preemption); the reason
// of the attempt's end, of its Running condition while its driver stops, and of the event.
const ReasonPreempted = "Preempted"

// PreemptionMargin is how long after its grace period a stopped driver pod that is still there (its node
// does not answer) is waited for before its attempt ends anyway.
const PreemptionMargin = 10 * time.Second

// preemptIfMarked stops the running attempt when the admission manager chose it to give room back to a
// sibling queue: the driver pod is deleted with the queue's grace period, and status.queue.preemption
// records it, so the stop goes on from the stored status after a restart (followAttempt ends the attempt
// once the driver is gone). It reports whether it stopped the attempt.
func (r *Reconciler) preemptIfMarked(ctx context.Context, p *pass) (bool, error) {
	st, cur := &p.app.Status, p.app.Status.CurrentAttempt
	q := st.Queue
	if q == nil || q.AdmittedTime == nil || q.Attempt != cur.Number || q.Preemption != nil {
		return false, nil
	}
	mark, ok := r.Options.Admission.Preemption(types.NamespacedName{Namespace: p.app.Namespace, Name: p.app.Name})
	if !ok {
		return false, nil
	}
	grace := int64(mark.Grace / time.Second)
	if cur.DriverPodName != "" {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: p.app.Namespace, Name: cur.DriverPodName}}
		if err := r.Client.Delete(ctx, pod, client.GracePeriodSeconds(grace)); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("stopping driver pod %s to give room back to SparkQueue %q: %w", pod.Name, mark.Queue, err)
		}
	}
	q.Preemption = &stokev1.PreemptionNotice{Time: metav1.Time{Time: p.now}, Queue: mark.Queue, For: mark.For.String(), GracePeriodSeconds: grace}
	msg := fmt.Sprintf("attempt %d is stopped (grace period %ds): SparkQueue %q takes its share back for %s", cur.Number, grace, mark.Queue, mark.For)
	setCondition(st, p.app.Generation, stokev1.ConditionRunning, false, ReasonPreempted, msg)
	p.event(corev1.EventTypeWarning, ReasonPreempted, "Attempt %d is stopped (its driver has %ds to shut down): SparkQueue %q takes its share back for %s; the application then waits in SparkQueue %q again",
		cur.Number, grace, mark.Queue, mark.For, q.Name)
	p.recheckAfter(mark.Grace + PreemptionMargin)
	return true, nil
}

// preemptionOf is the stop recorded for the attempt, nil when it is not being stopped.
func preemptionOf(q *stokev1.QueueStanding, attempt int32) *stokev1.PreemptionNotice {
	if q == nil || q.AdmittedTime == nil || q.Attempt != attempt {
		return nil
	}
	return q.Preemption
}

// EvaluatePreemption decides whether an attempt being stopped for preemption has ended: when its driver
// pod is gone or has terminated (outcome Preempted; a driver that succeeded meanwhile succeeded), or when
// the pod is still there PreemptionMargin after its grace period (its node does not answer: it is deleted
// again and the attempt ends, so that its queue's room is not held forever).
func EvaluatePreemption(notice *stokev1.PreemptionNotice, driver DriverObservation, now time.Time) Evaluation {
	msg := fmt.Sprintf("SparkQueue %q took its share back for %s", notice.Queue, notice.For)
	switch {
	case driver.Phase == DriverSucceeded:
		return Evaluation{End: &Ending{Outcome: stokev1.OutcomeSucceeded, Reason: driver.Reason, Message: driver.Message,
			ExitCode: driver.ExitCode, Result: driver.Result, DeleteDriver: !driver.PodTerminal}}
	case driver.Phase == DriverAbsent || driver.PodTerminal:
		return Evaluation{End: &Ending{Outcome: stokev1.OutcomePreempted, Reason: ReasonPreempted, Message: msg, ExitCode: driver.ExitCode}}
	}
	deadline := notice.Time.Add(time.Duration(notice.GracePeriodSeconds)*time.Second + PreemptionMargin)
	if wait := deadline.Sub(now); wait > 0 {
		return Evaluation{RecheckAfter: wait}
	}
	return Evaluation{End: &Ending{Outcome: stokev1.OutcomePreempted, Reason: ReasonPreempted, DeleteDriver: true,
		Message: msg + fmt.Sprintf("; the driver pod was still there %s after its grace period of %ds", PreemptionMargin, notice.GracePeriodSeconds)}}
}
