package admission_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
)

func kueuePod(cpu string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"spark-role": "driver"}},
		Spec: corev1.PodSpec{NodeName: "bound", Containers: []corev1.Container{{Name: "spark", Image: "spark:4.0.1",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}}}
}

func TestKueueWorkload(t *testing.T) {
	app := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "etl", UID: "uid-1",
		Labels: map[string]string{admission.LabelKueueQueue: "team", admission.LabelKueuePriorityClass: "high"}}}
	for _, tc := range []struct {
		name      string
		executors int32
		sets      []string
	}{
		{name: "a driver and its initial executors", executors: 3, sets: []string{"driver×1", "executor×3"}},
		{name: "no executor pod set when it starts none", executors: 0, sets: []string{"driver×1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wl, err := admission.Workload(app, kueuePod("1"), kueuePod("2"), tc.executors)
			if err != nil {
				t.Fatal(err)
			}
			if wl.GroupVersionKind() != admission.WorkloadGVK || wl.GetNamespace() != "ns" || !strings.HasPrefix(wl.GetName(), "sparkapplication-etl-") {
				t.Errorf("workload %v %s/%s", wl.GroupVersionKind(), wl.GetNamespace(), wl.GetName())
			}
			if ref := metav1.GetControllerOf(wl); ref == nil || ref.UID != "uid-1" || ref.Kind != "SparkApplication" {
				t.Errorf("controller %+v, want the application", ref)
			}
			if q, _, _ := unstructured.NestedString(wl.Object, "spec", "queueName"); q != "team" {
				t.Errorf("queueName %q", q)
			}
			if pc, _, _ := unstructured.NestedString(wl.Object, "spec", "priorityClassRef", "name"); pc != "high" {
				t.Errorf("priorityClassRef name %q", pc)
			}
			sets, _, _ := unstructured.NestedSlice(wl.Object, "spec", "podSets")
			var got []string
			for _, s := range sets {
				m := s.(map[string]any)
				got = append(got, m["name"].(string)+"×"+strings.TrimSpace(strings.Trim(jsonOf(t, m["count"]), `"`)))
				if node, _, _ := unstructured.NestedString(m, "template", "spec", "nodeName"); node != "" {
					t.Errorf("pod set %s keeps nodeName %q: Kueue's template must not bind", m["name"], node)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.sets, ",") {
				t.Errorf("pod sets %v, want %v", got, tc.sets)
			}
		})
	}
	again := app.DeepCopy()
	again.UID = "uid-2"
	if admission.WorkloadName(again) == admission.WorkloadName(app) {
		t.Error("an application created again under the same name gets the same Workload name")
	}
	long := app.DeepCopy()
	long.Name = strings.Repeat("x", 253)
	if n := len(admission.WorkloadName(long)); n > 253 {
		t.Errorf("Workload name of %d characters", n)
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// workloadWith is a Workload with the conditions (type=status:reason:message) and fields given.
func workloadWith(active *bool, admission bool, conds ...string) *unstructured.Unstructured {
	wl := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{}}}
	wl.SetName("wl")
	wl.SetResourceVersion("42")
	if active != nil {
		_ = unstructured.SetNestedField(wl.Object, *active, "spec", "active")
	}
	var list []any
	for _, c := range conds {
		typ, rest, _ := strings.Cut(c, "=")
		parts := strings.SplitN(rest, ":", 3)
		list = append(list, map[string]any{"type": typ, "status": parts[0], "reason": parts[1], "message": parts[2],
			"lastTransitionTime": "2026-12-04T12:00:00Z"})
	}
	_ = unstructured.SetNestedSlice(wl.Object, list, "status", "conditions")
	if admission {
		_ = unstructured.SetNestedField(wl.Object, "cq", "status", "admission", "clusterQueue")
	}
	return wl
}

