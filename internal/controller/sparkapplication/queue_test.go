package sparkapplication_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/testenv"
)

// queue creates a cluster-scoped SparkQueue for the test, deleted when it ends.
func queue(t *testing.T, name string, quota stokev1.QueueQuota, selector *metav1.LabelSelector) *stokev1.SparkQueue {
	t.Helper()
	q := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: stokev1.SparkQueueSpec{Quota: quota, NamespaceSelector: selector}}
	create(t, q)
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), q) })
	return q
}

func queuedApp(ns, name, queue string) *stokev1.SparkApplication {
	app := newApp(ns, name)
	app.Spec.Queue = queue
	return app
}

// waitQueued waits for the application to be Queued with the reason and returns it.
func waitQueued(t *testing.T, ns, name, reason string) *stokev1.SparkApplication {
	t.Helper()
	var app *stokev1.SparkApplication
	eventually(t, 30*time.Second, name+" queued with "+reason, func() (bool, error) {
		app = getApp(t, ns, name)
		c := condition(app, stokev1.ConditionQueued)
		return app.Status.Phase == stokev1.PhaseQueued && c != nil && c.Reason == reason, nil
	})
	return app
}

// noDriverFor checks that the application has no driver pod.
func noDriverFor(t *testing.T, ns, name string) {
	t.Helper()
	for _, p := range podsWithRole(t, ns, spark.RoleDriver) {
		if p.Annotations[spark.AnnotationApplication] == name {
			t.Fatalf("%s has a driver pod %s while it waits", name, p.Name)
		}
	}
}

// TestQueueAdmitsWholeFootprintsInOrder: a queue with room for one application admits the first; the
// second waits as Queued (position 1, nothing of it created) and is admitted when the first ends; the
// queue's status counts both.
func TestQueueAdmitsWholeFootprintsInOrder(t *testing.T) {
	ns := env.Namespace(t)
	q := queue(t, ns, stokev1.QueueQuota{Applications: ptr(int32(1))}, nil)
	startOperator(t, ns)

	create(t, queuedApp(ns, "first", q.Name))
	driver := waitAttempt(t, ns, "first", 1)
	first := getApp(t, ns, "first")
	if s := first.Status.Queue; s == nil || s.AdmittedTime == nil || s.Name != q.Name || s.Footprint.Pods != 3 {
		t.Fatalf("first's queue standing %+v, want admitted to %s with 3 pods", s, q.Name)
	}
	create(t, queuedApp(ns, "second", q.Name))
	second := waitQueued(t, ns, "second", sparkapplication.ReasonWaitingForCapacity)
	if second.Status.Queue == nil || second.Status.Queue.Position != 1 {
		t.Errorf("second's queue standing %+v, want position 1", second.Status.Queue)
	}
	if msg := condition(second, stokev1.ConditionQueued).Message; !strings.Contains(msg, `SparkQueue "`+q.Name+`" at position 1`) || !strings.Contains(msg, "applications 2 > 1") {
		t.Errorf("Queued message %q: want the queue, the position and what it lacks", msg)
	}
	noDriverFor(t, ns, "second")
	eventually(t, 10*time.Second, "the queue's status", func() (bool, error) {
		got := &stokev1.SparkQueue{}
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(q), got)
		return err == nil && got.Status.Admitted == 1 && got.Status.Queued == 1 && got.Status.Usage.Pods == 3, err
	})

	exited(t, driver, 0)
	waitPhase(t, ns, "first", stokev1.PhaseSucceeded)
	waitAttempt(t, ns, "second", 1)
	second = getApp(t, ns, "second")
	if c := condition(second, stokev1.ConditionQueued); c == nil || c.Status != metav1.ConditionFalse || c.Reason != sparkapplication.ReasonAdmitted {
		t.Errorf("second's Queued condition %+v, want False Admitted", c)
	}
	if getApp(t, ns, "first").Status.Queue != nil {
		t.Error("the finished application still stands in the queue")
	}
	if n := eventReasons(t, ns, "second")[sparkapplication.ReasonAdmitted]; n != 1 {
		t.Errorf("%d Admitted events for second, want 1", n)
	}
}

