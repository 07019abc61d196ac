//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stokehq/stoke/internal/testenv"
)

// livyBatchScript submits a real SparkPi with pylivy (PyPI's `livy`, unmodified) and follows it to its
// end; only authentication is the caller's: a requests auth object sending the Kubernetes token.
const livyBatchScript = `
import json, sys, requests
from livy import LivyBatch

class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token
    def __call__(self, r):
        r.headers["Authorization"] = "Bearer " + self.token
        return r

url, token, image, jar, cls = sys.argv[1:6]
batch = LivyBatch.create(url, jar, auth=Bearer(token), class_name=cls, args=["4"], driver_memory="512m",
    executor_memory="512m", num_executors=1, name="livy-pi", spark_conf={
        "spark.kubernetes.container.image": image,
        "spark.kubernetes.authenticate.driver.serviceAccountName": "spark",
        "spark.kubernetes.driver.request.cores": "100m", "spark.kubernetes.executor.request.cores": "100m",
        "spark.ui.showConsoleProgress": "false"})
state = batch.wait()
view = requests.get("%s/batches/%d" % (url, batch.batch_id), auth=Bearer(token)).json()
print(json.dumps({"id": batch.batch_id, "state": state.value, "log": batch.log(size=1000), "batchLog": view["log"]}))
`

// TestLivyClientRunsSparkPi: an unmodified Livy client submits a real SparkPi to stoke server (installed by
// the chart), as a user whose only rights are a Role in their namespace, follows it to success and reads
// the driver's log.
func TestLivyClientRunsSparkPi(t *testing.T) {
	if h.Chart == nil {
		t.Skip("stoke server is installed by the chart (STOKE_E2E_OPERATOR=chart)")
	}
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "livy-client.sh")).Output()
	if err != nil {
		t.Fatalf("hack/livy-client.sh: %v", err)
	}
	pythonPath := strings.TrimSpace(string(out))
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		token := roleToken(t, ns, "livy-user", []rbacv1.PolicyRule{
			{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications"}, Verbs: []string{"get", "list", "watch", "create", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"pods", "events"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
		})
		url := nodePortURL(t, operatorNS, release+"-server").String() + "/livy/" + ns
		cmd := exec.Command("python3", "-c", livyBatchScript, url, token, "stoke.local/spark:"+version, examplesJar, sparkPi)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+pythonPath)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("the Livy client failed: %v\n%s", err, stderr.String())
		}
		var got struct {
			ID       int64    `json:"id"`
			State    string   `json:"state"`
			Log      []string `json:"log"`
			BatchLog []string `json:"batchLog"`
		}
		if err := json.Unmarshal(stdout, &got); err != nil {
			t.Fatalf("client output %q: %v", stdout, err)
		}
		if got.State != "success" || !strings.Contains(strings.Join(got.Log, "\n"), "Pi is roughly 3.1") {
			t.Errorf("batch %d ended %s; log:\n%s", got.ID, got.State, strings.Join(got.Log, "\n"))
		}
		// As Livy, the batch itself carries the last lines of its log.
		if n := len(got.BatchLog); n == 0 || n > 10 || got.BatchLog[n-1] != got.Log[len(got.Log)-1] {
			t.Errorf("the batch's log field: %q, want the last (at most 10) lines of %d", got.BatchLog, len(got.Log))
		}
		if app := get(t, ns, "livy-pi"); app.Labels["stoke.dev/livy-batch-id"] == "" || app.Status.Phase != "Succeeded" {
			t.Errorf("the batch's application: %v %s", app.Labels, app.Status.Phase)
		}
	})
}

// roleToken makes a service account holding only the given rules in ns and returns a token for it.
func roleToken(t *testing.T, ns, name string, rules []rbacv1.PolicyRule) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ns, Name: name}}}
	for _, o := range []client.Object{sa, role, binding} {
		if err := h.Client.Create(ctx, o); err != nil {
			t.Fatalf("creating %s: %v", o.GetName(), err)
		}
	}
	tr, err := h.Clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authnv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("a token for %s: %v", name, err)
	}
	return tr.Status.Token
}
