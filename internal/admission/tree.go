package admission

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// QueueDef is what admission needs of one queue: its limits, its parent (whose limits bound it and its
// siblings together) and its weight among its siblings.
type QueueDef struct {
	Limits Limits
	Parent string
	Weight int64
	// Reclaim: the queue stops applications of siblings above their share to admit its own (Reclaim), with
	// Grace for their drivers to shut down.
	Reclaim bool
	Grace   time.Duration
}

// Tree is every queue by name.
type Tree map[string]QueueDef

// TreeOf reads the queues; a queue whose quota is invalid is left out (it admits nothing, nor does any
// queue under it).
func TreeOf(queues []stokev1.SparkQueue) Tree {
	t := Tree{}
	for i := range queues {
		q := &queues[i]
		limits, err := LimitsOf(q.Spec.Quota)
		if err != nil {
			continue
		}
		weight := int64(1)
		if q.Spec.Weight != nil {
			weight = int64(*q.Spec.Weight)
		}
		d := QueueDef{Limits: limits, Parent: q.Spec.Parent, Weight: weight}
		if p := q.Spec.Preemption; p != nil && p.ReclaimFromSiblings == stokev1.ReclaimFairShare {
			d.Reclaim, d.Grace = true, DefaultPreemptionGrace
			if p.GracePeriodSeconds != nil {
				d.Grace = time.Duration(*p.GracePeriodSeconds) * time.Second
			}
		}
		t[q.Name] = d
	}
	return t
}

// Chain is the queue and its ancestors, nearest first; an error names a missing or invalid queue on the
// way, or a cycle.
func (t Tree) Chain(queue string) ([]string, error) {
	var chain []string
	seen := map[string]bool{}
	for q := queue; q != ""; q = t[q].Parent {
		if seen[q] {
			return nil, fmt.Errorf("the parents of SparkQueue %q form a cycle: %s", queue, strings.Join(append(chain, q), " → "))
		}
		if _, ok := t[q]; !ok {
			if q == queue {
				return nil, fmt.Errorf("SparkQueue %q does not exist or has an invalid quota", q)
			}
			return nil, fmt.Errorf("SparkQueue %q's parent %q does not exist or has an invalid quota", chain[len(chain)-1], q)
		}
		seen[q] = true
		chain = append(chain, q)
	}
	return chain, nil
}

// children lists each queue's children, sorted.
func (t Tree) children() map[string][]string {
	kids := map[string][]string{}
	for name, d := range t {
		if d.Parent != "" {
			kids[d.Parent] = append(kids[d.Parent], name)
		}
	}
	for _, k := range kids {
		sort.Strings(k)
	}
	return kids
}

// Held is what the admitted applications hold, by the queue they were admitted to.
type Held map[string]Amount

// subtree is what each queue's admitted applications and its descendants' hold together.
func (t Tree) subtree(held Held) map[string]Amount {
	sub := map[string]Amount{}
	for q, a := range held {
		chain, err := t.Chain(q)
		if err != nil {
			chain = []string{q}
		}
		for _, c := range chain {
			sub[c] = sub[c].Add(a)
		}
	}
	return sub
}

// short lists what of need does not fit the queue or one of its ancestors, given what their subtrees hold.
func (t Tree) short(chain []string, sub map[string]Amount, need Amount) []string {
	var over []string
	for _, q := range chain {
		for _, s := range t[q].Limits.Short(sub[q].Add(need)) {
			if q != chain[0] {
				s = "parent " + q + ": " + s
			}
			over = append(over, s)
		}
	}
	return over
}

// tooLarge lists what of need alone exceeds the queue's or an ancestor's limits.
func (t Tree) tooLarge(chain []string, need Amount) []string {
	return t.short(chain, nil, need)
}

// share is a queue's weighted dominant share of its parent's limits were its subtree to hold used: the
// largest fraction of one of the parent's limits, divided by its weight.
func (t Tree) share(queue string, used Amount) float64 {
	parent := t[t[queue].Parent].Limits
	frac := 0.0
	for _, p := range []struct {
		used  int64
		limit *int64
	}{{used.MilliCPU, parent.MilliCPU}, {used.Memory, parent.Memory}, {used.GPUs, parent.GPUs}, {used.Applications, parent.Applications}} {
		if p.limit != nil && *p.limit > 0 {
			frac = math.Max(frac, float64(p.used)/float64(*p.limit))
		}
	}
	return frac / float64(max(t[queue].Weight, 1))
}

// FairShare is the queue's weighted share of its parent's limits: each of the parent's limits times the
// queue's weight over the weights of all the parent's children. ok is false for a queue without a parent
// (or not in the tree).
func (t Tree) FairShare(queue string) (share Limits, ok bool) {
	d, found := t[queue]
	if !found || d.Parent == "" {
		return Limits{}, false
	}
	parent, found := t[d.Parent]
	if !found {
		return Limits{}, false
	}
	var total int64
	for _, sibling := range t.children()[d.Parent] {
		total += max(t[sibling].Weight, 1)
	}
	of := func(limit *int64) *int64 {
		if limit == nil {
			return nil
		}
		v := *limit * max(d.Weight, 1) / total
		return &v
	}
	return Limits{MilliCPU: of(parent.Limits.MilliCPU), Memory: of(parent.Limits.Memory), GPUs: of(parent.Limits.GPUs),
		Applications: of(parent.Limits.Applications)}, true
}