// TestQueueAfterOperatorRestartAdmitsNothingTwice: with the queue full, a new operator (a restart, or a new
// leader) rebuilds what the queue holds from the applications' status and keeps the waiting one waiting.
func TestQueueAfterOperatorRestartAdmitsNothingTwice(t *testing.T) {
	ns := env.Namespace(t)
	q := queue(t, ns, stokev1.QueueQuota{Applications: ptr(int32(1))}, nil)
	stop := startStoppableOperator(t, ns)
	create(t, queuedApp(ns, "holder", q.Name))
	driver := waitAttempt(t, ns, "holder", 1)
	create(t, queuedApp(ns, "waiter", q.Name))
	waitQueued(t, ns, "waiter", sparkapplication.ReasonWaitingForCapacity)
	stop()

	startOperator(t, ns)
	// The new operator looks at both applications at start; give it time to do the wrong thing.
	time.Sleep(2 * time.Second)
	waitQueued(t, ns, "waiter", sparkapplication.ReasonWaitingForCapacity)
	noDriverFor(t, ns, "waiter")

	exited(t, driver, 0)
	waitAttempt(t, ns, "waiter", 1)
}

// startStoppableOperator starts an operator for the namespace and returns a function that stops it and
// waits until it has stopped.
func startStoppableOperator(t *testing.T, ns string) func() {
	t.Helper()
	mgr, err := operator.NewManager(env.Config, operator.Config{MetricsAddress: "0", HealthAddress: "0", Namespaces: []string{ns},
		LostDriverGrace: operator.Duration{Duration: 2 * time.Second}, SeveralManagersPerProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	return testenv.RunManager(t, mgr.Start)
}

// TestQueueBadInput: an application naming a queue that does not exist, a queue its namespace may not use,
// a queue that admits nothing, or a queue smaller than its footprint waits with a reason naming the problem
// and never holds up the others; a queue with a zero application limit is refused by the API server.
func TestQueueBadInput(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	ctx := context.Background()

	bad := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: ns + "-bad"}, Spec: stokev1.SparkQueueSpec{Quota: stokev1.QueueQuota{Applications: ptr(int32(0))}}}
	if err := env.Client.Create(ctx, bad); err == nil || !strings.Contains(err.Error(), "spec.quota.applications") {
		t.Errorf("a queue admitting zero applications: %v, want refused naming spec.quota.applications", err)
	}
	empty := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: ns + "-empty"}}
	if err := env.Client.Create(ctx, empty); err == nil || !strings.Contains(err.Error(), "set at least one of cores, memory, gpus and applications") {
		t.Errorf("a queue without limits: %v, want refused", err)
	}

	create(t, queuedApp(ns, "lost", ns+"-later"))
	app := waitQueued(t, ns, "lost", sparkapplication.ReasonQueueNotFound)
	if msg := condition(app, stokev1.ConditionQueued).Message; !strings.Contains(msg, ns+"-later") {
		t.Errorf("QueueNotFound message %q does not name the queue", msg)
	}
	queue(t, ns+"-later", stokev1.QueueQuota{Applications: ptr(int32(5))}, nil)
	waitAttempt(t, ns, "lost", 1)

	queue(t, ns+"-others", stokev1.QueueQuota{Applications: ptr(int32(5))}, &metav1.LabelSelector{MatchLabels: map[string]string{"team": "other"}})
	create(t, queuedApp(ns, "foreign", ns+"-others"))
	waitQueued(t, ns, "foreign", sparkapplication.ReasonNamespaceNotAllowed)

	zero := resource.MustParse("0")
	queue(t, ns+"-zero", stokev1.QueueQuota{Cores: &zero}, nil)
	create(t, queuedApp(ns, "starved", ns+"-zero"))
	waitQueued(t, ns, "starved", sparkapplication.ReasonQueueInvalid)
	eventually(t, 10*time.Second, "the zero queue's Ready condition", func() (bool, error) {
		got := &stokev1.SparkQueue{}
		if err := env.Client.Get(ctx, client.ObjectKey{Name: ns + "-zero"}, got); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(got.Status.Conditions, stokev1.QueueConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == stokev1.QueueReasonInvalidQuota, nil
	})

	// The default application asks for 3 pods of 1 core (the builder's default requests): 3 cores.
	two := resource.MustParse("2")
	queue(t, ns+"-small", stokev1.QueueQuota{Cores: &two}, nil)
	create(t, queuedApp(ns, "huge", ns+"-small"))
	huge := waitQueued(t, ns, "huge", sparkapplication.ReasonLargerThanQueue)
	if msg := condition(huge, stokev1.ConditionQueued).Message; !strings.Contains(msg, "cores 3 > 2") {
		t.Errorf("LargerThanQueue message %q, want what exceeds the quota", msg)
	}
	small := queuedApp(ns, "small", ns+"-small")
	small.Spec.Executor.Instances = ptr(int32(0))
	create(t, small)
	waitAttempt(t, ns, "small", 1) // not held up by the larger one ahead of it
}

