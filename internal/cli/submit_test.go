package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/direct"
)

// TestSubmitWithSparkSubmitFlags submits with spark-submit's flags and checks what the API server stored.
func TestSubmitWithSparkSubmitFlags(t *testing.T) {
	ns := env.Namespace(t)
	props := filepath.Join(t.TempDir(), "spark.properties")
	if err := os.WriteFile(props, []byte("# defaults\nspark.eventLog.enabled true\nspark.sql.shuffle.partitions=8\nnot.spark = ignored\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := stoke(t, nil, "submit", "-n", ns, "--name", "Daily Report", "--image", "registry.local/spark:3.5.7-java17",
		"--class", "com.example.Report", "--conf", "spark.sql.shuffle.partitions=16", "--conf", "spark.ui.showConsoleProgress=false",
		"--conf", "spark.executor.instances=9", "--conf", "spark.driver.memory=8g",
		"--properties-file", props, "--jars", "local:///opt/jars/a.jar,https://repo.example/b.jar",
		"--files", "s3a://bucket/lookup.csv", "--archives", "local:///opt/env.tar.gz#env",
		"--driver-memory", "2g", "--driver-cores", "2", "--executor-memory", "4g", "--executor-cores", "3",
		"--num-executors", "5", "--proxy-user", "alice", "--deploy-mode", "cluster",
		"local:///opt/app/report.jar", "--date", "2024-01-01", "-v").must(t)
	if !strings.Contains(out, `application "daily-report" submitted in namespace "`+ns+`"`) {
		t.Fatalf("unexpected output %q", out)
	}
	app := getApp(t, ns, "daily-report")
	s := app.Spec
	checks := []struct {
		what      string
		got, want any
	}{
		{"type", s.Type, stokev1.ApplicationTypeJava},
		{"sparkVersion (from the image tag)", s.SparkVersion, "3.5.7"},
		{"mainClass", *s.MainClass, "com.example.Report"},
		{"arguments (flags after the jar belong to it)", strings.Join(s.Arguments, " "), "--date 2024-01-01 -v"},
		{"--conf wins over the properties file", s.SparkConf["spark.sql.shuffle.partitions"], "16"},
		{"properties file", s.SparkConf["spark.eventLog.enabled"], "true"},
		{"non-spark property ignored", s.SparkConf["not.spark"], ""},
		{"original name kept as spark.app.name", s.SparkConf["spark.app.name"], "Daily Report"},
		{"proxy user", s.SparkConf["spark.kubernetes.proxyUser"], "alice"},
		{"jars", strings.Join(s.Deps.Jars, ","), "local:///opt/jars/a.jar,https://repo.example/b.jar"},
		{"files", strings.Join(s.Deps.Files, ","), "s3a://bucket/lookup.csv"},
		{"archives", strings.Join(s.Deps.Archives, ","), "local:///opt/env.tar.gz#env"},
		{"driver memory", *s.Driver.Memory, "2g"},
		{"driver cores", *s.Driver.Cores, int32(2)},
		{"executor memory", *s.Executor.Memory, "4g"},
		{"executor cores", *s.Executor.Cores, int32(3)},
		{"executors", *s.Executor.Instances, int32(5)},
		{"--num-executors wins over --conf, as in spark-submit", s.SparkConf["spark.executor.instances"], ""},
		{"--driver-memory wins over --conf", s.SparkConf["spark.driver.memory"], ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestSubmitDryRunPrintsManifest(t *testing.T) {
	out := stoke(t, nil, "submit", "-n", "team-a", "--image", "spark:4.0.1", "--py-files", "local:///opt/lib.zip",
		"--dry-run", "-o", "yaml", "local:///opt/app/etl.py", "in", "out").must(t)
	app := &stokev1.SparkApplication{}
	if err := stokev1.UnmarshalStrict([]byte(out), app); err != nil {
		t.Fatalf("dry run output is not a SparkApplication: %v\n%s", err, out)
	}
	if app.Spec.Type != stokev1.ApplicationTypePython || app.Spec.SparkVersion != "4.0.1" || app.GenerateName != "etl-" ||
		app.Namespace != "team-a" || app.Spec.Deps.PyFiles[0] != "local:///opt/lib.zip" || strings.Join(app.Spec.Arguments, " ") != "in out" {
		t.Errorf("unexpected dry-run application:\n%s", out)
	}
	if strings.Contains(out, "status") {
		t.Errorf("dry run prints a status:\n%s", out)
	}
	// The same manifest submitted with -f is accepted by the API server (server-side dry run).
	file := filepath.Join(t.TempDir(), "etl.yaml")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	ns := env.Namespace(t)
	got := stoke(t, nil, "submit", "-n", ns, "-f", file, "--dry-run=server").wantErrOrOut(t)
	if got.err == nil || !strings.Contains(got.err.Error(), "team-a") {
		t.Fatalf("a manifest for another namespace than -n must be refused, got %v / %q", got.err, got.out)
	}
	out = strings.Replace(out, "namespace: team-a", "namespace: "+ns, 1)
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	res := stoke(t, nil, "submit", "-n", ns, "-f", file, "--dry-run=server").must(t)
	if !strings.Contains(res, "validated (server dry run)") {
		t.Errorf("server dry run output %q", res)
	}
}

func (r result) wantErrOrOut(*testing.T) result { return r }

// TestSubmitBadInput: every mistake is a one-line error of the right class that says what to fix.
func TestSubmitBadInput(t *testing.T) {
	ns := env.Namespace(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badYAML := write("bad.yaml", "apiVersion: stoke.dev/v1alpha1\nkind: SparkApplication\nmetadata: [oops\n")
	unknownKind := write("kind.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	kubeflow := write("kf.yaml", "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata:\n  name: x\n")
	unknownField := write("field.yaml", "apiVersion: stoke.dev/v1alpha1\nkind: SparkApplication\nmetadata:\n  name: x\nspec:\n  type: Python\n  sparkVersion: 3.5.7\n  image: spark:3.5.7\n  mainApplicationFile: local:///a.py\n  executors: 3\n")
	invalid := write("invalid.yaml", "apiVersion: stoke.dev/v1alpha1\nkind: SparkApplication\nmetadata:\n  name: x\nspec:\n  type: Scala\n  sparkVersion: 3.5.7\n  image: spark:3.5.7\n")
	cases := []struct {
		name  string
		args  []string
		usage bool
		frags []string
	}{
		{"unknown spark-submit flag", []string{"--packages", "a:b:1", examplesJar}, true, []string{"unknown spark-submit flag --packages"}},
		{"no application", []string{"--image", "spark:3.5.7"}, true, []string{"-f FILE"}},
		{"local path", []string{"--image", "spark:3.5.7", "--class", "A", "target/app.jar"}, true, []string{"target/app.jar", "local://"}},
		{"local dependency", []string{"--image", "spark:3.5.7", "--class", "A", "--jars", "lib/x.jar", examplesJar}, true, []string{"--jars", "lib/x.jar"}},
		{"no image", []string{"--class", "A", examplesJar}, true, []string{"--image is required"}},
		{"no version in tag", []string{"--image", "spark:latest", "--class", "A", examplesJar}, true, []string{"--spark-version"}},
		{"jar without class", []string{"--image", "spark:3.5.7", examplesJar}, true, []string{"--class is required"}},
		{"client mode", []string{"--image", "spark:3.5.7", "--deploy-mode", "client", "--class", "A", examplesJar}, true, []string{"cluster mode"}},
		{"bad conf", []string{"--image", "spark:3.5.7", "--conf", "novalue", "--class", "A", examplesJar}, true, []string{"KEY=VALUE"}},
		{"missing file", []string{"-f", filepath.Join(dir, "nope.yaml")}, true, []string{"no such file"}},
		{"invalid YAML", []string{"-f", badYAML}, true, []string{"bad.yaml", "YAML"}},
		{"unknown kind", []string{"-f", unknownKind}, true, []string{"ConfigMap", "SparkApplication"}},
		{"kubeflow manifest", []string{"-f", kubeflow}, true, []string{"stoke convert"}},
		{"unknown field", []string{"-f", unknownField}, true, []string{"executors"}},
		{"rejected by CEL", []string{"-f", invalid}, false, []string{"mainClass is required"}},
		{"owned conf key", []string{"--image", "spark:3.5.7", "--conf", "spark.master=local", "--class", "A", "--name", "owned", examplesJar}, false, []string{"sparkConf must not set keys Stoke owns"}},
		{"missing namespace", []string{"-n", "no-such-namespace", "--image", "spark:3.5.7", "--class", "A", examplesJar}, false, []string{"no-such-namespace"}},
		{"-f with flags", []string{"-f", invalid, "--class", "A"}, true, []string{"--class"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"submit"}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "-n ") {
				args = append([]string{"submit", "-n", ns}, tc.args...)
			}
			stoke(t, nil, args...).wantErr(t, tc.usage, tc.frags...)
		})
	}
}

func TestUnreachableCluster(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	body := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n"
	if err := os.WriteFile(kubeconfig, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"get", "apps"}, {"describe", "app", "x"}, {"logs", "x"}} {
		stoke(t, nil, append(args, "--kubeconfig", kubeconfig)...).wantErr(t, false, "cannot reach the Kubernetes API server at 127.0.0.1:1")
	}
	stoke(t, nil, "get", "apps", "--context", "nope", "--kubeconfig", kubeconfig).wantErr(t, true, "nope")
}

// TestSubmitWaitFollowsToTheEnd runs submit --wait against the real reconciler: it reports progress and
// ends with the application, non-zero with the reason when it fails. The pod proxy has no kubelet behind it
// here, so the Spark job progress is simply absent.
func TestSubmitWaitFollowsToTheEnd(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	for _, tc := range []struct {
		name string
		exit int32
	}{{"wait-ok", 0}, {"wait-fail", 1}} {
		done := make(chan result, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		go func() {
			done <- stokeCtx(ctx, t, nil, "submit", "-n", ns, "--name", tc.name, "--image", "spark:3.5.7", "--class", "A",
				"--num-executors", "2", "--wait", examplesJar)
		}()
		pod := driverOf(t, ns, tc.name, 1)
		driverRunning(t, pod)
		eventually(t, 20*time.Second, "running", func() bool { return getApp(t, ns, tc.name).Status.Phase == stokev1.PhaseRunning })
		time.Sleep(1500 * time.Millisecond) // at least one progress line while running
		driverExited(t, pod, tc.exit)
		res := <-done
		cancel()
		if !strings.Contains(res.errOut, tc.name+"  Running  attempt 1  executors 0/2") {
			t.Errorf("%s: no running progress line in:\n%s", tc.name, res.errOut)
		}
		if tc.exit == 0 {
			res.must(t)
			if !strings.Contains(res.errOut, tc.name+"  Succeeded  attempt 1") {
				t.Errorf("no final line in:\n%s", res.errOut)
			}
		} else {
			res.wantErr(t, false, `application "wait-fail" failed`, "exit code 1", "stoke logs wait-fail")
		}
	}
}

// TestRerunStartsTheNextAttempt: rerun of a finished application makes the real reconciler start attempt
// N+1; an application that has not finished is refused unless --force.
func TestRerunStartsTheNextAttempt(t *testing.T) {
	ns := env.Namespace(t)
	startOperator(t, ns)
	submitPi(t, ns, "again")
	pod := driverOf(t, ns, "again", 1)
	stoke(t, nil, "rerun", "-n", ns, "again").wantErr(t, true, "not finished", "--force")
	driverRunning(t, pod)
	driverExited(t, pod, 0)
	eventually(t, 20*time.Second, "succeeded", func() bool { return getApp(t, ns, "again").Status.Phase == stokev1.PhaseSucceeded })

	out := stoke(t, nil, "rerun", "-n", ns, "again").must(t)
	if !strings.Contains(out, "attempt 2") {
		t.Errorf("rerun output %q", out)
	}
	second := driverOf(t, ns, "again", 2)
	app := getApp(t, ns, "again")
	if app.Spec.RunToken == "" || len(app.Status.PastAttempts) != 1 || app.Status.PastAttempts[0].Outcome != stokev1.OutcomeSucceeded {
		t.Errorf("after rerun: runToken %q, past attempts %+v", app.Spec.RunToken, app.Status.PastAttempts)
	}
	if second.Name == pod.Name {
		t.Errorf("attempt 2 reuses the driver pod name %s", pod.Name)
	}
	stoke(t, nil, "rerun", "-n", ns, "missing").wantErr(t, false, `application "missing" not found`)
}

// TestSubmitDirect: `stoke submit --direct` creates the driver pod, its Service and ConfigMap with no
// SparkApplication; the same --submission-id again adopts them; --wait follows the driver pod to its exit
// code; --dry-run=client prints the objects and creates nothing; what the operator refuses is refused.
func TestSubmitDirect(t *testing.T) {
	ns := env.Namespace(t)
	args := []string{"submit", "-n", ns, "--direct", "--name", "pi", "--image", "spark:4.3.0", "--class", "org.apache.spark.examples.SparkPi"}
	id := "0ddba11-0000-4000-8000-000000000001"
	out := stoke(t, nil, append(args, "--submission-id", id, examplesJar, "10")...).must(t)
	if !strings.Contains(out, " created (direct submission "+id) {
		t.Fatalf("output %q", out)
	}
	var pods corev1.PodList
	if err := env.Client.List(context.Background(), &pods, client.InNamespace(ns), client.MatchingLabels{"stoke.dev/direct": "true"}); err != nil || len(pods.Items) != 1 {
		t.Fatalf("direct driver pods: %d, %v", len(pods.Items), err)
	}
	pod := &pods.Items[0]
	if !strings.Contains(out, "driver pod "+ns+"/"+pod.Name) || len(pod.OwnerReferences) != 0 {
		t.Errorf("driver %s (owners %v) for output %q", pod.Name, pod.OwnerReferences, out)
	}
	var list stokev1.SparkApplicationList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil || len(list.Items) != 0 {
		t.Errorf("a direct submission made %d SparkApplications (%v)", len(list.Items), err)
	}
	again := stoke(t, nil, append(args, "--submission-id", id, examplesJar, "10")...).must(t)
	if !strings.Contains(again, "already there") {
		t.Errorf("the same submission again: %q", again)
	}

	// --wait, on a second submission: the driver pod runs, then exits 3.
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id2 := "0ddba11-0000-4000-8000-000000000002"
	go func() {
		done <- stokeCtx(ctx, t, nil, append(args, "--submission-id", id2, "--wait", examplesJar)...)
	}()
	var second *corev1.Pod
	eventually(t, 20*time.Second, "the second driver pod", func() bool {
		var l corev1.PodList
		_ = env.Client.List(context.Background(), &l, client.InNamespace(ns), client.MatchingLabels{"stoke.dev/direct": "true"})
		for i := range l.Items {
			if l.Items[i].Annotations["stoke.dev/submission-id"] == id2 {
				second = &l.Items[i]
			}
		}
		return second != nil
	})
	driverRunning(t, second)
	time.Sleep(1500 * time.Millisecond)
	driverExited(t, second, 3)
	res := <-done
	res.wantErr(t, false, `application "pi" failed`, "exit code 3", "stoke logs pi")
	if !strings.Contains(res.errOut, "pi  Running") {
		t.Errorf("no running line in:\n%s", res.errOut)
	}

	dry := stoke(t, nil, append(args, "--dry-run=client", examplesJar)...).must(t)
	for _, want := range []string{"kind: List", "kind: Pod", "kind: ConfigMap", "kind: Service", "stoke.dev/direct: \"true\""} {
		if !strings.Contains(dry, want) {
			t.Errorf("--dry-run=client output lacks %q", want)
		}
	}
	if err := env.Client.List(context.Background(), &pods, client.InNamespace(ns), client.MatchingLabels{"stoke.dev/direct": "true"}); err != nil || len(pods.Items) != 2 {
		t.Errorf("after a dry run: %d direct driver pods, want the 2 submitted", len(pods.Items))
	}
	stoke(t, nil, "submit", "-n", ns, "--direct", "--name", "local", "--image", "spark:4.3.0", "--class", "A", "/home/me/app.jar").
		wantErr(t, true, "/home/me/app.jar")
	stoke(t, nil, "submit", "-n", ns, "--submission-id", "x", "--image", "spark:4.3.0", "--class", "A", examplesJar).
		wantErr(t, true, "--submission-id goes with --direct")
}

// TestDirectSubmissionsInTheOtherCommands: get, describe and delete find direct submissions by their
// driver pods' labels, beside SparkApplications, marked as direct.
func TestDirectSubmissionsInTheOtherCommands(t *testing.T) {
	ns := env.Namespace(t)
	stoke(t, nil, "submit", "-n", ns, "--direct", "--name", "pi", "--image", "spark:4.3.0", "--class", "A", examplesJar).must(t)
	stoke(t, nil, "submit", "-n", ns, "--name", "managed", "--image", "spark:4.3.0", "--class", "A", examplesJar).must(t)
	list := stoke(t, nil, "get", "apps", "-n", ns).must(t)
	var directRow, managedRow bool
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		directRow = directRow || len(f) > 2 && f[0] == "pi" && f[2] == "direct"
		managedRow = managedRow || len(f) > 0 && f[0] == "managed"
	}
	if !directRow || !managedRow {
		t.Errorf("stoke get apps does not show both, the direct one marked:\n%s", list)
	}
	desc := stoke(t, nil, "describe", "app", "-n", ns, "pi").must(t)
	for _, want := range []string{"stoke submit --direct", "Driver pod:", "pi-"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe lacks %q:\n%s", want, desc)
		}
	}
	for _, command := range []string{"suspend", "resume", "rerun"} {
		stoke(t, nil, command, "-n", ns, "pi").wantErr(t, true, `"pi" is a direct submission`, "nothing to "+command)
	}
	out := stoke(t, nil, "delete", "-n", ns, "pi").must(t)
	if !strings.Contains(out, `direct submission "pi" deleted`) {
		t.Errorf("delete: %q", out)
	}
	eventually(t, 10*time.Second, "the direct driver pod gone", func() bool {
		var pods corev1.PodList
		_ = env.Client.List(context.Background(), &pods, client.InNamespace(ns), client.MatchingLabels{"stoke.dev/direct": "true"})
		return len(pods.Items) == 0
	})
	stoke(t, nil, "describe", "app", "-n", ns, "pi").wantErr(t, false, `application "pi" not found`)
}

// TestDirectSubmissionsForAUserWhoMayNotReadSparkApplications: where Stoke's CRD is installed but the user's
// only rights are the direct submitter's Role (direct.SubmitterRules and direct.FollowerRules), the
// commands show their direct submissions alone instead of failing on the refused SparkApplications; a user
// with no rights at all gets the refusal.
func TestDirectSubmissionsForAUserWhoMayNotReadSparkApplications(t *testing.T) {
	ns := env.Namespace(t)
	ctx := context.Background()
	rules := append(append([]rbacv1.PolicyRule(nil), direct.SubmitterRules...), direct.FollowerRules...)
	for _, obj := range []client.Object{
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "submitter"}, Rules: rules},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "submitter"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "submitter"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "tenant"}}},
	} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	as := func(user string) *rest.Config {
		cfg := rest.CopyConfig(env.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
		return cfg
	}
	tenant := as("tenant")
	stokeAs(ctx, t, tenant, nil, "submit", "-n", ns, "--direct", "--name", "pi", "--image", "spark:4.3.0", "--class", "A", examplesJar).must(t)
	stoke(t, nil, "submit", "-n", ns, "--name", "managed", "--image", "spark:4.3.0", "--class", "A", examplesJar).must(t)

	list := stokeAs(ctx, t, tenant, nil, "get", "apps", "-n", ns).must(t)
	if !strings.Contains(list, "direct") || strings.Contains(list, "managed") {
		t.Errorf("the tenant's stoke get apps, want only the direct submission:\n%s", list)
	}
	if desc := stokeAs(ctx, t, tenant, nil, "describe", "app", "-n", ns, "pi").must(t); !strings.Contains(desc, "stoke submit --direct") {
		t.Errorf("the tenant's describe:\n%s", desc)
	}
	stokeAs(ctx, t, tenant, nil, "describe", "app", "-n", ns, "managed").wantErr(t, false, "forbidden")
	stokeAs(ctx, t, tenant, nil, "get", "apps", "-n", ns, "-l", "team=a").wantErr(t, false, "forbidden")
	stokeAs(ctx, t, as("nobody"), nil, "get", "apps", "-n", ns).wantErr(t, false, "forbidden")
}
