//go:build e2e

// Package e2e runs real Spark jobs through the Stoke operator on the local single-node cluster
// (hack/cluster.sh) with the images hack/spark-image.sh builds. `make e2e` brings both up and runs it.
//
// The operator is installed with the Helm chart (charts/stoke) from the image `make image` built, and runs
// in a pod with exactly the chart's RBAC; tests kill its container with SIGKILL as a crash would.
// STOKE_E2E_OPERATOR=process runs it instead as a host process with the admin kubeconfig (the old mode,
// for debugging the operator with a local build); STOKE_E2E_OPERATOR=none is a cluster without Stoke (no
// CRD, no operator) for the direct submissions' tests (TestDirect*), which make e2e runs first. Every test gets its own namespace with the driver's
// service account.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/testenv"
)

// Operator is the operator under test, wherever it runs.
type Operator interface {
	// Start returns once the operator is running and ready (in the chart mode: a leader holds the lease).
	Start() error
	// Kill stops it with SIGKILL, as a node failure or an OOM kill would; it stays down until Start.
	Kill()
	// Stop shuts it down cleanly.
	Stop()
	LogTail(lines int) string
}

// Harness is what every test shares: clients for the local cluster, the stoke binary and the operator.
type Harness struct {
	Kubeconfig string
	Binary     string
	Config     *rest.Config
	Client     client.Client
	Clientset  kubernetes.Interface
	Operator   Operator
	Chart      *ChartOperator // nil in the process mode
	Versions   []string
	report     *Report
	sparkSlots chan struct{}
	// Prometheus scrapes the cluster for the whole suite (TestPrometheusScrapesStokeAndSpark); started is
	// when the suite began.
	Prometheus *Prometheus
	started    time.Time
}

var h *Harness

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	kubeconfig := os.Getenv("STOKE_E2E_KUBECONFIG")
	binary := os.Getenv("STOKE_BINARY")
	if kubeconfig == "" || binary == "" {
		fmt.Fprintln(os.Stderr, "e2e: set STOKE_E2E_KUBECONFIG and STOKE_BINARY (make e2e does)")
		return 1
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	cfg.QPS, cfg.Burst = 50, 100
	mode := envOr("STOKE_E2E_OPERATOR", "chart")
	if mode == "none" {
		// A cluster without Stoke: no release and no CRD (TestDirect*, which make e2e runs first). The release
		// of a previous run on a kept cluster goes first: Helm does not bring back the CRDs on an upgrade, and
		// the operator may not create them (docs/install.md section 4), so an upgrade after this would roll an
		// operator that cannot start.
		if err := uninstallRelease(kubeconfig); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		if err := removeStokeCRDs(cfg); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	}
	if mode == "process" {
		// The chart installs the CRDs in the chart mode.
		if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
			Paths: []string{filepath.Join(testenv.RepoRoot(), "config", "crd")}, ErrorIfPathMissing: true, Scheme: operator.Scheme(),
		}); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: installing CRDs:", err)
			return 1
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	versions := strings.Split(envOr("STOKE_E2E_SPARK_VERSIONS", "3.5.9,4.3.0"), ",")
	h = &Harness{
		Kubeconfig: kubeconfig, Binary: binary, Config: cfg, Client: c, Clientset: kubernetes.NewForConfigOrDie(cfg),
		Versions: versions, report: &Report{}, sparkSlots: make(chan struct{}, atoiOr(os.Getenv("STOKE_E2E_PARALLEL"), 2)),
	}
	if mode == "none" {
		code := m.Run()
		if err := h.report.Write(os.Getenv("STOKE_E2E_REPORT")); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: writing the report:", err)
		}
		return code
	}
	switch mode {
	case "process":
		h.Operator = &OperatorProcess{Binary: binary, Kubeconfig: kubeconfig, Dir: mustTempDir()}
	case "chart":
		chart, err := NewChartOperator(kubeconfig, h.Clientset, c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		if err := chart.Install(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: installing the chart:", err)
			return 1
		}
		h.Operator, h.Chart = chart, chart
	default:
		fmt.Fprintf(os.Stderr, "e2e: STOKE_E2E_OPERATOR=%s: want chart, process or none\n", mode)
		return 1
	}
	if err := h.Operator.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting the operator:", err)
		return 1
	}
	h.started = time.Now()
	if h.Prometheus, err = startPrometheus(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting Prometheus:", err)
		return 1
	}
	code := m.Run()
	h.Prometheus.Stop()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "e2e: Prometheus log tail:\n%s\n", tail(h.Prometheus.logText(), 20))
	}
	h.Operator.Stop()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "e2e: operator log tail:\n%s\n", h.Operator.LogTail(60))
	}
	if err := h.report.Write(os.Getenv("STOKE_E2E_REPORT")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: writing the report:", err)
	}
	return code
}

