//go:build e2e

package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

const (
	examplesJar = "local:///opt/stoke/examples/stoke-examples.jar"
	sparkPi     = "dev.stoke.examples.SparkPi"
	failingJob  = "dev.stoke.examples.FailingJob"
	loadJob     = "dev.stoke.examples.LoadJob"
	shuffleJob  = "dev.stoke.examples.ShuffleJob"
	jobTimeout  = 6 * time.Minute
)

// eachVersion runs f as a parallel subtest per Spark version, holding a Spark slot while it runs.
func eachVersion(t *testing.T, f func(t *testing.T, version string)) {
	for _, v := range h.Versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			sparkSlot(t)
			f(t, v)
		})
	}
}

func executorSelector(appID string) map[string]string {
	return map[string]string{"spark-app-selector": appID, "spark-role": "executor"}
}

// driverID waits for the first attempt's Spark application id.
func driverID(t *testing.T, ns, name string) string {
	t.Helper()
	var id string
	eventually(t, 2*time.Minute, name+" getting a Spark application id", func() (bool, error) {
		app := get(t, ns, name)
		if app.Status.CurrentAttempt != nil {
			id = app.Status.CurrentAttempt.SparkApplicationID
		}
		return id != "", nil
	})
	return id
}

// waitExecutorsRunning waits until at least n executors of the application run.
func waitExecutorsRunning(t *testing.T, ns, appID string, n int) {
	t.Helper()
	eventually(t, 3*time.Minute, "executors running", func() (bool, error) {
		return runningPods(pods(t, ns, executorSelector(appID))) >= n, nil
	})
}

func TestSparkPiSucceeds(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		app := runSparkPi(t, ns, version)
		if app.Status.Phase != stokev1.PhaseSucceeded {
			t.Fatalf("phase %s", app.Status.Phase)
		}
		cur := app.Status.CurrentAttempt
		if cur.Number != 1 || cur.ExitCode == nil || *cur.ExitCode != 0 || cur.Outcome != stokev1.OutcomeSucceeded {
			t.Errorf("attempt = %+v, want attempt 1 succeeded with exit code 0", cur)
		}
		if !strings.HasPrefix(cur.SparkApplicationID, "spark-") || cur.FirstExecutorTime == nil || cur.DriverStartTime == nil {
			t.Errorf("attempt lacks the application id or start times: %+v", cur)
		}
		if app.Status.Executors.Requested != 2 {
			t.Errorf("executors requested = %d, want 2", app.Status.Executors.Requested)
		}
		driver := &corev1.Pod{}
		if err := h.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: cur.DriverPodName}, driver); err != nil {
			t.Fatalf("the finished driver pod is kept for its logs: %v", err)
		}
		if got := driver.Labels["spark-app-selector"]; got != cur.SparkApplicationID {
			t.Errorf("driver spark-app-selector %q, status says %q", got, cur.SparkApplicationID)
		}
		if log := podLog(ns, cur.DriverPodName, 0); !strings.Contains(log, "Pi is roughly 3.1") {
			t.Errorf("driver log has no pi estimate:\n%s", tail(log, 20))
		}
	})
}

func TestPySparkSucceeds(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		app := App(ns, "pypi", version, "", "4")
		app.Spec.Type = stokev1.ApplicationTypePython
		app.Spec.MainClass = nil
		app.Spec.MainApplicationFile = ptr.To("local:///opt/stoke/examples/pi.py")
		create(t, app)
		got := waitPhase(t, ns, "pypi", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if got.Status.Phase != stokev1.PhaseSucceeded {
			t.Fatalf("phase %s", got.Status.Phase)
		}
		if log := podLog(ns, got.Status.CurrentAttempt.DriverPodName, 0); !strings.Contains(log, "Pi is roughly 3.1") {
			t.Errorf("driver log has no pi estimate:\n%s", tail(log, 20))
		}
	})
}

func TestShuffleAcrossExecutors(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		create(t, App(ns, "shuffle", version, shuffleJob, "1000000", "8"))
		got := waitPhase(t, ns, "shuffle", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if got.Status.Phase != stokev1.PhaseSucceeded {
			t.Fatalf("phase %s", got.Status.Phase)
		}
		if log := podLog(ns, got.Status.CurrentAttempt.DriverPodName, 0); !strings.Contains(log, "ShuffleJob regrouped 1000000 rows into 1000 keys") {
			t.Errorf("driver log lacks the shuffle result:\n%s", tail(log, 20))
		}
	})
}

