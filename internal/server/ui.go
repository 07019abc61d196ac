package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/ui"
	"github.com/stokehq/stoke/internal/spark"
)

// The Spark UI through the server. GET .../applications/{name}/ui/... is the live UI of the running driver,
// proxied to the driver pod's UI port; GET .../applications/{name}/history/... is the application's pages
// in the Spark History Server (Options.HistoryServerURL), and only its own. Both send X-Forwarded-Context
// naming the path prefix, so that Spark writes its links under it. Access is the caller's: get on the
// application (SubjectAccessReview) for both; for the live UI also get on the driver pod (read as the
// caller) and get on pods/proxy for it, as `kubectl port-forward` or the API server's pod proxy would
// demand. A browser cannot send a bearer token when it follows a link, so POST .../ui-session exchanges the
// caller's token for a cookie that holds a random ticket, valid for one application's paths only, for an
// hour, in this replica's memory.
const (
	uiSessionCookie = "stoke-ui"
	uiSessionTTL    = time.Hour
	// uiRecheck is how long a ticket's access checks and driver address are reused before they are made
	// again.
	uiRecheck     = time.Minute
	maxUISessions = 10000
)

// appPath is the path of an application in the REST API; its live UI is under appPath/ui, its History
// Server pages under appPath/history, and a browser's ticket cookie is scoped to appPath/.
func appPath(ns, name string) string {
	return "/api/v1/namespaces/" + ns + "/applications/" + name
}

func uiPrefix(ns, name string) string      { return appPath(ns, name) + "/ui" }
func historyPrefix(ns, name string) string { return appPath(ns, name) + "/history" }

// uiTarget is where a driver's UI answers, and for whom it was checked.
type uiTarget struct {
	pod     string
	address string
	checked time.Time
}

type uiSession struct {
	caller   *Caller
	ns, name string
	expires  time.Time
	// target is the live UI's driver, as last checked (nil: not checked yet).
	target *uiTarget
	// readChecked is when the caller's access to the application was last reviewed.
	readChecked time.Time
}

// uiSessions are the tickets handed out by POST ui-session.
type uiSessions struct {
	now func() time.Time

	mu sync.Mutex
	m  map[string]*uiSession
}

func (u *uiSessions) mint(c *Caller, ns, name string, target *uiTarget) (string, time.Time) {
	ticket := rand.Text()
	now := u.now()
	expires := now.Add(uiSessionTTL)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil || len(u.m) >= maxUISessions {
		for k, s := range u.m {
			if !now.Before(s.expires) {
				delete(u.m, k)
			}
		}
		if u.m == nil || len(u.m) >= maxUISessions {
			u.m = map[string]*uiSession{}
		}
	}
	u.m[ticket] = &uiSession{caller: c, ns: ns, name: name, expires: expires, target: target}
	return ticket, expires
}

// lookup is the session of a ticket for this application's UI; nil when unknown, expired or for another
// application.
func (u *uiSessions) lookup(ticket, ns, name string) *uiSession {
	u.mu.Lock()
	defer u.mu.Unlock()
	s, ok := u.m[ticket]
	if !ok || s.ns != ns || s.name != name {
		return nil
	}
	if !u.now().Before(s.expires) {
		delete(u.m, ticket)
		return nil
	}
	return s
}

// update changes a session's checks; view reads them. Both hold the lock: a page's requests come at once.
func (u *uiSessions) update(s *uiSession, f func(*uiSession)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(s)
}

func (u *uiSessions) view(s *uiSession) (target *uiTarget, readChecked time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return s.target, s.readChecked
}

