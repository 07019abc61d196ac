package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SparkWorkflowSpec is a DAG of Spark steps. docs/workflows.md explains it with a real pipeline.
//
// +kubebuilder:validation:XValidation:rule="!has(self.onExit) || self.steps.exists(s, s.name == self.onExit)",message="onExit must name one of steps"
type SparkWorkflowSpec struct {
	// Parameters are the workflow's inputs, referred to in steps as {{ .Params.NAME }}. A parameter without
	// a value must be given one before the workflow runs (for a workflow a schedule creates, in the
	// schedule's template, where values may use {{ .ScheduledTime }}).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	Parameters []WorkflowParameter `json:"parameters,omitempty"`

	// Steps are the workflow's steps (at most 150; a step fanning out counts once); each runs as a
	// SparkApplication owned by the workflow, named "<workflow>-<step>" (shortened with a hash when that is
	// longer than 63 characters). Names are unique.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=150
	Steps []WorkflowStep `json:"steps"`

	// OnExit names the exit step: a step of steps that runs after every other step has finished, whatever
	// happened, and sees the workflow's outcome as {{ .Workflow.Status }} (Succeeded or Failed). It cannot
	// have dependencies or fan out, and no step can depend on it. If it fails, the workflow fails.
	// +optional
	// +kubebuilder:validation:MaxLength=40
	OnExit string `json:"onExit,omitempty"`

	// Parallelism caps how many steps (counting each fan-out item) run at once. Unset means no limit.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Parallelism *int32 `json:"parallelism,omitempty"`

	// FailurePolicy is FailFast (default: once a step has failed and no other step's depends handles the
	// failure, no new step starts; running steps finish) or RunAll (every step whose dependencies allow it
	// still runs).
	// +optional
	// +kubebuilder:validation:Enum=FailFast;RunAll
	FailurePolicy string `json:"failurePolicy,omitempty"`

	// ActiveDeadlineSeconds bounds the whole workflow, counted from its start: when it passes, running
	// steps are deleted, no step starts (not even the exit step) and the workflow fails with reason
	// DeadlineExceeded.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=31622400
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`

	// Suspend stops new steps from starting while true; running steps finish. Setting it back to false
	// resumes the workflow where it stopped.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// TTLSecondsAfterFinished deletes the workflow, and with it its steps' applications, this long after it
	// finished. Unset keeps it. The steps' own timeToLiveSeconds is ignored: the workflow keeps its steps
	// (and their outputs) as long as it exists.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=31622400
	TTLSecondsAfterFinished *int64 `json:"ttlSecondsAfterFinished,omitempty"`
}

// WorkflowParameter is one input of a workflow.
type WorkflowParameter struct {
	// Name is how steps refer to it: {{ .Params.NAME }}.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_-]*$`
	Name string `json:"name"`
	// Value of the parameter. Unset means the parameter is required.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Value *string `json:"value,omitempty"`
	// Description says what the parameter is for.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description string `json:"description,omitempty"`
}

// WorkflowStep is one step: a Spark application that runs when its dependencies allow.
// +kubebuilder:validation:XValidation:rule="!(has(self.dependencies) && has(self.depends))",message="set dependencies or depends, not both"
// +kubebuilder:validation:XValidation:rule="!(has(self.items) && has(self.itemsFrom))",message="set items or itemsFrom, not both"
type WorkflowStep struct {
	// Name of the step: a DNS-1123 label of at most 40 characters starting with a letter.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// Dependencies are steps that must each have succeeded (or been skipped by their when) first.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MaxLength=40
	Dependencies []string `json:"dependencies,omitempty"`

	// Depends is an expression over other steps' results, instead of dependencies, for example
	// "extract.Succeeded && (validate.Failed || validate.Skipped)". Results: Succeeded, Failed, Errored,
	// Skipped, Omitted, Completed, AnySucceeded, AllFailed; operators &&, ||, ! and parentheses.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Depends string `json:"depends,omitempty"`

	// When is a condition on values; the step is Skipped when it is false, for example
	// `.Params.env == "prod" && .Steps.count.Result != "0"`.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	When string `json:"when,omitempty"`

	// Items fans the step out: it runs once per item, as STEP-0, STEP-1, ..., each seeing its item as
	// {{ .Item }}.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MaxLength=1024
	Items []string `json:"items,omitempty"`

	// ItemsFrom fans the step out over a JSON array held in a value, such as .Steps.list.Result (what an
	// earlier step's driver wrote to its termination message).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ItemsFrom string `json:"itemsFrom,omitempty"`

	// Template is the step's application. Every string in it may refer to values: {{ .Params.NAME }},
	// {{ .Steps.STEP.Result }}, {{ .Steps.STEP.ExitCode }}, {{ .Steps.STEP.ApplicationID }}, {{ .Item }},
	// {{ .ScheduledTime }} (for a workflow a schedule started) and, in the exit step, {{ .Workflow.Status }}.
	Template StepTemplate `json:"template"`
}