// TestSparkSubmitPodFallback runs the explicit fallback: real spark-submit in a short-lived pod of the
// application's namespace, whose driver the operator then follows like a natively built one.
func TestSparkSubmitPodFallback(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		app := App(ns, "viasubmit", version, sparkPi, "4")
		app.Spec.Submission.Mode = stokev1.SubmissionSparkSubmitPod
		create(t, app)
		got := waitPhase(t, ns, "viasubmit", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if got.Status.Phase != stokev1.PhaseSucceeded {
			t.Fatalf("phase %s", got.Status.Phase)
		}
		submitters := pods(t, ns, map[string]string{"stoke.dev/submitter": "true"})
		if len(submitters) != 1 || submitters[0].Status.Phase != corev1.PodSucceeded {
			t.Fatalf("want one finished spark-submit pod, got %d", len(submitters))
		}
		if log := podLog(ns, submitters[0].Name, 0); !strings.Contains(log, "LoggingPodStatusWatcherImpl") && !strings.Contains(log, "Deployed Spark application") {
			t.Errorf("the submitter pod's log does not show spark-submit deploying the application:\n%s", tail(log, 20))
		}
		cur := got.Status.CurrentAttempt
		if log := podLog(ns, cur.DriverPodName, 0); !strings.Contains(log, "Pi is roughly 3.1") {
			t.Errorf("driver log has no pi estimate:\n%s", tail(log, 20))
		}
		if n := len(pods(t, ns, map[string]string{"spark-role": "driver"})); n != 1 {
			t.Errorf("%d driver pods, want 1", n)
		}
	})
}

func TestFailingJobIsRetriedThenFails(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		app := App(ns, "fails", version, failingJob)
		app.Spec.Executor.Instances = ptr.To[int32](1)
		app.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartOnFailure, OnFailureRetries: ptr.To[int32](1), BackoffSeconds: ptr.To[int32](5)}
		create(t, app)
		got := waitPhase(t, ns, "fails", 2*jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		st := got.Status
		if st.Phase != stokev1.PhaseFailed {
			t.Fatalf("phase %s, want Failed", st.Phase)
		}
		if st.Failures.Application != 2 || st.CurrentAttempt.Number != 2 || len(st.PastAttempts) != 1 {
			t.Fatalf("failures %+v, attempt %d, past attempts %d: want 2 application failures over 2 attempts", st.Failures, st.CurrentAttempt.Number, len(st.PastAttempts))
		}
		first, second := st.PastAttempts[0], st.CurrentAttempt
		for _, a := range []stokev1.Attempt{first, *second} {
			if a.Outcome != stokev1.OutcomeApplicationFailure || a.ExitCode == nil || *a.ExitCode == 0 || a.Reason == "" {
				t.Errorf("attempt %d = outcome %s exit %v reason %q: want an application failure with a non-zero exit code", a.Number, a.Outcome, a.ExitCode, a.Reason)
			}
		}
		if gap := second.SubmissionTime.Sub(first.EndTime.Time); gap < 4*time.Second {
			t.Errorf("attempt 2 started %s after attempt 1 ended, want the 5s backoff", gap)
		}
		failed := findCondition(st.Conditions, stokev1.ConditionFailed)
		if failed == nil || failed.Status != metav1.ConditionTrue || failed.Reason != "ApplicationFailed" {
			t.Errorf("Failed condition = %+v", failed)
		}
		// Events are recorded asynchronously, after the status write the phase came from: wait for them.
		eventually(t, 30*time.Second, "the Retrying and Failed events", func() (bool, error) {
			reasons := eventReasons(t, ns, "fails")
			return reasons["Retrying"] && reasons["Failed"], nil
		})
		if log := podLog(ns, second.DriverPodName, 0); !strings.Contains(log, "FailingJob fails on purpose") {
			t.Errorf("driver log lacks the exception:\n%s", tail(log, 20))
		}
	})
}

