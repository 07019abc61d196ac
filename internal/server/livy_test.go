package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/server"
	"github.com/stokehq/stoke/internal/testenv"
)

// livyClientScript drives the server with pylivy (PyPI's `livy` package, unmodified): the version, a batch
// created and followed to its end, its log, the list, its deletion. Only the authentication is the
// caller's own: a requests auth object that sends the Kubernetes token.
const livyClientScript = `
import json, sys, requests
from livy import LivyBatch
from livy.client import LivyClient

class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token
    def __call__(self, r):
        r.headers["Authorization"] = "Bearer " + self.token
        r.headers["X-Requested-By"] = "pylivy"
        return r

url, token = sys.argv[1], sys.argv[2]
auth = Bearer(token)
client = LivyClient(url, auth=auth)
def say(**kv):
    print(json.dumps(kv), flush=True)
say(version=str(client.server_version()))
batch = LivyBatch.create(url, "local:///opt/spark/examples/jars/spark-examples.jar", auth=auth,
    class_name="org.apache.spark.examples.SparkPi", args=["10"], driver_memory="1g", executor_memory="2g",
    num_executors=2, name="livy-pi", spark_conf={"spark.eventLog.enabled": "false"})
say(id=batch.batch_id)
sys.stdin.readline()  # the test has seen the batch
say(state=batch.wait().value)
say(log=batch.log())
got = client.get_batch(batch.batch_id)
say(appId=got.app_id, appInfo=got.app_info)
batch.kill()
say(gone=client.get_batch(batch.batch_id) is None)
`

func TestUnmodifiedLivyClient(t *testing.T) {
	pythonPath := testenv.CachedByScript(t, "livy-client.sh", "the pylivy client and its packages")
	ns, state := env.Namespace(t), env.Namespace(t)
	url := startServer(t, state, func(o *server.Options) { o.LivyCSRF = true })
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})

	script := filepath.Join(t.TempDir(), "client.py")
	if err := os.WriteFile(script, []byte(livyClientScript), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", script, url+"/livy/"+ns, alice.token)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+pythonPath)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(stdout)
	next := func() map[string]any {
		t.Helper()
		if !lines.Scan() {
			_ = cmd.Wait()
			t.Fatalf("the Livy client stopped: %s", stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("client said %q", lines.Text())
		}
		return m
	}
	if v := next(); v["version"] != "Version(0.8.0-incubating)" {
		t.Errorf("version: %v", v)
	}
	id := next()["id"].(float64)

	// The batch is a SparkApplication in alice's namespace, made as alice, mapped field by field.
	list := &stokev1.SparkApplicationList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns),
		client.MatchingLabels{server.LabelLivyBatchID: strconv.Itoa(int(id))}); err != nil || len(list.Items) != 1 {
		t.Fatalf("batch %v: %d applications (%v)", id, len(list.Items), err)
	}
	app := &list.Items[0]
	spec := app.Spec
	if app.Name != "livy-pi" || *spec.MainClass != "org.apache.spark.examples.SparkPi" || spec.Arguments[0] != "10" ||
		*spec.Driver.Memory != "1g" || *spec.Executor.Memory != "2g" || *spec.Executor.Instances != 2 ||
		spec.SparkConf["spark.eventLog.enabled"] != "false" || spec.Image != "apache/spark:3.5.7" || spec.SparkVersion != "3.5.7" ||
		app.Annotations[server.AnnotationLivyOwner] != alice.name {
		t.Errorf("batch mapped to %+v %v", spec, app.Annotations)
	}
	// The operator's part, played by the test: the driver runs, then succeeds.
	setPhase(t, app, stokev1.PhaseRunning, &stokev1.Attempt{Number: 1, SparkApplicationID: "spark-0123", DriverPodName: "livy-pi-1-driver"})
	setPhase(t, app, stokev1.PhaseSucceeded, &stokev1.Attempt{Number: 1, SparkApplicationID: "spark-0123", DriverPodName: "livy-pi-1-driver"})
	_, _ = fmt.Fprintln(stdin)
	if s := next(); s["state"] != "success" {
		t.Errorf("the client saw the batch end as %v", s)
	}
	if l := next(); l["log"] == nil {
		t.Errorf("log: %v", l)
	}
	info := next()
	if info["appId"] != "spark-0123" || !strings.HasSuffix(info["appInfo"].(map[string]any)["driverLogUrl"].(string), "/api/v1/namespaces/"+ns+"/applications/livy-pi/logs") {
		t.Errorf("appId and appInfo: %v", info)
	}
	if g := next(); g["gone"] != true {
		t.Errorf("after kill: %v", g)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v: %s", err, stderr.String())
	}
}

