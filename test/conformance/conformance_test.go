//go:build conformance

// Package conformance compares the driver objects Stoke's builder renders (internal/spark) with what real
// spark-submit creates for the same application on a real kube-apiserver, for each pinned Spark version.
//
//	go test -tags conformance ./test/conformance/ -count=1 -v
//	STOKE_CONFORMANCE_REPORT=docs/conformance.md go test -tags conformance ./test/conformance/ -count=1
package conformance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
	"github.com/stokehq/stoke/internal/testenv"
)

// Version is a pinned Spark release the suite runs against.
type Version struct {
	Line string // for hack/spark.sh home
	Full string // spark-version label / spec.sparkVersion
}

var versions = []Version{{"3.5", "3.5.9"}, {"4", "4.3.0"}}

var env *testenv.Env

func TestMain(m *testing.M) {
	code := testenv.Run(m, &env)
	if path := os.Getenv("STOKE_CONFORMANCE_REPORT"); path != "" && code == 0 {
		if !filepath.IsAbs(path) {
			path = filepath.Join(testenv.RepoRoot(), path)
		}
		if err := writeReport(path); err != nil {
			fmt.Fprintln(os.Stderr, "conformance report:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// result is one cell of the report.
type result struct {
	Case, Version string
	Known         []string // ids of known differences that applied
	// Direct is the report cell of the objects `stoke submit --direct` creates (checkDirect).
	Direct   string
	Failed   bool
	Err      string
	Duration time.Duration
}

var results []result

// parallelism is how many spark-submit JVMs run at once (STOKE_CONFORMANCE_PARALLEL, default 3): each is
// mostly JVM start-up, so a few overlap well even on two cores.
func parallelism() int {
	if n, err := strconv.Atoi(os.Getenv("STOKE_CONFORMANCE_PARALLEL")); err == nil && n > 0 {
		return n
	}
	return 3
}

var (
	resultsMu  sync.Mutex
	kubeconfig string // spark-submit's kubeconfig, written once
)

func TestConformance(t *testing.T) {
	env.InstallCRDs(t, testenv.VolcanoCRDs(t)) // the direct submissions of the Volcano case create its PodGroup
	kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	must(t, writeTokenKubeconfig(kubeconfig))
	slots := make(chan struct{}, parallelism())
	start := time.Now()
	t.Cleanup(func() { wallTime = time.Since(start) })
	for _, v := range versions {
		home := sparkHome(t, v.Line)
		t.Run(v.Full, func(t *testing.T) {
			for _, c := range cases {
				if !in(c.Versions, v.Full) {
					continue
				}
				t.Run(c.Name, func(t *testing.T) {
					t.Parallel()
					start := time.Now()
					r := result{Case: c.Name, Version: v.Full}
					defer func() {
						r.Duration = time.Since(start)
						r.Failed = t.Failed()
						resultsMu.Lock()
						results = append(results, r)
						resultsMu.Unlock()
					}()
					runCase(t, home, v, c, &r, slots)
				})
			}
		})
	}
}

var wallTime time.Duration

func sparkHome(t *testing.T, line string) string {
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "spark.sh"), "home", line).Output()
	if err != nil {
		t.Fatalf("hack/spark.sh home %s: %v", line, err)
	}
	return strings.TrimSpace(string(out))
}

// fixedUID is the UID Stoke's side of every case is built with.
const fixedUID = types.UID("00000000-0000-4000-8000-00000000c0de")

func runCase(t *testing.T, home string, v Version, c Case, r *result, slots chan struct{}) {
	ctx := context.Background()
	ns := env.Namespace(t)
	for _, sa := range append([]string{"default"}, c.ServiceAccounts...) {
		if err := env.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metaNS(sa, ns)}); err != nil {
			t.Fatalf("creating service account %s: %v", sa, err)
		}
	}

	app := c.App.DeepCopy()
	app.Namespace = ns
	app.UID = fixedUID
	app.Spec.SparkVersion = v.Full
	objs, err := spark.Build(app, 1)
	if err != nil {
		t.Fatalf("spark.Build: %v", err)
	}

	// spark-submit's side.
	dir := t.TempDir()
	execTemplate := filepath.Join(dir, "executor-template.yaml")
	driverTemplate := filepath.Join(dir, "driver-template.yaml")
	confDir := filepath.Join(dir, "conf")
	must(t, os.WriteFile(execTemplate, []byte(objs.ConfigMap.Data[spark.PodTemplateKey]), 0o644))
	driverYAML, err := spark.DriverTemplateYAML(app)
	must(t, err)
	must(t, os.WriteFile(driverTemplate, driverYAML, 0o644))
	must(t, os.Mkdir(confDir, 0o755))

	args := append([]string{"--master", "k8s://" + env.Config.Host, "--deploy-mode", "cluster"},
		spark.SubmitArgs(app, objs.Properties, execTemplate, driverTemplate)...)
	cmd := exec.Command(filepath.Join(home, "bin", "spark-submit"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "SPARK_HOME="+home, "SPARK_CONF_DIR="+confDir,
		// SPARK_USER is what Spark takes as the submitting user; Stoke's is "spark" without a proxy user.
		"SPARK_USER="+spark.SparkUser(app),
		// spark-submit is a short JVM run: C1 only and the serial collector save most of its CPU time.
		"SPARK_SUBMIT_OPTS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	slots <- struct{}{}
	err = cmd.Run()
	<-slots
	if err != nil {
		t.Fatalf("spark-submit %s: %v\n%s", strings.Join(args, " "), err, tail(out.String(), 40))
	}
	t.Logf("spark-submit %s", strings.Join(args, " "))

	sub, err := collectSubmitted(ctx, ns, v)
	if err != nil {
		t.Fatalf("%v\nspark-submit output:\n%s", err, tail(out.String(), 40))
	}
	stoke, err := dryRunStoke(ctx, objs)
	if err != nil {
		t.Fatal(err)
	}

	normaliseSubmitted(t, sub, app)
	normaliseStoke(t, stoke, objs, app)
	r.Direct = checkDirect(t, ctx, c, app, copySides(stoke))

	diff := diffSides(sub, stoke)
	if diff == "" {
		for _, k := range knownDifferences {
			if k.applies(c.Name, v.Full) {
				t.Errorf("known difference %q is listed for this case but Stoke's output is identical: remove it from knownDifferences", k.ID)
			}
		}
		return
	}
	// Neutralise the recorded known differences one by one; each must change the diff.
	for _, k := range knownDifferences {
		if !k.applies(c.Name, v.Full) {
			continue
		}
		k.Neutralise(sub, stoke)
		d := diffSides(sub, stoke)
		if d == diff {
			t.Errorf("known difference %q did not apply: remove it from knownDifferences\n%s", k.ID, diff)
		}
		diff = d
		r.Known = append(r.Known, k.ID)
		t.Logf("known difference %s (see knownDifferences)", k.ID)
	}
	if diff != "" {
		r.Err = "unexplained difference"
		t.Errorf("Stoke's objects differ from spark-submit %s's (-spark-submit +stoke):\n%s", v.Full, diff)
	}
}

// sides are the normalised objects of one side, keyed pod / service / configmap (and networkpolicy for
// spark-submit 4.x, which is reported, not compared).
type sides map[string]map[string]any

func collectSubmitted(ctx context.Context, ns string, v Version) (sides, error) {
	var pods corev1.PodList
	var cms corev1.ConfigMapList
	var svcs corev1.ServiceList
	var nps networkingv1.NetworkPolicyList
	for _, l := range []client.ObjectList{&pods, &cms, &svcs, &nps} {
		if err := env.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
			return nil, err
		}
	}
	if len(pods.Items) != 1 || len(svcs.Items) != 1 {
		return nil, fmt.Errorf("spark-submit created %d pods and %d services, want 1 and 1", len(pods.Items), len(svcs.Items))
	}
	out := sides{"pod": toMap(&pods.Items[0]), "service": toMap(&svcs.Items[0])}
	var conf, podspec *corev1.ConfigMap
	for i := range cms.Items {
		cm := &cms.Items[i]
		switch {
		case strings.HasPrefix(cm.Name, "spark-drv-") && strings.HasSuffix(cm.Name, "-conf-map"):
			conf = cm
		case strings.HasSuffix(cm.Name, "-driver-podspec-conf-map"):
			podspec = cm
		}
	}
	if conf == nil || podspec == nil {
		return nil, fmt.Errorf("spark-submit's conf map and pod-template conf map not both found among %d ConfigMaps", len(cms.Items))
	}
	if len(cms.Items) != 2 {
		return nil, fmt.Errorf("spark-submit created %d ConfigMaps, want 2", len(cms.Items))
	}
	// Stoke keeps the executor template in its one ConfigMap (an intentional difference): merge the two.
	merged := conf.DeepCopy()
	for k, val := range podspec.Data {
		merged.Data[k] = val
	}
	out["configmap"] = toMap(merged)
	out["podspec-configmap-name"] = map[string]any{"name": podspec.Name}
	wantPolicies := 0
	if spark.AtLeastMinor(v.Full, 4, 2) {
		wantPolicies = 1
	}
	if len(nps.Items) != wantPolicies {
		return nil, fmt.Errorf("spark-submit %s created %d NetworkPolicies, want %d", v.Full, len(nps.Items), wantPolicies)
	}
	if wantPolicies == 1 {
		out["networkpolicy"] = toMap(&nps.Items[0])
	}
	var pvcs corev1.PersistentVolumeClaimList
	if err := env.Client.List(ctx, &pvcs, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range pvcs.Items {
		out["pvc/"+strconv.Itoa(i)] = toMap(&pvcs.Items[i])
	}
	return out, nil
}

// dryRunStoke creates Stoke's objects with a server-side dry run, so that both sides carry the apiserver's
// defaults and admission changes.
func dryRunStoke(ctx context.Context, objs *spark.Objects) (sides, error) {
	pod, cm, svc := objs.DriverPod.DeepCopy(), objs.ConfigMap.DeepCopy(), objs.Service.DeepCopy()
	pod.OwnerReferences = nil
	out := sides{}
	create := map[string]client.Object{"pod": pod, "configmap": cm, "service": svc}
	if objs.NetworkPolicy != nil {
		create["networkpolicy"] = objs.NetworkPolicy.DeepCopy()
	}
	for i, c := range objs.Claims {
		create["pvc/"+strconv.Itoa(i)] = c.DeepCopy()
	}
	for key, o := range create {
		if err := env.Client.Create(ctx, o, client.DryRunAll); err != nil {
			return nil, fmt.Errorf("dry-run create of Stoke's %s: %v", key, err)
		}
		out[key] = toMap(o)
	}
	return out, nil
}

// writeTokenKubeconfig writes env.WriteKubeconfig's kubeconfig with a bearer token instead of the client
// certificate: envtest's admin key is an EC key, which fabric8 (Spark 3.5's kubernetes client) cannot load
// ("Invalid DER: object is not integer"). The token is a cluster-admin ServiceAccount's, made once.
func writeTokenKubeconfig(path string) error {
	if submitToken == "" {
		ctx := context.Background()
		cs, err := kubernetes.NewForConfig(env.Config)
		if err != nil {
			return err
		}
		sa := &corev1.ServiceAccount{ObjectMeta: metaNS("spark-submit", "kube-system")}
		if err := env.Client.Create(ctx, sa); err != nil {
			return err
		}
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metaNS("stoke-conformance-spark-submit", ""),
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "spark-submit", Namespace: "kube-system"}},
		}
		if err := env.Client.Create(ctx, crb); err != nil {
			return err
		}
		tr, err := cs.CoreV1().ServiceAccounts("kube-system").CreateToken(ctx, "spark-submit",
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(24 * 3600))}}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		submitToken = tr.Status.Token
	}
	if err := env.WriteKubeconfig(path); err != nil {
		return err
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return err
	}
	for _, a := range cfg.AuthInfos {
		a.ClientCertificateData, a.ClientKeyData, a.Token = nil, nil, submitToken
	}
	return clientcmd.WriteToFile(*cfg, path)
}

