package sparkapplication

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/usage"
)

// followAttempt observes the running attempt and ends it when the driver or a deadline says so. It reports
// whether the attempt ended.
func (r *Reconciler) followAttempt(ctx context.Context, p *pass) (bool, error) {
	app, cur := p.app, p.app.Status.CurrentAttempt
	if cur.SpecHash != SpecHash(&app.Spec) {
		p.event(corev1.EventTypeNormal, ReasonRerun, "The spec changed: attempt %d stops and a new attempt starts", cur.Number)
		return true, r.stopAttempt(ctx, p, &Ending{Outcome: stokev1.OutcomeSuperseded, Reason: ReasonRerun,
			Message: "the spec changed and a new attempt replaced this one", DeleteDriver: true})
	}
	if app.Spec.Submission.Mode == stokev1.SubmissionSparkSubmitPod && cur.SparkApplicationID == "" {
		if done, err := r.followSubmission(ctx, p); done || err != nil {
			return done && cur.Outcome != "", err
		}
	}
	pod, err := r.driverPod(ctx, p, cur.DriverPodName)
	if err != nil {
		return false, err
	}
	driver := ObserveDriver(pod)
	executors, err := r.executorPods(ctx, app.Namespace, cur.SparkApplicationID)
	if err != nil {
		return false, err
	}
	counts := CountExecutors(executors)
	counts.Requested = spark.InitialExecutors(&app.Spec)
	app.Status.Executors = counts
	usage.Observe(&app.Status, pod, executors, r.departures.End, p.now)
	if driver.StartedAt != nil && cur.DriverStartTime == nil {
		cur.DriverStartTime = &metav1.Time{Time: *driver.StartedAt}
		p.event(corev1.EventTypeNormal, ReasonDriverRunning, "Attempt %d: driver %s is running", cur.Number, cur.DriverPodName)
	}
	if counts.Running > 0 && cur.FirstExecutorTime == nil {
		cur.FirstExecutorTime = &metav1.Time{Time: EarliestStart(executors, p.now)}
	}

	if notice := preemptionOf(app.Status.Queue, cur.Number); notice != nil {
		// Being stopped: a driver that exits on SIGTERM did not fail.
		eval := EvaluatePreemption(notice, driver, p.now)
		if eval.End == nil {
			p.recheckAfter(eval.RecheckAfter)
			return false, nil
		}
		return true, r.endAttempt(ctx, p, eval.End)
	}
	eval := EvaluateAttempt(&app.Spec, cur, driver, p.now, r.Options.LostDriverGrace)
	if eval.End != nil {
		return true, r.endAttempt(ctx, p, eval.End)
	}
	if end, err := r.kueueEviction(ctx, p); err != nil || end != nil {
		if err != nil {
			return false, err
		}
		return true, r.endAttempt(ctx, p, end)
	}
	if stopped, err := r.preemptIfMarked(ctx, p); stopped || err != nil {
		return false, err
	}
	p.recheckAfter(eval.RecheckAfter)
	r.setProgressConditions(p, driver)
	return false, nil
}

// setProgressConditions reflects a pending or running driver.
func (r *Reconciler) setProgressConditions(p *pass, driver DriverObservation) {
	st, gen, cur := &p.app.Status, p.app.Generation, p.app.Status.CurrentAttempt
	if driver.Phase == DriverRunning {
		setCondition(st, gen, stokev1.ConditionRunning, true, ReasonDriverRunning, fmt.Sprintf("attempt %d: the driver is running", cur.Number))
		st.UIAddress = fmt.Sprintf("http://%s.%s.svc:%d", spark.NamesFor(p.app.Name, p.app.UID, cur.Number).DriverService, p.app.Namespace, spark.UIPortOf(p.app.Spec.SparkConf))
		st.UIURL = spark.UIURL(p.app)
	} else {
		setCondition(st, gen, stokev1.ConditionRunning, false, orDefault(driver.Reason, ReasonDriverPending), driver.Message)
	}
	if driver.Ready {
		setCondition(st, gen, stokev1.ConditionDriverReady, true, ReasonDriverReady, "the driver pod is ready")
	} else {
		setCondition(st, gen, stokev1.ConditionDriverReady, false, ReasonDriverNotReady, "the driver pod is not ready")
	}
}

