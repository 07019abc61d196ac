package sparkapplication_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/conditions"
	"github.com/stokehq/stoke/internal/controller/sparkapplication"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/spark"
)

// createCounter counts the operator's create calls (dry runs included) per application, from the
// stoke.dev/application annotation of the pods it creates and the name prefix of everything else.
type createCounter struct {
	client.Client
	mu     sync.Mutex
	counts map[string]int
}

func (c *createCounter) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	if app := obj.GetAnnotations()[spark.AnnotationApplication]; app != "" {
		c.counts[obj.GetNamespace()+"/"+app]++
	}
	c.mu.Unlock()
	return c.Client.Create(ctx, obj, opts...)
}

func (c *createCounter) creates(ns, app string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[ns+"/"+app]
}

// startCountingOperator runs the operator for the namespaces, counting its creates.
func startCountingOperator(t *testing.T, namespaces ...string) *createCounter {
	t.Helper()
	counter := &createCounter{}
	mgr, err := operator.NewManager(env.Config, operator.Config{
		MetricsAddress: "0", HealthAddress: "0", Namespaces: namespaces, LostDriverGrace: operator.Duration{Duration: 2 * time.Second},
		SeveralManagersPerProcess: true,
		WrapClient: func(c client.Client) client.Client {
			counter.Client = c
			return counter
		},
	})
	if err != nil {
		t.Fatalf("creating manager: %v", err)
	}
	runManager(t, mgr.Start)
	return counter
}

// failedWith waits for the application to fail for good and checks the Failed condition's reason and that
// its message names what it should.
func failedWith(t *testing.T, ns, name, reason string, want ...string) *stokev1.SparkApplication {
	t.Helper()
	app := waitPhase(t, ns, name, stokev1.PhaseFailed)
	c := condition(app, stokev1.ConditionFailed)
	if c == nil || c.Reason != reason {
		t.Fatalf("%s: Failed condition %+v, want reason %s", name, c, reason)
	}
	for _, w := range want {
		if !strings.Contains(c.Message, w) {
			t.Errorf("%s: Failed message does not mention %q:\n%s", name, w, c.Message)
		}
	}
	return app
}

// waitingFor waits for the Waiting condition with the reason.
func waitingFor(t *testing.T, ns, name, reason string, want ...string) *metav1.Condition {
	t.Helper()
	var c *metav1.Condition
	eventually(t, 30*time.Second, name+" waiting for "+reason, func() (bool, error) {
		c = condition(getApp(t, ns, name), stokev1.ConditionWaiting)
		return c != nil && c.Status == metav1.ConditionTrue && c.Reason == reason, nil
	})
	for _, w := range want {
		if !strings.Contains(c.Message, w) {
			t.Errorf("%s: Waiting message does not mention %q:\n%s", name, w, c.Message)
		}
	}
	return c
}

// livePodsOf lists the application's pods that are not being deleted.
func livePodsOf(t *testing.T, ns, name string) []string {
	t.Helper()
	list := &corev1.PodList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range list.Items {
		if p.Annotations[spark.AnnotationApplication] == name && p.DeletionTimestamp.IsZero() {
			out = append(out, p.Name)
		}
	}
	return out
}

// goodAppRuns submits a valid application next to the bad ones and waits for its driver pod.
func goodAppRuns(t *testing.T, ns, name string) {
	t.Helper()
	create(t, newApp(ns, name))
	waitAttempt(t, ns, name, 1)
	waitPhase(t, ns, name, stokev1.PhaseSubmitted)
}

