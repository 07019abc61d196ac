package operator

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestDialWaitsForARefusingAPIServer: a connection refused while the API server restarts is tried again
// until it listens; a cancelled request and any other error end the wait at once; the wait is bounded.
func TestDialWaitsForARefusingAPIServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := l.Addr().String()
	l.Close() // refused from now on
	dial := dialWaiting((&net.Dialer{}).DialContext, 20*time.Millisecond, 5*time.Second)

	relisten := make(chan net.Listener)
	go func() {
		time.Sleep(200 * time.Millisecond)
		l, err := net.Listen("tcp", address)
		if err != nil {
			t.Error(err)
			close(relisten)
			return
		}
		relisten <- l
	}()
	start := time.Now()
	conn, err := dial(context.Background(), "tcp", address)
	if err != nil {
		t.Fatalf("the dial did not wait for the listener: %v", err)
	}
	conn.Close()
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("connected after %s, before anything listened", took)
	}
	if l := <-relisten; l != nil {
		l.Close()
	}

	// Long enough for the first refused attempt even on a loaded machine (at 100 ms the dial itself could
	// run out of time first and report a timeout), far shorter than the 5 s the dial would wait.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := dial(ctx, "tcp", address); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a cancelled dial returned %v, want the refusal", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("a cancelled dial took %s", took)
	}

	bounded := dialWaiting((&net.Dialer{}).DialContext, 20*time.Millisecond, 200*time.Millisecond)
	start = time.Now()
	if _, err := bounded(context.Background(), "tcp", address); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("got %v, want the refusal after the limit", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the wait was not bounded: %s", took)
	}

	other := dialWaiting(func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("no such host") }, time.Hour, time.Hour)
	if _, err := other(context.Background(), "tcp", address); err == nil || errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("another error was not returned at once: %v", err)
	}
}

// TestWatchWaitsForAnInitializingAPIServer: a watch the API server answers 429 with Retry-After (its watch
// cache is filling after a restart) is tried again until it is served; other requests, a 429 without
// Retry-After and a wait past the limit get the 429 as it is; a cancelled request ends the wait.
func TestWatchWaitsForAnInitializingAPIServer(t *testing.T) {
	var refusals atomic.Int32 // watches still to answer 429
	var calls atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if after := r.URL.Query().Get("retryafter"); after != "none" {
			w.Header().Set("Retry-After", cmp.Or(after, "1"))
		}
		if refusals.Add(-1) >= 0 {
			http.Error(w, `{"kind":"Status","reason":"TooManyRequests","message":"storage is (re)initializing"}`, http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer server.Close()
	waiting := func(limit time.Duration) *http.Client {
		return &http.Client{Transport: watchWaiting{next: http.DefaultTransport, maxDelay: 10 * time.Millisecond, limit: limit}}
	}
	get := func(c *http.Client, ctx context.Context, query string) (int, int32, error) {
		calls.Store(0)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, server.URL+"/apis/stoke.dev/v1alpha1/sparkapplications?"+query, nil)
		resp, err := c.Do(req)
		if err != nil {
			return 0, calls.Load(), err
		}
		resp.Body.Close()
		return resp.StatusCode, calls.Load(), nil
	}
	for _, tc := range []struct {
		name      string
		refusals  int32
		query     string
		limit     time.Duration
		wantCode  int
		wantCalls int32
	}{
		{"a watch is tried until it is served", 5, "watch=true", time.Minute, http.StatusOK, 6},
		{"a list is not tried again", 5, "limit=500", time.Minute, http.StatusTooManyRequests, 1},
		{"a 429 without Retry-After is returned", 5, "watch=true&retryafter=none", time.Minute, http.StatusTooManyRequests, 1},
		{"Retry-After 0 is not a busy loop", 1000, "watch=true&retryafter=0", 50 * time.Millisecond, http.StatusTooManyRequests, 1},
		{"the wait is bounded", 1000, "watch=true", 100 * time.Millisecond, http.StatusTooManyRequests, 0},
		{"a served watch is not repeated", 0, "watch=true", time.Minute, http.StatusOK, 1},
	} {
		refusals.Store(tc.refusals)
		code, n, err := get(waiting(tc.limit), context.Background(), tc.query)
		if err != nil || code != tc.wantCode || (tc.wantCalls > 0 && n != tc.wantCalls) {
			t.Errorf("%s: got %d after %d requests (%v), want %d after %d", tc.name, code, n, err, tc.wantCode, tc.wantCalls)
		}
	}

	refusals.Store(1000)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := get(waiting(time.Hour), ctx, "watch=true"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a cancelled watch returned %v, want the context's error", err)
	}
}
