//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/testenv"
)

// Prometheus is a real Prometheus (Debian's, hack/prometheus.sh) on the host, scraping the local cluster with
// the scrape jobs users are given (config/prometheus/scrape-configs.yaml) and a service account with the
// permissions docs/observability.md lists.
type Prometheus struct {
	API  promv1.API
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

const prometheusNS = "stoke-e2e-prometheus"

// startPrometheus starts Prometheus for the whole suite: it scrapes while every test runs, so the dashboards
// are checked against everything the suite did. Stop kills it.
func startPrometheus() (*Prometheus, error) {
	binary, err := toolPath("STOKE_PROMETHEUS", "prometheus.sh")
	if err != nil {
		return nil, err
	}
	token, err := prometheusToken()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "stoke-e2e-prometheus-")
	if err != nil {
		return nil, err
	}
	tokenFile, caFile := filepath.Join(dir, "token"), filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		return nil, err
	}
	ca := h.Config.CAData
	if len(ca) == 0 && h.Config.CAFile != "" {
		if ca, err = os.ReadFile(h.Config.CAFile); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		return nil, err
	}
	cfg, err := prometheusConfig(tokenFile, caFile)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), cfg, 0o600); err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := listener.Addr().String()
	listener.Close()
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		return nil, err
	}
	p := &Prometheus{done: make(chan struct{}), log: logFile.Name()}
	p.cmd = exec.Command(binary, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--storage.tsdb.retention.time=6h")
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	go func() { _ = p.cmd.Wait(); logFile.Close(); close(p.done) }()
	client, err := promapi.NewClient(promapi.Config{Address: "http://" + addr})
	if err != nil {
		return nil, err
	}
	p.API = promv1.NewAPI(client)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		if resp, err := http.Get("http://" + addr + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("prometheus exited:\n%s", tail(p.logText(), 20))
		default:
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("prometheus not ready in 1m:\n%s", tail(p.logText(), 20))
		}
	}
}

// prometheusConfig is config/prometheus/scrape-configs.yaml as shipped, except that, out of the cluster,
// Prometheus reaches the API server with a token file and the cluster's CA instead of its pod's service
// account, and scrapes every 2 s.
func prometheusConfig(tokenFile, caFile string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "prometheus", "scrape-configs.yaml"))
	if err != nil {
		return nil, err
	}
	var jobs []map[string]any
	if err := yaml.Unmarshal(data, &jobs); err != nil {
		return nil, err
	}
	for _, job := range jobs {
		if auth, ok := job["authorization"].(map[string]any); ok {
			auth["credentials_file"] = tokenFile
		}
		sds, _ := job["kubernetes_sd_configs"].([]any)
		for _, sd := range sds {
			m := sd.(map[string]any)
			m["api_server"] = h.Config.Host
			m["authorization"] = map[string]any{"credentials_file": tokenFile}
			m["tls_config"] = map[string]any{"ca_file": caFile}
		}
		job["scrape_interval"], job["scrape_timeout"] = "2s", "2s"
	}
	return yaml.Marshal(map[string]any{"global": map[string]any{"evaluation_interval": "5s"}, "scrape_configs": jobs})
}

// Stop kills Prometheus.
func (p *Prometheus) Stop() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *Prometheus) logText() string {
	data, _ := os.ReadFile(p.log)
	return string(data)
}

// prometheusToken creates the service account a Prometheus in the cluster would run as, with what
// docs/observability.md lists: discovery of pods, services and endpoints, and the chart's metrics-reader role
// for the operator's /metrics. It returns a token for it.
func prometheusToken() (string, error) {
	ctx := context.Background()
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prometheusNS}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "prometheus", Namespace: prometheusNS}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "stoke-e2e-prometheus"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"pods", "services", "endpoints"}, Verbs: []string{"get", "list", "watch"},
		}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "stoke-e2e-prometheus"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "stoke-e2e-prometheus"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus", Namespace: prometheusNS}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "stoke-e2e-prometheus-metrics"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: release + "-metrics-reader"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus", Namespace: prometheusNS}}},
	}
	for _, o := range objs {
		if err := h.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	tr, err := h.Clientset.CoreV1().ServiceAccounts(prometheusNS).CreateToken(ctx, "prometheus",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](6 * 3600)}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("a token for Prometheus: %w", err)
	}
	return tr.Status.Token, nil
}

