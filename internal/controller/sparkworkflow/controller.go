// Package sparkworkflow runs SparkWorkflows: DAGs whose steps are SparkApplications owned by the workflow.
// Each pass observes the steps' applications, asks the pure engine in internal/dag what is ready, creates
// those applications under deterministic names (so a restarted operator adopts rather than duplicates
// them), and writes a per-step summary. Outputs of finished steps are kept in the workflow's status, so
// later steps can read them even after an application is gone. It also carries out the workflow's
// deadline, suspension, TTL and retry in place.
package sparkworkflow

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
	"github.com/stokehq/stoke/internal/controller/cachelag"
	"github.com/stokehq/stoke/internal/controller/options"
	"github.com/stokehq/stoke/internal/dag"
)

// +kubebuilder:rbac:groups=stoke.dev,resources=sparkworkflows,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups=stoke.dev,resources=sparkworkflows/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=stoke.dev,resources=sparkworkflows/finalizers,verbs=update
// +kubebuilder:rbac:groups=stoke.dev,resources=sparkapplications,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Options tune the reconciler. Zero values take the defaults.
type Options = options.Options

// Reconciler reconciles SparkWorkflows.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader confirms, from the API server, a step the cache does not show before it is created again.
	APIReader client.Reader
	Recorder  record.EventRecorder
	Options   Options

	// lastWrite recognises a cached workflow that predates this reconciler's own last status write, so that
	// a pass never decides again what that write recorded.
	lastWrite cachelag.Writes
}

// SetupWithManager registers the reconciler. A step's application reaches its workflow through its
// controller owner reference, only when its phase or attempt changes (not on every executor count).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.Options = r.Options.WithDefaults()
	return ctrl.NewControllerManagedBy(mgr).
		For(&stokev1.SparkWorkflow{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&stokev1.SparkApplication{}, builder.WithPredicates(stepChanged)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Options.MaxConcurrentReconciles, RateLimiter: options.RetryLimiter()}).
		Named("sparkworkflow").
		Complete(r)
}

// stepChanged passes a step application's updates that can change the workflow: its phase, its attempt or
// its deletion.
var stepChanged = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	before, ok1 := e.ObjectOld.(*stokev1.SparkApplication)
	after, ok2 := e.ObjectNew.(*stokev1.SparkApplication)
	if !ok1 || !ok2 {
		return true
	}
	return before.Status.Phase != after.Status.Phase || attemptOf(before) != attemptOf(after) ||
		before.DeletionTimestamp.IsZero() != after.DeletionTimestamp.IsZero()
}}

// pass is one reconcile of one workflow.
type pass struct {
	wf   *stokev1.SparkWorkflow
	now  time.Time
	spec *compiled
	seen observation
	// requeue is when the workflow must be looked at again (zero: only on a change).
	requeue time.Duration
}

func (p *pass) requeueAt(t time.Time) {
	if d := t.Sub(p.now); d > 0 && (p.requeue == 0 || d < p.requeue) {
		p.requeue = d
	}
}

