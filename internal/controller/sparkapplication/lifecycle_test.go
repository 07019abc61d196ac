package sparkapplication_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/spark"
)

func TestHappyPathCreatesDriverObjectsAndSucceeds(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "pi")
	create(t, app)

	driver := waitAttempt(t, ns, "pi", 1)
	app = waitPhase(t, ns, "pi", stokev1.PhaseSubmitted)
	if !metav1.IsControlledBy(driver, app) {
		t.Errorf("driver pod is not controlled by the application: %v", driver.OwnerReferences)
	}
	names := spark.NamesFor("pi", app.UID, 1)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.ConfigMap}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.DriverService}}
	eventually(t, 10*time.Second, "ConfigMap and Service", func() (bool, error) { return exists(t, cm) && exists(t, svc), nil })
	for _, obj := range []metav1.Object{cm, svc} {
		if !metav1.IsControlledBy(obj, driver) {
			t.Errorf("%s is not owned by the driver pod: %v", obj.GetName(), obj.GetOwnerReferences())
		}
	}
	if cur := app.Status.CurrentAttempt; cur.SparkApplicationID != names.AppID || cur.SubmissionTime == nil {
		t.Errorf("attempt status = %+v", cur)
	}

	running(t, driver)
	app = waitPhase(t, ns, "pi", stokev1.PhaseRunning)
	if app.Status.UIAddress != "http://"+names.DriverService+"."+ns+".svc:4040" {
		t.Errorf("uiAddress = %q", app.Status.UIAddress)
	}
	executorPod(t, driver, 1, corev1.PodRunning)
	executorPod(t, driver, 2, corev1.PodPending)
	eventually(t, 10*time.Second, "executor counts", func() (bool, error) {
		e := getApp(t, ns, "pi").Status.Executors
		return e.Running == 1 && e.Pending == 1 && e.Requested == 2, nil
	})

	exited(t, driver, 0)
	app = waitPhase(t, ns, "pi", stokev1.PhaseSucceeded)
	cur := app.Status.CurrentAttempt
	if cur.Outcome != stokev1.OutcomeSucceeded || cur.ExitCode == nil || *cur.ExitCode != 0 || cur.EndTime == nil {
		t.Errorf("ended attempt = %+v", cur)
	}
	if app.Status.TerminationTime == nil || app.Status.UIAddress != "" {
		t.Errorf("status after success: termination %v, ui %q", app.Status.TerminationTime, app.Status.UIAddress)
	}
	eventually(t, 10*time.Second, "the UI Service and executors to go", func() (bool, error) {
		return !exists(t, svc) && len(podsWithRole(t, ns, spark.RoleExecutor)) == 0, nil
	})
	if !exists(t, driver) {
		t.Errorf("the finished driver pod should be kept for its logs")
	}
	eventually(t, 10*time.Second, "events", func() (bool, error) {
		r := eventReasons(t, ns, "pi")
		return r["Submitted"] > 0 && r["DriverRunning"] > 0 && r["AttemptSucceeded"] > 0 && r["Succeeded"] > 0, nil
	})
}

func TestApplicationFailureRetriedWithBackoffThenFails(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "flaky")
	app.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartOnFailure, OnFailureRetries: ptr(int32(2)), BackoffSeconds: ptr(int32(1)), MaxBackoffSeconds: ptr(int32(2))}
	create(t, app)

	var failedAt time.Time
	for attempt := int32(1); attempt <= 3; attempt++ {
		driver := waitAttempt(t, ns, "flaky", attempt)
		if attempt > 1 {
			// Backoff 1s after the first failure, doubled (and capped at 2s) after the second.
			want := time.Duration(attempt-1) * time.Second
			if gap := time.Since(failedAt); gap < want-100*time.Millisecond {
				t.Errorf("attempt %d started %s after the failure, before its %s backoff", attempt, gap, want)
			}
		}
		running(t, driver)
		waitPhase(t, ns, "flaky", stokev1.PhaseRunning)
		exited(t, driver, 3)
		failedAt = time.Now()
		if attempt < 3 {
			app = waitPhase(t, ns, "flaky", stokev1.PhaseRetrying)
			if app.Status.NextAttemptTime == nil || condition(app, stokev1.ConditionRetrying).Reason != "Backoff" {
				t.Errorf("retrying status = %+v", app.Status)
			}
		}
	}
	app = waitPhase(t, ns, "flaky", stokev1.PhaseFailed)
	failed := condition(app, stokev1.ConditionFailed)
	if failed.Reason != "ApplicationFailed" || !strings.Contains(failed.Message, "exited with code 3") {
		t.Errorf("Failed condition = %+v", failed)
	}
	if app.Status.Failures.Application != 3 || app.Status.Failures.Infrastructure != 0 {
		t.Errorf("failures = %+v", app.Status.Failures)
	}
	if len(app.Status.PastAttempts) != 2 || *app.Status.PastAttempts[0].ExitCode != 3 || app.Status.PastAttempts[0].Outcome != stokev1.OutcomeApplicationFailure {
		t.Errorf("past attempts = %+v", app.Status.PastAttempts)
	}
	if n := len(podsWithRole(t, ns, spark.RoleDriver)); n != 3 {
		t.Errorf("want the 3 finished driver pods kept for logs, got %d", n)
	}
	if r := eventReasons(t, ns, "flaky"); r["Retrying"] < 2 || r["Failed"] < 1 {
		t.Errorf("events = %v", r)
	}
}