// series returns the series matching a selector, with at least one sample in the last window.
func (p *Prometheus) series(t *testing.T, query string, window time.Duration) []model.LabelSet {
	t.Helper()
	sets, err := p.seriesWithin(query, window)
	if err != nil {
		t.Fatalf("series %s: %v", query, err)
	}
	return sets
}

// seriesWithin returns the series matching a selector with samples in the last window.
func (p *Prometheus) seriesWithin(selector string, window time.Duration) ([]model.LabelSet, error) {
	end := time.Now()
	sets, _, err := p.API.Series(context.Background(), []string{selector}, end.Add(-window), end)
	return sets, err
}

// queryRange evaluates a PromQL expression over [start, end] and returns how many series have samples.
func (p *Prometheus) queryRange(query string, start, end time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, _, err := p.API.QueryRange(ctx, query, promv1.Range{Start: start, End: end, Step: 5 * time.Second})
	if err != nil {
		return 0, err
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return 0, fmt.Errorf("a %s, not a matrix", v.Type())
	}
	n := 0
	for _, s := range m {
		if len(s.Values)+len(s.Histograms) > 0 {
			n++
		}
	}
	return n, nil
}

var labelValues = regexp.MustCompile(`^label_values\((.+), *([a-z_]+)\)$`)

// dashboardQuery is one query of one panel of a shipped dashboard.
type dashboardQuery struct{ Dashboard, Panel, Expr string }

// shippedDashboardQueries reads every panel query of the dashboards the chart ships (charts/stoke/dashboards).
func shippedDashboardQueries(t *testing.T) []dashboardQuery {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "charts", "stoke", "dashboards", "*.json"))
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no dashboards in charts/stoke/dashboards")
	}
	var out []dashboardQuery
	for _, f := range files {
		data, err := os.ReadFile(f)
		must(t, err)
		var d struct {
			Title  string
			Panels []struct {
				Title   string
				Targets []struct{ Expr string }
			}
			Templating struct {
				List []struct{ Name, Type, Definition string }
			}
		}
		must(t, json.Unmarshal(data, &d))
		for _, v := range d.Templating.List {
			// A variable's label_values(METRIC, LABEL) lists LABEL's values among METRIC's series.
			if m := labelValues.FindStringSubmatch(v.Definition); v.Type == "query" && m != nil {
				out = append(out, dashboardQuery{d.Title, "variable " + v.Name, "count by (" + m[2] + ") (" + m[1] + ")"})
			}
		}
		for _, p := range d.Panels {
			for _, target := range p.Targets {
				if target.Expr != "" {
					out = append(out, dashboardQuery{d.Title, p.Title, target.Expr})
				}
			}
		}
	}
	return out
}

// expandDashboardVariables substitutes what Grafana would for the dashboards' variables.
func expandDashboardVariables(expr, namespace, application string) string {
	return strings.NewReplacer("$__rate_interval", "30s", "$__interval", "10s", "$__range", "10m",
		"${namespace}", namespace, "$namespace", namespace, "${application}", application, "$application", application).Replace(expr)
}

// sparkPiRuns records the namespace of TestSparkPiSucceeds' application per Spark version, for the
// observability test to look at its metrics instead of running another job.
var sparkPiRuns sync.Map

