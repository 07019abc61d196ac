package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/server"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, &env)) }

// startServer runs a server, with its state in its own namespace, as a service account that holds only the
// rules the Helm chart grants it (ClusterRules and StateRules), and returns its URL.
func startServer(t *testing.T, stateNS string, mutate ...func(*server.Options)) string {
	t.Helper()
	opts := server.Options{Config: serverIdentity(t, stateNS), Scheme: operator.Scheme(), Namespace: stateNS, LivyPrefix: "/livy",
		DefaultImage: "apache/spark:3.5.7", MaxBodyBytes: 64 << 10}
	for _, m := range mutate {
		m(&opts)
	}
	ts := httptest.NewServer(runServer(t, opts).Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// runServer builds a server and starts its cache until the test ends.
func runServer(t *testing.T, opts server.Options) *server.Server {
	t.Helper()
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return srv
}

// serverIdentity is a REST config for the service account stoke-server of ns, bound to the server's rules.
func serverIdentity(t *testing.T, ns string) *rest.Config {
	t.Helper()
	ctx := context.Background()
	name := "stoke-server"
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := env.Client.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	subject := []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ns, Name: name}}
	for _, obj := range []client.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: ns + "-server"}, Rules: server.ClusterRules()},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: ns + "-server"}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: ns + "-server"}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: server.StateRules()},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name}},
	} {
		if err := env.Client.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		if obj.GetNamespace() == "" {
			t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
		}
	}
	cs := kubernetes.NewForConfigOrDie(env.Config)
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authnv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &rest.Config{Host: env.Config.Host, TLSClientConfig: rest.TLSClientConfig{CAData: env.Config.CAData},
		BearerToken: tr.Status.Token, QPS: 200, Burst: 400}
}

// user is a service account with a real token from the API server and the rules given to it in each
// namespace.
type user struct{ name, token string }

func newUser(t *testing.T, home, name string, rules map[string][]rbacv1.PolicyRule) user {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: home, Name: name}}
	if err := env.Client.Create(ctx, sa); err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(env.Config)
	tr, err := cs.CoreV1().ServiceAccounts(home).CreateToken(ctx, name, &authnv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for ns, r := range rules {
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: r}
		binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: home, Name: name}}}
		if err := env.Client.Create(ctx, role); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.Create(ctx, binding); err != nil {
			t.Fatal(err)
		}
	}
	return user{name: "system:serviceaccount:" + home + ":" + name, token: tr.Status.Token}
}

var (
	editRules = []rbacv1.PolicyRule{
		{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications", "sparkworkflows", "scheduledsparkapplications"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods", "events"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
	}
	viewRules = []rbacv1.PolicyRule{
		{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications", "sparkworkflows", "scheduledsparkapplications"},
			Verbs: []string{"get", "list", "watch"}},
	}
)

// call makes one request and decodes a JSON answer into out (when given).
func call(t *testing.T, method, url, token string, body any, out any, headers ...string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	checkAgainstOpenAPI(t, req, resp, data)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, url, data, err)
		}
	}
	return resp.StatusCode, resp.Header, string(data)
}

