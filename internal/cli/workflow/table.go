package workflow

import (
	"fmt"
	"time"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/output"
)

// Table lays out workflows as `stoke get workflows` shows them, at the given time: the phase, how many
// steps (fan-out items counted one by one) succeeded of all, how many run and how many failed; -o wide adds
// the run time, the pending and the other (skipped, omitted, errored) steps and the retries.
func Table(items []stokev1.SparkWorkflow, now time.Time, withNamespace, wide bool) *output.Table {
	t := output.NewListTable([]string{"NAME", "PHASE", "PROGRESS", "RUNNING", "FAILED", "AGE"}, []string{"DURATION", "PENDING", "OTHER", "RETRIES"}, []int{0}, withNamespace, wide)
	for i := range items {
		wf := &items[i]
		p := wf.Status.Progress
		total := p.Total
		if total == 0 {
			total = int32(len(wf.Spec.Steps))
		}
		row := []string{wf.Name, Phase(wf), fmt.Sprintf("%d/%d", p.Succeeded, total), fmt.Sprint(p.Running), fmt.Sprint(p.Failed),
			output.Age(wf.CreationTimestamp, now)}
		if wide {
			run := "-"
			if d := RunTime(wf, now); d > 0 {
				run = output.Duration(d)
			}
			row = append(row, run, fmt.Sprint(p.Pending), fmt.Sprint(p.Other), fmt.Sprint(wf.Status.Retries))
		}
		t.AddListRow(wf.Namespace, row)
	}
	return t
}
