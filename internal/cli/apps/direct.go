package apps

import (
	"context"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/cmderr"
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
	for _, s := range pod.Status.ContainerStatuses {
		if s.Name != spark.DriverContainerName {
			continue
		}
		if r := s.State.Running; r != nil {
			cur.DriverStartTime = &r.StartedAt
		}
		if term := s.State.Terminated; term != nil {
			cur.DriverStartTime, cur.EndTime = &term.StartedAt, &term.FinishedAt
			cur.ExitCode, cur.Reason = &term.ExitCode, term.Reason
		}
	}
	switch pod.Status.Phase {
	case corev1.PodRunning:
		app.Status.Phase = stokev1.PhaseRunning
	case corev1.PodSucceeded:
		app.Status.Phase, cur.Outcome = stokev1.PhaseSucceeded, stokev1.OutcomeSucceeded
	case corev1.PodFailed:
		app.Status.Phase, cur.Outcome = stokev1.PhaseFailed, stokev1.OutcomeApplicationFailure
	default:
		app.Status.Phase = stokev1.PhaseSubmitted
	}
	if cur.Outcome != "" {
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

// noStokeKind reports an error from a cluster without Stoke's CRD (direct submissions only).
func noStokeKind(err error) bool { return meta.IsNoMatchError(err) }