// Borrowed is what used holds beyond share, for each resource the share limits (zero where it is within).
func Borrowed(used Amount, share Limits) Amount {
	over := func(u int64, limit *int64) int64 {
		if limit == nil {
			return 0
		}
		return max(u-*limit, 0)
	}
	return Amount{MilliCPU: over(used.MilliCPU, share.MilliCPU), Memory: over(used.Memory, share.Memory),
		GPUs: over(used.GPUs, share.GPUs), Applications: over(used.Applications, share.Applications)}
}

// DecideIn looks at one queue of the tree: with held already admitted everywhere and lines waiting in
// every queue, which of the queue's waiting applications are admitted now, strictly in admission order.
// An application fits when the queue and every ancestor hold room for it. Among siblings, the one with the
// smallest weighted share of their parent goes first: a queue whose sibling holds less for its weight and
// has an application waiting that would fit admits nothing new (so a queue above its share gives room back
// to a sibling below it as its applications end, and saturated siblings converge on their weights).
func DecideIn(t Tree, held Held, lines map[string][]Waiting, queue string) Plan {
	w := ordered(lines[queue])
	plan := Plan{TooLarge: map[types.NamespacedName][]string{}, line: w}
	chain, err := t.Chain(queue)
	if err != nil {
		plan.Invalid = err.Error()
		return plan
	}
	sub := t.subtree(held)
	blocked := false
	for _, e := range w {
		if over := t.tooLarge(chain, e.Need); len(over) > 0 {
			plan.TooLarge[e.Key] = over
			continue
		}
		if blocked {
			continue
		}
		// Looked at before each admission: the ones before may have taken the queue past a sibling's share.
		if plan.Yield = t.yieldTo(chain, sub, lines, e.Need); plan.Yield != "" {
			blocked = true
			continue
		}
		if over := t.short(chain, sub, e.Need); len(over) > 0 {
			blocked = true
			plan.Blocker, plan.BlockerLack = e.Key, over
			continue
		}
		plan.Admit = append(plan.Admit, e.Key)
		for _, q := range chain {
			sub[q] = sub[q].Add(e.Need)
		}
	}
	plan.admitted = len(plan.Admit)
	return plan
}

// yieldTo names the sibling (of the queue or of an ancestor) the queue must let go first before admitting
// need: one whose weighted share of their parent, with its own next application admitted, would be smaller
// than the queue's with need; "" when none. Comparing the shares after admission keeps a queue whose
// applications are large for its weight from overshooting its share by one application each time.
func (t Tree) yieldTo(chain []string, sub map[string]Amount, lines map[string][]Waiting, need Amount) string {
	kids := t.children()
	for _, x := range chain {
		parent := t[x].Parent
		if parent == "" {
			break
		}
		mine := t.share(x, sub[x].Add(need))
		for _, s := range kids[parent] {
			if s == x {
				continue
			}
			if next, ok := t.head(s, sub, lines, kids); ok && t.share(s, sub[s].Add(next)) < mine {
				return fmt.Sprintf("%s (weight %d) holds less of %s for its weight and has an application waiting", s, t[s].Weight, parent)
			}
		}
	}
	return ""
}

// head is the need of the first waiting application of the queue, or of a queue under it, that would fit.
func (t Tree) head(queue string, sub map[string]Amount, lines map[string][]Waiting, kids map[string][]string) (Amount, bool) {
	if line := lines[queue]; len(line) > 0 {
		w := ordered(line)
		if chain, err := t.Chain(queue); err == nil {
			for _, e := range w {
				if len(t.tooLarge(chain, e.Need)) > 0 {
					continue
				}
				if len(t.short(chain, sub, e.Need)) == 0 {
					return e.Need, true
				}
				break
			}
		}
	}
	for _, k := range kids[queue] {
		if need, ok := t.head(k, sub, lines, kids); ok {
			return need, true
		}
	}
	return Amount{}, false
}

// ExecutorCap is how many executors could run beside the application's driver within the limits of the
// queue and its ancestors: the most dynamic allocation may ask for there. ok is false when no limit bounds
// the executors (they request nothing the queues limit).
func (t Tree) ExecutorCap(queue string, driver, executor Amount) (n int64, ok bool) {
	chain, err := t.Chain(queue)
	if err != nil {
		return 0, false
	}
	n = math.MaxInt64
	for _, q := range chain {
		l := t[q].Limits
		for _, r := range []struct {
			limit        *int64
			driver, each int64
		}{{l.MilliCPU, driver.MilliCPU, executor.MilliCPU}, {l.Memory, driver.Memory, executor.Memory}, {l.GPUs, driver.GPUs, executor.GPUs}} {
			if r.limit != nil && r.each > 0 {
				n = min(n, max(*r.limit-r.driver, 0)/r.each)
				ok = true
			}
		}
	}
	if !ok {
		return 0, false
	}
	return n, true
}
