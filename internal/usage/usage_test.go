package usage

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// pod is a pod that started at start (-1: not started) and whose one container ended at end (-1: runs).
func pod(name string, start, end int, cpu, mem string) corev1.Pod {
	p := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "spark", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}}}},
	}
	if start < 0 {
		p.Status.Phase = corev1.PodPending
		return p
	}
	p.Status.StartTime = &metav1.Time{Time: at(start)}
	p.Status.Phase = corev1.PodRunning
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Time{Time: at(start + 1)}}}
	if end >= 0 {
		p.Status.Phase = corev1.PodSucceeded
		state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{FinishedAt: metav1.Time{Time: at(end)}}}
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "spark", State: state}}
	return p
}

// step is one pass: the pods it sees, at a time, and whether the attempt ends in it.
type step struct {
	at        int
	driver    *corev1.Pod
	executors []corev1.Pod
	close     bool
}

func ptr(p corev1.Pod) *corev1.Pod { return &p }

func TestAccountingOverTimelines(t *testing.T) {
	const driverMem, execMem = "1408Mi", "1024Mi"
	tests := []struct {
		name   string
		steps  []step
		want   stokev1.Usage // the attempt's usage after the last step
		ledger int           // entries left in the ledger
	}{{
		name: "static executors ended and deleted by the driver, then the driver ends",
		steps: []step{
			{at: 10, driver: ptr(pod("d", 5, -1, "1", driverMem)), executors: []corev1.Pod{pod("e1", 8, -1, "1", execMem), pod("e2", 9, -1, "1", execMem)}},
			{at: 101, driver: ptr(pod("d", 5, -1, "1", driverMem)), executors: []corev1.Pod{pod("e1", 8, 100, "1", execMem), pod("e2", 9, 100, "1", execMem)}},
			{at: 102, driver: ptr(pod("d", 5, -1, "1", driverMem))},
			{at: 111, driver: ptr(pod("d", 5, 110, "1", driverMem)), close: true},
		},
		// Driver 105 s × 1 core, 105 × 1.375 GiB = 144.375; executors 92 + 91 s.
		want: stokev1.Usage{DriverCoreSeconds: 105, DriverMemoryGiBSeconds: 144, ExecutorCoreSeconds: 183, ExecutorMemoryGiBSeconds: 183, Executors: 2},
	}, {
		name: "dynamic allocation: one executor vanishes unseen, one lives between two passes, one runs to the end",
		steps: []step{
			{at: 15, driver: ptr(pod("d", 0, -1, "1", "1Gi")), executors: []corev1.Pod{pod("a", 10, -1, "2", "2Gi")}},
			// b started at 20 and ended at 30, between two passes; a disappeared without a terminated state.
			{at: 40, driver: ptr(pod("d", 0, -1, "1", "1Gi")), executors: []corev1.Pod{pod("b", 20, 30, "2", "2Gi")}},
			{at: 55, driver: ptr(pod("d", 0, -1, "1", "1Gi")), executors: []corev1.Pod{pod("c", 50, -1, "2", "2Gi")}},
			{at: 60, driver: ptr(pod("d", 0, 58, "1", "1Gi")), executors: []corev1.Pod{pod("c", 50, -1, "2", "2Gi")}, close: true},
		},
		// a: 10→40 = 30 s, b: 10 s, c: 50→60 (still running when the attempt stops) = 10 s; 2 cores, 2 GiB each.
		want: stokev1.Usage{DriverCoreSeconds: 58, DriverMemoryGiBSeconds: 58, ExecutorCoreSeconds: 100, ExecutorMemoryGiBSeconds: 100, Executors: 3},
	}, {
		name: "a pending executor costs nothing; one re-created under the same name is another pod",
		steps: []step{
			{at: 5, driver: ptr(pod("d", 0, -1, "500m", "512Mi")), executors: []corev1.Pod{pod("e", -1, -1, "1", "1Gi")}},
			{at: 20, driver: ptr(pod("d", 0, -1, "500m", "512Mi")), executors: []corev1.Pod{pod("e", 10, 20, "1", "1Gi")}},
			{at: 30, driver: ptr(pod("d", 0, -1, "500m", "512Mi")), executors: []corev1.Pod{func() corev1.Pod {
				p := pod("e", 25, -1, "1", "1Gi")
				p.UID = "uid-e-again"
				return p
			}()}},
			{at: 40, driver: ptr(pod("d", 0, 40, "500m", "512Mi")), close: true},
		},
		// Driver 40 s × 0.5 = 20 core-s, × 0.5 GiB = 20; e: 10 s, then the new e 25→40 (gone at close) = 15 s.
		want: stokev1.Usage{DriverCoreSeconds: 20, DriverMemoryGiBSeconds: 20, ExecutorCoreSeconds: 25, ExecutorMemoryGiBSeconds: 25, Executors: 2},
	}, {
		name: "repeated passes over the same pods count nothing twice",
		steps: []step{
			{at: 10, driver: ptr(pod("d", 0, -1, "1", "1Gi")), executors: []corev1.Pod{pod("e", 1, 9, "1", "1Gi")}},
			{at: 11, driver: ptr(pod("d", 0, -1, "1", "1Gi")), executors: []corev1.Pod{pod("e", 1, 9, "1", "1Gi")}},
			{at: 12, driver: ptr(pod("d", 0, -1, "1", "1Gi")), executors: []corev1.Pod{pod("e", 1, 9, "1", "1Gi")}},
		},
		want:   stokev1.Usage{ExecutorCoreSeconds: 8, ExecutorMemoryGiBSeconds: 8, Executors: 1},
		ledger: 2, // the running driver, and e while it exists
	}, {
		name: "a driver that never started and an absent driver cost nothing",
		steps: []step{
			{at: 10, driver: ptr(pod("d", -1, -1, "1", "1Gi"))},
			{at: 20, close: true},
		},
		want: stokev1.Usage{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &stokev1.SparkApplicationStatus{CurrentAttempt: &stokev1.Attempt{Number: 1}}
			for _, s := range tt.steps {
				if s.close {
					Close(st, s.driver, s.executors, nil, at(s.at))
				} else {
					Observe(st, s.driver, s.executors, nil, at(s.at))
				}
			}
			var got stokev1.Usage
			if st.CurrentAttempt.Usage != nil {
				got = *st.CurrentAttempt.Usage
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("attempt usage (-want +got):\n%s", diff)
			}
			if st.Usage != nil && *st.Usage != got {
				t.Errorf("total %+v differs from the one attempt's %+v", *st.Usage, got)
			}
			if len(st.CurrentAttempt.UsageLedger) != tt.ledger {
				t.Errorf("ledger has %d entries, want %d: %+v", len(st.CurrentAttempt.UsageLedger), tt.ledger, st.CurrentAttempt.UsageLedger)
			}
		})
	}
}