// TestLivyBatchIDs: ids are numbers that two replicas, and a restarted server, never give out twice (each
// takes blocks of ids from the counter), and a batch keeps its id.
func TestLivyBatchIDs(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	replicas := []string{startServer(t, state), startServer(t, state)}
	body := map[string]any{"file": "local:///opt/spark/examples/jars/spark-examples.jar", "className": "org.apache.spark.examples.SparkPi"}
	type created struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	var mu sync.Mutex
	ids := map[int64]string{}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(url string) {
			defer wg.Done()
			var b created
			code, hdr, resp := call(t, "POST", url+"/livy/"+ns+"/batches", alice.token, body, &b)
			if code != 201 || hdr.Get("Location") != fmt.Sprintf("/livy/%s/batches/%d", ns, b.ID) || b.State != "starting" {
				t.Errorf("create: %d %s %s", code, hdr.Get("Location"), resp)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if prev, dup := ids[b.ID]; dup {
				t.Errorf("id %d given out twice (%s and %s)", b.ID, prev, url)
			}
			ids[b.ID] = url
		}(replicas[i%2])
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// A restarted server continues after the highest id; deleting a batch frees no id.
	restarted := startServer(t, state)
	var b created
	if code, _, resp := call(t, "DELETE", restarted+"/livy/"+ns+"/batches/0", alice.token, nil, nil, "X-Requested-By", "t"); code != 200 || message(resp) != "deleted" {
		t.Errorf("delete: %d %s", code, resp)
	}
	var highest int64
	for id := range ids {
		highest = max(highest, id)
	}
	if code, _, resp := call(t, "POST", restarted+"/livy/"+ns+"/batches", alice.token, body, &b); code != 201 || b.ID <= highest {
		t.Errorf("after a restart: %d %s, want an id above %d", code, resp, highest)
	}
	var page struct {
		From     int       `json:"from"`
		Total    int       `json:"total"`
		Sessions []created `json:"sessions"`
	}
	eventually(t, "the list to hold 21 batches", func() bool {
		call(t, "GET", restarted+"/livy/"+ns+"/batches?from=5&size=4", alice.token, nil, &page)
		return page.Total >= 20
	})
	if page.From != 5 || len(page.Sessions) != 4 || page.Sessions[0].ID >= page.Sessions[1].ID {
		t.Errorf("list from 5 size 4: %+v", page)
	}
}

// TestReadBackBeforeTheCacheSeesIt: a client that reads back what it just created finds it even when the
// server's cache has not seen the create yet (here a cache that never holds applications). Before, a Livy
// client's first poll right after its POST could get "Session not found" and give up (found by e2e).
func TestReadBackBeforeTheCacheSeesIt(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	srv := runServer(t, server.Options{Config: serverIdentity(t, state), Scheme: operator.Scheme(), Namespace: state, LivyPrefix: "/livy"})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := server.BlindToApplications(ctx, srv); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	mainClass, file := "org.apache.spark.examples.SparkPi", "local:///opt/spark/examples/jars/spark-examples.jar"
	app := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pi", Labels: map[string]string{server.LabelLivyBatchID: "7"}},
		Spec: stokev1.SparkApplicationSpec{Type: stokev1.ApplicationTypeScala, SparkVersion: "3.5.7", Image: "spark:3.5.7", MainClass: &mainClass,
			MainApplicationFile: &file}}
	if err := env.Client.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	var batch struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	if code, _, resp := call(t, "GET", ts.URL+"/livy/"+ns+"/batches/7", alice.token, nil, &batch); code != 200 || batch.ID != 7 {
		t.Errorf("GET the batch: %d %s", code, resp)
	}
	if code, _, resp := call(t, "GET", ts.URL+"/api/v1/namespaces/"+ns+"/applications/pi", alice.token, nil, nil); code != 200 {
		t.Errorf("GET the application: %d %s", code, resp)
	}
	// Absent is still 404, asked of the API server.
	if code, _, resp := call(t, "GET", ts.URL+"/livy/"+ns+"/batches/8", alice.token, nil, nil); code != 404 {
		t.Errorf("GET a batch that does not exist: %d %s", code, resp)
	}
}
