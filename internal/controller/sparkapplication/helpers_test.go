package sparkapplication_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	os.Exit(testenv.RunWith(m, &env, testenv.Options{DefaultAdmission: true}))
}

// startOperator runs Stoke's real controller manager, limited to the test's namespace, until the test ends.
func startOperator(t *testing.T, ns string) {
	t.Helper()
	startOperatorWith(t, ns, func(*operator.Config) {})
}

// startOperatorWith starts an operator for the namespace with the test's changes to its configuration.
func startOperatorWith(t *testing.T, ns string, change func(*operator.Config)) {
	t.Helper()
	cfg := operator.Config{
		MetricsAddress:  "0",
		HealthAddress:   "0",
		Namespaces:      []string{ns},
		LostDriverGrace: operator.Duration{Duration: 2 * time.Second},

		SeveralManagersPerProcess: true,
	}
	change(&cfg)
	mgr, err := operator.NewManager(env.Config, cfg)
	if err != nil {
		t.Fatalf("creating manager: %v", err)
	}
	runManager(t, mgr.Start)
}

func runManager(t *testing.T, start func(context.Context) error) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	return cancel
}

// newApp is a small valid Scala application.
func newApp(ns, name string) *stokev1.SparkApplication {
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: stokev1.SparkApplicationSpec{
			Type:                stokev1.ApplicationTypeScala,
			SparkVersion:        "3.5.7",
			Image:               "spark:3.5.7",
			MainClass:           ptr("org.apache.spark.examples.SparkPi"),
			MainApplicationFile: ptr("local:///opt/spark/examples/jars/spark-examples.jar"),
			Arguments:           []string{"100"},
			Executor:            stokev1.ExecutorSpec{Instances: ptr(int32(2))},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %s: %v", obj.GetName(), err)
	}
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok && err == nil {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s (last error: %v)", timeout, what, lastErr)
}

func getApp(t *testing.T, ns, name string) *stokev1.SparkApplication {
	t.Helper()
	app := &stokev1.SparkApplication{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		t.Fatalf("getting app %s: %v", name, err)
	}
	return app
}

// waitPhase waits for the application's phase and returns the application.
func waitPhase(t *testing.T, ns, name string, phase stokev1.ApplicationPhase) *stokev1.SparkApplication {
	t.Helper()
	var app *stokev1.SparkApplication
	eventually(t, 30*time.Second, fmt.Sprintf("%s to be %s", name, phase), func() (bool, error) {
		app = getApp(t, ns, name)
		return app.Status.Phase == phase, nil
	})
	return app
}

// waitAttempt waits for the given attempt's driver pod to exist and returns it.
func waitAttempt(t *testing.T, ns, name string, attempt int32) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	eventually(t, 30*time.Second, fmt.Sprintf("attempt %d of %s", attempt, name), func() (bool, error) {
		app := getApp(t, ns, name)
		cur := app.Status.CurrentAttempt
		if cur == nil || cur.Number != attempt || cur.DriverPodName == "" {
			return false, nil
		}
		pod = &corev1.Pod{}
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: cur.DriverPodName}, pod)
		return err == nil, err
	})
	return pod
}

func condition(app *stokev1.SparkApplication, t string) *metav1.Condition {
	return meta.FindStatusCondition(app.Status.Conditions, t)
}

// setContainer writes the driver container's state into the pod's status, as a kubelet would.
func setContainer(t *testing.T, pod *corev1.Pod, phase corev1.PodPhase, state corev1.ContainerState, ready bool) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil {
		t.Fatalf("reading pod: %v", err)
	}
	pod.Status.Phase = phase
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: spark.DriverContainerName, State: state, Ready: ready, Image: pod.Spec.Containers[0].Image}}
	readyStatus := corev1.ConditionFalse
	if ready {
		readyStatus = corev1.ConditionTrue
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: readyStatus}}
	if err := env.Client.Status().Update(ctx, pod); err != nil {
		t.Fatalf("updating pod status: %v", err)
	}
}

func running(t *testing.T, pod *corev1.Pod) {
	setContainer(t, pod, corev1.PodRunning, corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}, true)
}

func exited(t *testing.T, pod *corev1.Pod, code int32) { exitedWith(t, pod, code, "") }

// exitedWith ends the driver's Spark container with the exit code and a termination message.
func exitedWith(t *testing.T, pod *corev1.Pod, code int32, message string) {
	phase := corev1.PodSucceeded
	reason := "Completed"
	if code != 0 {
		phase, reason = corev1.PodFailed, "Error"
	}
	setContainer(t, pod, phase, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: message}}, false)
}

// executorPod creates an executor pod as Spark's driver would: labelled, annotated by the template, owned
// by the driver pod.
func executorPod(t *testing.T, driver *corev1.Pod, id int, phase corev1.PodPhase) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: driver.Namespace,
			Name:      fmt.Sprintf("%s-exec-%d", driver.Labels[spark.LabelAppSelector], id),
			Labels: map[string]string{
				spark.LabelAppSelector: driver.Labels[spark.LabelAppSelector],
				spark.LabelRole:        spark.RoleExecutor,
				"spark-exec-id":        fmt.Sprint(id),
				spark.LabelManagedBy:   spark.ManagedByStoke,
			},
			Annotations:     map[string]string{spark.AnnotationApplication: driver.Annotations[spark.AnnotationApplication]},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: driver.Name, UID: driver.UID}},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: spark.ExecutorContainerName, Image: "spark:3.5.7"}}},
	}
	create(t, pod)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(pod), pod); err != nil {
			return err
		}
		pod.Status.Phase = phase
		return env.Client.Status().Update(context.Background(), pod)
	})
	if client.IgnoreNotFound(err) != nil { // an executor the operator already removed needs no status
		t.Fatalf("executor status: %v", err)
	}
	return pod
}

// podsWithRole lists the namespace's pods of a Spark role.
func podsWithRole(t *testing.T, ns, role string) []corev1.Pod {
	t.Helper()
	list := &corev1.PodList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{spark.LabelRole: role}); err != nil {
		t.Fatalf("listing pods: %v", err)
	}
	var live []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp.IsZero() {
			live = append(live, p)
		}
	}
	return live
}

func exists(t *testing.T, obj client.Object) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if err != nil && client.IgnoreNotFound(err) != nil {
		t.Fatalf("get %s: %v", obj.GetName(), err)
	}
	return err == nil && obj.GetDeletionTimestamp().IsZero()
}

// eventReasons lists the reasons of the Events recorded for an object.
func eventReasons(t *testing.T, ns, name string) map[string]int {
	t.Helper()
	list := &corev1.EventList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatalf("listing events: %v", err)
	}
	out := map[string]int{}
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name {
			out[e.Reason] += int(max(e.Count, 1))
		}
	}
	return out
}

// updateSpec changes an application's spec, retrying on conflicts with the operator's status writes.
func updateSpec(t *testing.T, ns, name string, change func(*stokev1.SparkApplicationSpec)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		app := getApp(t, ns, name)
		change(&app.Spec)
		return env.Client.Update(context.Background(), app)
	})
	if err != nil {
		t.Fatalf("updating %s: %v", name, err)
	}
}