func pi(ns, name string, labels map[string]string) *stokev1.SparkApplication {
	file := "local:///opt/spark/examples/jars/spark-examples.jar"
	class := "org.apache.spark.examples.SparkPi"
	return &stokev1.SparkApplication{
		TypeMeta:   metav1.TypeMeta{Kind: "SparkApplication", APIVersion: "stoke.dev/v1alpha1"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: stokev1.SparkApplicationSpec{Type: stokev1.ApplicationTypeJava, SparkVersion: "3.5.7", Image: "apache/spark:3.5.7",
			MainClass: &class, MainApplicationFile: &file},
	}
}

// setPhase writes a status as the operator would.
func setPhase(t *testing.T, app *stokev1.SparkApplication, phase stokev1.ApplicationPhase, attempt *stokev1.Attempt) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(app), app); err != nil {
		t.Fatal(err)
	}
	app.Status.Phase = phase
	app.Status.CurrentAttempt = attempt
	if err := env.Client.Status().Update(ctx, app); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond for up to 10 s (the server's cache follows the API server by a watch).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestApplicationsAPI(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	api := url + "/api/v1/namespaces/" + ns

	// Create from a manifest, as alice: 201, Location, the stored object.
	var created stokev1.SparkApplication
	code, hdr, body := call(t, "POST", api+"/applications", alice.token, pi("", "pi", map[string]string{"team": "a"}), &created)
	if code != http.StatusCreated || hdr.Get("Location") != "/api/v1/namespaces/"+ns+"/applications/pi" || created.UID == "" {
		t.Fatalf("create: %d %v %s", code, hdr.Get("Location"), body)
	}
	// YAML works too; a second create of the same name is the API server's 409.
	yamlManifest := "apiVersion: stoke.dev/v1alpha1\nkind: SparkApplication\nmetadata:\n  name: etl-daily\n  labels: {team: b}\nspec:\n  type: Python\n  sparkVersion: 4.0.1\n  image: apache/spark:4.0.1\n  mainApplicationFile: local:///opt/etl.py\n"
	if code, _, body := call(t, "POST", api+"/applications", alice.token, yamlManifest, nil); code != http.StatusCreated {
		t.Fatalf("create from YAML: %d %s", code, body)
	}
	if code, _, body := call(t, "POST", api+"/applications", alice.token, pi("", "pi", nil), nil); code != http.StatusConflict || !strings.Contains(body, "already exists") {
		t.Fatalf("duplicate create: %d %s", code, body)
	}
	// spark-submit-like fields.
	var submitted stokev1.SparkApplication
	code, _, body = call(t, "POST", api+"/submissions", alice.token, map[string]any{
		"file": "local:///opt/spark/examples/jars/spark-examples.jar", "className": "org.apache.spark.examples.SparkPi",
		"args": []string{"100"}, "driverMemory": "2g", "numExecutors": 3, "name": "Pi From Form", "conf": map[string]string{"spark.eventLog.enabled": "false"},
	}, &submitted)
	if code != http.StatusCreated || submitted.Name != "pi-from-form" || *submitted.Spec.Driver.Memory != "2g" ||
		*submitted.Spec.Executor.Instances != 3 || submitted.Spec.Image != "apache/spark:3.5.7" || submitted.Spec.Arguments[0] != "100" {
		t.Fatalf("submission: %d %s", code, body)
	}
	for i := 0; i < 4; i++ {
		if err := env.Client.Create(context.Background(), pi(ns, fmt.Sprintf("batch-%d", i), map[string]string{"team": "a", "n": fmt.Sprint(i)})); err != nil {
			t.Fatal(err)
		}
	}
	running := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "batch-1"}}
	setPhase(t, running, stokev1.PhaseRunning, &stokev1.Attempt{Number: 1, DriverPodName: "batch-1-1-driver"})
	done := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "batch-2"}}
	setPhase(t, done, stokev1.PhaseSucceeded, &stokev1.Attempt{Number: 1})

	type list struct {
		Items    []stokev1.SparkApplication `json:"items"`
		Total    int                        `json:"total"`
		Continue string                     `json:"continue"`
	}
	names := func(l list) []string {
		var out []string
		for _, a := range l.Items {
			out = append(out, a.Name)
		}
		return out
	}
	// Seven applications in the cache do not mean it has seen the two status writes yet.
	eventually(t, "the cache to hold 7 applications, 2 of them running or succeeded", func() bool {
		var all, phased list
		call(t, "GET", api+"/applications", alice.token, nil, &all)
		call(t, "GET", api+"/applications?phase=running,succeeded", alice.token, nil, &phased)
		return all.Total == 7 && phased.Total == 2
	})
	var l list
	call(t, "GET", api+"/applications?phase=running,succeeded", alice.token, nil, &l)
	if got := strings.Join(names(l), ","); l.Total != 2 || !strings.Contains(got, "batch-1") || !strings.Contains(got, "batch-2") {
		t.Errorf("phase filter: %v", got)
	}
	call(t, "GET", api+"/applications?labelSelector=team%3Db", alice.token, nil, &l)
	if got := names(l); len(got) != 1 || got[0] != "etl-daily" {
		t.Errorf("label filter: %v", got)
	}
	call(t, "GET", api+"/applications?q=ETL.PY", alice.token, nil, &l)
	if got := names(l); len(got) != 1 || got[0] != "etl-daily" {
		t.Errorf("text filter: %v", got)
	}
	// Pages of 3 cover all 7 once, in one order.
	seen := map[string]bool{}
	next := ""
	for pages := 0; ; pages++ {
		var p list
		call(t, "GET", api+"/applications?limit=3&continue="+next, alice.token, nil, &p)
		for _, n := range names(p) {
			if seen[n] {
				t.Fatalf("%s on two pages", n)
			}
			seen[n] = true
		}
		if p.Total != 7 || pages > 3 {
			t.Fatalf("page %d: total %d", pages, p.Total)
		}
		if next = p.Continue; next == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Errorf("pages held %d applications, want 7", len(seen))
	}

	// One application; its kind is set for clients.
	var got stokev1.SparkApplication
	if code, _, body := call(t, "GET", api+"/applications/batch-1", alice.token, nil, &got); code != 200 || got.Kind != "SparkApplication" || got.Status.Phase != stokev1.PhaseRunning {
		t.Errorf("get: %d %s", code, body)
	}
	// Rules shared with the CLI: a running application is not rerun without force, a finished one is not suspended.
	if code, _, body := call(t, "POST", api+"/applications/batch-1/rerun", alice.token, nil, nil); code != http.StatusConflict || !strings.Contains(body, "not finished") {
		t.Errorf("rerun of a running application: %d %s", code, body)
	}
	if code, _, body := call(t, "POST", api+"/applications/batch-2/suspend", alice.token, nil, nil); code != http.StatusConflict || !strings.Contains(body, "nothing to suspend") {
		t.Errorf("suspend of a finished application: %d %s", code, body)
	}
	if code, _, body := call(t, "POST", api+"/applications/batch-2/rerun", alice.token, nil, nil); code != 200 {
		t.Errorf("rerun: %d %s", code, body)
	}
	if code, _, body := call(t, "POST", api+"/applications/batch-1/suspend", alice.token, nil, nil); code != 200 {
		t.Errorf("suspend: %d %s", code, body)
	}
	stored := &stokev1.SparkApplication{}
	_ = env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "batch-2"}, stored)
	if stored.Spec.RunToken == "" {
		t.Error("rerun wrote no run token")
	}
	_ = env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "batch-1"}, stored)
	if !stored.Spec.Suspend {
		t.Error("suspend did not set spec.suspend")
	}
	// Logs: the attempt's driver pod is gone (no kubelet here): a 404 that says so. No attempt yet: a 404 too.
	if code, _, body := call(t, "GET", api+"/applications/batch-1/logs", alice.token, nil, nil); code != 404 || !strings.Contains(body, "is gone") {
		t.Errorf("logs of a gone driver: %d %s", code, body)
	}
	if code, _, body := call(t, "GET", api+"/applications/batch-0/logs", alice.token, nil, nil); code != 404 || !strings.Contains(body, "has not started an attempt") {
		t.Errorf("logs before an attempt: %d %s", code, body)
	}
	var events struct{ Items []corev1.Event }
	if code, _, body := call(t, "GET", api+"/applications/pi/events", alice.token, nil, &events); code != 200 {
		t.Errorf("events: %d %s", code, body)
	}
	// Delete as alice; the cache follows.
	if code, _, body := call(t, "DELETE", api+"/applications/batch-3", alice.token, nil, nil); code != 200 {
		t.Errorf("delete: %d %s", code, body)
	}
	eventually(t, "batch-3 to be gone", func() bool {
		code, _, _ := call(t, "GET", api+"/applications/batch-3", alice.token, nil, nil)
		return code == http.StatusNotFound
	})
	if code, _, body := call(t, "DELETE", api+"/applications/batch-3", alice.token, nil, nil); code != http.StatusNotFound {
		t.Errorf("delete of a missing application: %d %s", code, body)
	}
}

