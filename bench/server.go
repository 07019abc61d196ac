package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// serverResult is `stoke server` measured as a separate process beside the operator: list pages of a
// namespace holding the inventory, its RSS holding every retained application, Livy batches against
// plain creates (creation to driver pod, interleaved), and how far its watch stream trails a direct watch
// of the API server.
type serverResult struct {
	ListedApps int `json:"appsInListedNamespace"`
	CachedApps int `json:"appsInCache"`
	// ListPage and ListFiltered are client-measured times on localhost of GET ...?limit=50 (first pages,
	// and with a phase and text filter), TokenReview cached, one SubjectAccessReview each.
	ListPage     latency `json:"listPage50"`
	ListFiltered latency `json:"listPage50Filtered"`
	RSSBytes     int64   `json:"rssBytes"`
	// LivyToDriver and PlainToDriver: request start to the driver pod seen by the bench's watch.
	LivyToDriver  latency `json:"livyToDriverPod"`
	PlainToDriver latency `json:"plainToDriverPod"`
	// WatchLag: an application change seen by the bench's own watch of the API server, to the same
	// change (name and resourceVersion) arriving on the server's event stream.
	WatchLag latency `json:"watchStreamLag"`
}

const benchServerUser = "bench-server-user"

// runServer starts `stoke server`, measures it and stops it.
func runServer(ctx context.Context, stokeBin, dir, kubeconfig string, c client.Client, cs kubernetes.Interface,
	appInf crcache.Informer, tr *tracker, listNS, ns string, pairs, executors int) (*serverResult, error) {
	res := &serverResult{}
	token, err := benchUserToken(ctx, c, cs, ns, []string{ns, listNS})
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(srvCtx, stokeBin, "server", "--kubeconfig", kubeconfig, "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--namespace", ns, "--default-image", "spark:3.5.7")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting stoke server: %w", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitUntil(2*time.Minute, "stoke server to be ready", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}); err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	do := func(method, url string, body any) (int, []byte, time.Duration, error) {
		var rd io.Reader
		if body != nil {
			data, _ := json.Marshal(body)
			rd = bytes.NewReader(data)
		}
		req, _ := http.NewRequestWithContext(ctx, method, base+url, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return 0, nil, 0, err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, data, time.Since(start), err
	}

	// List pages.
	var page struct {
		Total int `json:"total"`
	}
	code, data, _, err := do("GET", "/api/v1/namespaces/"+listNS+"/applications?limit=50", nil)
	if err != nil || code != 200 || json.Unmarshal(data, &page) != nil {
		return nil, fmt.Errorf("listing through stoke server: %d %v %.200s", code, err, data)
	}
	res.ListedApps = page.Total
	all := &metav1.PartialObjectMetadataList{}
	all.SetGroupVersionKind(stokev1.GroupVersion.WithKind("SparkApplicationList"))
	if err := c.List(ctx, all); err == nil {
		res.CachedApps = len(all.Items)
	}
	var plainList, filtered []time.Duration
	for i := 0; i < 300; i++ {
		_, _, d, err := do("GET", "/api/v1/namespaces/"+listNS+"/applications?limit=50", nil)
		if err != nil {
			return nil, err
		}
		plainList = append(plainList, d)
		_, _, d, err = do("GET", "/api/v1/namespaces/"+listNS+"/applications?limit=50&phase=Succeeded,Failed&q=app-1", nil)
		if err != nil {
			return nil, err
		}
		filtered = append(filtered, d)
	}
	res.ListPage, res.ListFiltered = summarize(plainList), summarize(filtered)

	// The watch stream, against the bench's own informer.
	seen := newFirstSeen()
	reg, err := appInf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { seen.mark(obj, ns) },
		UpdateFunc: func(_, obj any) { seen.mark(obj, ns) },
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = appInf.RemoveEventHandler(reg) }()
	lags, stopStream, err := streamLags(ctx, base+"/api/v1/namespaces/"+ns+"/applications?watch=true", token, seen)
	if err != nil {
		return nil, err
	}

	// Livy batches and plain creates, interleaved, one pair every 200 ms.
	livy := map[string]any{"file": "local:///opt/spark/examples/jars/spark-examples.jar", "className": "org.apache.spark.examples.SparkPi",
		"args": []string{"1000"}, "numExecutors": executors}
	var livyKeys, plainKeys []string
	sub := stokeSubmitter{c: c, t: tr, executors: executors}
	for i := 0; i < pairs; i++ {
		name := fmt.Sprintf("livy-%d", i)
		livy["name"] = name
		tr.created(ns+"/"+name, time.Now())
		if code, data, _, err := do("POST", "/livy/"+ns+"/batches", livy); err != nil || code != 201 {
			return nil, fmt.Errorf("a Livy batch: %d %v %.200s", code, err, data)
		}
		livyKeys = append(livyKeys, ns+"/"+name)
		name = fmt.Sprintf("plain-%d", i)
		if err := sub.submit(ctx, ns, name); err != nil {
			return nil, err
		}
		plainKeys = append(plainKeys, ns+"/"+name)
		time.Sleep(200 * time.Millisecond)
	}
	keys := append(append([]string(nil), livyKeys...), plainKeys...)
	if err := waitUntil(5*time.Minute, "the server phase's applications to finish", func() bool { return tr.allFinished(keys) }); err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Second) // the last changes reach the stream
	stopStream()
	res.WatchLag = summarize(lags())
	res.LivyToDriver = measure("server", "livy", tr.snapshot(livyKeys)).ToDriverPod
	res.PlainToDriver = measure("server", "stoke", tr.snapshot(plainKeys)).ToDriverPod
	if p, err := readProc(cmd.Process.Pid, 100); err == nil {
		res.RSSBytes = p.RSSBytes
	}
	return res, nil
}

