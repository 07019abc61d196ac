//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/spark"
)

// TestUIBehindAPathStrippingProxy exposes a running application's UI with spec.ui (a NodePort Service and
// an Ingress) and reaches it the way an ingress controller would: through a proxy that routes the path to
// the Service and strips it. Spark's pages must then link under that path (spark.ui.proxyBase), and the
// Service and Ingress must be gone when the attempt ends. The local cluster has no ingress controller; the
// proxy stands in for one.
func TestUIBehindAPathStrippingProxy(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		ns := Namespace(t)
		app := App(ns, "ui", version, loadJob, "1", "2", "15")
		app.Spec.UI = &stokev1.SparkUI{Service: &stokev1.UIService{Type: corev1.ServiceTypeNodePort}, Ingress: &stokev1.UIIngress{}}
		create(t, app)
		base := "/" + ns + "/ui"
		running := waitPhase(t, ns, "ui", 3*time.Minute, stokev1.PhaseRunning, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if running.Status.Phase != stokev1.PhaseRunning || running.Status.UIURL != base+"/" {
			t.Fatalf("phase %s, uiURL %q: want Running with %s/", running.Status.Phase, running.Status.UIURL, base)
		}
		names := spark.NamesFor("ui", running.UID, 1)
		backend := nodePortURL(t, ns, names.UIService)
		proxy := httptest.NewServer(stripPrefixProxy(base, backend))
		defer proxy.Close()

		page, err := getWith(proxy.URL+base+"/", base+"/jobs/", time.Minute) // Spark redirects / to /jobs/
		if err != nil {
			t.Fatalf("the Spark UI through the proxy to %s: %v", backend, err)
		}
		if !strings.Contains(page, `href="`+base+`/stages/"`) {
			t.Errorf("the jobs page does not link under %s (spark.ui.proxyBase):\n%s", base, tail(page, 30))
		}

		got := waitPhase(t, ns, "ui", jobTimeout, stokev1.PhaseSucceeded, stokev1.PhaseFailed)
		if got.Status.Phase != stokev1.PhaseSucceeded || got.Status.UIURL != "" {
			t.Fatalf("phase %s, uiURL %q: want Succeeded and no UI URL", got.Status.Phase, got.Status.UIURL)
		}
		eventually(t, 30*time.Second, "the UI Service and Ingress deleted with the attempt", func() (bool, error) {
			svc, ing := &corev1.Service{}, &networkingv1.Ingress{}
			errSvc := h.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: names.UIService}, svc)
			errIng := h.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: names.UIIngress}, ing)
			return client.IgnoreNotFound(errSvc) == nil && errSvc != nil && client.IgnoreNotFound(errIng) == nil && errIng != nil, nil
		})
	})
}

// nodePortURL is the address of a NodePort Service's first port on the local node.
func nodePortURL(t *testing.T, ns, name string) *url.URL {
	t.Helper()
	svc, err := h.Clientset.CoreV1().Services(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading Service %s: %v", name, err)
	}
	nodes, err := h.Clientset.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		t.Fatalf("listing nodes: %v", err)
	}
	for _, a := range nodes.Items[0].Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return &url.URL{Scheme: "http", Host: fmt.Sprintf("%s:%d", a.Address, svc.Spec.Ports[0].NodePort)}
		}
	}
	t.Fatalf("node %s has no internal IP", nodes.Items[0].Name)
	return nil
}

// stripPrefixProxy forwards requests under prefix to backend without the prefix, as an ingress controller
// configured to strip it does.
func stripPrefixProxy(prefix string, backend *url.URL) http.Handler {
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backend)
		r.Out.Host = r.In.Host // as ingress controllers do: Spark's redirects then come back through the proxy
		r.SetXForwarded()
		r.Out.URL.Path = strings.TrimPrefix(r.In.URL.Path, prefix)
		if r.Out.URL.Path == "" {
			r.Out.URL.Path = "/"
		}
		r.Out.URL.RawPath = ""
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix) {
			http.NotFound(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	})
}