// TestBadApplicationsFailClearlyBeforeAnyPod: specs the API server stores but that can only fail later
// (executors the API server or admission would refuse, sizes beyond what Kubernetes holds, settings Stoke would
// otherwise override, sidecars on Spark's ports, malformed URIs) fail before any pod exists, with the exact
// reason and the field named, are never retried, and do not stop a valid application beside them. The
// namespace enforces the baseline Pod Security level, with the default admission plugins on.
func TestBadApplicationsFailClearlyBeforeAnyPod(t *testing.T) {
	ns := env.Namespace(t)
	labelNamespace(t, ns, map[string]string{"pod-security.kubernetes.io/enforce": "baseline"})
	counter := startCountingOperator(t, ns)
	privileged := &corev1.SecurityContext{Privileged: ptr(true)}
	cases := []struct {
		name   string
		change func(*stokev1.SparkApplicationSpec)
		reason string
		want   []string
	}{
		// 3. arithmetic overflow and sizes beyond what Kubernetes holds
		{"heap-95eib", func(s *stokev1.SparkApplicationSpec) { s.Driver.Memory = ptr("97280p") }, sparkapplication.ReasonInvalidSpec,
			[]string{"spec.driver.memory", `"97280p"`, "64 TiB"}},
		{"heap-overflow", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.executor.memory": "99999999999999999p"}
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.sparkConf[spark.executor.memory]", "too large"}},
		// 6. executors that can never start
		{"exec-cpu-limit", func(s *stokev1.SparkApplicationSpec) {
			s.Executor.Cores, s.Executor.CoreLimit = ptr(int32(2)), ptr("500m")
		},
			sparkapplication.ReasonInvalidSpec, []string{"spec.executor.coreLimit", "below the CPU request"}},
		{"exec-memory-conf", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.executor.memory": "4 gigs"}
		},
			sparkapplication.ReasonInvalidSpec, []string{"spec.sparkConf[spark.executor.memory]", `"4 gigs"`}},
		{"exec-label", func(s *stokev1.SparkApplicationSpec) { s.Executor.Labels = map[string]string{"team": "data science"} },
			sparkapplication.ReasonInvalidSpec, []string{"spec.executor.labels[team]"}},
		{"exec-toleration", func(s *stokev1.SparkApplicationSpec) {
			s.Executor.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Value: "yes"}}
		}, sparkapplication.ReasonExecutorPodRejected, []string{"executor pods would be refused", "tolerations[0]"}},
		{"exec-template-name", func(s *stokev1.SparkApplicationSpec) {
			s.Executor.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: spark.ExecutorContainerName}, {Name: "Bad_Sidecar", Image: "busybox"}}}}
		}, sparkapplication.ReasonExecutorPodRejected, []string{"Bad_Sidecar"}},
		{"exec-pod-security", func(s *stokev1.SparkApplicationSpec) { s.Executor.SecurityContext = privileged },
			sparkapplication.ReasonExecutorPodRejected, []string{"violates PodSecurity", "privileged"}},
		// 4. admission refusals a retry cannot fix
		{"driver-pod-security", func(s *stokev1.SparkApplicationSpec) { s.Driver.SecurityContext = privileged },
			sparkapplication.ReasonSubmissionRejected, []string{"violates PodSecurity", "privileged"}},
		{"driver-invalid", func(s *stokev1.SparkApplicationSpec) {
			s.Driver.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Value: "yes"}}
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.tolerations[0]"}},
		// 7. silent overrides become refusals
		{"reserved-label-conf", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.kubernetes.driver.label.spark-role": "boss"}
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.sparkConf[spark.kubernetes.driver.label.spark-role]", "cannot be set"}},
		{"reserved-label-template", func(s *stokev1.SparkApplicationSpec) {
			s.Executor.Template = &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"spark-app-selector": "x"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: spark.ExecutorContainerName}}}}
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.executor.template.metadata.labels[spark-app-selector]"}},
		{"conf-replaced-by-spec", func(s *stokev1.SparkApplicationSpec) {
			s.SparkConf = map[string]string{"spark.executor.memory": "8g"}
			s.Executor.Memory = ptr("2g")
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.sparkConf[spark.executor.memory]", `"8g"`, `makes it "2g"`}},
		{"conf-not-an-integer", func(s *stokev1.SparkApplicationSpec) { s.SparkConf = map[string]string{"spark.executor.cores": "two"} },
			sparkapplication.ReasonInvalidSpec, []string{"spec.sparkConf[spark.executor.cores]", `"two"`}},
		{"port-zero", func(s *stokev1.SparkApplicationSpec) { s.SparkConf = map[string]string{"spark.driver.port": "0"} },
			sparkapplication.ReasonInvalidSpec, []string{"spec.sparkConf[spark.driver.port]", `"0"`}},
		// 8. starts that can only fail later
		{"sidecar-on-spark-port", func(s *stokev1.SparkApplicationSpec) {
			s.Driver.Sidecars = []corev1.Container{{Name: "ui-proxy", Image: "envoy", Ports: []corev1.ContainerPort{{ContainerPort: 4040}}}}
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.driver.sidecars[0].ports[0].containerPort"}},
		{"uri-bad-host", func(s *stokev1.SparkApplicationSpec) { s.Deps.Jars = []string{"https://exa^mple.com/lib.jar"} },
			sparkapplication.ReasonInvalidSpec, []string{"spec.deps.jars[0]", "exa^mple.com"}},
		{"metrics-without-ui", func(s *stokev1.SparkApplicationSpec) {
			s.Monitoring.Metrics = ptr(true)
			s.SparkConf = map[string]string{"spark.ui.enabled": "false"}
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.monitoring.metrics", "spark.ui.enabled"}},
		{"ui-ingress-without-ui", func(s *stokev1.SparkApplicationSpec) {
			s.Monitoring.Metrics = ptr(false)
			s.UI = &stokev1.SparkUI{Ingress: &stokev1.UIIngress{}}
			s.SparkConf = map[string]string{"spark.ui.enabled": "false"}
		}, sparkapplication.ReasonInvalidSpec, []string{"spec.ui", "spark.ui.enabled"}},
	}
	for _, tc := range cases {
		app := newApp(ns, tc.name)
		tc.change(&app.Spec)
		create(t, app)
	}
	goodAppRuns(t, ns, "good")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			failedWith(t, ns, tc.name, tc.reason, tc.want...)
			if pods := livePodsOf(t, ns, tc.name); len(pods) > 0 {
				t.Errorf("pods exist for a refused application: %v", pods)
			}
			if e := eventReasons(t, ns, tc.name); e[tc.reason] == 0 {
				t.Errorf("no %s event: %v", tc.reason, e)
			}
		})
	}
	// Never a retry loop: nothing more is tried for any of them.
	before := map[string]int{}
	for _, tc := range cases {
		before[tc.name] = counter.creates(ns, tc.name)
	}
	time.Sleep(3 * time.Second)
	for _, tc := range cases {
		if n := counter.creates(ns, tc.name); n != before[tc.name] {
			t.Errorf("%s: %d more creates after it failed", tc.name, n-before[tc.name])
		}
		if cur := getApp(t, ns, tc.name).Status.CurrentAttempt; cur != nil {
			t.Errorf("%s: an attempt was recorded: %+v", tc.name, cur)
		}
	}
}

func labelNamespace(t *testing.T, ns string, labels map[string]string) {
	t.Helper()
	obj := &corev1.Namespace{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: ns}, obj); err != nil {
		t.Fatal(err)
	}
	if obj.Labels == nil {
		obj.Labels = map[string]string{}
	}
	for k, v := range labels {
		obj.Labels[k] = v
	}
	if err := env.Client.Update(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
}

// TestMissingServiceAccountAndPriorityClassAreWaitedFor: a service account or priority class that does not
// exist yet makes the application wait, with a condition saying for what and backoff instead of a hot loop;
// once it exists, the application runs.
func TestMissingServiceAccountAndPriorityClassAreWaitedFor(t *testing.T) {
	ns := env.Namespace(t)
	counter := startCountingOperator(t, ns)
	sa := newApp(ns, "needs-sa")
	sa.Spec.Driver.ServiceAccount = ptr("spark-later")
	create(t, sa)
	pc := newApp(ns, "needs-pc")
	pcName := strings.ToLower(strings.ReplaceAll(t.Name(), "_", "-"))[:20] + fmt.Sprint(time.Now().UnixNano()%100000)
	pc.Spec.Driver.PriorityClassName = ptr(pcName)
	create(t, pc)
	goodAppRuns(t, ns, "good")

	waitingFor(t, ns, "needs-sa", sparkapplication.ReasonWaitingForServiceAccount, "spark-later")
	waitingFor(t, ns, "needs-pc", sparkapplication.ReasonWaitingForPriorityClass, pcName)
	for _, name := range []string{"needs-sa", "needs-pc"} {
		if phase := getApp(t, ns, name).Status.Phase; phase != stokev1.PhasePending {
			t.Errorf("%s: phase %s while waiting, want Pending", name, phase)
		}
		if e := eventReasons(t, ns, name); e[condition(getApp(t, ns, name), stokev1.ConditionWaiting).Reason] != 1 {
			t.Errorf("%s: want one event for the wait, got %v", name, e)
		}
	}
	// Backoff, not a hot loop: over 6 seconds of waiting, a handful of tries (1s, 1s, 2s, 4s apart).
	start := counter.creates(ns, "needs-sa")
	time.Sleep(6 * time.Second)
	if tries := counter.creates(ns, "needs-sa") - start; tries < 1 || tries > 6 {
		t.Errorf("%d creates in 6s of waiting, want a backoff's handful", tries)
	}

	create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "spark-later", Namespace: ns}})
	class := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: pcName}, Value: 1000}
	create(t, class)
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), class) })
	for _, name := range []string{"needs-sa", "needs-pc"} {
		eventually(t, 90*time.Second, name+" to start once what it waited for exists", func() (bool, error) {
			return getApp(t, ns, name).Status.Phase == stokev1.PhaseSubmitted, nil
		})
		if c := condition(getApp(t, ns, name), stokev1.ConditionWaiting); c == nil || c.Status != metav1.ConditionFalse {
			t.Errorf("%s: Waiting condition after the start: %+v", name, c)
		}
	}
}

