package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/stokehq/stoke/internal/cli/cmderr"
)

// httpError is a failed request: its status, a short machine-readable reason and a message for people.
type httpError struct {
	status  int
	reason  string
	message string
}

func (e *httpError) Error() string { return e.message }

func errorf(status int, reason, format string, args ...any) error {
	return &httpError{status: status, reason: reason, message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return errorf(http.StatusBadRequest, "BadRequest", format, args...)
}

func notFound(format string, args ...any) error {
	return errorf(http.StatusNotFound, "NotFound", format, args...)
}

// asHTTPError classifies any error: the API server's own answers keep their status and message (a
// validation error names the field), usage errors of the shared command logic are conflicts with the
// object's state, a body over the limit is 413, anything else is a 500 whose cause is logged, not shown.
func asHTTPError(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &httpError{status: http.StatusRequestEntityTooLarge, reason: "RequestEntityTooLarge",
			message: fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit)}
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		st := status.Status()
		if st.Code >= 400 && st.Code < 500 {
			return &httpError{status: int(st.Code), reason: string(st.Reason), message: st.Message}
		}
	}
	if cmderr.IsUsage(err) {
		return &httpError{status: http.StatusConflict, reason: "Conflict", message: err.Error()}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &httpError{status: http.StatusGatewayTimeout, reason: "Timeout", message: "the request took too long"}
	}
	return &httpError{status: http.StatusInternalServerError, reason: "InternalError", message: "internal error (the server's log has the cause)"}
}

// errorStyle writes an error body in an API family's shape.
type errorStyle func(w http.ResponseWriter, e *httpError)

// nativeErrors: {"code": 404, "reason": "NotFound", "message": "..."}.
func nativeErrors(w http.ResponseWriter, e *httpError) {
	writeJSON(w, e.status, map[string]any{"code": e.status, "reason": e.reason, "message": e.message})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(body)
}

// handlerFunc serves one authenticated request.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *Caller) error

// endpoint is one method of one path.
type endpoint struct {
	h handlerFunc
	// streams: the response may stay open (logs, watches); no request timeout applies.
	streams bool
	// public: no token needed (Livy's /version).
	public bool
}

// route serves pattern (path wildcards only) with one endpoint per method, answering other methods with a
// 405 in the family's error shape.
func (s *Server) route(pattern string, style errorStyle, methods map[string]endpoint) {
	allowed := make([]string, 0, len(methods))
	for m := range methods {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	for _, m := range allowed {
		s.endpoints = append(s.endpoints, m+" "+pattern)
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ep, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			style(w, &httpError{status: http.StatusMethodNotAllowed, reason: "MethodNotAllowed",
				message: fmt.Sprintf("%s is not served here; allowed: %s", r.Method, strings.Join(allowed, ", "))})
			return
		}
		s.serve(w, r, style, ep)
	})
}

// serve runs one endpoint: path checks, authentication, body limit, timeout, panic recovery and an access
// log line that never holds a token or a body.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, style errorStyle, ep endpoint) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	user := "-"
	defer func() {
		if p := recover(); p != nil {
			s.opts.Log.Error(fmt.Errorf("panic: %v", p), "request failed", "method", r.Method, "path", r.URL.Path)
			if rec.status == 0 {
				style(rec, &httpError{status: http.StatusInternalServerError, reason: "InternalError", message: "internal error"})
			}
		}
		s.opts.Log.V(1).Info("request", "method", r.Method, "path", r.URL.Path, "user", user, "status", rec.status, "duration", time.Since(start).String())
	}()
	fail := func(err error) {
		he := asHTTPError(err)
		if he.status >= 500 {
			s.opts.Log.Error(err, "request failed", "method", r.Method, "path", r.URL.Path, "user", user)
		}
		if he.status == http.StatusUnauthorized {
			rec.Header().Set("WWW-Authenticate", `Bearer realm="stoke"`)
		}
		if rec.status == 0 {
			style(rec, he)
		}
	}
	if err := checkPathValues(r); err != nil {
		fail(err)
		return
	}
	select {
	case <-s.synced:
	default:
		fail(errorf(http.StatusServiceUnavailable, "NotReady", "the server is still reading the cluster's state; try again shortly"))
		return
	}
	ctx := r.Context()
	if !ep.streams {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.RequestTimeout)
		defer cancel()
	}
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(rec, r.Body, s.opts.MaxBodyBytes)
	var caller *Caller
	if !ep.public {
		var err error
		caller, err = s.authn.authenticate(ctx, r)
		switch {
		case errors.Is(err, errUnauthenticated):
			fail(errorf(http.StatusUnauthorized, "Unauthorized", "a valid Kubernetes bearer token is required (Authorization: Bearer TOKEN)"))
			return
		case err != nil:
			fail(err)
			return
		}
		user = caller.Name
	}
	if err := ep.h(rec, r, caller); err != nil {
		fail(err)
	}
}

// checkPathValues refuses a namespace, name or id in the path that is not one: nothing outside the
// namespace a path names can be reached through it.
func checkPathValues(r *http.Request) error {
	if ns := r.PathValue("ns"); ns != "" {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return badRequest("namespace %q: %s", ns, strings.Join(errs, "; "))
		}
	}
	for _, key := range []string{"name", "step", "trigger"} {
		if v := r.PathValue(key); v != "" {
			if errs := validation.IsDNS1123Subdomain(v); len(errs) > 0 {
				return badRequest("%s %q: %s", key, v, strings.Join(errs, "; "))
			}
		}
	}
	return nil
}

// statusRecorder remembers the status written, and passes flushes on for streamed responses.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// decodeJSON reads a JSON body into v, refusing unknown fields and trailing data with a message that names
// the problem.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return badRequest("field %q: want %s, got a JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		if err.Error() == "EOF" {
			return badRequest("the request body is empty: a JSON object is expected")
		}
		return badRequest("the request body is not valid: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return badRequest("the request body holds more than one JSON value")
	}
	return nil
}