// TestQueueFromTheNamespaceLabel: an application naming no queue uses its namespace's stoke.dev/queue.
func TestQueueFromTheNamespaceLabel(t *testing.T) {
	ns := env.Namespace(t)
	q := queue(t, ns, stokev1.QueueQuota{Applications: ptr(int32(1))}, nil)
	n := &corev1.Namespace{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: ns}, n); err != nil {
		t.Fatal(err)
	}
	n.Labels = map[string]string{stokev1.LabelQueue: q.Name}
	if err := env.Client.Update(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	startOperator(t, ns)
	create(t, newApp(ns, "a"))
	waitAttempt(t, ns, "a", 1)
	create(t, newApp(ns, "b"))
	if b := waitQueued(t, ns, "b", sparkapplication.ReasonWaitingForCapacity); b.Status.Queue.Name != q.Name {
		t.Errorf("b stands in %q, want the namespace's queue %q", b.Status.Queue.Name, q.Name)
	}
}

// TestNamespaceResourceQuotaQueuesInsteadOfFailing: an attempt whose first pods do not fit the namespace's
// ResourceQuota waits as Queued, with nothing created, and starts once the quota grows.
func TestNamespaceResourceQuotaQueuesInsteadOfFailing(t *testing.T) {
	ns := env.Namespace(t)
	ctx := context.Background()
	rq := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "compute"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("2")}}}
	create(t, rq)
	setQuotaStatus(t, rq) // as kube-controller-manager's quota controller would
	startOperator(t, ns)
	create(t, newApp(ns, "pi"))
	app := waitQueued(t, ns, "pi", sparkapplication.ReasonWaitingForNamespaceQuota)
	if msg := condition(app, stokev1.ConditionQueued).Message; !strings.Contains(msg, "quota compute: pods 3 > 2") {
		t.Errorf("message %q, want the quota and what exceeds it", msg)
	}
	noDriverFor(t, ns, "pi")
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(rq), rq); err != nil {
			return err
		}
		rq.Spec.Hard[corev1.ResourcePods] = resource.MustParse("10")
		return env.Client.Update(ctx, rq)
	}); err != nil {
		t.Fatal(err)
	}
	setQuotaStatus(t, rq)
	waitAttempt(t, ns, "pi", 1)
}

func setQuotaStatus(t *testing.T, rq *corev1.ResourceQuota) {
	t.Helper()
	ctx := context.Background()
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(rq), rq); err != nil {
			return err
		}
		rq.Status.Hard = rq.Spec.Hard.DeepCopy()
		rq.Status.Used = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("0")}
		return env.Client.Status().Update(ctx, rq)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSiblingQueuesBorrowAndGiveBack: two sibling queues share their parent's room for two applications.
