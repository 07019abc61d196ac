// Package queue is what the commands know about SparkQueues: the words that name them, reading one, the
// table of `stoke get queues` and the applications that stand in a queue (for `stoke describe queue`).
// Queues are cluster-scoped: no namespace applies.
package queue

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/output"
)

// Kind is set on queues printed as JSON or YAML (typed clients leave it empty).
const Kind = "SparkQueue"

// Resources are the words commands accept for SparkQueues, the CRD's short name among them.
var Resources = []string{"queues", "queue", "sparkq", "sparkqueues", "sparkqueue"}

// IsResource reports whether word names SparkQueues.
func IsResource(word string) bool { return slices.Contains(Resources, strings.ToLower(word)) }

// Get reads one queue (the namespace is ignored: queues are cluster-scoped).
func Get(ctx context.Context, c client.Client, _ string, name string) (*stokev1.SparkQueue, error) {
	q := &stokev1.SparkQueue{}
	err := c.Get(ctx, client.ObjectKey{Name: name}, q)
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("queue %q not found (stoke get queues lists them)", name)
	case meta.IsNoMatchError(err):
		return nil, fmt.Errorf("SparkQueues are not installed in this cluster (the Helm chart's CRDs add them)")
	case err != nil:
		return nil, cmderr.API(err, fmt.Sprintf("queue %q", name))
	}
	q.Kind, q.APIVersion = Kind, apps.APIVersion
	return q, nil
}

// List lists every queue.
func List(ctx context.Context, c client.Client) ([]stokev1.SparkQueue, error) {
	list := &stokev1.SparkQueueList{}
	err := c.List(ctx, list)
	return list.Items, err
}

// Table lays out queues as `stoke get queues` shows them: how many applications hold a share and how many
// wait, and the cores, memory and applications held of each limit ("-" where the queue sets none); -o wide
// adds GPUs, the parent and weight, the cores and memory borrowed beyond its fair share of the parent, the
// namespaces it admits and whether it is valid.
func Table(items []stokev1.SparkQueue, now time.Time, _ bool, wide bool) *output.Table {
	t := output.NewListTable([]string{"NAME", "ADMITTED", "QUEUED", "CORES", "MEMORY", "APPS", "AGE"}, []string{"GPUS", "PARENT", "WEIGHT", "BORROWED", "NAMESPACES", "READY"}, []int{0}, false, wide)
	for i := range items {
		q := &items[i]
		st, quota := &q.Status, &q.Spec.Quota
		row := []string{q.Name, fmt.Sprint(st.Admitted), fmt.Sprint(st.Queued),
			QuantityOf(st.Usage.Cores, quota.Cores), QuantityOf(st.Usage.Memory, quota.Memory),
			OfInt(int64(st.Admitted), int32Limit(quota.Applications)), output.Age(q.CreationTimestamp, now)}
		if wide {
			ready := "-"
			if c := meta.FindStatusCondition(st.Conditions, stokev1.QueueConditionReady); c != nil {
				ready = string(c.Status)
			}
			parent := q.Spec.Parent
			if parent == "" {
				parent = "-"
			}
			row = append(row, OfInt(st.Usage.GPUs, quota.GPUs), parent, fmt.Sprint(Weight(q)), Borrowed(st.Borrowed), Namespaces(q), ready)
		}
		t.AddListRow("", row)
	}
	return t
}

// Borrowed says what a queue holds beyond its fair share of its parent, for example "4 cores, 8Gi,
// 1 app", or "-".
func Borrowed(b *stokev1.QueueAmount) string {
	if b == nil {
		return "-"
	}
	var parts []string
	if b.Cores != nil {
		parts = append(parts, b.Cores.String()+" cores")
	}
	if b.Memory != nil {
		parts = append(parts, b.Memory.String())
	}
	if b.GPUs != 0 {
		parts = append(parts, fmt.Sprintf("%d GPUs", b.GPUs))
	}
	if b.Applications != 0 {
		parts = append(parts, fmt.Sprintf("%d apps", b.Applications))
	}
	return strings.Join(parts, ", ")
}

// QuantityOf is "used/limit", or "used/-" where the queue sets no limit.
func QuantityOf(used resource.Quantity, limit *resource.Quantity) string {
	if limit == nil {
		return used.String() + "/-"
	}
	return used.String() + "/" + limit.String()
}

// OfInt is QuantityOf for counts.
func OfInt(used int64, limit *int64) string {
	if limit == nil {
		return fmt.Sprintf("%d/-", used)
	}
	return fmt.Sprintf("%d/%d", used, *limit)
}

func int32Limit(v *int32) *int64 {
	if v == nil {
		return nil
	}
	w := int64(*v)
	return &w
}

// Weight is the queue's weight among its siblings (default 1).
func Weight(q *stokev1.SparkQueue) int32 {
	if q.Spec.Weight != nil {
		return *q.Spec.Weight
	}
	return 1
}

// Namespaces says which namespaces may use the queue.
func Namespaces(q *stokev1.SparkQueue) string {
	if q.Spec.NamespaceSelector == nil {
		return "all"
	}
	sel, err := metav1.LabelSelectorAsSelector(q.Spec.NamespaceSelector)
	if err != nil {
		return "invalid selector"
	}
	if s := sel.String(); s != "" {
		return s
	}
	return "all"
}

// Standing is an application standing in a queue.
type Standing struct {
	App *stokev1.SparkApplication
	// Admitted: it holds its footprint; otherwise it waits.
	Admitted bool
}

// Members lists the applications standing in the queue, of every namespace the user may list: the admitted
// ones first (longest held first), then those waiting in admission order (priority, then first come).
func Members(ctx context.Context, c client.Client, name string) ([]Standing, error) {
	list := &stokev1.SparkApplicationList{}
	if err := c.List(ctx, list); err != nil {
		return nil, cmderr.API(err, "listing the applications of every namespace")
	}
	var out []Standing
	for i := range list.Items {
		app := &list.Items[i]
		if s := app.Status.Queue; s != nil && s.Name == name {
			out = append(out, Standing{App: app, Admitted: s.AdmittedTime != nil})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Admitted != b.Admitted {
			return a.Admitted
		}
		if a.Admitted {
			return a.App.Status.Queue.AdmittedTime.Before(b.App.Status.Queue.AdmittedTime)
		}
		if a.App.Spec.QueuePriority != b.App.Spec.QueuePriority {
			return a.App.Spec.QueuePriority > b.App.Spec.QueuePriority
		}
		if !a.App.CreationTimestamp.Equal(&b.App.CreationTimestamp) {
			return a.App.CreationTimestamp.Before(&b.App.CreationTimestamp)
		}
		return a.App.Namespace+"/"+a.App.Name < b.App.Namespace+"/"+b.App.Name
	})
	return out, nil
}
