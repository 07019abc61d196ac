package admission_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/stokehq/stoke/internal/admission"
)

func cores(n int64) *int64 { v := n * 1000; return &v }

// line is n waiting applications of one core each in the queue, created a second apart.
func line(queue string, n int) []admission.Waiting {
	var w []admission.Waiting
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		w = append(w, admission.Waiting{Key: types.NamespacedName{Namespace: queue, Name: fmt.Sprintf("%s-%03d", queue, i)},
			Created: t0.Add(time.Duration(i) * time.Second), Need: admission.Amount{MilliCPU: 1000, Applications: 1}})
	}
	return w
}

func TestDecideInTree(t *testing.T) {
	tree := admission.Tree{
		"parent": {Limits: admission.Limits{MilliCPU: cores(8)}},
		"a":      {Limits: admission.Limits{MilliCPU: cores(8)}, Parent: "parent", Weight: 1},
		"b":      {Limits: admission.Limits{MilliCPU: cores(8)}, Parent: "parent", Weight: 3},
		"capped": {Limits: admission.Limits{MilliCPU: cores(3)}, Parent: "parent", Weight: 1},
	}
	held := func(a, b int64) admission.Held {
		return admission.Held{"a": {MilliCPU: a * 1000, Applications: a}, "b": {MilliCPU: b * 1000, Applications: b}}
	}
	for _, tc := range []struct {
		name      string
		held      admission.Held
		lines     map[string][]admission.Waiting
		queue     string
		admit     int
		yield     bool
		lack      string
		invalidIs string
	}{
		{name: "alone, a queue uses what its siblings leave, up to its own quota", held: held(0, 0),
			lines: map[string][]admission.Waiting{"a": line("a", 10)}, queue: "a", admit: 8, lack: "cores 9 > 8"},
		{name: "above its share, it lets a waiting sibling below its share go first", held: held(4, 0),
			lines: map[string][]admission.Waiting{"a": line("a", 3), "b": line("b", 3)}, queue: "a", admit: 0, yield: true},
		{name: "the sibling below its share goes, up to its weight", held: held(2, 0),
			lines: map[string][]admission.Waiting{"a": line("a", 3), "b": line("b", 9)}, queue: "b", admit: 6, lack: "parent parent: cores 9 > 8"},
		{name: "a sibling with nothing that fits is not waited for", held: held(4, 0),
			lines: map[string][]admission.Waiting{"a": line("a", 2), "b": {{Key: types.NamespacedName{Name: "big"}, Need: admission.Amount{MilliCPU: 9000, Applications: 1}}}},
			queue: "a", admit: 2},
		{name: "the parent's quota bounds the siblings together", held: held(3, 5),
			lines: map[string][]admission.Waiting{"a": line("a", 1)}, queue: "a", admit: 0, lack: "parent parent: cores 9 > 8"},
		{name: "a queue's own quota caps what it borrows", held: admission.Held{"capped": {MilliCPU: 3000, Applications: 3}},
			lines: map[string][]admission.Waiting{"capped": line("capped", 1)}, queue: "capped", admit: 0, lack: "cores 4 > 3"},
	} {
		plan := admission.DecideIn(tree, tc.held, tc.lines, tc.queue)
		if len(plan.Admit) != tc.admit || (plan.Yield != "") != tc.yield || !strings.Contains(strings.Join(plan.BlockerLack, "; "), tc.lack) {
			t.Errorf("%s: admitted %d, yield %q, lack %q; want %d, yield %v, lack %q", tc.name, len(plan.Admit), plan.Yield, plan.BlockerLack, tc.admit, tc.yield, tc.lack)
		}
	}
}

func TestFairShareAndBorrowed(t *testing.T) {
	gi := int64(1 << 30)
	mem := func(n int64) *int64 { v := n * gi; return &v }
	tree := admission.Tree{
		"parent": {Limits: admission.Limits{MilliCPU: cores(16), Memory: mem(64)}},
		"a":      {Limits: admission.Limits{MilliCPU: cores(16)}, Parent: "parent", Weight: 1},
		"b":      {Limits: admission.Limits{MilliCPU: cores(16)}, Parent: "parent", Weight: 3},
		"root":   {Limits: admission.Limits{MilliCPU: cores(4)}},
	}
	for _, tc := range []struct {
		queue    string
		used     admission.Amount
		borrowed admission.Amount
	}{
		{queue: "a", used: admission.Amount{MilliCPU: 3000, Memory: 10 * gi}}, // share: 4 cores, 16Gi
		{queue: "a", used: admission.Amount{MilliCPU: 10000, Memory: 20 * gi}, borrowed: admission.Amount{MilliCPU: 6000, Memory: 4 * gi}},
		{queue: "b", used: admission.Amount{MilliCPU: 12000, Memory: 48 * gi}},                                            // share: 12 cores, 48Gi
		{queue: "b", used: admission.Amount{MilliCPU: 12500, Applications: 7}, borrowed: admission.Amount{MilliCPU: 500}}, // applications unlimited
	} {
		share, ok := tree.FairShare(tc.queue)
		if !ok {
			t.Fatalf("%s has no share", tc.queue)
		}
		if got := admission.Borrowed(tc.used, share); got != tc.borrowed {
			t.Errorf("%s holding %+v borrows %+v, want %+v", tc.queue, tc.used, got, tc.borrowed)
		}
	}
	if _, ok := tree.FairShare("root"); ok {
		t.Error("a queue without a parent has a share of one")
	}
}

