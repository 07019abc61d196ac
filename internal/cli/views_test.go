package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/convert"
	"github.com/stokehq/stoke/internal/cli/logs"
	"github.com/stokehq/stoke/internal/cli/ui"
	"github.com/stokehq/stoke/internal/spark"
)

// fixedNamespace creates a namespace with a fixed name (golden files show it) and removes it afterwards.
func fixedNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
}

// seed creates an application with the given status (written through the status subresource, as the
// operator would) and returns its creation time.
func seed(t *testing.T, app *stokev1.SparkApplication, status stokev1.SparkApplicationStatus) *stokev1.SparkApplication {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Create(ctx, app); err != nil {
		t.Fatalf("creating %s: %v", app.Name, err)
	}
	app.Status = status
	if err := env.Client.Status().Update(ctx, app); err != nil {
		t.Fatalf("status of %s: %v", app.Name, err)
	}
	return app
}

func sparkPi(ns, name string) *stokev1.SparkApplication {
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"team": "data"}},
		Spec: stokev1.SparkApplicationSpec{
			Type: stokev1.ApplicationTypeScala, SparkVersion: "3.5.7", Image: "spark:3.5.7",
			MainClass: ptr.To("org.apache.spark.examples.SparkPi"), MainApplicationFile: ptr.To(examplesJar),
			Arguments: []string{"1000"}, Executor: stokev1.ExecutorSpec{Instances: ptr.To(int32(3))},
		},
	}
}