// endAttempt cleans up after the attempt, records how it ended, and either schedules the next attempt or
// finishes the application.
func (r *Reconciler) endAttempt(ctx context.Context, p *pass, end *Ending) error {
	if err := r.stopAttempt(ctx, p, end); err != nil {
		return err
	}
	st, gen, cur := &p.app.Status, p.app.Generation, p.app.Status.CurrentAttempt
	switch end.Outcome {
	case stokev1.OutcomeApplicationFailure:
		st.Failures.Application++
	case stokev1.OutcomeInfrastructureFailure:
		st.Failures.Infrastructure++
	}
	kind := corev1.EventTypeWarning
	if end.Outcome == stokev1.OutcomeSucceeded {
		kind = corev1.EventTypeNormal
	}
	p.event(kind, "Attempt"+string(end.Outcome), "Attempt %d ended: %s: %s", cur.Number, end.Reason, end.Message)

	decision := DecideRetry(p.app.Spec.RestartPolicy, end.Outcome, st.Failures)
	if decision.Retry {
		next := p.now.Add(decision.Delay)
		st.NextAttemptTime = &metav1.Time{Time: next}
		msg := fmt.Sprintf("attempt %d ended (%s); attempt %d starts at %s", cur.Number, end.Reason, cur.Number+1, next.UTC().Format(time.RFC3339))
		setCondition(st, gen, stokev1.ConditionRetrying, true, ReasonBackoff, msg)
		p.event(corev1.EventTypeNormal, "Retrying", "%s", msg)
		p.recheckAfter(max(decision.Delay, time.Millisecond))
		return nil
	}
	clearCondition(st, gen, stokev1.ConditionRetrying, ReasonAttemptEnded, "no further attempt")
	st.TerminationTime = &metav1.Time{Time: p.now}
	if end.Outcome == stokev1.OutcomeSucceeded {
		setCondition(st, gen, stokev1.ConditionSucceeded, true, ReasonCompleted, fmt.Sprintf("attempt %d completed", cur.Number))
		p.event(corev1.EventTypeNormal, "Succeeded", "The application succeeded in attempt %d", cur.Number)
	} else {
		reason := ReasonApplicationFailed
		if end.Outcome == stokev1.OutcomeInfrastructureFailure {
			reason = ReasonInfrastructureFail
		}
		msg := fmt.Sprintf("attempt %d: %s: %s; not retried: %s", cur.Number, end.Reason, end.Message, decision.Why)
		setCondition(st, gen, stokev1.ConditionFailed, true, reason, msg)
		p.event(corev1.EventTypeWarning, "Failed", "The application failed: %s", msg)
	}
	p.recheckAfter(r.ttlRemaining(p))
	return nil
}

// stopAttempt removes what the attempt still runs and records its ending, without deciding what follows.
func (r *Reconciler) stopAttempt(ctx context.Context, p *pass, end *Ending) error {
	st, gen, cur := &p.app.Status, p.app.Generation, p.app.Status.CurrentAttempt
	if err := r.closeUsage(ctx, p); err != nil {
		return err
	}
	if err := r.cleanupAttempt(ctx, p.app, cur, end.DeleteDriver); err != nil {
		return err
	}
	cur.EndTime = &metav1.Time{Time: p.now}
	cur.Outcome, cur.Reason, cur.ExitCode = end.Outcome, conditions.Reason(end.Reason), end.ExitCode
	cur.Message = conditions.Bound(end.Message, conditions.MaxAttemptMessage)
	cur.Result = conditions.Bound(end.Result, conditions.MaxResult)
	st.UIAddress, st.UIURL = "", ""
	st.Executors.Pending, st.Executors.Running = 0, 0
	setCondition(st, gen, stokev1.ConditionSubmitted, false, ReasonAttemptEnded, fmt.Sprintf("attempt %d ended: %s", cur.Number, end.Reason))
	setCondition(st, gen, stokev1.ConditionRunning, false, ReasonAttemptEnded, fmt.Sprintf("attempt %d ended: %s", cur.Number, end.Reason))
	setCondition(st, gen, stokev1.ConditionDriverReady, false, ReasonAttemptEnded, "no driver runs")
	return nil
}