// TestPrometheusScrapesStokeAndSpark checks what the suite's Prometheus, configured as docs/observability.md
// says, scraped while the other tests ran: Stoke's transition metrics, and Spark's own driver and executor
// series of SparkPi on each Spark version (TestSparkPiSucceeds' run, or one of its own when run alone). Then it
// runs every query of every shipped dashboard, and every variable's query, over the suite's time range: each
// must evaluate and return data. It is parallel, so it runs after the suite's other sequential tests.
func TestPrometheusScrapesStokeAndSpark(t *testing.T) {
	if h.Chart == nil {
		t.Skip("the operator's metrics are scraped through the chart's metrics Service; the process mode has none")
	}
	t.Parallel()
	prom := h.Prometheus
	t.Run("spark", func(t *testing.T) {
		for _, version := range h.Versions {
			if _, ok := sparkPiRuns.Load(version); ok {
				continue
			}
			t.Run(version, func(t *testing.T) {
				t.Parallel()
				sparkSlot(t)
				ns := Namespace(t)
				runSparkPi(t, ns, version)
			})
		}
	})
	if ok, _ := prom.has(`stoke_attempts_ended_total{outcome!="Succeeded"}`); !ok {
		t.Run("failure", func(t *testing.T) {
			// Alone, the suite has no failed attempt yet for the failure panels: make one, retried once.
			sparkSlot(t)
			ns := Namespace(t)
			app := App(ns, "fails", h.Versions[0], failingJob)
			app.Spec.Executor.Instances = ptr.To[int32](1)
			app.Spec.RestartPolicy = stokev1.RestartPolicy{Type: stokev1.RestartOnFailure, OnFailureRetries: ptr.To[int32](1), BackoffSeconds: ptr.To[int32](1)}
			create(t, app)
			waitPhase(t, ns, "fails", 2*jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		})
	}
	if t.Failed() {
		return
	}
	time.Sleep(5 * time.Second) // a last scrape of the operator after the runs finished
	end := time.Now()
	for _, version := range h.Versions {
		v, _ := sparkPiRuns.Load(version)
		app := fmt.Sprintf(`namespace=%q, application="pi"`, v.(string))
		for _, want := range []struct{ what, selector string }{
			{"the driver's target", `up{job="spark-driver", ` + app + `}`},
			{"the executors' target", `up{job="spark-executors", ` + app + `}`},
			{"Spark's driver metrics", `{__name__=~"metrics_spark_driver_.+", ` + app + `}`},
			{"Spark's executor metrics", `{__name__=~"metrics_executor_.+", executor_id!="driver", ` + app + `}`},
		} {
			if sets := prom.series(t, want.selector, end.Sub(h.started)); len(sets) == 0 {
				t.Errorf("Spark %s: no series for %s: %s", version, want.what, want.selector)
			}
		}
	}
	for _, q := range []string{
		`stoke_attempts_started_total`, `stoke_applications_finished_total{phase="Succeeded"}`,
		`stoke_application_transition_seconds_count{transition="end_to_end"}`, `stoke_retries_total`,
	} {
		if n, err := prom.queryRange(q, h.started, end); err != nil || n == 0 {
			t.Errorf("operator metric %s: %d series, %v", q, n, err)
		}
	}
	// The operator dashboard is looked at for every namespace, the application dashboard for each SparkPi.
	for _, q := range shippedDashboardQueries(t) {
		scopes := map[string][2]string{"all namespaces": {".+", ""}}
		if q.Dashboard != "Stoke operator" {
			scopes = map[string][2]string{}
			for _, version := range h.Versions {
				v, _ := sparkPiRuns.Load(version)
				scopes["Spark "+version] = [2]string{v.(string), "pi"}
			}
		}
		for scope, vars := range scopes {
			expr := expandDashboardVariables(q.Expr, vars[0], vars[1])
			n, err := prom.queryRange(expr, h.started, end)
			switch {
			case err != nil:
				t.Errorf("%s, %s / %s: %s: %v", scope, q.Dashboard, q.Panel, expr, err)
			case n == 0:
				t.Errorf("%s, %s / %s: %s returned nothing", scope, q.Dashboard, q.Panel, expr)
			}
		}
	}
}

// observedSlices is SparkPi's slice count for the runs the observability test queries: enough tasks that the
// driver reports its executors over several 2-second scrapes (with 4 slices a short-JVM run is over
// between two), so that the dashboards' rate() queries have samples to work on.
const observedSlices = "800"

// runSparkPi runs SparkPi in ns and records it for the observability test.
func runSparkPi(t *testing.T, ns, version string) *stokev1.SparkApplication {
	t.Helper()
	create(t, App(ns, "pi", version, sparkPi, observedSlices))
	app := waitPhase(t, ns, "pi", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
	if app.Status.Phase == stokev1.PhaseSucceeded {
		sparkPiRuns.Store(version, ns)
	}
	return app
}

// has reports whether a selector has series in the last 6 hours.
func (p *Prometheus) has(selector string) (bool, error) {
	sets, err := p.seriesWithin(selector, 6*time.Hour)
	return len(sets) > 0, err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
