//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

const pipelineStep = "local:///opt/stoke/examples/pipeline_step.py"

// pipelineApp is a step of examples/python/pipeline_step.py with the host directory dir mounted at /shared
// in the driver and its executor (the local cluster's one node is this machine, so a hostPath volume is a
// volume every step shares).
func pipelineApp(ns, version, dir string, args ...string) stokev1.SparkApplicationSpec {
	spec := App(ns, "", version, "", args...).Spec
	spec.Type = stokev1.ApplicationTypePython
	spec.MainClass = nil
	spec.MainApplicationFile = ptr.To(pipelineStep)
	spec.Executor.Instances = ptr.To[int32](1)
	spec.Volumes = []corev1.Volume{{Name: "shared", VolumeSource: corev1.VolumeSource{
		HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: ptr.To(corev1.HostPathDirectory)}}}}
	mount := []corev1.VolumeMount{{Name: "shared", MountPath: "/shared"}}
	spec.Driver.VolumeMounts, spec.Executor.VolumeMounts = mount, mount
	return spec
}

// sharedDir is a host directory the Spark user (uid 185) can write, removed when the test ends.
func sharedDir(t *testing.T, ns string) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "stoke-e2e-"+ns)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func getWorkflow(t *testing.T, ns, name string) *stokev1.SparkWorkflow {
	t.Helper()
	wf := &stokev1.SparkWorkflow{}
	if err := h.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, wf); err != nil {
		t.Fatalf("getting workflow %s: %v", name, err)
	}
	return wf
}

func workflowStep(wf *stokev1.SparkWorkflow, name string) stokev1.WorkflowStepStatus {
	for _, s := range wf.Status.Steps {
		if s.Name == name {
			return s
		}
	}
	return stokev1.WorkflowStepStatus{}
}

func waitWorkflow(t *testing.T, ns, name string, phases ...stokev1.WorkflowPhase) *stokev1.SparkWorkflow {
	t.Helper()
	var wf *stokev1.SparkWorkflow
	eventually(t, 10*time.Minute, "workflow "+name+" "+string(phases[0]), func() (bool, error) {
		wf = getWorkflow(t, ns, name)
		for _, p := range phases {
			if wf.Status.Phase == p {
				return true, nil
			}
		}
		return false, nil
	})
	return wf
}

