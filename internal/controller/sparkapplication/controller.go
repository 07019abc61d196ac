// Package sparkapplication runs SparkApplications: for each attempt it creates the driver objects Spark's
// spark-submit would create, follows the driver and its executors, ends the attempt from what the pods show,
// and retries, suspends, resumes and expires the application. Every pass decides from observed state, not
// from a flag an earlier pass wrote (level-triggered).
package sparkapplication

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/controller/cachelag"
	"github.com/stokehq/stoke/internal/controller/options"
	"github.com/stokehq/stoke/internal/metrics"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/usage"
)

// +kubebuilder:rbac:groups=stoke.dev,resources=sparkapplications,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups=stoke.dev,resources=sparkapplications/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;create;delete;deletecollection
// +kubebuilder:rbac:groups="",resources=services;configmaps,verbs=get;create;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies;ingresses,verbs=get;create;delete
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;create;delete
// +kubebuilder:rbac:groups=scheduling.volcano.sh,resources=podgroups,verbs=get;create;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Options tune the reconciler. Zero values take the defaults.
type Options struct {
	// LostDriverGrace is how long after submission an absent driver pod is awaited before the attempt is
	// declared lost (default 30s). A live GET confirms absence first.
	LostDriverGrace time.Duration
	// PastAttempts is how many ended attempts status keeps (default 10).
	PastAttempts int
	// MaxConcurrentReconciles is the number of workers (default 8).
	MaxConcurrentReconciles int
	// Clock is injected for tests (default the real clock).
	Clock clock.PassiveClock
	// NamespaceAllowed, when set, limits the reconciler to the namespaces it accepts.
	NamespaceAllowed func(ctx context.Context, namespace string) (bool, error)
	// ProgressInterval is the least time between two status writes that only refresh executor progress
	// (counts, and the first executor's start when no timeout depends on it); such a change is written with
	// the next other change or once this much time has passed since the last write (default 5s).
	ProgressInterval time.Duration
	// EventLog is the operator's event-log setting, applied to every application that does not turn it off
	// (spark.WithEventLog).
	EventLog *spark.EventLog
	// Admission is the admission manager the SparkQueue controller shares (default: one of the
	// reconciler's own, reading through APIReader).
	Admission *admission.Manager
	// ActiveRecheck is the longest an application with an attempt in progress goes without a pass
	// (default 30s). Pod events bring its progress, but they can be missed: a driver pod that starts and
	// ends while the operator's pod watches are cut off (an API server restart) never appears in the
	// driver cache, which holds only pods that have not ended, so its relist brings no event either. The
	// chaos suite found 30 of 1,000 applications left Running that way (docs/reliability.md). A pass that
	// finds nothing new writes nothing.
	ActiveRecheck time.Duration
}

func (o Options) withDefaults() Options {
	if o.LostDriverGrace == 0 {
		o.LostDriverGrace = 30 * time.Second
	}
	if o.PastAttempts == 0 {
		o.PastAttempts = 10
	}
	if o.MaxConcurrentReconciles == 0 {
		o.MaxConcurrentReconciles = 8
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.ProgressInterval == 0 {
		o.ProgressInterval = 5 * time.Second
	}
	if o.ActiveRecheck == 0 {
		o.ActiveRecheck = 30 * time.Second
	}
	return o
}

// Reconciler reconciles SparkApplications.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server directly, for decisions a stale cache must not make.
	APIReader client.Reader
	Recorder  record.EventRecorder
	// Drivers, when set, caches the driver pods that have not ended, apart from Client's cache (which then
	// holds the other pods); the reconciler reads driver pods from it and watches it. An ended driver pod
	// is read from the API server. Nil: Client's cache holds every pod.
	Drivers cache.Cache
	Options Options

	// lastWrite remembers, per application, its last status write: to space out progress-only writes, and
	// to recognise a cache that still holds the version that write replaced. Losing it (a restart) only
	// means one earlier write or one conflict.
	lastWrite cachelag.Writes
	// probes remembers executor pod shapes that passed a dry run recently.
	probes executorProbes
	// departures remembers when deleted pods ended, for the usage ledger.
	departures usage.Departures
}

// finishedRecheck is how soon after the status write that finished an application it is looked at once
// more, to forget that write.
const finishedRecheck = time.Second

