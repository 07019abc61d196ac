package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/controller/sparkworkflow"
)

// RetryOptions are the flags and arguments of `stoke workflow retry`.
type RetryOptions struct {
	Flags  *kube.Flags
	Name   string
	NoWait bool
	// Timeout bounds the wait for the operator to take the retry.
	Timeout time.Duration
	// PollInterval is how often the wait reads the workflow.
	PollInterval time.Duration
}

func newRetryCommand(f *kube.Flags) *cobra.Command {
	o := &RetryOptions{Flags: f, PollInterval: 250 * time.Millisecond}
	cmd := &cobra.Command{
		Use:   "retry NAME",
		Short: "Retry a failed workflow in place: its failed steps and what depends on them run again",
		Long: `Retry a failed workflow in place. The operator deletes the applications of the failed steps and of the
steps downstream of them and runs them again; the steps that succeeded keep their results. The command writes
the stoke.dev/retry annotation with a fresh token and waits until the operator has taken it, then prints the
steps that were reset, or why the operator did not retry (a workflow that is still running or succeeded is
not retried).`,
		Example:           `  stoke workflow retry nightly-etl`,
		Args:              OneName,
		ValidArgsFunction: CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.NoWait, "no-wait", false, "write the retry request and return without waiting for the operator")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", time.Minute, "how long to wait for the operator to take the retry")
	return cmd
}

// Run writes the retry token and, unless NoWait, waits for the operator's answer.
func (o *RetryOptions) Run(ctx context.Context, out io.Writer) error {
	if o.Timeout <= 0 && !o.NoWait {
		return cmderr.Usagef("--timeout %s: give a positive duration, or --no-wait", o.Timeout)
	}
	c, before, token, err := o.request(ctx)
	if err != nil {
		return err
	}
	if o.NoWait {
		note := ""
		if before.Status.Phase != stokev1.WorkflowPhaseFailed {
			note = fmt.Sprintf("; it is %s, and only a failed workflow is retried", Phase(before))
		}
		_, err := fmt.Fprintf(out, "workflow %q: retry requested (token %s)%s\n", o.Name, token, note)
		return err
	}
	after, err := o.await(ctx, c, before, token)
	if err != nil {
		return err
	}
	if after.Status.Retries <= before.Status.Retries {
		return fmt.Errorf("workflow %q was not retried: %s", o.Name, refusal(ctx, c, after, token, o.PollInterval))
	}
	reset, kept := Compare(before.Status.Steps, after.Status.Steps)
	msg := fmt.Sprintf("workflow %q: retry %d: ", o.Name, after.Status.Retries)
	if len(reset) == 0 {
		msg += "no step was reset"
	} else {
		msg += fmt.Sprintf("%d %s reset (%s)", len(reset), plural(len(reset), "step", "steps"), Abbreviate(reset, 10))
	}
	if len(kept) > 0 {
		msg += fmt.Sprintf(", %d kept", len(kept))
	}
	_, err = fmt.Fprintln(out, msg)
	return err
}

// request writes a fresh token, guarded by the resourceVersion of the workflow it read, and returns that
// workflow as it was before the request.
func (o *RetryOptions) request(ctx context.Context) (client.Client, *stokev1.SparkWorkflow, string, error) {
	var c client.Client
	var wf *stokev1.SparkWorkflow
	var token string
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if c, wf, err = Lookup(ctx, o.Flags, o.Name); err != nil {
			return err
		}
		token = freshToken(o.Flags.Clock.Now(), wf)
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
			"resourceVersion": wf.ResourceVersion,
			"annotations":     map[string]string{stokev1.AnnotationRetry: token},
		}})
		return c.Patch(ctx, wf.DeepCopy(), client.RawPatch("application/merge-patch+json", patch))
	})
	if err != nil {
		return nil, nil, "", cmderr.API(err, fmt.Sprintf("workflow %q", o.Name))
	}
	return c, wf, token, nil
}

// freshToken is the current time, moved on by a nanosecond while it equals a token the workflow has seen.
func freshToken(now time.Time, wf *stokev1.SparkWorkflow) string {
	for {
		token := now.UTC().Format(time.RFC3339Nano)
		if token != wf.Annotations[stokev1.AnnotationRetry] && token != wf.Status.LastRetryToken {
			return token
		}
		now = now.Add(time.Nanosecond)
	}
}

// await polls the workflow until the operator records the token as carried out.
func (o *RetryOptions) await(ctx context.Context, c client.Client, before *stokev1.SparkWorkflow, token string) (*stokev1.SparkWorkflow, error) {
	var wf *stokev1.SparkWorkflow
	// The reads use the caller's context: the timeout ends the wait between two reads, not inside one.
	err := wait.PollUntilContextTimeout(ctx, o.PollInterval, o.Timeout, true, func(context.Context) (bool, error) {
		var err error
		if wf, err = Get(ctx, c, before.Namespace, before.Name); err != nil {
			if strings.Contains(err.Error(), "not found") {
				return false, fmt.Errorf("workflow %q was deleted while stoke was waiting for its retry", before.Name)
			}
			return false, err
		}
		return wf.Status.LastRetryToken == token, nil
	})
	switch {
	case err == nil:
		return wf, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case wait.Interrupted(err):
		return nil, fmt.Errorf("the operator did not take the retry of workflow %q within %s: is it running? (the request stays; it is carried out when the operator sees it)",
			before.Name, o.Timeout)
	}
	return nil, err
}

// refusal is why the operator took the token without retrying: its event about this token, else the
// workflow's phase. The event may be recorded a moment after the status.
func refusal(ctx context.Context, c client.Client, wf *stokev1.SparkWorkflow, token string, interval time.Duration) string {
	var found string
	_ = wait.PollUntilContextTimeout(ctx, interval, 3*time.Second, true, func(ctx context.Context) (bool, error) {
		evs, err := apps.EventsAbout(ctx, c, wf.Namespace, func(ref corev1.ObjectReference) bool { return apps.About(ref, Kind, wf) })
		if err != nil {
			return false, nil
		}
		for _, e := range evs {
			if e.Reason == sparkworkflow.ReasonRetryIgnored && strings.Contains(e.Message, token) {
				found = e.Message
				return true, nil
			}
		}
		return false, nil
	})
	if found != "" {
		return found
	}
	return fmt.Sprintf("the operator took the request without resetting any step (the workflow is %s)", Phase(wf))
}

// Compare says which steps of a per-step summary a retry reset (their line is gone or started afresh) and
// which it kept.
func Compare(before, after []stokev1.WorkflowStepStatus) (reset, kept []string) {
	now := make(map[string]*stokev1.WorkflowStepStatus, len(after))
	for i := range after {
		now[after[i].Name] = &after[i]
	}
	for i := range before {
		b := &before[i]
		a := now[b.Name]
		if a == nil || a.Phase != b.Phase || a.Application != b.Application || a.Attempt != b.Attempt || !sameTime(a.StartTime, b.StartTime) {
			reset = append(reset, b.Name)
		} else {
			kept = append(kept, b.Name)
		}
	}
	return reset, kept
}

func sameTime(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(b)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
