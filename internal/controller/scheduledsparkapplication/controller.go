// Package scheduledsparkapplication runs ScheduledSparkApplications: at each fire time of the schedule it
// creates a SparkApplication from the template, with the run's logical time substituted in, named from the
// schedule and the scheduled time so that no fire time ever gets two runs, even across operator restarts.
// It also applies the concurrency policy, prunes finished runs beyond the history limits, stops after too
// many consecutive failures, starts run-now and backfill runs, and starts the runs HTTP triggers created
// (which `stoke server` creates waiting, as the caller) when the concurrency policy lets them. Every pass decides from the observed runs
// and the schedule's status, and requeues at the next fire time instead of polling.
package scheduledsparkapplication

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/controller/cachelag"
	"github.com/stokehq/stoke/internal/controller/options"
	"github.com/stokehq/stoke/internal/metrics"
	"github.com/stokehq/stoke/internal/schedule"
)

// +kubebuilder:rbac:groups=stoke.dev,resources=scheduledsparkapplications,verbs=get;list;watch
// +kubebuilder:rbac:groups=stoke.dev,resources=scheduledsparkapplications/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=stoke.dev,resources=scheduledsparkapplications/finalizers,verbs=update
// +kubebuilder:rbac:groups=stoke.dev,resources=sparkapplications,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=stoke.dev,resources=sparkworkflows,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Options tune the reconciler. Zero values take the defaults.
type Options = options.Options

// Reconciler reconciles ScheduledSparkApplications.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader lists runs from the API server directly before a backfill starts more of them, so that a
	// stale cache cannot exceed the parallelism limit.
	APIReader client.Reader
	Recorder  record.EventRecorder
	Options   Options

	// lastWrite recognises a cached schedule that predates this reconciler's own last status write: a pass
	// acting on it would start again a run whose start that write recorded (a run-now token, a fire time)
	// once the run itself is gone.
	lastWrite cachelag.Writes
}

// SetupWithManager registers the reconciler; a run's changes reach its schedule through its controller
// owner reference.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.Options = r.Options.WithDefaults()
	return ctrl.NewControllerManagedBy(mgr).
		For(&stokev1.ScheduledSparkApplication{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&stokev1.SparkApplication{}, builder.WithPredicates(runEnded)).
		Owns(&stokev1.SparkWorkflow{}, builder.WithPredicates(runEnded)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Options.MaxConcurrentReconciles, RateLimiter: options.RetryLimiter()}).
		Named("scheduledsparkapplication").
		Complete(r)
}

// runEnded passes a run's updates that matter to its schedule: it finished (or was un-finished by a rerun
// or a workflow retry), or is being deleted. The many status updates of a running run do not wake the
// schedule, which keeps its workers free for fire times.
var runEnded = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	return runFinished(e.ObjectOld) != runFinished(e.ObjectNew) ||
		e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
}}

func runFinished(obj client.Object) bool {
	var conds []metav1.Condition
	switch o := obj.(type) {
	case *stokev1.SparkApplication:
		conds = o.Status.Conditions
	case *stokev1.SparkWorkflow:
		conds = o.Status.Conditions
	default:
		return false
	}
	return isTrue(conds, stokev1.ConditionSucceeded) || isTrue(conds, stokev1.ConditionFailed)
}

// pass is one reconcile of one schedule.
type pass struct {
	sched *stokev1.ScheduledSparkApplication
	now   time.Time
	runs  observedRuns
	// requeue is when the schedule must be looked at again (zero: only on a change).
	requeue time.Duration
	// skipped are the reasons of the fire times this pass decided not to run (metrics.Skip*), counted once
	// the status that records them is written.
	skipped []string
}