var submitToken string

func toMap(o runtime.Object) map[string]any {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		panic(err)
	}
	return m
}

// names are the generated names of one side, replaced by placeholders.
type names struct {
	appID, pod, prefix, service string
	namespace                   string
	configMaps                  []string
	localDir                    string
}

func (n names) replacer() *strings.Replacer {
	// The namespace (the same on both sides) is a placeholder too, so that a prefix inside it is left alone.
	pairs := [][2]string{{n.namespace, "<NS>"}, {n.service, "<DRIVER_SVC>"}, {n.pod, "<DRIVER_POD>"}, {n.appID, "<APP_ID>"}}
	for _, cm := range n.configMaps {
		pairs = append(pairs, [2]string{cm, "<CONF_MAP>"})
	}
	if n.localDir != "" {
		pairs = append(pairs, [2]string{n.localDir, "/var/data/spark-<UUID>"})
	}
	pairs = append(pairs, [2]string{n.prefix, "<PREFIX>"})
	// Longest first, so that a name is replaced before the prefix inside it.
	sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i][0]) > len(pairs[j][0]) })
	var flat []string
	for _, p := range pairs {
		flat = append(flat, p[0], p[1])
	}
	return strings.NewReplacer(flat...)
}

var localDirRE = regexp.MustCompile(`/var/data/spark-[0-9a-f-]{36}`)