// closeUsage counts what the attempt's pods reserved up to its end, before they are stopped.
func (r *Reconciler) closeUsage(ctx context.Context, p *pass) error {
	cur := p.app.Status.CurrentAttempt
	var driver *corev1.Pod
	if cur.DriverPodName != "" {
		var err error
		if driver, err = r.driverPod(ctx, p, cur.DriverPodName); err != nil {
			return err
		}
	}
	var executors []corev1.Pod
	if cur.SparkApplicationID != "" {
		var err error
		if executors, err = r.executorPods(ctx, p.app.Namespace, cur.SparkApplicationID); err != nil {
			return err
		}
	}
	usage.Close(&p.app.Status, driver, executors, r.departures.End, p.now)
	return nil
}

// startWhenDue starts the next attempt once its backoff has passed.
func (r *Reconciler) startWhenDue(ctx context.Context, p *pass) error {
	st := &p.app.Status
	if st.CurrentAttempt == nil {
		return r.startAttempt(ctx, p, 1)
	}
	if st.CurrentAttempt.Outcome == "" {
		return nil
	}
	if err := r.removeLeftoverExecutors(ctx, p.app.Namespace, st.CurrentAttempt); err != nil {
		return err
	}
	if st.NextAttemptTime != nil {
		if wait := st.NextAttemptTime.Sub(p.now); wait > 0 {
			p.recheckAfter(wait)
			return nil
		}
	}
	return r.startAttempt(ctx, p, st.CurrentAttempt.Number+1)
}

