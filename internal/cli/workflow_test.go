package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/describe"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/cli/workflow"
)

// etlWorkflow is a workflow of four steps: extract, a fan-out transform over three items, load after
// transform, and the exit step notify.
func etlWorkflow(ns, name string) *stokev1.SparkWorkflow {
	app := sparkPi(ns, "x").Spec
	step := func(name string, deps ...string) stokev1.WorkflowStep {
		return stokev1.WorkflowStep{Name: name, Dependencies: deps, Template: stokev1.StepTemplate{Application: app}}
	}
	transform := step("transform", "extract")
	transform.Items = []string{"eu", "us", "apac"}
	return &stokev1.SparkWorkflow{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"team": "data"}},
		Spec: stokev1.SparkWorkflowSpec{
			Parameters:  []stokev1.WorkflowParameter{{Name: "date", Value: ptr.To("2026-11-01")}, {Name: "env", Value: ptr.To("prod")}},
			Steps:       []stokev1.WorkflowStep{step("extract"), transform, step("load", "transform"), step("notify")},
			OnExit:      "notify",
			Parallelism: ptr.To(int32(4)),
		},
	}
}

// seedWorkflow creates a workflow and writes its status through the status subresource, as the operator
// would.
func seedWorkflow(t *testing.T, wf *stokev1.SparkWorkflow, status stokev1.SparkWorkflowStatus) *stokev1.SparkWorkflow {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Create(ctx, wf); err != nil {
		t.Fatalf("creating %s: %v", wf.Name, err)
	}
	wf.Status = status
	if err := env.Client.Status().Update(ctx, wf); err != nil {
		t.Fatalf("status of %s: %v", wf.Name, err)
	}
	return wf
}

func getWorkflow(t *testing.T, ns, name string) *stokev1.SparkWorkflow {
	t.Helper()
	wf := &stokev1.SparkWorkflow{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, wf); err != nil {
		t.Fatalf("getting %s: %v", name, err)
	}
	return wf
}

// failedETLStatus is what the operator writes for etlWorkflow when transform's second item failed: load
// is omitted and the exit step ran. Times are relative to now.
func failedETLStatus(name string, now time.Time) stokev1.SparkWorkflowStatus {
	at := func(ago time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(-ago)); return &t }
	code := func(c int32) *int32 { return &c }
	return stokev1.SparkWorkflowStatus{
		Phase: stokev1.WorkflowPhaseFailed,
		Conditions: []metav1.Condition{
			{Type: stokev1.ConditionFailed, Status: metav1.ConditionTrue, Reason: "StepsFailed", Message: "step transform-1 failed: the driver exited with code 1", LastTransitionTime: *at(2 * time.Minute)},
			{Type: stokev1.ConditionSucceeded, Status: metav1.ConditionFalse, Reason: "StepsFailed", LastTransitionTime: *at(2 * time.Minute)},
		},
		StartTime: at(30 * time.Minute), TerminationTime: at(2 * time.Minute),
		Progress: stokev1.StepCounts{Total: 7, Succeeded: 5, Failed: 1, Other: 1},
		Steps: []stokev1.WorkflowStepStatus{
			{Name: "extract", Phase: stokev1.StepSucceeded, Application: name + "-extract", Attempt: 1, StartTime: at(30 * time.Minute), EndTime: at(22 * time.Minute), ExitCode: code(0), Result: "42"},
			{Name: "transform-0", Step: "transform", Phase: stokev1.StepSucceeded, Application: name + "-transform-0", Attempt: 1, StartTime: at(22 * time.Minute), EndTime: at(10 * time.Minute), ExitCode: code(0)},
			{Name: "transform-1", Step: "transform", Phase: stokev1.StepFailed, Application: name + "-transform-1", Attempt: 2, StartTime: at(22 * time.Minute), EndTime: at(5 * time.Minute), ExitCode: code(1),
				Message: "the driver exited with code 1: java.lang.IllegalStateException: the input path s3a://bucket/us/2026-11-01 does not exist"},
			{Name: "transform-2", Step: "transform", Phase: stokev1.StepSucceeded, Application: name + "-transform-2", Attempt: 1, StartTime: at(22 * time.Minute), EndTime: at(12 * time.Minute), ExitCode: code(0)},
			{Name: "load", Phase: stokev1.StepOmitted, Message: "omitted: its dependencies were not satisfied (transform failed)"},
			{Name: "notify", Phase: stokev1.StepSucceeded, Application: name + "-notify", Attempt: 1, StartTime: at(4 * time.Minute), EndTime: at(2 * time.Minute), ExitCode: code(0)},
		},
	}
}

