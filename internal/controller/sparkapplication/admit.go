package sparkapplication

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/spark"
)

// +kubebuilder:rbac:groups=stoke.dev,resources=sparkqueues,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=resourcequotas,verbs=get;list;watch

// Reasons of the Queued condition.
const (
	// ReasonWaitingForCapacity: the application waits in its queue (the message gives its position and what
	// the queue lacks); it is admitted when the applications ahead have been and its footprint fits.
	ReasonWaitingForCapacity = "WaitingForCapacity"
	// ReasonLargerThanQueue: the footprint alone exceeds the queue's quota; it waits without holding up the
	// applications behind it, until the quota grows or the spec shrinks.
	ReasonLargerThanQueue = "LargerThanQueue"
	// ReasonQueueNotFound: the queue the application names (or its namespace's stoke.dev/queue label names)
	// does not exist.
	ReasonQueueNotFound = "QueueNotFound"
	// ReasonQueueInvalid: the queue has a limit of zero or less and admits nothing.
	ReasonQueueInvalid = "QueueInvalid"
	// ReasonNamespaceNotAllowed: the queue's namespaceSelector does not select the application's namespace.
	ReasonNamespaceNotAllowed = "NamespaceNotAllowed"
	// ReasonWaitingForNamespaceQuota: the attempt's first pods do not fit a ResourceQuota of the namespace.
	ReasonWaitingForNamespaceQuota = "WaitingForNamespaceQuota"
	// ReasonAdmitted (condition False): the attempt was admitted and may create its driver.
	ReasonAdmitted = "Admitted"
)

