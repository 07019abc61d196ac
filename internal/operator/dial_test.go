package operator

import (
	"context"
	"errors"
	"net"
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
