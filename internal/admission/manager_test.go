package admission_test

import (
	"context"
	"os"
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
