package scheduledsparkapplication_test

import (
	"context"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestRunRejectedByAdmissionStopsUntilTheSpecChanges: a run the API server refuses as invalid (here a
// ValidatingAdmissionPolicy) sets Invalid with reason RunRejected once, and is not retried until the spec
// changes.
func TestRunRejectedByAdmissionStopsUntilTheSpecChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	fail := admissionv1.Fail
	policy := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: f.ns},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create},
					Rule:       admissionv1.Rule{APIGroups: []string{"stoke.dev"}, APIVersions: []string{"*"}, Resources: []string{"sparkapplications"}},
				},
			}}},
			Validations: []admissionv1.Validation{{Expression: "false", Message: "runs of this team are refused"}},
		},
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: f.ns},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        f.ns,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
			MatchResources: &admissionv1.MatchResources{ObjectSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"test.stoke.dev/refuse": f.ns}}},
		},
	}
	if err := env.Client.Create(ctx, policy); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, policy) })
	if err := env.Client.Create(ctx, binding); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, binding) })
	// The policy applies once the API server has loaded it: probe with a labelled application.
	probe := &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, GenerateName: "probe-", Labels: map[string]string{"test.stoke.dev/refuse": f.ns}},
		Spec:       stokev1.SparkApplicationSpec{Type: stokev1.ApplicationTypePython, SparkVersion: "3.5.7", Image: "spark", MainApplicationFile: ptr("local:///a.py")},
	}
	eventually(t, "the policy in force", func() bool {
		p := probe.DeepCopy()
		err := env.Client.Create(ctx, p, client.DryRunAll)
		return err != nil && strings.Contains(err.Error(), "refused")
	})

	f.start(nil)
	f.newSchedule("refused", func(s *stokev1.ScheduledSparkApplication) {
		s.Spec.Template.Metadata.Labels["test.stoke.dev/refuse"] = f.ns
	})
	f.at("refused", f.first.Add(time.Second))
	s := f.waitStatus("refused", "invalid", func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.Phase == stokev1.SchedulePhaseInvalid
	})
	c := condition(s, stokev1.ConditionInvalid)
	if c.Reason != scheduledsparkapplication.ReasonRunRejected || !strings.Contains(c.Message, "runs of this team are refused") ||
		!strings.Contains(c.Message, runName("refused", f.first)) {
		t.Errorf("Invalid = %s %q", c.Reason, c.Message)
	}
	f.at("refused", f.first.Add(2*time.Second))
	testenv.Consistently(t, "no retry", func() bool {
		s := f.get("refused")
		return s.Status.Phase == stokev1.SchedulePhaseInvalid && len(f.runs()) == 0 &&
			condition(s, stokev1.ConditionInvalid).LastTransitionTime.Equal(&c.LastTransitionTime)
	})

	var events corev1.EventList
	if err := env.Client.List(ctx, &events, client.InNamespace(f.ns)); err != nil {
		t.Fatal(err)
	}
	attempts := int32(0)
	for _, e := range events.Items {
		if e.Reason == scheduledsparkapplication.ReasonRunRejected {
			attempts += max(e.Count, 1)
		}
	}
	if attempts != 1 {
		t.Errorf("%d RunRejected events, want 1: the refused run was retried", attempts)
	}

	// A changed spec tries again.
	f.update("refused", func(s *stokev1.ScheduledSparkApplication) {
		delete(s.Spec.Template.Metadata.Labels, "test.stoke.dev/refuse")
	})
	f.waitRuns(runName("refused", f.first))
}
