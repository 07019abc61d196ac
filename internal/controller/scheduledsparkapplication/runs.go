package scheduledsparkapplication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/controller/sparkworkflow"
	"github.com/stokehq/stoke/internal/metrics"
	"github.com/stokehq/stoke/internal/params"
	"github.com/stokehq/stoke/internal/schedule"
)

// validate parses the schedule and checks that the template substitutes; a problem sets the Invalid
// condition, naming the expression, zone or field, and nothing runs.
func (r *Reconciler) validate(p *pass) (*schedule.Schedule, bool) {
	spec, st := &p.sched.Spec, &p.sched.Status
	invalid := func(reason, message string) (*schedule.Schedule, bool) {
		if !isTrue(st.Conditions, stokev1.ConditionInvalid) {
			r.event(p, "Warning", reason, "%s", message)
		}
		conditions.Set(&st.Conditions, p.sched.Generation, stokev1.ConditionInvalid, true, reason, message)
		return nil, false
	}
	if c := meta.FindStatusCondition(st.Conditions, stokev1.ConditionInvalid); c != nil && c.Status == metav1.ConditionTrue &&
		c.Reason == ReasonRunRejected && c.ObservedGeneration == p.sched.Generation {
		return nil, false // the API server refused a run of this spec: only a spec change can help
	}
	if _, err := schedule.Parse([]string{"@daily"}, spec.TimeZone); err != nil {
		return invalid(ReasonInvalidTimeZone, fmt.Sprintf("spec.timeZone: %v", err))
	}
	s, err := schedule.Parse(append([]string{spec.Schedule}, spec.AdditionalSchedules...), spec.TimeZone)
	if err != nil {
		return invalid(ReasonInvalidSchedule, fmt.Sprintf("spec.schedule: %v", err))
	}
	switch tmpl := &spec.Template; {
	case (tmpl.Application == nil) == (tmpl.Workflow == nil):
		return invalid(ReasonInvalidTemplate, "spec.template must set exactly one of application and workflow")
	case tmpl.Workflow != nil:
		logical := p.now.In(s.Location())
		wf, err := workflowRunSpec(p.sched, RunValues(p.sched, nil))
		if err == nil {
			err = sparkworkflow.Validate(wf, &logical)
		}
		if err != nil {
			return invalid(ReasonInvalidTemplate, fmt.Sprintf("spec.template.workflow: %v", err))
		}
	default:
		if _, err := runSpec(p.sched, s.Location(), p.now, RunValues(p.sched, nil)); err != nil {
			return invalid(ReasonInvalidTemplate, fmt.Sprintf("spec.template.application: %v", err))
		}
	}
	conditions.Set(&st.Conditions, p.sched.Generation, stokev1.ConditionInvalid, false, ReasonValid, "")
	return s, true
}

// RunValues are the parameter values of a run: spec.parameters' values, with overrides (from a trigger's
// delivery) replacing some of them.
func RunValues(sched *stokev1.ScheduledSparkApplication, overrides map[string]string) map[string]string {
	values := make(map[string]string, len(sched.Spec.Parameters))
	for _, p := range sched.Spec.Parameters {
		values[p.Name] = p.Value
	}
	maps.Copy(values, overrides)
	return values
}

// runSpec is the template's application spec with the logical time t (in loc) and the parameter values
// substituted.
func runSpec(sched *stokev1.ScheduledSparkApplication, loc *time.Location, t time.Time, values map[string]string) (*stokev1.SparkApplicationSpec, error) {
	all := params.Values{params.ScheduledTime: params.Time(t.In(loc))}
	for name, v := range values {
		all[params.Param(name)] = v
	}
	return params.Substitute(sched.Spec.Template.Application, all)
}

