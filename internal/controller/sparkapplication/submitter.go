package sparkapplication

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// submitterPoll is how often a running spark-submit pod is looked at besides its watch events.
const submitterPoll = 10 * time.Second

// startSubmission starts an attempt in the SparkSubmitPod mode: the ConfigMap with the pod template files
// and the pod that runs spark-submit, both owned by the application. The driver pod's name is fixed in
// advance; its application id is read from the pod once spark-submit has created it.
func (r *Reconciler) startSubmission(ctx context.Context, p *pass, number int32, objs *spark.Objects) error {
	app, st, gen := p.app, &p.app.Status, p.app.Generation
	hash := SpecHash(&app.Spec)
	cm, pod, err := spark.Submitter(app, objs, number, hash)
	if err != nil {
		return r.refused(p, err, "")
	}
	if err := r.Client.Create(ctx, cm); err != nil && !apierrors.IsAlreadyExists(err) {
		return r.refused(p, fmt.Errorf("creating ConfigMap %s: %w", cm.Name, err), "")
	}
	if err := r.Client.Create(ctx, pod); err != nil && !apierrors.IsAlreadyExists(err) {
		err = fmt.Errorf("creating spark-submit pod %s: %w", pod.Name, err)
		if ClassifyRejection(err).Kind != RejectionTransient {
			// The ConfigMap is owned by the application; without its pod it is not needed.
			if derr := r.Client.Delete(ctx, cm); derr != nil && !apierrors.IsNotFound(derr) {
				return fmt.Errorf("deleting ConfigMap %s of the half-created attempt: %w", cm.Name, derr)
			}
		}
		return r.refused(p, err, "")
	}
	pushPastAttempt(st, r.Options.PastAttempts)
	st.CurrentAttempt = &stokev1.Attempt{
		Number:         number,
		SpecHash:       hash,
		DriverPodName:  objs.Names.DriverPod,
		SubmissionTime: &metav1.Time{Time: p.now},
	}
	st.NextAttemptTime = nil
	st.Executors = stokev1.ExecutorCounts{Requested: spark.InitialExecutors(&app.Spec)}
	clearCondition(st, gen, stokev1.ConditionRetrying, ReasonSparkSubmitRunning, "the next attempt started")
	clearCondition(st, gen, stokev1.ConditionWaiting, ReasonSparkSubmitRunning, "the spark-submit pod was created")
	setCondition(st, gen, stokev1.ConditionSubmitted, false, ReasonSparkSubmitRunning, fmt.Sprintf("attempt %d: spark-submit runs in pod %s", number, pod.Name))
	setCondition(st, gen, stokev1.ConditionRunning, false, ReasonDriverPending, "waiting for spark-submit to create the driver")
	setCondition(st, gen, stokev1.ConditionDriverReady, false, ReasonDriverNotReady, "the driver pod does not exist yet")
	p.event(corev1.EventTypeNormal, ReasonSparkSubmitRunning, "Attempt %d: created spark-submit pod %s", number, pod.Name)
	p.recheckAfter(submitterPoll)
	return nil
}

// followSubmission watches the spark-submit pod of an attempt until the driver pod it creates appears.
// It reports whether this pass is done with the attempt (still submitting, or the submission failed); once
// the driver exists it records the application id and leaves the rest to the usual driver following.
func (r *Reconciler) followSubmission(ctx context.Context, p *pass) (bool, error) {
	app, st, gen, cur := p.app, &p.app.Status, p.app.Generation, p.app.Status.CurrentAttempt
	driver, err := r.driverPod(ctx, p, cur.DriverPodName)
	if err != nil {
		return false, err
	}
	if driver != nil {
		cur.SparkApplicationID = driver.Labels[spark.LabelAppSelector]
		created := driver.CreationTimestamp
		cur.SubmissionTime = &created
		setCondition(st, gen, stokev1.ConditionSubmitted, true, ReasonDriverPodCreated, fmt.Sprintf("attempt %d: spark-submit created driver pod %s", cur.Number, driver.Name))
		p.event(corev1.EventTypeNormal, "Submitted", "Attempt %d: spark-submit created driver pod %s (spark.app.id %s)", cur.Number, driver.Name, cur.SparkApplicationID)
		return false, nil
	}
	name := spark.NamesFor(app.Name, app.UID, cur.Number).Prefix + "-submit"
	sub := &corev1.Pod{}
	err = r.APIReader.Get(ctx, types.NamespacedName{Namespace: app.Namespace, Name: name}, sub)
	var end *Ending
	switch {
	case apierrors.IsNotFound(err):
		end = &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: ReasonSubmissionFailed,
			Message: fmt.Sprintf("spark-submit pod %s disappeared before it created the driver", name)}
	case err != nil:
		return false, fmt.Errorf("reading spark-submit pod %s: %w", name, err)
	case sub.Status.Phase == corev1.PodFailed || sub.Status.Phase == corev1.PodSucceeded:
		end = &Ending{Outcome: stokev1.OutcomeApplicationFailure, Reason: ReasonSubmissionFailed, Message: submitterOutcome(sub, cur.DriverPodName)}
		for _, cs := range sub.Status.ContainerStatuses {
			if t := cs.State.Terminated; t != nil && cs.Name == spark.SubmitterContainerName {
				end.ExitCode = &t.ExitCode
			}
		}
	case app.Spec.Timeouts.DriverStartSeconds != nil && cur.SubmissionTime != nil &&
		p.now.Sub(cur.SubmissionTime.Time) > time.Duration(*app.Spec.Timeouts.DriverStartSeconds)*time.Second:
		end = &Ending{Outcome: stokev1.OutcomeInfrastructureFailure, Reason: "DriverStartTimeout", DeleteDriver: true,
			Message: fmt.Sprintf("spark-submit pod %s did not create the driver within timeouts.driverStartSeconds (%ds)", name, *app.Spec.Timeouts.DriverStartSeconds)}
	default:
		setCondition(st, gen, stokev1.ConditionSubmitted, false, ReasonSparkSubmitRunning,
			fmt.Sprintf("attempt %d: spark-submit pod %s is %s", cur.Number, name, orDefault(string(sub.Status.Phase), "Pending")))
		wait := submitterPoll
		if d := app.Spec.Timeouts.DriverStartSeconds; d != nil && cur.SubmissionTime != nil {
			wait = min(wait, max(cur.SubmissionTime.Add(time.Duration(*d)*time.Second).Sub(p.now)+100*time.Millisecond, time.Millisecond))
		}
		p.recheckAfter(wait)
		return true, nil
	}
	if end.Reason == "DriverStartTimeout" {
		if err := r.Client.Delete(ctx, sub); err != nil && !apierrors.IsNotFound(err) {
			return false, fmt.Errorf("deleting spark-submit pod %s: %w", name, err)
		}
	}
	return true, r.endAttempt(ctx, p, end)
}

// submitterOutcome explains a spark-submit pod that ended without a driver pod.
func submitterOutcome(sub *corev1.Pod, driverPod string) string {
	for _, cs := range sub.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil && cs.Name == spark.SubmitterContainerName {
			msg := fmt.Sprintf("spark-submit exited with code %d without creating driver pod %s", t.ExitCode, driverPod)
			if t.Message != "" {
				msg += ": " + t.Message
			}
			return msg
		}
	}
	return fmt.Sprintf("spark-submit pod %s is %s without creating driver pod %s", sub.Name, sub.Status.Phase, driverPod)
}

// isUnsupportedDependency reports the native builder's refusal of packages and local files.
func isUnsupportedDependency(err error) bool {
	var u *spark.UnsupportedDependencyError
	return errors.As(err, &u)
}
