package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ConcurrencyPolicy says what happens when a run is due while earlier runs of the schedule are active.
// +kubebuilder:validation:Enum=Allow;Forbid;Replace
type ConcurrencyPolicy string

const (
	// ConcurrencyAllow starts the new run beside the active ones.
	ConcurrencyAllow ConcurrencyPolicy = "Allow"
	// ConcurrencyForbid skips a scheduled run while any run is active (run-now and backfill runs wait).
	ConcurrencyForbid ConcurrencyPolicy = "Forbid"
	// ConcurrencyReplace deletes the active runs and starts the new one.
	ConcurrencyReplace ConcurrencyPolicy = "Replace"
)

// ScheduledSparkApplicationSpec describes when to run a Spark application and what each run looks like.
//
// +kubebuilder:validation:XValidation:rule="!has(self.backfill) || self.backfill.from <= self.backfill.to",message="backfill.from must not be after backfill.to"
type ScheduledSparkApplicationSpec struct {
	// Schedule is a 5-field cron expression (minute hour day-of-month month day-of-week, for example
	// "30 2 * * *" or "*/15 9-17 * * MON-FRI") or a descriptor: @yearly, @annually, @monthly, @weekly,
	// @daily, @midnight, @hourly. Seconds, @every and CRON_TZ= prefixes are not accepted. Admission checks
	// the shape; a value out of range (such as "61 * * * *") sets the Invalid condition and nothing runs.
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*/,?-]+( +[0-9A-Za-z*/,?-]+){4})$`
	Schedule string `json:"schedule"`

	// AdditionalSchedules are further cron expressions, in the same syntax as schedule: the schedule fires
	// at every time any expression names, and a time named twice fires once (for example "0 6 * * MON-FRI"
	// with "0 9 * * SAT,SUN").
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=31
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*/,?-]+( +[0-9A-Za-z*/,?-]+){4})$`
	AdditionalSchedules []string `json:"additionalSchedules,omitempty"`

	// TimeZone is the IANA time zone the expressions are read in, for example "Europe/Berlin" (default UTC).
	// Across daylight-saving changes a wall time that does not exist that day does not fire, and one that
	// happens twice fires once. An unknown zone sets the Invalid condition and nothing runs.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_+/-]+$`
	TimeZone string `json:"timeZone,omitempty"`

	// Suspend stops new runs (scheduled, run-now and backfill) while true; active runs continue. On resume,
	// the most recent fire time missed while suspended runs, unless startingDeadlineSeconds has passed.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// ConcurrencyPolicy is what happens when a run is due while earlier runs are active: Allow (default)
	// starts it beside them, Forbid skips a scheduled run (a run-now or backfill run waits instead), Replace
	// deletes the active runs and starts the new one.
	// +optional
	// +kubebuilder:default=Allow
	ConcurrencyPolicy ConcurrencyPolicy `json:"concurrencyPolicy,omitempty"`

	// StartingDeadlineSeconds is how late a scheduled run may still start, for example after the operator
	// was down: a fire time older than this is skipped and recorded as Skipped in recentRuns. Unset means
	// the most recent missed fire time always runs.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=31622400
	StartingDeadlineSeconds *int64 `json:"startingDeadlineSeconds,omitempty"`

	// SuccessfulRunHistoryLimit is how many succeeded runs are kept (default 3); older ones, by the time
	// they finished, are deleted.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	SuccessfulRunHistoryLimit *int32 `json:"successfulRunHistoryLimit,omitempty"`

	// FailedRunHistoryLimit is how many failed runs are kept (default 1); older ones, by the time they
	// finished, are deleted.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	FailedRunHistoryLimit *int32 `json:"failedRunHistoryLimit,omitempty"`

	// FailureLimit stops scheduling after this many consecutive runs failed: the Stopped condition says so
	// and names the last failed run. A succeeded run (for example one started with run-now) or a higher
	// limit resumes scheduling. Unset means scheduling never stops.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	FailureLimit *int32 `json:"failureLimit,omitempty"`

	// Backfill asks for runs for the past fire times in a range; `stoke schedule backfill` sets it. Each
	// fire time t with from <= t <= to gets one run, named as a scheduled run for t would be (so a time that
	// already has a run is not run twice), at most parallelism at once, and only as the concurrency policy
	// allows (under Forbid and Replace one run at a time, never replacing). Progress is in status.backfill;
	// a new range starts a new backfill.
	// +optional
	Backfill *Backfill `json:"backfill,omitempty"`

	// Template is what each run is: one SparkApplication or one SparkWorkflow.
	Template ScheduleTemplate `json:"template"`
}

