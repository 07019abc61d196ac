package admission

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
)

// Manager keeps, per queue, what the admitted applications hold and who waits, and answers the
// SparkApplication reconciler's one question: may this attempt start now? Its state mirrors the
// applications' status.queue: on first use it is rebuilt from a live list of every application (the cache
// alone could miss an admission written just before a restart), and every admission it grants is recorded
// in the application's status before anything of the attempt is created. Safe for concurrent use.
type Manager struct {
	// Reader lists the applications from the API server for the rebuild.
	Reader client.Reader
	// Namespaces limits the rebuild to these namespaces (an operator that watches only them may list only
	// them); empty: every namespace.
	Namespaces []string

	mu     sync.Mutex
	loaded bool
	held   map[types.NamespacedName]Holding
	// marks are the admitted applications chosen to be stopped for a queue that reclaims its share, until
	// their own pass records it in their status (Holding.PreemptedBy) or they let go.
	marks   map[types.NamespacedName]Mark
	waiting map[string]map[types.NamespacedName]Waiting
	// sorted caches each queue's line in admission order (absent: to be sorted again), so that a look at a
	// long line does not sort it each time.
	sorted map[string][]Waiting
	tree   Tree

	apps, queues chan event.GenericEvent
}

// Mark is the manager's word to an admitted application that its room is taken back.
type Mark struct {
	// Queue reclaims its share, for the application For, which waits in it.
	Queue string
	For   types.NamespacedName
	// Grace is how long the driver has to shut down.
	Grace time.Duration
}

// NewManager is a manager that rebuilds from the reader, in the namespaces given (none: all).
func NewManager(reader client.Reader, namespaces ...string) *Manager {
	return &Manager{
		Reader:     reader,
		Namespaces: namespaces,
		held:       map[types.NamespacedName]Holding{},
		marks:      map[types.NamespacedName]Mark{},
		waiting:    map[string]map[types.NamespacedName]Waiting{},
		sorted:     map[string][]Waiting{},
		tree:       Tree{},
		apps:       make(chan event.GenericEvent, 1024),
		queues:     make(chan event.GenericEvent, 256),
	}
}

// ApplicationEvents tells the SparkApplication controller which applications to look at again: those a
// queue can admit now.
func (m *Manager) ApplicationEvents() <-chan event.GenericEvent { return m.apps }

// QueueEvents tells the SparkQueue controller which queues' usage or waiting applications changed.
func (m *Manager) QueueEvents() <-chan event.GenericEvent { return m.queues }

// Answer is the manager's answer to Ask.
type Answer struct {
	Admitted bool
	// Position is the application's place among those waiting (1: next); 0 when admitted or too large.
	Position int
	// TooLarge says what of its footprint exceeds the queue's limits on its own.
	TooLarge []string
	// Lack says what the first application that does not fit lacks (this one's, when it is first).
	Lack []string
	// Blocker is that first application.
	Blocker types.NamespacedName
	// Yield names the sibling queue that goes first (fair share).
	Yield string
	// Invalid says why the queue admits nothing (a missing parent, a cycle).
	Invalid string
	// Reclaiming is how many applications of sibling queues are being stopped to give the queue its share
	// back (spec.preemption).
	Reclaiming int
}

// Ask puts the application's attempt in line in the queue and admits it if it fits now, in turn (the
// queues as they are now: tree). An application already admitted to that queue stays admitted (its status
// write may have failed).
func (m *Manager) Ask(ctx context.Context, queue string, tree Tree, w Waiting) (Answer, error) {
	if err := m.load(ctx); err != nil {
		return Answer{}, err
	}
	m.mu.Lock()
	m.tree = tree
	if h, ok := m.held[w.Key]; ok {
		if h.Queue == queue {
			m.mu.Unlock()
			return Answer{Admitted: true}, nil
		}
		delete(m.held, w.Key) // a stale admission elsewhere: the application now asks another queue
		delete(m.marks, w.Key)
		defer m.wakeQueue(h.Queue)
	}
	m.unwait(w.Key, queue)
	line := m.waiting[queue]
	if line == nil {
		line = map[types.NamespacedName]Waiting{}
		m.waiting[queue] = line
	}
	if old, ok := line[w.Key]; !ok || !same(old, w) {
		line[w.Key] = w
		delete(m.sorted, queue)
	}
	plan := DecideIn(m.tree, m.heldByQueue(), m.lines(), queue)
	wake := m.reclaim(queue, plan)
	answer := Answer{Position: plan.Position(w.Key), TooLarge: plan.TooLarge[w.Key], Lack: plan.BlockerLack, Blocker: plan.Blocker,
		Yield: plan.Yield, Invalid: plan.Invalid, Reclaiming: m.reclaiming(queue)}
	for _, key := range plan.Admit {
		if key == w.Key {
			answer = Answer{Admitted: true}
			m.held[key] = Holding{Queue: queue, Need: w.Need, Priority: w.Priority, Admitted: time.Now()}
			m.leaveLine(queue, key)
			continue
		}
		wake = append(wake, key) // ahead of this one and fits: its own pass admits it
	}
	chain := m.chainOf(queue)
	m.mu.Unlock()
	m.send(wake, chain...) // the queue's line changed: its status (and its parents') too
	if answer.Admitted {
		m.wakeQueue(queue) // its usage changed, and its parents'
	}
	return answer, nil
}