func TestExecutorLossIsReplaced(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		create(t, App(ns, "lose", version, loadJob, "1", "6", "6"))
		id := driverID(t, ns, "lose")
		waitExecutorsRunning(t, ns, id, 2)
		victims := pods(t, ns, executorSelector(id))
		victim := victims[0]
		if err := h.Client.Delete(context.Background(), &victim, client.GracePeriodSeconds(0)); err != nil {
			t.Fatalf("deleting executor %s: %v", victim.Name, err)
		}
		t.Logf("deleted executor pod %s", victim.Name)
		eventually(t, 3*time.Minute, "a replacement executor", func() (bool, error) {
			for _, p := range pods(t, ns, executorSelector(id)) {
				if p.Name != victims[0].Name && p.Name != victims[len(victims)-1].Name && p.Status.Phase == corev1.PodRunning {
					return true, nil
				}
			}
			return false, nil
		})
		got := waitPhase(t, ns, "lose", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if got.Status.Phase != stokev1.PhaseSucceeded || got.Status.CurrentAttempt.Number != 1 {
			t.Fatalf("phase %s in attempt %d, want success in attempt 1", got.Status.Phase, got.Status.CurrentAttempt.Number)
		}
		if log := podLog(ns, got.Status.CurrentAttempt.DriverPodName, 0); !strings.Contains(log, "LoadJob done") {
			t.Errorf("driver log lacks the end of the job:\n%s", tail(log, 20))
		}
	})
}

func TestDynamicAllocationScalesUpAndDown(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		// One busy stage of 12 three-second tasks, then 30 idle seconds (executors idle out after 5).
		app := App(ns, "dyn", version, loadJob, "1", "12", "3", "30")
		app.Spec.Executor.Instances = nil
		app.Spec.DynamicAllocation = &stokev1.DynamicAllocation{
			Enabled: true, InitialExecutors: ptr.To[int32](0), MinExecutors: ptr.To[int32](0), MaxExecutors: ptr.To[int32](3),
			ShuffleTrackingEnabled: ptr.To(true), ExecutorIdleTimeoutSeconds: ptr.To[int64](5),
		}
		app.Spec.SparkConf["spark.dynamicAllocation.schedulerBacklogTimeout"] = "1s"
		app.Spec.SparkConf["spark.dynamicAllocation.sustainedSchedulerBacklogTimeout"] = "1s"
		lifetimes := watchPodLifetimes(t, ns)
		create(t, app)
		id := driverID(t, ns, "dyn")
		peak := 0
		eventually(t, 4*time.Minute, "scale up to at least 2 executors", func() (bool, error) {
			peak = max(peak, runningPods(pods(t, ns, executorSelector(id))))
			return peak >= 2, nil
		})
		t.Logf("scaled up to %d executors", peak)
		eventually(t, 3*time.Minute, "scale down to 0 executors while the driver idles", func() (bool, error) {
			app := get(t, ns, "dyn")
			if app.Status.Phase != stokev1.PhaseRunning {
				t.Fatalf("the application left Running (%s) before its executors were released", app.Status.Phase)
			}
			return len(pods(t, ns, executorSelector(id))) == 0, nil
		})
		got := waitPhase(t, ns, "dyn", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if got.Status.Phase != stokev1.PhaseSucceeded {
			t.Fatalf("phase %s", got.Status.Phase)
		}
		// The executors that came and went are in the application's usage, as long as the pods lived.
		checkUsage(t, got, lifetimes.usage())
	})
}

func TestDeleteMidRunRemovesEverything(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		app := App(ns, "del", version, loadJob, "1", "4", "120")
		create(t, app)
		id := driverID(t, ns, "del")
		waitExecutorsRunning(t, ns, id, 1)
		if err := h.Client.Delete(context.Background(), app); err != nil {
			t.Fatalf("deleting the application: %v", err)
		}
		eventually(t, 3*time.Minute, "driver, executors, Services and ConfigMaps gone", func() (bool, error) {
			var pl corev1.PodList
			var sl corev1.ServiceList
			var cl corev1.ConfigMapList
			for _, l := range []client.ObjectList{&pl, &sl, &cl} {
				if err := h.Client.List(context.Background(), l, client.InNamespace(ns)); err != nil {
					return false, err
				}
			}
			left := len(pl.Items) + len(sl.Items)
			for _, cm := range cl.Items {
				if cm.Name != "kube-root-ca.crt" {
					left++
				}
			}
			return left == 0, nil
		})
	})
}