// Backfill is a range of past fire times to run.
type Backfill struct {
	// From is the earliest fire time to run (inclusive).
	From metav1.Time `json:"from"`
	// To is the latest fire time to run (inclusive).
	To metav1.Time `json:"to"`
	// Parallelism is how many backfill runs may be active at once (default 1).
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Parallelism int32 `json:"parallelism,omitempty"`
}

// ScheduleTemplate is the object each run creates.
//
// +kubebuilder:validation:XValidation:rule="has(self.application) != has(self.workflow)",message="template must set exactly one of application and workflow"
type ScheduleTemplate struct {
	// Metadata holds labels and annotations copied onto every run.
	// +optional
	Metadata TemplateMetadata `json:"metadata,omitempty"`

	// Application is the spec of the SparkApplication each run creates. Every string in it may refer to the
	// run's logical time, the fire time it stands for in the schedule's zone, as
	// {{ .ScheduledTime | date "2006-01-02" }} (see docs/schedules.md); a reference that cannot be
	// substituted sets the Invalid condition and nothing runs.
	// +optional
	Application *SparkApplicationSpec `json:"application,omitempty"`

	// Workflow is the spec of the SparkWorkflow each run creates, instead of an application. The run's
	// logical time is available to its parameter values and steps as {{ .ScheduledTime }}.
	// +optional
	Workflow *SparkWorkflowSpec `json:"workflow,omitempty"`
}

// TemplateMetadata is the metadata a template gives its runs.
type TemplateMetadata struct {
	// Labels are copied onto every run. stoke.dev/schedule is set by Stoke and cannot be given.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="!('stoke.dev/schedule' in self)",message="labels must not set stoke.dev/schedule, which Stoke sets"
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are copied onto every run. stoke.dev/scheduled-time and stoke.dev/run-trigger are set by
	// Stoke and cannot be given.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="!('stoke.dev/scheduled-time' in self) && !('stoke.dev/run-trigger' in self)",message="annotations must not set stoke.dev/scheduled-time or stoke.dev/run-trigger, which Stoke sets"
	Annotations map[string]string `json:"annotations,omitempty"`
}

// RunTrigger is what started a run.
type RunTrigger string

const (
	// RunTriggerSchedule: a fire time of the schedule.
	RunTriggerSchedule RunTrigger = "Schedule"
	// RunTriggerRunNow: the stoke.dev/run-now annotation (stoke schedule run-now).
	RunTriggerRunNow RunTrigger = "RunNow"
	// RunTriggerBackfill: spec.backfill (stoke schedule backfill).
	RunTriggerBackfill RunTrigger = "Backfill"
)

// RunOutcome is how a run of a schedule ended.
type RunOutcome string

const (
	RunSucceeded RunOutcome = "Succeeded"
	RunFailed    RunOutcome = "Failed"
	// RunSkipped: the fire time did not run (concurrency policy Forbid, or its starting deadline passed).
	RunSkipped RunOutcome = "Skipped"
	// RunReplaced: the run was deleted by concurrency policy Replace before it finished.
	RunReplaced RunOutcome = "Replaced"
)