// startAttempt creates the attempt's driver pod, then its ConfigMap and Service (and, for Spark 4.2+, its
// NetworkPolicy, and the driver's on-demand volume claims) owned by the pod. Every
// name is deterministic, so a create that finds its object already there adopts it: a crash between any two
// steps never makes a second driver. Before anything is created, the spec is validated and the first
// executor pod is dry-run; when a later object is refused, the driver pod is deleted again (so no attempt is
// left half created) and the refusal becomes a condition.
func (r *Reconciler) startAttempt(ctx context.Context, p *pass, number int32) error {
	st, gen := &p.app.Status, p.app.Generation
	// The operator's event log is sparkConf the application did not write: the copy with it builds the
	// attempt, the application's own spec is what its spec hash covers.
	app, err := spark.WithEventLog(p.app, r.Options.EventLog)
	if err != nil {
		return r.refused(p, err, "")
	}
	if app != p.app {
		if missing, err := r.eventLogClaimMissing(ctx, app.Namespace); err != nil || missing != nil {
			if missing != nil {
				r.wait(p, ReasonWaitingForEventLogVolume, missing)
			}
			return err
		}
	}
	app = withExecutorCap(app, st.Queue, number)
	app, err = r.withKueuePlacement(ctx, p, app)
	if err != nil {
		return err
	}
	objs, err := spark.Build(app, number)
	if err != nil {
		return r.refused(p, err, "")
	}
	if app.Spec.Submission.Mode != stokev1.SubmissionSparkSubmitPod {
		if err := spark.CheckNativeDependencies(app); err != nil {
			return r.refused(p, err, "")
		}
	}
	if err := r.probeExecutor(ctx, app, objs, p.now); err != nil {
		return r.refused(p, err, ReasonExecutorPodRejected)
	}
	if ok, err := r.admit(ctx, p, app, objs, number); err != nil || !ok {
		return err
	}
	if objs.PodGroup != nil {
		if missing, err := r.podGroupKindMissing(); err != nil || missing != nil {
			if missing != nil {
				r.wait(p, ReasonWaitingForBatchScheduler, missing)
			}
			return err
		}
	}
	if app.Spec.Submission.Mode == stokev1.SubmissionSparkSubmitPod {
		return r.startSubmission(ctx, p, number, objs)
	}
	objs.DriverPod.Annotations[AnnotationSpecHash] = SpecHash(&p.app.Spec)
	pod, err := r.createDriverPod(ctx, app, objs.DriverPod)
	if err != nil {
		return r.refused(p, err, "")
	}
	for _, obj := range objs.Owned() {
		spark.OwnedByDriver(obj, pod)
		if err := r.createOwned(ctx, obj, pod); err != nil {
			err = fmt.Errorf("creating %s %s: %w", spark.KindOf(obj), obj.GetName(), err)
			if ClassifyRejection(err).Kind != RejectionTransient {
				if derr := r.rollBack(ctx, pod); derr != nil {
					return derr
				}
			}
			return r.refused(p, err, "")
		}
	}

	pushPastAttempt(st, r.Options.PastAttempts)
	created := pod.CreationTimestamp
	st.CurrentAttempt = &stokev1.Attempt{
		Number:             number,
		SpecHash:           pod.Annotations[AnnotationSpecHash],
		SparkApplicationID: objs.Names.AppID,
		DriverPodName:      pod.Name,
		SubmissionTime:     &created,
	}
	st.NextAttemptTime = nil
	st.Executors = stokev1.ExecutorCounts{Requested: spark.InitialExecutors(&app.Spec)}
	clearCondition(st, gen, stokev1.ConditionRetrying, ReasonDriverPodCreated, "the next attempt started")
	clearCondition(st, gen, stokev1.ConditionWaiting, ReasonDriverPodCreated, "the driver pod was created")
	setCondition(st, gen, stokev1.ConditionSubmitted, true, ReasonDriverPodCreated, fmt.Sprintf("attempt %d: driver pod %s created", number, pod.Name))
	setCondition(st, gen, stokev1.ConditionRunning, false, ReasonDriverPending, "waiting for the driver container to start")
	setCondition(st, gen, stokev1.ConditionDriverReady, false, ReasonDriverNotReady, "the driver pod is not ready")
	p.event(corev1.EventTypeNormal, "Submitted", "Attempt %d: created driver pod %s (spark.app.id %s)", number, pod.Name, objs.Names.AppID)
	// No re-check is scheduled for a pod created now: its own events bring the application back, and a
	// pass that finds the pod gone schedules the lost-driver check (EvaluateAttempt). A timer set now would
	// fire after most applications have finished, once for every application. A pod adopted from an
	// operator that died after creating it may have changed for the last time while no operator ran (a
	// short job ends during a restart): the next pass looks at it.
	if pod != objs.DriverPod {
		p.recheckAfter(adoptedDriverRecheck)
	}
	return nil
}

// adoptedDriverRecheck is how soon an attempt whose driver pod already existed is looked at again.
const adoptedDriverRecheck = 100 * time.Millisecond

// eventLogClaimMissing reads the operator's event-log volume claim in the namespace from the API server:
// a driver mounting a claim that does not exist never starts (its pod stays Pending with no event a user
// connects to the event log), so the attempt waits for the claim, with a condition that names it. The
// returned error is a failed read.
func (r *Reconciler) eventLogClaimMissing(ctx context.Context, namespace string) (missing, err error) {
	e := r.Options.EventLog
	if e.Volume == nil || e.Volume.PersistentVolumeClaim == "" {
		return nil, nil
	}
	claim := &corev1.PersistentVolumeClaim{}
	err = r.APIReader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: e.Volume.PersistentVolumeClaim}, claim)
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("the event-log volume claim %s does not exist in namespace %s: create it (a ReadWriteMany claim on the storage the History Server reads), or set spec.monitoring.eventLog: false",
			e.Volume.PersistentVolumeClaim, namespace), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the event-log volume claim %s: %w", e.Volume.PersistentVolumeClaim, err)
	}
	return nil, nil
}