func TestTotalAddsUpAttempts(t *testing.T) {
	st := &stokev1.SparkApplicationStatus{CurrentAttempt: &stokev1.Attempt{Number: 1}}
	Observe(st, ptr(pod("d1", 0, -1, "1", "1Gi")), nil, nil, at(5))
	Close(st, ptr(pod("d1", 0, 10, "1", "1Gi")), nil, nil, at(11))
	st.PastAttempts = append(st.PastAttempts, *st.CurrentAttempt)
	st.CurrentAttempt = &stokev1.Attempt{Number: 2}
	Observe(st, ptr(pod("d2", 20, -1, "2", "1Gi")), []corev1.Pod{pod("e", 21, 31, "1", "1Gi")}, nil, at(32))

	want := stokev1.Usage{DriverCoreSeconds: 10, DriverMemoryGiBSeconds: 10, ExecutorCoreSeconds: 10, ExecutorMemoryGiBSeconds: 10, Executors: 1}
	if diff := cmp.Diff(&want, st.Usage); diff != "" {
		t.Errorf("total while attempt 2 runs (-want +got):\n%s", diff)
	}
	live := Live(st.CurrentAttempt, at(40)) // d2 has run 20 s at 2 cores
	if live.DriverCoreSeconds != 40 || live.ExecutorCoreSeconds != 10 {
		t.Errorf("live usage of attempt 2 = %+v, want 40 driver and 10 executor core-seconds", live)
	}
}

func TestRequestsAreWhatTheSchedulerReserves(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	}
	tests := []struct {
		name     string
		spec     corev1.PodSpec
		cpu, mem int64
	}{
		{"one container", corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: rl("1", "1408Mi")}}}}, 1000, 1408},
		{"containers add up", corev1.PodSpec{Containers: []corev1.Container{
			{Resources: corev1.ResourceRequirements{Requests: rl("1", "1Gi")}}, {Resources: corev1.ResourceRequirements{Requests: rl("250m", "100M")}}}}, 1250, 1120},
		{"a larger init container wins", corev1.PodSpec{
			InitContainers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: rl("3", "512Mi")}}},
			Containers:     []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: rl("1", "1Gi")}}}}, 3000, 1024},
		{"limits stand in for missing requests, overhead adds", corev1.PodSpec{Overhead: rl("100m", "64Mi"),
			Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Limits: rl("2", "2Gi")}}}}, 2100, 2112},
		{"nothing requested", corev1.PodSpec{Containers: []corev1.Container{{}}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cpu, mem := Requests(&corev1.Pod{Spec: tt.spec})
			if cpu != tt.cpu || mem != tt.mem {
				t.Errorf("Requests = %dm, %d MiB; want %dm, %d MiB", cpu, mem, tt.cpu, tt.mem)
			}
		})
	}
}

func TestDepartedPodCountsUpToItsEnd(t *testing.T) {
	st := &stokev1.SparkApplicationStatus{CurrentAttempt: &stokev1.Attempt{Number: 1}}
	Observe(st, nil, []corev1.Pod{pod("ended", 5, -1, "1", "1Gi"), pod("killed", 5, -1, "1", "1Gi"), pod("unseen", 5, -1, "1", "1Gi")}, nil, at(10))

	var d Departures
	ended := pod("ended", 5, 20, "1", "1Gi") // its last event: deleted, its container ended at 20
	ended.DeletionTimestamp = &metav1.Time{Time: at(19)}
	d.Record(&ended, at(21))
	killed := pod("killed", 5, -1, "1", "1Gi") // deleted while running: its last event at 22
	killed.DeletionTimestamp = &metav1.Time{Time: at(21)}
	d.Record(&killed, at(22))
	running := pod("unseen", 5, -1, "1", "1Gi") // not being deleted: nothing to remember
	d.Record(&running, at(22))

	// A pass long after: all three are gone; "unseen" was deleted without an event this operator saw.
	Observe(st, nil, nil, d.End, at(40))
	want := stokev1.Usage{ExecutorCoreSeconds: 15 + 17 + 35, ExecutorMemoryGiBSeconds: 15 + 17 + 35, Executors: 3}
	if diff := cmp.Diff(&want, st.CurrentAttempt.Usage); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}