// checkUI makes the access checks for c on the application's UI and finds its driver.
func (s *Server) checkUI(ctx context.Context, c *Caller, r *http.Request) (*uiTarget, error) {
	obj, err := s.cached(ctx, c, r, kindApplications)
	if err != nil {
		return nil, err
	}
	app := obj.(*stokev1.SparkApplication)
	cur := app.Status.CurrentAttempt
	if cur == nil || cur.DriverPodName == "" || cur.Outcome != "" {
		return nil, errorf(http.StatusConflict, "Conflict",
			"application %q has no running driver (phase %s): the live Spark UI exists only while the driver runs; a finished run's UI is in the Spark History Server", app.Name, apps.Phase(app))
	}
	if err := s.authorizeIn(ctx, c, r, "", "get", "pods", "proxy", cur.DriverPodName); err != nil {
		return nil, err
	}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return nil, err
	}
	pod, err := ui.DriverPod(ctx, cc.client, app)
	if errors.Is(err, ui.ErrNotRunning) {
		return nil, errorf(http.StatusConflict, "Conflict", "%v", err)
	} else if err != nil {
		return nil, err
	}
	if pod.Status.PodIP == "" {
		return nil, errorf(http.StatusConflict, "Conflict", "the driver pod %s has no address yet", pod.Name)
	}
	port := strconv.Itoa(int(spark.UIPortOfPod(pod)))
	return &uiTarget{pod: pod.Name, address: net.JoinHostPort(pod.Status.PodIP, port), checked: s.opts.Clock.Now()}, nil
}

// uiSessionResponse answers POST ui-session.
type uiSessionResponse struct {
	// URL is the address on this server (a path) of the live UI while the driver runs, else of the
	// application's History Server pages; the cookie opens both.
	URL     string      `json:"url"`
	Expires metav1.Time `json:"expires"`
}

