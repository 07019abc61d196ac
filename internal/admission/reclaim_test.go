package admission_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/stokehq/stoke/internal/admission"
)

// holdings is n admitted applications of c cores each in the queue, admitted a minute apart from t0 (the
// last one most recently), named <queue>-<i>.
func holdings(queue string, n int, c int64) map[types.NamespacedName]admission.Holding {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := map[types.NamespacedName]admission.Holding{}
	for i := range n {
		out[types.NamespacedName{Namespace: "ns", Name: fmt.Sprintf("%s-%d", queue, i)}] = admission.Holding{
			Queue: queue, Need: admission.Amount{MilliCPU: c * 1000, Applications: 1}, Admitted: t0.Add(time.Duration(i) * time.Minute)}
	}
	return out
}

func merged(ms ...map[types.NamespacedName]admission.Holding) map[types.NamespacedName]admission.Holding {
	out := map[types.NamespacedName]admission.Holding{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// with is the holdings with the named one changed.
func with(h map[types.NamespacedName]admission.Holding, name string, change func(*admission.Holding)) map[types.NamespacedName]admission.Holding {
	key := types.NamespacedName{Namespace: "ns", Name: name}
	v := h[key]
	change(&v)
	h[key] = v
	return h
}

func TestReclaim(t *testing.T) {
	// A parent of 8 cores shared by a (weight 1) and b (weight 1), each allowed to borrow all of it; c has
	// weight 3; under "other", cousins of a's parent.
	tree := admission.Tree{
		"root":   {Limits: admission.Limits{MilliCPU: cores(12)}},
		"parent": {Limits: admission.Limits{MilliCPU: cores(8)}, Parent: "root", Weight: 1},
		"a":      {Limits: admission.Limits{MilliCPU: cores(8)}, Parent: "parent", Weight: 1, Reclaim: true},
		"b":      {Limits: admission.Limits{MilliCPU: cores(8)}, Parent: "parent", Weight: 1},
		"c":      {Limits: admission.Limits{MilliCPU: cores(8)}, Parent: "parent", Weight: 3},
		"small":  {Limits: admission.Limits{MilliCPU: cores(2)}, Parent: "parent", Weight: 1, Reclaim: true},
		"other":  {Limits: admission.Limits{MilliCPU: cores(12)}, Parent: "root", Weight: 1},
		"cousin": {Limits: admission.Limits{MilliCPU: cores(12)}, Parent: "other", Weight: 1},
	}
	one := admission.Amount{MilliCPU: 1000, Applications: 1}
	two := admission.Amount{MilliCPU: 2000, Applications: 1}
	for _, tc := range []struct {
		name     string
		holdings map[types.NamespacedName]admission.Holding
		queue    string
		need     admission.Amount
		want     []string
	}{
		{name: "b borrowed the whole parent: its most recently admitted application makes room",
			holdings: holdings("b", 8, 1), queue: "a", need: one, want: []string{"b-7"}},
		{name: "as many as make room, most recent first",
			holdings: holdings("b", 8, 1), queue: "a", need: two, want: []string{"b-7", "b-6"}},
		{name: "a lower priority goes before a more recent admission",
			holdings: with(holdings("b", 8, 1), "b-2", func(h *admission.Holding) { h.Priority = -1 }), queue: "a", need: one, want: []string{"b-2"}},
		{name: "no one is stopped while the room already being given back suffices",
			holdings: with(holdings("b", 8, 1), "b-7", func(h *admission.Holding) { h.PreemptedBy = "a" }), queue: "a", need: one},
		{name: "room being given back counts: only the rest is stopped",
			holdings: with(holdings("b", 8, 1), "b-7", func(h *admission.Holding) { h.PreemptedBy = "a" }), queue: "a", need: two, want: []string{"b-6"}},
		{name: "a sibling at its share keeps its applications (a would then hold more than b)",
			holdings: merged(holdings("a", 4, 1), holdings("b", 4, 1)), queue: "a", need: one},
		{name: "taking back up to the point of equal shares, not past it",
			holdings: merged(holdings("a", 2, 1), holdings("b", 6, 1)), queue: "a", need: two, want: []string{"b-5", "b-4"}},
		{name: "a sibling of larger weight holds more before it is above its share",
			holdings: merged(holdings("a", 2, 1), holdings("c", 6, 1)), queue: "a", need: one},
		{name: "the sibling holding the most for its weight first",
			holdings: merged(holdings("a", 1, 1), holdings("b", 4, 1), holdings("c", 3, 1)), queue: "a", need: one, want: []string{"b-3"}},
		{name: "nothing is stopped when all that may be stopped would not make room",
			holdings: merged(holdings("a", 3, 1), holdings("b", 5, 1)), queue: "a", need: admission.Amount{MilliCPU: 5000, Applications: 1}},
		{name: "the queue's own quota lacks room: stopping siblings would not help",
			holdings: merged(holdings("small", 2, 1), holdings("b", 6, 1)), queue: "small", need: one},
		{name: "room a parent's sibling borrowed from the grandparent is taken back there",
			holdings: merged(holdings("b", 4, 1), holdings("cousin", 8, 1)), queue: "a", need: one, want: []string{"cousin-7"}},
		{name: "a queue whose parents do not exist stops nothing",
			holdings: holdings("b", 8, 1), queue: "nope", need: one},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, k := range tree.Reclaim(tc.holdings, tc.queue, tc.need) {
				got = append(got, k.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("stopped %v, want %v", got, tc.want)
			}
		})
	}
}

// TestReclaimNeverSwapsBack checks the rule that keeps two queues from taking room from each other in turn:
// once a has taken its share back from b, b may take nothing back from a, whatever b asks for.
func TestReclaimNeverSwapsBack(t *testing.T) {
	for _, wa := range []int64{1, 2, 3} {
		for _, wb := range []int64{1, 2, 3} {
			tree := admission.Tree{
				"parent": {Limits: admission.Limits{MilliCPU: cores(12)}},
				"a":      {Limits: admission.Limits{MilliCPU: cores(12)}, Parent: "parent", Weight: wa, Reclaim: true},
				"b":      {Limits: admission.Limits{MilliCPU: cores(12)}, Parent: "parent", Weight: wb, Reclaim: true},
			}
			for held := 1; held <= 12; held++ {
				h := merged(holdings("a", 12-held, 1), holdings("b", held, 1))
				need := admission.Amount{MilliCPU: 1000, Applications: 1}
				victims := tree.Reclaim(h, "a", need)
				for _, v := range victims {
					delete(h, v)
				}
				if len(victims) == 0 {
					continue
				}
				h[types.NamespacedName{Namespace: "ns", Name: "new"}] = admission.Holding{Queue: "a", Need: need, Admitted: time.Now()}
				if back := tree.Reclaim(h, "b", need); len(back) > 0 {
					t.Errorf("weights %d:%d, b held %d: a stopped %v, then b would stop %v", wa, wb, held, victims, back)
				}
			}
		}
	}
}