// TestWorkflowOfRealSparkSteps runs a four-step pipeline of real Spark steps: generate writes partitioned
// data to a shared volume and names the partitions in its result; count fans out over that result, one
// Spark application per partition, each reading what generate wrote; check sums the counts and fails
// until an approval file exists; the exit step records the workflow's outcome. The failed check is then
// retried in place: generate and the counts are kept (same applications), check and the exit step run
// again and the workflow succeeds.
func TestWorkflowOfRealSparkSteps(t *testing.T) {
	t.Parallel()
	sparkSlot(t)
	sparkSlot(t) // two steps run at once
	version := h.Versions[len(h.Versions)-1]
	ns := Namespace(t)
	dir := sharedDir(t, ns)
	step := func(name string, args ...string) stokev1.WorkflowStep {
		return stokev1.WorkflowStep{Name: name, Template: stokev1.StepTemplate{Application: pipelineApp(ns, version, dir, args...)}}
	}
	count := step("count", "count", "{{ .Params.dir }}", "{{ .Item }}")
	count.ItemsFrom = ".Steps.generate.Result"
	check := step("check", "check", "{{ .Params.dir }}")
	check.Dependencies = []string{"count"}
	wf := &stokev1.SparkWorkflow{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "daily"},
		Spec: stokev1.SparkWorkflowSpec{
			Parameters:  []stokev1.WorkflowParameter{{Name: "dir", Value: ptr.To("/shared")}},
			Parallelism: ptr.To[int32](2),
			Steps: []stokev1.WorkflowStep{
				step("generate", "generate", "{{ .Params.dir }}", "3"),
				count,
				check,
				step("notify", "note", "{{ .Params.dir }}", "{{ .Workflow.Status }}"),
			},
			OnExit: "notify",
		},
	}
	if err := h.Client.Create(context.Background(), wf); err != nil {
		t.Fatalf("creating the workflow: %v", err)
	}
	got := waitWorkflow(t, ns, "daily", stokev1.WorkflowPhaseFailed, stokev1.WorkflowPhaseSucceeded)
	if got.Status.Phase != stokev1.WorkflowPhaseFailed {
		t.Fatalf("phase %s, want Failed (check fails without approval): %+v", got.Status.Phase, got.Status.Steps)
	}
	want := map[string]struct {
		phase  stokev1.StepPhase
		result string
	}{
		"generate": {stokev1.StepSucceeded, `["0","1","2"]`},
		"count-0":  {stokev1.StepSucceeded, "1000"}, "count-1": {stokev1.StepSucceeded, "1000"}, "count-2": {stokev1.StepSucceeded, "1000"},
		"check":  {stokev1.StepFailed, ""},
		"notify": {stokev1.StepSucceeded, "Failed"},
	}
	for name, w := range want {
		if s := workflowStep(got, name); s.Phase != w.phase || s.Result != w.result {
			t.Errorf("step %s = %s %q, want %s %q (%+v)", name, s.Phase, s.Result, w.phase, w.result, s)
		}
	}
	if s := workflowStep(got, "check"); s.ExitCode == nil || *s.ExitCode != 3 {
		t.Errorf("check's exit code = %v, want 3", s.ExitCode)
	}
	if outcome, _ := os.ReadFile(filepath.Join(dir, "outcome")); string(outcome) != "Failed" {
		t.Errorf("the exit step recorded %q", outcome)
	}
	kept := map[string]string{}
	for _, name := range []string{"generate", "count-0"} {
		kept[name] = string(get(t, ns, "daily-"+name).UID)
	}

	if err := os.WriteFile(filepath.Join(dir, "approved"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := stoke(t, "workflow", "retry", "daily", "-n", ns); err != nil {
		t.Fatalf("stoke workflow retry: %v\n%s%s", err, out, errOut)
	}
	got = waitWorkflow(t, ns, "daily", stokev1.WorkflowPhaseSucceeded, stokev1.WorkflowPhaseFailed)
	if got.Status.Phase != stokev1.WorkflowPhaseSucceeded || got.Status.Retries != 1 {
		t.Fatalf("after the retry: phase %s, retries %d: %+v", got.Status.Phase, got.Status.Retries, got.Status.Steps)
	}
	if s := workflowStep(got, "check"); s.Result != "3000" {
		t.Errorf("check = %+v, want result 3000", s)
	}
	for name, uid := range kept {
		if now := string(get(t, ns, "daily-"+name).UID); now != uid {
			t.Errorf("step %s was rerun by the retry", name)
		}
	}
	if outcome, _ := os.ReadFile(filepath.Join(dir, "outcome")); string(outcome) != "Succeeded" {
		t.Errorf("the exit step recorded %q after the retry", outcome)
	}
	out, errOut, err := stoke(t, "describe", "workflow", "daily", "-n", ns)
	if err != nil || !strings.Contains(out, "count-2") || !strings.Contains(out, "notify") {
		t.Errorf("stoke describe workflow: %v\n%s%s", err, out, errOut)
	}
}

// TestScheduleEveryMinuteGivesRunsTheirLogicalTime: a schedule firing every minute starts a real Spark
// run whose argument is its logical time, which the driver returns as its result. It takes no Spark slot:
// it spends most of its time waiting for the minute, and its one run (a driver and an executor) is small
// enough to share the machine with the workflow's steps.
func TestScheduleEveryMinuteGivesRunsTheirLogicalTime(t *testing.T) {
	t.Parallel()
	version := h.Versions[0]
	ns := Namespace(t)
	spec := pipelineApp(ns, version, sharedDir(t, ns), "echo", `{{ .ScheduledTime | date "2006-01-02T15:04Z07:00" }}`)
	s := &stokev1.ScheduledSparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "minutely"},
		Spec: stokev1.ScheduledSparkApplicationSpec{
			Schedule:          "* * * * *",
			ConcurrencyPolicy: stokev1.ConcurrencyForbid,
			Template:          stokev1.ScheduleTemplate{Application: &spec},
		},
	}
	if err := h.Client.Create(context.Background(), s); err != nil {
		t.Fatalf("creating the schedule: %v", err)
	}
	var run stokev1.SparkApplication
	eventually(t, 5*time.Minute, "a scheduled run succeeding", func() (bool, error) {
		var apps stokev1.SparkApplicationList
		if err := h.Client.List(context.Background(), &apps, client.InNamespace(ns)); err != nil {
			return false, err
		}
		for _, a := range apps.Items {
			if a.Status.Phase == stokev1.PhaseSucceeded {
				run = a
				return true, nil
			}
		}
		return false, nil
	})
	logical, err := time.Parse(time.RFC3339, run.Annotations[stokev1.AnnotationScheduledTime])
	if err != nil {
		t.Fatalf("run %s: scheduled-time annotation: %v", run.Name, err)
	}
	if logical.Second() != 0 || time.Since(logical) > 10*time.Minute {
		t.Errorf("logical time %v is not a recent minute", logical)
	}
	if got, want := run.Status.CurrentAttempt.Result, logical.Format("2006-01-02T15:04Z07:00"); got != want {
		t.Errorf("the run's driver returned %q, want its logical time %q", got, want)
	}
	if err := h.Client.Delete(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}