// openUISession checks the caller's access to the application's UI and sets the cookie that opens it: the
// live UI while its driver runs, else its History Server pages when the server knows a History Server. It
// takes the token from the Authorization header, or from a form's "token" field: the dashboard posts a form
// into a new tab (a browser opens a tab only on the user's own click, and a form cannot send headers), and
// is then redirected (303) to the UI. A token in a form is no ambient credential, so the form cannot be
// forged across sites without it.
func (s *Server) openUISession(w http.ResponseWriter, r *http.Request, _ *Caller) error {
	ctx := r.Context()
	form := strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
	if form {
		if err := r.ParseForm(); err != nil {
			return badRequest("the form cannot be read: %v", err)
		}
		if token := r.PostForm.Get("token"); token != "" && r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	}
	c, err := s.authn.authenticate(ctx, r)
	if errors.Is(err, errUnauthenticated) {
		return errorf(http.StatusUnauthorized, "Unauthorized", "a valid Kubernetes bearer token is required (Authorization: Bearer TOKEN, or a form field token)")
	} else if err != nil {
		return err
	}
	ns, name := r.PathValue("ns"), r.PathValue("name")
	obj, err := s.cached(ctx, c, r, kindApplications)
	if err != nil {
		return err
	}
	app := obj.(*stokev1.SparkApplication)
	var target *uiTarget
	where := uiPrefix(ns, name) + "/"
	if cur := app.Status.CurrentAttempt; s.history == nil || cur != nil && cur.DriverPodName != "" && cur.Outcome == "" {
		if target, err = s.checkUI(ctx, c, r); err != nil {
			return err
		}
	} else {
		if len(attemptIDs(app)) == 0 {
			return errorf(http.StatusConflict, "Conflict", "application %q has no running driver and no attempt with a Spark application id for the History Server to show", name)
		}
		where = historyPrefix(ns, name) + "/"
	}
	ticket, expires := s.ui.mint(c, ns, name, target)
	http.SetCookie(w, &http.Cookie{Name: uiSessionCookie, Value: ticket, Path: appPath(ns, name) + "/", Expires: expires,
		MaxAge: int(uiSessionTTL.Seconds()), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	if form {
		http.Redirect(w, r, where, http.StatusSeeOther)
		return nil
	}
	writeJSON(w, http.StatusOK, uiSessionResponse{URL: where, Expires: metav1.NewTime(expires)})
	return nil
}

// caller is who a UI request is from: its token (or front proxy), else its ticket cookie's caller.
func (s *Server) uiCaller(ctx context.Context, r *http.Request) (*Caller, *uiSession, error) {
	ns, name := r.PathValue("ns"), r.PathValue("name")
	c, err := s.authn.authenticate(ctx, r)
	switch {
	case err == nil:
		return c, nil, nil
	case !errors.Is(err, errUnauthenticated):
		return nil, nil, err
	}
	cookie, cerr := r.Cookie(uiSessionCookie)
	var session *uiSession
	if cerr == nil {
		session = s.ui.lookup(cookie.Value, ns, name)
	}
	if session == nil {
		return nil, nil, errorf(http.StatusUnauthorized, "Unauthorized",
			"a valid Kubernetes bearer token, or the cookie POST %s/ui-session sets, is required", appPath(ns, name))
	}
	return session.caller, session, nil
}

// proxyUI serves one request of an application's live Spark UI from its driver.
func (s *Server) proxyUI(w http.ResponseWriter, r *http.Request, _ *Caller) error {
	ctx := r.Context()
	ns, name := r.PathValue("ns"), r.PathValue("name")
	c, session, err := s.uiCaller(ctx, r)
	if err != nil {
		return err
	}
	var target *uiTarget
	if session != nil {
		target, _ = s.ui.view(session)
	}
	if target == nil || s.opts.Clock.Now().Sub(target.checked) >= uiRecheck || !s.sameDriver(ctx, ns, name, target.pod) {
		if target, err = s.checkUI(ctx, c, r); err != nil {
			return err
		}
		if session != nil {
			s.ui.update(session, func(u *uiSession) { u.target = target })
		}
	}
	backend := &url.URL{Scheme: "http", Host: target.address}
	s.proxyTo(backend, uiPrefix(ns, name), "the Spark UI of driver "+target.pod+" (it opens a few seconds after the driver starts)").ServeHTTP(w, r)
	return nil
}

// attemptIDs are the Spark application ids of the application's recorded attempts, newest first: the ids
// its event logs, and so the History Server, know it by.
func attemptIDs(app *stokev1.SparkApplication) []string {
	var ids []string
	if cur := app.Status.CurrentAttempt; cur != nil && cur.SparkApplicationID != "" {
		ids = append(ids, cur.SparkApplicationID)
	}
	for i := len(app.Status.PastAttempts) - 1; i >= 0; i-- {
		if id := app.Status.PastAttempts[i].SparkApplicationID; id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// historyPathAllowed reports whether a History Server path belongs to one of the application's attempts
// (its pages, its REST API) or is a static asset: the History Server shows every application, and the server
// shows only the caller's.
func historyPathAllowed(path string, ids []string) bool {
	if strings.HasPrefix(path, "static/") {
		return true
	}
	for _, id := range ids {
		for _, base := range []string{"history/" + id, "api/v1/applications/" + id} {
			if path == base || strings.HasPrefix(path, base+"/") {
				return true
			}
		}
	}
	return false
}

// proxyHistory serves one request of an application's pages in the Spark History Server.
func (s *Server) proxyHistory(w http.ResponseWriter, r *http.Request, _ *Caller) error {
	ctx := r.Context()
	ns, name := r.PathValue("ns"), r.PathValue("name")
	if s.history == nil {
		return notFound("this server knows no Spark History Server (stoke server --history-server-url; the chart sets it with historyServer.enabled)")
	}
	c, session, err := s.uiCaller(ctx, r)
	if err != nil {
		return err
	}
	app := &stokev1.SparkApplication{}
	var readChecked time.Time
	if session != nil {
		_, readChecked = s.ui.view(session)
	}
	if session != nil && s.opts.Clock.Now().Sub(readChecked) < uiRecheck {
		if err := s.getFresh(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
			return notFound("application %q not found in namespace %q", name, ns)
		}
	} else {
		obj, err := s.cached(ctx, c, r, kindApplications)
		if err != nil {
			return err
		}
		app = obj.(*stokev1.SparkApplication)
		if session != nil {
			s.ui.update(session, func(u *uiSession) { u.readChecked = s.opts.Clock.Now() })
		}
	}
	ids := attemptIDs(app)
	if len(ids) == 0 {
		return errorf(http.StatusConflict, "Conflict", "no attempt of %q has a Spark application id yet, so the History Server has nothing of it", name)
	}
	path := r.PathValue("path")
	if path == "" {
		http.Redirect(w, r, historyPrefix(ns, name)+"/history/"+ids[0]+"/", http.StatusFound)
		return nil
	}
	if !historyPathAllowed(path, ids) {
		return notFound("the History Server's %q is not a page of application %q (its attempts: %s)", "/"+path, name, strings.Join(ids, ", "))
	}
	s.proxyTo(s.history, historyPrefix(ns, name), "the Spark History Server").ServeHTTP(w, r)
	return nil
}

// sameDriver reports whether the application's current driver is still the pod a ticket's checks were made
// for (a new attempt has a new driver).
func (s *Server) sameDriver(ctx context.Context, ns, name, pod string) bool {
	app := &stokev1.SparkApplication{}
	if err := s.getFresh(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		return false
	}
	cur := app.Status.CurrentAttempt
	return cur != nil && cur.Outcome == "" && cur.DriverPodName == pod
}

// proxyTo forwards to a Spark UI (a driver's, or the History Server) at backend, under prefix on this
// server. The caller's credentials (token, cookies, a front proxy's identity headers) never reach it, and it
// cannot set cookies, widen a service worker's scope or clear the site's data on this server's origin: a
// driver's code is the application's, not the server's.
func (s *Server) proxyTo(backend *url.URL, prefix, what string) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(backend)
			pr.Out.URL.Path = strings.TrimSuffix(backend.Path, "/") + "/" + pr.In.PathValue("path")
			pr.Out.URL.RawPath = ""
			pr.Out.Host = pr.In.Host
			for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
				pr.Out.Header.Del(h)
			}
			if p := s.authn.proxy; p != nil {
				pr.Out.Header.Del(p.UserHeader)
				pr.Out.Header.Del(p.GroupHeader)
			}
			// Spark prefixes its links with this (UIUtils.uiRoot), unless the application set
			// spark.ui.proxyBase itself.
			pr.Out.Header.Set("X-Forwarded-Context", prefix)
			pr.SetXForwarded()
		},
		ModifyResponse: func(resp *http.Response) error {
			for _, h := range []string{"Set-Cookie", "Service-Worker-Allowed", "Clear-Site-Data", "Access-Control-Allow-Origin",
				"Access-Control-Allow-Credentials", "Strict-Transport-Security", "Content-Security-Policy-Report-Only"} {
				resp.Header.Del(h)
			}
			resp.Header.Set("Referrer-Policy", "no-referrer")
			if loc := resp.Header.Get("Location"); loc != "" {
				resp.Header.Set("Location", underPrefix(loc, prefix, backend.Host, resp.Request.Host))
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			nativeErrors(w, &httpError{status: http.StatusBadGateway, reason: "BadGateway",
				message: fmt.Sprintf("%s did not answer: %v", what, err)})
		},
	}
}

// underPrefix keeps a driver's redirect on this server, under the UI's prefix. Spark's own redirects (such
// as / to /jobs/) are built from the UI's configured base, not from X-Forwarded-Context, and Jetty makes
// them absolute with the host it was asked for: a redirect to the driver's own host, or to a path, is made a
// path under prefix (unless it already is). Redirects elsewhere, and relative ones, are left alone.
func underPrefix(location, prefix string, ownHosts ...string) string {
	u, err := url.Parse(location)
	if err != nil || u.Opaque != "" {
		return location
	}
	if u.IsAbs() && !slices.Contains(ownHosts, u.Host) || !u.IsAbs() && (u.Host != "" || !strings.HasPrefix(u.Path, "/")) {
		return location
	}
	target := u.RequestURI()
	if u.Path != prefix && !strings.HasPrefix(u.Path, prefix+"/") {
		target = prefix + target
	}
	if u.Fragment != "" {
		target += "#" + u.Fragment
	}
	return target
}
