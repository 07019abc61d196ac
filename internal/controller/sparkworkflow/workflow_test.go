package sparkworkflow_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// TestChainPassesOutputs: a later step is created only once its dependency finished, with the dependency's
// result and application id substituted; the exit step runs last and sees the outcome.
func TestChainPassesOutputs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	exit := step("notify", "--status={{ .Workflow.Status }}", "--rows={{ .Steps.count.Result }}")
	f.newWorkflow("etl", stokev1.SparkWorkflowSpec{
		Parameters: []stokev1.WorkflowParameter{{Name: "table", Value: ptr("orders")}},
		Steps: []stokev1.WorkflowStep{
			step("extract", "--table={{ .Params.table }}"),
			after(step("count", "--input={{ .Steps.extract.Result }}", "--app={{ .Steps.extract.ApplicationID }}"), "extract"),
			exit,
		},
		OnExit: "notify",
	})
	apps := f.waitApps("etl-extract")
	if got := apps["etl-extract"].Spec.Arguments; !slices.Equal(got, []string{"--table=orders"}) {
		t.Errorf("extract arguments = %q", got)
	}
	extract := apps["etl-extract"]
	if ref := metav1.GetControllerOf(extract); ref == nil || ref.Kind != "SparkWorkflow" || ref.Name != "etl" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("extract's controller = %+v: deleting the workflow must delete its steps", ref)
	}
	if extract.Labels[stokev1.LabelWorkflow] != "etl" || extract.Labels[stokev1.LabelWorkflowStep] != "extract" {
		t.Errorf("extract's labels = %v", extract.Labels)
	}
	wf := f.waitStatus("etl", "a running summary", func(wf *stokev1.SparkWorkflow) bool {
		return stepStatus(wf, "extract").Phase == stokev1.StepRunning
	})
	if s := stepStatus(wf, "count"); s.Phase != stokev1.StepPending || !strings.Contains(s.Message, "waiting for extract") {
		t.Errorf("count = %+v, want Pending waiting for extract", s)
	}
	if wf.Status.Phase != stokev1.WorkflowPhaseRunning || wf.Status.StartTime == nil {
		t.Errorf("phase %s, start %v", wf.Status.Phase, wf.Status.StartTime)
	}
	f.finish("etl-extract", true, "s3a://lake/tmp/orders")
	apps = f.waitApps("etl-extract", "etl-count")
	if got := apps["etl-count"].Spec.Arguments; !slices.Equal(got, []string{"--input=s3a://lake/tmp/orders", "--app=spark-etl-extract"}) {
		t.Errorf("count arguments = %q", got)
	}
	f.finish("etl-count", true, "1234")
	apps = f.waitApps("etl-extract", "etl-count", "etl-notify")
	if got := apps["etl-notify"].Spec.Arguments; !slices.Equal(got, []string{"--status=Succeeded", "--rows=1234"}) {
		t.Errorf("exit step arguments = %q", got)
	}
	f.finish("etl-notify", true, "")
	wf = f.waitPhase("etl", stokev1.WorkflowPhaseSucceeded)
	if wf.Status.Progress.Total != 3 || wf.Status.Progress.Succeeded != 3 || wf.Status.TerminationTime == nil {
		t.Errorf("progress %+v, termination %v", wf.Status.Progress, wf.Status.TerminationTime)
	}
	s := stepStatus(wf, "count")
	if s.Application != "etl-count" || s.Result != "1234" || s.ExitCode == nil || *s.ExitCode != 0 || s.Attempt != 1 || s.SparkApplicationID != "spark-etl-count" || s.StartTime == nil || s.EndTime == nil {
		t.Errorf("count's summary = %+v", s)
	}
	if last := wf.Status.Steps[len(wf.Status.Steps)-1]; last.Name != "notify" {
		t.Errorf("the exit step is not last in the summary: %+v", wf.Status.Steps)
	}
}