// benchUserToken makes a service account bound, in each namespace, to a Role that may do what the
// server's callers do, and returns a token for it.
func benchUserToken(ctx context.Context, c client.Client, cs kubernetes.Interface, home string, namespaces []string) (string, error) {
	if err := c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: home, Name: benchServerUser}}); err != nil {
		return "", err
	}
	for _, ns := range namespaces {
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: benchServerUser}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"stoke.dev"}, Resources: []string{"sparkapplications"}, Verbs: []string{"get", "list", "watch", "create", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"pods", "pods/log", "events"}, Verbs: []string{"get", "list"}},
		}}
		binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: benchServerUser},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: benchServerUser},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: home, Name: benchServerUser}}}
		if err := c.Create(ctx, role); err != nil {
			return "", err
		}
		if err := c.Create(ctx, binding); err != nil {
			return "", err
		}
	}
	exp := int64(3600)
	tr, err := cs.CoreV1().ServiceAccounts(home).CreateToken(ctx, benchServerUser,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return tr.Status.Token, nil
}

// firstSeen records when the bench's own watch first saw each version of each application of a namespace.
type firstSeen struct {
	mu sync.Mutex
	at map[string]time.Time
}

func newFirstSeen() *firstSeen { return &firstSeen{at: map[string]time.Time{}} }

func (f *firstSeen) mark(obj any, ns string) {
	o, ok := obj.(client.Object)
	if !ok || o.GetNamespace() != ns {
		return
	}
	key := o.GetName() + "@" + o.GetResourceVersion()
	f.mu.Lock()
	if _, ok := f.at[key]; !ok {
		f.at[key] = time.Now()
	}
	f.mu.Unlock()
}

func (f *firstSeen) get(key string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.at[key]
	return t, ok
}

// streamLags reads a watch stream after its snapshot and pairs each change with the bench watch's sighting.
func streamLags(ctx context.Context, url, token string, seen *firstSeen) (lags func() []time.Duration, stop func(), err error) {
	sctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(sctx, "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		cancel()
		return nil, nil, fmt.Errorf("watch stream: %s", resp.Status)
	}
	type arrival struct {
		key string
		at  time.Time
	}
	var mu sync.Mutex
	var arrivals []arrival
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		synced := false
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
				if event == "SYNCED" {
					synced = true
				}
			case strings.HasPrefix(line, "data: ") && synced && event != "SYNCED":
				at := time.Now()
				var m metav1.PartialObjectMetadata
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m) == nil {
					mu.Lock()
					arrivals = append(arrivals, arrival{key: m.Name + "@" + m.ResourceVersion, at: at})
					mu.Unlock()
				}
			}
		}
	}()
	// Paired once the run is over: by then the bench's watch has seen every change.
	return func() []time.Duration {
			mu.Lock()
			defer mu.Unlock()
			var out []time.Duration
			for _, a := range arrivals {
				if at, ok := seen.get(a.key); ok {
					out = append(out, max(a.at.Sub(at), 0))
				}
			}
			return out
		}, func() {
			cancel()
			<-done
		}, nil
}