func TestSuspendThenResume(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		create(t, App(ns, "pause", version, loadJob, "1", "4", "5"))
		id := driverID(t, ns, "pause")
		waitExecutorsRunning(t, ns, id, 1)
		setSuspend(t, ns, "pause", true)
		waitPhase(t, ns, "pause", 2*time.Minute, stokev1.PhaseSuspended)
		eventually(t, 2*time.Minute, "suspended pods gone", func() (bool, error) {
			return len(pods(t, ns, map[string]string{"spark-app-selector": id})) == 0, nil
		})
		setSuspend(t, ns, "pause", false)
		got := waitPhase(t, ns, "pause", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if got.Status.Phase != stokev1.PhaseSucceeded || got.Status.CurrentAttempt.Number != 2 {
			t.Fatalf("phase %s in attempt %d, want success in attempt 2", got.Status.Phase, got.Status.CurrentAttempt.Number)
		}
		if len(got.Status.PastAttempts) != 1 || got.Status.PastAttempts[0].Outcome != stokev1.OutcomeSuspended {
			t.Errorf("past attempts %+v, want one Suspended", got.Status.PastAttempts)
		}
	})
}

// TestOperatorKilledAfterDriverCreate kills the operator with SIGKILL the moment the driver pod appears,
// before it can record the attempt, restarts it, and expects exactly one driver pod and a finished job.
// It runs alone (not in parallel) because it stops the shared operator.
func TestOperatorKilledAfterDriverCreate(t *testing.T) {
	for _, version := range h.Versions {
		t.Run(version, func(t *testing.T) {
			ns := Namespace(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w, err := h.Clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "spark-role=driver"})
			if err != nil {
				t.Fatalf("watching pods: %v", err)
			}
			create(t, App(ns, "crash", version, sparkPi, "4"))
			var mu sync.Mutex
			drivers := map[string]bool{}
			for ev := range w.ResultChan() {
				if ev.Type == watch.Added {
					h.Operator.Kill()
					drivers[ev.Object.(*corev1.Pod).Name] = true
					break
				}
			}
			t.Logf("killed the operator after driver pod %v was created", keys(drivers))
			go func() {
				for ev := range w.ResultChan() {
					if p, ok := ev.Object.(*corev1.Pod); ok {
						mu.Lock()
						drivers[p.Name] = true
						mu.Unlock()
					}
				}
			}()
			if err := h.Operator.Start(); err != nil {
				t.Fatalf("restarting the operator: %v", err)
			}
			got := waitPhase(t, ns, "crash", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
			cancel()
			if got.Status.Phase != stokev1.PhaseSucceeded || got.Status.CurrentAttempt.Number != 1 || len(got.Status.PastAttempts) != 0 {
				t.Fatalf("phase %s, attempt %d, past attempts %d: want success in the one attempt", got.Status.Phase, got.Status.CurrentAttempt.Number, len(got.Status.PastAttempts))
			}
			mu.Lock()
			defer mu.Unlock()
			if n := len(pods(t, ns, map[string]string{"spark-role": "driver"})); n != 1 || len(drivers) != 1 {
				t.Fatalf("%d driver pods now, %d ever seen (%v): want exactly one", n, len(drivers), keys(drivers))
			}
		})
	}
}

func setSuspend(t *testing.T, ns, name string, suspend bool) {
	t.Helper()
	app := get(t, ns, name)
	patch := client.MergeFrom(app.DeepCopy())
	app.Spec.Suspend = suspend
	if err := h.Client.Patch(context.Background(), app, patch); err != nil {
		t.Fatalf("setting suspend=%v: %v", suspend, err)
	}
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func eventReasons(t *testing.T, ns, name string) map[string]bool {
	t.Helper()
	var list corev1.EventList
	if err := h.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatalf("listing events: %v", err)
	}
	out := map[string]bool{}
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == "SparkApplication" && e.InvolvedObject.Name == name {
			out[e.Reason] = true
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
