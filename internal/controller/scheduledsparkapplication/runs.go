package scheduledsparkapplication

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
		if err := sparkworkflow.Validate(tmpl.Workflow, &logical); err != nil {
			return invalid(ReasonInvalidTemplate, fmt.Sprintf("spec.template.workflow: %v", err))
		}
	default:
		if _, err := runSpec(p.sched, s, p.now); err != nil {
			return invalid(ReasonInvalidTemplate, fmt.Sprintf("spec.template.application: %v", err))
		}
	}
	conditions.Set(&st.Conditions, p.sched.Generation, stokev1.ConditionInvalid, false, ReasonValid, "")
	return s, true
}

// runSpec is the template's application spec with the logical time t substituted.
func runSpec(sched *stokev1.ScheduledSparkApplication, s *schedule.Schedule, t time.Time) (*stokev1.SparkApplicationSpec, error) {
	return params.Substitute(sched.Spec.Template.Application, params.Values{
		params.ScheduledTime: params.Time(t.In(s.Location())),
	})
}

// buildRun is the run for logical time t: a SparkApplication with t substituted into the template, or a
// SparkWorkflow of the workflow template, which substitutes t itself (from its scheduled-time annotation)
// along with its steps' outputs.
func buildRun(sched *stokev1.ScheduledSparkApplication, s *schedule.Schedule, t time.Time, trigger stokev1.RunTrigger, name string) (client.Object, error) {
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
	annotations[stokev1.AnnotationScheduledTime] = t.In(s.Location()).Format(time.RFC3339)
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
	if wf := sched.Spec.Template.Workflow; wf != nil {
		return &stokev1.SparkWorkflow{ObjectMeta: meta, Spec: *wf.DeepCopy()}, nil
	}
	spec, err := runSpec(sched, s, t)
	if err != nil {
		return nil, err
	}
	return &stokev1.SparkApplication{ObjectMeta: meta, Spec: *spec}, nil
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
	obj, err := buildRun(p.sched, s, t, trigger, name)
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

// replace deletes an active run for the Replace policy and records it.
func (r *Reconciler) replace(ctx context.Context, p *pass, name string) error {
	for i, a := range p.runs.active {
		if a.obj.GetName() != name {
			continue
		}
		if err := r.Client.Delete(ctx, a.obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting run %s (concurrency policy Replace): %w", name, err)
		}
		appendRecent(&p.sched.Status, stokev1.ScheduledRun{
			Name: name, ScheduledTime: metav1.NewTime(a.scheduled), Trigger: a.trigger,
			Outcome: stokev1.RunReplaced, FinishTime: &metav1.Time{Time: p.now},
			Message: "deleted by concurrency policy Replace",
		}, recentRunsLimit(&p.sched.Spec))
		r.event(p, "Normal", ReasonRunReplaced, "deleted active run %s (concurrency policy Replace)", name)
		p.runs.active = append(p.runs.active[:i:i], p.runs.active[i+1:]...)
		return nil
	}
	return nil
}
