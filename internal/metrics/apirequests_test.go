package metrics

import "testing"

func TestRequestVerbResource(t *testing.T) {
	cases := []struct {
		method, path, watch string
		verb, resource      string
	}{
		{"POST", "/api/v1/namespaces/ns/pods", "", "create", "pods"},
		{"GET", "/api/v1/namespaces/ns/pods/p1", "", "get", "pods"},
		{"GET", "/api/v1/pods", "", "list", "pods"},
		{"GET", "/api/v1/pods", "true", "watch", "pods"},
		{"GET", "/api/v1/namespaces/ns/pods", "1", "watch", "pods"},
		{"PUT", "/apis/stoke.dev/v1alpha1/namespaces/ns/sparkapplications/a/status", "", "update", "sparkapplications/status"},
		{"PATCH", "/api/v1/namespaces/ns/events/e1", "", "patch", "events"},
		{"DELETE", "/api/v1/namespaces/ns/services/s", "", "delete", "services"},
		{"DELETE", "/api/v1/namespaces/ns/pods", "", "deletecollection", "pods"},
		{"GET", "/api/v1/namespaces/ns", "", "get", "namespaces"},
		{"GET", "/api/v1/namespaces", "true", "watch", "namespaces"},
		{"PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/stoke-operator", "", "update", "leases"},
		{"GET", "/apis", "", "get", "other"},
		{"GET", "/version", "", "get", "other"},
		{"GET", "/apis/stoke.dev/v1alpha1", "", "get", "other"},
	}
	for _, c := range cases {
		verb, resource := RequestVerbResource(c.method, c.path, c.watch)
		if verb != c.verb || resource != c.resource {
			t.Errorf("%s %s watch=%q: got %s %s, want %s %s", c.method, c.path, c.watch, verb, resource, c.verb, c.resource)
		}
	}
}

func TestIsWrite(t *testing.T) {
	for verb, want := range map[string]bool{"create": true, "update": true, "patch": true, "delete": true,
		"deletecollection": true, "get": false, "list": false, "watch": false} {
		if IsWrite(verb) != want {
			t.Errorf("IsWrite(%s) = %v", verb, !want)
		}
	}
}
