package admission

import (
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/types"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// DefaultPreemptionGrace is the grace period of a stopped driver when the queue sets none.
const DefaultPreemptionGrace = 30 * time.Second

// Holding is an admitted application's hold on its queue.
type Holding struct {
	Queue    string
	Need     Amount
	Priority int32
	Admitted time.Time
	// PreemptedBy, when set, is the queue taking its room back (its driver is stopping). It holds its room
	// until its attempt ends, but no further application is stopped for the room it is about to give back.
	PreemptedBy string
}

// HoldingOf reads an application's hold from its status: ok is false when it holds nothing (it waits, or
// stands in no queue).
func HoldingOf(app *stokev1.SparkApplication) (Holding, bool) {
	q := app.Status.Queue
	if q == nil || q.AdmittedTime == nil {
		return Holding{}, false
	}
	h := Holding{Queue: q.Name, Need: AmountOf(q.Footprint), Priority: app.Spec.QueuePriority, Admitted: q.AdmittedTime.Time}
	if q.Preemption != nil {
		h.PreemptedBy = q.Preemption.Queue
	}
	return h, true
}

// Reclaim chooses the admitted applications to stop so that need, the next application of a queue whose
// preemption reclaims its fair share, fits: applications of the queue's siblings (or of its parents'
// siblings, down their subtrees) that are not already stopping. It returns none when the queue's own quota
// lacks room (stopping siblings would not help), when the room already being given back suffices, or when
// stopping every application it may stop would still not make room: an application is stopped only if it
// makes the difference.
//
// A sibling's application may be stopped only while the queue, with need admitted, would hold no more of
// their parent for its weight than the sibling would hold without that application (Kueue calls this rule
// "less than or equal to final share"): after the exchange the sibling is not below the queue, so it has no
// claim to take the room back in turn. Among those that may be stopped, the sibling holding the most for its
// weight goes first, within it the lowest priority, then the most recently admitted (the least work lost),
// then by name.
func (t Tree) Reclaim(holdings map[types.NamespacedName]Holding, queue string, need Amount) []types.NamespacedName {
	chain, err := t.Chain(queue)
	if err != nil {
		return nil
	}
	after := map[string]Amount{} // what each queue's subtree holds once the stopping applications are gone
	for _, h := range holdings {
		if h.PreemptedBy != "" {
			continue
		}
		hc, err := t.Chain(h.Queue)
		if err != nil {
			continue
		}
		for _, q := range hc {
			after[q] = after[q].Add(h.Need)
		}
	}
	if len(t[queue].Limits.Short(after[queue].Add(need))) > 0 || len(t.short(chain, after, need)) == 0 {
		return nil
	}
	// The candidates, each with the sibling whose subtree holds it and the member of the chain it is a
	// sibling of.
	type candidate struct {
		key           types.NamespacedName
		h             Holding
		chain         []string
		sibling, mine string
	}
	kids := t.children()
	var cands []candidate
	for key, h := range holdings {
		if h.PreemptedBy != "" {
			continue
		}
		hc, err := t.Chain(h.Queue)
		if err != nil {
			continue
		}
		for _, x := range chain {
			parent := t[x].Parent
			if parent == "" {
				break
			}
			if s := memberUnder(hc, kids[parent]); s != "" && s != x {
				cands = append(cands, candidate{key: key, h: h, chain: hc, sibling: s, mine: x})
				break
			}
		}
	}
	var victims []types.NamespacedName
	for len(t.short(chain, after, need)) > 0 {
		best := -1
		for i, c := range cands {
			if t.share(c.mine, after[c.mine].Add(need)) > t.share(c.sibling, after[c.sibling].Sub(c.h.Need)) {
				continue
			}
			if best < 0 || t.stopsBefore(c.sibling, c.key, c.h, cands[best].sibling, cands[best].key, cands[best].h, after) {
				best = i
			}
		}
		if best < 0 {
			return nil // not enough may be stopped: stop nothing
		}
		c := cands[best]
		for _, q := range c.chain {
			after[q] = after[q].Sub(c.h.Need)
		}
		victims = append(victims, c.key)
		cands = append(cands[:best], cands[best+1:]...)
	}
	return victims
}

// stopsBefore orders the applications Reclaim may stop: the sibling holding the most for its weight, then
// the lowest priority, then the most recently admitted, then by name.
func (t Tree) stopsBefore(sa string, ka types.NamespacedName, a Holding, sb string, kb types.NamespacedName, b Holding, held map[string]Amount) bool {
	if sa != sb {
		if x, y := t.share(sa, held[sa]), t.share(sb, held[sb]); x != y {
			return x > y
		}
		return sa < sb
	}
	switch {
	case a.Priority != b.Priority:
		return a.Priority < b.Priority
	case !a.Admitted.Equal(b.Admitted):
		return a.Admitted.After(b.Admitted)
	case ka.Namespace != kb.Namespace:
		return ka.Namespace < kb.Namespace
	}
	return ka.Name < kb.Name
}

// memberUnder is the queue of chain that is one of queues, "" when none is.
func memberUnder(chain, queues []string) string {
	for _, q := range chain {
		if i := sort.SearchStrings(queues, q); i < len(queues) && queues[i] == q {
			return q
		}
	}
	return ""
}