// podGroupKindMissing checks, before the driver is created, that the API server serves Volcano's PodGroup
// (the REST mapper looks again when it does not know the kind, so installing Volcano later is seen): a
// driver whose group can never be created would wait in the scheduler with nothing saying why.
func (r *Reconciler) podGroupKindMissing() (missing, err error) {
	gvk := spark.PodGroupGVK
	_, err = r.Client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		return fmt.Errorf("spec.batchScheduler.volcano needs Volcano: the API server serves no %s %s (install Volcano, or remove batchScheduler)",
			gvk.GroupVersion(), gvk.Kind), nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up Volcano's PodGroup kind: %w", err)
	}
	return nil, nil
}

// createOwned creates an object the driver pod owns, or adopts it when it is already there and this driver
// pod controls it. An object of that name controlled by an earlier driver pod of the same name is left
// from an application of the same name that was deleted and created again (a workflow retry does that):
// it holds that application's configuration and the garbage collector is about to delete it with its old
// pod. It is deleted now and the create is retried by the next pass (a transient error), so the new driver
// never mounts the old application's spark.properties or loses its ConfigMap under it.
func (r *Reconciler) createOwned(ctx context.Context, obj client.Object, pod *corev1.Pod) error {
	err := r.Client.Create(ctx, obj)
	if err == nil || !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing := obj.DeepCopyObject().(client.Object)
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
		return fmt.Errorf("reading the existing object: %w", err) // gone meanwhile: the next pass creates it
	}
	ref := metav1.GetControllerOf(existing)
	if ref == nil || ref.UID == pod.UID || ref.Kind != "Pod" || ref.Name != pod.Name {
		return nil
	}
	uid := existing.GetUID()
	if err := r.Client.Delete(ctx, existing, client.Preconditions{UID: &uid}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting the one an earlier driver pod of the same name left: %w", err)
	}
	return fmt.Errorf("%w: an earlier driver pod of the same name left one, now deleted", errLeftover)
}

// errLeftover is a transient error: an object of an earlier attempt's name had to be deleted first.
var errLeftover = errors.New("created again on the next pass")

// rollBack deletes a driver pod whose attempt could not be completed; what it owns goes with it.
func (r *Reconciler) rollBack(ctx context.Context, pod *corev1.Pod) error {
	uid := pod.UID
	err := r.Client.Delete(ctx, pod, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting driver pod %s of the half-created attempt: %w", pod.Name, err)
	}
	return nil
}

// createDriverPod creates the driver pod, or adopts it when it already exists and this application
// controls it. The existing pod is read live: the cache may not have seen it yet.
func (r *Reconciler) createDriverPod(ctx context.Context, app *stokev1.SparkApplication, pod *corev1.Pod) (*corev1.Pod, error) {
	err := r.Client.Create(ctx, pod)
	if err == nil {
		return pod, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating driver pod %s: %w", pod.Name, err)
	}
	existing := &corev1.Pod{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(pod), existing); err != nil {
		return nil, fmt.Errorf("reading existing driver pod %s: %w", pod.Name, err)
	}
	if !metav1.IsControlledBy(existing, app) {
		return nil, fmt.Errorf("driver pod name %s is taken by an object this application does not control", pod.Name)
	}
	if !existing.DeletionTimestamp.IsZero() {
		// A rolled-back attempt's pod that is still going: a later pass creates it anew.
		return nil, fmt.Errorf("driver pod %s of an earlier try is still being deleted", pod.Name)
	}
	return existing, nil
}