func TestNeverPolicyFailsOnFirstFailure(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	create(t, newApp(ns, "once"))
	driver := waitAttempt(t, ns, "once", 1)
	exited(t, driver, 1)
	app := waitPhase(t, ns, "once", stokev1.PhaseFailed)
	if app.Status.CurrentAttempt.Number != 1 || app.Status.Failures.Application != 1 {
		t.Errorf("status = %+v", app.Status)
	}
}

func TestInfrastructureFailuresCountedSeparately(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "infra")
	app.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartOnInfrastructureFailure, OnInfrastructureFailureRetries: ptr(int32(2)), BackoffSeconds: ptr(int32(0))}
	create(t, app)

	// Attempt 1: the image cannot be pulled.
	d1 := waitAttempt(t, ns, "infra", 1)
	setContainer(t, d1, corev1.PodPending, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "pull access denied"}}, false)
	// Attempt 2: evicted while running.
	d2 := waitAttempt(t, ns, "infra", 2)
	if exists(t, d1) {
		t.Errorf("the pending driver of a failed attempt must be deleted")
	}
	running(t, d2)
	waitPhase(t, ns, "infra", stokev1.PhaseRunning)
	pod := &corev1.Pod{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(d2), pod); err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase, pod.Status.Reason, pod.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
	pod.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error"}}
	if err := env.Client.Status().Update(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	// Attempt 3: the application itself fails, which OnInfrastructureFailure does not retry.
	d3 := waitAttempt(t, ns, "infra", 3)
	exited(t, d3, 1)
	app = waitPhase(t, ns, "infra", stokev1.PhaseFailed)

	if f := app.Status.Failures; f.Infrastructure != 2 || f.Application != 1 {
		t.Errorf("failures = %+v", f)
	}
	reasons := []string{app.Status.PastAttempts[0].Reason, app.Status.PastAttempts[1].Reason}
	if reasons[0] != "ImagePullError" || reasons[1] != "Evicted" {
		t.Errorf("attempt reasons = %v", reasons)
	}
	if c := condition(app, stokev1.ConditionFailed); c.Reason != "ApplicationFailed" || !strings.Contains(c.Message, "does not retry application failures") {
		t.Errorf("Failed = %+v", c)
	}
}

func TestUnschedulableBeyondStartTimeoutIsInfrastructureFailure(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "nowhere")
	app.Spec.Timeouts.DriverStartSeconds = ptr(int32(2))
	create(t, app)
	driver := waitAttempt(t, ns, "nowhere", 1)
	driver.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available"}}
	driver.Status.Phase = corev1.PodPending
	if err := env.Client.Status().Update(context.Background(), driver); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "Unschedulable reason while waiting", func() (bool, error) {
		c := condition(getApp(t, ns, "nowhere"), stokev1.ConditionRunning)
		return c != nil && c.Reason == "Unschedulable", nil
	})
	app = waitPhase(t, ns, "nowhere", stokev1.PhaseFailed)
	if c := condition(app, stokev1.ConditionFailed); c.Reason != "InfrastructureFailed" || app.Status.CurrentAttempt.Reason != "Unschedulable" {
		t.Errorf("Failed = %+v, attempt = %+v", c, app.Status.CurrentAttempt)
	}
	if exists(t, driver) {
		t.Errorf("the unschedulable driver pod must be deleted")
	}
}

