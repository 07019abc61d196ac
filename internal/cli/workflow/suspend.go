package workflow

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
)

// SuspendOptions are the arguments of `stoke workflow suspend` and `stoke workflow resume`.
type SuspendOptions struct {
	Flags   *kube.Flags
	Name    string
	Suspend bool
}

func newSuspendCommand(f *kube.Flags, suspend bool) *cobra.Command {
	o := &SuspendOptions{Flags: f, Suspend: suspend}
	use, short := "suspend NAME", "Stop a workflow from starting new steps (running steps finish)"
	if !suspend {
		use, short = "resume NAME", "Let a suspended workflow start steps again, where it stopped"
	}
	return &cobra.Command{
		Use:               use,
		Short:             short,
		Args:              OneName,
		ValidArgsFunction: CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
}

// Run sets spec.suspend.
func (o *SuspendOptions) Run(ctx context.Context, out io.Writer) error {
	c, wf, err := Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	if wf.Spec.Suspend == o.Suspend {
		_, err := fmt.Fprintf(out, "workflow %q is already %s\n", o.Name, map[bool]string{true: "suspended", false: "not suspended"}[o.Suspend])
		return err
	}
	if o.Suspend && Finished(wf) {
		return cmderr.Usagef("workflow %q has already %s: there is nothing to suspend", o.Name, map[bool]string{true: "succeeded", false: "failed"}[wf.Status.Phase == "Succeeded"])
	}
	patch := []byte(fmt.Sprintf(`{"spec":{"suspend":%t}}`, o.Suspend))
	if err := c.Patch(ctx, wf, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return cmderr.API(err, fmt.Sprintf("workflow %q", o.Name))
	}
	verb := "suspended: running steps finish, no new step starts until stoke workflow resume " + o.Name
	if !o.Suspend {
		verb = "resumed"
	}
	_, err = fmt.Fprintf(out, "workflow %q %s\n", o.Name, verb)
	return err
}
