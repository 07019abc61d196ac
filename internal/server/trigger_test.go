package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/schedule"
)

// ingestSchedule has two triggers: "manual" for callers with tokens, and "push", signed, for a Git forge
// that sends no token and acts as the service account "hook".
func ingestSchedule(ns string) *stokev1.ScheduledSparkApplication {
	file, class := "local:///opt/spark/examples/jars/spark-examples.jar", "org.example.Ingest"
	return &stokev1.ScheduledSparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ingest"},
		Spec: stokev1.ScheduledSparkApplicationSpec{
			Schedule:   "0 3 * * *",
			Parameters: []stokev1.ScheduleParameter{{Name: "table", Value: "all"}, {Name: "repo", Value: "none"}},
			Triggers: []stokev1.HTTPTrigger{
				{Name: "manual", Parameters: []stokev1.TriggerParameter{{Name: "table", Path: "table"}}},
				{Name: "push", ServiceAccountName: "hook",
					Parameters:     []stokev1.TriggerParameter{{Name: "repo", Path: "repository.full_name"}},
					IdempotencyKey: &stokev1.TriggerIdempotencyKey{Header: "X-GitHub-Delivery"},
					Signature:      &stokev1.TriggerSignature{SecretName: "push-secret"}},
				{Name: "weak", ServiceAccountName: "weak", Signature: &stokev1.TriggerSignature{SecretName: "push-secret"}},
				{Name: "blind", ServiceAccountName: "blind", Signature: &stokev1.TriggerSignature{SecretName: "push-secret"}},
			},
			Template: stokev1.ScheduleTemplate{Application: &stokev1.SparkApplicationSpec{
				Type: stokev1.ApplicationTypeJava, SparkVersion: "3.5.7", Image: "apache/spark:3.5.7",
				MainClass: &class, MainApplicationFile: &file,
				Arguments: []string{"--table={{ .Params.table }}", "--repo={{ .Params.repo }}", `--day={{ .ScheduledTime | date "2006-01-02" }}`},
			}},
		},
	}
}