func TestKueueWorkloadState(t *testing.T) {
	off := false
	for _, tc := range []struct {
		name string
		wl   *unstructured.Unstructured
		want admission.WorkloadState
	}{
		{name: "new, not looked at yet", wl: workloadWith(nil, false), want: admission.WorkloadState{}},
		{name: "pending, with Kueue's reason", wl: workloadWith(nil, false, "QuotaReserved=False:Pending:couldn't assign flavors"),
			want: admission.WorkloadState{Reason: "Pending", Message: "couldn't assign flavors"}},
		{name: "quota reserved, an admission check pending", wl: workloadWith(nil, true, "QuotaReserved=True:QuotaReserved:ok", "Admitted=False:NoChecks:waiting"),
			want: admission.WorkloadState{Reserved: true, ClusterQueue: "cq", Reason: "QuotaReserved", Message: "ok"}},
		{name: "admitted", wl: workloadWith(nil, true, "QuotaReserved=True:QuotaReserved:ok", "Admitted=True:Admitted:admitted"),
			want: admission.WorkloadState{Admitted: true, Reserved: true, ClusterQueue: "cq", Reason: "QuotaReserved", Message: "ok"}},
		{name: "evicted while admitted: the eviction's reason", wl: workloadWith(&off, true, "QuotaReserved=True:QuotaReserved:ok", "Admitted=True:Admitted:admitted", "Evicted=True:InactiveWorkload:deactivated"),
			want: admission.WorkloadState{Admitted: true, Reserved: true, Evicted: true, Inactive: true, ClusterQueue: "cq", Reason: "InactiveWorkload", Message: "deactivated"}},
		{name: "an eviction that is over does not count", wl: workloadWith(nil, false, "Evicted=False:Preempted:was", "QuotaReserved=False:Pending:waiting"),
			want: admission.WorkloadState{Reason: "Pending", Message: "waiting"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := admission.StateOf(tc.wl); got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestKueueReleasePatch(t *testing.T) {
	now := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		evicted  string
		requeued string
	}{
		{name: "preempted: Kueue admits it again when there is room", evicted: "Evicted=True:Preempted:by a higher priority", requeued: "True"},
		{name: "deactivated: it waits to be activated", evicted: "Evicted=True:InactiveWorkload:deactivated", requeued: "False"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wl := workloadWith(nil, true, "QuotaReserved=True:QuotaReserved:ok", "Admitted=True:Admitted:admitted", tc.evicted)
			raw, err := admission.ReleasePatch(wl, now)
			if err != nil {
				t.Fatal(err)
			}
			var patch struct {
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
				Status map[string]json.RawMessage `json:"status"`
			}
			if err := json.Unmarshal(raw, &patch); err != nil {
				t.Fatal(err)
			}
			if patch.Metadata.ResourceVersion != "42" {
				t.Errorf("resourceVersion %q: the patch must fail on a Workload changed since it was read", patch.Metadata.ResourceVersion)
			}
			if a, ok := patch.Status["admission"]; !ok || string(a) != "null" {
				t.Errorf("admission %s, want null", a)
			}
			var conds []metav1.Condition
			if err := json.Unmarshal(patch.Status["conditions"], &conds); err != nil {
				t.Fatal(err)
			}
			status := map[string]string{}
			for _, c := range conds {
				status[c.Type] = string(c.Status)
			}
			if status["QuotaReserved"] != "False" || status["Admitted"] != "False" || status["Evicted"] != "True" || status["Requeued"] != tc.requeued {
				t.Errorf("conditions %v, want QuotaReserved and Admitted False, Evicted kept, Requeued %s", status, tc.requeued)
			}
		})
	}
	if _, err := admission.ReleasePatch(workloadWith(nil, true, "QuotaReserved=True:QuotaReserved:ok"), now); err == nil {
		t.Error("a Workload that is not evicted keeps its reservation")
	}
}

func TestKueuePlacement(t *testing.T) {
	wl := workloadWith(nil, true)
	_ = unstructured.SetNestedSlice(wl.Object, []any{
		map[string]any{"name": "driver", "flavors": map[string]any{"cpu": "on-demand", "memory": "on-demand"}},
		map[string]any{"name": "executor", "flavors": map[string]any{"cpu": "spot", "memory": "on-demand", "nvidia.com/gpu": "spot"}},
	}, "status", "admission", "podSetAssignments")
	got := admission.AssignedFlavors(wl)
	if strings.Join(got["driver"], ",") != "on-demand" || strings.Join(got["executor"], ",") != "on-demand,spot" {
		t.Errorf("assigned flavors %v", got)
	}

	flavor := func(name string, labels map[string]any, tolerations ...any) *unstructured.Unstructured {
		f := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"nodeLabels": labels, "tolerations": tolerations}}}
		f.SetName(name)
		return f
	}
	var p admission.Placement
	for _, f := range []*unstructured.Unstructured{
		flavor("on-demand", map[string]any{"pool": "on-demand"}),
		flavor("spot", map[string]any{"pool": "spot", "zone": "a"}, map[string]any{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}),
	} {
		if err := p.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	pods := stokev1.SparkPodSpec{NodeSelector: map[string]string{"pool": "mine", "disk": "ssd"},
		Tolerations: []corev1.Toleration{{Key: "spot", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}}
	p.Apply(&pods)
	if pods.NodeSelector["pool"] != "spot" || pods.NodeSelector["zone"] != "a" || pods.NodeSelector["disk"] != "ssd" {
		t.Errorf("node selector %v: want the flavors' labels over the spec's, the spec's others kept", pods.NodeSelector)
	}
	if len(pods.Tolerations) != 1 {
		t.Errorf("tolerations %v: a toleration the spec already has is not added twice", pods.Tolerations)
	}
	bad := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"nodeLabels": "not a map"}}}
	if err := (&admission.Placement{}).Add(bad); err == nil {
		t.Error("a malformed ResourceFlavor is read without an error")
	}
}
