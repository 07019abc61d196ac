// Package cmderr classifies the errors of Stoke's commands: usage errors (the command was called wrongly,
// exit code 2) and runtime errors (exit code 1), and turns Kubernetes API errors into one-line messages that
// say what to fix.
package cmderr

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// UsageError marks errors in how a command was called (exit code 2); other errors are runtime errors
// (exit code 1).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a usage error with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// IsUsage reports whether err is a usage error.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// API turns an error from the Kubernetes API into a one-line message. what names the object the call was
// about, for example `sparkapplication "pi" in namespace "default"`.
func API(err error, what string) error {
	if err == nil {
		return nil
	}
	return &apiError{msg: apiLine(err, what), err: err}
}

// apiError is the one-line message of an API error, still carrying the API server's answer for callers that
// act on its status (stoke server passes a 403 on as a 403).
type apiError struct {
	msg string
	err error
}

func (e *apiError) Error() string { return e.msg }
func (e *apiError) Unwrap() error { return e.err }

func apiLine(err error, what string) string {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("%s not found", what)
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("not allowed: %s", firstLine(apiMessage(err)))
	case apierrors.IsUnauthorized(err):
		return "the cluster rejected your credentials (check --kubeconfig and --context)"
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		return fmt.Sprintf("the API server rejected %s: %s", what, firstLine(apiMessage(err)))
	case apierrors.IsConflict(err):
		return fmt.Sprintf("%s changed while stoke was updating it; run the command again", what)
	}
	if unreachable(err) {
		return fmt.Sprintf("cannot reach the Kubernetes API server%s (check --kubeconfig, --context and that the cluster is running)", host(err))
	}
	if strings.Contains(err.Error(), "no matches for kind") || strings.Contains(err.Error(), "the server could not find the requested resource") {
		return fmt.Sprintf("%s: the cluster does not know this Stoke kind: install or upgrade Stoke's CRDs (config/crd) first", what)
	}
	return fmt.Sprintf("%s: %s", what, firstLine(err.Error()))
}

func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}

func unreachable(err error) bool {
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.As(err, &opErr) || errors.As(err, &dnsErr) || (errors.As(err, &netErr) && netErr.Timeout())
}

func host(err error) string {
	var u *url.Error
	if errors.As(err, &u) {
		if parsed, perr := url.Parse(u.URL); perr == nil && parsed.Host != "" {
			return " at " + parsed.Host
		}
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