// message is the message of an error body, native ({"message"}) or Livy's ({"msg"}).
func message(body string) string {
	var e struct{ Message, Msg string }
	_ = json.Unmarshal([]byte(body), &e)
	return e.Message + e.Msg
}

// TestBadInput: each malformed request is a 4xx with a JSON body naming the problem, nothing is created,
// and the server keeps serving.
func TestBadInput(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state, func(o *server.Options) { o.LivyCSRF = true })
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	api := url + "/api/v1/namespaces/" + ns
	livy := url + "/livy/" + ns
	big := `{"file":"local:///a.jar","className":"A","args":["` + strings.Repeat("x", 70<<10) + `"]}`
	cases := []struct {
		name, method, url, token string
		body                     any
		headers                  []string
		code                     int
		says                     string
	}{
		{"no token", "GET", api + "/applications", "", nil, nil, 401, "bearer token"},
		{"forged token", "GET", api + "/applications", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", nil, nil, 401, "bearer token"},
		{"not bearer", "GET", api + "/applications", "", nil, []string{"Authorization", "Basic YWxpY2U6cHc="}, 401, "bearer token"},
		{"malformed JSON", "POST", api + "/submissions", alice.token, `{"file": `, nil, 400, "not valid"},
		{"empty body", "POST", api + "/submissions", alice.token, "", nil, 400, "empty"},
		{"unknown field", "POST", api + "/submissions", alice.token, `{"file":"local:///a.jar","className":"A","drivreMemory":"1g"}`, nil, 400, `"drivreMemory"`},
		{"wrong type", "POST", api + "/submissions", alice.token, `{"file":"local:///a.jar","className":"A","numExecutors":"three"}`, nil, 400, `"numExecutors"`},
		{"no file", "POST", api + "/submissions", alice.token, `{"className":"A"}`, nil, 400, `"file" is required`},
		{"jar without class", "POST", api + "/submissions", alice.token, `{"file":"local:///a.jar"}`, nil, 400, `"className" is required`},
		{"local path", "POST", api + "/submissions", alice.token, `{"file":"/home/me/a.jar","className":"A"}`, nil, 400, "not a URI"},
		{"two values", "POST", api + "/submissions", alice.token, `{"file":"local:///a.jar","className":"A"} {}`, nil, 400, "more than one"},
		{"oversized body", "POST", api + "/submissions", alice.token, big, nil, 413, "larger than"},
		{"manifest unknown field", "POST", api + "/applications", alice.token, "apiVersion: stoke.dev/v1alpha1\nkind: SparkApplication\nmetadata: {name: x}\nspec: {sparkVersion: 3.5.7, image: i, typo: 1}\n", nil, 400, "typo"},
		{"manifest of another kind", "POST", api + "/applications", alice.token, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}`, nil, 400, "v1 Pod"},
		{"manifest in another namespace", "POST", api + "/applications", alice.token, pi("kube-system", "x", nil), nil, 400, `"kube-system"`},
		{"invalid spec", "POST", api + "/applications", alice.token, `{"metadata":{"name":"x"},"spec":{"sparkVersion":"3.5.7","image":"i","type":"Cobol"}}`, nil, 422, "spec.type"},
		{"oversized name", "POST", api + "/applications", alice.token, pi("", strings.Repeat("n", 300), nil), nil, 422, "metadata.name"},
		{"missing application", "GET", api + "/applications/nope", alice.token, nil, nil, 404, `"nope" not found`},
		{"bad namespace", "GET", url + "/api/v1/namespaces/Not_A_Namespace/applications", alice.token, nil, nil, 400, "namespace"},
		{"escaping path", "GET", api + "/applications/..%2F..%2Fkube-system", alice.token, nil, nil, 400, "name"},
		{"bad label selector", "GET", api + "/applications?labelSelector=a%3D%3D%3Db", alice.token, nil, nil, 400, "labelSelector"},
		{"bad limit", "GET", api + "/applications?limit=0", alice.token, nil, nil, 400, "limit"},
		{"forged continue", "GET", api + "/applications?continue=zzz", alice.token, nil, nil, 400, "continue"},
		{"wrong method", "PUT", api + "/applications", alice.token, nil, nil, 405, "allowed: GET, POST"},
		{"unknown endpoint", "GET", url + "/api/v2/things", alice.token, nil, nil, 404, "no such endpoint"},
		{"livy without CSRF header", "POST", livy + "/batches", alice.token, `{"file":"local:///a.jar","className":"A"}`, nil, 400, "CSRF"},
		{"livy image field", "POST", livy + "/batches", alice.token, `{"file":"local:///a.jar","className":"A","image":"x"}`, []string{"X-Requested-By", "t"}, 400, "not Livy fields"},
		{"livy id not a number", "GET", livy + "/batches/abc", alice.token, nil, nil, 400, "not a number"},
		{"livy missing batch", "GET", livy + "/batches/999999", alice.token, nil, nil, 404, "Session '999999' not found."},
		{"livy bad from", "GET", livy + "/batches?from=-2", alice.token, nil, nil, 400, "from"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, hdr, body := call(t, tc.method, tc.url, tc.token, tc.body, nil, tc.headers...)
			if code != tc.code || !strings.Contains(message(body), tc.says) {
				t.Errorf("%s %s: got %d %s, want %d saying %q", tc.method, tc.url, code, body, tc.code, tc.says)
			}
			if !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || !json.Valid([]byte(body)) {
				t.Errorf("not a JSON body: %q (%s)", body, hdr.Get("Content-Type"))
			}
		})
	}
	list := &stokev1.SparkApplicationList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil || len(list.Items) != 0 {
		t.Errorf("bad input created %d applications (%v)", len(list.Items), err)
	}
	if code, _, _ := call(t, "GET", api+"/applications", alice.token, nil, nil); code != 200 {
		t.Errorf("the server stopped serving: %d", code)
	}
}