// TestWorkflowViewsGolden: get workflows and describe workflow, with a fixed clock, against workflows
// stored in the real API server with a status written as the operator would.
func TestWorkflowViewsGolden(t *testing.T) {
	const ns = "golden-wf"
	fixedNamespace(t, ns)
	etl := seedWorkflow(t, etlWorkflow(ns, "etl"), stokev1.SparkWorkflowStatus{})
	now := etl.CreationTimestamp.Add(42*time.Minute + 30*time.Second)
	etl.Status = failedETLStatus("etl", now)
	if err := env.Client.Status().Update(context.Background(), etl); err != nil {
		t.Fatal(err)
	}
	running := etlWorkflow(ns, "nightly-pipeline-with-a-rather-long-descriptive-workflow-name")
	running.Labels = nil
	seedWorkflow(t, running, stokev1.SparkWorkflowStatus{Phase: stokev1.WorkflowPhaseRunning,
		StartTime: &metav1.Time{Time: now.Add(-5 * time.Minute)}, Progress: stokev1.StepCounts{Total: 7, Succeeded: 1, Running: 3, Pending: 3}})
	seedWorkflow(t, etlWorkflow(ns, "new"), stokev1.SparkWorkflowStatus{})
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: "etl.a"},
		InvolvedObject: corev1.ObjectReference{Kind: "SparkWorkflow", APIVersion: "stoke.dev/v1alpha1", Namespace: ns, Name: "etl", UID: etl.UID},
		Reason:         "Failed", Type: corev1.EventTypeWarning, Message: "the workflow failed: step transform-1 failed", Count: 1,
		FirstTimestamp: metav1.NewTime(now.Add(-2 * time.Minute)), LastTimestamp: metav1.NewTime(now.Add(-2 * time.Minute)),
		Source: corev1.EventSource{Component: "stoke"},
	}
	if err := env.Client.Create(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(now)

	golden(t, "get-workflows.txt", stoke(t, clk, "get", "workflows", "-n", ns).must(t))
	golden(t, "get-workflows-wide.txt", stoke(t, clk, "get", "wf", "-n", ns, "-o", "wide").must(t))
	described := stoke(t, clk, "describe", "workflow", "etl", "-n", ns).must(t)
	created := etl.CreationTimestamp.UTC().Format(time.RFC3339)
	started := now.Add(-30 * time.Minute).UTC().Format(time.RFC3339)
	golden(t, "describe-workflow-etl.txt", strings.Replace(strings.Replace(described, created, "<created>", 1), started, "<started>", 1))
	for _, f := range []string{"get-workflows.txt", "describe-workflow-etl.txt"} {
		for _, line := range strings.Split(string(mustRead(t, filepath.Join("testdata", f))), "\n") {
			if n := len([]rune(line)); n > 80 {
				t.Errorf("%s: line of %d columns: %q", f, n, line)
			}
		}
	}

	// A wider terminal leaves room for the APPLICATION column and more of each message.
	var wide strings.Builder
	if err := describe.WriteWorkflow(&wide, getWorkflow(t, ns, "etl"), nil, now, output.NewPalette(false), 140); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(wide.String(), "  STEP                PHASE       DURATION   APPLICATION       ATTEMPT   EXIT   MESSAGE\n") ||
		!strings.Contains(wide.String(), "    ├─✖ transform-1   Failed      17m        etl-transform-1   2         1      the driver exited with code 1: java.lang.Il") {
		t.Errorf("describe at 140 columns:\n%s", wide.String())
	}

	all := stoke(t, clk, "get", "sparkworkflows", "-A", "-l", "team=data").must(t)
	if !strings.HasPrefix(all, "NAMESPACE") || !strings.Contains(all, ns+"   etl") || strings.Contains(all, "nightly") {
		t.Errorf("get -A -l:\n%s", all)
	}
	if names := stoke(t, clk, "get", "workflows", "-n", ns, "-o", "name").must(t); names !=
		"sparkworkflow.stoke.dev/etl\nsparkworkflow.stoke.dev/new\nsparkworkflow.stoke.dev/nightly-pipeline-with-a-rather-long-descriptive-workflow-name\n" {
		t.Errorf("-o name: %q", names)
	}
	var obj stokev1.SparkWorkflow
	if err := json.Unmarshal([]byte(stoke(t, clk, "get", "workflow", "etl", "-n", ns, "-o", "json").must(t)), &obj); err != nil ||
		obj.Kind != "SparkWorkflow" || obj.APIVersion != "stoke.dev/v1alpha1" || len(obj.Status.Steps) != 6 || obj.ManagedFields != nil {
		t.Errorf("-o json: %v %+v", err, obj.TypeMeta)
	}
	if list := stoke(t, clk, "get", "workflows", "-n", ns, "-o", "yaml").must(t); !strings.HasPrefix(list, "apiVersion: v1\nitems:\n") || !strings.Contains(list, "kind: SparkWorkflow\n") {
		t.Errorf("-o yaml list:\n%.300s", list)
	}
	stoke(t, clk, "get", "workflows", "nope", "-n", ns).wantErr(t, false, `workflow "nope" not found in namespace "golden-wf"`)
	stoke(t, clk, "describe", "workflow", "nope", "-n", ns).wantErr(t, false, `workflow "nope" not found`)
	if out := stoke(t, clk, "describe", "wf", "new", "-n", ns).must(t); !strings.Contains(out, "Steps:\n  none yet\n") {
		t.Errorf("describe of a workflow the operator has not seen:\n%s", out)
	}
}

