// Package logs implements `stoke logs NAME`: the driver's log of the current attempt by default, an
// executor's with --executor, an earlier attempt's with --attempt or --previous. `stoke logs workflow/NAME
// --step STEP` reads the same logs of the application a workflow's step runs as.
package logs

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/workflow"
	"github.com/stokehq/stoke/internal/spark"
)

// Options are the flags and arguments of `stoke logs`.
type Options struct {
	Flags *kube.Flags
	// Name is an application's name (or app/NAME), or workflow/NAME together with Step.
	Name string
	// Step is the concrete step of the workflow (STEP-N for an item of a fan-out).
	Step string
	Target
	Follow bool
	Tail   int64
}

// Target says whose log: which attempt (0: the current one; Previous: the one before it) and which
// executor ("" for the driver).
type Target struct {
	Executor string
	Attempt  int32
	Previous bool
}

// NewCommand builds `stoke logs`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:   "logs NAME | workflow/NAME --step STEP",
		Short: "Print the driver's (or an executor's) log of an application or of a workflow's step",
		Example: `  stoke logs pi -f
  stoke logs pi --executor 2
  stoke logs pi --previous
  stoke logs workflow/nightly-etl --step transform-3`,
		Args: apps.OneName,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
			names, directive := apps.CompleteNames(f)(cmd, args, s)
			if len(args) == 0 {
				wfs, _ := workflow.CompleteNames(f)(cmd, args, s)
				for _, wf := range wfs {
					names = append(names, "workflow/"+wf)
				}
			}
			return names, directive
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVarP(&o.Follow, "follow", "f", false, "keep streaming the log")
	cmd.Flags().StringVar(&o.Step, "step", "", "with workflow/NAME: the step whose application's log to print (STEP-N for a fan-out item)")
	cmd.Flags().StringVar(&o.Executor, "executor", "", "executor ID (spark-exec-id) instead of the driver")
	cmd.Flags().Int32Var(&o.Attempt, "attempt", 0, "attempt number (default: the current attempt)")
	cmd.Flags().BoolVar(&o.Previous, "previous", false, "the attempt before the current one")
	cmd.Flags().Int64Var(&o.Tail, "tail", -1, "only the last N lines")
	_ = cmd.RegisterFlagCompletionFunc("step", func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		kind, name, ok := strings.Cut(args[0], "/")
		if !ok || !workflow.IsResource(kind) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		_, wf, err := workflow.Lookup(cmd.Context(), f, name)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var steps []string
		for _, s := range wf.Status.Steps {
			if s.Application != "" {
				steps = append(steps, s.Name)
			}
		}
		return steps, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Run streams the chosen pod's log.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	if o.Previous && o.Attempt != 0 {
		return cmderr.Usagef("--previous and --attempt do not go together")
	}
	c, app, err := o.application(ctx)
	if err != nil {
		return err
	}
	pod, container, err := Select(ctx, c, app, o.Target)
	if err != nil {
		return err
	}
	cs, err := o.Flags.Clientset()
	if err != nil {
		return err
	}
	opts := &corev1.PodLogOptions{Container: container, Follow: o.Follow}
	if o.Tail >= 0 {
		opts.TailLines = &o.Tail
	}
	stream, err := cs.CoreV1().Pods(app.Namespace).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		return cmderr.API(err, fmt.Sprintf("log of pod %q", pod))
	}
	defer stream.Close()
	if _, err := io.Copy(out, stream); err != nil && ctx.Err() == nil {
		return fmt.Errorf("reading the log of pod %q: %w", pod, err)
	}
	return nil
}