func TestTreeChainErrors(t *testing.T) {
	tree := admission.Tree{
		"orphan": {Limits: admission.Limits{MilliCPU: cores(1)}, Parent: "missing"},
		"x":      {Limits: admission.Limits{MilliCPU: cores(1)}, Parent: "y"},
		"y":      {Limits: admission.Limits{MilliCPU: cores(1)}, Parent: "x"},
	}
	for queue, want := range map[string]string{
		"orphan": `SparkQueue "orphan"'s parent "missing" does not exist`,
		"x":      `the parents of SparkQueue "x" form a cycle: x → y → x`,
		"nope":   `SparkQueue "nope" does not exist`,
	} {
		if _, err := tree.Chain(queue); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", queue, err, want)
		}
		if plan := admission.DecideIn(tree, nil, map[string][]admission.Waiting{queue: line(queue, 1)}, queue); plan.Invalid == "" || len(plan.Admit) > 0 {
			t.Errorf("%s: plan %+v, want invalid and nothing admitted", queue, plan)
		}
	}
}

// TestWeightedFairShareConverges plays two saturated sibling queues of weights 1 and 3 under a parent of 16
// cores: applications of one core end at random (one in eight per round) and the queues' lines are looked at
// as the admission manager does (every admission wakes them again); over the run, the shares held stay
// within 5 points of 25% and 75%, and the parent is never over-admitted.
func TestWeightedFairShareConverges(t *testing.T) {
	tree := admission.Tree{
		"parent": {Limits: admission.Limits{MilliCPU: cores(16)}},
		"a":      {Limits: admission.Limits{MilliCPU: cores(16)}, Parent: "parent", Weight: 1},
		"b":      {Limits: admission.Limits{MilliCPU: cores(16)}, Parent: "parent", Weight: 3},
	}
	running := map[string][]types.NamespacedName{}
	lines := map[string][]admission.Waiting{"a": line("a", 2000), "b": line("b", 2000)} // never run dry: saturated
	seed := uint64(42)
	random := func(n int) int { // a fixed sequence: the test is the same every run
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	var shareA, rounds float64
	for round := range 300 {
		// Each admission wakes the queues again, until neither admits anything.
		for admitted := true; admitted; {
			admitted = false
			for _, q := range []string{"a", "b"} {
				held := admission.Held{"a": {MilliCPU: int64(len(running["a"])) * 1000}, "b": {MilliCPU: int64(len(running["b"])) * 1000}}
				plan := admission.DecideIn(tree, held, lines, q)
				running[q] = append(running[q], plan.Admit...)
				lines[q] = lines[q][len(plan.Admit):]
				admitted = admitted || len(plan.Admit) > 0
			}
		}
		total := len(running["a"]) + len(running["b"])
		if total > 16 {
			t.Fatalf("round %d: %d cores admitted under a parent of 16", round, total)
		}
		if round >= 20 { // after the first fill
			shareA += float64(len(running["a"])) / float64(total)
			rounds++
		}
		for _, q := range []string{"a", "b"} {
			for i := len(running[q]) - 1; i >= 0; i-- {
				if random(8) == 0 {
					running[q] = append(running[q][:i], running[q][i+1:]...)
				}
			}
		}
	}
	t.Logf("queue a held %.1f%% of the parent on average over %.0f rounds", shareA/rounds*100, rounds)
	if got := shareA / rounds; math.Abs(got-0.25) > 0.05 {
		t.Errorf("queue a held %.1f%% of the parent on average, want 25%% ± 5 points", got*100)
	}
}

func TestExecutorCap(t *testing.T) {
	mem := func(gib int64) *int64 { v := gib << 30; return &v }
	tree := admission.Tree{
		"parent": {Limits: admission.Limits{MilliCPU: cores(10)}},
		"q":      {Limits: admission.Limits{MilliCPU: cores(16), Memory: mem(20)}, Parent: "parent"},
		"apps":   {Limits: admission.Limits{Applications: cores(1)}},
	}
	driver := admission.Amount{MilliCPU: 1000, Memory: 2 << 30}
	executor := admission.Amount{MilliCPU: 2000, Memory: 4 << 30}
	for _, tc := range []struct {
		queue string
		want  int64
		ok    bool
	}{
		{"q", 4, true},      // the parent's 10 cores: (10 - 1) / 2; memory alone would allow (20 - 2) / 4 = 4 too
		{"parent", 4, true}, // the same limit directly
		{"apps", 0, false},  // nothing bounds executors
		{"missing", 0, false},
	} {
		if n, ok := tree.ExecutorCap(tc.queue, driver, executor); n != tc.want || ok != tc.ok {
			t.Errorf("%s: %d, %v; want %d, %v", tc.queue, n, ok, tc.want, tc.ok)
		}
	}
}

// BenchmarkDecideInLongLine is the look an application's end triggers in a full queue with 10,000 waiting
// (issue 15's bench target): one slot freed, the first in line admitted, the place of the last one asked.
// It should not allocate per waiting application.
func BenchmarkDecideInLongLine(b *testing.B) {
	tree := admission.Tree{"q": {Limits: admission.Limits{MilliCPU: cores(8)}}}
	waiting := line("q", 10000)
	lines := map[string][]admission.Waiting{"q": waiting}
	held := admission.Held{"q": {MilliCPU: 7000, Applications: 7}}
	last := waiting[len(waiting)-1].Key
	b.ReportAllocs()
	for b.Loop() {
		plan := admission.DecideIn(tree, held, lines, "q")
		if len(plan.Admit) != 1 || plan.Position(last) != len(waiting)-1 {
			b.Fatalf("admitted %v, last at %d", plan.Admit, plan.Position(last))
		}
	}
}