// One alone uses all of it (borrowing its sibling's share); when the sibling then has work waiting, the
// room freed by the first application to end goes to the sibling, not to the borrower's next one.
func TestSiblingQueuesBorrowAndGiveBack(t *testing.T) {
	ns := env.Namespace(t)
	parent := queue(t, ns+"-parent", stokev1.QueueQuota{Applications: ptr(int32(2))}, nil)
	for _, name := range []string{"a", "b"} {
		q := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + name}, Spec: stokev1.SparkQueueSpec{
			Parent: parent.Name, Quota: stokev1.QueueQuota{Applications: ptr(int32(2))}}}
		create(t, q)
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), q) })
	}
	startOperator(t, ns)
	create(t, queuedApp(ns, "a1", ns+"-a"))
	create(t, queuedApp(ns, "a2", ns+"-a"))
	a1 := waitAttempt(t, ns, "a1", 1)
	waitAttempt(t, ns, "a2", 1) // a borrows b's share while b has nothing waiting
	borrowed := func(queue string) int32 {
		got := &stokev1.SparkQueue{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: queue}, got); err != nil || got.Status.Borrowed == nil {
			return 0
		}
		return got.Status.Borrowed.Applications
	}
	eventually(t, 10*time.Second, "a's status to say it borrows one application beyond its half of the parent", func() (bool, error) {
		return borrowed(ns+"-a") == 1, nil
	})
	create(t, queuedApp(ns, "a3", ns+"-a"))
	waitQueued(t, ns, "a3", sparkapplication.ReasonWaitingForCapacity)
	create(t, queuedApp(ns, "b1", ns+"-b"))
	b1 := waitQueued(t, ns, "b1", sparkapplication.ReasonWaitingForCapacity)
	if msg := condition(b1, stokev1.ConditionQueued).Message; !strings.Contains(msg, "parent "+parent.Name+": applications 3 > 2") {
		t.Errorf("b1's message %q, want the parent's limit", msg)
	}

	exited(t, a1, 0)
	waitAttempt(t, ns, "b1", 1) // the freed room goes back to the sibling below its share
	a3 := waitQueued(t, ns, "a3", sparkapplication.ReasonWaitingForCapacity)
	noDriverFor(t, ns, "a3")
	if msg := condition(a3, stokev1.ConditionQueued).Message; !strings.Contains(msg, "parent "+parent.Name) {
		t.Errorf("a3's message %q, want what it waits for", msg)
	}
	eventually(t, 10*time.Second, "the parent's status counting its children's applications", func() (bool, error) {
		got := &stokev1.SparkQueue{}
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(parent), got)
		return err == nil && got.Status.Admitted == 2, err
	})
	eventually(t, 10*time.Second, "neither sibling borrowing once each holds its half", func() (bool, error) {
		return borrowed(ns+"-a") == 0 && borrowed(ns+"-b") == 0, nil
	})
}

// TestQueueParentCycle: queues whose parents form a cycle admit nothing, say why, and their applications
// wait with QueueInvalid.
func TestQueueParentCycle(t *testing.T) {
	ns := env.Namespace(t)
	for _, pair := range [][2]string{{"x", "y"}, {"y", "x"}} {
		q := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + pair[0]}, Spec: stokev1.SparkQueueSpec{
			Parent: ns + "-" + pair[1], Quota: stokev1.QueueQuota{Applications: ptr(int32(2))}}}
		create(t, q)
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), q) })
	}
	startOperator(t, ns)
	create(t, queuedApp(ns, "looped", ns+"-x"))
	app := waitQueued(t, ns, "looped", sparkapplication.ReasonQueueInvalid)
	if msg := condition(app, stokev1.ConditionQueued).Message; !strings.Contains(msg, "form a cycle") {
		t.Errorf("message %q, want the cycle", msg)
	}
	eventually(t, 10*time.Second, "the queue's Ready condition", func() (bool, error) {
		got := &stokev1.SparkQueue{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: ns + "-x"}, got); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(got.Status.Conditions, stokev1.QueueConditionReady)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == stokev1.QueueReasonInvalidParent, nil
	})
}

// TestQueueCapsDynamicAllocation: an application with dynamic allocation admitted by a queue of 4 cores,
// its driver and executors asking for one core each, gets spark.dynamicAllocation.maxExecutors 3 in its
// spark.properties (it asked for up to 50), so it cannot outgrow the queue; status.queue says so.
func TestQueueCapsDynamicAllocation(t *testing.T) {
	ns := env.Namespace(t)
	four := resource.MustParse("4")
	q := queue(t, ns, stokev1.QueueQuota{Cores: &four}, nil)
	startOperator(t, ns)
	app := queuedApp(ns, "elastic", q.Name)
	app.Spec.DynamicAllocation = &stokev1.DynamicAllocation{Enabled: true, InitialExecutors: ptr(int32(1)), MaxExecutors: ptr(int32(50))}
	create(t, app)
	waitAttempt(t, ns, "elastic", 1)
	got := getApp(t, ns, "elastic")
	if s := got.Status.Queue; s == nil || s.MaxExecutors == nil || *s.MaxExecutors != 3 || s.Footprint.Pods != 2 {
		t.Fatalf("queue standing %+v, want 2 pods admitted and maxExecutors 3", s)
	}
	cms := &corev1.ConfigMapList{}
	if err := env.Client.List(context.Background(), cms, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, cm := range cms.Items {
		if props, ok := cm.Data[spark.PropertiesFileKey]; ok {
			found = true
			if !strings.Contains(props, "spark.dynamicAllocation.maxExecutors=3\n") {
				t.Errorf("spark.properties lacks the cap:\n%s", props)
			}
		}
	}
	if !found {
		t.Fatal("no spark.properties ConfigMap")
	}
}
