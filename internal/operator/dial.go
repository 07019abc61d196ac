package operator

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// APIServerWait is how long a new connection to the API server keeps being tried while the API server
// refuses connections (it is restarting) before the request fails.
const APIServerWait = time.Minute

// WaitForAPIServer makes the configuration's new connections wait for an API server that refuses them,
// trying again every 250 ms for up to APIServerWait (or until the request is cancelled), instead of failing at
// once, and its watch requests wait out a restarted API server's "storage is (re)initializing" answers
// (watchWaiting). Only a refused connection and a watch are tried again: nothing was sent, or the request
// only reads, so the retry is always safe.
//
// Why: client-go's informers back off exponentially after every failed list or watch (0.8 s doubling to
// 30 s, with as much again of jitter). An API server that was down for 30 s left an informer waiting up to
// a minute after it came back, and the applications whose changes that informer carries stood still that
// long (found by the chaos suite's apiserver-restart scenario, docs/reliability.md). With this, an
// informer's list simply waits for the API server and resumes the moment it listens again.
func WaitForAPIServer(cfg *rest.Config) {
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	cfg.Dial = dialWaiting(dial, 250*time.Millisecond, APIServerWait)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return watchWaiting{next: rt, maxDelay: time.Second, limit: APIServerWait}
	})
}

// watchWaiting tries a watch request again, after the delay its Retry-After header asks for (at most
// maxDelay), while the API server answers it 429 Too Many Requests, for up to limit. A restarted API server
// answers every watch of a resource that way until it has filled its watch cache for that resource from
// etcd, which took 23 s for 12,000 SparkApplications on a 2-core machine (docs/reliability.md). An informer
// takes each 429 as a failure and backs off exponentially, so its watch, and the relist that follows a
// 410 Gone, came seconds after the cache was ready; through this it resumes within maxDelay of it. A 429
// without Retry-After, and any other answer, is returned as it is.
type watchWaiting struct {
	next            http.RoundTripper
	maxDelay, limit time.Duration
}

func (w watchWaiting) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.URL.Query().Get("watch") != "true" {
		return w.next.RoundTrip(req)
	}
	deadline := time.Now().Add(w.limit)
	for {
		resp, err := w.next.RoundTrip(req.Clone(req.Context()))
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		seconds, perr := strconv.Atoi(resp.Header.Get("Retry-After"))
		// At least 100 ms between tries, whatever the header says: "0" must not make a busy loop.
		delay := max(min(time.Duration(seconds)*time.Second, w.maxDelay), 100*time.Millisecond)
		if perr != nil || seconds < 0 || time.Now().Add(delay).After(deadline) {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(delay):
		}
	}
}

func dialWaiting(dial func(ctx context.Context, network, address string) (net.Conn, error), every, limit time.Duration) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		deadline := time.Now().Add(limit)
		var refused error
		for {
			conn, err := dial(ctx, network, address)
			if err != nil && refused != nil && ctx.Err() != nil {
				// Cancelled while trying again: the refusal says more than the cancelled dial's timeout.
				return nil, refused
			}
			if err == nil || !errors.Is(err, syscall.ECONNREFUSED) || time.Now().Add(every).After(deadline) {
				return conn, err
			}
			refused = err
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(every):
			}
		}
	}
}