// TestTableViewsGolden: get and describe, with a fixed clock, against objects stored in the real API server.
func TestTableViewsGolden(t *testing.T) {
	const ns = "golden"
	fixedNamespace(t, ns)
	// Every time shown is relative to the clock; creation times are the server's, so the clock is set from
	// them and the times written into status are set from the clock. The 30 s keep every application's
	// age in the same minute when the server's clock passes a second between their creations.
	running := seed(t, sparkPi(ns, "pi"), stokev1.SparkApplicationStatus{})
	now := running.CreationTimestamp.Add(42*time.Minute + 30*time.Second)
	at := func(ago time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(-ago)); return &t }
	exit1 := int32(1)
	running.Status = stokev1.SparkApplicationStatus{
		Phase: stokev1.PhaseRunning,
		Conditions: []metav1.Condition{
			{Type: stokev1.ConditionSubmitted, Status: metav1.ConditionTrue, Reason: "DriverPodCreated", Message: "driver pod pi-2-driver created", LastTransitionTime: *at(7 * time.Minute)},
			{Type: stokev1.ConditionRunning, Status: metav1.ConditionTrue, Reason: "DriverRunning", Message: "the driver is running", LastTransitionTime: *at(6 * time.Minute)},
		},
		CurrentAttempt: &stokev1.Attempt{Number: 2, SparkApplicationID: "spark-0123456789abcdef0123456789abcdef", DriverPodName: "pi-2-driver",
			SubmissionTime: at(7 * time.Minute), DriverStartTime: at(6 * time.Minute),
			// One executor ended after 30 s; the driver (6 min) and one executor (5 min) still run.
			Usage: &stokev1.Usage{ExecutorCoreSeconds: 60, ExecutorMemoryGiBSeconds: 60, Executors: 1},
			UsageLedger: []stokev1.PodUsage{
				{Name: "pi-2-driver", UID: "u-d2", Role: "driver", Start: *at(6 * time.Minute), MilliCPU: 1000, MemoryMiB: 1408},
				{Name: "pi-2-exec-2", UID: "u-e2", Role: "executor", Start: *at(5 * time.Minute), MilliCPU: 2000, MemoryMiB: 2048},
			}},
		Usage: &stokev1.Usage{DriverCoreSeconds: 720, DriverMemoryGiBSeconds: 990, ExecutorCoreSeconds: 1500, ExecutorMemoryGiBSeconds: 1500, Executors: 3},
		PastAttempts: []stokev1.Attempt{{Number: 1, DriverPodName: "pi-1-driver", SubmissionTime: at(20 * time.Minute), EndTime: at(8 * time.Minute),
			Usage:   &stokev1.Usage{DriverCoreSeconds: 720, DriverMemoryGiBSeconds: 990, ExecutorCoreSeconds: 1440, ExecutorMemoryGiBSeconds: 1440, Executors: 2},
			Outcome: stokev1.OutcomeApplicationFailure, ExitCode: &exit1, Reason: "Error",
			Message: "the driver exited with code 1: java.lang.IllegalStateException: the input path s3a://bucket/input does not exist"}},
		Failures:  stokev1.FailureCounts{Application: 1},
		Executors: stokev1.ExecutorCounts{Requested: 3, Running: 2, Pending: 1},
		UIAddress: "http://pi-2-driver-svc." + ns + ".svc:4040",
	}
	if err := env.Client.Status().Update(context.Background(), running); err != nil {
		t.Fatal(err)
	}
	running.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartOnFailure}
	if err := env.Client.Update(context.Background(), running); err != nil {
		t.Fatal(err)
	}
	done := sparkPi(ns, "nightly-etl-with-a-rather-long-descriptive-application-name")
	done.Spec.Type = stokev1.ApplicationTypePython
	done.Spec.MainClass, done.Spec.MainApplicationFile = nil, ptr.To("local:///opt/etl.py")
	seed(t, done, stokev1.SparkApplicationStatus{Phase: stokev1.PhaseSucceeded,
		CurrentAttempt: &stokev1.Attempt{Number: 1, DriverPodName: "nightly-etl-1-driver", SubmissionTime: at(40 * time.Minute), EndTime: at(25 * time.Minute), Outcome: stokev1.OutcomeSucceeded, ExitCode: ptr.To(int32(0)), Reason: "Completed",
			Usage: &stokev1.Usage{DriverCoreSeconds: 900, DriverMemoryGiBSeconds: 1238, ExecutorCoreSeconds: 5400, ExecutorMemoryGiBSeconds: 7425, Executors: 3}},
		Usage:           &stokev1.Usage{DriverCoreSeconds: 900, DriverMemoryGiBSeconds: 1238, ExecutorCoreSeconds: 5400, ExecutorMemoryGiBSeconds: 7425, Executors: 3},
		TerminationTime: at(25 * time.Minute), Executors: stokev1.ExecutorCounts{Requested: 3, Succeeded: 3}})
	seed(t, sparkPi(ns, "queued"), stokev1.SparkApplicationStatus{})
	// Events of pi, with fixed times.
	for i, e := range []struct{ reason, typ, msg string }{
		{"Submitted", corev1.EventTypeNormal, "Created driver pod pi-1-driver"},
		{"AttemptApplicationFailure", corev1.EventTypeWarning, "Attempt 1 failed: the driver exited with code 1: java.lang.IllegalStateException: the input path s3a://bucket/input does not exist"},
		{"Retrying", corev1.EventTypeNormal, "Attempt 2 starts in 10s"},
		{"Submitted", corev1.EventTypeNormal, "Created driver pod pi-2-driver"},
	} {
		ev := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: "pi." + string(rune('a'+i))},
			InvolvedObject: corev1.ObjectReference{Kind: "SparkApplication", APIVersion: "stoke.dev/v1alpha1", Namespace: ns, Name: "pi", UID: running.UID},
			Reason:         e.reason, Type: e.typ, Message: e.msg, Count: 1,
			FirstTimestamp: *at(time.Duration(20-4*i) * time.Minute), LastTimestamp: *at(time.Duration(20-4*i) * time.Minute),
			Source: corev1.EventSource{Component: "stoke"},
		}
		if err := env.Client.Create(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	clk := clocktesting.NewFakeClock(now)

	golden(t, "get-apps.txt", stoke(t, clk, "get", "apps", "-n", ns).must(t))
	golden(t, "get-apps-wide.txt", stoke(t, clk, "get", "apps", "-n", ns, "-o", "wide").must(t))
	// The creation time is the API server's; the golden file holds a placeholder for it.
	described := stoke(t, clk, "describe", "app", "pi", "-n", ns).must(t)
	created := running.CreationTimestamp.UTC().Format(time.RFC3339)
	if !strings.Contains(described, created) {
		t.Errorf("describe does not show the creation time %s", created)
	}
	golden(t, "describe-pi.txt", strings.Replace(described, created, "<created>", 1))
	golden(t, "events-pi.txt", stoke(t, clk, "events", "pi", "-n", ns).must(t))
	for _, f := range []string{"get-apps.txt", "describe-pi.txt", "events-pi.txt"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		for _, line := range strings.Split(string(data), "\n") {
			if n := len([]rune(line)); n > 80 {
				t.Errorf("%s: line of %d columns: %q", f, n, line)
			}
		}
	}

	// -A adds the namespace; -l filters; -o name and -o json are for scripts.
	all := stoke(t, clk, "get", "apps", "-A", "-l", "team=data").must(t)
	if !strings.HasPrefix(all, "NAMESPACE") || !strings.Contains(all, "golden") {
		t.Errorf("get -A:\n%s", all)
	}
	if got := stoke(t, clk, "get", "apps", "-n", ns, "-l", "team!=data").must(t); got != "No applications in namespace \"golden\".\n" {
		t.Errorf("empty selection: %q", got)
	}
	names := stoke(t, clk, "get", "apps", "-n", ns, "-o", "name").must(t)
	if names != "sparkapplication.stoke.dev/nightly-etl-with-a-rather-long-descriptive-application-name\nsparkapplication.stoke.dev/pi\nsparkapplication.stoke.dev/queued\n" {
		t.Errorf("-o name: %q", names)
	}
	first := stoke(t, clk, "get", "app", "pi", "-n", ns, "-o", "json").must(t)
	second := stoke(t, clk, "get", "app", "pi", "-n", ns, "-o", "json").must(t)
	if first != second {
		t.Errorf("-o json is not stable")
	}
	var obj stokev1.SparkApplication
	if err := json.Unmarshal([]byte(first), &obj); err != nil || obj.Kind != "SparkApplication" || obj.APIVersion != "stoke.dev/v1alpha1" || obj.Status.CurrentAttempt.Number != 2 {
		t.Errorf("-o json: %v %+v", err, obj.TypeMeta)
	}
	list := stoke(t, clk, "get", "apps", "-n", ns, "-o", "yaml").must(t)
	if !strings.HasPrefix(list, "apiVersion: v1\nitems:\n") || strings.Contains(list, "managedFields") {
		t.Errorf("-o yaml list:\n%.300s", list)
	}

	stoke(t, clk, "get", "apps", "-n", "nowhere").wantErr(t, false, `namespace "nowhere" not found`)
	stoke(t, clk, "get", "pods").wantErr(t, true, `unknown resource "pods"`)
	stoke(t, clk, "get", "nodes").wantErr(t, true, `unknown resource "nodes"`)
	stoke(t, clk, "get", "apps", "-o", "xml").wantErr(t, true, "unknown output format")
	stoke(t, clk, "get", "apps", "-l", "a=(").wantErr(t, true, "-l")
	stoke(t, clk, "describe", "app", "nope", "-n", ns).wantErr(t, false, `application "nope" not found in namespace "golden"`)
	stoke(t, clk, "describe", "x", "y", "z").wantErr(t, true, "stoke describe app NAME")
	stoke(t, clk, "events").wantErr(t, true, "exactly one application name")
}