// refused turns an error from building or creating an attempt's objects into the application's state:
// transient errors are returned (the reconcile is retried with backoff); causes that may be fixed without a
// spec change make the application wait (the Waiting condition, looked at again with backoff); everything
// else fails it for good with a condition that quotes the message. failReason, when set, replaces the
// reason of a failure (not of an unsupported dependency).
func (r *Reconciler) refused(p *pass, err error, failReason string) error {
	rejection := ClassifyRejection(err)
	switch rejection.Kind {
	case RejectionTransient:
		return err
	case RejectionWait:
		r.wait(p, rejection.Reason, err)
		return nil
	}
	reason := rejection.Reason
	if failReason != "" && reason != ReasonUnsupportedDependency {
		reason = failReason
	}
	st := &p.app.Status
	st.TerminationTime = &metav1.Time{Time: p.now}
	clearCondition(st, p.app.Generation, stokev1.ConditionRetrying, reason, "no attempt can start")
	clearCondition(st, p.app.Generation, stokev1.ConditionWaiting, reason, "no attempt can start")
	clearCondition(st, p.app.Generation, stokev1.ConditionQueued, reason, "no attempt can start")
	setCondition(st, p.app.Generation, stokev1.ConditionFailed, true, reason, err.Error())
	p.event(corev1.EventTypeWarning, reason, "%s", err.Error())
	return nil
}

// Waiting backoff bounds: the wait doubles with the time already waited.
const (
	minWaitRecheck = time.Second
	maxWaitRecheck = time.Minute
)

// wait records what the next attempt waits for and when it is looked at again: as long again as it has
// waited so far, between one second and one minute.
func (r *Reconciler) wait(p *pass, reason string, err error) {
	st, gen := &p.app.Status, p.app.Generation
	since := p.now
	waiting := meta.FindStatusCondition(st.Conditions, stokev1.ConditionWaiting)
	if waiting != nil && waiting.Status == metav1.ConditionTrue {
		since = waiting.LastTransitionTime.Time
	} else {
		p.event(corev1.EventTypeWarning, reason, "%s", err.Error())
	}
	setCondition(st, gen, stokev1.ConditionWaiting, true, reason, err.Error()+"; Stoke looks again with backoff")
	p.recheckAfter(min(max(p.now.Sub(since), minWaitRecheck), maxWaitRecheck))
}

// finished handles an application that succeeded or failed for good: a changed spec runs it again;
// otherwise its TTL runs down.
func (r *Reconciler) finished(ctx context.Context, p *pass) error {
	st, gen := &p.app.Status, p.app.Generation
	if st.CurrentAttempt != nil {
		if err := r.removeLeftoverExecutors(ctx, p.app.Namespace, st.CurrentAttempt); err != nil {
			return err
		}
	}
	if err := r.releaseWorkload(ctx, p.app); err != nil {
		return err
	}
	if specChangedSinceFinish(p.app) {
		st.Failures = stokev1.FailureCounts{}
		st.TerminationTime = nil
		clearCondition(st, gen, stokev1.ConditionSucceeded, ReasonRerun, "the spec changed")
		clearCondition(st, gen, stokev1.ConditionFailed, ReasonRerun, "the spec changed")
		p.event(corev1.EventTypeNormal, ReasonRerun, "The spec changed: the application runs again")
		next := int32(1)
		if st.CurrentAttempt != nil {
			next = st.CurrentAttempt.Number + 1
		}
		return r.startAttempt(ctx, p, next)
	}
	remaining := r.ttlRemaining(p)
	if remaining > 0 || p.app.Spec.TimeToLiveSeconds == nil {
		p.recheckAfter(remaining)
		return nil
	}
	uid := p.app.UID
	err := r.Client.Delete(ctx, p.app, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the application after its TTL: %w", err)
	}
	r.Recorder.Event(p.app, corev1.EventTypeNormal, "Expired", fmt.Sprintf("Deleted %s after its TTL", ttlDuration(*p.app.Spec.TimeToLiveSeconds)))
	p.app = nil
	return nil
}

// specChangedSinceFinish reports a finished application whose spec changed since: the last attempt ran
// another spec, or, when no attempt could be created (an invalid spec), the spec's generation moved on.
func specChangedSinceFinish(app *stokev1.SparkApplication) bool {
	if cur := app.Status.CurrentAttempt; cur != nil {
		return cur.SpecHash != SpecHash(&app.Spec)
	}
	failed := meta.FindStatusCondition(app.Status.Conditions, stokev1.ConditionFailed)
	return failed != nil && failed.ObservedGeneration != app.Generation
}

