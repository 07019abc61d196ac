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
// +kubebuilder:validation:XValidation:rule="!has(self.triggers) || self.triggers.all(t, !has(t.parameters) || t.parameters.all(p, has(self.parameters) && self.parameters.exists(q, q.name == p.name)))",message="every trigger parameter must name one of spec.parameters"
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

	// Parameters are named values every run receives: an application template refers to them as
	// {{ .Params.NAME }}, and a workflow template's parameter of the same name takes the value (the
	// workflow must declare it). Scheduled, run-now and backfill runs use the values given here; a run
	// started by an HTTP trigger may have some replaced from its delivery (see triggers).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	Parameters []ScheduleParameter `json:"parameters,omitempty"`

	// Triggers start runs when `stoke server` receives an HTTP POST at
	// /api/v1/namespaces/NAMESPACE/schedules/SCHEDULE/triggers/TRIGGER (a webhook from a Git forge, an
	// object store's notification, a script), with parameters taken from the delivery's JSON body. A
	// triggered run is named from the trigger and the delivery's idempotency key, so a delivery sent twice
	// starts one run; its logical time is when it was received. It waits, created with spec.suspend true and
	// the stoke.dev/awaiting-schedule annotation, until the schedule starts it as the concurrency policy
	// allows (Forbid: one at a time; Replace: the newest delivery replaces the active and waiting runs),
	// and while the schedule is suspended. See docs/server.md.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	Triggers []HTTPTrigger `json:"triggers,omitempty"`

	// Template is what each run is: one SparkApplication or one SparkWorkflow.
	Template ScheduleTemplate `json:"template"`
}

// ScheduleParameter is one named value of a schedule's runs.
type ScheduleParameter struct {
	// Name is how templates refer to it: {{ .Params.NAME }}.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_-]*$`
	Name string `json:"name"`
	// Value is what runs get unless a trigger's delivery gives another (it may be empty).
	// +kubebuilder:validation:MaxLength=4096
	Value string `json:"value"`
	// Description says what the parameter is for.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description string `json:"description,omitempty"`
}