// ScheduledRun is one run of a schedule, or one fire time that did not run.
type ScheduledRun struct {
	// Name of the run's SparkApplication (for a skipped fire time, the name it would have had).
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// ScheduledTime is the run's logical time.
	ScheduledTime metav1.Time `json:"scheduledTime"`
	// Trigger is what started the run: Schedule, RunNow or Backfill.
	// +optional
	Trigger RunTrigger `json:"trigger,omitempty"`
	// Outcome is how the run ended.
	Outcome RunOutcome `json:"outcome"`
	// FinishTime is when the run ended or was skipped.
	// +optional
	FinishTime *metav1.Time `json:"finishTime,omitempty"`
	// Message says why, for a skipped or failed run; at most 1024 bytes.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}

// BackfillStatus is the progress of spec.backfill.
type BackfillStatus struct {
	// From and To are the range being backfilled, copied from spec.backfill.
	From metav1.Time `json:"from"`
	To   metav1.Time `json:"to"`
	// LastStarted is the latest fire time of the range whose run was created; the next run is for the
	// first fire time after it.
	// +optional
	LastStarted *metav1.Time `json:"lastStarted,omitempty"`
	// Started counts the runs created for the range.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Started int32 `json:"started"`
	// Complete is true once every fire time of the range has a run.
	// +optional
	Complete bool `json:"complete,omitempty"`
}

// SchedulePhase summarises the conditions of a schedule.
type SchedulePhase string

const (
	SchedulePhaseScheduling SchedulePhase = "Scheduling"
	SchedulePhaseSuspended  SchedulePhase = "Suspended"
	SchedulePhaseStopped    SchedulePhase = "Stopped"
	SchedulePhaseInvalid    SchedulePhase = "Invalid"
)

// Condition types of a ScheduledSparkApplication; docs/conditions.md lists their reasons.
const (
	// ConditionInvalid: the schedule cannot run (a cron expression, the time zone or the template is
	// wrong); nothing runs until the spec is fixed.
	ConditionInvalid = "Invalid"
	// ConditionStopped: failureLimit consecutive runs failed; scheduled runs stop.
	ConditionStopped = "Stopped"
	// ConditionSuspended (shared with SparkApplication): spec.suspend is true.
)

// Annotations and labels of schedules and their runs.
const (
	// AnnotationRunNow on a schedule asks for one run now; its value is a token (stoke schedule run-now
	// writes the current time) and each new value starts one run, recorded in status.lastRunNowToken.
	AnnotationRunNow = "stoke.dev/run-now"
	// LabelSchedule on a run names its schedule.
	LabelSchedule = "stoke.dev/schedule"
	// AnnotationScheduledTime on a run is its logical time (RFC 3339).
	AnnotationScheduledTime = "stoke.dev/scheduled-time"
	// AnnotationRunTrigger on a run says what started it: Schedule, RunNow or Backfill.
	AnnotationRunTrigger = "stoke.dev/run-trigger"
)

// ScheduledSparkApplicationStatus is what the schedule observed and decided.
type ScheduledSparkApplicationStatus struct {
	// ObservedGeneration is the spec generation this status was computed for.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=9007199254740992
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase summarises the conditions: Scheduling, Suspended, Stopped or Invalid.
	// +optional
	Phase SchedulePhase `json:"phase,omitempty"`
	// Conditions: Invalid, Suspended, Stopped.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// LastScheduleTime is the latest fire time handled: its run was created, or it was skipped.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`
	// NextScheduleTime is the next fire time, while scheduling.
	// +optional
	NextScheduleTime *metav1.Time `json:"nextScheduleTime,omitempty"`
	// Active names the runs that have not finished, oldest scheduled time first.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	Active []string `json:"active,omitempty"`
	// RecentRuns are the latest finished or skipped runs, oldest first: at most
	// successfulRunHistoryLimit + failedRunHistoryLimit + 10.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=210
	RecentRuns []ScheduledRun `json:"recentRuns,omitempty"`
	// ConsecutiveFailures counts the failed runs since the last succeeded one.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`
	// LastRunNowToken is the last stoke.dev/run-now value whose run was created.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	LastRunNowToken string `json:"lastRunNowToken,omitempty"`
	// Backfill is the progress of spec.backfill.
	// +optional
	Backfill *BackfillStatus `json:"backfill,omitempty"`
}

// ScheduledSparkApplication runs a SparkApplication on a cron schedule. Each run is a SparkApplication
// owned by the schedule, named "<schedule>-<scheduled unix minute>", labelled stoke.dev/schedule and
// annotated with its logical time.
//
// Unlike SparkApplication it has no lenient decoder: the kind was bounded by its schema (every integer
// has a minimum and a maximum) from its first version, so every stored object fits these types.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sparksched;scheduledsparkapp;scheduledsparkapps,categories=stoke
// +kubebuilder:printcolumn:name="Schedule",type=string,JSONPath=`.spec.schedule`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Last",type=date,JSONPath=`.status.lastScheduleTime`
// +kubebuilder:printcolumn:name="Next",type=string,JSONPath=`.status.nextScheduleTime`
// +kubebuilder:printcolumn:name="Active",type=string,JSONPath=`.status.active`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="a schedule's name is at most 63 characters: it is a label value on every run"
type ScheduledSparkApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ScheduledSparkApplicationSpec   `json:"spec"`
	Status ScheduledSparkApplicationStatus `json:"status,omitempty"`
}

// ScheduledSparkApplicationList is a list of ScheduledSparkApplications.
//
// +kubebuilder:object:root=true
type ScheduledSparkApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ScheduledSparkApplication `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ScheduledSparkApplication{}, &ScheduledSparkApplicationList{})
}