// TestDescribeWorkflowHundredsOfSteps: a fan-out over 300 items stays one aligned line per step, fitted to
// 80 columns, with the exit step last.
func TestDescribeWorkflowHundredsOfSteps(t *testing.T) {
	ns := env.Namespace(t)
	const n = 300
	wf := etlWorkflow(ns, "big")
	wf.Spec.Steps[1].Items = make([]string, n)
	for i := range wf.Spec.Steps[1].Items {
		wf.Spec.Steps[1].Items[i] = fmt.Sprintf("part-%03d", i)
	}
	seedWorkflow(t, wf, stokev1.SparkWorkflowStatus{})
	now := time.Now()
	at := metav1.NewTime(now.Add(-time.Hour))
	status := stokev1.SparkWorkflowStatus{Phase: stokev1.WorkflowPhaseRunning, StartTime: &at,
		Progress: stokev1.StepCounts{Total: n + 3}}
	status.Steps = append(status.Steps, stokev1.WorkflowStepStatus{Name: "extract", Phase: stokev1.StepSucceeded, Application: "big-extract", Attempt: 1, StartTime: &at, EndTime: &at})
	for i := 0; i < n; i++ {
		s := stokev1.WorkflowStepStatus{Name: fmt.Sprintf("transform-%d", i), Step: "transform", Phase: stokev1.StepRunning,
			Application: fmt.Sprintf("big-transform-%d", i), Attempt: 1, StartTime: &at}
		switch i % 3 {
		case 1:
			s.Phase, s.Message = stokev1.StepFailed, strings.Repeat("a very long failure message that goes on and on ", 10)
		case 2:
			s.Phase, s.Application, s.Attempt, s.StartTime = stokev1.StepPending, "", 0, nil
			s.Message = "waiting for a parallelism slot"
		}
		status.Steps = append(status.Steps, s)
	}
	status.Steps = append(status.Steps,
		stokev1.WorkflowStepStatus{Name: "load", Phase: stokev1.StepPending, Message: "waiting for transform"},
		stokev1.WorkflowStepStatus{Name: "notify", Phase: stokev1.StepPending})
	wf.Status = status
	if err := env.Client.Status().Update(context.Background(), wf); err != nil {
		t.Fatal(err)
	}
	out := stoke(t, nil, "describe", "workflow", "big", "-n", ns).must(t)
	steps := out[strings.Index(out, "\nSteps:\n")+len("\nSteps:\n") : strings.Index(out, "\nEvents:\n")]
	lines := strings.Split(strings.TrimSuffix(steps, "\n"), "\n")
	// The header, extract, the fan-out's own line, its items, load and notify; then the messages of the
	// first failed steps in full.
	tree := 1 + 1 + 1 + n + 2
	if len(lines) < tree {
		t.Fatalf("%d lines in the steps section, want at least %d:\n%s", len(lines), tree, steps)
	}
	phaseAt := strings.Index(lines[0], "PHASE")
	for i, line := range lines {
		if w := len([]rune(line)); w > 80 {
			t.Errorf("line %d is %d columns: %q", i, w, line)
		}
		if i > 0 && i < tree && string([]rune(line)[phaseAt-1]) != " " {
			t.Errorf("line %d: the PHASE column is not aligned: %q", i, line)
		}
	}
	if !strings.HasPrefix(lines[2], "  ● transform ") || !strings.HasSuffix(lines[2], "300 items: 100 …") {
		t.Errorf("fan-out line: %q", lines[2])
	}
	if !strings.HasPrefix(lines[3], "    ├─● transform-0 ") || !strings.HasPrefix(lines[n+2], "    └─◷ transform-299 ") ||
		!strings.HasPrefix(lines[4], "    ├─✖ transform-1     Failed ") || !strings.HasSuffix(lines[4], "   a very long fai…") {
		t.Errorf("items:\n%s\n%s\n%s", lines[3], lines[4], lines[n+2])
	}
	if last := lines[tree-1]; !strings.HasPrefix(last, "  ◷ notify (onExit) ") {
		t.Errorf("the exit step is not last: %q", last)
	}
	failures := strings.Join(lines[tree:], "\n")
	if !strings.HasPrefix(failures, "  transform-1: a very long failure message") || strings.Count(failures, "transform-") != 5 ||
		!strings.HasSuffix(failures, "  and 95 more failed steps") {
		t.Errorf("failure messages:\n%s", failures)
	}
}

