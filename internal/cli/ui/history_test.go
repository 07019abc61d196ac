package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestTargetPort(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "sidecar", Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090}}},
		{Name: "history-server", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 18080}}},
	}}}
	tests := []struct {
		desc   string
		port   corev1.ServicePort
		want   int32
		wantOK bool
	}{
		{"named, in the second container", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, 18080, true},
		{"number", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(18081)}, 18081, true},
		{"unset: the service port", corev1.ServicePort{Port: 18080}, 18080, true},
		{"unknown name", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("web")}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, ok := targetPort(pod, tc.port)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("targetPort = %d, %v; want %d, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestPodReady(t *testing.T) {
	ready := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	notReady := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}
	now := metav1.Now()
	tests := []struct {
		desc string
		pod  corev1.Pod
		want bool
	}{
		{"running and ready", corev1.Pod{Status: ready}, true},
		{"running, not ready", corev1.Pod{Status: notReady}, false},
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, false},
		{"being deleted", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: ready}, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := podReady(&tc.pod); got != tc.want {
				t.Errorf("podReady = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestWaitForApplication: the wait ends when the History Server answers for the application, and otherwise
// says what it last answered and what to check.
func TestWaitForApplication(t *testing.T) {
	var asked atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/applications/spark-known" && asked.Add(1) > 2 {
			_, _ = w.Write([]byte(`{"id":"spark-known"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer hs.Close()
	var errOut strings.Builder
	if err := waitForApplication(context.Background(), hs.URL, "spark-known", 10*time.Second, &errOut); err != nil {
		t.Fatalf("waitForApplication: %v", err)
	}
	if !strings.Contains(errOut.String(), "waiting for the History Server to load spark-known") {
		t.Errorf("no word of the wait: %q", errOut.String())
	}
	err := waitForApplication(context.Background(), hs.URL, "spark-unknown", 1500*time.Millisecond, &errOut)
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "event log") {
		t.Errorf("waitForApplication of an unknown application = %v, want the last answer and a hint at the event log", err)
	}
}