// TestFanOutOverAnOutput: a step fans out over the JSON array an earlier step wrote, within the
// parallelism limit, and a later step reads all the items' results.
func TestFanOutOverAnOutput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	load := after(step("load", "--partition={{ .Item }}"), "list")
	load.ItemsFrom = ".Steps.list.Result"
	f.newWorkflow("fan", stokev1.SparkWorkflowSpec{
		Parallelism: ptr(int32(2)),
		Steps: []stokev1.WorkflowStep{
			step("list"),
			load,
			after(step("report", "--counts={{ .Steps.load.Results }}"), "load"),
		},
	})
	f.waitApps("fan-list")
	f.finish("fan-list", true, `["2026-11-01","2026-11-02","2026-11-03"]`)
	apps := f.waitApps("fan-list", "fan-load-0", "fan-load-1")
	if got := apps["fan-load-1"].Spec.Arguments; !slices.Equal(got, []string{"--partition=2026-11-02"}) {
		t.Errorf("load-1 arguments = %q", got)
	}
	wf := f.waitStatus("fan", "load-2 waiting for a slot", func(wf *stokev1.SparkWorkflow) bool {
		return strings.Contains(stepStatus(wf, "load-2").Message, "waiting for a slot")
	})
	if s := stepStatus(wf, "load-2"); s.Step != "load" || s.Phase != stokev1.StepPending {
		t.Errorf("load-2 = %+v", s)
	}
	testenv.Consistently(t, "parallelism 2 holds", func() bool { return len(f.apps()) == 3 })
	f.finish("fan-load-0", true, "10")
	f.waitApps("fan-list", "fan-load-0", "fan-load-1", "fan-load-2")
	f.finish("fan-load-1", true, "20")
	f.finish("fan-load-2", true, "30")
	apps = f.waitApps("fan-list", "fan-load-0", "fan-load-1", "fan-load-2", "fan-report")
	if got := apps["fan-report"].Spec.Arguments; !slices.Equal(got, []string{`--counts=["10","20","30"]`}) {
		t.Errorf("report arguments = %q", got)
	}
}

// TestFailFastThenRetryInPlace: a failed step stops what depends on it and fails the workflow; a retry
// reruns the failed step and its dependants and keeps the step that succeeded, application and all.
func TestFailFastThenRetryInPlace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newWorkflow("daily", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{
		step("extract"),
		after(step("transform", "--in={{ .Steps.extract.Result }}"), "extract"),
		after(step("load"), "transform"),
	}})
	f.waitApps("daily-extract")
	f.finish("daily-extract", true, "part-1")
	f.waitApps("daily-extract", "daily-transform")
	kept := f.apps()["daily-extract"].UID
	f.finish("daily-transform", false, "")
	wf := f.waitPhase("daily", stokev1.WorkflowPhaseFailed)
	if c := condition(wf, stokev1.ConditionFailed); c.Reason != "StepsFailed" || c.Message != "step transform failed" {
		t.Errorf("Failed condition = %+v", c)
	}
	if s := stepStatus(wf, "load"); s.Phase != stokev1.StepOmitted {
		t.Errorf("load = %+v, want Omitted", s)
	}
	if s := stepStatus(wf, "transform"); s.Phase != stokev1.StepFailed || !strings.Contains(s.Message, "exited with code 3") || *s.ExitCode != 3 {
		t.Errorf("transform = %+v", s)
	}

	f.update("daily", func(wf *stokev1.SparkWorkflow) {
		wf.Annotations = map[string]string{stokev1.AnnotationRetry: "r1"}
	})
	wf = f.waitStatus("daily", "the retry", func(wf *stokev1.SparkWorkflow) bool {
		return wf.Status.LastRetryToken == "r1" && wf.Status.Phase == stokev1.WorkflowPhaseRunning
	})
	if wf.Status.Retries != 1 {
		t.Errorf("retries = %d", wf.Status.Retries)
	}
	var apps map[string]*stokev1.SparkApplication
	f.waitStatus("daily", "a new transform", func(*stokev1.SparkWorkflow) bool {
		apps = f.apps()
		tr := apps["daily-transform"]
		return tr != nil && tr.Labels[stokev1.LabelWorkflowRound] == "1" && tr.Status.CurrentAttempt == nil
	})
	if apps["daily-extract"].UID != kept {
		t.Error("the succeeded step was rerun")
	}
	if got := apps["daily-transform"].Spec.Arguments; !slices.Equal(got, []string{"--in=part-1"}) {
		t.Errorf("the retried step lost the kept step's output: arguments %q", got)
	}
	f.finish("daily-transform", true, "")
	f.waitApps("daily-extract", "daily-transform", "daily-load")
	f.finish("daily-load", true, "")
	f.waitPhase("daily", stokev1.WorkflowPhaseSucceeded)
}

