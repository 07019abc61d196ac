package main

import (
	"sync"
	"time"
)

// tracker records, per application (namespace/name), when it was created (client side, just before the
// create request), when the driver pod was first seen by the bench's watch, when the application was first
// seen Running and when it finished.
type tracker struct {
	mu      sync.Mutex
	apps    map[string]*appTimes
	errors  []error
	errSeen int
}

type appTimes struct {
	created, pod, running, finished time.Time
	succeeded                       bool
}

func newTracker() *tracker { return &tracker{apps: map[string]*appTimes{}} }

func (t *tracker) get(key string) *appTimes {
	a := t.apps[key]
	if a == nil {
		a = &appTimes{}
		t.apps[key] = a
	}
	return a
}

func (t *tracker) created(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(key).created = at
}

func (t *tracker) podSeen(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.get(key); a.pod.IsZero() {
		a.pod = at
	}
}

func (t *tracker) running(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.get(key); a.running.IsZero() {
		a.running = at
	}
}

func (t *tracker) finished(key string, at time.Time, succeeded bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.get(key); a.finished.IsZero() {
		a.finished, a.succeeded = at, succeeded
	}
}

func (t *tracker) simError(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errSeen++
	if len(t.errors) < 10 {
		t.errors = append(t.errors, err)
	}
}

// snapshot copies the times of the given applications.
func (t *tracker) snapshot(keys []string) []appTimes {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]appTimes, 0, len(keys))
	for _, k := range keys {
		if a := t.apps[k]; a != nil {
			out = append(out, *a)
		} else {
			out = append(out, appTimes{})
		}
	}
	return out
}

// count reports how many of the keys have a driver pod, and how many have finished.
// allFinished reports whether every one of the keys' applications has finished.
func (t *tracker) allFinished(keys []string) bool {
	_, finished := t.count(keys)
	return finished == len(keys)
}

func (t *tracker) count(keys []string) (pods, finished int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if a := t.apps[k]; a != nil {
			if !a.pod.IsZero() {
				pods++
			}
			if !a.finished.IsZero() {
				finished++
			}
		}
	}
	return pods, finished
}
