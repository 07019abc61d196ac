package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Side by side with kubeflow/spark-operator: the published v2.5.2, built by hack/kubeflow-operator.sh from
// the archive in ../shared/comparators, run as its own `controller start` (its webhook is a separate command
// and is not started) against the same API server, kwok nodes and simulated drivers, with the cached Spark
// 3.5's spark-submit, which it runs for every application. Both operators get the same burst and the same
// steady rate, in namespaces of their own, one after the other.

// kubeflowLabelAppName is the label kubeflow's operator puts on the driver pods it submits.
const kubeflowLabelAppName = "sparkoperator.k8s.io/app-name"

// sideBySide is the comparison: one row per operator and workload, and Stoke's advantage as ratios.
type sideBySide struct {
	SkippedBecause string    `json:"skippedBecause,omitempty"`
	Binary         string    `json:"kubeflowBinary,omitempty"`
	SparkHome      string    `json:"sparkHome,omitempty"`
	Rows           []sideRow `json:"rows,omitempty"`
	// ThroughputRatio is Stoke's burst driver pods per minute over kubeflow's; P99Ratio kubeflow's p99
	// creation→driver pod over Stoke's (steady); CPURatio kubeflow's CPU per application (its operator and
	// the spark-submit JVMs it runs) over Stoke's (burst).
	ThroughputRatio float64 `json:"throughputRatio,omitempty"`
	P99Ratio        float64 `json:"steadyP99Ratio,omitempty"`
	CPURatio        float64 `json:"cpuPerAppRatio,omitempty"`
}

type sideRow struct {
	Operator string  `json:"operator"`
	Workload string  `json:"workload"`
	Apps     int     `json:"apps"`
	Pods     int     `json:"driverPods"`
	PerMin   float64 `json:"driverPodsPerMinute"`
	P50Ms    float64 `json:"p50Ms"`
	P99Ms    float64 `json:"p99Ms"`
	// CPUPerApp counts the operator process and, for kubeflow, the spark-submit processes it ran.
	CPUPerApp float64 `json:"cpuSecondsPerApp"`
	RSSBytes  int64   `json:"operatorRSSBytes"`
}

// kubeflowDir is where hack/kubeflow-operator.sh keeps the built operator, or why it is not there.
func kubeflowDir() (string, string) {
	out, err := exec.Command("hack/kubeflow-operator.sh", "--path").Output()
	if err != nil {
		return "", fmt.Sprintf("hack/kubeflow-operator.sh --path: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, ".ready")); err != nil {
		return "", "kubeflow/spark-operator is not built: run hack/kubeflow-operator.sh (make bench does; it needs ../shared/comparators/kubeflow-spark-operator-v2.5.2.tar.gz)"
	}
	return dir, ""
}

// kubeflowRefused is the first submission kubeflow's operator gave up on in the namespace, as an error.
func kubeflowRefused(ctx context.Context, c client.Client, ns string) error {
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("sparkoperator.k8s.io/v1beta2")
	list.SetKind("SparkApplicationList")
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil // read again on the next poll
	}
	for _, app := range list.Items {
		state, _, _ := unstructured.NestedString(app.Object, "status", "applicationState", "state")
		if state == "SUBMISSION_FAILED" || state == "FAILED" {
			msg, _, _ := unstructured.NestedString(app.Object, "status", "applicationState", "errorMessage")
			return fmt.Errorf("kubeflow's operator failed %s/%s (%s): %s (see kubeflow-operator.log)", ns, app.GetName(), state, tail(msg, 500))
		}
	}
	return nil
}

// kubeflowApp is kubeflow's SparkApplication for the bench's SparkPi.
func kubeflowApp(ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication",
		"metadata": map[string]any{"namespace": ns, "name": name},
		"spec": map[string]any{
			"type": "Scala", "mode": "cluster", "sparkVersion": "3.5.7", "image": "spark:3.5.7",
			"mainClass": "org.apache.spark.examples.SparkPi", "mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
			"arguments":     []any{"1000"},
			"restartPolicy": map[string]any{"type": "Never"},
			"driver":        map[string]any{"cores": int64(1), "memory": "512m", "serviceAccount": "default"},
			"executor":      map[string]any{"instances": int64(1), "cores": int64(1), "memory": "512m"},
		},
	}}
	return u
}