// TestDependsAndWhen: a cleanup step that depends on a failure runs and handles it (the workflow
// succeeds); a step whose when is false is skipped.
func TestDependsAndWhen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	cleanup := step("cleanup")
	cleanup.Depends = "load.Failed || load.Errored"
	publish := step("publish")
	publish.Depends = "load.Succeeded"
	audit := after(step("audit"), "load")
	audit.When = `.Params.env == "prod"`
	f.newWorkflow("handled", stokev1.SparkWorkflowSpec{
		Parameters:    []stokev1.WorkflowParameter{{Name: "env", Value: ptr("dev")}},
		FailurePolicy: "RunAll",
		Steps:         []stokev1.WorkflowStep{step("load"), cleanup, publish, audit},
	})
	f.waitApps("handled-load")
	f.finish("handled-load", false, "")
	f.waitApps("handled-load", "handled-cleanup")
	f.finish("handled-cleanup", true, "")
	wf := f.waitPhase("handled", stokev1.WorkflowPhaseSucceeded)
	want := map[string]stokev1.StepPhase{"load": stokev1.StepFailed, "cleanup": stokev1.StepSucceeded, "publish": stokev1.StepOmitted, "audit": stokev1.StepOmitted}
	for name, phase := range want {
		if s := stepStatus(wf, name); s.Phase != phase {
			t.Errorf("%s = %+v, want %s", name, s, phase)
		}
	}

	f.newWorkflow("skip", stokev1.SparkWorkflowSpec{
		Parameters: []stokev1.WorkflowParameter{{Name: "env", Value: ptr("dev")}},
		Steps:      []stokev1.WorkflowStep{step("load"), audit},
	})
	f.waitApps("handled-load", "handled-cleanup", "skip-load")
	f.finish("skip-load", true, "")
	wf = f.waitPhase("skip", stokev1.WorkflowPhaseSucceeded)
	if s := stepStatus(wf, "audit"); s.Phase != stokev1.StepSkipped || s.Message != `when ".Params.env == \"prod\"" is false` {
		t.Errorf("audit = %+v", s)
	}
}