// application is the application whose logs the arguments name: NAME or app/NAME, or the application of
// the step --step of workflow/NAME.
func (o *Options) application(ctx context.Context) (client.Client, *stokev1.SparkApplication, error) {
	kind, name, typed := strings.Cut(o.Name, "/")
	switch {
	case !typed || slices.Contains(apps.Resources, strings.ToLower(kind)):
		if !typed {
			name = o.Name
		}
		if o.Step != "" {
			return nil, nil, cmderr.Usagef("--step is for a workflow's step: stoke logs workflow/NAME --step %s", o.Step)
		}
		return apps.Lookup(ctx, o.Flags, name)
	case !workflow.IsResource(kind):
		return nil, nil, cmderr.Usagef("stoke logs takes NAME, app/NAME or workflow/NAME, not %s/", kind)
	}
	c, wf, err := workflow.Lookup(ctx, o.Flags, name)
	if err != nil {
		return nil, nil, err
	}
	if o.Step == "" {
		return nil, nil, cmderr.Usagef("say which step's log to print: stoke logs %s --step STEP (steps of %q: %s)",
			o.Name, name, workflow.Abbreviate(workflow.StepNames(wf), 10))
	}
	app, err := workflow.StepApplication(ctx, c, wf, o.Step)
	return c, app, err
}

// Select finds the pod and container whose log the target names, reading the pods from the API server.
func Select(ctx context.Context, c client.Client, app *stokev1.SparkApplication, t Target) (pod, container string, err error) {
	attempt, err := pickAttempt(app, t)
	if err != nil {
		return "", "", err
	}
	if t.Executor == "" {
		if attempt.DriverPodName == "" {
			return "", "", fmt.Errorf("attempt %d of %q has no driver pod yet", attempt.Number, app.Name)
		}
		p := &corev1.Pod{}
		err := c.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: attempt.DriverPodName}, p)
		if apierrors.IsNotFound(err) {
			return "", "", fmt.Errorf("the driver pod %s of attempt %d is gone, and its log with it", attempt.DriverPodName, attempt.Number)
		}
		if err != nil {
			return "", "", cmderr.API(err, fmt.Sprintf("pod %q", attempt.DriverPodName))
		}
		return p.Name, sparkContainer(p, spark.DriverContainerName), nil
	}
	appID := attempt.SparkApplicationID
	if appID == "" {
		appID = spark.AppID(app.UID, attempt.Number)
	}
	list := &corev1.PodList{}
	if err := c.List(ctx, list, client.InNamespace(app.Namespace),
		client.MatchingLabels{spark.LabelAppSelector: appID, spark.LabelRole: spark.RoleExecutor}); err != nil {
		return "", "", cmderr.API(err, "listing executor pods")
	}
	var ids []string
	for i := range list.Items {
		p := &list.Items[i]
		id := p.Labels["spark-exec-id"]
		if id == t.Executor {
			return p.Name, sparkContainer(p, spark.ExecutorContainerName), nil
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return "", "", fmt.Errorf("attempt %d of %q has no executor pods (they are deleted when they end unless executor.deleteOnTermination is false)", attempt.Number, app.Name)
	}
	sort.Slice(ids, func(i, j int) bool {
		return len(ids[i]) < len(ids[j]) || (len(ids[i]) == len(ids[j]) && ids[i] < ids[j])
	})
	return "", "", cmderr.Usagef("attempt %d of %q has no executor %s; its executors are %s", attempt.Number, app.Name, t.Executor, strings.Join(ids, ", "))
}

func pickAttempt(app *stokev1.SparkApplication, t Target) (stokev1.Attempt, error) {
	all := apps.Attempts(app)
	if len(all) == 0 {
		return stokev1.Attempt{}, fmt.Errorf("application %q has not started an attempt yet", app.Name)
	}
	current := all[len(all)-1]
	want := t.Attempt
	switch {
	case t.Previous:
		if current.Number <= 1 {
			return stokev1.Attempt{}, cmderr.Usagef("application %q has no attempt before attempt %d", app.Name, current.Number)
		}
		want = current.Number - 1
	case want == 0:
		return current, nil
	}
	for _, a := range all {
		if a.Number == want {
			return a, nil
		}
	}
	if want > current.Number || want < 1 {
		return stokev1.Attempt{}, cmderr.Usagef("application %q has attempts 1 to %d, not %d", app.Name, current.Number, want)
	}
	return stokev1.Attempt{}, fmt.Errorf("attempt %d of %q is no longer recorded (only the last %d attempts are kept)", want, app.Name, len(all))
}

// sparkContainer is the Spark container of a pod: the one with Spark's name, else the first.
func sparkContainer(p *corev1.Pod, name string) string {
	for _, c := range p.Spec.Containers {
		if c.Name == name {
			return name
		}
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name
	}
	return name
}