// TestWorkflowRetry: retry writes a fresh stoke.dev/retry token and waits for the operator (simulated here)
// to record it, then reports the reset steps; a refusal is reported with the operator's event.
func TestWorkflowRetry(t *testing.T) {
	ns := env.Namespace(t)
	ctx := context.Background()
	wf := seedWorkflow(t, etlWorkflow(ns, "etl"), stokev1.SparkWorkflowStatus{})
	wf.Status = failedETLStatus("etl", time.Now())
	if err := env.Client.Status().Update(ctx, wf); err != nil {
		t.Fatal(err)
	}

	// operator acts like the workflow reconciler on the next stoke.dev/retry token: with retry it resets
	// transform-1 and load, otherwise it records the token with a RetryIgnored event.
	operator := func(retry bool) <-chan error {
		done := make(chan error, 1)
		go func() {
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				wf := &stokev1.SparkWorkflow{}
				if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "etl"}, wf); err != nil {
					done <- err
					return
				}
				token := wf.Annotations[stokev1.AnnotationRetry]
				if token == "" || token == wf.Status.LastRetryToken {
					continue
				}
				if _, err := time.Parse(time.RFC3339Nano, token); err != nil {
					done <- fmt.Errorf("token %q is not an RFC 3339 time: %w", token, err)
					return
				}
				wf.Status.LastRetryToken = token
				if retry {
					wf.Status.Retries++
					wf.Status.Phase = stokev1.WorkflowPhaseRunning
					var kept []stokev1.WorkflowStepStatus
					for _, s := range wf.Status.Steps {
						switch s.Name {
						case "transform-1":
							s = stokev1.WorkflowStepStatus{Name: s.Name, Step: s.Step, Phase: stokev1.StepPending}
						case "load":
							continue
						}
						kept = append(kept, s)
					}
					wf.Status.Steps = kept
				} else {
					ev := &corev1.Event{
						ObjectMeta:     metav1.ObjectMeta{Namespace: ns, GenerateName: "etl."},
						InvolvedObject: corev1.ObjectReference{Kind: "SparkWorkflow", APIVersion: "stoke.dev/v1alpha1", Namespace: ns, Name: "etl", UID: wf.UID},
						Reason:         "RetryIgnored", Type: corev1.EventTypeWarning, Message: "retry " + token + " ignored: the workflow is still running",
						FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1, Source: corev1.EventSource{Component: "stoke"},
					}
					if err := env.Client.Create(ctx, ev); err != nil {
						done <- err
						return
					}
				}
				done <- env.Client.Status().Update(ctx, wf)
				return
			}
			done <- fmt.Errorf("no retry token appeared")
		}()
		return done
	}

	done := operator(true)
	out := stoke(t, nil, "workflow", "retry", "etl", "-n", ns).must(t)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := `workflow "etl": retry 1: 2 steps reset (transform-1, load), 4 kept` + "\n"; out != want {
		t.Errorf("retry printed %q, want %q", out, want)
	}
	after := getWorkflow(t, ns, "etl")
	if tok := after.Annotations[stokev1.AnnotationRetry]; tok == "" || tok != after.Status.LastRetryToken {
		t.Errorf("annotation %q, lastRetryToken %q", tok, after.Status.LastRetryToken)
	}

	// The workflow now runs: the operator takes the next token without retrying, and says why.
	done = operator(false)
	stoke(t, nil, "wf", "retry", "etl", "-n", ns).wantErr(t, false, `workflow "etl" was not retried`, "ignored: the workflow is still running")
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Without an operator: --no-wait returns at once, and a wait ends at its timeout with a one-line error.
	first := getWorkflow(t, ns, "etl").Annotations[stokev1.AnnotationRetry]
	if out := stoke(t, nil, "workflow", "retry", "etl", "-n", ns, "--no-wait").must(t); !strings.Contains(out, `workflow "etl": retry requested (token `) ||
		!strings.Contains(out, "it is Running, and only a failed workflow is retried") {
		t.Errorf("--no-wait printed %q", out)
	}
	if again := getWorkflow(t, ns, "etl").Annotations[stokev1.AnnotationRetry]; again == first {
		t.Errorf("the token was not renewed: %q", again)
	}
	stoke(t, nil, "workflow", "retry", "etl", "-n", ns, "--timeout", "1s").wantErr(t, false, "did not take the retry of workflow \"etl\" within 1s")
	stoke(t, nil, "workflow", "retry", "nope", "-n", ns).wantErr(t, false, `workflow "nope" not found`)
	stoke(t, nil, "workflow", "retry").wantErr(t, true, "exactly one workflow name")

	// suspend and resume set spec.suspend.
	if out := stoke(t, nil, "workflow", "suspend", "etl", "-n", ns).must(t); !strings.HasPrefix(out, `workflow "etl" suspended`) {
		t.Errorf("suspend: %q", out)
	}
	if !getWorkflow(t, ns, "etl").Spec.Suspend {
		t.Error("spec.suspend not set")
	}
	if out := stoke(t, nil, "workflow", "suspend", "etl", "-n", ns).must(t); !strings.Contains(out, "already suspended") {
		t.Errorf("second suspend: %q", out)
	}
	stoke(t, nil, "workflow", "resume", "etl", "-n", ns).must(t)
	if getWorkflow(t, ns, "etl").Spec.Suspend {
		t.Error("spec.suspend still set")
	}
}

