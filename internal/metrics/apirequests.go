// Package metrics defines Stoke's Prometheus metrics. Label sets are bounded: never an application name.
package metrics

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// APIRequests counts the operator's own requests to the Kubernetes API server by verb (get, list, watch,
// create, update, patch, delete, deletecollection) and resource ("pods", "sparkapplications/status", ...),
// counted in the client as they are sent. It is served on the operator's /metrics.
var APIRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "stoke_operator_api_requests_total",
	Help: "Requests the operator sent to the Kubernetes API server, by verb and resource.",
}, []string{"verb", "resource"})

func init() { ctrlmetrics.Registry.MustRegister(APIRequests) }

// CountRequests makes every client built from cfg count its requests in APIRequests.
func CountRequests(cfg *rest.Config) {
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return countingTransport{next: rt} })
}

type countingTransport struct{ next http.RoundTripper }

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	verb, resource := RequestVerbResource(req.Method, req.URL.Path, req.URL.Query().Get("watch"))
	APIRequests.WithLabelValues(verb, resource).Inc()
	return t.next.RoundTrip(req)
}

// RequestVerbResource names a request to the API server the way the API server's audit log does: the
// verb from the method, whether a name is present and the watch parameter, and the resource with its
// subresource. Paths that are not resource paths (discovery, /version) give resource "other".
func RequestVerbResource(method, path, watch string) (verb, resource string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	// /api/v1/... or /apis/<group>/<version>/...
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return strings.ToLower(method), "other"
	}
	if len(parts) >= 2 && parts[0] == "namespaces" && len(parts) != 2 {
		parts = parts[2:] // a namespaced resource; /namespaces/<name> itself is the namespace object
	}
	if len(parts) == 0 {
		return strings.ToLower(method), "other"
	}
	resource = parts[0]
	named := len(parts) >= 2
	if len(parts) >= 3 {
		resource += "/" + parts[2]
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		switch {
		case watch == "true" || watch == "1":
			verb = "watch"
		case named:
			verb = "get"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
		if !named {
			verb = "deletecollection"
		}
	default:
		verb = strings.ToLower(method)
	}
	return verb, resource
}

// IsWrite reports verbs that change state.
func IsWrite(verb string) bool {
	switch verb {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}
