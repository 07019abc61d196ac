package convert

import (
	"fmt"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// convertScheduled converts a kubeflow ScheduledSparkApplication: the schedule fields keep their names and
// spec.template (a kubeflow SparkApplication spec) becomes spec.template.application.
func convertScheduled(obj map[string]any) (*Document, error) {
	r := &report{}
	sched := &stokev1.ScheduledSparkApplication{}
	sched.APIVersion, sched.Kind = stokev1.GroupVersion.String(), "ScheduledSparkApplication"
	top := newFields("", obj, r)
	top.take("apiVersion")
	top.take("kind")
	top.take("status")
	convertMeta(top.child("metadata"), &sched.ObjectMeta)
	spec := top.child("spec")
	if !spec.into("schedule", &sched.Spec.Schedule) {
		return nil, fmt.Errorf("ScheduledSparkApplication %q: spec.schedule is missing", sched.Name)
	}
	spec.into("timeZone", &sched.Spec.TimeZone)
	spec.into("suspend", &sched.Spec.Suspend)
	var policy string
	if spec.into("concurrencyPolicy", &policy) {
		sched.Spec.ConcurrencyPolicy = stokev1.ConcurrencyPolicy(policy)
	}
	var limit int32
	if spec.into("successfulRunHistoryLimit", &limit) {
		sched.Spec.SuccessfulRunHistoryLimit = &limit
	}
	var failed int32
	if spec.into("failedRunHistoryLimit", &failed) {
		sched.Spec.FailedRunHistoryLimit = &failed
	}
	app := &stokev1.SparkApplication{}
	if err := convertSpec(spec.child("template"), app); err != nil {
		return nil, fmt.Errorf("ScheduledSparkApplication %q: template: %w", sched.Name, err)
	}
	sched.Spec.Template.Application = &app.Spec
	spec.dropRest(nil)
	top.dropRest(nil)
	data, err := render(sched, r)
	if err != nil {
		return nil, err
	}
	return &Document{Name: sched.Name, App: app, Schedule: sched, Report: *r, YAML: data}, nil
}
