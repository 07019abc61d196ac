package sparkapplication

import (
	"context"
	"slices"
	"strconv"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

func TestPhaseCounter(t *testing.T) {
	app := func(ns, name string, phase stokev1.ApplicationPhase) *stokev1.SparkApplication {
		return &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Status: stokev1.SparkApplicationStatus{Phase: phase}}
	}
	type event struct {
		kind     string // add, update, delete, tombstone
		old, obj any
	}
	cases := []struct {
		name   string
		events []event
		want   []string // namespace/phase=count, sorted
	}{
		{"a new application without a phase counts as Pending",
			[]event{{kind: "add", obj: app("a", "x", "")}}, []string{"a/Pending=1"}},
		{"an update moves it between phases",
			[]event{{kind: "add", obj: app("a", "x", "")}, {kind: "update", old: app("a", "x", ""), obj: app("a", "x", stokev1.PhaseRunning)}},
			[]string{"a/Running=1"}},
		{"namespaces are apart",
			[]event{{kind: "add", obj: app("a", "x", stokev1.PhaseSucceeded)}, {kind: "add", obj: app("b", "x", stokev1.PhaseSucceeded)},
				{kind: "add", obj: app("b", "y", stokev1.PhaseSucceeded)}},
			[]string{"a/Succeeded=1", "b/Succeeded=2"}},
		{"a deleted application leaves, and an emptied series goes",
			[]event{{kind: "add", obj: app("a", "x", stokev1.PhaseFailed)}, {kind: "add", obj: app("a", "y", stokev1.PhaseSucceeded)},
				{kind: "delete", obj: app("a", "x", stokev1.PhaseFailed)}},
			[]string{"a/Succeeded=1"}},
		{"a deletion the cache missed arrives as a tombstone",
			[]event{{kind: "add", obj: app("a", "x", stokev1.PhaseRunning)},
				{kind: "tombstone", obj: toolscache.DeletedFinalStateUnknown{Key: "a/x", Obj: app("a", "x", stokev1.PhaseRunning)}}},
			nil},
		{"an object that is not an application is ignored",
			[]event{{kind: "add", obj: "not an application"}, {kind: "delete", obj: toolscache.DeletedFinalStateUnknown{Key: "a/x"}}},
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newPhaseCounter()
			h := c.handler()
			for _, e := range tc.events {
				switch e.kind {
				case "add":
					h.OnAdd(e.obj, false)
				case "update":
					h.OnUpdate(e.old, e.obj)
				case "delete", "tombstone":
					h.OnDelete(e.obj)
				}
			}
			counts, err := c.source()(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pc := range counts {
				got = append(got, pc.Namespace+"/"+pc.Phase+"="+strconv.Itoa(pc.Count))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("counts = %v, want %v", got, tc.want)
			}
		})
	}
}