// TestSuspendResumeDelete changes applications through the API server and checks the refusals.
func TestSuspendResumeDelete(t *testing.T) {
	ns := env.Namespace(t)
	seed(t, sparkPi(ns, "a"), stokev1.SparkApplicationStatus{Phase: stokev1.PhaseRunning})
	seed(t, sparkPi(ns, "b"), stokev1.SparkApplicationStatus{Phase: stokev1.PhaseSucceeded})
	if out := stoke(t, nil, "suspend", "a", "-n", ns).must(t); out != "application \"a\" suspended\n" {
		t.Errorf("suspend: %q", out)
	}
	if !getApp(t, ns, "a").Spec.Suspend {
		t.Fatal("spec.suspend not set")
	}
	if out := stoke(t, nil, "suspend", "a", "-n", ns).must(t); !strings.Contains(out, "already suspended") {
		t.Errorf("second suspend: %q", out)
	}
	stoke(t, nil, "rerun", "a", "-n", ns).wantErr(t, true, "stoke resume a")
	stoke(t, nil, "resume", "a", "-n", ns).must(t)
	if getApp(t, ns, "a").Spec.Suspend {
		t.Fatal("spec.suspend still set")
	}
	stoke(t, nil, "suspend", "b", "-n", ns).wantErr(t, true, "already succeeded")
	stoke(t, nil, "suspend", "zz", "-n", ns).wantErr(t, false, `"zz" not found`)

	stoke(t, nil, "delete", "-n", ns).wantErr(t, true, "names or -l")
	stoke(t, nil, "delete", "zz", "-n", ns).wantErr(t, false, `"zz" not found`)
	stoke(t, nil, "delete", "zz", "--ignore-not-found", "-n", ns).must(t)
	if out := stoke(t, nil, "delete", "-l", "team=data", "-n", ns).must(t); out != "application \"a\" deleted\napplication \"b\" deleted\n" {
		t.Errorf("delete -l: %q", out)
	}
	eventually(t, 10*time.Second, "deleted", func() bool {
		list := &stokev1.SparkApplicationList{}
		return env.Client.List(context.Background(), list, client.InNamespace(ns)) == nil && len(list.Items) == 0
	})
}

