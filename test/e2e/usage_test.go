//go:build e2e

package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/usage"
)

// podLifetimes watches a namespace's Spark pods from before they exist and remembers, for each, its start,
// its requests and when it ended: its containers' last end, else when it was seen deleted.
type podLifetimes struct {
	mu   sync.Mutex
	pods map[string]*podLifetime
}

type podLifetime struct {
	role          string
	start, end    time.Time
	milliCPU, mib int64
}

func watchPodLifetimes(t *testing.T, ns string) *podLifetimes {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := h.Clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "spark-role"})
	if err != nil {
		t.Fatalf("watching pods: %v", err)
	}
	l := &podLifetimes{pods: map[string]*podLifetime{}}
	go func() {
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			l.mu.Lock()
			p := l.pods[string(pod.UID)]
			if p == nil && pod.Status.StartTime != nil {
				cpu, mib := usage.Requests(pod)
				p = &podLifetime{role: pod.Labels["spark-role"], start: pod.Status.StartTime.Time, milliCPU: cpu, mib: mib}
				l.pods[string(pod.UID)] = p
			}
			if p != nil {
				for _, cs := range pod.Status.ContainerStatuses {
					if term := cs.State.Terminated; term != nil && term.FinishedAt.After(p.end) {
						p.end = term.FinishedAt.Time
					}
				}
				if ev.Type == watch.Deleted && p.end.IsZero() {
					p.end = time.Now()
				}
			}
			l.mu.Unlock()
		}
	}()
	return l
}

// usage is what the watched pods reserved, as the operator should have counted it (pods still running
// count up to now).
func (l *podLifetimes) usage() stokev1.Usage {
	l.mu.Lock()
	defer l.mu.Unlock()
	var u stokev1.Usage
	for _, p := range l.pods {
		end := p.end
		if end.IsZero() {
			end = time.Now()
		}
		s := end.Sub(p.start).Seconds()
		core, mem := int64(float64(p.milliCPU)/1000*s+0.5), int64(float64(p.mib)/1024*s+0.5)
		if p.role == "driver" {
			u.DriverCoreSeconds += core
			u.DriverMemoryGiBSeconds += mem
		} else {
			u.ExecutorCoreSeconds += core
			u.ExecutorMemoryGiBSeconds += mem
			u.Executors++
		}
	}
	return u
}

// checkUsage compares the application's recorded usage with the pods' observed lifetimes: within 10%, or
// within the rounding of each pod's share to whole units when that is more (the e2e pods request 0.1 core,
// so an executor's share is a few core-seconds).
func checkUsage(t *testing.T, app *stokev1.SparkApplication, observed stokev1.Usage) {
	t.Helper()
	got := app.Status.Usage
	if got == nil {
		t.Fatalf("status.usage is empty; observed %+v", observed)
	}
	t.Logf("usage recorded %+v, observed from the pods %+v", *got, observed)
	for _, c := range []struct {
		what      string
		got, want int64
	}{
		{"driver core-seconds", got.DriverCoreSeconds, observed.DriverCoreSeconds},
		{"driver memory GiB-seconds", got.DriverMemoryGiBSeconds, observed.DriverMemoryGiBSeconds},
		{"executor core-seconds", got.ExecutorCoreSeconds, observed.ExecutorCoreSeconds},
		{"executor memory GiB-seconds", got.ExecutorMemoryGiBSeconds, observed.ExecutorMemoryGiBSeconds},
	} {
		pods := float64(observed.Executors)
		if strings.HasPrefix(c.what, "driver") {
			pods = 1
		}
		if c.want == 0 || float64(abs(c.got-c.want)) > max(0.1*float64(c.want), pods) {
			t.Errorf("%s: recorded %d, the pods' lifetimes give %d (more than 10%% apart)", c.what, c.got, c.want)
		}
	}
	if got.Executors != observed.Executors {
		t.Errorf("%d executors counted, %d observed", got.Executors, observed.Executors)
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