// Reconcile observes the runs, records and prunes the finished ones, then (unless the spec is invalid or
// the schedule suspended) starts the due scheduled run, the run-now run and backfill runs, and stores the
// status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if allowed := r.Options.NamespaceAllowed; allowed != nil {
		if ok, err := allowed(ctx, req.Namespace); err != nil || !ok {
			return ctrl.Result{}, err
		}
	}
	sched := &stokev1.ScheduledSparkApplication{}
	if err := r.Client.Get(ctx, req.NamespacedName, sched); err != nil {
		if apierrors.IsNotFound(err) {
			r.lastWrite.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if wait, stale := r.lastWrite.Stale(req.NamespacedName, sched.ResourceVersion); stale {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if !sched.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // the garbage collector removes the runs
	}
	before := sched.Status.DeepCopy()
	p := &pass{sched: sched, now: r.Options.Clock.Now()}
	if err := r.reconcilePhases(ctx, p); errors.Is(err, errRunRejected) {
		st := &sched.Status
		st.NextScheduleTime, p.requeue = nil, 0
	} else if err != nil {
		return ctrl.Result{}, err
	}
	st := &sched.Status
	st.ObservedGeneration = sched.Generation
	st.Phase = phaseOf(st.Conditions)
	st.Active, st.Waiting = nil, nil
	for _, run := range p.runs.active {
		st.Active = append(st.Active, run.obj.GetName())
	}
	for _, run := range p.runs.waiting {
		st.Waiting = append(st.Waiting, run.obj.GetName())
	}
	if !equality.Semantic.DeepEqual(before, st) {
		replaced := sched.ResourceVersion
		if err := r.Client.Status().Update(ctx, sched); apierrors.IsConflict(err) {
			if r.storeOnLatest(ctx, sched, before) {
				p.countSkips()
				return ctrl.Result{RequeueAfter: p.requeue}, nil
			}
			// The pass started from a status that is no longer current: it is redone on the newer version,
			// and its creates adopt what this pass created.
			return ctrl.Result{Requeue: true}, nil
		} else if err != nil {
			return ctrl.Result{}, fmt.Errorf("storing the status of schedule %s: %w", sched.Name, err)
		}
		r.lastWrite.Wrote(req.NamespacedName, p.now, replaced)
	}
	p.countSkips()
	return ctrl.Result{RequeueAfter: p.requeue}, nil
}

// countSkips counts the pass's skipped fire times, once the status recording them is stored.
func (p *pass) countSkips() {
	for _, reason := range p.skipped {
		metrics.ScheduleFiresSkipped.WithLabelValues(p.sched.Namespace, reason).Inc()
	}
}

// storeOnLatest writes the computed status onto the latest version of the schedule when only its metadata
// changed since the pass read it (an annotation, a label): same generation and the same status the pass
// started from, so the pass's decisions still hold. It keeps records such as a replaced run, which the next
// pass could not observe again.
func (r *Reconciler) storeOnLatest(ctx context.Context, sched *stokev1.ScheduledSparkApplication, before *stokev1.ScheduledSparkApplicationStatus) bool {
	if r.APIReader == nil {
		return false
	}
	latest := &stokev1.ScheduledSparkApplication{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(sched), latest); err != nil {
		return false
	}
	if latest.Generation != sched.Generation || !equality.Semantic.DeepEqual(&latest.Status, before) {
		return false
	}
	latest.Status = sched.Status
	replaced := latest.ResourceVersion
	if r.Client.Status().Update(ctx, latest) != nil {
		return false
	}
	r.lastWrite.Wrote(client.ObjectKeyFromObject(sched), time.Now(), replaced)
	return true
}

func (r *Reconciler) reconcilePhases(ctx context.Context, p *pass) error {
	if err := r.observe(ctx, p, r.Client); err != nil {
		return err
	}
	if err := r.recordAndPrune(ctx, p); err != nil {
		return err
	}
	s, ok := r.validate(p)
	if !ok {
		p.sched.Status.NextScheduleTime = nil
		return nil
	}
	spec, st := &p.sched.Spec, &p.sched.Status
	if spec.Suspend {
		conditions.Set(&st.Conditions, p.sched.Generation, stokev1.ConditionSuspended, true, ReasonSuspendedByUser, "spec.suspend is true: no new runs start")
		st.NextScheduleTime = nil
		return nil
	}
	conditions.Set(&st.Conditions, p.sched.Generation, stokev1.ConditionSuspended, false, ReasonNotSuspended, "")
	if err := r.scheduled(ctx, p, s); err != nil {
		return err
	}
	if err := r.runNow(ctx, p, s); err != nil {
		return err
	}
	if err := r.backfill(ctx, p, s); err != nil {
		return err
	}
	return r.releaseWaiting(ctx, p)
}

// observe lists the schedule's runs: SparkApplications and SparkWorkflows labelled with its name and
// controlled by it.
func (r *Reconciler) observe(ctx context.Context, p *pass, reader client.Reader) error {
	selector := []client.ListOption{client.InNamespace(p.sched.Namespace), client.MatchingLabels{stokev1.LabelSchedule: p.sched.Name}}
	apps := &stokev1.SparkApplicationList{}
	if err := reader.List(ctx, apps, selector...); err != nil {
		return fmt.Errorf("listing the runs of schedule %s: %w", p.sched.Name, err)
	}
	workflows := &stokev1.SparkWorkflowList{}
	if err := reader.List(ctx, workflows, selector...); err != nil {
		return fmt.Errorf("listing the workflow runs of schedule %s: %w", p.sched.Name, err)
	}
	var own []runSource
	owned := func(obj client.Object) bool {
		ref := metav1.GetControllerOf(obj)
		return ref != nil && ref.UID == p.sched.UID
	}
	for i := range apps.Items {
		if owned(&apps.Items[i]) {
			own = append(own, applicationSource(&apps.Items[i]))
		}
	}
	for i := range workflows.Items {
		if owned(&workflows.Items[i]) {
			own = append(own, workflowSource(&workflows.Items[i]))
		}
	}
	p.runs = observeRuns(own)
	return nil
}

// recordAndPrune records newly finished runs in status and deletes finished runs beyond the history limits.
func (r *Reconciler) recordAndPrune(ctx context.Context, p *pass) error {
	spec, st := &p.sched.Spec, &p.sched.Status
	for _, run := range recordFinished(st, p.runs.finished, recentRunsLimit(spec)) {
		kind := "Normal"
		if run.outcome == stokev1.RunFailed {
			kind = "Warning"
		}
		r.event(p, kind, "Run"+string(run.outcome), "run %s (scheduled %s) %s", run.obj.GetName(), run.scheduled.Format(time.RFC3339), run.outcome)
	}
	succeeded, failed := historyLimits(spec)
	for _, run := range toPrune(p.runs.finished, succeeded, failed) {
		if err := r.Client.Delete(ctx, run.obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting run %s beyond the history limit: %w", run.obj.GetName(), err)
		}
	}
	if stop, message := stopped(spec, st); stop {
		if !isTrue(st.Conditions, stokev1.ConditionStopped) {
			r.event(p, "Warning", ReasonFailureLimitReached, "%s", message)
		}
		conditions.Set(&st.Conditions, p.sched.Generation, stokev1.ConditionStopped, true, ReasonFailureLimitReached, message)
	} else {
		conditions.Set(&st.Conditions, p.sched.Generation, stokev1.ConditionStopped, false, ReasonBelowFailureLimit, "")
	}
	return nil
}

// scheduled starts (or skips) the run for the most recent due fire time and requeues for the next one.
func (r *Reconciler) scheduled(ctx context.Context, p *pass, s *schedule.Schedule) error {
	st := &p.sched.Status
	if isTrue(st.Conditions, stokev1.ConditionStopped) {
		st.NextScheduleTime = nil
		return nil
	}
	last := p.sched.CreationTimestamp.Time
	if st.LastScheduleTime != nil {
		last = st.LastScheduleTime.Time
	}
	due, late, superseded, next := dueTimes(s, &p.sched.Spec, last, p.now)
	for range superseded {
		p.skipped = append(p.skipped, metrics.SkipSuperseded)
	}
	if !late.IsZero() {
		r.skip(p, late, metrics.SkipMissedDeadline, fmt.Sprintf("missed its starting deadline of %ds", *p.sched.Spec.StartingDeadlineSeconds))
	}
	for _, t := range due {
		if p.runs.has(schedule.RunName(p.sched.Name, t)) {
			// Created by an earlier pass whose status write this (cached) status does not show yet.
			st.LastScheduleTime = &metav1.Time{Time: t}
			continue
		}
		action := schedule.Decide(schedule.ConcurrencyPolicy(p.sched.Spec.ConcurrencyPolicy), t, activeRuns(p.runs.active))
		if !action.Start {
			r.skip(p, t, metrics.SkipConcurrency, action.SkipReason)
			continue
		}
		if err := r.start(ctx, p, s, t, stokev1.RunTriggerSchedule, schedule.RunName(p.sched.Name, t), action.Replace); err != nil {
			return err
		}
		st.LastScheduleTime = &metav1.Time{Time: t}
	}
	if !next.IsZero() {
		st.NextScheduleTime = &metav1.Time{Time: next}
		p.requeue = max(next.Sub(p.now), 0) + time.Second/10
	} else {
		st.NextScheduleTime = nil
	}
	return nil
}

// skip records a fire time that will not run; reason is its metrics label, why the message.
func (r *Reconciler) skip(p *pass, t time.Time, reason, why string) {
	p.skipped = append(p.skipped, reason)
	st := &p.sched.Status
	name := schedule.RunName(p.sched.Name, t)
	appendRecent(st, stokev1.ScheduledRun{
		Name: name, ScheduledTime: metav1.NewTime(t), Trigger: stokev1.RunTriggerSchedule,
		Outcome: stokev1.RunSkipped, FinishTime: &metav1.Time{Time: p.now},
		Message: conditions.Bound(why, conditions.MaxEventMessage),
	}, recentRunsLimit(&p.sched.Spec))
	st.LastScheduleTime = &metav1.Time{Time: t}
	r.event(p, "Warning", ReasonRunSkipped, "fire time %s skipped: %s", t.Format(time.RFC3339), why)
}

// runNow starts one run for a new stoke.dev/run-now token, whose value is the run's logical time (RFC 3339).
// The concurrency policy applies: under Forbid the run waits until the active runs finish, under Replace
// they are deleted. A token that is not a time is recorded as handled and reported in an event.
func (r *Reconciler) runNow(ctx context.Context, p *pass, s *schedule.Schedule) error {
	st := &p.sched.Status
	token := p.sched.Annotations[stokev1.AnnotationRunNow]
	if token == "" || token == st.LastRunNowToken {
		return nil
	}
	t, err := time.Parse(time.RFC3339, token)
	if err != nil || len(token) > 253 {
		st.LastRunNowToken = conditions.Bound(token, 253)
		r.event(p, "Warning", ReasonRunNowInvalid, "annotation %s=%q is not an RFC 3339 time: no run started", stokev1.AnnotationRunNow, token)
		return nil
	}
	name := RunNowName(p.sched.Name, t)
	var replace []string
	if !p.runs.has(name) {
		switch p.sched.Spec.ConcurrencyPolicy {
		case stokev1.ConcurrencyForbid:
			if len(p.runs.active) > 0 {
				return nil // waits until the active runs finish; their changes bring the schedule back
			}
		case stokev1.ConcurrencyReplace:
			for _, a := range p.runs.active {
				replace = append(replace, a.obj.GetName())
			}
		}
	}
	if err := r.start(ctx, p, s, t, stokev1.RunTriggerRunNow, name, replace); err != nil {
		return err
	}
	st.LastRunNowToken = token
	return nil
}

// RunNowName is the name of the run a run-now token with logical time t starts; distinct from the
// scheduled run for the same minute.
func RunNowName(scheduleName string, t time.Time) string {
	return schedule.RunName(scheduleName+"-now", t)
}

// backfill starts runs for the fire times of spec.backfill, oldest first, within the parallelism limit and
// the concurrency policy. Fire times after now are not backfilled.
func (r *Reconciler) backfill(ctx context.Context, p *pass, s *schedule.Schedule) error {
	st := &p.sched.Status
	st.Backfill = backfillProgress(p.sched.Spec.Backfill, st.Backfill)
	progress := st.Backfill
	if progress == nil || progress.Complete {
		return nil
	}
	cursor := progress.From.Add(-time.Nanosecond)
	if progress.LastStarted != nil {
		cursor = progress.LastStarted.Time
	}
	end := progress.To.Time
	if end.After(p.now) {
		end = p.now
	}
	if r.APIReader != nil {
		// The cache may not hold the runs this schedule just created: count them from the API server.
		if err := r.observe(ctx, p, r.APIReader); err != nil {
			return err
		}
	}
	slots := backfillSlots(p.sched.Spec.ConcurrencyPolicy, p.sched.Spec.Backfill.Parallelism, p.runs.active)
	times, _ := s.Between(cursor, end, slots)
	for _, t := range times {
		if err := r.start(ctx, p, s, t, stokev1.RunTriggerBackfill, schedule.RunName(p.sched.Name, t), nil); err != nil {
			return err
		}
		progress.LastStarted = &metav1.Time{Time: t}
		progress.Started++
		cursor = t
	}
	rest, _ := s.Between(cursor, progress.To.Time, 1)
	if len(rest) == 0 {
		progress.Complete = true
		r.event(p, "Normal", ReasonBackfillComplete, "backfill from %s to %s complete: %d runs started",
			progress.From.UTC().Format(time.RFC3339), progress.To.UTC().Format(time.RFC3339), progress.Started)
	} else if next := rest[0]; next.After(p.now) {
		p.requeueAt(next) // the range's later fire times are still to come
	}
	// Otherwise the backfill waits for runs to finish; their changes bring the schedule back.
	return nil
}

func (p *pass) requeueAt(t time.Time) {
	d := max(t.Sub(p.now), 0) + time.Second/10
	if p.requeue == 0 || d < p.requeue {
		p.requeue = d
	}
}

func (r *Reconciler) event(p *pass, kind, reason, format string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Event(p.sched, kind, conditions.Reason(reason), conditions.Eventf(format, args...))
	}
}
