package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/stokehq/stoke/internal/operator"
	"github.com/stokehq/stoke/internal/server"
)

var (
	docOnce   sync.Once
	docRouter routers.Router
	docErr    error
)

// openAPIRouter is the server's own OpenAPI document, loaded and validated once.
func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	docOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPIDocument())
		if err != nil {
			docErr = err
			return
		}
		if docErr = doc.Validate(context.Background()); docErr != nil {
			return
		}
		docRouter, docErr = legacy.NewRouter(doc)
	})
	if docErr != nil {
		t.Fatalf("the OpenAPI document: %v", docErr)
	}
	return docRouter
}

// checkAgainstOpenAPI fails the test when a response (of a documented endpoint) does not match the
// document: its status, content type and body schema. Every request the tests make goes through it.
func checkAgainstOpenAPI(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	route, params, err := openAPIRouter(t).FindRoute(req)
	if err != nil {
		return // an undocumented path or method: the unknown-endpoint and wrong-method cases
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true,
		IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: the %d response does not match the OpenAPI document: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

// TestOpenAPIDocumentListsEveryEndpoint: the document and the server's routes name the same endpoints,
// and the served document is the same document.
func TestOpenAPIDocumentListsEveryEndpoint(t *testing.T) {
	openAPIRouter(t)
	doc, _ := openapi3.NewLoader().LoadFromData(server.OpenAPIDocument())
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(documented)
	srv, err := server.New(server.Options{Config: env.Config, Scheme: operator.Scheme(), LivyPrefix: "/livy"})
	if err != nil {
		t.Fatal(err)
	}
	if served := srv.Endpoints(); !slices.Equal(served, documented) {
		t.Errorf("served and documented endpoints differ:\nserved:     %s\ndocumented: %s", strings.Join(served, ", "), strings.Join(documented, ", "))
	}

	url := startServer(t, env.Namespace(t), func(o *server.Options) { o.LivyPrefix = "/spark/livy" })
	code, _, body := call(t, "GET", url+"/api/v1/openapi.json", "", nil, nil)
	served, err := openapi3.NewLoader().LoadFromData([]byte(body))
	if code != 200 || err != nil {
		t.Fatalf("GET /api/v1/openapi.json: %d %v", code, err)
	}
	if served.Paths.Find("/spark/livy/{ns}/batches") == nil || served.Paths.Find("/livy/{ns}/batches") != nil ||
		served.Paths.Find("/api/v1/namespaces/{ns}/applications") == nil {
		t.Errorf("the served document does not follow the Livy prefix: %v", served.Paths.InMatchingOrder())
	}
}