// TestWorkflowStepLogs: `stoke logs workflow/NAME --step STEP` reads the log of the step's application,
// found in the per-step summary or, before the summary names it, by its labels.
func TestWorkflowStepLogs(t *testing.T) {
	ns := env.Namespace(t)
	ctx := context.Background()
	wf := seedWorkflow(t, etlWorkflow(ns, "etl"), stokev1.SparkWorkflowStatus{})
	wf.Status = failedETLStatus("etl", time.Now())
	wf.Status.Steps[4] = stokev1.WorkflowStepStatus{Name: "load", Phase: stokev1.StepRunning} // created, not yet in the summary
	if err := env.Client.Status().Update(ctx, wf); err != nil {
		t.Fatal(err)
	}
	step := func(name, step string, attempt int32) {
		app := sparkPi(ns, name)
		app.Labels = map[string]string{stokev1.LabelWorkflow: "etl", stokev1.LabelWorkflowStep: step}
		seed(t, app, stokev1.SparkApplicationStatus{Phase: stokev1.PhaseFailed,
			CurrentAttempt: &stokev1.Attempt{Number: attempt, DriverPodName: fmt.Sprintf("%s-%d-driver", name, attempt)}})
	}
	step("etl-transform-1", "transform-1", 2)
	step("etl-load", "load", 1)

	// The driver pods are gone (no kubelet here to serve a log): the error names the resolved pod.
	logs := func(args ...string) result { return stoke(t, nil, append([]string{"logs", "-n", ns}, args...)...) }
	logs("workflow/etl", "--step", "transform-1").wantErr(t, false, "the driver pod etl-transform-1-2-driver of attempt 2 is gone")
	logs("wf/etl", "--step", "transform-1", "--previous").wantErr(t, false, `attempt 1 of "etl-transform-1" is no longer recorded`)
	logs("workflow/etl", "--step", "load").wantErr(t, false, "the driver pod etl-load-1-driver of attempt 1 is gone")
	logs("workflow/etl", "--step", "transform").wantErr(t, true, `step "transform" of workflow "etl" fans out`, "transform-0, transform-1, transform-2")
	logs("workflow/etl", "--step", "nope").wantErr(t, true, `workflow "etl" has no step "nope"; its steps are extract, transform-0`)
	logs("workflow/etl", "--step", "extract").wantErr(t, false, `step "extract" of workflow "etl"`, `application "etl-extract" not found`)
	logs("workflow/etl").wantErr(t, true, "--step STEP", "extract, transform-0, transform-1")
	logs("etl-load", "--step", "load").wantErr(t, true, "stoke logs workflow/NAME --step load")
	logs("pod/etl", "--step", "load").wantErr(t, true, "not pod/")
	logs("workflow/missing", "--step", "load").wantErr(t, false, `workflow "missing" not found`)
	logs("app/etl-load").wantErr(t, false, "etl-load-1-driver of attempt 1 is gone")

	wf = getWorkflow(t, ns, "etl")
	notify := workflow.Step(wf, "notify")
	notify.Application, notify.Phase, notify.Message = "", stokev1.StepOmitted, "omitted: the workflow was stopped"
	if err := env.Client.Status().Update(ctx, wf); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.DeleteAllOf(ctx, &stokev1.SparkApplication{}, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "applications deleted", func() bool {
		list := &stokev1.SparkApplicationList{}
		return env.Client.List(ctx, list, client.InNamespace(ns)) == nil && len(list.Items) == 0
	})
	logs("workflow/etl", "--step", "notify").wantErr(t, false, `step "notify" of workflow "etl" is Omitted and has no application: omitted: the workflow was stopped`)
}