// StepTemplate is the application a step runs.
type StepTemplate struct {
	// Metadata holds labels and annotations copied onto the step's application.
	// +optional
	Metadata StepMetadata `json:"metadata,omitempty"`
	// Application is the spec of the step's SparkApplication. Its restartPolicy gives the step's retries.
	Application SparkApplicationSpec `json:"application"`
}

// StepMetadata is the metadata a step gives its application.
type StepMetadata struct {
	// Labels are copied onto the step's application; stoke.dev/workflow, stoke.dev/workflow-step and
	// stoke.dev/workflow-round are set by Stoke.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="!('stoke.dev/workflow' in self) && !('stoke.dev/workflow-step' in self) && !('stoke.dev/workflow-round' in self)",message="labels must not set stoke.dev/workflow, stoke.dev/workflow-step or stoke.dev/workflow-round, which Stoke sets"
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are copied onto the step's application.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	Annotations map[string]string `json:"annotations,omitempty"`
}

// WorkflowPhase summarises a workflow.
type WorkflowPhase string

const (
	WorkflowPhaseRunning   WorkflowPhase = "Running"
	WorkflowPhaseSuspended WorkflowPhase = "Suspended"
	WorkflowPhaseSucceeded WorkflowPhase = "Succeeded"
	WorkflowPhaseFailed    WorkflowPhase = "Failed"
	WorkflowPhaseInvalid   WorkflowPhase = "Invalid"
)

// StepPhase is the state of one step.
type StepPhase string

const (
	// StepPending: not started yet (waiting for dependencies or a parallelism slot).
	StepPending StepPhase = "Pending"
	// StepRunning: its application exists and has not finished.
	StepRunning StepPhase = "Running"
	// StepSucceeded: its application succeeded.
	StepSucceeded StepPhase = "Succeeded"
	// StepFailed: its application failed (after its own retries).
	StepFailed StepPhase = "Failed"
	// StepErrored: it could not be run (a value it refers to does not exist, a bad fan-out input, its
	// application was refused by the API server).
	StepErrored StepPhase = "Errored"
	// StepSkipped: its when condition was false.
	StepSkipped StepPhase = "Skipped"
	// StepOmitted: it will not run, because its dependencies were not satisfied or a step failed (fail-fast).
	StepOmitted StepPhase = "Omitted"
)

// WorkflowStepStatus is one line of a workflow's per-step summary: a step, or one item of a fan-out.
type WorkflowStepStatus struct {
	// Name is the concrete step name: the step's name, or STEP-N for the N-th item of a fan-out.
	// +kubebuilder:validation:MaxLength=48
	Name string `json:"name"`
	// Step is the step as written, for a fan-out item.
	// +optional
	// +kubebuilder:validation:MaxLength=40
	Step string `json:"step,omitempty"`
	// Phase of the step.
	Phase StepPhase `json:"phase"`
	// Application is the step's SparkApplication, once created.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Application string `json:"application,omitempty"`
	// Attempt is the application's current attempt number.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Attempt int32 `json:"attempt,omitempty"`
	// StartTime is when the step's application was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// EndTime is when the step finished.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty"`
	// ExitCode of the step's driver.
	// +optional
	// +kubebuilder:validation:Minimum=-2147483648
	// +kubebuilder:validation:Maximum=2147483647
	ExitCode *int32 `json:"exitCode,omitempty"`
	// SparkApplicationID is the step's spark.app.id.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SparkApplicationID string `json:"sparkApplicationID,omitempty"`
	// Result is what the step's driver wrote to its termination message (/dev/termination-log).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Result string `json:"result,omitempty"`
	// Message says why a step is pending, skipped, omitted, errored or failed.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Message string `json:"message,omitempty"`
}

