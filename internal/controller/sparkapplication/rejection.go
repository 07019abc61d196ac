package sparkapplication

import (
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/stokehq/stoke/internal/spark"
)

// RejectionKind says what a refused create means for the application.
type RejectionKind int

const (
	// RejectionTransient: the API server or the network failed; the reconcile is retried with backoff.
	RejectionTransient RejectionKind = iota
	// RejectionWait: something the user or an administrator may still create or grant is missing (a service
	// account, a priority class, quota, the operator's permission); the application waits, with a condition
	// that says for what, and looks again with backoff.
	RejectionWait
	// RejectionFail: the spec must change (invalid objects, a Pod Security or LimitRange violation, a
	// webhook's denial, an object too large); the application fails with the API server's message.
	RejectionFail
)

// Rejection is the verdict on an error from a create.
type Rejection struct {
	Kind RejectionKind
	// Reason is the condition reason for RejectionWait and RejectionFail.
	Reason string
}

// ClassifyRejection decides what an error from creating one of an attempt's objects (or from a dry run of
// its executor pod) means. The API server's admission plugins say why they refuse only in their messages,
// so the causes a user may fix later are recognised by them; any other refusal by admission fails the
// application, and errors that are not refusals are retried.
func ClassifyRejection(err error) Rejection {
	var invalidSpec *spark.InvalidSpecError
	switch {
	case err == nil:
		return Rejection{Kind: RejectionTransient}
	case isUnsupportedDependency(err):
		return Rejection{Kind: RejectionFail, Reason: ReasonUnsupportedDependency}
	case errors.As(err, &invalidSpec), apierrors.IsInvalid(err), apierrors.IsBadRequest(err), apierrors.IsRequestEntityTooLargeError(err):
		return Rejection{Kind: RejectionFail, Reason: ReasonInvalidSpec}
	case !apierrors.IsForbidden(err):
		return Rejection{Kind: RejectionTransient}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "because it is being terminated"):
		return Rejection{Kind: RejectionTransient} // the namespace goes, and the application with it
	case strings.Contains(msg, "error looking up service account"):
		return Rejection{Kind: RejectionWait, Reason: ReasonWaitingForServiceAccount}
	case strings.Contains(msg, "no PriorityClass with name"):
		return Rejection{Kind: RejectionWait, Reason: ReasonWaitingForPriorityClass}
	case strings.Contains(msg, "exceeded quota"):
		return Rejection{Kind: RejectionWait, Reason: ReasonWaitingForQuota}
	case strings.Contains(msg, "cannot create resource"):
		return Rejection{Kind: RejectionWait, Reason: ReasonWaitingForPermission} // RBAC refused the operator itself
	}
	return Rejection{Kind: RejectionFail, Reason: ReasonSubmissionRejected}
}
