package server

import (
	"io/fs"
	"net/http"
	"path"

	"github.com/stokehq/stoke/internal/server/dashboard"
)

// dashboardSecurityHeaders: the page loads nothing but its own script and style, talks only to this
// server, and cannot be framed. The token it holds never leaves the tab's sessionStorage but for the
// Authorization header of its own requests.
var dashboardSecurityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	"X-Frame-Options":         "DENY",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
}

// serveDashboard serves the dashboard at / (its assets under /assets/); any other path is a JSON 404.
func (s *Server) serveDashboard() {
	assets := dashboard.Assets()
	files := http.FileServerFS(assets)
	secure := func(w http.ResponseWriter) {
		for k, v := range dashboardSecurityHeaders {
			w.Header().Set(k, v)
		}
	}
	s.mux.HandleFunc("GET /assets/", func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.URL.Path)
		if _, err := fs.Stat(assets, name); err != nil || name == "index.html" {
			nativeErrors(w, notFound("no such asset: %s", r.URL.Path).(*httpError))
			return
		}
		secure(w)
		w.Header().Set("Cache-Control", "no-cache")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		files.ServeHTTP(w, r2)
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			nativeErrors(w, notFound("no such endpoint: %s (the API is under /api/v1/namespaces/NAMESPACE/)", r.URL.Path).(*httpError))
			return
		}
		secure(w)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, assets, "index.html")
	})
}