func TestDriverStartTimeout(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "slow")
	app.Spec.Timeouts.DriverStartSeconds = ptr(int32(1))
	create(t, app)
	waitAttempt(t, ns, "slow", 1)
	app = waitPhase(t, ns, "slow", stokev1.PhaseFailed)
	if app.Status.CurrentAttempt.Reason != "DriverStartTimeout" || app.Status.CurrentAttempt.Outcome != stokev1.OutcomeInfrastructureFailure {
		t.Errorf("attempt = %+v", app.Status.CurrentAttempt)
	}
}

func TestExecutorStartTimeout(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "noexec")
	app.Spec.Timeouts.ExecutorStartSeconds = ptr(int32(1))
	create(t, app)
	running(t, waitAttempt(t, ns, "noexec", 1))
	app = waitPhase(t, ns, "noexec", stokev1.PhaseFailed)
	if app.Status.CurrentAttempt.Reason != "ExecutorStartTimeout" {
		t.Errorf("attempt = %+v", app.Status.CurrentAttempt)
	}
}

func TestMissingDriverDeclaredLostOnlyAfterGrace(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	create(t, newApp(ns, "lost"))
	driver := waitAttempt(t, ns, "lost", 1)
	running(t, driver)
	waitPhase(t, ns, "lost", stokev1.PhaseRunning)
	if err := env.Client.Delete(context.Background(), driver); err != nil {
		t.Fatal(err)
	}
	app := waitPhase(t, ns, "lost", stokev1.PhaseFailed)
	cur := app.Status.CurrentAttempt
	if cur.Reason != "DriverLost" || cur.Outcome != stokev1.OutcomeInfrastructureFailure {
		t.Errorf("attempt = %+v", cur)
	}
	if lostAfter := cur.EndTime.Sub(cur.SubmissionTime.Time); lostAfter < 2*time.Second {
		t.Errorf("declared lost %s after submission, within the 2s grace", lostAfter)
	}
}

func TestSpecChangeOfRunningApplicationStartsNewAttempt(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	create(t, newApp(ns, "change"))
	d1 := waitAttempt(t, ns, "change", 1)
	running(t, d1)
	waitPhase(t, ns, "change", stokev1.PhaseRunning)

	updateSpec(t, ns, "change", func(s *stokev1.SparkApplicationSpec) { s.Arguments = []string{"5000"} })
	d2 := waitAttempt(t, ns, "change", 2)
	if got := d2.Spec.Containers[0].Args; got[len(got)-1] != "5000" {
		t.Errorf("attempt 2 args = %v", got)
	}
	app := getApp(t, ns, "change")
	if len(app.Status.PastAttempts) != 1 || app.Status.PastAttempts[0].Outcome != stokev1.OutcomeSuperseded {
		t.Errorf("past attempts = %+v", app.Status.PastAttempts)
	}
	if app.Status.Failures != (stokev1.FailureCounts{}) {
		t.Errorf("a superseded attempt is not a failure: %+v", app.Status.Failures)
	}
	eventually(t, 10*time.Second, "old driver deleted", func() (bool, error) { return !exists(t, d1), nil })

	// A change that does not shape the driver (the TTL) does not restart it.
	updateSpec(t, ns, "change", func(s *stokev1.SparkApplicationSpec) { s.TimeToLiveSeconds = ptr(int64(3600)) })
	time.Sleep(time.Second)
	if n := getApp(t, ns, "change").Status.CurrentAttempt.Number; n != 2 {
		t.Errorf("a TTL change started attempt %d", n)
	}
}