// SetupWithManager registers the reconciler. Pods reach it through the stoke.dev/application annotation
// that driver and executor pods carry.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.Options = r.Options.withDefaults()
	if r.Options.Admission == nil {
		r.Options.Admission = admission.NewManager(r.APIReader)
	}
	if err := r.indexCache(mgr); err != nil {
		return err
	}
	appPredicates := []predicate.Predicate{predicate.Or(
		predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, predicate.LabelChangedPredicate{})}
	if r.Options.NamespaceAllowed != nil {
		// Applications in namespaces outside the selector cost no reconcile. A namespace the cache has not
		// seen yet counts as outside: its own creation event (below) brings its applications in.
		appPredicates = append(appPredicates, predicate.NewPredicateFuncs(func(obj client.Object) bool {
			ok, err := r.Options.NamespaceAllowed(context.Background(), obj.GetNamespace())
			return ok || err != nil
		}))
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&stokev1.SparkApplication{}, builder.WithPredicates(appPredicates...)).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.podToApplication)).
		// Applications a queue can admit now (capacity freed, a quota raised), from the admission manager.
		WatchesRawSource(source.Channel(r.Options.Admission.ApplicationEvents(), &handler.EnqueueRequestForObject{})).
		// A queue created or changed: the applications that wait for it look again.
		Watches(&stokev1.SparkQueue{}, handler.EnqueueRequestsFromMapFunc(r.waitingFor),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A namespace's ResourceQuota changed (its usage fell, its limits grew): its queued applications look again.
		Watches(&corev1.ResourceQuota{}, handler.EnqueueRequestsFromMapFunc(r.queuedIn)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Options.MaxConcurrentReconciles, RateLimiter: options.RetryLimiter()}).
		Named("sparkapplication")
	if r.Drivers != nil {
		b = b.WatchesRawSource(source.Kind(r.Drivers, client.Object(&corev1.Pod{}), handler.EnqueueRequestsFromMapFunc(r.podToApplication)))
	}
	if gvk := admission.WorkloadGVK; kindServed(mgr, gvk) {
		// Kueue admitting or evicting an application's Workload looks at the application at once. Only the
		// Workloads' metadata is cached (their pod templates are large); the reconciler reads a Workload
		// from the API server.
		wl := &metav1.PartialObjectMetadata{}
		wl.SetGroupVersionKind(gvk)
		b = b.Watches(wl, handler.EnqueueRequestForOwner(mgr.GetScheme(), mgr.GetRESTMapper(), &stokev1.SparkApplication{}, handler.OnlyControllerOwner()))
	}
	if r.Options.NamespaceAllowed != nil {
		// A namespace that starts matching the selector (or is created matching it) has its applications
		// looked at right away.
		b = b.Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.applicationsIn),
			builder.WithPredicates(predicate.LabelChangedPredicate{}))
	}
	return b.Complete(r)
}

// kindServed reports whether the API server serves the kind when the operator starts.
func kindServed(mgr ctrl.Manager, gvk schema.GroupVersionKind) bool {
	_, err := mgr.GetRESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	return err == nil
}

// Cache indexes: the lookups a reconcile makes find their few objects directly instead of scanning every
// cached application or pod of a namespace (50,000 retained applications must not make each pass slower).
const (
	// indexExecutorsOf: an executor pod by its Spark application id (driver pods are not indexed).
	indexExecutorsOf = "stoke.executorsOf"
	// indexWaitingForQueue: an application standing in a queue, not admitted, by the queue's name.
	indexWaitingForQueue = "stoke.waitingForQueue"
	// indexWaitingForNamespaceQuota: an application queued for its namespace's ResourceQuota ("true").
	indexWaitingForNamespaceQuota = "stoke.waitingForNamespaceQuota"
)

