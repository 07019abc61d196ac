package scheduledsparkapplication

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons and event reasons. docs/conditions.md documents each.
const (
	// Invalid condition.
	ReasonInvalidSchedule = "InvalidSchedule"
	ReasonInvalidTimeZone = "InvalidTimeZone"
	ReasonInvalidTemplate = "InvalidTemplate"
	// ReasonRunRejected: the API server refused a run as invalid (a webhook or policy, or a substituted
	// value the SparkApplication schema refuses); it stays until the spec changes.
	ReasonRunRejected = "RunRejected"
	ReasonValid       = "Valid"
	// Suspended condition.
	ReasonSuspendedByUser = "SuspendedByUser"
	ReasonNotSuspended    = "NotSuspended"
	// Stopped condition.
	ReasonFailureLimitReached = "FailureLimitReached"
	ReasonBelowFailureLimit   = "BelowFailureLimit"

	// Events only.
	ReasonRunCreated       = "RunCreated"
	ReasonRunSkipped       = "RunSkipped"
	ReasonRunReplaced      = "RunReplaced"
	ReasonRunNameTaken     = "RunNameTaken"
	ReasonRunNowInvalid    = "RunNowInvalid"
	ReasonRunStarted       = "RunStarted"
	ReasonBackfillComplete = "BackfillComplete"
)

func isTrue(list []metav1.Condition, t string) bool { return meta.IsStatusConditionTrue(list, t) }