// StepCounts counts the concrete steps (fan-out items counted one by one) by phase.
type StepCounts struct {
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Total int32 `json:"total"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Pending int32 `json:"pending,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Running int32 `json:"running,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Succeeded int32 `json:"succeeded,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Failed int32 `json:"failed,omitempty"`
	// Other counts skipped, omitted and errored steps.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Other int32 `json:"other,omitempty"`
}

// SparkWorkflowStatus is what the workflow observed and decided.
type SparkWorkflowStatus struct {
	// ObservedGeneration is the spec generation this status was computed for.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=9007199254740992
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase summarises the conditions: Running, Suspended, Succeeded, Failed or Invalid.
	// +optional
	Phase WorkflowPhase `json:"phase,omitempty"`
	// Conditions: Invalid, Suspended, Succeeded, Failed.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// StartTime is when the workflow started; activeDeadlineSeconds counts from it.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// TerminationTime is when the workflow succeeded or failed; ttlSecondsAfterFinished counts from it.
	// +optional
	TerminationTime *metav1.Time `json:"terminationTime,omitempty"`
	// Progress counts the steps by phase.
	// +optional
	Progress StepCounts `json:"progress,omitempty"`
	// Steps is the per-step summary, in evaluation order (dependencies before what needs them); the exit
	// step comes last.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=2000
	Steps []WorkflowStepStatus `json:"steps,omitempty"`
	// Retries counts `stoke workflow retry` requests carried out.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Retries int32 `json:"retries,omitempty"`
	// LastRetryToken is the last stoke.dev/retry value carried out.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	LastRetryToken string `json:"lastRetryToken,omitempty"`
}

// MaxWorkflowStatusSteps is how many concrete steps (fan-out items counted one by one) a workflow may
// expand to: its per-step summary holds one line for each.
const MaxWorkflowStatusSteps = 2000

// Annotations and labels of workflows and their steps.
const (
	// AnnotationRetry on a workflow asks to retry its failed steps in place; its value is a token (stoke
	// workflow retry writes the current time) and each new value retries once, recorded in
	// status.lastRetryToken.
	AnnotationRetry = "stoke.dev/retry"
	// LabelWorkflow on a step's application names its workflow.
	LabelWorkflow = "stoke.dev/workflow"
	// LabelWorkflowStep on a step's application is its concrete step name.
	LabelWorkflowStep = "stoke.dev/workflow-step"
	// LabelWorkflowRound on a step's application is status.retries of its workflow when the application was
	// created: an application from before a retry that the retry reset is recognised even in a stale cache.
	LabelWorkflowRound = "stoke.dev/workflow-round"
)

// Condition types of a SparkWorkflow (Invalid, Suspended, Succeeded and Failed are shared with the other
// kinds); docs/conditions.md lists their reasons.

// SparkWorkflow runs a DAG of Spark applications.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sparkwf;sparkworkflows,categories=stoke
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Steps",type=integer,JSONPath=`.status.progress.total`
// +kubebuilder:printcolumn:name="Succeeded",type=integer,JSONPath=`.status.progress.succeeded`
// +kubebuilder:printcolumn:name="Running",type=integer,JSONPath=`.status.progress.running`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="a workflow's name is at most 63 characters: it is a label value on every step"
type SparkWorkflow struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SparkWorkflowSpec   `json:"spec"`
	Status SparkWorkflowStatus `json:"status,omitempty"`
}

// SparkWorkflowList is a list of SparkWorkflows.
//
// +kubebuilder:object:root=true
type SparkWorkflowList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SparkWorkflow `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SparkWorkflow{}, &SparkWorkflowList{})
}
