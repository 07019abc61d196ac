package sparkapplication_test

import (
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/spark"
)

// TestClassifyRejection: the API server's refusals, as its admission plugins word them, decide between
// waiting, failing and retrying.
func TestClassifyRejection(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	forbidden := func(msg string) error {
		return fmt.Errorf("creating driver pod p: %w", apierrors.NewForbidden(pods, "p", errors.New(msg)))
	}
	cases := []struct {
		name   string
		err    error
		kind   sparkapplication.RejectionKind
		reason string
	}{
		{"missing service account", forbidden(`error looking up service account ns/spark: serviceaccount "spark" not found`),
			sparkapplication.RejectionWait, sparkapplication.ReasonWaitingForServiceAccount},
		{"missing priority class", forbidden("no PriorityClass with name high was found"), sparkapplication.RejectionWait, sparkapplication.ReasonWaitingForPriorityClass},
		{"quota", forbidden("exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=0, limited: count/configmaps=0"),
			sparkapplication.RejectionWait, sparkapplication.ReasonWaitingForQuota},
		{"operator RBAC", forbidden(`User "system:serviceaccount:stoke:stoke" cannot create resource "pods" in API group "" in the namespace "ns"`),
			sparkapplication.RejectionWait, sparkapplication.ReasonWaitingForPermission},
		{"pod security", forbidden(`violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)`),
			sparkapplication.RejectionFail, sparkapplication.ReasonSubmissionRejected},
		{"limit range", forbidden("maximum cpu usage per Container is 2, but limit is 4"), sparkapplication.RejectionFail, sparkapplication.ReasonSubmissionRejected},
		{"webhook", forbidden(`admission webhook "policy.example.com" denied the request: no`), sparkapplication.RejectionFail, sparkapplication.ReasonSubmissionRejected},
		{"terminating namespace", forbidden("unable to create new content in namespace ns because it is being terminated"), sparkapplication.RejectionTransient, ""},
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "p", field.ErrorList{field.Required(field.NewPath("spec"), "")}),
			sparkapplication.RejectionFail, sparkapplication.ReasonInvalidSpec},
		{"too large", apierrors.NewRequestEntityTooLargeError("limit is 3145728"), sparkapplication.RejectionFail, sparkapplication.ReasonInvalidSpec},
		{"builder", &spark.InvalidSpecError{Err: errors.New("spec.driver.memory: bad")}, sparkapplication.RejectionFail, sparkapplication.ReasonInvalidSpec},
		{"unsupported dependency", &spark.UnsupportedDependencyError{Fields: []string{"deps.jars[0]"}}, sparkapplication.RejectionFail, sparkapplication.ReasonUnsupportedDependency},
		{"server error", apierrors.NewInternalError(errors.New("etcd")), sparkapplication.RejectionTransient, ""},
		{"timeout", apierrors.NewTimeoutError("slow", 1), sparkapplication.RejectionTransient, ""},
		{"network", errors.New("dial tcp: connection refused"), sparkapplication.RejectionTransient, ""},
	}
	for _, tc := range cases {
		got := sparkapplication.ClassifyRejection(tc.err)
		if got.Kind != tc.kind || got.Reason != tc.reason {
			t.Errorf("%s: got %+v, want kind %d reason %q", tc.name, got, tc.kind, tc.reason)
		}
	}
}
