package operator

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// APIServerWait is how long a new connection to the API server keeps being tried while the API server
// refuses connections (it is restarting) before the request fails.
const APIServerWait = time.Minute

// WaitForAPIServer makes the configuration's new connections wait for an API server that refuses them,
// trying again every 250 ms for up to APIServerWait (or until the request is cancelled), instead of failing at
// once. Only a refused connection is tried again: nothing was sent, so the retry is always safe.
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
