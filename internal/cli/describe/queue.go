package describe

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/admission"
	"github.com/stokehq/stoke/internal/cli/output"
	"github.com/stokehq/stoke/internal/cli/queue"
)

func (o *Options) runQueue(ctx context.Context, out io.Writer) error {
	c, err := o.Flags.Client()
	if err != nil {
		return err
	}
	q, err := queue.Get(ctx, c, "", o.Name)
	if err != nil {
		return err
	}
	members, err := queue.Members(ctx, c, q.Name)
	if err != nil {
		return err
	}
	return WriteQueue(out, q, members, o.Flags.Clock.Now())
}

// WriteQueue renders the description of a queue at time now: each limit with what is held of it, the
// namespaces it admits, its conditions, the applications holding a share (longest first) and those waiting
// in admission order, with what each waits for.
func WriteQueue(out io.Writer, q *stokev1.SparkQueue, members []queue.Standing, now time.Time) error {
	var b strings.Builder
	field := func(k, v string) { writeField(&b, k, v) }
	st, quota := &q.Status, &q.Spec.Quota
	field("Name", q.Name)
	if q.Spec.Parent != "" {
		field("Parent", fmt.Sprintf("%s (weight %d among its siblings)", q.Spec.Parent, queue.Weight(q)))
	}
	if p := q.Spec.Preemption; p != nil && p.ReclaimFromSiblings == stokev1.ReclaimFairShare {
		grace := int64(admission.DefaultPreemptionGrace / time.Second)
		if p.GracePeriodSeconds != nil {
			grace = *p.GracePeriodSeconds
		}
		field("Preemption", fmt.Sprintf("takes its fair share back from siblings above theirs (drivers get %ds to stop)", grace))
	}
	field("Namespaces", queue.Namespaces(q))
	field("Cores", queue.QuantityOf(st.Usage.Cores, quota.Cores))
	if q.Spec.Parent != "" {
		field("Borrowed", queue.Borrowed(st.Borrowed)+" beyond its fair share of "+q.Spec.Parent)
	}
	field("Memory", queue.QuantityOf(st.Usage.Memory, quota.Memory))
	if quota.GPUs != nil || st.Usage.GPUs > 0 {
		field("GPUs", queue.OfInt(st.Usage.GPUs, quota.GPUs))
	}
	var apps *int64
	if quota.Applications != nil {
		v := int64(*quota.Applications)
		apps = &v
	}
	field("Applications", queue.OfInt(int64(st.Admitted), apps))
	field("Queued", fmt.Sprint(st.Queued))
	field("Created", fmt.Sprintf("%s (%s ago)", q.CreationTimestamp.UTC().Format(time.RFC3339), output.Age(q.CreationTimestamp, now)))
	writeConditions(&b, st.Conditions, now)

	b.WriteString("\nAdmitted:\n")
	admitted := &output.Table{Header: []string{"APPLICATION", "ATTEMPT", "CORES", "MEMORY", "PODS", "ADMITTED"}, Indent: "  ", MaxWidth: output.TableWidth}
	waiting := &output.Table{Header: []string{"#", "APPLICATION", "PRIO", "CORES", "MEMORY", "WAITING FOR"}, Indent: "  ",
		MaxWidth: output.TableWidth, Shrink: []int{1}}
	for i, m := range members {
		s := m.App.Status.Queue
		name := m.App.Namespace + "/" + m.App.Name
		if m.Admitted {
			since := output.Age(*s.AdmittedTime, now) + " ago"
			if p := s.Preemption; p != nil {
				since += fmt.Sprintf(", stopping (%s takes its share back)", p.Queue)
			}
			admitted.Rows = append(admitted.Rows, []string{name, fmt.Sprint(s.Attempt), s.Footprint.Cores.String(), s.Footprint.Memory.String(),
				fmt.Sprint(s.Footprint.Pods), since})
			continue
		}
		why := "-"
		if c := meta.FindStatusCondition(m.App.Status.Conditions, stokev1.ConditionQueued); c != nil && c.Status == "True" {
			why = c.Reason
		}
		waiting.Rows = append(waiting.Rows, []string{fmt.Sprint(i + 1 - len(admitted.Rows)), name, fmt.Sprint(m.App.Spec.QueuePriority),
			s.Footprint.Cores.String(), s.Footprint.Memory.String(), why})
	}
	writeTableOrNone(&b, admitted)
	b.WriteString("\nWaiting (in admission order):\n")
	writeTableOrNone(&b, waiting)
	_, err := io.WriteString(out, b.String())
	return err
}

func writeTableOrNone(b *strings.Builder, t *output.Table) {
	if len(t.Rows) == 0 {
		b.WriteString("  none\n")
		return
	}
	_ = t.Write(b)
}
