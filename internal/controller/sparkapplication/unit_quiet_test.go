package sparkapplication

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

func TestUnitIgnorePodEvent(t *testing.T) {
	spec := unitSpec()
	hash := SpecHash(spec)
	succeeded := []metav1.Condition{{Type: stokev1.ConditionSucceeded, Status: metav1.ConditionTrue}}
	failed := []metav1.Condition{{Type: stokev1.ConditionFailed, Status: metav1.ConditionTrue, ObservedGeneration: 1}}
	running := []metav1.Condition{{Type: stokev1.ConditionRunning, Status: metav1.ConditionTrue}}
	attempt := &stokev1.Attempt{Number: 1, SpecHash: hash, DriverPodName: "a-1-driver", SparkApplicationID: "spark-1"}
	changed := &stokev1.Attempt{Number: 1, SpecHash: "another", DriverPodName: "a-1-driver", SparkApplicationID: "spark-1"}
	app := func(conds []metav1.Condition, cur *stokev1.Attempt, generation int64) *stokev1.SparkApplication {
		return &stokev1.SparkApplication{
			ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", Generation: generation},
			Spec:       *spec,
			Status:     stokev1.SparkApplicationStatus{Conditions: conds, CurrentAttempt: cur},
		}
	}
	pod := func(name, role string, deleting bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{spark.LabelRole: role}}}
		if deleting {
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	tests := []struct {
		name string
		app  *stokev1.SparkApplication
		pod  *corev1.Pod
		want bool
	}{
		{"running app, its driver", app(running, attempt, 1), pod("a-1-driver", spark.RoleDriver, false), false},
		{"running app, executor being deleted", app(running, attempt, 1), pod("spark-1-exec-1", spark.RoleExecutor, true), false},
		{"no status yet", app(nil, nil, 1), pod("a-1-driver", spark.RoleDriver, false), false},
		{"succeeded app, its driver", app(succeeded, attempt, 1), pod("a-1-driver", spark.RoleDriver, false), true},
		{"succeeded app, an earlier attempt's driver", app(succeeded, attempt, 1), pod("a-0-driver", spark.RoleDriver, false), true},
		{"succeeded app, executor being deleted", app(succeeded, attempt, 1), pod("spark-1-exec-1", spark.RoleExecutor, true), true},
		{"succeeded app, a live executor is a leftover to delete", app(succeeded, attempt, 1), pod("spark-1-exec-1", spark.RoleExecutor, false), false},
		{"succeeded app whose spec changed since", app(succeeded, changed, 2), pod("a-1-driver", spark.RoleDriver, false), false},
		{"failed invalid spec, same generation", app(failed, nil, 1), pod("a-1-driver", spark.RoleDriver, false), true},
		{"failed invalid spec, spec changed since", app(failed, nil, 2), pod("a-1-driver", spark.RoleDriver, false), false},
	}
	for _, tc := range tests {
		if got := IgnorePodEvent(tc.app, tc.pod); got != tc.want {
			t.Errorf("%s: IgnorePodEvent = %v, want %v", tc.name, got, tc.want)
		}
	}
}
