package sparkworkflow_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkworkflow"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	os.Exit(testenv.RunWith(m, &env, testenv.Options{DefaultAdmission: true}))
}

// fixture is one test's namespace, fake clock and running workflow reconciler. The SparkApplication
// reconciler does not run: tests finish steps by writing their applications' status, as it would.
type fixture struct {
	t   *testing.T
	ns  string
	clk *clocktesting.FakeClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, ns: env.Namespace(t), clk: clocktesting.NewFakeClock(time.Now())}
}

// start runs a controller manager with only the workflow reconciler until stop is called or the test ends.
// wrap, when set, wraps the client the reconciler writes with.
func (f *fixture) start(wrap func(client.Client) client.Client) (stop func()) {
	f.t.Helper()
	return env.StartManager(f.t, f.ns, func(mgr ctrl.Manager) error {
		c := mgr.GetClient()
		if wrap != nil {
			c = wrap(c)
		}
		r := &sparkworkflow.Reconciler{Client: c, APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorderFor("stoke-operator"),
			Options: sparkworkflow.Options{Clock: f.clk}}
		return r.SetupWithManager(mgr)
	})
}

func ptr[T any](v T) *T { return &v }

// app is a small Scala application whose arguments may carry references.
func app(args ...string) stokev1.SparkApplicationSpec {
	return stokev1.SparkApplicationSpec{
		Type:                stokev1.ApplicationTypeScala,
		SparkVersion:        "3.5.7",
		Image:               "spark:3.5.7",
		MainClass:           ptr("org.example.Step"),
		MainApplicationFile: ptr("local:///opt/job.jar"),
		Arguments:           args,
	}
}

func step(name string, args ...string) stokev1.WorkflowStep {
	return stokev1.WorkflowStep{Name: name, Template: stokev1.StepTemplate{Application: app(args...)}}
}

func after(s stokev1.WorkflowStep, deps ...string) stokev1.WorkflowStep {
	s.Dependencies = deps
	return s
}

func (f *fixture) newWorkflow(name string, spec stokev1.SparkWorkflowSpec, mutate ...func(*stokev1.SparkWorkflow)) *stokev1.SparkWorkflow {
	f.t.Helper()
	wf := &stokev1.SparkWorkflow{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name}, Spec: spec}
	for _, m := range mutate {
		m(wf)
	}
	if err := env.Client.Create(context.Background(), wf); err != nil {
		f.t.Fatalf("creating workflow %s: %v", name, err)
	}
	return wf
}

func (f *fixture) get(name string) *stokev1.SparkWorkflow {
	f.t.Helper()
	wf := &stokev1.SparkWorkflow{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, wf); err != nil {
		f.t.Fatalf("getting workflow %s: %v", name, err)
	}
	return wf
}

func (f *fixture) update(name string, mutate func(*stokev1.SparkWorkflow)) {
	f.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		wf := f.get(name)
		mutate(wf)
		return env.Client.Update(context.Background(), wf)
	})
	if err != nil {
		f.t.Fatalf("updating %s: %v", name, err)
	}
}

var pokes atomic.Int64

// at sets the fake clock and pokes the workflow (an annotation change) so that it is reconciled then.
func (f *fixture) at(name string, t time.Time) {
	f.t.Helper()
	f.clk.SetTime(t)
	f.update(name, func(wf *stokev1.SparkWorkflow) {
		if wf.Annotations == nil {
			wf.Annotations = map[string]string{}
		}
		wf.Annotations["test.stoke.dev/poke"] = strconv.FormatInt(pokes.Add(1), 10)
	})
}

// apps lists the namespace's SparkApplications by name.
func (f *fixture) apps() map[string]*stokev1.SparkApplication {
	f.t.Helper()
	list := &stokev1.SparkApplicationList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(f.ns)); err != nil {
		f.t.Fatalf("listing applications: %v", err)
	}
	out := map[string]*stokev1.SparkApplication{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

func names(apps map[string]*stokev1.SparkApplication) []string {
	var out []string
	for n := range apps {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// waitApps waits until the namespace holds exactly the named applications.
func (f *fixture) waitApps(want ...string) map[string]*stokev1.SparkApplication {
	f.t.Helper()
	slices.Sort(want)
	var got map[string]*stokev1.SparkApplication
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if got = f.apps(); slices.Equal(names(got), want) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.t.Fatalf("timed out waiting for applications %v: have %v; workflows: %s", want, names(got), f.describe())
	return nil
}

func (f *fixture) describe() string {
	list := &stokev1.SparkWorkflowList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(f.ns)); err != nil {
		return err.Error()
	}
	out := ""
	for _, wf := range list.Items {
		out += fmt.Sprintf("\n%s: phase %s, conditions %+v", wf.Name, wf.Status.Phase, wf.Status.Conditions)
		for _, s := range wf.Status.Steps {
			out += fmt.Sprintf("\n  %s %s %s %q", s.Name, s.Phase, s.Application, s.Message)
		}
	}
	return out
}

// waitStatus waits until cond holds for the workflow's status.
func (f *fixture) waitStatus(name, what string, cond func(*stokev1.SparkWorkflow) bool) *stokev1.SparkWorkflow {
	f.t.Helper()
	var wf *stokev1.SparkWorkflow
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if wf = f.get(name); cond(wf) {
			return wf
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.t.Fatalf("timed out waiting for %s; workflows: %s", what, f.describe())
	return nil
}

func (f *fixture) waitPhase(name string, phase stokev1.WorkflowPhase) *stokev1.SparkWorkflow {
	f.t.Helper()
	return f.waitStatus(name, "phase "+string(phase), func(wf *stokev1.SparkWorkflow) bool { return wf.Status.Phase == phase })
}

// finish writes a terminal condition and an attempt with outputs into an application's status, as the
// SparkApplication reconciler would.
func (f *fixture) finish(name string, succeeded bool, result string) {
	f.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		app := &stokev1.SparkApplication{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, app); err != nil {
			return err
		}
		c := metav1.Condition{Type: stokev1.ConditionSucceeded, Status: metav1.ConditionTrue, Reason: "Completed", Message: "attempt 1 completed"}
		code := int32(0)
		if !succeeded {
			c = metav1.Condition{Type: stokev1.ConditionFailed, Status: metav1.ConditionTrue, Reason: "ApplicationFailed", Message: "attempt 1: the driver exited with code 3"}
			code = 3
		}
		meta.SetStatusCondition(&app.Status.Conditions, c)
		app.Status.Phase = stokev1.ApplicationPhase(c.Type)
		app.Status.CurrentAttempt = &stokev1.Attempt{Number: 1, SparkApplicationID: "spark-" + name, ExitCode: &code, Result: result}
		app.Status.TerminationTime = &metav1.Time{Time: time.Now()}
		return env.Client.Status().Update(context.Background(), app)
	})
	if err != nil {
		f.t.Fatalf("finishing application %s: %v", name, err)
	}
}

func stepStatus(wf *stokev1.SparkWorkflow, name string) stokev1.WorkflowStepStatus {
	for _, s := range wf.Status.Steps {
		if s.Name == name {
			return s
		}
	}
	return stokev1.WorkflowStepStatus{}
}

func condition(wf *stokev1.SparkWorkflow, t string) *metav1.Condition {
	return meta.FindStatusCondition(wf.Status.Conditions, t)
}

// countingCreates counts the applications the reconciler creates.
type countingCreates struct {
	client.Client
	creates *atomic.Int64
}

func (c countingCreates) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	err := c.Client.Create(ctx, obj, opts...)
	if err == nil {
		c.creates.Add(1)
	}
	return err
}
