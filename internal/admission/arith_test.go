package admission_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
)

func pod(cpu, mem string, extra corev1.ResourceList) *corev1.Pod {
	req := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	for k, v := range extra {
		req[k] = v
	}
	return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: req}}}}}
}

func TestNeed(t *testing.T) {
	withInit := pod("1", "1Gi", nil)
	withInit.Spec.InitContainers = []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}}}}
	withOverhead := pod("1", "1Gi", nil)
	withOverhead.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("128Mi")}
	limitsOnly := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
		Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("2Gi")}}}}}}
	gpu := pod("1", "1Gi", corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("2")})
	for _, tc := range []struct {
		name             string
		driver, executor *corev1.Pod
		executors        int32
		want             admission.Amount
	}{
		{"driver and two executors", pod("1", "1408Mi", nil), pod("2", "2Gi", nil), 2, admission.Amount{5000, (1408 + 4096) << 20, 0, 3, 1}},
		{"no executors", pod("500m", "1Gi", nil), pod("2", "2Gi", nil), 0, admission.Amount{500, 1 << 30, 0, 1, 1}},
		{"largest init container", withInit, nil, 0, admission.Amount{3000, 1 << 30, 0, 1, 1}},
		{"pod overhead", withOverhead, nil, 0, admission.Amount{1250, (1024 + 128) << 20, 0, 1, 1}},
		{"limits where no request", limitsOnly, limitsOnly, 1, admission.Amount{4000, 4 << 30, 0, 2, 1}},
		{"gpus", gpu, gpu, 3, admission.Amount{4000, 4 << 30, 8, 4, 1}},
	} {
		if got := admission.Need(tc.driver, tc.executor, tc.executors); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestLimitsOf(t *testing.T) {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	i64 := func(v int64) *int64 { return &v }
	i32 := func(v int32) *int32 { return &v }
	for _, tc := range []struct {
		quota    stokev1.QueueQuota
		errorHas string
	}{
		{stokev1.QueueQuota{Cores: q("4"), Memory: q("8Gi"), GPUs: i64(2), Applications: i32(3)}, ""},
		{stokev1.QueueQuota{Cores: q("0")}, "spec.quota.cores 0"},
		{stokev1.QueueQuota{Memory: q("-1Gi")}, "spec.quota.memory -1Gi"},
		{stokev1.QueueQuota{Cores: q("1"), Applications: i32(0)}, "spec.quota.applications 0"},
	} {
		_, err := admission.LimitsOf(tc.quota)
		if tc.errorHas == "" && err != nil || tc.errorHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errorHas)) {
			t.Errorf("%+v: error %v, want %q", tc.quota, err, tc.errorHas)
		}
	}
}

func key(name string) types.NamespacedName { return types.NamespacedName{Namespace: "ns", Name: name} }

