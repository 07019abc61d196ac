package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// TestQueueViews: stoke get queues shows what each queue holds of its limits and how many wait; stoke
// describe queue lists the admitted applications and the waiting ones in admission order, with the reason
// they wait; stoke describe app says where an application stands.
func TestQueueViews(t *testing.T) {
	ns := env.Namespace(t)
	ctx := context.Background()
	name := ns + "-q"
	cores, mem := resource.MustParse("8"), resource.MustParse("16Gi")
	q := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: stokev1.SparkQueueSpec{
		Quota:      stokev1.QueueQuota{Cores: &cores, Memory: &mem, Applications: ptr.To(int32(2))},
		Preemption: &stokev1.QueuePreemption{ReclaimFromSiblings: stokev1.ReclaimFairShare, GracePeriodSeconds: ptr.To(int64(45))}}}
	if err := env.Client.Create(ctx, q); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, q) })
	footprint := stokev1.Footprint{Cores: resource.MustParse("3"), Memory: resource.MustParse("4Gi"), Pods: 3}
	q.Status = stokev1.SparkQueueStatus{Admitted: 1, Queued: 2, Usage: footprint,
		Borrowed: &stokev1.QueueAmount{Cores: ptr.To(resource.MustParse("2")), Memory: ptr.To(resource.MustParse("1Gi"))}}
	if err := env.Client.Status().Update(ctx, q); err != nil {
		t.Fatal(err)
	}
	now := metav1.NewTime(time.Now().Add(-time.Minute))
	seed(t, sparkPi(ns, "running"), stokev1.SparkApplicationStatus{Queue: &stokev1.QueueStanding{Name: name, Attempt: 1, Footprint: footprint, AdmittedTime: &now}})
	stopping := sparkPi(ns, "stopping")
	seed(t, stopping, stokev1.SparkApplicationStatus{Queue: &stokev1.QueueStanding{Name: name, Attempt: 1, Footprint: footprint, AdmittedTime: &now,
		Preemption: &stokev1.PreemptionNotice{Time: now, Queue: "team-a", For: "a/etl", GracePeriodSeconds: 45}}})
	waiting := func(app, reason string, prio int32, pos int32) {
		a := sparkPi(ns, app)
		a.Spec.Queue, a.Spec.QueuePriority = name, prio
		seed(t, a, stokev1.SparkApplicationStatus{Phase: stokev1.PhaseQueued,
			Queue:      &stokev1.QueueStanding{Name: name, Attempt: 1, Footprint: footprint, Position: pos},
			Conditions: []metav1.Condition{{Type: stokev1.ConditionQueued, Status: metav1.ConditionTrue, Reason: reason, Message: "waits", LastTransitionTime: now}}})
	}
	waiting("later", "WaitingForCapacity", 0, 2)
	waiting("urgent", "WaitingForCapacity", 10, 1)

	list := stoke(t, nil, "get", "queues").must(t)
	if !hasLine(list, name, "1", "2", "3/8", "4Gi/16Gi", "1/2") {
		t.Errorf("stoke get queues:\n%s", list)
	}
	if wide := stoke(t, nil, "get", "queues", "-o", "wide").must(t); !hasLine(wide, name, "all", "2 cores, 1Gi") {
		t.Errorf("stoke get queues -o wide:\n%s", wide)
	}
	desc := stoke(t, nil, "describe", "queue", name).must(t)
	urgent, later := strings.Index(desc, ns+"/urgent"), strings.Index(desc, ns+"/later")
	if !strings.Contains(desc, "Cores:         3/8") || !strings.Contains(desc, ns+"/running") || urgent < 0 || later < urgent {
		t.Errorf("stoke describe queue, want the usage, the admitted one, then urgent before later:\n%s", desc)
	}
	if !hasLine(desc, "1", ns+"/urgent", "10", "WaitingForCapacity") {
		t.Errorf("describe queue: urgent is not first in line:\n%s", desc)
	}
	if !strings.Contains(desc, "Preemption:") || !strings.Contains(desc, "45s to stop") || !hasLine(desc, ns+"/stopping", "stopping (team-a takes its share back)") {
		t.Errorf("describe queue, want its preemption and the application being stopped:\n%s", desc)
	}
	if app := stoke(t, nil, "describe", "app", "-n", ns, "stopping").must(t); !strings.Contains(app, "SparkQueue team-a takes its share back for a/etl (grace period 45s)") {
		t.Errorf("describe app does not say it is being stopped:\n%s", app)
	}
	app := stoke(t, nil, "describe", "app", "-n", ns, "later").must(t)
	if !strings.Contains(app, "Queue:") || !strings.Contains(app, name+", waiting at position 2") {
		t.Errorf("describe app does not say where it stands:\n%s", app)
	}
	stoke(t, nil, "describe", "queue", "nope").wantErr(t, false, `queue "nope" not found`)
}

// hasLine reports a line whose fields start with the first word and contain all the others.
func hasLine(text string, words ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != words[0] {
			continue
		}
		ok := true
		for _, w := range words[1:] {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return true
		}
	}
	return false
}