// HTTPTrigger starts a run of its schedule for each HTTP POST `stoke server` receives for it.
//
// A delivery is authenticated in one of two ways. With a Kubernetes bearer token (as every other request
// to the server), the run is created as that caller, who needs create on the run's kind in the namespace.
// With a signature (for senders that cannot send a token, such as Git forges' webhooks), a delivery without
// a token is accepted when its HMAC signature matches, and the run is created as serviceAccountName: that
// service account needs create on the run's kind and get on the signature's Secret. A delivery with a
// token to a trigger with a signature must be signed as well.
//
// +kubebuilder:validation:XValidation:rule="!has(self.signature) || has(self.serviceAccountName)",message="a trigger with a signature needs serviceAccountName, the identity its signed deliveries act as"
type HTTPTrigger struct {
	// Name is the trigger's last path segment: a DNS-1123 label.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// Parameters take schedule parameters' values from the delivery's JSON body; each must name one of
	// spec.parameters. A delivery whose body lacks a field keeps that parameter's value from
	// spec.parameters.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	Parameters []TriggerParameter `json:"parameters,omitempty"`

	// IdempotencyKey says where a delivery carries the key that identifies it: a delivery whose key was
	// seen before (its run still exists, or is in status.recentRuns) starts nothing and is answered with
	// the earlier run. Unset: the Idempotency-Key header when a delivery has one, else every delivery
	// starts a run. When set, a delivery without the key is refused.
	// +optional
	IdempotencyKey *TriggerIdempotencyKey `json:"idempotencyKey,omitempty"`

	// Signature requires an HMAC of the raw request body in a header.
	// +optional
	Signature *TriggerSignature `json:"signature,omitempty"`

	// ServiceAccountName is the service account (in the schedule's namespace) that signed deliveries act
	// as. Required with signature. Whoever may edit the schedule may name any service account of the
	// namespace here, as whoever may create a pod may run it as any of them.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// TriggerParameter fills one schedule parameter from a delivery's JSON body.
type TriggerParameter struct {
	// Name of the schedule parameter (spec.parameters) to fill.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_-]*$`
	Name string `json:"name"`
	// Path is where the value is in the body: object field names separated by dots, with array elements
	// as numbers ("repository.full_name", "Records.0.s3.object.key"). A string is taken as it is; a number,
	// true, false or null as its JSON text; an object or array as compact JSON (a workflow can fan out over
	// a JSON list).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^.]+(\.[^.]+)*$`
	Path string `json:"path"`
}

// TriggerIdempotencyKey names the header or body field holding a delivery's key.
// +kubebuilder:validation:XValidation:rule="has(self.header) != has(self.path)",message="set exactly one of header and path"
type TriggerIdempotencyKey struct {
	// Header holding the key, for example X-GitHub-Delivery.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9-]+$`
	Header string `json:"header,omitempty"`
	// Path of the body field holding the key, as in parameters.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^.]+(\.[^.]+)*$`
	Path string `json:"path,omitempty"`
}

// TriggerSignature is how deliveries are signed: the hex HMAC of the raw body with a shared secret,
// optionally preceded by the algorithm's name and "=" ("sha256=..."), as GitHub, Gitea and many other
// senders write it.
type TriggerSignature struct {
	// SecretName is the Secret (in the schedule's namespace) holding the shared secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName"`
	// SecretKey is the key in the Secret's data (default "secret").
	// +optional
	// +kubebuilder:default=secret
	// +kubebuilder:validation:MaxLength=253
	SecretKey string `json:"secretKey,omitempty"`
	// Header carrying the signature (default X-Hub-Signature-256).
	// +optional
	// +kubebuilder:default=X-Hub-Signature-256
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9-]+$`
	Header string `json:"header,omitempty"`
	// Algorithm of the HMAC: SHA256 (default) or SHA512.
	// +optional
	// +kubebuilder:default=SHA256
	// +kubebuilder:validation:Enum=SHA256;SHA512
	Algorithm string `json:"algorithm,omitempty"`
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
	// Annotations are copied onto every run. stoke.dev/scheduled-time, stoke.dev/run-trigger,
	// stoke.dev/trigger and stoke.dev/awaiting-schedule are set by Stoke and cannot be given.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="!('stoke.dev/scheduled-time' in self) && !('stoke.dev/run-trigger' in self) && !('stoke.dev/trigger' in self) && !('stoke.dev/awaiting-schedule' in self)",message="annotations must not set stoke.dev/scheduled-time, stoke.dev/run-trigger, stoke.dev/trigger or stoke.dev/awaiting-schedule, which Stoke sets"
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
	// RunTriggerHTTP: a delivery to one of spec.triggers (stoke server).
	RunTriggerHTTP RunTrigger = "HTTP"
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
	// Trigger is what started the run: Schedule, RunNow, Backfill or HTTP.
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
	// AnnotationRunTrigger on a run says what started it: Schedule, RunNow, Backfill or HTTP.
	AnnotationRunTrigger = "stoke.dev/run-trigger"
	// AnnotationTrigger on a run started by an HTTP trigger names the trigger (spec.triggers[].name).
	AnnotationTrigger = "stoke.dev/trigger"
	// AnnotationAwaitingSchedule on a run started by an HTTP trigger (created with spec.suspend true) says
	// that it waits for its schedule to start it as the concurrency policy allows; the schedule removes it
	// and sets spec.suspend to false.
	AnnotationAwaitingSchedule = "stoke.dev/awaiting-schedule"
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
	// Waiting names the runs HTTP triggers created that wait for the concurrency policy (or for the
	// schedule to be resumed) before they start, oldest first.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	Waiting []string `json:"waiting,omitempty"`
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
