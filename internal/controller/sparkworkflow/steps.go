package sparkworkflow

import (
	"context"
	"fmt"
	"maps"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/dag"
	"github.com/stokehq/stoke/internal/params"
)

// buildStep is the SparkApplication of a concrete step: the step's template with the task's values
// substituted, named ChildName(workflow, step), labelled with the workflow, the step and the round, and
// controlled by the workflow. The template's timeToLiveSeconds is dropped: the workflow keeps its steps.
func buildStep(wf *stokev1.SparkWorkflow, step *stokev1.WorkflowStep, task dag.Task) (*stokev1.SparkApplication, error) {
	spec, err := params.Substitute(&step.Template.Application, task.Values)
	if err != nil {
		return nil, err
	}
	spec.TimeToLiveSeconds = nil
	labels := maps.Clone(step.Template.Metadata.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[stokev1.LabelWorkflow] = wf.Name
	labels[stokev1.LabelWorkflowStep] = task.Name
	labels[stokev1.LabelWorkflowRound] = strconv.Itoa(int(wf.Status.Retries))
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   wf.Namespace,
			Name:        ChildName(wf.Name, task.Name),
			Labels:      labels,
			Annotations: maps.Clone(step.Template.Metadata.Annotations),
			OwnerReferences: []metav1.OwnerReference{
				*metav1.NewControllerRef(wf, stokev1.GroupVersion.WithKind("SparkWorkflow")),
			},
		},
		Spec: *spec,
	}, nil
}

// createStep creates a ready step's application, or adopts the one an earlier pass created under the same
// name. A step whose template does not substitute, whose application the API server refuses as invalid, or
// whose name another object holds is Errored, with a note saying why; other errors are returned and the
// pass is retried.
func (r *Reconciler) createStep(ctx context.Context, p *pass, task dag.Task) error {
	errored := func(format string, args ...any) error {
		p.seen.state[task.Name] = dag.Observed{Phase: dag.PhaseErrored}
		p.seen.notes[task.Name] = fmt.Sprintf(format, args...)
		r.event(p, "Warning", ReasonStepErrored, "step %s: %s", task.Name, p.seen.notes[task.Name])
		return nil
	}
	app, err := buildStep(p.wf, p.spec.steps[task.Step], task)
	if err != nil {
		return errored("template.application.%s", trimSpec(err.Error()))
	}
	err = r.Client.Create(ctx, app)
	switch {
	case err == nil:
		r.event(p, "Normal", ReasonStepCreated, "created application %s for step %s", app.Name, task.Name)
	case apierrors.IsAlreadyExists(err):
		existing, readErr := r.readChild(ctx, client.ObjectKeyFromObject(app))
		if readErr != nil {
			return readErr
		}
		if ref := metav1.GetControllerOf(existing); ref == nil || ref.UID != p.wf.UID {
			return errored("its application would be %s, but a SparkApplication of that name that this workflow does not own exists", app.Name)
		}
		if round(existing) < p.wf.Status.Retries && existing.DeletionTimestamp.IsZero() {
			// Left from before a retry and not yet seen by the cache: delete it; the step starts once it is gone.
			if err := r.deleteChild(ctx, existing); err != nil {
				return fmt.Errorf("deleting application %s, which a retry reset: %w", existing.Name, err)
			}
			p.seen.state[task.Name] = dag.Observed{Phase: dag.PhaseRunning}
			return nil
		}
		app = existing // created by an earlier pass, perhaps by an operator that then stopped
	case apierrors.IsInvalid(err):
		return errored("the API server refused its application %s: %v", app.Name, err)
	default:
		return fmt.Errorf("creating application %s for step %s: %w", app.Name, task.Name, err)
	}
	p.seen.children[task.Name] = app
	p.seen.state[task.Name] = observeChild(app)
	return nil
}

func (r *Reconciler) readChild(ctx context.Context, key client.ObjectKey) (*stokev1.SparkApplication, error) {
	existing := &stokev1.SparkApplication{}
	err := r.Client.Get(ctx, key, existing)
	if err != nil && r.APIReader != nil {
		err = r.APIReader.Get(ctx, key, existing)
	}
	if err != nil {
		return nil, fmt.Errorf("reading application %s: %w", key.Name, err)
	}
	return existing, nil
}
