package admission

import (
	"context"
	"fmt"
	"sync"

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

	mu      sync.Mutex
	loaded  bool
	held    map[types.NamespacedName]holding
	waiting map[string]map[types.NamespacedName]Waiting
	limits  map[string]Limits

	apps, queues chan event.GenericEvent
}

type holding struct {
	queue string
	need  Amount
}

// NewManager is a manager that rebuilds from the reader, in the namespaces given (none: all).
func NewManager(reader client.Reader, namespaces ...string) *Manager {
	return &Manager{
		Reader:     reader,
		Namespaces: namespaces,
		held:       map[types.NamespacedName]holding{},
		waiting:    map[string]map[types.NamespacedName]Waiting{},
		limits:     map[string]Limits{},
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
}

// Ask puts the application's attempt in line in the queue and admits it if it fits now, in turn. An
// application already admitted to that queue stays admitted (its status write may have failed).
func (m *Manager) Ask(ctx context.Context, queue string, limits Limits, w Waiting) (Answer, error) {
	if err := m.load(ctx); err != nil {
		return Answer{}, err
	}
	m.mu.Lock()
	m.limits[queue] = limits
	if h, ok := m.held[w.Key]; ok {
		if h.queue == queue {
			m.mu.Unlock()
			return Answer{Admitted: true}, nil
		}
		delete(m.held, w.Key) // a stale admission elsewhere: the application now asks another queue
		defer m.wakeQueue(h.queue)
	}
	m.unwait(w.Key, queue)
	line := m.waiting[queue]
	if line == nil {
		line = map[types.NamespacedName]Waiting{}
		m.waiting[queue] = line
	}
	line[w.Key] = w
	plan := Decide(limits, m.used(queue), values(line))
	answer := Answer{Position: plan.Position[w.Key], TooLarge: plan.TooLarge[w.Key], Lack: plan.BlockerLack, Blocker: plan.Blocker}
	var wake []types.NamespacedName
	for _, key := range plan.Admit {
		if key == w.Key {
			answer = Answer{Admitted: true}
			m.held[key] = holding{queue: queue, need: w.Need}
			delete(line, key)
			continue
		}
		wake = append(wake, key) // ahead of this one and fits: its own pass admits it
	}
	m.mu.Unlock()
	m.send(wake, queue)
	return answer, nil
}

// Hold records an admission read from an application's status (the reconciler reports every admitted
// application it sees, so a manager that missed one learns it).
func (m *Manager) Hold(key types.NamespacedName, queue string, need Amount) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := m.held[key]; ok && h.queue == queue {
		return
	}
	m.unwait(key, "")
	m.held[key] = holding{queue: queue, need: need}
}

// Release records that the application holds nothing and waits nowhere (its attempt ended, it was
// suspended or deleted, it no longer uses a queue); the queue's next applications that fit are woken.
func (m *Manager) Release(key types.NamespacedName) {
	m.mu.Lock()
	var queues []string
	if h, ok := m.held[key]; ok {
		delete(m.held, key)
		queues = append(queues, h.queue)
	}
	queues = append(queues, m.unwait(key, "")...)
	m.mu.Unlock()
	for _, q := range queues {
		m.wakeQueue(q)
	}
}

// QueueChanged wakes the applications a queue admits now that its limits are these (raised, or the queue
// created).
func (m *Manager) QueueChanged(queue string, limits Limits) {
	m.mu.Lock()
	m.limits[queue] = limits
	m.mu.Unlock()
	m.wakeQueue(queue)
}

// Usage is what the queue's admitted applications hold, how many they are, and how many wait.
func (m *Manager) Usage(queue string) (used Amount, admitted, queued int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	used = m.used(queue)
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
			if q.AdmittedTime != nil {
				m.held[key] = holding{queue: q.Name, need: AmountOf(q.Footprint)}
				continue
			}
			if m.waiting[q.Name] == nil {
				m.waiting[q.Name] = map[types.NamespacedName]Waiting{}
			}
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
			delete(line, key)
			left = append(left, q)
		}
	}
	return left
}

// used is what the queue's admitted applications hold. Called with mu held.
func (m *Manager) used(queue string) Amount {
	var used Amount
	for _, h := range m.held {
		if h.queue == queue {
			used = used.Add(h.need)
		}
	}
	return used
}

// wakeQueue sends the applications the queue can admit now to the reconciler, and the queue to its own.
func (m *Manager) wakeQueue(queue string) {
	m.mu.Lock()
	var wake []types.NamespacedName
	if limits, ok := m.limits[queue]; ok {
		wake = Decide(limits, m.used(queue), values(m.waiting[queue])).Admit
	}
	m.mu.Unlock()
	m.send(wake, queue)
}

func (m *Manager) send(apps []types.NamespacedName, queue string) {
	go func() {
		for _, key := range apps {
			m.apps <- event.GenericEvent{Object: &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}}
		}
		m.queues <- event.GenericEvent{Object: &stokev1.SparkQueue{ObjectMeta: metav1.ObjectMeta{Name: queue}}}
	}()
}

func values(line map[types.NamespacedName]Waiting) []Waiting {
	out := make([]Waiting, 0, len(line))
	for _, w := range line {
		out = append(out, w)
	}
	return out
}
