package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/server"
)

// TestAuthorizationMatrix: users x namespaces x operations, REST and Livy. Each user may do through the
// server exactly what RBAC gives them in each namespace, and a refusal is a 403 that shows no data.
func TestAuthorizationMatrix(t *testing.T) {
	nsA, nsB, state := env.Namespace(t), env.Namespace(t), env.Namespace(t)
	url := startServer(t, state)
	users := map[string]user{
		"alice": newUser(t, nsA, "alice", map[string][]rbacv1.PolicyRule{nsA: editRules}),
		"bob":   newUser(t, nsA, "bob", map[string][]rbacv1.PolicyRule{nsA: viewRules}),
		"carol": newUser(t, nsB, "carol", map[string][]rbacv1.PolicyRule{nsB: editRules}),
		"dave":  newUser(t, nsB, "dave", nil),
	}
	role := map[string]map[string]string{ // user -> namespace -> edit | view | (none)
		"alice": {nsA: "edit"}, "bob": {nsA: "view"}, "carol": {nsB: "edit"}, "dave": {},
	}
	// Each namespace holds an application with a recorded attempt, a Livy batch (id 0 or 1), and one
	// application per user and namespace for the destructive operations.
	secret := "com.example.SecretMarker"
	for i, ns := range []string{nsA, nsB} {
		target := pi(ns, "target", nil)
		target.Spec.MainClass = &secret
		target.Labels = map[string]string{server.LabelLivyBatchID: fmt.Sprint(i)}
		mustCreate(t, target)
		setPhase(t, target, stokev1.PhaseRunning, &stokev1.Attempt{Number: 1, DriverPodName: "target-1-driver"})
		for u := range users {
			mustCreate(t, pi(ns, "victim-"+u, nil))
		}
	}
	eventually(t, "the cache to hold both targets, running", func() bool {
		var a, b stokev1.SparkApplication
		code, _, _ := call(t, "GET", url+"/api/v1/namespaces/"+nsB+"/applications/target", users["carol"].token, nil, &b)
		code2, _, _ := call(t, "GET", url+"/api/v1/namespaces/"+nsA+"/applications/target", users["alice"].token, nil, &a)
		return code == 200 && code2 == 200 && a.Status.Phase == stokev1.PhaseRunning && b.Status.Phase == stokev1.PhaseRunning
	})

	type op struct {
		name, method, path string
		body               any
		// needs is the role that may do it: view or edit.
		needs string
	}
	submission := map[string]any{"file": "local:///opt/spark/examples/jars/spark-examples.jar", "className": "org.apache.spark.examples.SparkPi"}
	ops := func(ns, u string, batch int) []op {
		api := "/api/v1/namespaces/" + ns
		return []op{
			{"list applications", "GET", api + "/applications", nil, "view"},
			{"get application", "GET", api + "/applications/target", nil, "view"},
			{"list workflows", "GET", api + "/workflows", nil, "view"},
			{"list schedules", "GET", api + "/schedules", nil, "view"},
			{"events", "GET", api + "/applications/target/events", nil, "edit"}, // events need the events rule
			{"logs", "GET", api + "/applications/target/logs", nil, "edit"},     // logs need pods and pods/log
			{"create", "POST", api + "/applications", pi("", "new-"+u, nil), "edit"},
			{"submit", "POST", api + "/submissions", submission, "edit"},
			{"suspend", "POST", api + "/applications/victim-" + u + "/suspend", nil, "edit"},
			{"rerun", "POST", api + "/applications/target/rerun?force=true", nil, "edit"},
			{"delete", "DELETE", api + "/applications/victim-" + u, nil, "edit"},
			{"livy list", "GET", "/livy/" + ns + "/batches", nil, "view"},
			{"livy get", "GET", fmt.Sprintf("/livy/%s/batches/%d", ns, batch), nil, "view"},
			{"livy state", "GET", fmt.Sprintf("/livy/%s/batches/%d/state", ns, batch), nil, "view"},
			{"livy log", "GET", fmt.Sprintf("/livy/%s/batches/%d/log", ns, batch), nil, "edit"},
			{"livy create", "POST", "/livy/" + ns + "/batches", submission, "edit"},
		}
	}
	for u, tok := range users {
		for i, ns := range []string{nsA, nsB} {
			for _, o := range ops(ns, u, i) {
				r := role[u][ns]
				allowed := r == "edit" || (r == "view" && o.needs == "view")
				t.Run(fmt.Sprintf("%s/%s/%s", u, map[bool]string{true: "A", false: "B"}[ns == nsA], o.name), func(t *testing.T) {
					code, _, body := call(t, o.method, url+o.path, tok.token, o.body, nil)
					switch {
					case allowed && (code == http.StatusForbidden || code >= 500):
						t.Errorf("%s may %s in %s, got %d %s", u, o.name, ns, code, body)
					case allowed && o.name == "logs" && (code != 404 || !strings.Contains(body, "is gone")):
						t.Errorf("logs: %d %s", code, body)
					case !allowed && code != http.StatusForbidden:
						t.Errorf("%s may not %s in %s, got %d %s", u, o.name, ns, code, body)
					case !allowed && (strings.Contains(body, secret) || strings.Contains(body, "victim") && o.method == "GET"):
						t.Errorf("a refusal shows data: %s", body)
					}
				})
			}
		}
	}
}

func mustCreate(t *testing.T, app *stokev1.SparkApplication) {
	t.Helper()
	app.TypeMeta = metav1.TypeMeta{}
	if err := env.Client.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
}