// TestRefusedSiblingRollsTheAttemptBack: when the driver's ConfigMap is refused after the driver pod exists
// (too large; or over quota), the driver pod is deleted again: no orphan. Quota is waited for; once it
// allows the ConfigMap, the application runs.
func TestRefusedSiblingRollsTheAttemptBack(t *testing.T) {
	ns := env.Namespace(t)
	startCountingOperator(t, ns)
	goodAppRuns(t, ns, "good")
	big := newApp(ns, "too-big")
	big.Spec.SparkConf = map[string]string{"spark.stoke.padding": strings.Repeat("x", 1100*1024)}
	create(t, big)
	failedWith(t, ns, "too-big", sparkapplication.ReasonInvalidSpec, "ConfigMap", "too-big-1-driver-conf-map")
	eventually(t, 30*time.Second, "the half-created attempt's driver pod to go", func() (bool, error) {
		return len(livePodsOf(t, ns, "too-big")) == 0, nil
	})

	// A quota that allows no further ConfigMap, with its usage recorded as the quota controller would.
	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "no-configmaps", Namespace: ns},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/configmaps": resource.MustParse("0")}}}
	create(t, quota)
	quota.Status = corev1.ResourceQuotaStatus{Hard: quota.Spec.Hard, Used: corev1.ResourceList{"count/configmaps": resource.MustParse("0")}}
	if err := env.Client.Status().Update(context.Background(), quota); err != nil {
		t.Fatal(err)
	}
	create(t, newApp(ns, "over-quota"))
	waitingFor(t, ns, "over-quota", sparkapplication.ReasonWaitingForQuota, "exceeded quota", "no-configmaps")
	eventually(t, 30*time.Second, "the waiting attempt's driver pod to go", func() (bool, error) {
		return len(livePodsOf(t, ns, "over-quota")) == 0, nil
	})
	if err := env.Client.Delete(context.Background(), quota); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, "over-quota to start once the quota is gone", func() (bool, error) {
		return getApp(t, ns, "over-quota").Status.Phase == stokev1.PhaseSubmitted, nil
	})
	if pods := livePodsOf(t, ns, "over-quota"); len(pods) != 1 {
		t.Errorf("driver pods of over-quota: %v, want exactly one", pods)
	}
}