func normaliseSubmitted(t *testing.T, s sides, app *stokev1.SparkApplication) {
	pod := s["pod"]
	podName := str(pod, "metadata", "name")
	n := names{
		appID:      str(pod, "metadata", "labels", spark.LabelAppSelector),
		pod:        podName,
		prefix:     strings.TrimSuffix(podName, "-driver"),
		service:    str(s["service"], "metadata", "name"),
		configMaps: []string{str(s["configmap"], "metadata", "name"), str(s["podspec-configmap-name"], "name")},
		localDir:   localDirRE.FindString(envValue(pod, "SPARK_LOCAL_DIRS")),
		namespace:  app.Namespace,
	}
	delete(s, "podspec-configmap-name")
	normalise(t, s, n, app, submitOnlyKeys)
}

func normaliseStoke(t *testing.T, s sides, objs *spark.Objects, app *stokev1.SparkApplication) {
	n := names{
		appID: objs.Names.AppID, pod: objs.Names.DriverPod, prefix: objs.Names.Prefix, service: objs.Names.DriverService,
		configMaps: []string{objs.Names.ConfigMap},
		localDir:   localDirRE.FindString(envValue(s["pod"], "SPARK_LOCAL_DIRS")),
		namespace:  app.Namespace,
	}
	// Stoke's own bookkeeping (intentional: "Driver pod metadata").
	for _, key := range []string{spark.LabelManagedBy, spark.LabelAttempt} {
		deletePath(s["pod"], "metadata", "labels", key)
		deletePath(s["configmap"], "metadata", "labels", key)
	}
	for _, key := range []string{spark.AnnotationApplication, "stoke.dev/spec-hash", "kubectl.kubernetes.io/default-container"} {
		deletePath(s["pod"], "metadata", "annotations", key)
	}
	emptyMapToNil(s["pod"], "metadata", "annotations")
	normalise(t, s, n, app, []string{"spark.kubernetes.executor.podNamePrefix"})
}

