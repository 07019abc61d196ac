package sparkapplication_test

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestBadQueuesRejectedAtAdmission is the SparkQueue part of the bad-input catalogue: each queue is created
// against the real API server, which must refuse it as Invalid with a cause naming the field and the
// problem. A quota of zero or less cores or memory, and a parent chain that loops, are not expressible in
// the schema: the queue's Ready condition says InvalidQuota or InvalidParent (internal/admission.LimitsOf and
// Tree.Chain).
func TestBadQueuesRejectedAtAdmission(t *testing.T) {
	t.Parallel()
	cores := resource.MustParse("8")
	typed := []struct {
		name   string
		change func(*stokev1.SparkQueueSpec)
		field  string
		words  []string
	}{
		{"empty quota", func(s *stokev1.SparkQueueSpec) { s.Quota = stokev1.QueueQuota{} },
			"spec.quota", []string{"set at least one of cores, memory, gpus and applications"}},
		{"zero gpus", func(s *stokev1.SparkQueueSpec) { s.Quota.GPUs = ptr(int64(0)) },
			"spec.quota.gpus", []string{"greater than or equal to 1"}},
		{"a million and one gpus", func(s *stokev1.SparkQueueSpec) { s.Quota.GPUs = ptr(int64(1000001)) },
			"spec.quota.gpus", []string{"less than or equal to 1000000"}},
		{"zero applications", func(s *stokev1.SparkQueueSpec) { s.Quota.Applications = ptr(int32(0)) },
			"spec.quota.applications", []string{"greater than or equal to 1"}},
		{"zero weight", func(s *stokev1.SparkQueueSpec) { s.Weight = ptr(int32(0)) },
			"spec.weight", []string{"greater than or equal to 1"}},
		{"weight above 1000", func(s *stokev1.SparkQueueSpec) { s.Weight = ptr(int32(1001)) },
			"spec.weight", []string{"less than or equal to 1000"}},
		{"parent name of 254 characters", func(s *stokev1.SparkQueueSpec) { s.Parent = strings.Repeat("p", 254) },
			"spec.parent", []string{"Too long", "253"}},
	}
	for _, tc := range typed {
		t.Run(tc.name, func(t *testing.T) {
			q := &stokev1.SparkQueue{
				ObjectMeta: metav1.ObjectMeta{Name: "bad-queue-" + strings.ReplaceAll(tc.name, " ", "-")},
				Spec:       stokev1.SparkQueueSpec{Quota: stokev1.QueueQuota{Cores: &cores}},
			}
			tc.change(&q.Spec)
			if err := testenv.CheckInvalid(env.Client.Create(context.Background(), q), tc.field, tc.words...); err != nil {
				t.Error(err)
			}
		})
	}
	// What a typed client cannot send: malformed quantities and a missing quota.
	raw := []struct {
		name  string
		spec  map[string]any
		field string
		words []string
	}{
		{"cores not a quantity", map[string]any{"quota": map[string]any{"cores": "lots"}}, "spec.quota.cores", []string{"should match"}},
		{"memory in GiB", map[string]any{"quota": map[string]any{"memory": "64GiB"}}, "spec.quota.memory", []string{"should match"}},
		{"no quota", map[string]any{"weight": int64(2)}, "spec.quota", []string{"Required value"}},
		{"gpus as a string", map[string]any{"quota": map[string]any{"gpus": "4"}}, "spec.quota.gpus", []string{"must be of type integer"}},
	}
	for _, tc := range raw {
		t.Run(tc.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{"spec": tc.spec}}
			u.SetAPIVersion(stokev1.GroupVersion.String())
			u.SetKind("SparkQueue")
			u.SetName("bad-queue-" + strings.ReplaceAll(tc.name, " ", "-"))
			if err := testenv.CheckInvalid(env.Client.Create(context.Background(), u), tc.field, tc.words...); err != nil {
				t.Error(err)
			}
		})
	}
	valid := &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: "valid-queue"}, Spec: stokev1.SparkQueueSpec{Quota: stokev1.QueueQuota{Cores: &cores}}}
	if err := env.Client.Create(context.Background(), valid, client.DryRunAll); err != nil {
		t.Errorf("the valid queue is refused: %v", err)
	}
}