type kubeflowSubmitter struct {
	c client.Client
	t *tracker
}

func (s kubeflowSubmitter) submit(ctx context.Context, ns, name string) error {
	s.t.created(ns+"/"+name, time.Now())
	return s.c.Create(ctx, kubeflowApp(ns, name))
}

// startKubeflow runs kubeflow's controller for one namespace and waits until it is ready.
func startKubeflow(ctx context.Context, bin, home, dir, apiServer, tokenKubeconfig, ns string) (*exec.Cmd, error) {
	hport, err := freePort()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(apiServer)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "controller", "start", "--namespaces="+ns,
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", hport), "--metrics-bind-address=0", "--enable-ui-service=false")
	// spark-submit 3.5 authenticates with the token kubeconfig (its client cannot read envtest's EC key).
	// It builds spark-submit's master URL from the in-cluster variables, as in its pod.
	cmd.Env = append(os.Environ(), "KUBECONFIG="+tokenKubeconfig, "SPARK_HOME="+home, "SPARK_CONF_DIR="+filepath.Join(dir, "spark-conf"),
		"KUBERNETES_SERVICE_HOST="+u.Hostname(), "KUBERNETES_SERVICE_PORT="+u.Port())
	logf, err := os.Create(filepath.Join(dir, "kubeflow-operator.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := os.MkdirAll(filepath.Join(dir, "spark-conf"), 0o755); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting kubeflow's operator: %w", err)
	}
	err = waitUntil(90*time.Second, "kubeflow's operator to be ready", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", hport))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return cmd, err
}

// runSideBySide gives Stoke (already running as op) and kubeflow's operator the same burst of n
// applications and the same steady rate for steadyFor, and measures both.
func runSideBySide(ctx context.Context, cfg *rest.Config, c client.Client, tr *tracker, op *operatorProcess,
	dir, tokenKubeconfig string, n, rate int, steadyFor time.Duration) (*sideBySide, error) {
	res := &sideBySide{}
	kfDir, why := kubeflowDir()
	home := cachedSparkHome()
	switch {
	case why != "":
		res.SkippedBecause = why
		return res, nil
	case home == "":
		res.SkippedBecause = "no Spark 3.5 in the cache for kubeflow's spark-submit; run hack/spark.sh to install it"
		return res, nil
	}
	res.Binary, res.SparkHome = filepath.Join(kfDir, "spark-operator"), home
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{filepath.Join(kfDir, "crds")}, MaxTime: time.Minute}); err != nil {
		return nil, fmt.Errorf("installing kubeflow's CRDs: %w", err)
	}
	kfCmd, err := startKubeflow(ctx, res.Binary, home, dir, cfg.Host, tokenKubeconfig, "kubeflow")
	if kfCmd != nil {
		defer func() { _ = kfCmd.Process.Kill(); _ = kfCmd.Wait() }()
	}
	if err != nil {
		return nil, err
	}
	kfProc := func() (procSample, error) { return readProc(kfCmd.Process.Pid, 100) }
	stoke := stokeSubmitter{c: c, t: tr, executors: 1}
	kubeflow := kubeflowSubmitter{c: c, t: tr}

	// one runs a workload for one operator and returns its row once every driver pod exists.
	one := func(operatorName, workload, ns string, sample func() (procSample, error), submit func() ([]string, error)) (sideRow, error) {
		p0, err := sample()
		if err != nil {
			return sideRow{}, err
		}
		keys, err := submit()
		if err != nil {
			return sideRow{}, err
		}
		var refused error
		if err := waitUntil(20*time.Minute, fmt.Sprintf("%s's %s driver pods", operatorName, workload), func() bool {
			if pods, _ := tr.count(keys); pods == len(keys) {
				return true
			}
			if operatorName == "kubeflow" {
				refused = kubeflowRefused(ctx, c, ns)
			}
			return refused != nil
		}); err != nil {
			return sideRow{}, err
		}
		if refused != nil {
			return sideRow{}, refused
		}
		time.Sleep(3 * time.Second) // the operator's work after the driver pod (status, Service) counts too
		p1, err := sample()
		if err != nil {
			return sideRow{}, err
		}
		m := measure(workload, operatorName, tr.snapshot(keys))
		return sideRow{Operator: operatorName, Workload: workload, Apps: len(keys), Pods: m.DriverPods, PerMin: m.PerMinute,
			P50Ms: m.ToDriverPod.P50, P99Ms: m.ToDriverPod.P99,
			CPUPerApp: (p1.CPUSeconds + p1.ChildCPUSeconds - p0.CPUSeconds - p0.ChildCPUSeconds) / float64(len(keys)),
			RSSBytes:  p1.RSSBytes}, nil
	}
	logf("side by side: a burst of %d to each operator, then %d/min for %s each", n, rate, steadyFor)
	for _, w := range []struct {
		operator, workload, ns string
		sample                 func() (procSample, error)
		submit                 func() ([]string, error)
	}{
		{"stoke", "burst", "vs-stoke", op.proc, func() ([]string, error) { return burst(ctx, stoke, "vs-stoke", "burst", n, 10) }},
		{"kubeflow", "burst", "kubeflow", kfProc, func() ([]string, error) { return burst(ctx, kubeflow, "kubeflow", "burst", n, 10) }},
		{"stoke", "steady", "vs-stoke", op.proc, func() ([]string, error) { return steady(ctx, stoke, "vs-stoke", "steady", rate, steadyFor) }},
		{"kubeflow", "steady", "kubeflow", kfProc, func() ([]string, error) { return steady(ctx, kubeflow, "kubeflow", "steady", rate, steadyFor) }},
	} {
		row, err := one(w.operator, w.workload, w.ns, w.sample, w.submit)
		if err != nil {
			return res, err
		}
		res.Rows = append(res.Rows, row)
	}
	row := func(op, w string) sideRow {
		for _, r := range res.Rows {
			if r.Operator == op && r.Workload == w {
				return r
			}
		}
		return sideRow{}
	}
	if kb := row("kubeflow", "burst"); kb.PerMin > 0 {
		res.ThroughputRatio = row("stoke", "burst").PerMin / kb.PerMin
	}
	if ss := row("stoke", "steady"); ss.P99Ms > 0 {
		res.P99Ratio = row("kubeflow", "steady").P99Ms / ss.P99Ms
	}
	if sb := row("stoke", "burst"); sb.CPUPerApp > 0 {
		res.CPURatio = row("kubeflow", "burst").CPUPerApp / sb.CPUPerApp
	}
	return res, nil
}

func (s *sideBySide) markdown() string {
	var b strings.Builder
	b.WriteString("\n### Side by side with kubeflow/spark-operator v2.5.2\n\n")
	if s.SkippedBecause != "" {
		fmt.Fprintf(&b, "SKIP: %s\n", s.SkippedBecause)
		return b.String()
	}
	b.WriteString("| Operator | Workload | Applications | Driver pods/min | p50 / p99 creation→driver pod | CPU s per application | Operator RSS |\n|---|---|---|---|---|---|---|\n")
	for _, r := range s.Rows {
		fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %.0f ms / %.0f ms | %.3f | %s |\n", r.Operator, r.Workload, r.Apps, r.PerMin, r.P50Ms, r.P99Ms, r.CPUPerApp, mb(r.RSSBytes))
	}
	fmt.Fprintf(&b, "\nStoke against kubeflow: burst throughput %.0f×, steady p99 creation→driver pod %.0f× lower, CPU per application %.0f× lower (kubeflow's counts the spark-submit JVM it runs per application).\n",
		s.ThroughputRatio, s.P99Ratio, s.CPURatio)
	return b.String()
}