// ttlRemaining is how long a finished application has left, zero when it has none or no TTL.
func (r *Reconciler) ttlRemaining(p *pass) time.Duration {
	ttl, end := p.app.Spec.TimeToLiveSeconds, p.app.Status.TerminationTime
	if ttl == nil || end == nil {
		return 0
	}
	return max(end.Add(ttlDuration(*ttl)).Sub(p.now), 0)
}

// suspend stops the running attempt and marks the application suspended.
func (r *Reconciler) suspend(ctx context.Context, p *pass) error {
	st, gen := &p.app.Status, p.app.Generation
	if IsFinished(st) {
		return nil
	}
	if cur := st.CurrentAttempt; cur != nil && cur.Outcome == "" {
		if err := r.stopAttempt(ctx, p, &Ending{Outcome: stokev1.OutcomeSuspended, Reason: ReasonSuspendedByUser,
			Message: "spec.suspend is true", DeleteDriver: true}); err != nil {
			return err
		}
	}
	if !isSuspended(st) {
		if err := r.releaseWorkload(ctx, p.app); err != nil {
			return err
		}
	}
	reason, message, event := ReasonSuspendedByUser, "spec.suspend is true", "The application is suspended; its pods are deleted"
	if _, waiting := p.app.Annotations[stokev1.AnnotationAwaitingSchedule]; waiting {
		schedule := p.app.Labels[stokev1.LabelSchedule]
		reason, message = ReasonAwaitingSchedule, "an HTTP trigger's run: schedule "+schedule+" starts it as its concurrency policy allows"
		event = "The run waits for schedule " + schedule + " to start it"
	}
	if !isSuspended(st) {
		p.event(corev1.EventTypeNormal, "Suspended", "%s", event)
	}
	st.NextAttemptTime = nil
	clearCondition(st, gen, stokev1.ConditionRetrying, reason, "suspended")
	clearCondition(st, gen, stokev1.ConditionWaiting, reason, "suspended")
	setCondition(st, gen, stokev1.ConditionSuspended, true, reason, message)
	return nil
}

// resume starts a new attempt of a suspended application.
func (r *Reconciler) resume(ctx context.Context, p *pass) error {
	st := &p.app.Status
	setCondition(st, p.app.Generation, stokev1.ConditionSuspended, false, ReasonResumed, "spec.suspend is false")
	p.event(corev1.EventTypeNormal, ReasonResumed, "The application resumes with a new attempt")
	next := int32(1)
	if st.CurrentAttempt != nil {
		next = st.CurrentAttempt.Number + 1
	}
	return r.startAttempt(ctx, p, next)
}

func isSuspended(st *stokev1.SparkApplicationStatus) bool {
	return meta.IsStatusConditionTrue(st.Conditions, stokev1.ConditionSuspended)
}

// driverPod reads the driver pod from the cache and, when the cache does not have it, from the API server:
// an absent pod is never concluded from the cache alone (and an ended driver pod is in no cache, see
// Drivers). A pass reads a driver pod once: the pass that ends an attempt reads it for the outcome and
// again for the usage ledger, and an ended driver costs a request each time.
func (r *Reconciler) driverPod(ctx context.Context, p *pass, name string) (*corev1.Pod, error) {
	if d := p.driver; d != nil && d.name == name {
		return d.pod, nil
	}
	key := types.NamespacedName{Namespace: p.app.Namespace, Name: name}
	pod := &corev1.Pod{}
	var cached client.Reader = r.Client
	if r.Drivers != nil {
		cached = r.Drivers
	}
	err := cached.Get(ctx, key, pod)
	if apierrors.IsNotFound(err) {
		err = r.APIReader.Get(ctx, key, pod)
	}
	if apierrors.IsNotFound(err) {
		pod = nil
	} else if err != nil {
		return nil, fmt.Errorf("reading driver pod %s: %w", name, err)
	}
	p.driver = &driverRead{name: name, pod: pod}
	return pod, nil
}

// driverRead is a pass's read of a driver pod: pod is nil when it does not exist.
type driverRead struct {
	name string
	pod  *corev1.Pod
}

