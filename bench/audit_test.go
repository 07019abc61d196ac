package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

func driverPod(app, name string, uid types.UID, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: uid,
		Labels:      map[string]string{spark.LabelRole: spark.RoleDriver},
		Annotations: map[string]string{spark.AnnotationApplication: app}},
		Status: corev1.PodStatus{Phase: phase}}
}

// TestAuditorConcurrentDrivers: two drivers of one application running at once are caught; one ending
// (or going) before the next runs is not.
func TestAuditorConcurrentDrivers(t *testing.T) {
	type event struct {
		pod     *corev1.Pod
		deleted bool
	}
	cases := []struct {
		name   string
		events []event
		want   bool
	}{
		{"one driver", []event{{pod: driverPod("a", "a-1-driver", "1", corev1.PodPending)}, {pod: driverPod("a", "a-1-driver", "1", corev1.PodRunning)},
			{pod: driverPod("a", "a-1-driver", "1", corev1.PodSucceeded)}}, false},
		{"retry after the first failed", []event{{pod: driverPod("a", "a-1-driver", "1", corev1.PodRunning)}, {pod: driverPod("a", "a-1-driver", "1", corev1.PodFailed)},
			{pod: driverPod("a", "a-2-driver", "2", corev1.PodRunning)}}, false},
		{"retry after the first was deleted", []event{{pod: driverPod("a", "a-1-driver", "1", corev1.PodRunning)}, {pod: driverPod("a", "a-1-driver", "1", corev1.PodRunning), deleted: true},
			{pod: driverPod("a", "a-2-driver", "2", corev1.PodRunning)}}, false},
		{"second attempt while the first runs", []event{{pod: driverPod("a", "a-1-driver", "1", corev1.PodRunning)},
			{pod: driverPod("a", "a-2-driver", "2", corev1.PodRunning)}}, true},
		{"a terminating driver still runs", []event{{pod: func() *corev1.Pod {
			p := driverPod("a", "a-1-driver", "1", corev1.PodRunning)
			p.DeletionTimestamp = &metav1.Time{Time: time.Now()}
			return p
		}()}, {pod: driverPod("a", "a-2-driver", "2", corev1.PodRunning)}}, true},
		{"drivers of two applications", []event{{pod: driverPod("a", "a-1-driver", "1", corev1.PodRunning)},
			{pod: driverPod("b", "b-1-driver", "2", corev1.PodRunning)}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newAuditor()
			h := a.podHandler()
			for _, e := range tc.events {
				if e.deleted {
					h.OnDelete(toolscache.DeletedFinalStateUnknown{Obj: e.pod})
				} else {
					h.OnUpdate(nil, e.pod)
				}
			}
			_, _, _, concurrent := a.outcome([]string{"ns/a", "ns/b"})
			if got := concurrent > 0; got != tc.want {
				t.Errorf("concurrent = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAuditorDuplicateDrivers: a driver pod name is counted by the most that either the watch (distinct
// UIDs) or the audit log (accepted creates) knows.
func TestAuditorDuplicateDrivers(t *testing.T) {
	a := newAuditor()
	h := a.podHandler()
	h.OnAdd(driverPod("a", "a-1-driver", "1", corev1.PodPending), false)
	h.OnUpdate(nil, driverPod("a", "a-1-driver", "1", corev1.PodRunning))
	h.OnAdd(driverPod("b", "b-1-driver", "2", corev1.PodPending), false)
	h.OnAdd(driverPod("b", "b-1-driver", "3", corev1.PodPending), false) // the same attempt's name, another pod
	got := a.drivers("ns", map[string]int{"ns/a-1-driver": 1, "ns/c-1-driver": 2, "other/d-1-driver": 5})
	want := map[string]int{"ns/a-1-driver": 1, "ns/b-1-driver": 2, "ns/c-1-driver": 2}
	if len(got) != len(want) {
		t.Fatalf("drivers = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("drivers[%s] = %d, want %d", k, got[k], v)
		}
	}
}

// TestAuditLogDriverCreates: only creates of driver pods the API server accepted count; a line still being
// written is read on the next call.
func TestAuditLogDriverCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	lines := `{"verb":"create","stage":"ResponseComplete","objectRef":{"resource":"pods","namespace":"ns","name":"a-1-driver"},"responseStatus":{"code":201}}
{"verb":"create","stage":"ResponseComplete","objectRef":{"resource":"pods","namespace":"ns","name":"a-1-driver"},"responseStatus":{"code":409}}
{"verb":"create","stage":"ResponseComplete","objectRef":{"resource":"pods","namespace":"ns","name":"b-1-driver"},"responseStatus":{"code":504}}
{"verb":"create","stage":"ResponseComplete","objectRef":{"resource":"pods","namespace":"ns","name":"a-1-driver-exec-1"},"responseStatus":{"code":201}}
{"verb":"create","stage":"ResponseComplete","objectRef":{"resource":"configmaps","namespace":"ns","name":"x-driver"},"responseStatus":{"code":201}}
{"verb":"create","stage":"ResponseComplete","objectRef":{"resource":"pods","namespace":"ns","name":"c-1-dri`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &auditLog{path: path}
	got := map[string]int{}
	if err := l.driverCreates(got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["ns/a-1-driver"] != 1 {
		t.Fatalf("after the first read: %v, want only ns/a-1-driver once", got)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`ver"},"responseStatus":{"code":201}}` + "\n" +
		`{"verb":"create","stage":"ResponseComplete","objectRef":{"resource":"pods","namespace":"ns","name":"a-1-driver"},"responseStatus":{"code":201}}` + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := l.driverCreates(got); err != nil {
		t.Fatal(err)
	}
	if got["ns/c-1-driver"] != 1 || got["ns/a-1-driver"] != 2 {
		t.Errorf("after the second read: %v, want ns/c-1-driver once and ns/a-1-driver twice", got)
	}
}

// TestAuditorRecovery: only applications in flight at the fault's removal count; first and all are their
// earliest and latest next change; one that never changed again is stuck.
func TestAuditorRecovery(t *testing.T) {
	t0 := time.Now()
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	a := newAuditor()
	a.apps["ns/moved-fast"] = &auditedApp{phase: stokev1.PhaseRunning, changes: []time.Time{at(-5), at(1)}}
	a.apps["ns/moved-late"] = &auditedApp{phase: stokev1.PhaseSucceeded, changes: []time.Time{at(-5), at(-1), at(12)}, terminalAt: at(12)}
	a.apps["ns/done-before"] = &auditedApp{phase: stokev1.PhaseSucceeded, changes: []time.Time{at(-5), at(-2)}, terminalAt: at(-2)}
	a.apps["ns/created-after"] = &auditedApp{phase: stokev1.PhaseSucceeded, changes: []time.Time{at(3), at(40)}}
	a.apps["ns/stuck"] = &auditedApp{phase: stokev1.PhaseSubmitted, changes: []time.Time{at(-3)}}
	keys := []string{"ns/moved-fast", "ns/moved-late", "ns/done-before", "ns/created-after", "ns/stuck", "ns/never-seen"}
	first, all, stuck, slowest := a.recovery(keys, t0)
	if first != time.Second || all != 12*time.Second || stuck != 1 || slowest != "ns/moved-late" {
		t.Errorf("recovery = first %s, all %s, stuck %d, slowest %s; want 1s, 12s, 1, ns/moved-late", first, all, stuck, slowest)
	}
}
