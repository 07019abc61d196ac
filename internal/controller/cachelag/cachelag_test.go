package cachelag_test

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/stokehq/stoke/internal/controller/cachelag"
)

func TestRecheck(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{1, 50 * time.Millisecond},
		{2, 100 * time.Millisecond},
		{3, 200 * time.Millisecond},
		{5, 800 * time.Millisecond},
		{6, time.Second},
		{7, time.Second},
		{1000, time.Second},
	}
	for _, tc := range tests {
		if got := cachelag.Recheck(tc.n); got != tc.want {
			t.Errorf("Recheck(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}

func TestStaleUntilTheCacheCatchesUp(t *testing.T) {
	var w cachelag.Writes
	key := types.NamespacedName{Namespace: "ns", Name: "app"}
	if _, stale := w.Stale(key, "5"); stale {
		t.Fatal("stale with no write recorded")
	}
	w.Wrote(key, time.Now(), "5")
	for i, want := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond} {
		if wait, stale := w.Stale(key, "5"); !stale || wait != want {
			t.Fatalf("look %d at the replaced version: stale %v, wait %s; want stale, %s", i+1, stale, wait, want)
		}
	}
	if _, stale := w.Stale(key, "6"); stale {
		t.Fatal("the version the write made is stale")
	}
	w.Wrote(key, time.Now(), "6")
	if wait, _ := w.Stale(key, "6"); wait != 50*time.Millisecond {
		t.Fatalf("a new write starts the looks again: wait %s", wait)
	}
	w.Forget(key)
	if _, ok := w.Last(key); ok {
		t.Fatal("remembered after Forget")
	}
}
