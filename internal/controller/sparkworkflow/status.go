package sparkworkflow

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/dag"
)

// Condition reasons and event reasons. docs/conditions.md documents each.
const (
	// Invalid condition.
	ReasonInvalidWorkflow  = "InvalidWorkflow"  // the DAG: a cycle, an unknown or duplicate step, an expression
	ReasonInvalidStep      = "InvalidStep"      // a step's template has a malformed reference
	ReasonInvalidReference = "InvalidReference" // a step refers to a value that will not exist
	ReasonInvalidParameter = "InvalidParameter" // a parameter's value does not substitute
	ReasonValid            = "Valid"
	// Suspended condition.
	ReasonSuspendedByUser = "SuspendedByUser"
	// ReasonAwaitingSchedule: a run an HTTP trigger created waits for its schedule to start it.
	ReasonAwaitingSchedule = "AwaitingSchedule"
	ReasonNotSuspended     = "NotSuspended"
	// Succeeded and Failed conditions.
	ReasonCompleted        = "Completed"
	ReasonStepsFailed      = "StepsFailed"
	ReasonDeadlineExceeded = "DeadlineExceeded"
	ReasonTooManySteps     = "TooManySteps"
	ReasonRetried          = "Retried"

	// Events only.
	ReasonStarted      = "Started"
	ReasonStepCreated  = "StepCreated"
	ReasonStepErrored  = "StepErrored"
	ReasonSucceeded    = "Succeeded"
	ReasonFailed       = "Failed"
	ReasonRetryIgnored = "RetryIgnored"
)

// maxStepMessage bounds one step's message in the summary.
const maxStepMessage = 512

func isTrue(list []metav1.Condition, t string) bool { return meta.IsStatusConditionTrue(list, t) }

func setCondition(wf *stokev1.SparkWorkflow, t string, status bool, reason, message string) {
	conditions.Set(&wf.Status.Conditions, wf.Generation, t, status, reason, message)
}

// phaseOf summarises the conditions.
func phaseOf(list []metav1.Condition) stokev1.WorkflowPhase {
	switch {
	case isTrue(list, stokev1.ConditionInvalid):
		return stokev1.WorkflowPhaseInvalid
	case isTrue(list, stokev1.ConditionSucceeded):
		return stokev1.WorkflowPhaseSucceeded
	case isTrue(list, stokev1.ConditionFailed):
		return stokev1.WorkflowPhaseFailed
	case isTrue(list, stokev1.ConditionSuspended):
		return stokev1.WorkflowPhaseSuspended
	default:
		return stokev1.WorkflowPhaseRunning
	}
}

// summarise writes the per-step summary and the progress counts from the engine's plan, the steps'
// applications and the earlier records. ended, when set, is the message of steps that will now never start
// (the workflow ended): they are shown as Omitted.
func (r *Reconciler) summarise(p *pass, plan dag.Plan, ended string) {
	steps := make([]stokev1.WorkflowStepStatus, 0, len(plan.Steps))
	var counts stokev1.StepCounts
	for _, s := range plan.Steps {
		line := stokev1.WorkflowStepStatus{Name: s.Name, Phase: stokev1.StepPhase(s.Phase), Message: s.Reason}
		if s.Step != s.Name {
			line.Step = s.Step
		}
		if rec := p.seen.records[s.Name]; rec != nil && p.seen.children[s.Name] == nil && finishedPhase(rec.Phase) {
			// The application is gone: keep what was recorded of it.
			line.Application, line.Attempt, line.StartTime, line.EndTime = rec.Application, rec.Attempt, rec.StartTime, rec.EndTime
			line.ExitCode, line.SparkApplicationID, line.Result = rec.ExitCode, rec.SparkApplicationID, rec.Result
			if line.Message == "" {
				line.Message = rec.Message
			}
		}
		if app := p.seen.children[s.Name]; app != nil {
			describeChild(&line, app)
		}
		if note := p.seen.notes[s.Name]; note != "" {
			line.Message = note
		}
		if ended != "" && (line.Phase == stokev1.StepPending) {
			line.Phase, line.Message = stokev1.StepOmitted, ended
		}
		line.Message = conditions.Bound(line.Message, maxStepMessage)
		count(&counts, line.Phase)
		steps = append(steps, line)
	}
	p.wf.Status.Steps, p.wf.Status.Progress = steps, counts
}

// describeChild fills a summary line from the step's application.
func describeChild(line *stokev1.WorkflowStepStatus, app *stokev1.SparkApplication) {
	line.Application = app.Name
	line.StartTime = app.CreationTimestamp.DeepCopy()
	if app.CreationTimestamp.IsZero() {
		line.StartTime = nil
	}
	line.EndTime = app.Status.TerminationTime
	if cur := app.Status.CurrentAttempt; cur != nil {
		line.Attempt, line.ExitCode, line.SparkApplicationID = cur.Number, cur.ExitCode, cur.SparkApplicationID
		line.Result = conditions.Bound(cur.Result, conditions.MaxResult)
	}
	if line.Phase == stokev1.StepFailed {
		if c := meta.FindStatusCondition(app.Status.Conditions, stokev1.ConditionFailed); c != nil {
			line.Message = c.Message
		}
	}
	if line.Phase == stokev1.StepRunning && app.Status.Phase != "" {
		line.Message = "application " + string(app.Status.Phase)
	}
}

func count(c *stokev1.StepCounts, phase stokev1.StepPhase) {
	c.Total++
	switch phase {
	case stokev1.StepPending:
		c.Pending++
	case stokev1.StepRunning:
		c.Running++
	case stokev1.StepSucceeded:
		c.Succeeded++
	case stokev1.StepFailed:
		c.Failed++
	default:
		c.Other++
	}
}
