package admission_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, &env)) }

// standing creates an application whose status says where it stands in queue "q", as an operator wrote it.
func standing(t *testing.T, ns, name string, admitted bool, created time.Time) types.NamespacedName {
	t.Helper()
	ctx := context.Background()
	app := &stokev1.SparkApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: stokev1.SparkApplicationSpec{
		Type: stokev1.ApplicationTypeScala, SparkVersion: "3.5.7", Image: "spark:3.5.7", MainClass: ptr.To("A"),
		MainApplicationFile: ptr.To("local:///a.jar"), Queue: "q"}}
	if err := env.Client.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	app.Status.Queue = &stokev1.QueueStanding{Name: "q", Attempt: 1, Footprint: stokev1.Footprint{
		Cores: resource.MustParse("3"), Memory: resource.MustParse("3Gi"), Pods: 3}}
	if admitted {
		app.Status.Queue.AdmittedTime = &metav1.Time{Time: created}
	}
	if err := env.Client.Status().Update(ctx, app); err != nil {
		t.Fatal(err)
	}
	return types.NamespacedName{Namespace: ns, Name: name}
}

// TestManagerRebuildsFromStatus: a new manager (an operator restarted, a new leader) learns from the
// applications' status what the queue holds and who waits, before it answers anyone: the waiting
// application asking first is not admitted into the room the admitted one holds, and is admitted once that
// one releases it.
func TestManagerRebuildsFromStatus(t *testing.T) {
	ns := env.Namespace(t)
	now := time.Now()
	holder := standing(t, ns, "holder", true, now)
	waiter := standing(t, ns, "waiter", false, now)
	one := int64(1)
	tree := admission.Tree{"q": {Limits: admission.Limits{Applications: &one}}}
	need := admission.Amount{MilliCPU: 3000, Memory: 3 << 30, Pods: 3, Applications: 1}

	m := admission.NewManager(env.Client, ns)
	answer, err := m.Ask(context.Background(), "q", tree, admission.Waiting{Key: waiter, Need: need, Created: now})
	if err != nil {
		t.Fatal(err)
	}
	if answer.Admitted || answer.Position != 1 {
		t.Fatalf("the waiting application asked first after a restart: %+v, want waiting at position 1", answer)
	}
	if used, admitted, queued := m.Usage("q"); admitted != 1 || queued != 1 || used.MilliCPU != 3000 {
		t.Errorf("usage %+v, %d admitted, %d queued; want the holder's 3 cores, 1 and 1", used, admitted, queued)
	}
	m.Release(holder)
	select {
	case ev := <-m.ApplicationEvents():
		if ev.Object.GetName() != "waiter" {
			t.Errorf("woke %s, want waiter", ev.Object.GetName())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter was not woken when the holder released its share")
	}
	if answer, err = m.Ask(context.Background(), "q", tree, admission.Waiting{Key: waiter, Need: need, Created: now}); err != nil || !answer.Admitted {
		t.Fatalf("after the release: %+v, %v; want admitted", answer, err)
	}
	// Asking again (a status write that failed, say) keeps the admission rather than counting it twice.
	if answer, _ = m.Ask(context.Background(), "q", tree, admission.Waiting{Key: waiter, Need: need, Created: now}); !answer.Admitted {
		t.Error("a second ask of the admitted application was refused")
	}
	if _, admitted, _ := m.Usage("q"); admitted != 1 {
		t.Errorf("%d admitted, want 1", admitted)
	}
}

// TestManagerKeepsItsLinesInOrder: the manager keeps each queue's line sorted between looks (and takes
// admitted and released applications out of it in place); over a random sequence of asks (new
// applications, and waiting ones asking again with another priority) and releases, every answer is the
// one DecideIn gives from scratch on an unsorted copy of the same line.
func TestManagerKeepsItsLinesInOrder(t *testing.T) {
	ns := env.Namespace(t)
	two := int64(2)
	tree := admission.Tree{"q": {Limits: admission.Limits{Applications: &two}}}
	m := admission.NewManager(env.Client, ns)
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Unix(1700000000, 0)
	held := map[types.NamespacedName]bool{}
	waiting := map[types.NamespacedName]admission.Waiting{}
	for step := 0; step < 400; step++ {
		if len(held) > 0 && rng.IntN(3) == 0 {
			for key := range held {
				m.Release(key)
				delete(held, key)
				break
			}
			continue
		}
		key := types.NamespacedName{Namespace: ns, Name: fmt.Sprintf("app-%d", rng.IntN(60))}
		if held[key] {
			continue
		}
		w := admission.Waiting{Key: key, Priority: int32(rng.IntN(3)), Created: t0.Add(time.Duration(rng.IntN(20)) * time.Second),
			Need: admission.Amount{Applications: 1}}
		waiting[key] = w
		var line []admission.Waiting
		for _, x := range waiting {
			line = append(line, x)
		}
		heldNow := admission.Held{"q": {Applications: int64(len(held))}}
		want := admission.DecideIn(tree, heldNow, map[string][]admission.Waiting{"q": line}, "q")
		got, err := m.Ask(context.Background(), "q", tree, w)
		if err != nil {
			t.Fatal(err)
		}
		admitted := slices.Contains(want.Admit, key)
		if got.Admitted != admitted || (!admitted && got.Position != want.Position(key)) {
			t.Fatalf("step %d, %s: got %+v; from scratch admitted %v at position %d", step, key.Name, got, admitted, want.Position(key))
		}
		if got.Admitted {
			held[key] = true
			delete(waiting, key)
		}
	}
	// Drain the wake-ups the manager sent meanwhile.
	for {
		select {
		case <-m.ApplicationEvents():
		case <-m.QueueEvents():
		default:
			return
		}
	}
}
