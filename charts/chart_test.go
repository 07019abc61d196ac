// Package charts tests Stoke's Helm chart (charts/stoke) with the real helm binary (hack/helm.sh, built once
// from the Go module proxy and cached; `make test` builds it first): lint, golden renderings of the
// default and namespaced modes, schema rejections, the operator config it renders, and that its RBAC grants
// every rule the operator's code declares (config/rbac/role.yaml, generated from +kubebuilder:rbac markers).
//
//	go test ./charts/ -update    rewrites the golden files in testdata/
package charts

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/server"
	"github.com/stokehq/stoke/internal/spark"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	chart     = "stoke"
	release   = "stoke"
	namespace = "stoke-system"
)

var (
	helmOnce sync.Once
	helmPath string
	helmErr  error
)

// helm runs the cached helm binary (building it on first use) and returns its combined output.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	helmOnce.Do(func() {
		if p := os.Getenv("STOKE_HELM"); p != "" {
			helmPath = p
			return
		}
		out, err := exec.Command("../hack/helm.sh").Output()
		helmPath, helmErr = strings.TrimSpace(string(out)), err
	})
	if helmErr != nil {
		t.Fatalf("hack/helm.sh: %v", helmErr)
	}
	cmd := exec.Command(helmPath, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// render is `helm template` of the chart with extra arguments (--set ..., --api-versions ...).
func render(t *testing.T, args ...string) string {
	t.Helper()
	out, err := helm(t, append([]string{"template", release, chart, "--namespace", namespace}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, out)
	}
	return out
}

// modes are the value sets the tests render: each has a golden file.
var modes = []struct {
	name string
	args []string
}{
	{"default", nil},
	{"namespaced", []string{"--set", "watchNamespaces={team-a,team-b}"}},
	{"ha", []string{"--set", "replicas=2", "--set", "leaderElection.enabled=false", "--set", "priorityClassName=system-cluster-critical",
		"--set", "nodeSelector.role=control", "--set", "tolerations[0].key=control,tolerations[0].operator=Exists",
		"--set", "sparkJobNamespaces={jobs}", "--set", "crds.apply=false", "--set", "metrics.secure=false",
		"--set", "image.digest=sha256:" + strings.Repeat("ab", 32), "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor", "--api-versions", "monitoring.coreos.com/v1/PodMonitor"}},
	{"history", []string{"--set", "eventLog.dir=file:/spark-events", "--set", "eventLog.volume.persistentVolumeClaim=spark-events",
		"--set-string", "eventLog.sparkConf.spark\\.eventLog\\.rolling\\.enabled=true", "--set", "historyServer.enabled=true",
		"--set-string", "historyServer.sparkConf.spark\\.history\\.fs\\.cleaner\\.enabled=true"}},
	{"server", []string{"--set", "server.enabled=true", "--set", "server.defaultImage=apache/spark:3.5.7",
		"--set", "server.livy.csrfProtection=true", "--set", "server.tls.secretName=stoke-server-tls",
		"--set", "server.frontProxy.clientCASecret=front-proxy-ca", "--set", "server.frontProxy.allowedNames={oauth2-proxy}"}},
}

// operatorObjects are a rendering's objects of the kind that belong to the operator itself (not to the
// History Server).
func operatorObjects[T any](t *testing.T, rendered, kind string) []T {
	t.Helper()
	var mine objects
	for _, m := range parse(t, rendered) {
		labels, _ := m["metadata"].(map[string]any)["labels"].(map[string]any)
		if c := labels["app.kubernetes.io/component"]; c != "history-server" && c != "server" {
			mine = append(mine, m)
		}
	}
	return each[T](t, mine, kind)
}

func TestLint(t *testing.T) {
	for _, m := range modes {
		var sets []string
		for i := 0; i < len(m.args); i++ {
			if m.args[i] == "--set" || m.args[i] == "--set-string" {
				sets = append(sets, m.args[i], m.args[i+1])
				i++
			}
		}
		if out, err := helm(t, append([]string{"lint", "--strict", chart}, sets...)...); err != nil {
			t.Errorf("helm lint (%s): %v\n%s", m.name, err, out)
		}
	}
}

func TestGolden(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			got := render(t, m.args...)
			path := filepath.Join("testdata", m.name+".yaml")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./charts/ -update writes it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("helm template (%s) differs from %s (-want +got; go test ./charts/ -update if intended):\n%s", m.name, path, diff)
			}
		})
	}
}