// Reconcile expires a finished workflow past its TTL, checks the spec, observes the steps, carries out a
// retry request, stops the workflow at its deadline, creates the steps that are ready, and stores the
// status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if allowed := r.Options.NamespaceAllowed; allowed != nil {
		if ok, err := allowed(ctx, req.Namespace); err != nil || !ok {
			return ctrl.Result{}, err
		}
	}
	wf := &stokev1.SparkWorkflow{}
	if err := r.Client.Get(ctx, req.NamespacedName, wf); err != nil {
		if apierrors.IsNotFound(err) {
			r.lastWrite.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if wait, stale := r.lastWrite.Stale(req.NamespacedName, wf.ResourceVersion); stale {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if !wf.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // the garbage collector deletes the steps' applications
	}
	before := wf.Status.DeepCopy()
	p := &pass{wf: wf, now: r.Options.Clock.Now()}
	deleted, err := r.reconcilePhases(ctx, p)
	if errors.Is(err, errStaleWorkflow) {
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	if err != nil || deleted {
		return ctrl.Result{}, err
	}
	st := &wf.Status
	st.ObservedGeneration = wf.Generation
	st.Phase = phaseOf(st.Conditions)
	if !equality.Semantic.DeepEqual(before, st) {
		replaced := wf.ResourceVersion
		if err := r.Client.Status().Update(ctx, wf); apierrors.IsConflict(err) {
			return ctrl.Result{Requeue: true}, nil // redone on the newer version; creates adopt what this pass made
		} else if err != nil {
			return ctrl.Result{}, fmt.Errorf("storing the status of workflow %s: %w", wf.Name, err)
		}
		r.lastWrite.Wrote(req.NamespacedName, p.now, replaced)
		recordChanges(wf, before)
	}
	return ctrl.Result{RequeueAfter: p.requeue}, nil
}

func (r *Reconciler) reconcilePhases(ctx context.Context, p *pass) (deleted bool, err error) {
	if deleted, err := r.expire(ctx, p); deleted || err != nil {
		return deleted, err
	}
	if !r.validate(p) {
		return false, nil
	}
	if err := r.observe(ctx, p); err != nil {
		return false, err
	}
	if err := r.retry(ctx, p); err != nil {
		return false, err
	}
	if finished(p.wf) {
		return false, nil // a finished workflow changes only through a retry or its TTL
	}
	if p.wf.Status.StartTime == nil {
		p.wf.Status.StartTime = timePtr(p.now)
		r.event(p, "Normal", ReasonStarted, "started: %d steps", len(p.wf.Spec.Steps))
	}
	if stopped, err := r.deadline(ctx, p); stopped || err != nil {
		return false, err
	}
	return false, r.advance(ctx, p)
}

// validate compiles the spec; a problem sets the Invalid condition, naming the step and the problem, and
// nothing starts.
func (r *Reconciler) validate(p *pass) bool {
	st := &p.wf.Status
	scheduled, err := scheduledTime(p.wf)
	if err == nil {
		p.spec, err = compile(&p.wf.Spec, scheduled)
	}
	if err != nil {
		reason := ReasonInvalidWorkflow
		var invalid *invalidSpec
		if errors.As(err, &invalid) {
			reason = invalid.reason
		}
		if !isTrue(st.Conditions, stokev1.ConditionInvalid) {
			r.event(p, "Warning", reason, "%s", err.Error())
		}
		setCondition(p.wf, stokev1.ConditionInvalid, true, reason, err.Error())
		return false
	}
	setCondition(p.wf, stokev1.ConditionInvalid, false, ReasonValid, "")
	return true
}

// expire deletes a finished workflow once ttlSecondsAfterFinished has passed.
func (r *Reconciler) expire(ctx context.Context, p *pass) (bool, error) {
	ttl, done := p.wf.Spec.TTLSecondsAfterFinished, p.wf.Status.TerminationTime
	if ttl == nil || done == nil || !finished(p.wf) {
		return false, nil
	}
	at := done.Add(time.Duration(*ttl) * time.Second)
	if p.now.Before(at) {
		p.requeueAt(at)
		return false, nil
	}
	err := r.Client.Delete(ctx, p.wf, client.PropagationPolicy("Background"), client.Preconditions{UID: &p.wf.UID})
	if client.IgnoreNotFound(err) != nil {
		return false, fmt.Errorf("deleting workflow %s after its TTL: %w", p.wf.Name, err)
	}
	return true, nil
}

// deadline stops the workflow once activeDeadlineSeconds have passed since it started: running steps'
// applications are deleted, and the workflow fails.
func (r *Reconciler) deadline(ctx context.Context, p *pass) (bool, error) {
	limit, start := p.wf.Spec.ActiveDeadlineSeconds, p.wf.Status.StartTime
	if limit == nil || start == nil {
		return false, nil
	}
	at := start.Add(time.Duration(*limit) * time.Second)
	if p.now.Before(at) {
		p.requeueAt(at)
		return false, nil
	}
	message := fmt.Sprintf("the workflow's deadline of %ds passed", *limit)
	// Irreversible: a step created a moment ago that the cache does not show yet must be stopped too, not
	// called never started and left running.
	if err := r.observeLive(ctx, p); err != nil {
		return false, err
	}
	for name, app := range p.seen.children {
		if stepPhaseOf(app) != dag.PhaseRunning {
			continue
		}
		if err := r.deleteChild(ctx, app); err != nil {
			return false, fmt.Errorf("stopping step %s at the workflow's deadline: %w", name, err)
		}
		p.seen.state[name] = dag.Observed{Phase: dag.PhaseFailed, Outputs: p.seen.state[name].Outputs}
		p.seen.notes[name] = "stopped: " + message
	}
	plan := p.spec.graph.Evaluate(p.spec.values, p.seen.state)
	r.summarise(p, plan, "not started: "+message)
	r.finish(p, false, ReasonDeadlineExceeded, message)
	return true, nil
}

// advance evaluates the DAG and creates the ready steps, evaluating again after each round of creates
// (a step that could not be created is Errored, which can change what else runs), then writes the summary
// and, once the engine says so, the outcome.
func (r *Reconciler) advance(ctx context.Context, p *pass) error {
	suspended := p.wf.Spec.Suspend
	if _, waiting := p.wf.Annotations[stokev1.AnnotationAwaitingSchedule]; suspended && waiting {
		setCondition(p.wf, stokev1.ConditionSuspended, true, ReasonAwaitingSchedule,
			"an HTTP trigger's run: schedule "+p.wf.Labels[stokev1.LabelSchedule]+" starts it as its concurrency policy allows")
	} else if suspended {
		setCondition(p.wf, stokev1.ConditionSuspended, true, ReasonSuspendedByUser, "spec.suspend is true: no new steps start")
	} else {
		setCondition(p.wf, stokev1.ConditionSuspended, false, ReasonNotSuspended, "")
	}
	var plan dag.Plan
	for {
		plan = p.spec.graph.Evaluate(p.spec.values, p.seen.state)
		if len(plan.Steps) > stokev1.MaxWorkflowStatusSteps {
			r.summarise(p, dag.Plan{Steps: plan.Steps[:stokev1.MaxWorkflowStatusSteps]}, "")
			r.finish(p, false, ReasonTooManySteps, fmt.Sprintf("the workflow expands to %d steps, at most %d are allowed", len(plan.Steps), stokev1.MaxWorkflowStatusSteps))
			return nil
		}
		if suspended || len(plan.Create) == 0 {
			break
		}
		for _, task := range plan.Create {
			if err := r.createStep(ctx, p, task); err != nil {
				return err
			}
		}
	}
	switch plan.Phase {
	case dag.WorkflowSucceeded:
		r.summarise(p, plan, "")
		r.finish(p, true, ReasonCompleted, "every step succeeded or was skipped")
	case dag.WorkflowFailed:
		r.summarise(p, plan, "not started: the workflow failed")
		r.finish(p, false, ReasonStepsFailed, plan.Reason)
	default:
		r.summarise(p, plan, "")
	}
	return nil
}

func finished(wf *stokev1.SparkWorkflow) bool {
	return isTrue(wf.Status.Conditions, stokev1.ConditionSucceeded) || isTrue(wf.Status.Conditions, stokev1.ConditionFailed)
}

// finish records the outcome.
func (r *Reconciler) finish(p *pass, succeeded bool, reason, message string) {
	p.wf.Status.TerminationTime = timePtr(p.now)
	if succeeded {
		setCondition(p.wf, stokev1.ConditionSucceeded, true, reason, message)
		setCondition(p.wf, stokev1.ConditionFailed, false, reason, "")
		r.event(p, "Normal", ReasonSucceeded, "the workflow succeeded")
	} else {
		setCondition(p.wf, stokev1.ConditionFailed, true, reason, message)
		setCondition(p.wf, stokev1.ConditionSucceeded, false, reason, "")
		r.event(p, "Warning", ReasonFailed, "the workflow failed: %s", message)
	}
	if ttl := p.wf.Spec.TTLSecondsAfterFinished; ttl != nil {
		p.requeueAt(p.now.Add(time.Duration(*ttl) * time.Second))
	}
}

func (r *Reconciler) event(p *pass, eventType, reason, format string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(p.wf, eventType, reason, format, args...)
	}
}

func timePtr(t time.Time) *metav1.Time { return &metav1.Time{Time: t} }
