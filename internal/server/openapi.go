package server

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// openAPIDocument describes every endpoint; the tests validate each response the handlers give against
// it, and check that it lists exactly the endpoints the server serves.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// OpenAPIDocument is the document as written, with the Livy API under its default prefix, /livy.
func OpenAPIDocument() []byte { return openAPIDocument }

// openAPIFor is the served document: the Livy paths moved under the configured prefix, or left out when
// the Livy API is off.
func openAPIFor(livyPrefix string) ([]byte, error) {
	raw, err := yaml.YAMLToJSON(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("the embedded OpenAPI document: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	paths := doc["paths"].(map[string]any)
	for p, v := range paths {
		rest, ok := strings.CutPrefix(p, "/livy/")
		if !ok {
			continue
		}
		delete(paths, p)
		if livyPrefix != "" {
			paths[strings.TrimRight(livyPrefix, "/")+"/"+rest] = v
		}
	}
	return json.Marshal(doc)
}

// Endpoints are the served "METHOD /path" pairs, sorted, with the path wildcards the document uses (a
// wildcard that takes the rest of the path, {path...}, is written {path}).
func (s *Server) Endpoints() []string {
	out := make([]string, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		out = append(out, strings.ReplaceAll(e, "...}", "}"))
	}
	sort.Strings(out)
	return out
}

func (s *Server) serveOpenAPI() error {
	doc, err := openAPIFor(s.opts.LivyPrefix)
	if err != nil {
		return err
	}
	s.route("/api/v1/openapi.json", nativeErrors, map[string]endpoint{http.MethodGet: {public: true,
		h: func(w http.ResponseWriter, _ *http.Request, _ *Caller) error {
			w.Header().Set("Content-Type", "application/json")
			_, err := w.Write(doc)
			return err
		}}})
	return nil
}