// TestLongMessagesAreBounded: an API server refusal listing hundreds of errors, and a driver that ends with
// a long termination message and an odd reason, still give status the API server accepts: messages cut
// cleanly with a marker, reasons made valid.
func TestLongMessagesAreBounded(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	goodAppRuns(t, ns, "good")
	noisy := newApp(ns, "noisy-refusal")
	tpl := &corev1.PodTemplateSpec{}
	tpl.Spec.Containers = append(tpl.Spec.Containers, corev1.Container{Name: spark.DriverContainerName})
	for i := 0; i < 300; i++ {
		tpl.Spec.Containers = append(tpl.Spec.Containers, corev1.Container{Name: fmt.Sprintf("Not_A_Valid_Container_Name_%03d", i), Image: "busybox"})
	}
	noisy.Spec.Driver.Template = tpl
	create(t, noisy)
	app := failedWith(t, ns, "noisy-refusal", sparkapplication.ReasonInvalidSpec, "Not_A_Valid_Container_Name_000")
	if msg := condition(app, stokev1.ConditionFailed).Message; len(msg) > conditions.MaxConditionMessage || !strings.HasSuffix(msg, conditions.TruncationMarker) {
		t.Errorf("condition message is %d bytes (limit %d), ends %q", len(msg), conditions.MaxConditionMessage, msg[max(len(msg)-40, 0):])
	}

	create(t, newApp(ns, "long-goodbye"))
	driver := waitAttempt(t, ns, "long-goodbye", 1)
	setContainer(t, driver, corev1.PodFailed, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 3, Reason: "Out Of Memory: killed (by the JVM)", Message: strings.Repeat("Exception in thread main ", 600)}}, false)
	app = waitPhase(t, ns, "long-goodbye", stokev1.PhaseFailed)
	cur := app.Status.CurrentAttempt
	if len(cur.Message) > conditions.MaxAttemptMessage || !strings.HasSuffix(cur.Message, conditions.TruncationMarker) {
		t.Errorf("attempt message is %d bytes, ends %q", len(cur.Message), cur.Message[max(len(cur.Message)-40, 0):])
	}
	if cur.Reason != "OutOfMemory:killedbytheJVM" {
		t.Errorf("attempt reason %q", cur.Reason)
	}
	if c := condition(app, stokev1.ConditionFailed); c == nil || len(c.Message) > conditions.MaxConditionMessage {
		t.Errorf("Failed condition %+v", c)
	}
}