// indexCache registers the indexes and the stoke_applications counter on the manager's cache.
func (r *Reconciler) indexCache(mgr ctrl.Manager) error {
	ctx := context.Background()
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &corev1.Pod{}, indexExecutorsOf, func(o client.Object) []string {
		if l := o.GetLabels(); l[spark.LabelRole] == spark.RoleExecutor && l[spark.LabelAppSelector] != "" {
			return []string{l[spark.LabelAppSelector]}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing executor pods: %w", err)
	}
	if err := idx.IndexField(ctx, &stokev1.SparkApplication{}, indexWaitingForQueue, func(o client.Object) []string {
		if q := o.(*stokev1.SparkApplication).Status.Queue; q != nil && q.AdmittedTime == nil {
			return []string{q.Name}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing queued applications: %w", err)
	}
	if err := idx.IndexField(ctx, &stokev1.SparkApplication{}, indexWaitingForNamespaceQuota, func(o client.Object) []string {
		if waitsForNamespaceQuota(o.(*stokev1.SparkApplication)) {
			return []string{"true"}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing applications waiting for namespace quota: %w", err)
	}
	inf, err := mgr.GetCache().GetInformer(ctx, &stokev1.SparkApplication{})
	if err != nil {
		return fmt.Errorf("the SparkApplication informer: %w", err)
	}
	counter := newPhaseCounter()
	if _, err := inf.AddEventHandler(counter.handler()); err != nil {
		return err
	}
	metrics.SetPhaseSource(counter.source())
	return nil
}

func (r *Reconciler) applicationsIn(ctx context.Context, ns client.Object) []reconcile.Request {
	list := &stokev1.SparkApplicationList{}
	if err := r.Client.List(ctx, list, client.InNamespace(ns.GetName())); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, app := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&app)})
	}
	return reqs
}

// podToApplication maps a pod event to its application, unless the application is finished and the pod
// cannot give it work (IgnorePodEvent): a finished application's pods change long after it ended (status
// refreshes, deletions), and thousands of retained applications must not cost a reconcile each time.
func (r *Reconciler) podToApplication(ctx context.Context, obj client.Object) []reconcile.Request {
	name := obj.GetAnnotations()[spark.AnnotationApplication]
	if name == "" {
		return nil
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		r.departures.Record(pod, r.Options.Clock.Now())
	}
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}
	app := &stokev1.SparkApplication{}
	if err := r.Client.Get(ctx, key, app); err == nil && IgnorePodEvent(app, obj) {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}

// pass is one reconcile of one application: the object, the status being computed, and the events to emit
// once that status is stored.
type pass struct {
	app    *stokev1.SparkApplication
	now    time.Time
	events []event
	// requeue is the earliest time the application must be looked at again (zero: no deadline).
	requeue time.Duration
	// workload is the application's Kueue Workload as this pass read it (kueueWorkload), nil until read.
	workload *workloadRead
	// driver is the driver pod as this pass read it (driverPod), nil until read.
	driver *driverRead
}

type event struct{ kind, reason, message string }

func (p *pass) event(kind, reason, format string, args ...any) {
	p.events = append(p.events, event{kind, conditions.Reason(reason), conditions.Eventf(format, args...)})
}

func (p *pass) recheckAfter(d time.Duration) {
	if d > 0 && (p.requeue == 0 || d < p.requeue) {
		p.requeue = d
	}
}

// Reconcile composes the phases: suspend, finished (rerun or expire), the running attempt, and the start
// of the next attempt; then it stores the status and emits the events of the transitions it made.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if allowed := r.Options.NamespaceAllowed; allowed != nil {
		if ok, err := allowed(ctx, req.Namespace); err != nil || !ok {
			return ctrl.Result{}, err
		}
	}
	app := &stokev1.SparkApplication{}
	if err := r.Client.Get(ctx, req.NamespacedName, app); err != nil {
		if apierrors.IsNotFound(err) {
			r.lastWrite.Forget(req.NamespacedName)
			r.Options.Admission.Release(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if app.DecodeError != "" {
		return ctrl.Result{}, r.reportUnreadable(ctx, app)
	}
	if wait, stale := r.lastWrite.Stale(req.NamespacedName, app.ResourceVersion); stale {
		// The cache has not seen our last status write yet: acting on it would redo that pass (a second
		// create of the same objects, a status write that conflicts).
		return ctrl.Result{RequeueAfter: wait}, nil
	} else if IsFinished(&app.Status) {
		r.lastWrite.Forget(req.NamespacedName)
	}
	if !app.DeletionTimestamp.IsZero() {
		r.Options.Admission.Release(req.NamespacedName)
		return ctrl.Result{}, nil // owner references let the garbage collector remove the attempt's objects
	}
	before := app.Status.DeepCopy()
	p := &pass{app: app, now: r.Options.Clock.Now()}

	if err := r.reconcilePhases(ctx, p); err != nil {
		return ctrl.Result{}, err
	}
	if p.app == nil { // deleted by its TTL
		return ctrl.Result{}, nil
	}
	if cur := app.Status.CurrentAttempt; cur != nil && cur.Outcome == "" {
		p.recheckAfter(r.Options.ActiveRecheck) // a missed pod event delays an attempt's progress, never stops it
	}
	settleQueue(&app.Status, app.Generation)
	app.Status.ObservedGeneration = app.Generation
	app.Status.Phase = PhaseOf(app.Status.Conditions)
	if !equality.Semantic.DeepEqual(before, &app.Status) {
		if wait := r.progressWait(req.NamespacedName, before, app, p); wait > 0 {
			p.recheckAfter(wait)
		} else {
			replaced := app.ResourceVersion
			if err := r.Client.Status().Update(ctx, app); err != nil {
				if apierrors.IsConflict(err) {
					return ctrl.Result{Requeue: true}, nil // a newer version exists; decide again from it
				}
				return ctrl.Result{}, fmt.Errorf("updating status: %w", err)
			}
			r.lastWrite.Wrote(req.NamespacedName, p.now, replaced)
			recordTransitions(app, before, p.now)
			if IsFinished(&app.Status) {
				// One more look once the cache has caught up forgets this write: a finished application
				// may get no other pass (its pod events are ignored), and the entry must not outlive it.
				p.recheckAfter(finishedRecheck)
			}
		}
	}
	r.syncAdmission(req.NamespacedName, before.Queue, app)
	for _, e := range p.events {
		r.Recorder.Event(app, e.kind, e.reason, e.message)
	}
	return ctrl.Result{RequeueAfter: p.requeue}, nil
}

// progressWait is how long a status write that only refreshes executor progress waits, so that an
// application with many executors starting and stopping is not written for every executor pod event. Zero
// means write now: something else changed, events are due, or the last write was long enough ago.
func (r *Reconciler) progressWait(key types.NamespacedName, before *stokev1.SparkApplicationStatus, app *stokev1.SparkApplication, p *pass) time.Duration {
	if len(p.events) > 0 || !ProgressOnly(before, &app.Status, &app.Spec) {
		return 0
	}
	last, ok := r.lastWrite.Last(key)
	if !ok {
		return 0
	}
	return max(last.At.Add(r.Options.ProgressInterval).Sub(p.now), 0)
}

func (r *Reconciler) reconcilePhases(ctx context.Context, p *pass) error {
	st := &p.app.Status
	active := st.CurrentAttempt != nil && st.CurrentAttempt.Outcome == ""

	if p.app.Spec.Suspend {
		return r.suspend(ctx, p)
	}
	if isSuspended(st) {
		return r.resume(ctx, p)
	}
	if active {
		ended, err := r.followAttempt(ctx, p)
		if err != nil || !ended {
			return err
		}
	}
	if IsFinished(st) {
		return r.finished(ctx, p)
	}
	return r.startWhenDue(ctx, p)
}

// reportUnreadable marks an application whose stored object does not decode (see
// SparkApplication.DecodeError) as failed, with a merge patch of its status alone: the rest of the object
// cannot be read, so it can neither run nor be written back whole. It is reported once.
func (r *Reconciler) reportUnreadable(ctx context.Context, app *stokev1.SparkApplication) error {
	failed := meta.FindStatusCondition(app.Status.Conditions, stokev1.ConditionFailed)
	if failed != nil && failed.Status == metav1.ConditionTrue && failed.Reason == ReasonUnreadable {
		return nil
	}
	st := app.Status.DeepCopy()
	msg := app.DecodeError + "; fix the object or delete it"
	setCondition(st, app.Generation, stokev1.ConditionFailed, true, ReasonUnreadable, msg)
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"phase": PhaseOf(st.Conditions), "conditions": st.Conditions}})
	if err != nil {
		return fmt.Errorf("encoding the status of an unreadable application: %w", err)
	}
	if err := r.Client.Status().Patch(ctx, app, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("recording that the application cannot be read: %w", err)
	}
	r.Recorder.Event(app, corev1.EventTypeWarning, ReasonUnreadable, conditions.Bound(msg, conditions.MaxEventMessage))
	return nil
}