// admit is the admission gate before an attempt creates anything: the namespace's ResourceQuotas must hold
// the attempt's first pods (the driver and its initial executors), and the application's SparkQueue, if it
// uses one, must admit that footprint. An admission is recorded in status (status.queue.admittedTime) and
// written before the attempt is created, on the next pass, so a crash never loses one. It reports whether
// the attempt may be created in this pass.
func (r *Reconciler) admit(ctx context.Context, p *pass, app *stokev1.SparkApplication, objs *spark.Objects, number int32) (bool, error) {
	st := &p.app.Status
	key := types.NamespacedName{Namespace: p.app.Namespace, Name: p.app.Name}
	if admission.KueueQueue(p.app) != "" {
		// Kueue admits it (its ClusterQueues hold the quota); spec.queue and the namespace's queue label
		// are not used.
		return r.admitByKueue(ctx, p, app, objs, number)
	}
	queue, err := r.queueOf(ctx, p.app)
	if err != nil {
		return false, err
	}
	if q := st.Queue; q != nil && q.Name == queue && q.Attempt == number && q.AdmittedTime != nil {
		return true, nil
	}
	if q := st.Queue; q != nil && q.AdmittedTime != nil && q.Attempt != number {
		// The admission was an earlier attempt's, which ended in this same pass (a preempted or superseded
		// attempt starts the next at once): it holds nothing any more, and the new attempt queues afresh.
		r.Options.Admission.Release(key)
	}
	quotas := &corev1.ResourceQuotaList{}
	if err := r.Client.List(ctx, quotas, client.InNamespace(app.Namespace)); err != nil {
		return false, fmt.Errorf("listing the namespace's ResourceQuotas: %w", err)
	}
	if queue == "" && len(quotas.Items) == 0 {
		// Nothing to admit against: the footprint is not even computed.
		r.notQueued(p)
		return true, nil
	}
	executor, err := spark.ExecutorPod(app, objs)
	if err != nil {
		return false, r.refused(p, err, "")
	}
	executors := spark.InitialExecutors(&app.Spec)
	need := admission.Need(objs.DriverPod, executor, executors)
	if short := admission.QuotaShortfall(quotas.Items, need, admission.PodLimits(objs.DriverPod, executor, executors)); len(short) > 0 {
		r.queued(p, ReasonWaitingForNamespaceQuota, fmt.Sprintf("the attempt's first %d pods (%s) do not fit the namespace's ResourceQuota: %s",
			need.Pods, admission.Describe(need), strings.Join(short, "; ")))
		// A ResourceQuota's change wakes it (the watch in SetupWithManager); this is the fallback.
		p.recheckAfter(maxWaitRecheck)
		return false, nil
	}
	if queue == "" {
		r.notQueued(p)
		return true, nil
	}
	standing := &stokev1.QueueStanding{Name: queue, Attempt: number, Footprint: need.Footprint()}
	st.Queue = standing
	queues := &stokev1.SparkQueueList{}
	if err := r.Client.List(ctx, queues); err != nil {
		return false, fmt.Errorf("listing SparkQueues: %w", err)
	}
	sq := findQueue(queues.Items, queue)
	if sq == nil {
		r.Options.Admission.Release(key)
		r.queued(p, ReasonQueueNotFound, fmt.Sprintf("SparkQueue %q does not exist; the application waits until it does", queue))
		return false, nil
	}
	if _, err := admission.LimitsOf(sq.Spec.Quota); err != nil {
		r.Options.Admission.Release(key)
		r.queued(p, ReasonQueueInvalid, fmt.Sprintf("SparkQueue %q admits nothing: %v", queue, err))
		return false, nil
	}
	tree := admission.TreeOf(queues.Items)
	if _, err := tree.Chain(queue); err != nil {
		r.Options.Admission.Release(key)
		r.queued(p, ReasonQueueInvalid, fmt.Sprintf("SparkQueue %q admits nothing: %v", queue, err))
		return false, nil
	}
	if ok, err := r.namespaceMayUse(ctx, sq, app.Namespace); err != nil || !ok {
		if err == nil {
			r.Options.Admission.Release(key)
			r.queued(p, ReasonNamespaceNotAllowed, fmt.Sprintf("SparkQueue %q does not admit applications of namespace %q (its namespaceSelector)", queue, app.Namespace))
		}
		return false, err
	}
	answer, err := r.Options.Admission.Ask(ctx, queue, tree, admission.Waiting{
		Key: key, Priority: p.app.Spec.QueuePriority, Created: p.app.CreationTimestamp.Time, Need: need})
	if err != nil {
		return false, err
	}
	switch {
	case answer.Admitted:
		standing.AdmittedTime = &metav1.Time{Time: p.now}
		if on, most := dynamicAllocation(app); on {
			if n, ok := tree.ExecutorCap(queue, admission.PodNeed(objs.DriverPod), admission.PodNeed(executor)); ok && (most == 0 || n < most) {
				standing.MaxExecutors = ptrTo(int32(min(n, math.MaxInt32)))
			}
		}
		setCondition(st, p.app.Generation, stokev1.ConditionQueued, false, ReasonAdmitted, fmt.Sprintf("admitted by SparkQueue %q with %s", queue, admission.Describe(need)))
		p.event(corev1.EventTypeNormal, ReasonAdmitted, "Attempt %d admitted by SparkQueue %q with %s (%d pods)", number, queue, admission.Describe(need), need.Pods)
		// The admission is written first; the next pass creates the attempt.
		p.recheckAfter(time.Millisecond)
	case len(answer.TooLarge) > 0:
		r.queued(p, ReasonLargerThanQueue, fmt.Sprintf("the attempt's first %d pods (%s) exceed SparkQueue %q's quota on their own (%s); the application waits, without holding up the others, until the quota grows or the spec shrinks",
			need.Pods, admission.Describe(need), queue, strings.Join(answer.TooLarge, ", ")))
	default:
		standing.Position = int32(answer.Position)
		lack := ""
		if answer.Yield != "" {
			lack = "; the queue lets a sibling go first (fair share): " + answer.Yield
		} else if answer.Blocker == key {
			lack = "; the queue lacks room for it: " + strings.Join(answer.Lack, ", ")
		} else if answer.Blocker.Name != "" {
			lack = fmt.Sprintf("; first in line is %s, for which the queue lacks room: %s", answer.Blocker, strings.Join(answer.Lack, ", "))
		}
		if answer.Reclaiming > 0 {
			lack += fmt.Sprintf("; %d application(s) of sibling queues are being stopped to give SparkQueue %q its share back", answer.Reclaiming, queue)
		}
		r.queued(p, ReasonWaitingForCapacity, fmt.Sprintf("waiting in SparkQueue %q at position %d for %d pods (%s)%s", queue, answer.Position, need.Pods, admission.Describe(need), lack))
	}
	return false, nil
}

// notQueued records that the attempt uses no queue (it may have stood in one before).
func (r *Reconciler) notQueued(p *pass) {
	p.app.Status.Queue = nil
	clearCondition(&p.app.Status, p.app.Generation, stokev1.ConditionQueued, ReasonAdmitted, "not queued")
}

// queued records that the next attempt waits to be admitted, and why; the event is emitted when the reason
// changes.
func (r *Reconciler) queued(p *pass, reason, message string) {
	st := &p.app.Status
	if c := meta.FindStatusCondition(st.Conditions, stokev1.ConditionQueued); c == nil || c.Status != metav1.ConditionTrue || c.Reason != reason {
		p.event(corev1.EventTypeNormal, "Queued", "%s", message)
	}
	setCondition(st, p.app.Generation, stokev1.ConditionQueued, true, reason, message)
}

// queueOf is the SparkQueue the application uses: its own spec.queue, else its namespace's stoke.dev/queue
// label (read only when some queue exists: a cluster without queues costs nothing).
func (r *Reconciler) queueOf(ctx context.Context, app *stokev1.SparkApplication) (string, error) {
	if app.Spec.Queue != "" {
		return app.Spec.Queue, nil
	}
	queues := &stokev1.SparkQueueList{}
	if err := r.Client.List(ctx, queues, client.Limit(1)); err != nil {
		return "", fmt.Errorf("listing SparkQueues: %w", err)
	}
	if len(queues.Items) == 0 {
		return "", nil
	}
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: app.Namespace}, ns); err != nil {
		return "", fmt.Errorf("reading namespace %q for its default queue: %w", app.Namespace, err)
	}
	return ns.Labels[stokev1.LabelQueue], nil
}