func (r *Reconciler) executorPods(ctx context.Context, namespace, appID string) ([]corev1.Pod, error) {
	list := &corev1.PodList{}
	err := r.Client.List(ctx, list, client.InNamespace(namespace), client.MatchingFields{indexExecutorsOf: appID})
	if err != nil {
		return nil, fmt.Errorf("listing executor pods: %w", err)
	}
	return list.Items, nil
}

// cleanupAttempt deletes what an ended attempt no longer needs: its driver Service (the Spark UI address),
// its UI Service and Ingress (spec.ui), its Volcano PodGroup, its executors, and the driver pod when it still runs. A driver pod
// whose Spark container ended is kept for its logs; the garbage collector removes it with the application.
func (r *Reconciler) cleanupAttempt(ctx context.Context, app *stokev1.SparkApplication, cur *stokev1.Attempt, deleteDriver bool) error {
	namespace := app.Namespace
	if deleteDriver {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: cur.DriverPodName}}
		if err := r.Client.Delete(ctx, pod); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting driver pod %s: %w", pod.Name, err)
		}
	}
	names := spark.NamesFor(app.Name, app.UID, cur.Number)
	gone := []client.Object{&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: names.DriverService}}}
	if spark.UIServiceWanted(app) {
		// Only looked for when the spec asks for them. A spec that stopped asking while the attempt ran
		// ended it with its driver pod deleted, and the garbage collector removes them with that pod.
		gone = append(gone, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: names.UIService}},
			&networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: names.UIIngress}})
	}
	if b := app.Spec.BatchScheduler; b != nil && b.Volcano != nil {
		// A PodGroup left Inqueue or Running would keep holding its minResources in Volcano's queue.
		pg := &unstructured.Unstructured{}
		pg.SetGroupVersionKind(spark.PodGroupGVK)
		pg.SetNamespace(namespace)
		pg.SetName(spark.PodGroupName(names))
		gone = append(gone, pg)
	}
	for _, obj := range gone {
		if err := r.deleteIfPresent(ctx, obj); err != nil {
			return err
		}
	}
	return r.removeLeftoverExecutors(ctx, namespace, cur)
}

// deleteIfPresent deletes the object when a live read finds it (the operator does not cache Services and
// Ingresses): an attempt's Service or Ingress that is already gone, or was never asked for, costs a GET.
func (r *Reconciler) deleteIfPresent(ctx context.Context, obj client.Object) error {
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return nil // gone, or its kind is no longer served
		}
		return fmt.Errorf("reading %s %s: %w", spark.KindOf(obj), obj.GetName(), err)
	}
	if err := r.Client.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting %s %s: %w", spark.KindOf(obj), obj.GetName(), err)
	}
	return nil
}

// removeLeftoverExecutors deletes executor pods of an ended attempt that are still there (for example
// after the driver crashed without deleting them).
func (r *Reconciler) removeLeftoverExecutors(ctx context.Context, namespace string, cur *stokev1.Attempt) error {
	pods, err := r.executorPods(ctx, namespace, cur.SparkApplicationID)
	if err != nil {
		return err
	}
	for i := range pods {
		if pods[i].DeletionTimestamp.IsZero() {
			err := r.Client.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(namespace),
				client.MatchingLabels{spark.LabelAppSelector: cur.SparkApplicationID, spark.LabelRole: spark.RoleExecutor})
			if err != nil {
				return fmt.Errorf("deleting executor pods of attempt %d: %w", cur.Number, err)
			}
			return nil
		}
	}
	return nil
}

// maxTTL is the longest TTL honoured as written (the schema's maximum, ten years); a larger value stored
// before the schema bounded it counts as this, never as an overflowed, negative duration.
const maxTTL = 315360000 * time.Second

// ttlDuration converts timeToLiveSeconds without overflow.
func ttlDuration(seconds int64) time.Duration {
	if seconds < 0 {
		return 0
	}
	if seconds > int64(maxTTL/time.Second) {
		return maxTTL
	}
	return time.Duration(seconds) * time.Second
}