func sign(secret, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

type triggered struct {
	Run        string            `json:"run"`
	Kind       string            `json:"kind"`
	Created    bool              `json:"created"`
	Parameters map[string]string `json:"parameters"`
}

func TestHTTPTriggers(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	ctx := context.Background()
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	viewer := newUser(t, ns, "viewer", map[string][]rbacv1.PolicyRule{ns: viewRules})
	stranger := newUser(t, ns, "stranger", nil)
	sched := ingestSchedule(ns)
	if err := env.Client.Create(ctx, sched); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "push-secret"}, StringData: map[string]string{"secret": "s3cr3t"}}
	if err := env.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	readSecret := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"push-secret"}, Verbs: []string{"get"}}
	createApps := rbacv1.PolicyRule{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications"}, Verbs: []string{"create", "get"}}
	newUser(t, ns, "hook", map[string][]rbacv1.PolicyRule{ns: {readSecret, createApps}})
	newUser(t, ns, "weak", map[string][]rbacv1.PolicyRule{ns: {readSecret}})  // may check signatures, may not create
	newUser(t, ns, "blind", map[string][]rbacv1.PolicyRule{ns: {createApps}}) // may create, may not read the secret
	eventually(t, "the server's cache holds the schedule", func() bool {
		code, _, _ := call(t, "GET", url+"/api/v1/namespaces/"+ns+"/schedules/ingest", alice.token, nil, nil)
		return code == http.StatusOK
	})
	base := url + "/api/v1/namespaces/" + ns + "/schedules/ingest/triggers/"

	// A delivery with a token and an idempotency key: 201, a waiting run with the payload's parameter.
	var first triggered
	code, hdr, body := call(t, "POST", base+"manual", alice.token, `{"table": "orders"}`, &first, "Idempotency-Key", "delivery-1")
	wantName := schedule.TriggeredRunName("ingest", "manual", "delivery-1")
	if code != http.StatusCreated || first.Run != wantName || !first.Created || hdr.Get("Location") != "/api/v1/namespaces/"+ns+"/applications/"+wantName {
		t.Fatalf("first delivery: %d %s (Location %q)", code, body, hdr.Get("Location"))
	}
	run := &stokev1.SparkApplication{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: wantName}, run); err != nil {
		t.Fatal(err)
	}
	if !run.Spec.Suspend || run.Annotations[stokev1.AnnotationAwaitingSchedule] == "" || run.Annotations[stokev1.AnnotationTrigger] != "manual" ||
		run.Annotations[stokev1.AnnotationRunTrigger] != "HTTP" || run.Labels[stokev1.LabelSchedule] != "ingest" {
		t.Errorf("the run should wait for its schedule: suspend %v, annotations %v, labels %v", run.Spec.Suspend, run.Annotations, run.Labels)
	}
	if ref := metav1.GetControllerOf(run); ref == nil || ref.UID != sched.UID {
		t.Errorf("the run is not owned by its schedule: %v", run.OwnerReferences)
	}
	if !slices.Contains(run.Spec.Arguments, "--table=orders") || !slices.Contains(run.Spec.Arguments, "--repo=none") ||
		!strings.HasPrefix(run.Spec.Arguments[2], "--day=20") {
		t.Errorf("arguments %q: want the payload's table, the declared repo and the logical day", run.Spec.Arguments)
	}

	// The same delivery again (a sender's retry): 200, the same run, nothing new.
	var again triggered
	if code, _, body := call(t, "POST", base+"manual", alice.token, `{"table": "orders"}`, &again, "Idempotency-Key", "delivery-1"); code != http.StatusOK || again.Run != wantName || again.Created {
		t.Errorf("retried delivery: %d %s", code, body)
	}
	// Without a key every delivery is a new run; the declared value stays where the body has none.
	var k1, k2 triggered
	call(t, "POST", base+"manual", alice.token, "", &k1)
	call(t, "POST", base+"manual", alice.token, `{}`, &k2)
	if !k1.Created || !k2.Created || k1.Run == k2.Run || k1.Parameters["table"] != "all" {
		t.Errorf("keyless deliveries: %+v %+v", k1, k2)
	}

	// A signed delivery without a token acts as the trigger's service account.
	push := `{"repository": {"full_name": "acme/lake"}, "after": "0d1a26e"}`
	var pushed triggered
	code, _, body = call(t, "POST", base+"push", "", push, &pushed, "X-Hub-Signature-256", sign("s3cr3t", push), "X-GitHub-Delivery", "gh-1")
	if code != http.StatusCreated || pushed.Parameters["repo"] != "acme/lake" || pushed.Parameters["table"] != "all" {
		t.Fatalf("signed delivery: %d %s", code, body)
	}
	if code, _, body := call(t, "POST", base+"push", "", push, &again, "X-Hub-Signature-256", sign("s3cr3t", push), "X-GitHub-Delivery", "gh-1"); code != http.StatusOK || again.Run != pushed.Run {
		t.Errorf("signed delivery again: %d %s", code, body)
	}

	runsBefore := countRuns(t, ns)
	forged := sign("guess", push)
	cases := []struct {
		name, trigger, token, body string
		headers                    []string
		code                       int
		says                       string
	}{
		{"no token, unsigned trigger", "manual", "", `{}`, nil, 401, "bearer token"},
		{"no token, unknown schedule", "manual", "", `{}`, nil, 401, "bearer token"},
		{"no token, unknown trigger", "nope", "", `{}`, nil, 401, "bearer token"},
		{"forged signature", "push", "", push, []string{"X-Hub-Signature-256", forged, "X-GitHub-Delivery", "gh-2"}, 401, "does not match"},
		{"body changed after signing", "push", "", strings.Replace(push, "acme", "evil", 1), []string{"X-Hub-Signature-256", sign("s3cr3t", push), "X-GitHub-Delivery", "gh-3"}, 401, "does not match"},
		{"no signature", "push", "", push, []string{"X-GitHub-Delivery", "gh-4"}, 401, "header is missing"},
		{"a token does not replace the signature", "push", alice.token, push, []string{"X-GitHub-Delivery", "gh-5"}, 401, "header is missing"},
		{"declared key missing", "push", "", push, []string{"X-Hub-Signature-256", sign("s3cr3t", push)}, 400, "X-GitHub-Delivery"},
		{"account may not create", "weak", "", push, []string{"X-Hub-Signature-256", sign("s3cr3t", push)}, 403, "cannot create resource"},
		{"account may not read the secret", "blind", "", push, []string{"X-Hub-Signature-256", sign("s3cr3t", push)}, 403, "cannot check signatures"},
		{"viewer may not create", "manual", viewer.token, `{}`, nil, 403, "cannot create resource"},
		{"stranger may not see the schedule", "manual", stranger.token, `{}`, nil, 403, "may not get scheduledsparkapplications"},
		{"unknown trigger", "nope", alice.token, `{}`, nil, 404, `has no trigger "nope"`},
		{"malformed JSON", "manual", alice.token, `{"table": `, nil, 400, "not valid JSON"},
		{"not an object", "manual", alice.token, `["orders"]`, nil, 400, "must be a JSON object"},
		{"oversized value", "manual", alice.token, `{"table": "` + strings.Repeat("t", 5000) + `"}`, nil, 400, "at most 4096"},
		{"a value is data, not a reference", "manual", alice.token, `{"table": "{{ .Params.nope }}"}`, nil, 201, ""},
		{"bad trigger name", "Not_A_Name", alice.token, `{}`, nil, 400, "trigger"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := base + tc.trigger
			if tc.name == "no token, unknown schedule" {
				target = strings.Replace(target, "/ingest/", "/nope/", 1)
			}
			code, _, body := call(t, "POST", target, tc.token, tc.body, nil, tc.headers...)
			if code != tc.code || !strings.Contains(message(body), tc.says) {
				t.Errorf("got %d %s, want %d saying %q", code, body, tc.code, tc.says)
			}
		})
	}
	// Only the one accepted case created a run: a value is data, never a reference substituted again.
	if n := countRuns(t, ns); n != runsBefore+1 {
		t.Errorf("refused deliveries created runs: %d before, %d after", runsBefore, n)
	}
	if code, _, _ := call(t, "GET", url+"/api/v1/namespaces/"+ns+"/applications", alice.token, nil, nil); code != 200 {
		t.Errorf("the server stopped serving: %d", code)
	}
}

