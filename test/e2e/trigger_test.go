//go:build e2e

package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// TestSignedWebhookStartsARealRun: a Git forge's push webhook (no token, an HMAC signature) reaches the
// chart-installed stoke server; the run it starts, created as the trigger's service account and started by
// the operator, is a real Spark job whose driver returns the commit the payload named. The same delivery sent
// again starts nothing.
func TestSignedWebhookStartsARealRun(t *testing.T) {
	if h.Chart == nil {
		t.Skip("stoke server is installed by the chart (STOKE_E2E_OPERATOR=chart)")
	}
	t.Parallel()
	ctx := context.Background()
	ns := Namespace(t)
	spec := pipelineApp(ns, newestVersion(), sharedDir(t, ns), "echo", "{{ .Params.commit }}")
	sched := &stokev1.ScheduledSparkApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "lake"},
		Spec: stokev1.ScheduledSparkApplicationSpec{
			Schedule:          "0 0 1 1 *",
			ConcurrencyPolicy: stokev1.ConcurrencyForbid,
			Parameters:        []stokev1.ScheduleParameter{{Name: "commit", Value: "HEAD"}},
			Triggers: []stokev1.HTTPTrigger{{
				Name: "push", ServiceAccountName: "lake-hook",
				Signature:      &stokev1.TriggerSignature{SecretName: "lake-webhook"},
				IdempotencyKey: &stokev1.TriggerIdempotencyKey{Header: "X-GitHub-Delivery"},
				Parameters:     []stokev1.TriggerParameter{{Name: "commit", Path: "after"}},
			}},
			Template: stokev1.ScheduleTemplate{Application: &spec},
		},
	}
	must(t, h.Client.Create(ctx, sched))
	must(t, h.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "lake-webhook"},
		StringData: map[string]string{"secret": "e2e-shared-secret"}}))
	roleToken(t, ns, "lake-hook", []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"lake-webhook"}, Verbs: []string{"get"}},
		{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications"}, Verbs: []string{"create", "get"}},
	})

	body := `{"ref": "refs/heads/main", "after": "0d1a26e67d8f", "repository": {"full_name": "acme/lake"}}`
	mac := hmac.New(sha256.New, []byte("e2e-shared-secret"))
	mac.Write([]byte(body))
	url := nodePortURL(t, operatorNS, release+"-server").String() + "/api/v1/namespaces/" + ns + "/schedules/lake/triggers/push"
	deliver := func() (int, string, string) {
		req, err := http.NewRequest("POST", url, strings.NewReader(body))
		must(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var answer struct {
			Run string `json:"run"`
		}
		_ = json.Unmarshal(data, &answer)
		return resp.StatusCode, answer.Run, string(data)
	}
	var run string
	eventually(t, time.Minute, "the server accepting the delivery (its cache holds the schedule)", func() (bool, error) {
		code, name, _ := deliver()
		run = name
		return code == http.StatusCreated, nil
	})
	if code, again, text := deliver(); code != http.StatusOK || again != run {
		t.Errorf("the redelivery: %d %s, want 200 naming %s", code, text, run)
	}
	app := waitPhase(t, ns, run, 5*time.Minute, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
	if app.Status.Phase != stokev1.PhaseSucceeded || app.Status.CurrentAttempt.Result != "0d1a26e67d8f" {
		t.Errorf("run %s ended %s with result %q, want Succeeded with the pushed commit", run, app.Status.Phase, app.Status.CurrentAttempt.Result)
	}
	must(t, h.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lake"}, sched))
	if len(sched.Status.Waiting) != 0 {
		t.Errorf("runs still waiting: %v", sched.Status.Waiting)
	}
}
