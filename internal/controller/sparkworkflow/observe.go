package sparkworkflow

import (
	"context"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/dag"
)

// observation is what a pass knows of the workflow's steps.
type observation struct {
	// children are the steps' applications of the current round, by concrete step name.
	children map[string]*stokev1.SparkApplication
	// records are the status's per-step lines from the last pass, by concrete step name.
	records map[string]*stokev1.WorkflowStepStatus
	// leftovers are applications a retry reset, still visible: they are deleted again and otherwise ignored.
	leftovers []*stokev1.SparkApplication
	// state is what the DAG engine is given.
	state dag.State
	// notes are messages for the summary set during this pass (a step that could not be created).
	notes map[string]string
}

// observe lists the workflow's step applications and builds the engine's state from them and from the
// status: a finished step whose application is gone keeps its recorded outcome and outputs, and a step the
// status says was created but the cache does not show is looked up on the API server before it counts as
// absent.
func (r *Reconciler) observe(ctx context.Context, p *pass) error {
	list := &stokev1.SparkApplicationList{}
	if err := r.Client.List(ctx, list, client.InNamespace(p.wf.Namespace),
		client.MatchingLabels{stokev1.LabelWorkflow: p.wf.Name}); err != nil {
		return fmt.Errorf("listing the steps of workflow %s: %w", p.wf.Name, err)
	}
	seen := observation{children: map[string]*stokev1.SparkApplication{}, records: map[string]*stokev1.WorkflowStepStatus{},
		state: dag.State{}, notes: map[string]string{}}
	for i := range p.wf.Status.Steps {
		rec := &p.wf.Status.Steps[i]
		seen.records[rec.Name] = rec
	}
	for i := range list.Items {
		app := &list.Items[i]
		if ref := metav1.GetControllerOf(app); ref == nil || ref.UID != p.wf.UID {
			continue
		}
		name := app.Labels[stokev1.LabelWorkflowStep]
		if round(app) < p.wf.Status.Retries && !kept(seen.records[name], app) {
			seen.leftovers = append(seen.leftovers, app)
			continue
		}
		seen.children[name] = app
	}
	for name, rec := range seen.records {
		if seen.children[name] != nil || rec.Application == "" || finishedPhase(rec.Phase) {
			continue
		}
		app, err := r.liveChild(ctx, p, rec.Application)
		if err != nil {
			return err
		}
		if app != nil {
			seen.children[name] = app
		}
	}
	for name, app := range seen.children {
		seen.state[name] = observeChild(app)
	}
	for name, rec := range seen.records {
		if _, ok := seen.state[name]; !ok && finishedPhase(rec.Phase) && (rec.Application != "" || rec.Phase == stokev1.StepErrored) {
			seen.state[name] = dag.Observed{Phase: dag.Phase(rec.Phase), Outputs: recordOutputs(rec)}
		}
	}
	p.seen = seen
	return r.deleteLeftovers(ctx, p)
}

// observeLive adds to the observation the step applications the API server has and the cache did not show
// yet (a step created by a pass whose status write was then refused).
func (r *Reconciler) observeLive(ctx context.Context, p *pass) error {
	if r.APIReader == nil {
		return nil
	}
	list := &stokev1.SparkApplicationList{}
	if err := r.APIReader.List(ctx, list, client.InNamespace(p.wf.Namespace),
		client.MatchingLabels{stokev1.LabelWorkflow: p.wf.Name}); err != nil {
		return fmt.Errorf("listing the steps of workflow %s: %w", p.wf.Name, err)
	}
	for i := range list.Items {
		app := &list.Items[i]
		name := app.Labels[stokev1.LabelWorkflowStep]
		if ref := metav1.GetControllerOf(app); ref == nil || ref.UID != p.wf.UID || round(app) < p.wf.Status.Retries || p.seen.children[name] != nil {
			continue
		}
		p.seen.children[name] = app
		p.seen.state[name] = observeChild(app)
	}
	return nil
}