func countRuns(t *testing.T, ns string) int {
	t.Helper()
	list := &stokev1.SparkApplicationList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// TestTriggerAdmission: the API server refuses triggers that could never work.
func TestTriggerAdmission(t *testing.T) {
	ns := env.Namespace(t)
	for name, tc := range map[string]struct {
		mutate func(*stokev1.ScheduledSparkApplication)
		says   string
	}{
		"undeclared parameter": {func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Triggers[0].Parameters = []stokev1.TriggerParameter{{Name: "day", Path: "day"}}
		}, "every trigger parameter must name one of spec.parameters"},
		"signature without account": {func(s *stokev1.ScheduledSparkApplication) { s.Spec.Triggers[1].ServiceAccountName = "" },
			"needs serviceAccountName"},
		"two key sources": {func(s *stokev1.ScheduledSparkApplication) { s.Spec.Triggers[1].IdempotencyKey.Path = "after" },
			"set exactly one of header and path"},
		"bad path":          {func(s *stokev1.ScheduledSparkApplication) { s.Spec.Triggers[0].Parameters[0].Path = "a..b" }, "path"},
		"unknown algorithm": {func(s *stokev1.ScheduledSparkApplication) { s.Spec.Triggers[1].Signature.Algorithm = "MD5" }, "algorithm"},
		"duplicate trigger": {func(s *stokev1.ScheduledSparkApplication) { s.Spec.Triggers[1].Name = "manual" }, "Duplicate value"},
		"reserved annotation": {func(s *stokev1.ScheduledSparkApplication) {
			s.Spec.Template.Metadata.Annotations = map[string]string{stokev1.AnnotationAwaitingSchedule: "true"}
		}, "stoke.dev/awaiting-schedule"},
	} {
		t.Run(name, func(t *testing.T) {
			s := ingestSchedule(ns)
			tc.mutate(s)
			err := env.Client.Create(context.Background(), s)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %v, want a refusal saying %q", err, tc.says)
			}
		})
	}
}
