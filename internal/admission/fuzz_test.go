package admission_test

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/stokehq/stoke/internal/admission"
)

// FuzzDecideIn plays random trees of a parent and two children (limits, weights, what is held, who waits)
// and checks what any admission decision must keep: no panic; nothing admitted that takes the queue or its
// parent past a limit; only waiting applications admitted, each once; positions 1..n without gaps.
func FuzzDecideIn(f *testing.F) {
	f.Add([]byte{8, 8, 8, 1, 3, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{16, 4, 16, 3, 1, 2, 5, 8, 8, 8, 1, 1, 1})
	f.Add([]byte{1, 1, 1, 1, 1, 0, 0, 1})
	f.Add([]byte{40, 40, 20, 2, 2, 10, 10, 3, 200, 7, 1, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		at := func(i int) int64 {
			if i < len(data) {
				return int64(data[i])
			}
			return 0
		}
		limit := func(i int) *int64 { v := (at(i)%64 + 1) * 1000; return &v }
		tree := admission.Tree{
			"p": {Limits: admission.Limits{MilliCPU: limit(0)}},
			"a": {Limits: admission.Limits{MilliCPU: limit(1)}, Parent: "p", Weight: at(3)%5 + 1},
			"b": {Limits: admission.Limits{MilliCPU: limit(2)}, Parent: "p", Weight: at(4)%5 + 1},
		}
		held := admission.Held{"a": {MilliCPU: at(5) % 32 * 1000}, "b": {MilliCPU: at(6) % 32 * 1000}}
		lines := map[string][]admission.Waiting{}
		t0 := time.Unix(0, 0)
		for i := 7; i < len(data) && i < 47; i++ {
			q := []string{"a", "b"}[i%2]
			lines[q] = append(lines[q], admission.Waiting{
				Key:     types.NamespacedName{Namespace: q, Name: fmt.Sprint(i)},
				Created: t0.Add(time.Duration(data[i]%7) * time.Second), Priority: int32(data[i] % 3),
				Need: admission.Amount{MilliCPU: (int64(data[i])%8 + 1) * 1000, Applications: 1}})
		}
		for _, q := range []string{"a", "b"} {
			plan := admission.DecideIn(tree, held, lines, q)
			waiting := map[types.NamespacedName]int64{}
			for _, w := range lines[q] {
				waiting[w.Key] = w.Need.MilliCPU
			}
			used, parentUsed := held[q].MilliCPU, held["a"].MilliCPU+held["b"].MilliCPU
			seen := map[types.NamespacedName]bool{}
			for _, k := range plan.Admit {
				need, ok := waiting[k]
				if !ok || seen[k] {
					t.Fatalf("%s: admitted %v, not waiting there or twice", q, k)
				}
				seen[k] = true
				used += need
				parentUsed += need
			}
			if len(plan.Admit) > 0 && (used > *tree[q].Limits.MilliCPU || parentUsed > *tree["p"].Limits.MilliCPU) {
				t.Fatalf("%s: admitted to %d of %d (parent %d of %d)", q, used, *tree[q].Limits.MilliCPU, parentUsed, *tree["p"].Limits.MilliCPU)
			}
			positions := map[int]bool{}
			all := plan.Positions()
			for k, p := range all {
				if seen[k] || positions[p] || p < 1 || p > len(all) || plan.Position(k) != p {
					t.Fatalf("%s: position %d of %v (%d waiting; Position says %d)", q, p, k, len(all), plan.Position(k))
				}
				positions[p] = true
			}
			for k := range seen {
				if plan.Position(k) != 0 {
					t.Fatalf("%s: admitted %v has position %d", q, k, plan.Position(k))
				}
			}
		}
	})
}