const workflowManifest = `apiVersion: stoke.dev/v1alpha1
kind: SparkWorkflow
metadata:
  name: etl
spec:
  parameters:
  - name: date
    value: "2026-11-01"
  onExit: notify
  steps:
  - name: extract
    template:
      application: &app
        type: Python
        sparkVersion: "3.5.7"
        image: spark:3.5.7
        mainApplicationFile: local:///opt/jobs/extract.py
        arguments: ["{{ .Params.date }}"]
  - name: transform
    dependencies: [extract]
    items: [eu, us]
    template:
      application: *app
  - name: notify
    template:
      application: *app
---
apiVersion: stoke.dev/v1alpha1
kind: ScheduledSparkApplication
metadata:
  name: nightly-etl
spec:
  schedule: "30 2 * * *"
  template:
    workflow:
      parameters:
      - name: date
        value: '{{ .ScheduledTime | date "2006-01-02" }}'
      steps:
      - name: extract
        template:
          application:
            type: Python
            sparkVersion: "3.5.7"
            image: spark:3.5.7
            mainApplicationFile: local:///opt/jobs/extract.py
`

// TestSubmitWorkflowManifests: submit -f creates SparkWorkflows and schedules of workflows, decoded
// strictly: an unknown field is an error giving its path.
func TestSubmitWorkflowManifests(t *testing.T) {
	ns := env.Namespace(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	file := write("etl.yaml", workflowManifest)
	if names := stoke(t, nil, "submit", "-f", file, "-n", ns, "--dry-run=client", "-o", "name").must(t); names !=
		"sparkworkflow.stoke.dev/etl\nscheduledsparkapplication.stoke.dev/nightly-etl\n" {
		t.Errorf("-o name printed %q", names)
	}
	if out := stoke(t, nil, "submit", "-f", file, "-n", ns, "--dry-run=server").must(t); !strings.Contains(out, `workflow "etl" validated (server dry run)`) {
		t.Errorf("server dry run printed %q", out)
	}
	out := stoke(t, nil, "submit", "-f", file, "-n", ns).must(t)
	if want := `workflow "etl" submitted in namespace "` + ns + `"` + "\n" + `schedule "nightly-etl" submitted in namespace "` + ns + `"` + "\n"; out != want {
		t.Errorf("submit printed %q, want %q", out, want)
	}
	wf := getWorkflow(t, ns, "etl")
	if len(wf.Spec.Steps) != 3 || wf.Spec.OnExit != "notify" || strings.Join(wf.Spec.Steps[1].Items, ",") != "eu,us" ||
		wf.Spec.Steps[1].Template.Application.Arguments[0] != "{{ .Params.date }}" {
		t.Errorf("stored workflow spec: %+v", wf.Spec)
	}
	s := &stokev1.ScheduledSparkApplication{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "nightly-etl"}, s); err != nil {
		t.Fatal(err)
	}
	if w := s.Spec.Template.Workflow; w == nil || s.Spec.Template.Application != nil || len(w.Steps) != 1 || w.Steps[0].Name != "extract" {
		t.Errorf("stored schedule template: %+v", s.Spec.Template)
	}

	only := strings.SplitN(workflowManifest, "---\n", 2)[0]
	stoke(t, nil, "submit", "-f", write("wait.yaml", strings.Replace(only, "name: etl", "name: etl2", 1)), "-n", ns, "--wait").
		wantErr(t, true, "--wait follows an application, not a workflow")
	unknown := strings.Replace(only, "        arguments:", "        executors: 3\n        arguments:", 1)
	stoke(t, nil, "submit", "-f", write("unknown.yaml", unknown), "-n", ns).
		wantErr(t, true, "unknown.yaml (document 1, SparkWorkflow)", `unknown field "spec.steps[0].template.application.executors"`)
	schedUnknown := strings.Replace(workflowManifest, "      parameters:\n      - name: date\n        value:", "      parameter:\n      - name: date\n        value:", 1)
	stoke(t, nil, "submit", "-f", write("sched.yaml", schedUnknown), "-n", ns).
		wantErr(t, true, "(document 2, ScheduledSparkApplication)", `unknown field "spec.template.workflow.parameter"`)
	caseTypo := strings.Replace(only, "  onExit: notify", "  OnExit: notify", 1)
	stoke(t, nil, "submit", "-f", write("case.yaml", caseTypo), "-n", ns).wantErr(t, true, `unknown field "spec.OnExit"`)
	stoke(t, nil, "submit", "-f", write("kind.yaml", "apiVersion: stoke.dev/v1alpha1\nkind: SparkPipeline\nmetadata:\n  name: x\n"), "-n", ns).
		wantErr(t, true, "SparkApplication, ScheduledSparkApplication and SparkWorkflow")
	invalid := strings.Replace(only, "  onExit: notify", "  onExit: nowhere", 1)
	stoke(t, nil, "submit", "-f", write("invalid.yaml", strings.Replace(invalid, "name: etl", "name: etl3", 1)), "-n", ns).
		wantErr(t, false, "onExit must name one of steps")
}