// uninstallRelease removes the chart's release a previous run left installed, if there is one.
func uninstallRelease(kubeconfig string) error {
	helm, err := toolPath("STOKE_HELM", "helm.sh")
	if err != nil {
		return err
	}
	out, err := exec.Command(helm, "uninstall", release, "--namespace", operatorNS, "--ignore-not-found", "--wait",
		"--timeout", "120s", "--kubeconfig", kubeconfig).CombinedOutput()
	if err != nil {
		return fmt.Errorf("helm uninstall %s: %w\n%s", release, err, out)
	}
	if text := strings.TrimSpace(string(out)); text != "" {
		fmt.Fprintln(os.Stderr, "e2e:", text)
	}
	return nil
}

// removeStokeCRDs makes the cluster one without Stoke: the CRDs of a previous run on a kept cluster (the chart
// leaves them when uninstalled) are deleted, and waited for.
func removeStokeCRDs(cfg *rest.Config) error {
	cs, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	list, err := cs.ApiextensionsV1().CustomResourceDefinitions().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing CRDs: %w", err)
	}
	for _, crd := range list.Items {
		if crd.Spec.Group != stokev1.GroupVersion.Group {
			continue
		}
		fmt.Fprintf(os.Stderr, "e2e: deleting %s: these tests need a cluster without Stoke\n", crd.Name)
		if err := cs.ApiextensionsV1().CustomResourceDefinitions().Delete(ctx, crd.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %s: %w", crd.Name, err)
		}
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) {
			_, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s still there after 2 minutes", crd.Name)
			}
		}
	}
	return nil
}

// toolPath is the binary named by the environment variable (make e2e sets it), else what the hack script
// builds or finds in the cache.
func toolPath(envVar, script string) (string, error) {
	if p := os.Getenv(envVar); p != "" {
		return p, nil
	}
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", script)).Output()
	if err != nil {
		return "", fmt.Errorf("hack/%s: %w", script, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// sparkSlot limits how many Spark applications run at once: the local node has two cores.
func sparkSlot(t *testing.T) {
	h.sparkSlots <- struct{}{}
	t.Cleanup(func() { <-h.sparkSlots })
}

// OperatorProcess is `stoke operator` as a child process with its own config, health and metrics ports.
type OperatorProcess struct {
	Binary, Kubeconfig, Dir string
	mu                      sync.Mutex
	cmd                     *exec.Cmd
	done                    chan struct{}
	starts                  int
}

const operatorHealth = "127.0.0.1:18181"

func (o *OperatorProcess) Start() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	config := filepath.Join(o.Dir, "operator.yaml")
	if err := os.WriteFile(config, []byte("metricsAddress: 127.0.0.1:18180\nhealthAddress: "+operatorHealth+"\nlostDriverGrace: 20s\n"), 0o644); err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(o.Dir, "operator.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(o.Binary, "operator", "--kubeconfig", o.Kubeconfig, "--config", config)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	o.cmd, o.done = cmd, make(chan struct{})
	o.starts++
	go func(done chan struct{}) { _ = cmd.Wait(); _ = logFile.Close(); close(done) }(o.done)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + operatorHealth + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-o.done:
			return fmt.Errorf("operator exited at start; log:\n%s", o.logTailLocked(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("operator not ready after 60s")
}

// Kill sends SIGKILL, as a node failure or an OOM kill would, and waits for the process to be gone.
func (o *OperatorProcess) Kill() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd == nil {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGKILL)
	<-o.done
	o.cmd = nil
}

// Stop asks the operator to shut down cleanly.
func (o *OperatorProcess) Stop() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd == nil {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-o.done:
	case <-time.After(30 * time.Second):
		_ = o.cmd.Process.Kill()
		<-o.done
	}
	o.cmd = nil
}

func (o *OperatorProcess) LogTail(lines int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.logTailLocked(lines)
}

func (o *OperatorProcess) logTailLocked(lines int) string {
	data, _ := os.ReadFile(filepath.Join(o.Dir, "operator.log"))
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// Namespace creates a namespace for the test with the `spark` service account drivers run as, and deletes
// it when the test ends.
func Namespace(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	name := "e2e-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-", ".", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.TrimRight(name, "-") + "-" + rand.String(4)
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "spark", Namespace: name}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "spark-driver", Namespace: name}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"pods", "services", "configmaps", "persistentvolumeclaims"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"},
		}, {
			// spark-submit 4.2+ in the SparkSubmitPod mode creates the driver's NetworkPolicy itself.
			APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"},
			Verbs: []string{"get", "create", "patch", "delete"},
		}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "spark-driver", Namespace: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "spark-driver"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "spark", Namespace: name}}},
	}
	for _, o := range objs {
		if err := h.Client.Create(ctx, o); err != nil {
			t.Fatalf("creating %T: %v", o, err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			dumpNamespace(t, name)
		}
		_ = h.Client.Delete(context.Background(), objs[0])
	})
	return name
}

