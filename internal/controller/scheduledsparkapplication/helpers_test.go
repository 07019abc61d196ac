package scheduledsparkapplication_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
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
	"github.com/stokehq/stoke/internal/controller/scheduledsparkapplication"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/schedule"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	os.Exit(testenv.RunWith(m, &env, testenv.Options{DefaultAdmission: true}))
}

// fixture is one test's namespace, fake clock and running schedule reconciler.
type fixture struct {
	t   *testing.T
	ns  string
	clk *clocktesting.FakeClock
	// first is a fire time of a "* * * * *" schedule created now: at least a minute after now, so that a
	// schedule created seconds later (its creation time is the API server's real time) still fires then.
	first time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := time.Now()
	f := &fixture{t: t, ns: env.Namespace(t), clk: clocktesting.NewFakeClock(now), first: now.Truncate(time.Minute).Add(2 * time.Minute)}
	return f
}

// start runs a controller manager with only the schedule reconciler, on the fixture's clock, until stop is
// called or the test ends. wrap, when set, wraps the client the reconciler writes with.
func (f *fixture) start(wrap func(client.Client) client.Client) (stop func()) {
	f.t.Helper()
	return env.StartManager(f.t, f.ns, func(mgr ctrl.Manager) error {
		c := mgr.GetClient()
		if wrap != nil {
			c = wrap(c)
		}
		r := &scheduledsparkapplication.Reconciler{
			Client: c, APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorderFor("stoke-operator"),
			Options: scheduledsparkapplication.Options{Clock: f.clk},
		}
		return r.SetupWithManager(mgr)
	})
}

// startOperator runs Stoke's real controller manager (every reconciler), limited to the fixture's
// namespace, until the test ends.
func (f *fixture) startOperator() {
	f.t.Helper()
	mgr, err := operator.NewManager(env.Config, operator.Config{
		MetricsAddress: "0", HealthAddress: "0", Namespaces: []string{f.ns}, SeveralManagersPerProcess: true,
	})
	if err != nil {
		f.t.Fatalf("creating manager: %v", err)
	}
	testenv.RunManager(f.t, mgr.Start)
}

// newSchedule is a "* * * * *" schedule of a small Scala application whose argument carries the logical time.
func (f *fixture) newSchedule(name string, mutate ...func(*stokev1.ScheduledSparkApplication)) *stokev1.ScheduledSparkApplication {
	s := &stokev1.ScheduledSparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec: stokev1.ScheduledSparkApplicationSpec{
			Schedule: "* * * * *",
			Template: stokev1.ScheduleTemplate{
				Metadata: stokev1.TemplateMetadata{Labels: map[string]string{"team": "data"}},
				Application: &stokev1.SparkApplicationSpec{
					Type:                stokev1.ApplicationTypeScala,
					SparkVersion:        "3.5.7",
					Image:               "spark:3.5.7",
					MainClass:           ptr("org.example.Daily"),
					MainApplicationFile: ptr("local:///opt/job.jar"),
					Arguments:           []string{`--at={{ .ScheduledTime | date "2006-01-02T15:04Z07:00" }}`},
				},
			},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	if err := env.Client.Create(context.Background(), s); err != nil {
		f.t.Fatalf("creating schedule %s: %v", name, err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

var pokes atomic.Int64

// at sets the fake clock and pokes the schedule (an annotation change) so that it is reconciled at that
// time: the reconciler's requeue runs on real time.
func (f *fixture) at(name string, t time.Time) {
	f.t.Helper()
	f.clk.SetTime(t)
	f.annotate(name, "test.stoke.dev/poke", strconv.FormatInt(pokes.Add(1), 10))
}

func (f *fixture) annotate(name, key, value string) {
	f.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s := f.get(name)
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[key] = value
		return env.Client.Update(context.Background(), s)
	})
	if err != nil {
		f.t.Fatalf("annotating %s: %v", name, err)
	}
}

func (f *fixture) update(name string, mutate func(*stokev1.ScheduledSparkApplication)) {
	f.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s := f.get(name)
		mutate(s)
		return env.Client.Update(context.Background(), s)
	})
	if err != nil {
		f.t.Fatalf("updating %s: %v", name, err)
	}
}