// TestOutOfRangeValuesRejectedAtAdmission: numbers beyond what the Go types (and sensible limits) hold,
// including inside the embedded Kubernetes types, are refused by the API server with the field named, so
// nothing undecodable is ever stored.
func TestOutOfRangeValuesRejectedAtAdmission(t *testing.T) {
	ns := env.Namespace(t)
	cases := []struct {
		name  string
		path  []string
		value any
		want  string
	}{
		{"instances", []string{"executor", "instances"}, 3000000000, "spec.executor.instances"},
		{"instances-sensible", []string{"executor", "instances"}, 5000000, "spec.executor.instances"},
		{"ttl", []string{"timeToLiveSeconds"}, int64(9223372036854775807), "spec.timeToLiveSeconds"},
		{"gpu", []string{"driver", "gpu"}, map[string]any{"name": "nvidia.com/gpu", "quantity": 1 << 40}, "spec.driver.gpu.quantity"},
		{"backoff", []string{"restartPolicy", "backoffSeconds"}, 2147483648, "spec.restartPolicy.backoffSeconds"},
		{"embedded-port", []string{"driver", "sidecars"}, []any{map[string]any{"name": "s", "image": "i",
			"ports": []any{map[string]any{"containerPort": 3000000000}}}}, "spec.driver.sidecars[0].ports[0].containerPort"},
		{"embedded-grace", []string{"executor", "template"}, map[string]any{"spec": map[string]any{"containers": []any{},
			"activeDeadlineSeconds": 1e20}}, "spec.executor.template.spec.activeDeadlineSeconds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := createRaw(ns, "raw-"+tc.name, func(spec map[string]any) {
				m := spec
				for _, k := range tc.path[:len(tc.path)-1] {
					if m[k] == nil {
						m[k] = map[string]any{}
					}
					m = m[k].(map[string]any)
				}
				m[tc.path[len(tc.path)-1]] = tc.value
			})
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an Invalid error naming %s, got %v", tc.want, err)
			}
		})
	}
}
