// Package cachelag recognises an informer cache that has not yet seen a reconciler's own last status write.
// A reconciler reads its object from the cache; right after it stored a status, the cache may still hold
// the version that write replaced, and a pass that acts on it would decide again what the stored status
// already records (start a run twice, create an attempt again). A reconciler records each status write
// (Wrote) and, on the next pass, asks whether the cached object is still the replaced version (Stale); if
// so it looks again shortly instead of acting. Losing the record (a restart) costs at most one conflict.
package cachelag

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Write is the last status write of one object.
type Write struct {
	// At is when it was written.
	At time.Time
	// Replaced is the resourceVersion the write replaced: a cached object still at it is stale.
	Replaced string
	// looks counts the passes in a row that found the cache still at Replaced.
	looks int
}

// Writes remembers, per object, its last status write. Safe for concurrent use; the zero value is ready.
type Writes struct{ m sync.Map }

// Wrote records a status write made at at that replaced the version replaced.
func (w *Writes) Wrote(key types.NamespacedName, at time.Time, replaced string) {
	w.m.Store(key, Write{At: at, Replaced: replaced})
}

// Last is the object's last recorded status write.
func (w *Writes) Last(key types.NamespacedName) (Write, bool) {
	v, ok := w.m.Load(key)
	if !ok {
		return Write{}, false
	}
	return v.(Write), true
}

// Stale reports whether the cached object, at resourceVersion, is the version the last status write
// replaced, and if so how soon to look again (Recheck of the stale looks in a row).
func (w *Writes) Stale(key types.NamespacedName, resourceVersion string) (time.Duration, bool) {
	last, ok := w.Last(key)
	if !ok || last.Replaced != resourceVersion {
		return 0, false
	}
	last.looks++
	w.m.Store(key, last)
	return Recheck(last.looks), true
}

// Forget drops the object's record (it was deleted, or needs no more guarding).
func (w *Writes) Forget(key types.NamespacedName) { w.m.Delete(key) }

// Recheck is how soon an object whose cached version predates the reconciler's own last status write is
// looked at again, after it was found stale n times in a row (n ≥ 1): status writes do not trigger
// reconciles, so the cache catching up would not. It starts at 50 ms and doubles up to 1 s, so that a
// cache lagging by seconds under load costs a few passes, not one every 50 ms.
func Recheck(n int) time.Duration {
	d := 50 * time.Millisecond
	for i := 1; i < n && d < time.Second; i++ {
		d *= 2
	}
	return min(d, time.Second)
}