func (f *fixture) get(name string) *stokev1.ScheduledSparkApplication {
	f.t.Helper()
	s := &stokev1.ScheduledSparkApplication{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, s); err != nil {
		f.t.Fatalf("getting schedule %s: %v", name, err)
	}
	return s
}

// runs lists the namespace's SparkApplications, by name.
func (f *fixture) runs() []stokev1.SparkApplication {
	f.t.Helper()
	list := &stokev1.SparkApplicationList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(f.ns)); err != nil {
		f.t.Fatalf("listing runs: %v", err)
	}
	slices.SortFunc(list.Items, func(a, b stokev1.SparkApplication) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return list.Items
}

func runNames(apps []stokev1.SparkApplication) []string {
	var names []string
	for _, a := range apps {
		names = append(names, a.Name)
	}
	return names
}

// waitRuns waits until the namespace holds exactly the named runs.
func (f *fixture) waitRuns(want ...string) []stokev1.SparkApplication {
	f.t.Helper()
	slices.Sort(want)
	var got []stokev1.SparkApplication
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if got = f.runs(); slices.Equal(runNames(got), want) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.t.Fatalf("timed out waiting for runs %v: have %v, schedules' status %s", want, runNames(got), f.statuses())
	return nil
}

// waitStatus waits until cond holds for the schedule's status and returns the schedule.
func (f *fixture) waitStatus(name, what string, cond func(*stokev1.ScheduledSparkApplication) bool) *stokev1.ScheduledSparkApplication {
	f.t.Helper()
	var s *stokev1.ScheduledSparkApplication
	eventually(f.t, what, func() bool {
		s = f.get(name)
		return cond(s)
	})
	return s
}

// waitHandled waits until the schedule's status was computed at or after the last poke: lastScheduleTime
// is at least t.
func (f *fixture) waitLast(name string, t time.Time) *stokev1.ScheduledSparkApplication {
	f.t.Helper()
	return f.waitStatus(name, "lastScheduleTime "+t.Format(time.RFC3339), func(s *stokev1.ScheduledSparkApplication) bool {
		return s.Status.LastScheduleTime != nil && !s.Status.LastScheduleTime.Time.Before(t)
	})
}

// statuses describes the namespace's schedules, for failure messages.
func (f *fixture) statuses() string {
	list := &stokev1.ScheduledSparkApplicationList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(f.ns)); err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, s := range list.Items {
		fmt.Fprintf(&b, "\n%s: %+v", s.Name, s.Status)
	}
	return b.String()
}

// finish writes a terminal condition into a run's status, as the SparkApplication reconciler would.
func (f *fixture) finish(name string, succeeded bool) {
	f.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		app := &stokev1.SparkApplication{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, app); err != nil {
			return err
		}
		c := metav1.Condition{Type: stokev1.ConditionSucceeded, Status: metav1.ConditionTrue, Reason: "Completed", Message: "driver exited 0"}
		if !succeeded {
			c = metav1.Condition{Type: stokev1.ConditionFailed, Status: metav1.ConditionTrue, Reason: "ApplicationFailed", Message: "driver exited 1"}
		}
		meta.SetStatusCondition(&app.Status.Conditions, c)
		app.Status.TerminationTime = &metav1.Time{Time: time.Now()}
		return env.Client.Status().Update(context.Background(), app)
	})
	if err != nil {
		f.t.Fatalf("finishing run %s: %v", name, err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func condition(s *stokev1.ScheduledSparkApplication, t string) *metav1.Condition {
	return meta.FindStatusCondition(s.Status.Conditions, t)
}

func runName(name string, t time.Time) string { return schedule.RunName(name, t) }