// TestSchemaRejectsBadValues: a wrong value fails at install, with a message naming the value.
func TestSchemaRejectsBadValues(t *testing.T) {
	tests := []struct {
		set     string
		mention string
	}{
		{"replicas=0", "replicas"},
		{"replicas=two", "replicas"},
		{"image.pullPolicy=Sometimes", "pullPolicy"},
		{"image.digest=latest", "digest"},
		{"leaderElection.leaseDuration=15", "leaseDuration"},
		{"leaderElection.renewDeadline=soon", "renewDeadline"},
		{"operator.lostDriverGrace=30 seconds", "lostDriverGrace"},
		{"operator.workers=0", "workers"},
		{"watchNamespaces={Team_A}", "watchNamespaces"},
		{"sparkJobNamespaces={ok,not ok}", "sparkJobNamespaces"},
		{"metrics.port=70000", "port"},
		{"replica=2", "replica"},
		{"crds.upgrade=true", "upgrade"},
		{"metrics.serviceMonitor.interval=often", "interval"},
		{"nodeSelector.zone=1", "zone"},
		{"watchNamespaces={a},namespaceSelector=x=y", "watchNamespaces and namespaceSelector"},
		{"serviceAccount.create=false", "serviceAccount.name"},
		{"leaderElection.renewDeadline=9s", "leaderElection.renewDeadline (9s) must be shorter than leaderElection.leaseDuration (8s)"},
		{"leaderElection.retryPeriod=5500ms", "1.2 × leaderElection.retryPeriod (5500ms)"},
		{"eventLog.dir=spark-events", "dir"},
		{"eventLog.dir=file:/spark-events", "volume"},
		{"eventLog.dir=/e,eventLog.volume.nfs=server", "nfs"},
		{"eventLog.dir=/e,eventLog.volume.hostPath=/a,eventLog.volume.nfs=s:/b", "volume"},
		{"historyServer.enabled=true", "historyServer.enabled needs eventLog.dir"},
		{"historyServer.daemonMemory=lots", "daemonMemory"},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			args := []string{"template", release, chart, "--namespace", namespace, "--set", tc.set}
			if strings.HasPrefix(tc.set, "nodeSelector") {
				args[len(args)-2] = "--set-json" // a number where a string is required
				args[len(args)-1] = `nodeSelector={"zone":1}`
			}
			out, err := helm(t, args...)
			if err == nil {
				t.Fatalf("helm template --set %s succeeded", tc.set)
			}
			if !strings.Contains(out, tc.mention) {
				t.Errorf("helm template --set %s failed without naming %q:\n%s", tc.set, tc.mention, out)
			}
		})
	}
}

// objects splits a rendering into objects, each decoded into the given type by kind.
type objects []map[string]any