// TestWorkflowCompletion: shell completion offers workflow names where a workflow is expected, and a
// workflow's steps for logs --step.
func TestWorkflowCompletion(t *testing.T) {
	ns := env.Namespace(t)
	wf := seedWorkflow(t, etlWorkflow(ns, "etl"), stokev1.SparkWorkflowStatus{})
	wf.Status = failedETLStatus("etl", time.Now())
	if err := env.Client.Status().Update(context.Background(), wf); err != nil {
		t.Fatal(err)
	}
	seedWorkflow(t, etlWorkflow(ns, "report"), stokev1.SparkWorkflowStatus{})
	seed(t, sparkPi(ns, "pi"), stokev1.SparkApplicationStatus{})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"describe", "workflow", ""}, "etl\nreport\n:4"},
		{[]string{"get", "workflows", ""}, "etl\nreport\n:4"},
		{[]string{"workflow", "retry", ""}, "etl\nreport\n:4"},
		{[]string{"get", "apps", ""}, "pi\n:4"},
		{[]string{"logs", ""}, "pi\nworkflow/etl\nworkflow/report\n:4"},
		{[]string{"logs", "workflow/etl", "--step", ""}, "extract\ntransform-0\ntransform-1\ntransform-2\nnotify\n:4"},
	} {
		args := append([]string{"__complete", "-n", ns}, tc.args...)
		if out := stoke(t, nil, args...).must(t); !strings.HasPrefix(out, tc.want) {
			t.Errorf("%v: completion %q, want %q", tc.args, out, tc.want)
		}
	}
}
