package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/server"
)

// fakeDriverUI answers as Spark's UI does behind a proxy: links and redirects under X-Forwarded-Context,
// redirects made absolute with the Host asked for (as Jetty does); it also tries to set a cookie and widen a
// service worker's scope, which the server must not pass on.
type fakeDriverUI struct {
	mu   sync.Mutex
	seen []*http.Request
}

func (f *fakeDriverUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Clone(context.Background()))
	f.mu.Unlock()
	base := r.Header.Get("X-Forwarded-Context")
	w.Header().Set("Set-Cookie", "JSESSIONID=driver; Path=/")
	w.Header().Set("Service-Worker-Allowed", "/")
	switch r.URL.Path {
	case "/": // Spark's own redirect: from its configured base, made absolute by Jetty
		http.Redirect(w, r, "http://"+r.Host+"/jobs/", http.StatusFound)
		return
	case "/stages/stage": // a redirect built from X-Forwarded-Context
		http.Redirect(w, r, "http://"+r.Host+base+"/stages/", http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = io.WriteString(w, `<html><a href="`+base+`/stages/">Stages</a> path=`+r.URL.Path+` query=`+r.URL.RawQuery+`</html>`)
}

func (f *fakeDriverUI) last() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[len(f.seen)-1]
}

// runningDriver makes app Running with a driver pod whose UI port is the fake UI's, at 127.0.0.1.
func runningDriver(t *testing.T, app *stokev1.SparkApplication, uiAddr string) {
	t.Helper()
	ctx := context.Background()
	_, port, _ := net.SplitHostPort(uiAddr)
	p, _ := strconv.Atoi(port)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: app.Namespace, Name: app.Name + "-1-driver"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "spark-kubernetes-driver", Image: "apache/spark:3.5.7",
			Ports: []corev1.ContainerPort{{Name: "spark-ui", ContainerPort: int32(p)}}}}}}
	if err := env.Client.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.0.1", PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}}}
	if err := env.Client.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	setPhase(t, app, stokev1.PhaseRunning, &stokev1.Attempt{Number: 1, DriverPodName: pod.Name})
}