// Hold records an admission read from an application's status (HoldingOf; the reconciler reports every
// admitted application it sees, so a manager that missed one learns it, and a stop it recorded).
func (m *Manager) Hold(key types.NamespacedName, h Holding) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h.PreemptedBy != "" {
		delete(m.marks, key) // recorded in its status: the holding says it from now on
	}
	if old, ok := m.held[key]; ok && old == h {
		return
	}
	m.unwait(key, "")
	m.held[key] = h
}

// Preemption is the mark of an admitted application chosen to be stopped so that a queue gets its share
// back; ok is false when there is none, or when the application it was chosen for no longer waits.
func (m *Manager) Preemption(key types.NamespacedName) (Mark, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mark, ok := m.marks[key]
	if !ok {
		return Mark{}, false
	}
	if _, waits := m.waiting[mark.Queue][mark.For]; !waits {
		delete(m.marks, key)
		return Mark{}, false
	}
	return mark, true
}

// Release records that the application holds nothing and waits nowhere (its attempt ended, it was
// suspended or deleted, it no longer uses a queue); the queue's next applications that fit are woken.
func (m *Manager) Release(key types.NamespacedName) {
	m.mu.Lock()
	var queues []string
	if h, ok := m.held[key]; ok {
		delete(m.held, key)
		queues = append(queues, h.Queue)
	}
	delete(m.marks, key)
	queues = append(queues, m.unwait(key, "")...)
	m.mu.Unlock()
	for _, q := range queues {
		m.wakeQueue(q)
	}
}

// QueuesChanged wakes the applications the queues admit now that they are these (a quota raised, a queue
// created or moved).
func (m *Manager) QueuesChanged(tree Tree) {
	m.mu.Lock()
	m.tree = tree
	m.mu.Unlock()
	m.wakeQueue("")
}

// Usage is what the queue's admitted applications hold with those of the queues under it, how many they
// are, and how many wait in the queue itself.
func (m *Manager) Usage(queue string) (used Amount, admitted, queued int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	used = m.tree.subtree(m.heldByQueue())[queue]
	if _, ok := m.tree[queue]; !ok {
		used = m.used(queue)
	}
	return used, int(used.Applications), len(m.waiting[queue])
}

// Loaded reports whether the manager has rebuilt its state (a queue's usage means nothing before).
func (m *Manager) Loaded() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.loaded
}

// Load rebuilds the state from a live list of the applications, once.
func (m *Manager) Load(ctx context.Context) error { return m.load(ctx) }

func (m *Manager) load(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loaded {
		return nil
	}
	namespaces := m.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	for _, ns := range namespaces {
		if err := m.loadFrom(ctx, ns); err != nil {
			return err
		}
	}
	m.loaded = true
	return nil
}

