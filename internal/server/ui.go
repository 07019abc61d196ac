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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// The live Spark UI of a running driver, through the server: GET .../applications/{name}/ui/... is proxied
// to the driver pod's UI port, with X-Forwarded-Context naming the path prefix so that Spark writes its
// links and redirects under it. Access is the caller's: get on the application (SubjectAccessReview), get on
// the driver pod (read as the caller) and get on pods/proxy for it (SubjectAccessReview), as `kubectl
// port-forward` or the API server's pod proxy would demand. A browser cannot send a bearer token when it
// follows a link, so POST .../ui-session exchanges the caller's token for a cookie that holds a random
// ticket, valid for one application's UI path only, for an hour, in this replica's memory.
const (
	uiSessionCookie = "stoke-ui"
	uiSessionTTL    = time.Hour
	// uiRecheck is how long a ticket's access checks and driver address are reused before they are made
	// again.
	uiRecheck     = time.Minute
	maxUISessions = 10000
)

// uiPrefix is the path under which an application's UI is served.
func uiPrefix(ns, name string) string {
	return "/api/v1/namespaces/" + ns + "/applications/" + name + "/ui"
}

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
	target   *uiTarget
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

func (u *uiSessions) update(s *uiSession, target *uiTarget) {
	u.mu.Lock()
	defer u.mu.Unlock()
	s.target = target
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
			"application %q has no running driver (phase %s): the live Spark UI exists only while the driver runs; a finished run's UI is in the Spark History Server", app.Name, phaseOf(app))
	}
	if err := s.authorizeIn(ctx, c, r, "", "get", "pods", "proxy", cur.DriverPodName); err != nil {
		return nil, err
	}
	cc, err := s.im.clientsFor(c)
	if err != nil {
		return nil, err
	}
	pod, err := cc.clientset.CoreV1().Pods(app.Namespace).Get(ctx, cur.DriverPodName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, errorf(http.StatusConflict, "Conflict", "the driver pod %s of %q does not exist", cur.DriverPodName, app.Name)
	}
	if err != nil {
		return nil, err
	}
	if pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP == "" {
		return nil, errorf(http.StatusConflict, "Conflict", "the driver pod %s is %s, not running: its UI opens once it runs", pod.Name, pod.Status.Phase)
	}
	port := strconv.Itoa(int(spark.UIPortOfPod(pod)))
	return &uiTarget{pod: pod.Name, address: net.JoinHostPort(pod.Status.PodIP, port), checked: s.opts.Clock.Now()}, nil
}

func phaseOf(app *stokev1.SparkApplication) string {
	if app.Status.Phase == "" {
		return "Pending"
	}
	return string(app.Status.Phase)
}

// uiSessionResponse answers POST ui-session.
type uiSessionResponse struct {
	// URL is the UI's address on this server (a path), which the cookie opens.
	URL     string      `json:"url"`
	Expires metav1.Time `json:"expires"`
}

// openUISession checks the caller's access to the application's UI and sets the cookie that opens it. It
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
	target, err := s.checkUI(ctx, c, r)
	if err != nil {
		return err
	}
	ticket, expires := s.ui.mint(c, ns, name, target)
	prefix := uiPrefix(ns, name) + "/"
	http.SetCookie(w, &http.Cookie{Name: uiSessionCookie, Value: ticket, Path: prefix, Expires: expires,
		MaxAge: int(uiSessionTTL.Seconds()), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	if form {
		http.Redirect(w, r, prefix, http.StatusSeeOther)
		return nil
	}
	writeJSON(w, http.StatusOK, uiSessionResponse{URL: prefix, Expires: metav1.NewTime(expires)})
	return nil
}

// proxyUI serves one request of an application's Spark UI from its driver.
func (s *Server) proxyUI(w http.ResponseWriter, r *http.Request, _ *Caller) error {
	ctx := r.Context()
	ns, name := r.PathValue("ns"), r.PathValue("name")
	var target *uiTarget
	c, err := s.authn.authenticate(ctx, r)
	switch {
	case err == nil:
		if target, err = s.checkUI(ctx, c, r); err != nil {
			return err
		}
	case errors.Is(err, errUnauthenticated):
		cookie, cerr := r.Cookie(uiSessionCookie)
		var session *uiSession
		if cerr == nil {
			session = s.ui.lookup(cookie.Value, ns, name)
		}
		if session == nil {
			return errorf(http.StatusUnauthorized, "Unauthorized",
				"a valid Kubernetes bearer token, or the cookie POST %s-session sets, is required", uiPrefix(ns, name))
		}
		target = session.target
		if s.opts.Clock.Now().Sub(target.checked) >= uiRecheck || !s.sameDriver(ctx, ns, name, target.pod) {
			if target, err = s.checkUI(ctx, session.caller, r); err != nil {
				return err
			}
			s.ui.update(session, target)
		}
	default:
		return err
	}
	s.uiProxy(target, uiPrefix(ns, name)).ServeHTTP(w, r)
	return nil
}

// sameDriver reports whether the application's current driver is still the pod a ticket's checks were made
// for (a new attempt has a new driver).
func (s *Server) sameDriver(ctx context.Context, ns, name, pod string) bool {
	app := &stokev1.SparkApplication{}
	if err := s.cache.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, app); err != nil {
		return false
	}
	cur := app.Status.CurrentAttempt
	return cur != nil && cur.Outcome == "" && cur.DriverPodName == pod
}

// uiProxy forwards to the driver's UI. The caller's credentials (token, cookies, a front proxy's identity
// headers) never reach the driver, and the driver cannot set cookies, widen a service worker's scope or
// clear the site's data on this server's origin: its code is the application's, not the server's.
func (s *Server) uiProxy(target *uiTarget, prefix string) *httputil.ReverseProxy {
	backend := &url.URL{Scheme: "http", Host: target.address}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(backend)
			pr.Out.URL.Path = "/" + pr.In.PathValue("path")
			pr.Out.URL.RawPath = ""
			pr.Out.Host = pr.In.Host
			for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
				pr.Out.Header.Del(h)
			}
			if p := s.authn.proxy; p != nil {
				pr.Out.Header.Del(p.UserHeader)
				pr.Out.Header.Del(p.GroupHeader)
			}
			// Spark prefixes its links and redirects with this (UIUtils.uiRoot), unless the application set
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
				message: fmt.Sprintf("the Spark UI of driver %s did not answer (it opens a few seconds after the driver starts): %v", target.pod, err)})
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