// TestBadWorkflows: what the schema can express is refused at admission; the rest sets the Invalid
// condition naming the step and the problem, and nothing runs.
func TestBadWorkflows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	refused := []struct {
		name string
		spec stokev1.SparkWorkflowSpec
		want string
	}{
		{"duplicate", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("a"), step("a")}}, "Duplicate value"},
		{"both-dependency-forms", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("a"), func() stokev1.WorkflowStep {
			s := after(step("b"), "a")
			s.Depends = "a.Succeeded"
			return s
		}()}}, "set dependencies or depends, not both"},
		{"unknown-exit", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("a")}, OnExit: "done"}, "onExit must name one of steps"},
		{"bad-step-name", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("Load")}}, "spec.steps[0].name"},
		{"no-steps", stokev1.SparkWorkflowSpec{}, "spec.steps"},
	}
	for _, tt := range refused {
		wf := &stokev1.SparkWorkflow{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: tt.name}, Spec: tt.spec}
		err := env.Client.Create(context.Background(), wf)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: create = %v, want a refusal mentioning %q", tt.name, err, tt.want)
		}
	}
	exprStep := step("b")
	exprStep.Depends = "a.Succeeded &&"
	invalid := []struct {
		name   string
		spec   stokev1.SparkWorkflowSpec
		reason string
		want   string
	}{
		{"cycle", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{after(step("a"), "b"), after(step("b"), "a")}},
			"InvalidWorkflow", "steps form a cycle: a -> b -> a"},
		{"unknown-dependency", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{after(step("a"), "x")}},
			"InvalidWorkflow", `step "a": dependencies names unknown step "x"`},
		{"bad-expression", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("a"), exprStep}},
			"InvalidWorkflow", `step "b": depends "a.Succeeded &&": expected a step result`},
		{"missing-parameter", stokev1.SparkWorkflowSpec{Parameters: []stokev1.WorkflowParameter{{Name: "date"}},
			Steps: []stokev1.WorkflowStep{step("a", "--date={{ .Params.date }}")}},
			"InvalidReference", `step "a": .Params.date: parameter date is not declared, or has no value`},
		{"malformed-reference", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("a", "--x={{ .Params.x ")}},
			"InvalidStep", `step "a": template.application.arguments[0]`},
		{"unknown-output", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("a"), step("b", "{{ .Steps.a.Rows }}")}},
			"InvalidReference", `step "b": .Steps.a.Rows: a step's outputs are Result, ExitCode, ApplicationID`},
	}
	for _, tt := range invalid {
		f.newWorkflow(tt.name, tt.spec)
	}
	for _, tt := range invalid {
		wf := f.waitPhase(tt.name, stokev1.WorkflowPhaseInvalid)
		if c := condition(wf, stokev1.ConditionInvalid); c.Reason != tt.reason || !strings.Contains(c.Message, tt.want) {
			t.Errorf("%s: Invalid condition = %s %q, want %s containing %q", tt.name, c.Reason, c.Message, tt.reason, tt.want)
		}
	}
	testenv.Consistently(t, "no step of an invalid workflow runs", func() bool { return len(f.apps()) == 0 })

	// Fixing the spec lets the workflow run.
	f.update("unknown-dependency", func(wf *stokev1.SparkWorkflow) { wf.Spec.Steps[0].Dependencies = nil })
	f.waitApps("unknown-dependency-a")
}

// TestSuspendResumeAndDeadline: a suspended workflow starts no step until resumed; at its deadline the
// running step's application is deleted and the workflow fails.
func TestSuspendResumeAndDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newWorkflow("slow", stokev1.SparkWorkflowSpec{
		Suspend:               true,
		ActiveDeadlineSeconds: ptr(int64(600)),
		Steps:                 []stokev1.WorkflowStep{step("a"), after(step("b"), "a")},
	})
	f.waitPhase("slow", stokev1.WorkflowPhaseSuspended)
	testenv.Consistently(t, "a suspended workflow starts nothing", func() bool { return len(f.apps()) == 0 })
	f.update("slow", func(wf *stokev1.SparkWorkflow) { wf.Spec.Suspend = false })
	f.waitApps("slow-a")
	wf := f.waitPhase("slow", stokev1.WorkflowPhaseRunning)
	f.at("slow", wf.Status.StartTime.Add(601*time.Second))
	wf = f.waitPhase("slow", stokev1.WorkflowPhaseFailed)
	if c := condition(wf, stokev1.ConditionFailed); c.Reason != "DeadlineExceeded" {
		t.Errorf("Failed condition = %+v", c)
	}
	if s := stepStatus(wf, "a"); s.Phase != stokev1.StepFailed || !strings.Contains(s.Message, "deadline") {
		t.Errorf("a = %+v", s)
	}
	if s := stepStatus(wf, "b"); s.Phase != stokev1.StepOmitted {
		t.Errorf("b = %+v", s)
	}
	f.waitApps()
}