func TestSuspendDeletesPodsAndResumeStartsNewAttempt(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	create(t, newApp(ns, "pause"))
	d1 := waitAttempt(t, ns, "pause", 1)
	running(t, d1)
	waitPhase(t, ns, "pause", stokev1.PhaseRunning)
	exec := executorPod(t, d1, 1, corev1.PodRunning)

	setSuspend(t, ns, "pause", true)
	app := waitPhase(t, ns, "pause", stokev1.PhaseSuspended)
	if app.Status.CurrentAttempt.Outcome != stokev1.OutcomeSuspended {
		t.Errorf("attempt = %+v", app.Status.CurrentAttempt)
	}
	eventually(t, 10*time.Second, "driver and executor deleted", func() (bool, error) { return !exists(t, d1) && !exists(t, exec), nil })

	setSuspend(t, ns, "pause", false)
	d2 := waitAttempt(t, ns, "pause", 2)
	running(t, d2)
	waitPhase(t, ns, "pause", stokev1.PhaseRunning)
	if r := eventReasons(t, ns, "pause"); r["Suspended"] < 1 || r["Resumed"] < 1 {
		t.Errorf("events = %v", r)
	}
}

func setSuspend(t *testing.T, ns, name string, suspend bool) {
	t.Helper()
	updateSpec(t, ns, name, func(s *stokev1.SparkApplicationSpec) { s.Suspend = suspend })
}

func TestTTLDeletesFinishedApplication(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "shortlived")
	app.Spec.TimeToLiveSeconds = ptr(int64(1))
	create(t, app)
	exited(t, waitAttempt(t, ns, "shortlived", 1), 0)
	waitPhase(t, ns, "shortlived", stokev1.PhaseSucceeded)
	eventually(t, 15*time.Second, "TTL deletion", func() (bool, error) {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "shortlived"}, &stokev1.SparkApplication{})
		return apierrors.IsNotFound(err), nil
	})
}

func TestLongNameGetsValidObjectNames(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	name := strings.Repeat("very-long-application-name.", 8)[:200]
	create(t, newApp(ns, name))
	driver := waitAttempt(t, ns, name, 1)
	app := getApp(t, ns, name)
	names := spark.NamesFor(name, app.UID, 1)
	for _, n := range []string{names.DriverService, names.ExecutorPrefix + "-exec-1000"} {
		if errs := validation.IsDNS1035Label(n); len(errs) > 0 {
			t.Errorf("%q: %v", n, errs)
		}
	}
	if errs := validation.IsDNS1123Subdomain(driver.Name); len(errs) > 0 {
		t.Errorf("%q: %v", driver.Name, errs)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.DriverService}}
	eventually(t, 10*time.Second, "service", func() (bool, error) { return exists(t, svc), nil })
	if v := driver.Labels[spark.LabelAppName]; len(v) > 63 || len(validation.IsValidLabelValue(v)) > 0 {
		t.Errorf("spark-app-name label %q", v)
	}
}

func TestUnrenderableSpecFailsWithReasonAndNoRetryLoop(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "clash")
	// A user volume named like Stoke's own conf volume cannot be rendered.
	app.Spec.Volumes = []corev1.Volume{{Name: spark.SparkConfVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	app.Spec.Driver.VolumeMounts = []corev1.VolumeMount{{Name: spark.SparkConfVolume, MountPath: "/x"}}
	app.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartAlways}
	create(t, app)
	app = waitPhase(t, ns, "clash", stokev1.PhaseFailed)
	c := condition(app, stokev1.ConditionFailed)
	if c.Reason != "InvalidSpec" || !strings.Contains(c.Message, spark.SparkConfVolume) {
		t.Errorf("Failed = %+v", c)
	}
	if app.Status.CurrentAttempt != nil || len(podsWithRole(t, ns, spark.RoleDriver)) != 0 {
		t.Errorf("nothing should have been created: %+v", app.Status.CurrentAttempt)
	}

	// Another event without a spec change does not render it again.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		a := getApp(t, ns, "clash")
		a.Annotations = map[string]string{"touched": "yes"}
		return env.Client.Update(context.Background(), a)
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if r := eventReasons(t, ns, "clash"); r["InvalidSpec"] != 1 || r["SpecChanged"] != 0 {
		t.Errorf("an unchanged invalid spec was tried again: events %v", r)
	}

	// Fixing the spec runs the application.
	updateSpec(t, ns, "clash", func(s *stokev1.SparkApplicationSpec) {
		s.Volumes[0].Name, s.Driver.VolumeMounts[0].Name = "scratch", "scratch"
	})
	waitAttempt(t, ns, "clash", 1)
	waitPhase(t, ns, "clash", stokev1.PhaseSubmitted)
}