// namespaceMayUse reports whether the queue's namespaceSelector selects the namespace (unset: every one).
func (r *Reconciler) namespaceMayUse(ctx context.Context, sq *stokev1.SparkQueue, namespace string) (bool, error) {
	if sq.Spec.NamespaceSelector == nil {
		return true, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(sq.Spec.NamespaceSelector)
	if err != nil {
		return false, nil // an unparsable selector selects nothing; the CRD schema admits few such
	}
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return false, fmt.Errorf("reading namespace %q for SparkQueue %q's namespaceSelector: %w", namespace, sq.Name, err)
	}
	return sel.Matches(labels.Set(ns.Labels)), nil
}

// settleQueue drops the application's queue standing once it neither waits nor holds anything: the
// admitted attempt ended, or the application finished or is suspended.
func settleQueue(st *stokev1.SparkApplicationStatus, generation int64) {
	q := st.Queue
	if q == nil {
		return
	}
	cur := st.CurrentAttempt
	attemptEnded := q.AdmittedTime != nil && cur != nil && cur.Number == q.Attempt && cur.Outcome != ""
	if attemptEnded || IsFinished(st) || isSuspended(st) {
		st.Queue = nil
		clearCondition(st, generation, stokev1.ConditionQueued, ReasonAttemptEnded, "not queued")
	}
}

// syncAdmission tells the admission manager what the stored status says: an admitted application holds its
// footprint (and may be being stopped for preemption); one that no longer stands in a queue holds nothing
// and waits nowhere.
func (r *Reconciler) syncAdmission(key types.NamespacedName, before *stokev1.QueueStanding, app *stokev1.SparkApplication) {
	if h, ok := admission.HoldingOf(app); ok {
		r.Options.Admission.Hold(key, h)
	} else if app.Status.Queue == nil && before != nil {
		r.Options.Admission.Release(key)
	}
}

// waitingFor maps a queue to the applications that stand in it without being admitted.
func (r *Reconciler) waitingFor(ctx context.Context, queue client.Object) []reconcile.Request {
	list := &stokev1.SparkApplicationList{}
	if err := r.Client.List(ctx, list, client.MatchingFields{indexWaitingForQueue: queue.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// queuedIn maps a ResourceQuota to its namespace's applications waiting for namespace quota.
func (r *Reconciler) queuedIn(ctx context.Context, quota client.Object) []reconcile.Request {
	list := &stokev1.SparkApplicationList{}
	if err := r.Client.List(ctx, list, client.InNamespace(quota.GetNamespace()),
		client.MatchingFields{indexWaitingForNamespaceQuota: "true"}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// waitsForNamespaceQuota: the application is queued because its namespace's ResourceQuota has no room.
func waitsForNamespaceQuota(app *stokev1.SparkApplication) bool {
	c := meta.FindStatusCondition(app.Status.Conditions, stokev1.ConditionQueued)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == ReasonWaitingForNamespaceQuota
}

func findQueue(queues []stokev1.SparkQueue, name string) *stokev1.SparkQueue {
	for i := range queues {
		if queues[i].Name == name {
			return &queues[i]
		}
	}
	return nil
}

// dynamicAllocation reports whether the application scales its executors (spec.dynamicAllocation, else
// sparkConf), and the most it asks for (0: no bound).
func dynamicAllocation(app *stokev1.SparkApplication) (on bool, most int64) {
	if d := app.Spec.DynamicAllocation; d != nil {
		if d.MaxExecutors != nil {
			most = int64(*d.MaxExecutors)
		}
		return d.Enabled, most
	}
	conf := app.Spec.SparkConf
	most, _ = strconv.ParseInt(conf["spark.dynamicAllocation.maxExecutors"], 10, 64)
	return conf["spark.dynamicAllocation.enabled"] == "true", most
}

// withExecutorCap is the application the attempt is built from: its dynamic allocation's maxExecutors
// capped to what its queue admitted (status.queue.maxExecutors), in a copy; the application itself when
// there is no cap.
func withExecutorCap(app *stokev1.SparkApplication, q *stokev1.QueueStanding, number int32) *stokev1.SparkApplication {
	if q == nil || q.AdmittedTime == nil || q.Attempt != number || q.MaxExecutors == nil {
		return app
	}
	capped := app.DeepCopy()
	if d := capped.Spec.DynamicAllocation; d != nil {
		d.MaxExecutors = q.MaxExecutors
		return capped
	}
	if capped.Spec.SparkConf == nil {
		capped.Spec.SparkConf = map[string]string{}
	}
	capped.Spec.SparkConf["spark.dynamicAllocation.maxExecutors"] = strconv.Itoa(int(*q.MaxExecutors))
	return capped
}