func TestDecide(t *testing.T) {
	four := int64(4000)
	two := int64(2)
	limits := admission.Limits{MilliCPU: &four}
	apps := admission.Limits{Applications: &two}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := func(name string, prio int32, minute int, milli int64) admission.Waiting {
		return admission.Waiting{Key: key(name), Priority: prio, Created: t0.Add(time.Duration(minute) * time.Minute), Need: admission.Amount{MilliCPU: milli, Applications: 1}}
	}
	for _, tc := range []struct {
		name      string
		limits    admission.Limits
		used      admission.Amount
		waiting   []admission.Waiting
		admit     []string
		positions map[string]int
		tooLarge  []string
		blocker   string
	}{
		{name: "first come, as many as fit", limits: limits,
			waiting: []admission.Waiting{w("b", 0, 2, 2000), w("a", 0, 1, 2000), w("c", 0, 3, 2000)},
			admit:   []string{"a", "b"}, positions: map[string]int{"c": 1}, blocker: "c"},
		{name: "what is held counts", limits: limits, used: admission.Amount{MilliCPU: 3000, Applications: 1},
			waiting: []admission.Waiting{w("a", 0, 1, 2000)}, positions: map[string]int{"a": 1}, blocker: "a"},
		{name: "higher priority first", limits: limits,
			waiting: []admission.Waiting{w("old", 0, 1, 3000), w("urgent", 5, 9, 3000)},
			admit:   []string{"urgent"}, positions: map[string]int{"old": 1}, blocker: "old"},
		{name: "a whole footprint or nothing, and no overtaking (gang, strict order)", limits: limits, used: admission.Amount{MilliCPU: 1000},
			waiting:   []admission.Waiting{w("big", 0, 1, 4000), w("small", 0, 2, 1000)},
			positions: map[string]int{"big": 1, "small": 2}, blocker: "big"},
		{name: "too large on its own waits aside without blocking", limits: limits,
			waiting: []admission.Waiting{w("huge", 0, 1, 5000), w("small", 0, 2, 1000)},
			admit:   []string{"small"}, positions: map[string]int{}, tooLarge: []string{"huge"}},
		{name: "application count", limits: apps, used: admission.Amount{Applications: 1},
			waiting: []admission.Waiting{w("a", 0, 1, 100000), w("b", 0, 2, 1)},
			admit:   []string{"a"}, positions: map[string]int{"b": 1}, blocker: "b"},
		{name: "equal priority and time: by name", limits: admission.Limits{Applications: &two},
			waiting: []admission.Waiting{w("z", 0, 1, 1), w("y", 0, 1, 1), w("x", 0, 1, 1)},
			admit:   []string{"x", "y"}, positions: map[string]int{"z": 1}, blocker: "z"},
	} {
		plan := admission.Decide(tc.limits, tc.used, tc.waiting)
		var admit []string
		for _, k := range plan.Admit {
			admit = append(admit, k.Name)
		}
		positions := map[string]int{}
		for k, p := range plan.Positions() {
			positions[k.Name] = p
		}
		var tooLarge []string
		for k := range plan.TooLarge {
			tooLarge = append(tooLarge, k.Name)
		}
		if tc.positions == nil {
			tc.positions = map[string]int{}
		}
		if !reflect.DeepEqual(admit, tc.admit) || !reflect.DeepEqual(positions, tc.positions) || !reflect.DeepEqual(tooLarge, tc.tooLarge) || plan.Blocker.Name != tc.blocker {
			t.Errorf("%s: admit %v positions %v too large %v blocker %q; want %v %v %v %q", tc.name, admit, positions, tooLarge, plan.Blocker.Name,
				tc.admit, tc.positions, tc.tooLarge, tc.blocker)
		}
	}
}

func TestQuotaShortfall(t *testing.T) {
	rq := func(name string, hard, used corev1.ResourceList, scoped bool) corev1.ResourceQuota {
		q := corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ResourceQuotaSpec{Hard: hard}, Status: corev1.ResourceQuotaStatus{Used: used}}
		if scoped {
			q.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
		}
		return q
	}
	list := func(kv ...string) corev1.ResourceList {
		l := corev1.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return l
	}
	need := admission.Amount{MilliCPU: 3000, Memory: 3 << 30, Pods: 3, Applications: 1}
	for _, tc := range []struct {
		name   string
		quotas []corev1.ResourceQuota
		limits corev1.ResourceList
		want   []string
	}{
		{"fits", []corev1.ResourceQuota{rq("compute", list("requests.cpu", "4", "requests.memory", "8Gi", "pods", "10"), list("requests.cpu", "1"), false)}, nil, nil},
		{"cpu short", []corev1.ResourceQuota{rq("compute", list("requests.cpu", "4"), list("requests.cpu", "2"), false)}, nil,
			[]string{"quota compute: requests.cpu 5 > 4 (2 used)"}},
		{"pods and memory short", []corev1.ResourceQuota{rq("small", list("pods", "2", "memory", "2Gi"), nil, false)}, nil,
			[]string{"quota small: memory 3Gi > 2Gi (0 used)", "quota small: pods 3 > 2 (0 used)"}},
		{"limits", []corev1.ResourceQuota{rq("lim", list("limits.memory", "2Gi"), nil, false)}, list("memory", "3Gi"),
			[]string{"quota lim: limits.memory 3Gi > 2Gi (0 used)"}},
		{"scoped quotas are the API server's", []corev1.ResourceQuota{rq("be", list("pods", "1"), nil, true)}, nil, nil},
	} {
		if got := admission.QuotaShortfall(tc.quotas, need, tc.limits); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
