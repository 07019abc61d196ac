package sparkworkflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/dag"
)

// retry carries out a new stoke.dev/retry token: on a failed workflow it deletes the applications of the
// failed steps and of everything downstream of them (dag.RetryPlan), forgets their records, and starts the
// workflow again from there, keeping the steps that succeeded and their outputs. A token on a running or
// succeeded workflow is recorded with an event saying why nothing was done.
func (r *Reconciler) retry(ctx context.Context, p *pass) error {
	token, st := p.wf.Annotations[stokev1.AnnotationRetry], &p.wf.Status
	if token == "" || token == st.LastRetryToken {
		return nil
	}
	if done, err := r.retryCarriedOut(ctx, p, token); err != nil || done {
		return err
	}
	st.LastRetryToken = token
	if !finished(p.wf) {
		r.event(p, "Warning", ReasonRetryIgnored, "retry %s ignored: the workflow is still running", token)
		return nil
	}
	if isTrue(st.Conditions, stokev1.ConditionSucceeded) {
		r.event(p, "Normal", ReasonRetryIgnored, "retry %s ignored: the workflow succeeded, nothing to retry", token)
		return nil
	}
	reset, err := p.spec.graph.RetryPlan(p.spec.values, p.seen.state)
	if errors.Is(err, dag.ErrStillRunning) {
		// Failed by its deadline or size while steps were still being stopped: retry everything unfinished.
		reset, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("planning the retry of workflow %s: %w", p.wf.Name, err)
	}
	for _, name := range reset {
		if app := p.seen.children[name]; app != nil {
			if err := r.deleteChild(ctx, app); err != nil {
				return fmt.Errorf("deleting application %s of step %s to retry it: %w", app.Name, name, err)
			}
		}
		delete(p.seen.children, name)
		delete(p.seen.state, name)
		delete(p.seen.records, name)
	}
	// Steps stopped at a deadline, or never started, have no outcome to keep: only the records of succeeded
	// steps survive a retry (skipped and omitted steps are decided afresh).
	for name, rec := range p.seen.records {
		if rec.Phase != stokev1.StepSucceeded {
			delete(p.seen.records, name)
			delete(p.seen.state, name)
		}
	}
	kept := make([]stokev1.WorkflowStepStatus, 0, len(p.seen.records))
	for _, line := range st.Steps {
		if p.seen.records[line.Name] != nil {
			kept = append(kept, line)
		}
	}
	st.Steps = kept
	st.Retries++
	st.StartTime, st.TerminationTime = timePtr(p.now), nil
	setCondition(p.wf, stokev1.ConditionSucceeded, false, ReasonRetried, "")
	setCondition(p.wf, stokev1.ConditionFailed, false, ReasonRetried, "")
	r.event(p, "Normal", ReasonRetried, "retry %d: rerunning %s", st.Retries, describeReset(reset))
	return nil
}

func describeReset(names []string) string {
	const shown = 10
	switch {
	case len(names) == 0:
		return "the steps that did not finish"
	case len(names) <= shown:
		return "steps " + strings.Join(names, ", ")
	default:
		return fmt.Sprintf("steps %s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
	}
}

// errStaleWorkflow ends a pass that read a workflow older than the API server's: it is redone once the
// cache has caught up.
var errStaleWorkflow = errors.New("the cached workflow is older than the API server's")

// retryCarriedOut confirms on the API server that a retry token seen in the cache has not been carried out
// yet: a retry deletes applications, so it is never decided from a cached status alone (the pass right
// after a retry can still see the old one).
func (r *Reconciler) retryCarriedOut(ctx context.Context, p *pass, token string) (bool, error) {
	if r.APIReader == nil {
		return false, nil
	}
	live := &stokev1.SparkWorkflow{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(p.wf), live); err != nil {
		return false, fmt.Errorf("reading workflow %s before retrying it: %w", p.wf.Name, err)
	}
	if live.Status.LastRetryToken == token || live.ResourceVersion != p.wf.ResourceVersion {
		return true, errStaleWorkflow
	}
	return false, nil
}