// TestLogsPodSelection: which pod and container `stoke logs` reads for the driver, an executor, an
// earlier attempt, and the errors when there is none. The log stream itself needs a kubelet (e2e).
func TestLogsPodSelection(t *testing.T) {
	ns := env.Namespace(t)
	app := seed(t, sparkPi(ns, "pi"), stokev1.SparkApplicationStatus{})
	ctx := context.Background()
	pod := func(name string, labels map[string]string, container string) {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "istio-proxy", Image: "proxy"}, {Name: container, Image: "spark:3.5.7"}}}}
		if err := env.Client.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = corev1.PodPending
		if err := env.Client.Status().Update(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	id2 := spark.AppID(app.UID, 2)
	pod("pi-2-driver", map[string]string{spark.LabelRole: spark.RoleDriver, spark.LabelAppSelector: id2}, spark.DriverContainerName)
	pod("pi-3-driver", map[string]string{spark.LabelRole: spark.RoleDriver, spark.LabelAppSelector: spark.AppID(app.UID, 3)}, spark.DriverContainerName)
	for _, id := range []string{"1", "2", "10"} {
		pod("pi-3-exec-"+id, map[string]string{spark.LabelRole: spark.RoleExecutor, spark.LabelAppSelector: spark.AppID(app.UID, 3), "spark-exec-id": id}, spark.ExecutorContainerName)
	}
	pod("pi-2-exec-1", map[string]string{spark.LabelRole: spark.RoleExecutor, spark.LabelAppSelector: id2, "spark-exec-id": "1"}, spark.ExecutorContainerName)
	app.Status = stokev1.SparkApplicationStatus{Phase: stokev1.PhaseRunning,
		CurrentAttempt: &stokev1.Attempt{Number: 3, DriverPodName: "pi-3-driver", SparkApplicationID: spark.AppID(app.UID, 3)},
		PastAttempts: []stokev1.Attempt{
			{Number: 1, DriverPodName: "pi-1-driver", Outcome: stokev1.OutcomeApplicationFailure},
			{Number: 2, DriverPodName: "pi-2-driver", Outcome: stokev1.OutcomeInfrastructureFailure}}}
	if err := env.Client.Status().Update(ctx, app); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		target        logs.Target
		pod, errorHas string
	}{
		{logs.Target{}, "pi-3-driver", ""},
		{logs.Target{Previous: true}, "pi-2-driver", ""},
		{logs.Target{Attempt: 2}, "pi-2-driver", ""},
		{logs.Target{Executor: "10"}, "pi-3-exec-10", ""},
		{logs.Target{Executor: "1", Previous: true}, "pi-2-exec-1", ""},
		{logs.Target{Attempt: 1}, "", "pi-1-driver of attempt 1 is gone"},
		{logs.Target{Attempt: 7}, "", "attempts 1 to 3, not 7"},
		{logs.Target{Executor: "4"}, "", "no executor 4; its executors are 1, 2, 10"},
		{logs.Target{Executor: "1", Attempt: 1}, "", "attempt 1 of \"pi\" has no executor pods"},
	}
	for _, tc := range cases {
		name, container, err := logs.Select(ctx, env.Client, getApp(t, ns, "pi"), tc.target)
		if tc.errorHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errorHas) {
				t.Errorf("%+v: want error %q, got %v (%s)", tc.target, tc.errorHas, err, name)
			}
			continue
		}
		if err != nil || name != tc.pod {
			t.Errorf("%+v: got %s, %v; want %s", tc.target, name, err, tc.pod)
		}
		want := spark.DriverContainerName
		if tc.target.Executor != "" {
			want = spark.ExecutorContainerName
		}
		if container != want {
			t.Errorf("%+v: container %s, want %s", tc.target, container, want)
		}
	}
	stoke(t, nil, "logs", "pi", "-n", ns, "--previous", "--attempt", "1").wantErr(t, true, "do not go together")
	stoke(t, nil, "logs", "pi", "-n", ns, "--attempt", "1").wantErr(t, false, "is gone")

	// The UI needs a running driver; the pod here has no node, so the forward itself is refused by the
	// API server with a one-line error (a real cluster is exercised in e2e).
	// A driver not running yet is waited for, within --wait.
	res := stoke(t, nil, "ui", "pi", "-n", ns, "--wait", "1500ms")
	res.wantErr(t, false, "pi-3-driver is Pending, not Running")
	if !strings.Contains(res.errOut, "waiting for the driver of pi to run") {
		t.Errorf("stoke ui did not say it waits for the driver: %q", res.errOut)
	}
	if _, err := ui.DriverPod(ctx, env.Client, getApp(t, ns, "pi")); err == nil {
		t.Error("a driver pod that is not running was accepted for the UI")
	}
	p := &corev1.Pod{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "pi-3-driver"}, p); err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	if err := env.Client.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := ui.DriverPod(ctx, env.Client, getApp(t, ns, "pi")); err != nil {
		t.Errorf("running driver refused: %v", err)
	}
	// Without a kubelet the UI never answers through the pod proxy: the wait ends with a one-line error.
	res = stoke(t, nil, "ui", "pi", "-n", ns, "--port", "0", "--wait", "1s")
	res.wantErr(t, false, "the Spark UI of pi-3-driver did not answer within 1s")
}

