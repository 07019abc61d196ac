package sparkapplication_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
)

// bindAndRun binds the driver pod to a node, as the scheduler would (so that deleting it is graceful, as
// on a real node), and marks its container running.
func bindAndRun(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	binding := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name},
		Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}
	if err := env.Client.SubResource("binding").Create(context.Background(), pod, binding); err != nil {
		t.Fatalf("binding %s: %v", pod.Name, err)
	}
	running(t, pod)
}

// TestQueueReclaimsItsShareByPreemption: queue b borrowed the whole parent while its sibling a had nothing
// waiting. When an application of a arrives, a (preemption: FairShare) takes its share back: b's most
// recently admitted application's driver is deleted with a's grace period, and its attempt holds its room
// until the driver has stopped. An operator restart in the middle stops nothing more. The stopped attempt
// ends Preempted, not failed (its restart policy is Never), the application waits in b again, and a's
// application is admitted.
func TestQueueReclaimsItsShareByPreemption(t *testing.T) {
	ns := env.Namespace(t)
	parent := queue(t, ns+"-parent", stokev1.QueueQuota{Applications: ptr(int32(2))}, nil)
	for name, preemption := range map[string]*stokev1.QueuePreemption{
		"a": {ReclaimFromSiblings: stokev1.ReclaimFairShare, GracePeriodSeconds: ptr(int64(7))},
		"b": nil,
	} {
		q := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + name}, Spec: stokev1.SparkQueueSpec{
			Parent: parent.Name, Quota: stokev1.QueueQuota{Applications: ptr(int32(2))}, Preemption: preemption}}
		create(t, q)
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), q) })
	}
	stop := startStoppableOperator(t, ns)
	create(t, queuedApp(ns, "b1", ns+"-b"))
	b1 := waitAttempt(t, ns, "b1", 1)
	bindAndRun(t, b1)
	time.Sleep(time.Second) // admission times are stored to the second: b2 is admitted after b1
	create(t, queuedApp(ns, "b2", ns+"-b"))
	b2 := waitAttempt(t, ns, "b2", 1)
	bindAndRun(t, b2)

	create(t, queuedApp(ns, "a1", ns+"-a"))
	var stopping *stokev1.SparkApplication
	eventually(t, 30*time.Second, "b2's driver asked to stop", func() (bool, error) {
		stopping = getApp(t, ns, "b2")
		return stopping.Status.Queue != nil && stopping.Status.Queue.Preemption != nil, nil
	})
	notice := stopping.Status.Queue.Preemption
	if notice.Queue != ns+"-a" || notice.For != ns+"/a1" || notice.GracePeriodSeconds != 7 {
		t.Errorf("b2's preemption %+v, want by %s-a for %s/a1 with 7s", notice, ns, ns)
	}
	if c := condition(stopping, stokev1.ConditionRunning); c == nil || c.Reason != sparkapplication.ReasonPreempted {
		t.Errorf("b2's Running condition %+v, want reason Preempted", c)
	}
	pod := &corev1.Pod{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(b2), pod); err != nil {
		t.Fatalf("b2's driver pod is gone at once (%v): it had a grace period to shut down", err)
	}
	if pod.DeletionTimestamp == nil || pod.DeletionGracePeriodSeconds == nil || *pod.DeletionGracePeriodSeconds != 7 {
		t.Errorf("b2's driver pod deletion %v with grace %v, want a deletion with 7s", pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds)
	}
	// a1 waits while b2's driver stops: b2 still holds its room.
	a1 := waitQueued(t, ns, "a1", sparkapplication.ReasonWaitingForCapacity)
	noDriverFor(t, ns, "a1")
	if msg := condition(a1, stokev1.ConditionQueued).Message; !strings.Contains(msg, "1 application(s) of sibling queues are being stopped") {
		t.Errorf("a1's message %q, want the stop it waits for", msg)
	}

	// A new operator rebuilds the stop from b2's status and stops nothing more.
	stop()
	startOperator(t, ns)
	time.Sleep(2 * time.Second)
	if app := getApp(t, ns, "b1"); app.Status.Queue == nil || app.Status.Queue.Preemption != nil {
		t.Fatalf("b1's queue standing %+v: only b2 is to be stopped", app.Status.Queue)
	}
	noDriverFor(t, ns, "a1")

	// The driver exits on SIGTERM, as Spark's does, and the kubelet removes the pod.
	exited(t, b2, 143)
	if err := env.Client.Delete(context.Background(), b2, client.GracePeriodSeconds(0)); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	waitAttempt(t, ns, "a1", 1)
	b2app := waitQueued(t, ns, "b2", sparkapplication.ReasonWaitingForCapacity)
	if cur := b2app.Status.CurrentAttempt; cur == nil || cur.Number != 1 || cur.Outcome != stokev1.OutcomePreempted || cur.Reason != sparkapplication.ReasonPreempted {
		t.Fatalf("b2's last attempt %+v, want attempt 1 Preempted", cur)
	}
	if f := b2app.Status.Failures; f.Application != 0 || f.Infrastructure != 0 {
		t.Errorf("b2's failures %+v: a preempted attempt is no failure", f)
	}
	if app := getApp(t, ns, "b1"); app.Status.CurrentAttempt == nil || app.Status.CurrentAttempt.Outcome != "" {
		t.Errorf("b1's attempt %+v, want it still running", app.Status.CurrentAttempt)
	}
	if n := eventReasons(t, ns, "b2")[sparkapplication.ReasonPreempted]; n != 1 {
		t.Errorf("%d Preempted events for b2, want 1", n)
	}

	// When b1 ends, the room goes back to b2's next attempt (a has nothing waiting).
	exited(t, b1, 0)
	waitAttempt(t, ns, "b2", 2)
}