// raw makes a request without following redirects and returns the response and its body.
func raw(t *testing.T, method, target, token string, body io.Reader, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func TestSparkUIThroughTheServer(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	base := startServer(t, state)
	ctx := context.Background()
	proxyRule := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/proxy"}, Verbs: []string{"get"}}
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: append(append([]rbacv1.PolicyRule{}, editRules...), proxyRule)})
	viewer := newUser(t, ns, "viewer", map[string][]rbacv1.PolicyRule{ns: append(append([]rbacv1.PolicyRule{}, viewRules...),
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}})})

	fake := &fakeDriverUI{}
	driver := httptest.NewServer(fake)
	defer driver.Close()
	app := pi(ns, "pi", nil)
	if err := env.Client.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	runningDriver(t, app, driver.Listener.Addr().String())
	idle := pi(ns, "idle", nil)
	if err := env.Client.Create(ctx, idle); err != nil {
		t.Fatal(err)
	}
	prefix := "/api/v1/namespaces/" + ns + "/applications/pi/ui"
	eventually(t, "the server's cache sees the running driver", func() bool {
		resp, _ := raw(t, "GET", base+prefix+"/", alice.token, nil)
		return resp.StatusCode == http.StatusFound
	})

	// With a token: Spark's redirect comes back relative to this server, under the prefix; the driver saw the
	// prefix and none of the caller's credentials; what it tried to set on this origin is dropped.
	resp, _ := raw(t, "GET", base+prefix+"/", alice.token, nil, "Cookie", "other=1")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != prefix+"/jobs/" {
		t.Errorf("GET ui/: %d Location %q, want 302 to %s/jobs/", resp.StatusCode, resp.Header.Get("Location"), prefix)
	}
	seen := fake.last()
	if seen.Header.Get("X-Forwarded-Context") != prefix || seen.Header.Get("Authorization") != "" || seen.Header.Get("Cookie") != "" || seen.URL.Path != "/" {
		t.Errorf("the driver got path %q, headers %v", seen.URL.Path, seen.Header)
	}
	if resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("Service-Worker-Allowed") != "" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("response headers from the driver not filtered: %v", resp.Header)
	}
	if resp, _ := raw(t, "GET", base+prefix+"/stages/stage", alice.token, nil); resp.Header.Get("Location") != prefix+"/stages/" {
		t.Errorf("a redirect already under the prefix: Location %q", resp.Header.Get("Location"))
	}
	resp, body := raw(t, "GET", base+prefix+"/jobs/job/?id=3", alice.token, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="`+prefix+`/stages/"`) || !strings.Contains(body, "path=/jobs/job/ query=id=3") {
		t.Errorf("GET ui/jobs/job/?id=3: %d %s", resp.StatusCode, body)
	}

	// Without pods/proxy, or without anything: no UI.
	if resp, body := raw(t, "GET", base+prefix+"/", viewer.token, nil); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "pods/proxy") {
		t.Errorf("viewer: %d %s", resp.StatusCode, body)
	}
	if resp, _ := raw(t, "GET", base+prefix+"/", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
	if resp, body := raw(t, "GET", base+"/api/v1/namespaces/"+ns+"/applications/idle/ui/", alice.token, nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "no running driver") {
		t.Errorf("an application without a driver: %d %s", resp.StatusCode, body)
	}
	if code, _, body := call(t, "POST", base+prefix+"-session", viewer.token, nil, nil); code != http.StatusForbidden {
		t.Errorf("viewer's ui-session: %d %s", code, body)
	}

	// A browser: the session's cookie, for this UI's path only, opens the UI without a token.
	var session struct{ URL string }
	code, hdr, body := call(t, "POST", base+prefix+"-session", alice.token, nil, &session)
	cookies := (&http.Response{Header: hdr}).Cookies()
	if code != http.StatusOK || session.URL != prefix+"/" || len(cookies) != 1 {
		t.Fatalf("ui-session: %d %s %v", code, body, hdr)
	}
	c := cookies[0]
	if c.Name != "stoke-ui" || c.Path != "/api/v1/namespaces/"+ns+"/applications/pi/" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge != 3600 {
		t.Errorf("the cookie: %+v", c)
	}
	withCookie := []string{"Cookie", c.Name + "=" + c.Value}
	if resp, body := raw(t, "GET", base+prefix+"/jobs/", "", nil, withCookie...); resp.StatusCode != http.StatusOK || !strings.Contains(body, "path=/jobs/") {
		t.Errorf("GET with the cookie: %d %s", resp.StatusCode, body)
	}
	if resp, _ := raw(t, "GET", base+"/api/v1/namespaces/"+ns+"/applications/idle/ui/", "", nil, withCookie...); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the cookie opened another application's UI: %d", resp.StatusCode)
	}
	if resp, _ := raw(t, "GET", base+prefix+"/", "", nil, "Cookie", "stoke-ui=forged"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a forged ticket: %d", resp.StatusCode)
	}

	// The dashboard's form: the token in a field, answered with a redirect to the UI and the cookie.
	form := url.Values{"token": {alice.token}}.Encode()
	resp, body = raw(t, "POST", base+prefix+"-session", "", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != prefix+"/" || len(resp.Cookies()) != 1 {
		t.Errorf("form ui-session: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, _ = raw(t, "POST", base+prefix+"-session", "", strings.NewReader("token=forged"), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("form with a forged token: %d %v", resp.StatusCode, resp.Header)
	}

	// A new attempt has a new driver: the ticket's checks are made again and follow it (here: not running).
	setPhase(t, app, stokev1.PhaseRunning, &stokev1.Attempt{Number: 2, DriverPodName: "pi-2-driver"})
	eventually(t, "the ticket following the new attempt", func() bool {
		resp, body := raw(t, "GET", base+prefix+"/jobs/", "", nil, withCookie...)
		return resp.StatusCode == http.StatusConflict && strings.Contains(body, "pi-2-driver")
	})
	// A driver whose UI does not answer: 502 naming the driver.
	setPhase(t, app, stokev1.PhaseRunning, &stokev1.Attempt{Number: 1, DriverPodName: "pi-1-driver"})
	driver.Close()
	eventually(t, "a 502 from a closed UI", func() bool {
		resp, body := raw(t, "GET", base+prefix+"/jobs/", alice.token, nil)
		return resp.StatusCode == http.StatusBadGateway && strings.Contains(body, "pi-1-driver")
	})
}

func TestUnderPrefix(t *testing.T) {
	const prefix = "/api/v1/namespaces/a/applications/pi/ui"
	hosts := []string{"10.0.0.5:4040", "stoke.example.com"}
	for location, want := range map[string]string{
		"http://10.0.0.5:4040/jobs/":              prefix + "/jobs/",
		"http://stoke.example.com/jobs/?id=1#top": prefix + "/jobs/?id=1#top",
		"/jobs/": prefix + "/jobs/",
		"http://stoke.example.com" + prefix + "/jobs/": prefix + "/jobs/",
		prefix:                               prefix,
		"http://elsewhere.example.com/jobs/": "http://elsewhere.example.com/jobs/",
		"//elsewhere.example.com/x":          "//elsewhere.example.com/x",
		"jobs/":                              "jobs/",
		prefix + "x/":                        prefix + prefix + "x/",
		"mailto:someone@example.com":         "mailto:someone@example.com",
	} {
		if got := server.UnderPrefix(location, prefix, hosts...); got != want {
			t.Errorf("underPrefix(%q) = %q, want %q", location, got, want)
		}
	}
}

// fakeHistoryServer answers as Spark's History Server does behind a proxy, for any application.
type fakeHistoryServer struct{ fakeDriverUI }

func (f *fakeHistoryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Clone(context.Background()))
	f.mu.Unlock()
	base := r.Header.Get("X-Forwarded-Context")
	if id, ok := strings.CutPrefix(r.URL.Path, "/history/"); ok && !strings.Contains(id, "/") {
		http.Redirect(w, r, "http://"+r.Host+"/history/"+id+"/jobs/", http.StatusFound)
		return
	}
	_, _ = io.WriteString(w, `<a href="`+base+r.URL.Path+`stages/">stages</a> path=`+r.URL.Path)
}

func TestHistoryServerThroughTheServer(t *testing.T) {
	ns, state := env.Namespace(t), env.Namespace(t)
	hs := &fakeHistoryServer{}
	history := httptest.NewServer(hs)
	defer history.Close()
	base := startServer(t, state, func(o *server.Options) { o.HistoryServerURL = history.URL })
	plain := startServer(t, env.Namespace(t)) // no History Server
	alice := newUser(t, ns, "alice", map[string][]rbacv1.PolicyRule{ns: editRules})
	stranger := newUser(t, ns, "stranger", nil)
	app := pi(ns, "done", nil)
	mustCreate(t, app)
	code := int32(0)
	setPhase(t, app, stokev1.PhaseSucceeded, &stokev1.Attempt{Number: 2, SparkApplicationID: "spark-b", Outcome: stokev1.OutcomeSucceeded, ExitCode: &code})
	app.Status.PastAttempts = []stokev1.Attempt{{Number: 1, SparkApplicationID: "spark-a", Outcome: stokev1.OutcomeApplicationFailure}}
	if err := env.Client.Status().Update(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	prefix := "/api/v1/namespaces/" + ns + "/applications/done/history"
	eventually(t, "the server's cache sees the finished application", func() bool {
		resp, _ := raw(t, "GET", base+prefix+"/", alice.token, nil)
		return resp.StatusCode == http.StatusFound && resp.Header.Get("Location") == prefix+"/history/spark-b/"
	})
	// The History Server's own redirect comes back under the prefix; its pages and assets pass.
	resp, _ := raw(t, "GET", base+prefix+"/history/spark-b", alice.token, nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != prefix+"/history/spark-b/jobs/" {
		t.Errorf("GET history/spark-b: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/history/spark-b/jobs/", "/history/spark-a/stages/", "/api/v1/applications/spark-b/jobs", "/static/webui.js"} {
		resp, body := raw(t, "GET", base+prefix+path, alice.token, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "path="+path) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	if seen := hs.last(); seen.Header.Get("X-Forwarded-Context") != prefix || seen.Header.Get("Authorization") != "" {
		t.Errorf("the History Server got headers %v", seen.Header)
	}
	// Nothing of other applications: not their pages, not the list of all of them.
	for _, path := range []string{"/history/spark-other/", "/api/v1/applications", "/api/v1/applications/spark-other", "/history/spark-bb/"} {
		if resp, body := raw(t, "GET", base+prefix+path, alice.token, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %s, want 404", path, resp.StatusCode, body)
		}
	}
	if resp, _ := raw(t, "GET", base+prefix+"/history/spark-b/", stranger.token, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a stranger: %d", resp.StatusCode)
	}

	// A finished application's ui-session leads to the History Server, and its cookie opens it.
	var session struct{ URL string }
	code2, hdr, body := call(t, "POST", base+"/api/v1/namespaces/"+ns+"/applications/done/ui-session", alice.token, nil, &session)
	cookies := (&http.Response{Header: hdr}).Cookies()
	if code2 != http.StatusOK || session.URL != prefix+"/" || len(cookies) != 1 {
		t.Fatalf("ui-session of a finished application: %d %s", code2, body)
	}
	if resp, body := raw(t, "GET", base+prefix+"/history/spark-b/jobs/", "", nil, "Cookie", cookies[0].Name+"="+cookies[0].Value); resp.StatusCode != http.StatusOK {
		t.Errorf("the History Server with the cookie: %d %s", resp.StatusCode, body)
	}
	var features struct{ HistoryServer bool }
	if call(t, "GET", base+"/api/v1/features", alice.token, nil, &features); !features.HistoryServer {
		t.Error("features: historyServer false")
	}

	// A server without a History Server says so.
	eventually(t, "the plain server's cache", func() bool {
		resp, _ := raw(t, "GET", plain+"/api/v1/namespaces/"+ns+"/applications/done", alice.token, nil)
		return resp.StatusCode == http.StatusOK
	})
	if resp, body := raw(t, "GET", plain+prefix+"/", alice.token, nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "history-server-url") {
		t.Errorf("no History Server: %d %s", resp.StatusCode, body)
	}
	if code, _, body := call(t, "POST", plain+"/api/v1/namespaces/"+ns+"/applications/done/ui-session", alice.token, nil, nil); code != http.StatusConflict {
		t.Errorf("ui-session of a finished application without a History Server: %d %s", code, body)
	}
}