// loadFrom adds the namespace's applications' queue standings, read page by page. Called with mu held.
func (m *Manager) loadFrom(ctx context.Context, namespace string) error {
	list := &stokev1.SparkApplicationList{}
	for opts := (&client.ListOptions{Namespace: namespace, Limit: 500}); ; {
		if err := m.Reader.List(ctx, list, opts); err != nil {
			return fmt.Errorf("listing applications to rebuild the queues: %w", err)
		}
		for i := range list.Items {
			app := &list.Items[i]
			q := app.Status.Queue
			if q == nil {
				continue
			}
			key := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
			if h, ok := HoldingOf(app); ok {
				m.held[key] = h
				continue
			}
			if m.waiting[q.Name] == nil {
				m.waiting[q.Name] = map[types.NamespacedName]Waiting{}
			}
			delete(m.sorted, q.Name)
			m.waiting[q.Name][key] = Waiting{Key: key, Priority: app.Spec.QueuePriority, Created: app.CreationTimestamp.Time, Need: AmountOf(q.Footprint)}
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	return nil
}

// unwait takes the application out of every line but keep's, and returns the queues it left. Called with
// mu held.
func (m *Manager) unwait(key types.NamespacedName, keep string) []string {
	var left []string
	for q, line := range m.waiting {
		if _, ok := line[key]; ok && q != keep {
			m.leaveLine(q, key)
			left = append(left, q)
		}
	}
	return left
}

// leaveLine takes the application out of the queue's line, and out of its sorted copy without sorting it
// again. Called with mu held.
func (m *Manager) leaveLine(queue string, key types.NamespacedName) {
	delete(m.waiting[queue], key)
	s, ok := m.sorted[queue]
	if !ok {
		return
	}
	for i := range s {
		if s[i].Key == key {
			// In place: the slices lines() hands out are only read under mu, before this.
			m.sorted[queue] = append(s[:i], s[i+1:]...)
			return
		}
	}
	delete(m.sorted, queue)
}

// used is what the queue's own admitted applications hold. Called with mu held.
func (m *Manager) used(queue string) Amount {
	var used Amount
	for _, h := range m.held {
		if h.Queue == queue {
			used = used.Add(h.Need)
		}
	}
	return used
}

// heldByQueue is what the admitted applications hold, by queue. Called with mu held.
func (m *Manager) heldByQueue() Held {
	held := Held{}
	for _, h := range m.held {
		held[h.Queue] = held[h.Queue].Add(h.Need)
	}
	return held
}

// lines is every queue's waiting applications. Called with mu held.
func (m *Manager) lines() map[string][]Waiting {
	lines := make(map[string][]Waiting, len(m.waiting))
	for q, line := range m.waiting {
		s, ok := m.sorted[q]
		if !ok {
			s = values(line)
			Order(s)
			m.sorted[q] = s
		}
		lines[q] = s
	}
	return lines
}

// wakeQueue sends the applications the queues can admit now to the reconciler (room freed in one queue can
// let a sibling's or a parent's application in), and the queue, with its parents, to the queue reconciler
// ("" for every queue).
func (m *Manager) wakeQueue(queue string) {
	m.mu.Lock()
	var wake []types.NamespacedName
	held, lines := m.heldByQueue(), m.lines()
	for q := range m.waiting {
		if _, ok := m.tree[q]; ok && len(lines[q]) > 0 {
			plan := DecideIn(m.tree, held, lines, q)
			wake = append(wake, plan.Admit...)
			wake = append(wake, m.reclaim(q, plan)...)
		}
	}
	queues := m.chainOf(queue)
	if queue == "" {
		for q := range m.tree {
			queues = append(queues, q)
		}
	}
	m.mu.Unlock()
	m.send(wake, queues...)
}

// reclaim marks the applications to stop so that the first application of the queue that does not fit
// does (Tree.Reclaim), when the queue reclaims its share and lets no sibling go first; it returns the
// applications it marked, to be woken. Called with mu held.
func (m *Manager) reclaim(queue string, plan Plan) []types.NamespacedName {
	def, ok := m.tree[queue]
	if !ok || !def.Reclaim || plan.Blocker.Name == "" || plan.Yield != "" {
		return nil
	}
	blocker, ok := m.waiting[queue][plan.Blocker]
	if !ok {
		return nil
	}
	holdings := make(map[types.NamespacedName]Holding, len(m.held))
	for key, h := range m.held {
		if mark, ok := m.marks[key]; ok && h.PreemptedBy == "" {
			h.PreemptedBy = mark.Queue
		}
		holdings[key] = h
	}
	victims := m.tree.Reclaim(holdings, queue, blocker.Need)
	for _, key := range victims {
		m.marks[key] = Mark{Queue: queue, For: plan.Blocker, Grace: def.Grace}
	}
	return victims
}

// reclaiming counts the applications being stopped for the queue (none unless it reclaims: a look at a
// queue without preemption does not walk what is held). Called with mu held.
func (m *Manager) reclaiming(queue string) int {
	if !m.tree[queue].Reclaim {
		return 0
	}
	n := 0
	for key, h := range m.held {
		if mark, ok := m.marks[key]; h.PreemptedBy == queue || ok && h.PreemptedBy == "" && mark.Queue == queue {
			n++
		}
	}
	return n
}

// chainOf is the queue and its parents, as far as they are known ("" gives none). Called with mu held.
func (m *Manager) chainOf(queue string) []string {
	if queue == "" {
		return nil
	}
	if chain, err := m.tree.Chain(queue); err == nil {
		return chain
	}
	return []string{queue}
}

func (m *Manager) send(apps []types.NamespacedName, queues ...string) {
	go func() {
		for _, key := range apps {
			m.apps <- event.GenericEvent{Object: &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}}
		}
		for _, q := range queues {
			m.queues <- event.GenericEvent{Object: &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: q}}}
		}
	}()
}

func values(line map[types.NamespacedName]Waiting) []Waiting {
	out := make([]Waiting, 0, len(line))
	for _, w := range line {
		out = append(out, w)
	}
	return out
}