// normalise removes what is random or intentionally different on both sides.
func normalise(t *testing.T, s sides, n names, app *stokev1.SparkApplication, dropProps []string) {
	for _, o := range s {
		for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "ownerReferences", "name"} {
			deletePath(o, "metadata", f)
		}
		delete(o, "status")
		delete(o, "apiVersion")
		delete(o, "kind")
	}
	// The ServiceAccount admission plugin's token volume has a random name.
	spec := s["pod"]["spec"].(map[string]any)
	spec["volumes"] = filter(spec["volumes"], func(m map[string]any) bool { return !strings.HasPrefix(m["name"].(string), "kube-api-access-") })
	for _, c := range spec["containers"].([]any) {
		cm := c.(map[string]any)
		cm["volumeMounts"] = filter(cm["volumeMounts"], func(m map[string]any) bool { return !strings.HasPrefix(m["name"].(string), "kube-api-access-") })
	}
	// spark.properties as a parsed map, minus spark.master, spark.app.submitTime and the side's own keys.
	data := s["configmap"]["data"].(map[string]any)
	props, err := spark.DecodeProperties(data[spark.PropertiesFileKey].(string))
	if err != nil {
		t.Fatalf("decoding spark.properties: %v", err)
	}
	for _, k := range append([]string{"spark.master", "spark.app.submitTime"}, dropProps...) {
		delete(props, k)
	}
	pm := map[string]any{}
	for k, v := range props {
		pm[k] = v
	}
	data[spark.PropertiesFileKey] = pm

	// Generated names and ids.
	r := n.replacer()
	for k, o := range s {
		s[k] = replaceStrings(o, r).(map[string]any)
	}

	// Spark's order is hash order for driverEnv, secret env, secret volumes and conf volumes: sort those.
	hashOrdered := map[string]bool{}
	for k := range app.Spec.SparkConf {
		if rest, ok := strings.CutPrefix(k, "spark.kubernetes.driver.secrets."); ok {
			hashOrdered[rest+"-volume"] = true
		}
		if rest, ok := strings.CutPrefix(k, "spark.kubernetes.driver.secretKeyRef."); ok {
			hashOrdered[rest] = true
		}
		if rest, ok := strings.CutPrefix(k, "spark.kubernetes.driver.volumes."); ok {
			if parts := strings.SplitN(rest, ".", 3); len(parts) == 3 {
				hashOrdered[parts[1]] = true
			}
		}
	}
	for _, e := range app.Spec.Driver.Env {
		if e.ValueFrom == nil {
			hashOrdered[e.Name] = true
		}
	}
	spec = s["pod"]["spec"].(map[string]any)
	if len(app.Spec.Driver.Sidecars) > 0 {
		// Stoke puts sidecars after the Spark container, spark-submit before it (intentional: "Sidecars").
		containers := spec["containers"].([]any)
		sort.SliceStable(containers, func(i, j int) bool {
			return containers[i].(map[string]any)["name"].(string) < containers[j].(map[string]any)["name"].(string)
		})
	}
	sortLocalDirs(spec)
	sortInPlace(spec["volumes"], hashOrdered)
	for _, c := range spec["containers"].([]any) {
		cm := c.(map[string]any)
		sortInPlace(cm["volumeMounts"], hashOrdered)
		sortInPlace(cm["env"], hashOrdered)
	}
}