// TestTTLDeletesTheWorkflow: a finished workflow is deleted once ttlSecondsAfterFinished has passed.
func TestTTLDeletesTheWorkflow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newWorkflow("brief", stokev1.SparkWorkflowSpec{TTLSecondsAfterFinished: ptr(int64(3600)), Steps: []stokev1.WorkflowStep{step("a")}})
	f.waitApps("brief-a")
	f.finish("brief-a", true, "")
	wf := f.waitPhase("brief", stokev1.WorkflowPhaseSucceeded)
	f.at("brief", wf.Status.TerminationTime.Add(3601*time.Second))
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: "brief"}, &stokev1.SparkWorkflow{})
		if apierrors.IsNotFound(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workflow was not deleted after its TTL: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRestartAdoptsCreatedSteps: an operator that created a step but stopped before storing the status
// (here every status write fails) is replaced by one that adopts the step instead of creating another.
func TestRestartAdoptsCreatedSteps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var creates atomic.Int64
	stop := f.start(func(c client.Client) client.Client { return testenv.FailingStatus(countingCreates{c, &creates}) })
	f.newWorkflow("crash", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{step("a"), step("b")}})
	f.waitApps("crash-a", "crash-b")
	stop()
	if got := f.get("crash").Status.Steps; len(got) != 0 {
		t.Fatalf("the status was stored: %+v", got)
	}
	// What the first operator created is counted from the API server: a create whose response the stop cut
	// off created its application all the same.
	creates.Store(0)
	f.start(func(c client.Client) client.Client { return countingCreates{c, &creates} })
	wf := f.waitStatus("crash", "both steps running", func(wf *stokev1.SparkWorkflow) bool { return wf.Status.Progress.Running == 2 })
	if s := stepStatus(wf, "a"); s.Application != "crash-a" {
		t.Errorf("a = %+v", s)
	}
	f.finish("crash-a", true, "")
	f.finish("crash-b", true, "")
	f.waitPhase("crash", stokev1.WorkflowPhaseSucceeded)
	if creates.Load() != 0 {
		t.Errorf("the new operator created %d applications, want 0: it adopts the two the first one created", creates.Load())
	}
	if apps := f.apps(); len(apps) != 2 {
		t.Errorf("%d applications, want the 2 steps': %v", len(apps), names(apps))
	}
}

// TestDeletedFinishedStepKeepsItsOutcome: a finished step whose application is deleted by hand keeps its
// recorded outcome and output, and is not run again; the next step still reads its result.
func TestDeletedFinishedStepKeepsItsOutcome(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(nil)
	f.newWorkflow("kept", stokev1.SparkWorkflowSpec{Steps: []stokev1.WorkflowStep{
		step("extract"),
		after(step("load", "--in={{ .Steps.extract.Result }}"), "extract", "gate"),
		step("gate"),
	}})
	f.waitApps("kept-extract", "kept-gate")
	f.finish("kept-extract", true, "part-7")
	f.waitStatus("kept", "extract recorded", func(wf *stokev1.SparkWorkflow) bool {
		return stepStatus(wf, "extract").Result == "part-7"
	})
	if err := env.Client.Delete(context.Background(), f.apps()["kept-extract"]); err != nil {
		t.Fatal(err)
	}
	f.waitApps("kept-gate")
	f.finish("kept-gate", true, "")
	apps := f.waitApps("kept-gate", "kept-load")
	if got := apps["kept-load"].Spec.Arguments; !slices.Equal(got, []string{"--in=part-7"}) {
		t.Errorf("load arguments = %q: the deleted step's recorded output was lost", got)
	}
	wf := f.get("kept")
	if s := stepStatus(wf, "extract"); s.Phase != stokev1.StepSucceeded || s.Application != "kept-extract" || s.Result != "part-7" {
		t.Errorf("extract = %+v", s)
	}
	testenv.Consistently(t, "the deleted step is not run again", func() bool { return f.apps()["kept-extract"] == nil })
}