func parse(t *testing.T, rendered string) objects {
	t.Helper()
	var out objects
	for _, doc := range strings.Split(rendered, "\n---") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("rendered YAML: %v\n%s", err, doc)
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// each decodes every object of a kind into T.
func each[T any](t *testing.T, objs objects, kind string) []T {
	t.Helper()
	var out []T
	for _, m := range objs {
		if m["kind"] != kind {
			continue
		}
		b, err := yaml.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var v T
		if err := yaml.UnmarshalStrict(b, &v); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		out = append(out, v)
	}
	return out
}

// TestOperatorConfigLoads: the config file the chart renders is one `stoke operator` accepts, and says
// what the values asked for.
func TestOperatorConfigLoads(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			cms := operatorObjects[corev1.ConfigMap](t, render(t, m.args...), "ConfigMap")
			if len(cms) != 1 {
				t.Fatalf("%d ConfigMaps, want 1", len(cms))
			}
			path := filepath.Join(t.TempDir(), "operator.yaml")
			if err := os.WriteFile(path, []byte(cms[0].Data["operator.yaml"]), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := operator.LoadConfig(path)
			if err != nil {
				t.Fatalf("the chart's operator config is rejected: %v\n%s", err, cms[0].Data["operator.yaml"])
			}
			if !cfg.LeaderElection.Enabled || cfg.LeaderElection.Namespace != namespace {
				t.Errorf("leader election %+v, want enabled in %s", cfg.LeaderElection, namespace)
			}
			switch m.name {
			case "namespaced":
				if !slices.Equal(cfg.Namespaces, []string{"team-a", "team-b"}) {
					t.Errorf("namespaces = %v, want the watchNamespaces", cfg.Namespaces)
				}
			case "default":
				if cfg.Namespaces != nil || !cfg.MetricsSecure || !cfg.ApplyCRDs {
					t.Errorf("default config: namespaces %v, metricsSecure %v, applyCRDs %v", cfg.Namespaces, cfg.MetricsSecure, cfg.ApplyCRDs)
				}
				if cfg.EventLog != nil {
					t.Errorf("default config turns the event log on: %+v", cfg.EventLog)
				}
			case "history":
				want := &spark.EventLog{Dir: "file:/spark-events", Volume: &spark.EventLogVolume{PersistentVolumeClaim: "spark-events"},
					SparkConf: map[string]string{"spark.eventLog.rolling.enabled": "true"}}
				if diff := cmp.Diff(want, cfg.EventLog); diff != "" {
					t.Errorf("event log (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestDeploymentIsLocked: the operator runs non-root, read-only, without capabilities, under RuntimeDefault
// seccomp, with probes on the health endpoints.
func TestDeploymentIsLocked(t *testing.T) {
	for _, m := range modes {
		deps := operatorObjects[appsv1.Deployment](t, render(t, m.args...), "Deployment")
		if len(deps) != 1 {
			t.Fatalf("%s: %d Deployments", m.name, len(deps))
		}
		spec := deps[0].Spec.Template.Spec
		psc, c := spec.SecurityContext, spec.Containers[0]
		sc := c.SecurityContext
		switch {
		case psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot:
			t.Errorf("%s: runAsNonRoot not set", m.name)
		case psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
			t.Errorf("%s: seccomp %v", m.name, psc.SeccompProfile)
		case sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Errorf("%s: root filesystem writable", m.name)
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("%s: privilege escalation allowed", m.name)
		case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}):
			t.Errorf("%s: capabilities %v", m.name, sc.Capabilities)
		case c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz":
			t.Errorf("%s: probes %v %v", m.name, c.LivenessProbe, c.ReadinessProbe)
		}
	}
}

// TestServiceMonitorOnlyWithItsAPI: the ServiceMonitor is rendered only when monitoring.coreos.com/v1 exists.
func TestServiceMonitorOnlyWithItsAPI(t *testing.T) {
	if strings.Contains(render(t), "kind: ServiceMonitor") {
		t.Error("ServiceMonitor rendered without the monitoring.coreos.com/v1 API")
	}
	if !strings.Contains(render(t, "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor"), "kind: ServiceMonitor") {
		t.Error("no ServiceMonitor although monitoring.coreos.com/v1 exists")
	}
}

// TestPodMonitorOnlyWithItsAPI: the PodMonitor for Spark's metrics is rendered only when its API exists, and
// watches the namespaces Spark jobs run in.
func TestPodMonitorOnlyWithItsAPI(t *testing.T) {
	if strings.Contains(render(t), "kind: PodMonitor") {
		t.Error("PodMonitor rendered without the monitoring.coreos.com/v1 API")
	}
	cluster := render(t, "--api-versions", "monitoring.coreos.com/v1/PodMonitor")
	if !strings.Contains(cluster, "kind: PodMonitor") || !strings.Contains(cluster, "any: true") {
		t.Errorf("no cluster-wide PodMonitor although monitoring.coreos.com/v1 exists:\n%s", cluster)
	}
	for _, path := range []string{"__meta_kubernetes_pod_annotation_prometheus_io_path", "__meta_kubernetes_pod_annotation_stoke_dev_executor_metrics_path"} {
		if !strings.Contains(cluster, path) {
			t.Errorf("the PodMonitor does not take its path from %s", path)
		}
	}
	namespaced := render(t, "--api-versions", "monitoring.coreos.com/v1/PodMonitor", "--set", "watchNamespaces={team-a,team-b}")
	if !strings.Contains(namespaced, "matchNames:\n    - team-a\n    - team-b") {
		t.Errorf("the namespaced PodMonitor does not select the watched namespaces:\n%s", namespaced)
	}
}

// TestDashboardsShippedForTheGrafanaSidecar: with dashboards.enabled, each generated dashboard is a ConfigMap
// with the sidecar's label, holding the JSON unchanged.
func TestDashboardsShippedForTheGrafanaSidecar(t *testing.T) {
	if strings.Contains(render(t), "grafana_dashboard") {
		t.Error("dashboards rendered although dashboards.enabled is false")
	}
	files, err := filepath.Glob(filepath.Join(chart, "dashboards", "*.json"))
	if err != nil || len(files) < 2 {
		t.Fatalf("dashboards in the chart: %v %v", files, err)
	}
	out := render(t, "--set", "dashboards.enabled=true")
	var found int
	for _, doc := range strings.Split(out, "\n---\n") {
		var cm corev1.ConfigMap
		if err := yaml.Unmarshal([]byte(doc), &cm); err != nil || cm.Kind != "ConfigMap" || cm.Labels["grafana_dashboard"] != "1" {
			continue
		}
		for name, data := range cm.Data {
			want, err := os.ReadFile(filepath.Join(chart, "dashboards", name))
			if err != nil {
				t.Errorf("%s holds %s, which the chart does not have", cm.Name, name)
				continue
			}
			if strings.TrimSpace(data) != strings.TrimSpace(string(want)) {
				t.Errorf("%s: %s differs from the generated dashboard", cm.Name, name)
			}
			found++
		}
	}
	if found != len(files) {
		t.Errorf("%d dashboards shipped, want %d", found, len(files))
	}
}

// permission is one verb on one resource, optionally on one named object.
type permission struct{ group, resource, verb, name string }

func (p permission) String() string {
	s := fmt.Sprintf("%s %s.%s", p.verb, p.resource, p.group)
	if p.name != "" {
		s += "/" + p.name
	}
	return s
}

func expand(r rbacv1.PolicyRule) []permission {
	names := r.ResourceNames
	if len(names) == 0 {
		names = []string{""}
	}
	var out []permission
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			for _, v := range r.Verbs {
				for _, n := range names {
					out = append(out, permission{g, res, v, n})
				}
			}
		}
	}
	return out
}

// grants is what the chart lets the operator's service account do, by namespace ("" = cluster-wide).
type grants map[string][]rbacv1.PolicyRule

func operatorGrants(t *testing.T, objs objects) grants {
	t.Helper()
	return grantsOf(t, objs, rbacv1.Subject{Kind: "ServiceAccount", Name: release, Namespace: namespace})
}

// grantsOf is what the rendered RBAC grants one service account.
func grantsOf(t *testing.T, objs objects, sa rbacv1.Subject) grants {
	t.Helper()
	clusterRoles := map[string][]rbacv1.PolicyRule{}
	for _, r := range each[rbacv1.ClusterRole](t, objs, "ClusterRole") {
		clusterRoles[r.Name] = r.Rules
	}
	roles := map[string][]rbacv1.PolicyRule{}
	for _, r := range each[rbacv1.Role](t, objs, "Role") {
		roles[r.Namespace+"/"+r.Name] = r.Rules
	}
	g := grants{}
	for _, b := range each[rbacv1.ClusterRoleBinding](t, objs, "ClusterRoleBinding") {
		if slices.Contains(b.Subjects, sa) {
			g[""] = append(g[""], clusterRoles[b.RoleRef.Name]...)
		}
	}
	for _, b := range each[rbacv1.RoleBinding](t, objs, "RoleBinding") {
		if !slices.Contains(b.Subjects, sa) {
			continue
		}
		if b.RoleRef.Kind == "ClusterRole" {
			g[b.Namespace] = append(g[b.Namespace], clusterRoles[b.RoleRef.Name]...)
		} else {
			g[b.Namespace] = append(g[b.Namespace], roles[b.Namespace+"/"+b.RoleRef.Name]...)
		}
	}
	return g
}

// allows reports whether the grants allow a permission in a namespace ("" = a cluster-scoped resource).
func (g grants) allows(ns string, p permission) bool {
	rules := g[""]
	if ns != "" {
		rules = append(slices.Clone(rules), g[ns]...)
	}
	for _, r := range rules {
		if (slices.Contains(r.APIGroups, p.group) || slices.Contains(r.APIGroups, "*")) &&
			(slices.Contains(r.Resources, p.resource) || slices.Contains(r.Resources, "*")) &&
			(slices.Contains(r.Verbs, p.verb) || slices.Contains(r.Verbs, "*")) &&
			(len(r.ResourceNames) == 0 || slices.Contains(r.ResourceNames, p.name)) {
			return true
		}
	}
	return false
}

// clusterScoped are the resources in the operator's rules that have no namespace.
var clusterScoped = map[string]bool{"namespaces": true, "customresourcedefinitions": true, "tokenreviews": true, "subjectaccessreviews": true,
	"sparkqueues": true, "sparkqueues/status": true, "resourceflavors": true}

// missing lists the operator's declared permissions that the chart does not grant where they are used:
// leases in the operator's namespace (leader election), cluster-scoped resources cluster-wide, everything
// else in each watched namespace. In namespaced mode the operator cannot use namespaceSelector (the
// config refuses both together); it reads namespaces there only for SparkQueues (a namespace's default
// queue label, a queue's namespaceSelector), which the chart grants cluster-wide like SparkQueues.
func missing(needed []rbacv1.PolicyRule, g grants, watched []string) []string {
	var out []string
	for _, r := range needed {
		for _, p := range expand(r) {
			var where []string
			switch {
			case p.resource == "leases":
				where = []string{namespace}
			case p.resource == "namespaces" && !slices.Equal(watched, []string{"any-namespace"}):
				continue
			case clusterScoped[p.resource]:
				where = []string{""}
			default:
				where = watched
			}
			for _, ns := range where {
				if !g.allows(ns, p) {
					out = append(out, fmt.Sprintf("%s in %q", p, ns))
				}
			}
		}
	}
	return out
}

func operatorRole(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	data, err := os.ReadFile("../config/rbac/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(data, &role); err != nil {
		t.Fatal(err)
	}
	if len(role.Rules) == 0 {
		t.Fatal("config/rbac/role.yaml has no rules")
	}
	return role.Rules
}

// TestRBACGrantsWhatTheOperatorNeeds fails when the operator's code declares a verb (a +kubebuilder:rbac
// marker, collected in config/rbac/role.yaml by `make generate`) that the chart does not grant.
func TestRBACGrantsWhatTheOperatorNeeds(t *testing.T) {
	needed := operatorRole(t)
	for _, tc := range []struct {
		name    string
		args    []string
		watched []string
	}{
		{"cluster-wide", nil, []string{"any-namespace"}},
		{"namespaced", []string{"--set", "watchNamespaces={team-a,team-b}"}, []string{"team-a", "team-b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := operatorGrants(t, parse(t, render(t, tc.args...)))
			if m := missing(needed, g, tc.watched); len(m) > 0 {
				t.Errorf("the chart does not grant what the operator needs:\n  %s", strings.Join(m, "\n  "))
			}
			if tc.name == "namespaced" {
				// Namespaced mode: nothing on namespaced resources outside the watched namespaces.
				for _, r := range g[""] {
					for _, p := range expand(r) {
						if !clusterScoped[p.resource] && p.resource != "" {
							t.Errorf("namespaced mode grants %s cluster-wide", p)
						}
					}
				}
				if g.allows("elsewhere", permission{"", "pods", "create", ""}) {
					t.Error("namespaced mode lets the operator create pods outside its namespaces")
				}
			}
		})
	}
}

// TestRBACCheckCatchesAMissingVerb proves the check above can fail: the operator needing one verb more
// than the chart grants is reported.
func TestRBACCheckCatchesAMissingVerb(t *testing.T) {
	g := operatorGrants(t, parse(t, render(t)))
	needed := append(operatorRole(t),
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"patch"}},
		rbacv1.PolicyRule{APIGroups: []string{"apiextensions.k8s.io"}, Resources: []string{"customresourcedefinitions"}, Verbs: []string{"patch"}, ResourceNames: []string{"other.example.com"}})
	m := missing(needed, g, []string{"any-namespace"})
	want := []string{`patch pods. in "any-namespace"`, `patch customresourcedefinitions.apiextensions.k8s.io/other.example.com in ""`}
	if !slices.Equal(m, want) {
		t.Errorf("missing = %q, want %q", m, want)
	}
}

