package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
)

var update = os.Getenv("STOKE_UPDATE_GOLDEN") != ""

// result is what a command run printed and returned.
type result struct {
	out, errOut string
	err         error
}

// stoke runs the stoke command tree against the test API server, in process, as a user would from a
// shell, with the given clock (nil: the real one).
func stoke(t *testing.T, clk clock.Clock, args ...string) result {
	t.Helper()
	return stokeCtx(context.Background(), t, clk, args...)
}

func stokeCtx(ctx context.Context, t *testing.T, clk clock.Clock, args ...string) result {
	t.Helper()
	return stokeAs(ctx, t, env.Config, clk, args...)
}

// stokeAs is stokeCtx with another REST config (another user).
func stokeAs(ctx context.Context, t *testing.T, cfg *rest.Config, clk clock.Clock, args ...string) result {
	t.Helper()
	f := kube.NewFlags()
	if !slices.Contains(args, "--kubeconfig") {
		f.SetRESTConfig(cfg)
	}
	if clk != nil {
		f.Clock = clk
	}
	cmd := cli.NewRootCommandWith(f)
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return result{out: out.String(), errOut: errOut.String(), err: err}
}

func (r result) must(t *testing.T) string {
	t.Helper()
	if r.err != nil {
		t.Fatalf("command failed: %v\nstderr: %s", r.err, r.errOut)
	}
	return r.out
}

// wantErr checks the command failed with a one-line error of the right class containing every fragment.
func (r result) wantErr(t *testing.T, usage bool, fragments ...string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("want an error containing %q, got success:\n%s", fragments, r.out)
	}
	if cli.IsUsageError(r.err) != usage {
		t.Errorf("error %q: usage error = %v, want %v", r.err, cli.IsUsageError(r.err), usage)
	}
	msg := r.err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("error %q does not mention %q", msg, f)
		}
	}
}

// golden compares got with testdata/<name>, or rewrites it with STOKE_UPDATE_GOLDEN=1.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (STOKE_UPDATE_GOLDEN=1 writes it): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output:\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// startOperator runs Stoke's real controller manager for the namespace until the test ends.
func startOperator(t *testing.T, ns string) {
	t.Helper()
	mgr, err := operator.NewManager(env.Config, operator.Config{
		MetricsAddress: "0", HealthAddress: "0", Namespaces: []string{ns},
		LostDriverGrace:           operator.Duration{Duration: 2 * time.Second},
		SeveralManagersPerProcess: true,
	})
	if err != nil {
		t.Fatalf("creating manager: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getApp(t *testing.T, ns, name string) *stokev1.SparkApplication {
	t.Helper()
	app := &stokev1.SparkApplication{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		t.Fatalf("getting %s: %v", name, err)
	}
	return app
}

// driverOf waits for the given attempt's driver pod and returns it.
func driverOf(t *testing.T, ns, name string, attempt int32) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	eventually(t, 30*time.Second, fmt.Sprintf("attempt %d of %s", attempt, name), func() bool {
		app := &stokev1.SparkApplication{}
		if env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app) != nil {
			return false
		}
		cur := app.Status.CurrentAttempt
		if cur == nil || cur.Number != attempt || cur.DriverPodName == "" {
			return false
		}
		return env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: cur.DriverPodName}, pod) == nil
	})
	return pod
}

// setDriver writes the driver container's state into the pod status, as a kubelet would.
func setDriver(t *testing.T, pod *corev1.Pod, phase corev1.PodPhase, state corev1.ContainerState) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(pod), pod); err != nil {
		t.Fatal(err)
	}
	ready := state.Running != nil
	pod.Status.Phase = phase
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: spark.DriverContainerName, State: state, Ready: ready, Image: pod.Spec.Containers[0].Image}}
	cond := corev1.ConditionFalse
	if ready {
		cond = corev1.ConditionTrue
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: cond}}
	if err := env.Client.Status().Update(ctx, pod); err != nil {
		t.Fatalf("updating pod status: %v", err)
	}
}

func driverRunning(t *testing.T, pod *corev1.Pod) {
	setDriver(t, pod, corev1.PodRunning, corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}})
}

func driverExited(t *testing.T, pod *corev1.Pod, code int32) {
	phase, reason := corev1.PodSucceeded, "Completed"
	if code != 0 {
		phase, reason = corev1.PodFailed, "Error"
	}
	setDriver(t, pod, phase, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}})
}

const examplesJar = "local:///opt/spark/examples/jars/spark-examples.jar"

// submitPi submits SparkPi with spark-submit flags and returns the application's name.
func submitPi(t *testing.T, ns, name string, extra ...string) string {
	t.Helper()
	args := append([]string{"submit", "-n", ns, "--name", name, "--image", "spark:3.5.7",
		"--class", "org.apache.spark.examples.SparkPi", "--num-executors", "2"}, extra...)
	args = append(args, examplesJar, "10")
	stoke(t, nil, args...).must(t)
	return name
}