func diffSides(sub, stoke sides) string {
	var b strings.Builder
	keys := map[string]bool{}
	for k := range sub {
		keys[k] = true
	}
	for k := range stoke {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if d := cmp.Diff(sub[k], stoke[k]); d != "" {
			fmt.Fprintf(&b, "%s:\n%s", k, d)
		}
	}
	return b.String()
}

// sortInPlace sorts, by name, the items of a list whose names are in the set, keeping the positions of the
// other items.
func sortInPlace(list any, set map[string]bool) {
	l, _ := list.([]any)
	var idx []int
	var items []any
	for i, it := range l {
		if set[it.(map[string]any)["name"].(string)] {
			idx = append(idx, i)
			items = append(items, it)
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].(map[string]any)["name"].(string) < items[j].(map[string]any)["name"].(string)
	})
	for n, i := range idx {
		l[i] = items[n]
	}
}

func replaceStrings(v any, r *strings.Replacer) any {
	switch x := v.(type) {
	case string:
		return r.Replace(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[r.Replace(k)] = replaceStrings(val, r)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = replaceStrings(val, r)
		}
		return out
	}
	return v
}

func filter(list any, keep func(map[string]any) bool) any {
	l, _ := list.([]any)
	if l == nil {
		return list
	}
	out := []any{}
	for _, it := range l {
		if keep(it.(map[string]any)) {
			out = append(out, it)
		}
	}
	return out
}

func lookup(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func str(m map[string]any, path ...string) string {
	s, _ := lookup(m, path...).(string)
	return s
}

func deletePath(m map[string]any, path ...string) {
	if parent, ok := lookup(m, path[:len(path)-1]...).(map[string]any); ok {
		delete(parent, path[len(path)-1])
	}
}

func emptyMapToNil(m map[string]any, path ...string) {
	if mm, ok := lookup(m, path...).(map[string]any); ok && len(mm) == 0 {
		deletePath(m, path...)
	}
}

func envValue(pod map[string]any, name string) string {
	containers, _ := lookup(pod, "spec", "containers").([]any)
	for _, c := range containers {
		env, _ := c.(map[string]any)["env"].([]any)
		for _, e := range env {
			em := e.(map[string]any)
			if em["name"] == name {
				s, _ := em["value"].(string)
				return s
			}
		}
	}
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// sortLocalDirs puts several local dirs in path order: Spark shuffles them (Utils.randomize), Stoke keeps
// spark.local.dir's order.
func sortLocalDirs(spec map[string]any) {
	for _, c := range spec["containers"].([]any) {
		cm := c.(map[string]any)
		env, _ := cm["env"].([]any)
		for _, e := range env {
			em := e.(map[string]any)
			if v, ok := em["value"].(string); ok && em["name"] == "SPARK_LOCAL_DIRS" {
				dirs := strings.Split(v, ",")
				sort.Strings(dirs)
				em["value"] = strings.Join(dirs, ",")
			}
		}
		mounts, _ := cm["volumeMounts"].([]any)
		var paths []string
		var local []map[string]any
		for _, m := range mounts {
			mm := m.(map[string]any)
			if strings.HasPrefix(mm["name"].(string), "spark-local-dir-") {
				local = append(local, mm)
				paths = append(paths, mm["mountPath"].(string))
			}
		}
		sort.Strings(paths)
		for i, mm := range local {
			mm["mountPath"] = paths[i]
		}
	}
}
