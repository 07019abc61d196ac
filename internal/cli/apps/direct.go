package apps

import (
	"context"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/direct"
	"github.com/stokehq/stoke/internal/spark"
)

// IsDirect reports an application view made from the driver pod of a direct submission (stoke submit
// --direct): there is no SparkApplication object behind it.
func IsDirect(app *stokev1.SparkApplication) bool {
	return app.Annotations[direct.LabelDirect] == "true"
}

// FromDirectDriver is the read-only view of a directly submitted application, from its driver pod: one
// attempt, whose phase, times and exit code are the pod's.
func FromDirectDriver(pod *corev1.Pod) *stokev1.SparkApplication {
	app := &stokev1.SparkApplication{
		TypeMeta: metav1.TypeMeta{Kind: Kind, APIVersion: APIVersion},
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Annotations[direct.AnnotationName],
			UID: pod.UID, CreationTimestamp: pod.CreationTimestamp,
			Annotations: map[string]string{direct.LabelDirect: "true", direct.AnnotationSubmissionID: pod.Annotations[direct.AnnotationSubmissionID]}},
	}
	if app.Name == "" {
		app.Name = pod.Name
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == spark.DriverContainerName {
			app.Spec.Image = c.Image
		}
	}
	created := pod.CreationTimestamp
	cur := &stokev1.Attempt{Number: 1, DriverPodName: pod.Name, SparkApplicationID: pod.Labels[spark.LabelAppSelector], SubmissionTime: &created}
	// The reconciler's own reading of a driver pod, so a direct submission's phase, outcome and reason mean
	// what an application's do.
	obs := sparkapplication.ObserveDriver(pod)
	if obs.StartedAt != nil {
		cur.DriverStartTime = &metav1.Time{Time: *obs.StartedAt}
	}
	for _, s := range pod.Status.ContainerStatuses {
		if t := s.State.Terminated; s.Name == spark.DriverContainerName && t != nil {
			cur.DriverStartTime, cur.EndTime = &t.StartedAt, &t.FinishedAt
		}
	}
	switch obs.Phase {
	case sparkapplication.DriverRunning:
		app.Status.Phase = stokev1.PhaseRunning
	case sparkapplication.DriverSucceeded:
		app.Status.Phase, cur.Outcome = stokev1.PhaseSucceeded, stokev1.OutcomeSucceeded
	case sparkapplication.DriverFailed:
		app.Status.Phase, cur.Outcome = stokev1.PhaseFailed, stokev1.OutcomeApplicationFailure
		if obs.Infrastructure {
			cur.Outcome = stokev1.OutcomeInfrastructureFailure
		}
	default:
		app.Status.Phase = stokev1.PhaseSubmitted
	}
	if cur.Outcome != "" {
		cur.ExitCode, cur.Reason, cur.Message = obs.ExitCode, obs.Reason, obs.Message
		app.Status.TerminationTime = cur.EndTime
	}
	app.Status.CurrentAttempt = cur
	return app
}

// ListDirect are the views of the direct submissions in the namespace ("" for all), newest first.
func ListDirect(ctx context.Context, c client.Client, ns string) ([]stokev1.SparkApplication, error) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{direct.LabelDirect: "true"}); err != nil {
		return nil, err
	}
	sort.SliceStable(pods.Items, func(i, j int) bool {
		return pods.Items[j].CreationTimestamp.Before(&pods.Items[i].CreationTimestamp)
	})
	out := make([]stokev1.SparkApplication, 0, len(pods.Items))
	for i := range pods.Items {
		out = append(out, *FromDirectDriver(&pods.Items[i]))
	}
	return out, nil
}

// getDirect is the newest direct submission named name (or whose driver pod is named name), or nil.
func getDirect(ctx context.Context, c client.Client, ns, name string) (*stokev1.SparkApplication, error) {
	list, err := ListDirect(ctx, c, ns)
	if err != nil {
		return nil, cmderr.API(err, "the direct submissions' driver pods")
	}
	for i := range list {
		if list[i].Name == name || list[i].Status.CurrentAttempt.DriverPodName == name {
			return &list[i], nil
		}
	}
	return nil, nil
}

// RefuseDirect is the error of a command that needs a SparkApplication (suspend, resume, rerun) when the
// application is a direct submission; nil otherwise.
func RefuseDirect(app *stokev1.SparkApplication, command string) error {
	if !IsDirect(app) {
		return nil
	}
	return cmderr.Usagef("%q is a direct submission (stoke submit --direct): with no SparkApplication and no operator there is nothing to %s; submit it again, or without --direct to get retries, suspend and rerun", app.Name, command)
}