// TestHistoryServer: the History Server reads the event-log directory the operator has applications write,
// from the same volume, with the event log's and its own properties, behind a Service, locked down like the
// operator.
func TestHistoryServer(t *testing.T) {
	if strings.Contains(render(t), "history-server") {
		t.Error("a History Server is rendered by default")
	}
	var args []string
	for _, m := range modes {
		if m.name == "history" {
			args = m.args
		}
	}
	objs := parse(t, render(t, args...))
	var dep appsv1.Deployment
	for _, d := range each[appsv1.Deployment](t, objs, "Deployment") {
		if d.Labels["app.kubernetes.io/component"] == "history-server" {
			dep = d
		}
	}
	spec := dep.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("History Server Deployment: %+v", dep)
	}
	c := spec.Containers[0]
	if !slices.Equal(c.Args, []string{"/opt/spark/bin/spark-class", "org.apache.spark.deploy.history.HistoryServer", "--properties-file", "/etc/spark-history/spark-defaults.conf"}) {
		t.Errorf("args %v", c.Args)
	}
	var claim string
	for _, v := range spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	var mountedAt string
	for _, vm := range c.VolumeMounts {
		if vm.Name == "event-log" {
			mountedAt = vm.MountPath
		}
	}
	if claim != "spark-events" || mountedAt != "/spark-events" {
		t.Errorf("event log from claim %q at %q, want spark-events at /spark-events", claim, mountedAt)
	}
	if psc, sc := spec.SecurityContext, c.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || sc == nil ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("not locked down: pod %+v, container %+v", psc, sc)
	}
	var conf string
	for _, cm := range each[corev1.ConfigMap](t, objs, "ConfigMap") {
		conf += cm.Data["spark-defaults.conf"]
	}
	for _, line := range []string{"spark.history.fs.logDirectory file:/spark-events", "spark.history.fs.update.interval 10s",
		"spark.eventLog.rolling.enabled true", "spark.history.fs.cleaner.enabled true"} {
		if !strings.Contains(conf+"\n", line+"\n") {
			t.Errorf("spark-defaults.conf lacks %q:\n%s", line, conf)
		}
	}
	var port int32
	for _, svc := range each[corev1.Service](t, objs, "Service") {
		if svc.Labels["app.kubernetes.io/component"] == "history-server" && svc.Spec.Selector["app.kubernetes.io/component"] == "history-server" {
			port = svc.Spec.Ports[0].Port
		}
	}
	if port != 18080 {
		t.Errorf("no History Server Service on port 18080")
	}

	// stoke server, when on, is given that History Server.
	for _, d := range each[appsv1.Deployment](t, parse(t, render(t, append(args, "--set", "server.enabled=true")...)), "Deployment") {
		if d.Labels["app.kubernetes.io/component"] == "server" {
			want := "--history-server-url=http://stoke-history.stoke-system.svc:18080"
			if !slices.Contains(d.Spec.Template.Spec.Containers[0].Args, want) {
				t.Errorf("the server's args %q lack %s", d.Spec.Template.Spec.Containers[0].Args, want)
			}
			return
		}
	}
	t.Error("no server Deployment with server.enabled=true")
}

// TestServerRBAC: the chart grants stoke server exactly the rules its code declares (server.ClusterRules
// cluster-wide, server.StateRules in the release namespace), which its integration tests run it with, and
// nothing when it is off.
func TestServerRBAC(t *testing.T) {
	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: release + "-server", Namespace: namespace}
	if g := grantsOf(t, parse(t, render(t)), sa); len(g) > 0 {
		t.Errorf("the server is off but its account is granted %v", g)
	}
	var args []string
	for _, m := range modes {
		if m.name == "server" {
			args = m.args
		}
	}
	g := grantsOf(t, parse(t, render(t, args...)), sa)
	if m := missing(server.ClusterRules(), g, []string{"any-namespace"}); len(m) > 0 {
		t.Errorf("the chart does not grant the server:\n  %s", strings.Join(m, "\n  "))
	}
	for _, r := range server.StateRules() {
		for _, p := range expand(r) {
			if !g.allows(namespace, p) {
				t.Errorf("the chart does not grant the server %s in %s", p, namespace)
			}
			if g.allows("elsewhere", p) {
				t.Errorf("the chart grants the server %s outside its namespace", p)
			}
		}
	}
}