// TestConvertedManifestsAcceptedByAPIServer: every converted kubeflow manifest is accepted by the real
// API server with strict field validation (server-side dry run).
func TestConvertedManifestsAcceptedByAPIServer(t *testing.T) {
	ns := env.Namespace(t)
	files, _ := filepath.Glob(filepath.Join("convert", "testdata", "*.yaml"))
	n := 0
	for _, file := range files {
		res := stoke(t, nil, "convert", "-f", file)
		out := res.must(t)
		docs, err := convert.ConvertAll(mustRead(t, file), file)
		if err != nil {
			t.Fatal(err)
		}
		warnings := 0
		for _, d := range docs {
			warnings += len(d.Report.Dropped)
		}
		if got := strings.Count(res.errOut, "warning: "); got != warnings {
			t.Errorf("%s: %d warnings on stderr, want %d", file, got, warnings)
		}
		for _, doc := range strings.Split(out, "\n---\n") {
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			u.SetNamespace(ns)
			if err := env.Client.Create(context.Background(), u, client.DryRunAll, client.FieldValidation("Strict")); err != nil {
				t.Errorf("%s: the API server rejects %s: %v", file, u.GetName(), err)
			}
			n++
		}
	}
	if n < 16 {
		t.Errorf("only %d converted applications checked", n)
	}
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCompletionAndUsage: shell completion offers the namespace's application names; cobra's own
// complaints are usage errors.
func TestCompletionAndUsage(t *testing.T) {
	ns := env.Namespace(t)
	seed(t, sparkPi(ns, "alpha"), stokev1.SparkApplicationStatus{})
	seed(t, sparkPi(ns, "beta"), stokev1.SparkApplicationStatus{})
	for _, args := range [][]string{{"__complete", "logs", "-n", ns, ""}, {"__complete", "describe", "app", "-n", ns, ""}} {
		out := stoke(t, nil, args...).must(t)
		if !strings.Contains(out, "alpha\nbeta\n") {
			t.Errorf("%v: completion %q", args, out)
		}
	}
	if out := stoke(t, nil, "completion", "bash").must(t); !strings.Contains(out, "__start_stoke") {
		t.Errorf("bash completion script missing")
	}
	stoke(t, nil, "frobnicate").wantErr(t, true, "unknown command")
	stoke(t, nil, "get", "apps", "--bogus").wantErr(t, true, "--bogus")
	stoke(t, nil, "logs").wantErr(t, true, "exactly one application name")
}