// dumpNamespace logs what a failed test left behind: the application status, pods and the driver's log tail.
func dumpNamespace(t *testing.T, ns string) {
	ctx := context.Background()
	var apps stokev1.SparkApplicationList
	if err := h.Client.List(ctx, &apps, client.InNamespace(ns)); err == nil {
		for _, a := range apps.Items {
			t.Logf("application %s: phase=%s attempt=%+v executors=%+v conditions=%+v", a.Name, a.Status.Phase, a.Status.CurrentAttempt, a.Status.Executors, a.Status.Conditions)
		}
	}
	var pods corev1.PodList
	if err := h.Client.List(ctx, &pods, client.InNamespace(ns)); err == nil {
		for _, p := range pods.Items {
			t.Logf("pod %s: phase=%s", p.Name, p.Status.Phase)
			if p.Labels["spark-role"] == "driver" {
				t.Logf("driver log tail:\n%s", podLog(ns, p.Name, 40))
			}
		}
	}
}

// App is a SparkApplication running one of the example jobs in the image of the given Spark version, sized
// for the local node (small requests, 512m heaps).
// shortJVM are JVM options for the suite's small jobs on a two-core machine: the client compiler only and
// the serial collector, which start a JVM with far less CPU than the default C2 compiler and G1 threads.
// They change how fast the JVMs start, not what Stoke builds or how Spark behaves.
const shortJVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

func App(ns, name, version, mainClass string, args ...string) *stokev1.SparkApplication {
	return &stokev1.SparkApplication{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: stokev1.SparkApplicationSpec{
			Type:                stokev1.ApplicationTypeJava,
			SparkVersion:        version,
			Image:               "stoke.local/spark:" + version,
			ImagePullPolicy:     corev1.PullIfNotPresent,
			MainClass:           ptr.To(mainClass),
			MainApplicationFile: ptr.To("local:///opt/stoke/examples/stoke-examples.jar"),
			Arguments:           args,
			SparkConf: map[string]string{
				"spark.ui.showConsoleProgress": "false",
			},
			Driver: stokev1.DriverSpec{SparkPodSpec: stokev1.SparkPodSpec{
				Cores: ptr.To[int32](1), CoreRequest: ptr.To("100m"), Memory: ptr.To("512m"), ServiceAccount: ptr.To("spark"),
				JavaOptions: ptr.To(shortJVM),
			}},
			Executor: stokev1.ExecutorSpec{
				SparkPodSpec: stokev1.SparkPodSpec{Cores: ptr.To[int32](1), CoreRequest: ptr.To("100m"), Memory: ptr.To("512m"),
					JavaOptions: ptr.To(shortJVM)},
				Instances: ptr.To[int32](2),
			},
			RestartPolicy: stokev1.RestartPolicy{Type: stokev1.RestartNever},
			Timeouts:      stokev1.Timeouts{DriverStartSeconds: ptr.To[int32](300)},
		},
	}
}

func create(t *testing.T, app *stokev1.SparkApplication) {
	t.Helper()
	if err := h.Client.Create(context.Background(), app); err != nil {
		t.Fatalf("creating %s: %v", app.Name, err)
	}
}

func get(t *testing.T, ns, name string) *stokev1.SparkApplication {
	t.Helper()
	var app stokev1.SparkApplication
	if err := h.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &app); err != nil {
		t.Fatalf("getting %s: %v", name, err)
	}
	return &app
}

// eventually polls cond every half second until it returns true, an error, or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in %s", what, timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitPhase waits for the application to reach one of the phases and returns it.
func waitPhase(t *testing.T, ns, name string, timeout time.Duration, phases ...stokev1.ApplicationPhase) *stokev1.SparkApplication {
	t.Helper()
	var app *stokev1.SparkApplication
	eventually(t, timeout, fmt.Sprintf("%s reaching %v", name, phases), func() (bool, error) {
		app = get(t, ns, name)
		for _, p := range phases {
			if app.Status.Phase == p {
				return true, nil
			}
		}
		return false, nil
	})
	return app
}

func pods(t *testing.T, ns string, labels map[string]string) []corev1.Pod {
	t.Helper()
	var list corev1.PodList
	if err := h.Client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels(labels)); err != nil {
		t.Fatalf("listing pods: %v", err)
	}
	return list.Items
}

func runningPods(list []corev1.Pod) int {
	n := 0
	for _, p := range list {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

func podLog(ns, pod string, tail int64) string {
	opts := &corev1.PodLogOptions{}
	if tail > 0 {
		opts.TailLines = ptr.To(tail)
	}
	stream, err := h.Clientset.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(context.Background())
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer stream.Close()
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, stream)
	return buf.String()
}

// gone reports whether the object no longer exists (a live GET, not a cache).
func gone(obj client.Object) (bool, error) {
	err := h.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return false, err
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func atoiOr(s string, fallback int) int {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n <= 0 {
		return fallback
	}
	return n
}

func mustTempDir() string {
	dir, err := os.MkdirTemp("", "stoke-e2e-")
	if err != nil {
		panic(err)
	}
	return dir
}