// TestDriverResultIsRecorded: what the driver writes to its termination message is the attempt's result
// (a workflow's later steps read it), bounded like every other status string.
func TestDriverResultIsRecorded(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	create(t, newApp(ns, "counted"))
	driver := waitAttempt(t, ns, "counted", 1)
	running(t, driver)
	waitPhase(t, ns, "counted", stokev1.PhaseRunning)
	exitedWith(t, driver, 0, `{"rows": 1234}`)
	app := waitPhase(t, ns, "counted", stokev1.PhaseSucceeded)
	if got := app.Status.CurrentAttempt.Result; got != `{"rows": 1234}` {
		t.Errorf("result = %q", got)
	}

	create(t, newApp(ns, "chatty"))
	driver = waitAttempt(t, ns, "chatty", 1)
	exitedWith(t, driver, 0, strings.Repeat("x", 4000))
	app = waitPhase(t, ns, "chatty", stokev1.PhaseSucceeded)
	if got := app.Status.CurrentAttempt.Result; len(got) > 1024 || !strings.HasSuffix(got, "[truncated]") {
		t.Errorf("a 4000-byte result was kept as %d bytes ending %q", len(got), got[max(0, len(got)-20):])
	}
}

// TestRecreatedApplicationReplacesTheOldAttemptsLeftovers: an application deleted and created again under the
// same name (as a workflow retry does) while the garbage collector has deleted the old driver pod but not yet
// the ConfigMap and Service it owned (envtest runs no garbage collector, so they stay). The new attempt must
// not adopt them: they hold the old application's spark.properties and would vanish under the new driver.
func TestRecreatedApplicationReplacesTheOldAttemptsLeftovers(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	ctx := context.Background()
	create(t, newApp(ns, "again"))
	old := waitAttempt(t, ns, "again", 1)
	first := getApp(t, ns, "again")
	names := spark.NamesFor("again", first.UID, 1)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.ConfigMap}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.DriverService}}
	eventually(t, 10*time.Second, "the first attempt's ConfigMap and Service", func() (bool, error) { return exists(t, cm) && exists(t, svc), nil })

	if err := env.Client.Delete(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(ctx, old, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the old application and driver pod gone", func() (bool, error) {
		return !exists(t, &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "again"}}) &&
			!exists(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: old.Name}}), nil
	})

	create(t, newApp(ns, "again"))
	driver := waitAttempt(t, ns, "again", 1)
	second := getApp(t, ns, "again")
	newID := spark.NamesFor("again", second.UID, 1).AppID
	eventually(t, 20*time.Second, "the new driver's own ConfigMap and Service", func() (bool, error) {
		c, s := &corev1.ConfigMap{}, &corev1.Service{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cm), c); err != nil {
			return false, nil
		}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(svc), s); err != nil {
			return false, nil
		}
		return metav1.IsControlledBy(c, driver) && metav1.IsControlledBy(s, driver) &&
			strings.Contains(c.Data[spark.PropertiesFileKey], "spark.app.id="+newID), nil
	})
}

// TestRunAwaitingItsScheduleSaysSo: a run an HTTP trigger created (suspended, annotated) is Suspended with
// reason AwaitingSchedule and no driver, and starts its first attempt when its schedule releases it.
func TestRunAwaitingItsScheduleSaysSo(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	app := newApp(ns, "triggered")
	app.Spec.Suspend = true
	app.Labels = map[string]string{stokev1.LabelSchedule: "ingest"}
	app.Annotations = map[string]string{stokev1.AnnotationAwaitingSchedule: "true"}
	create(t, app)
	got := waitPhase(t, ns, "triggered", stokev1.PhaseSuspended)
	c := meta.FindStatusCondition(got.Status.Conditions, stokev1.ConditionSuspended)
	if c == nil || c.Reason != sparkapplication.ReasonAwaitingSchedule || !strings.Contains(c.Message, "schedule ingest") || got.Status.CurrentAttempt != nil {
		t.Errorf("condition %+v, attempt %+v: want AwaitingSchedule naming the schedule, and no attempt", c, got.Status.CurrentAttempt)
	}
	setSuspend(t, ns, "triggered", false)
	running(t, waitAttempt(t, ns, "triggered", 1))
	waitPhase(t, ns, "triggered", stokev1.PhaseRunning)
}