// workflowRunSpec is the template's workflow spec with the schedule's parameter values given to the
// workflow's parameters of the same names; the workflow must declare each.
func workflowRunSpec(sched *stokev1.ScheduledSparkApplication, values map[string]string) (*stokev1.SparkWorkflowSpec, error) {
	wf := sched.Spec.Template.Workflow.DeepCopy()
	for _, name := range slices.Sorted(maps.Keys(values)) {
		i := slices.IndexFunc(wf.Parameters, func(p stokev1.WorkflowParameter) bool { return p.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("schedule parameter %q is not one of the workflow's parameters", name)
		}
		v := values[name]
		wf.Parameters[i].Value = &v
	}
	return wf, nil
}

// BuildRun is the run of sched for logical time t (read in loc, the schedule's zone) with the given
// parameter values (RunValues): a SparkApplication with t and the values substituted into the template, or
// a SparkWorkflow of the workflow template with the values given to its parameters (it substitutes t itself,
// from its scheduled-time annotation, along with its steps' outputs). `stoke server` builds a triggered run
// with it too.
func BuildRun(sched *stokev1.ScheduledSparkApplication, loc *time.Location, t time.Time, trigger stokev1.RunTrigger, name string, values map[string]string) (client.Object, error) {
	tm := sched.Spec.Template.Metadata
	labels := maps.Clone(tm.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[stokev1.LabelSchedule] = sched.Name
	annotations := maps.Clone(tm.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[stokev1.AnnotationScheduledTime] = t.In(loc).Format(time.RFC3339)
	annotations[stokev1.AnnotationRunTrigger] = string(trigger)
	meta := metav1.ObjectMeta{
		Namespace:   sched.Namespace,
		Name:        name,
		Labels:      labels,
		Annotations: annotations,
		OwnerReferences: []metav1.OwnerReference{
			*metav1.NewControllerRef(sched, stokev1.GroupVersion.WithKind("ScheduledSparkApplication")),
		},
	}
	if sched.Spec.Template.Workflow != nil {
		wf, err := workflowRunSpec(sched, values)
		if err != nil {
			return nil, err
		}
		return &stokev1.SparkWorkflow{ObjectMeta: meta, Spec: *wf}, nil
	}
	spec, err := runSpec(sched, loc, t, values)
	if err != nil {
		return nil, err
	}
	return &stokev1.SparkApplication{ObjectMeta: meta, Spec: *spec}, nil
}

// AwaitSchedule makes a run an HTTP trigger starts wait for its schedule: suspended, and annotated with the
// trigger and stoke.dev/awaiting-schedule, which releaseWaiting removes when the concurrency policy lets the
// run start. `stoke server` creates every triggered run this way.
func AwaitSchedule(run client.Object, triggerName string) {
	annotations := run.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[stokev1.AnnotationTrigger] = triggerName
	annotations[stokev1.AnnotationAwaitingSchedule] = "true"
	run.SetAnnotations(annotations)
	switch r := run.(type) {
	case *stokev1.SparkApplication:
		r.Spec.Suspend = true
	case *stokev1.SparkWorkflow:
		r.Spec.Suspend = true
	}
}

// errRunRejected stops a pass whose run the API server refused as invalid; the Invalid condition says so.
var errRunRejected = errors.New("run rejected")

// start creates the run for logical time t, first deleting the runs the Replace policy names. It is
// idempotent: a run that already exists under the name and belongs to this schedule is adopted. When the
// name belongs to some other object an event says so and the fire time counts as handled.
func (r *Reconciler) start(ctx context.Context, p *pass, s *schedule.Schedule, t time.Time, trigger stokev1.RunTrigger, name string, replace []string) error {
	for _, old := range replace {
		if err := r.replace(ctx, p, old); err != nil {
			return err
		}
	}
	obj, err := BuildRun(p.sched, s.Location(), t, trigger, name, RunValues(p.sched, nil))
	if err != nil {
		return fmt.Errorf("building run %s: %w", name, err) // validate substituted the same template
	}
	err = r.Client.Create(ctx, obj)
	switch {
	case err == nil:
		r.event(p, "Normal", ReasonRunCreated, "created run %s for %s (%s)", name, t.Format(time.RFC3339), trigger)
		// Counted here, once: a run's name is deterministic, so the API server accepts its creation only once.
		metrics.ScheduleRunsStarted.WithLabelValues(p.sched.Namespace, string(trigger)).Inc()
		if trigger == stokev1.RunTriggerSchedule {
			metrics.ScheduleStartDelay.Observe(max(r.Options.Clock.Now().Sub(t).Seconds(), 0))
		}
	case apierrors.IsAlreadyExists(err):
		existing := obj.DeepCopyObject().(client.Object)
		if err := r.Client.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
			if r.APIReader == nil {
				return fmt.Errorf("reading run %s: %w", name, err)
			}
			if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
				return fmt.Errorf("reading run %s: %w", name, err)
			}
		}
		if ref := metav1.GetControllerOf(existing); ref == nil || ref.UID != p.sched.UID {
			r.event(p, "Warning", ReasonRunNameTaken, "the run for %s would be %s, but an object of that kind and name that this schedule does not own exists: the run is skipped", t.Format(time.RFC3339), name)
			return nil
		}
		obj = existing // adopted: created by an earlier pass, perhaps by an operator that then stopped
	case apierrors.IsInvalid(err):
		message := fmt.Sprintf("the API server refused run %s: %v", name, err)
		r.event(p, "Warning", ReasonRunRejected, "%s", message)
		conditions.Set(&p.sched.Status.Conditions, p.sched.Generation, stokev1.ConditionInvalid, true, ReasonRunRejected, message)
		return errRunRejected
	default:
		return fmt.Errorf("creating run %s: %w", name, err)
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return nil
	}
	for _, a := range p.runs.active {
		if a.obj.GetName() == obj.GetName() {
			return nil
		}
	}
	p.runs.active = append(p.runs.active, run{obj: obj, scheduled: t, trigger: trigger})
	return nil
}

// releaseWaiting starts the runs HTTP triggers created as the concurrency policy allows (a waiting run is
// created with spec.suspend true and the stoke.dev/awaiting-schedule annotation): under Allow at once, under
// Forbid one at a time when nothing is active, under Replace the newest, replacing the active runs and
// superseding older waiting ones. Runs still waiting are brought back by the active runs' ends.
func (r *Reconciler) releaseWaiting(ctx context.Context, p *pass) error {
	release := schedule.ReleaseWaiting(schedule.ConcurrencyPolicy(p.sched.Spec.ConcurrencyPolicy), activeRuns(p.runs.active), activeRuns(p.runs.waiting))
	for _, name := range release.Replace {
		if err := r.replace(ctx, p, name); err != nil {
			return err
		}
	}
	waiting := p.runs.waiting
	p.runs.waiting = nil
	for _, w := range waiting {
		name := w.obj.GetName()
		switch {
		case slices.Contains(release.Supersede, name):
			if err := r.dropReplaced(ctx, p, w, "a later delivery replaced it before it started (concurrency policy Replace)"); err != nil {
				return err
			}
		case slices.Contains(release.Start, name):
			patch, err := json.Marshal(map[string]any{
				"metadata": map[string]any{
					"resourceVersion": w.obj.GetResourceVersion(),
					"annotations":     map[string]any{stokev1.AnnotationAwaitingSchedule: nil},
				},
				"spec": map[string]any{"suspend": false},
			})
			if err != nil {
				return err
			}
			if err := r.Client.Patch(ctx, w.obj, client.RawPatch(types.MergePatchType, patch)); err != nil {
				return fmt.Errorf("starting waiting run %s: %w", name, client.IgnoreNotFound(err))
			}
			r.event(p, "Normal", ReasonRunStarted, "started run %s of trigger %s", name, w.obj.GetAnnotations()[stokev1.AnnotationTrigger])
			metrics.ScheduleRunsStarted.WithLabelValues(p.sched.Namespace, string(stokev1.RunTriggerHTTP)).Inc()
			p.runs.active = append(p.runs.active, w)
		default:
			p.runs.waiting = append(p.runs.waiting, w)
		}
	}
	return nil
}

// dropReplaced deletes a run the Replace policy displaces (an active run, or an older waiting one) and
// records it as Replaced, saying why.
func (r *Reconciler) dropReplaced(ctx context.Context, p *pass, displaced run, why string) error {
	name := displaced.obj.GetName()
	if err := r.Client.Delete(ctx, displaced.obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting run %s (concurrency policy Replace): %w", name, err)
	}
	appendRecent(&p.sched.Status, stokev1.ScheduledRun{
		Name: name, ScheduledTime: metav1.NewTime(displaced.scheduled), Trigger: displaced.trigger,
		Outcome: stokev1.RunReplaced, FinishTime: &metav1.Time{Time: p.now}, Message: why,
	}, recentRunsLimit(&p.sched.Spec))
	r.event(p, "Normal", ReasonRunReplaced, "deleted run %s: %s", name, why)
	return nil
}

// replace deletes an active run for the Replace policy and records it.
func (r *Reconciler) replace(ctx context.Context, p *pass, name string) error {
	for i, a := range p.runs.active {
		if a.obj.GetName() != name {
			continue
		}
		if err := r.dropReplaced(ctx, p, a, "deleted by concurrency policy Replace"); err != nil {
			return err
		}
		p.runs.active = append(p.runs.active[:i:i], p.runs.active[i+1:]...)
		return nil
	}
	return nil
}