// liveChild reads a step's application from the API server, nil when it does not exist.
func (r *Reconciler) liveChild(ctx context.Context, p *pass, name string) (*stokev1.SparkApplication, error) {
	if r.APIReader == nil {
		return nil, nil
	}
	app := &stokev1.SparkApplication{}
	err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: p.wf.Namespace, Name: name}, app)
	if apierrors.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("reading step application %s: %w", name, err)
	}
	if ref := metav1.GetControllerOf(app); ref == nil || ref.UID != p.wf.UID || round(app) < p.wf.Status.Retries {
		return nil, nil
	}
	return app, nil
}

// kept reports whether an application from an earlier round is one a retry kept: its step's record says
// it succeeded with this application.
func kept(rec *stokev1.WorkflowStepStatus, app *stokev1.SparkApplication) bool {
	return rec != nil && rec.Phase == stokev1.StepSucceeded && rec.Application == app.Name
}

func (r *Reconciler) deleteLeftovers(ctx context.Context, p *pass) error {
	for _, app := range p.seen.leftovers {
		if !app.DeletionTimestamp.IsZero() {
			continue
		}
		if err := r.deleteChild(ctx, app); err != nil {
			return fmt.Errorf("deleting application %s, which a retry reset: %w", app.Name, err)
		}
	}
	return nil
}

// deleteChild deletes exactly the application observed (a UID precondition), so that a decision taken on a
// stale copy can never delete a newer application of the same name; one already gone or replaced is fine.
func (r *Reconciler) deleteChild(ctx context.Context, app *stokev1.SparkApplication) error {
	err := r.Client.Delete(ctx, app, client.PropagationPolicy("Background"), client.Preconditions{UID: &app.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func round(app *stokev1.SparkApplication) int32 {
	n, err := strconv.ParseInt(app.Labels[stokev1.LabelWorkflowRound], 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

// observeChild is the engine's view of a step's application. One being deleted still counts as running:
// its step does not start again until it is gone.
func observeChild(app *stokev1.SparkApplication) dag.Observed {
	return dag.Observed{Phase: stepPhaseOf(app), Outputs: childOutputs(app)}
}

func stepPhaseOf(app *stokev1.SparkApplication) dag.Phase {
	switch {
	case !app.DeletionTimestamp.IsZero():
		return dag.PhaseRunning
	case meta.IsStatusConditionTrue(app.Status.Conditions, stokev1.ConditionSucceeded):
		return dag.PhaseSucceeded
	case meta.IsStatusConditionTrue(app.Status.Conditions, stokev1.ConditionFailed):
		return dag.PhaseFailed
	default:
		return dag.PhaseRunning
	}
}

// childOutputs are the outputs a step's application provides: its driver's result and exit code and its
// Spark application id, from the current attempt.
func childOutputs(app *stokev1.SparkApplication) map[string]string {
	cur := app.Status.CurrentAttempt
	if cur == nil {
		return nil
	}
	out := map[string]string{"Result": cur.Result}
	if cur.ExitCode != nil {
		out["ExitCode"] = strconv.Itoa(int(*cur.ExitCode))
	}
	if cur.SparkApplicationID != "" {
		out["ApplicationID"] = cur.SparkApplicationID
	}
	return out
}

func recordOutputs(rec *stokev1.WorkflowStepStatus) map[string]string {
	out := map[string]string{"Result": rec.Result}
	if rec.ExitCode != nil {
		out["ExitCode"] = strconv.Itoa(int(*rec.ExitCode))
	}
	if rec.SparkApplicationID != "" {
		out["ApplicationID"] = rec.SparkApplicationID
	}
	return out
}

func attemptOf(app *stokev1.SparkApplication) int32 {
	if app.Status.CurrentAttempt == nil {
		return 0
	}
	return app.Status.CurrentAttempt.Number
}

func finishedPhase(p stokev1.StepPhase) bool {
	return p == stokev1.StepSucceeded || p == stokev1.StepFailed || p == stokev1.StepErrored
}
