// Package suspend implements `stoke suspend` and `stoke resume`: they set spec.suspend, and the operator
// stops the running attempt or starts a new one.
package suspend

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
)

// Options are the flags and arguments of `stoke suspend` and `stoke resume`.
type Options struct {
	Flags   *kube.Flags
	Name    string
	Suspend bool
}

// NewSuspendCommand builds `stoke suspend`.
func NewSuspendCommand(f *kube.Flags) *cobra.Command {
	return newCommand(f, true, "suspend NAME", "Stop an application: its pods are deleted until it is resumed")
}

// NewResumeCommand builds `stoke resume`.
func NewResumeCommand(f *kube.Flags) *cobra.Command {
	return newCommand(f, false, "resume NAME", "Resume a suspended application with a new attempt")
}

func newCommand(f *kube.Flags, suspend bool, use, short string) *cobra.Command {
	o := &Options{Flags: f, Suspend: suspend}
	return &cobra.Command{
		Use:               use,
		Short:             short,
		Args:              apps.OneName,
		ValidArgsFunction: apps.CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
}

// Run sets spec.suspend.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	c, app, err := apps.Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	if err := apps.RefuseDirect(app, map[bool]string{true: "suspend", false: "resume"}[o.Suspend]); err != nil {
		return err
	}
	verb := map[bool]string{true: "suspended", false: "resumed"}[o.Suspend]
	patch, err := Patch(app, o.Suspend)
	if err != nil {
		return err
	}
	if patch == nil {
		_, err := fmt.Fprintf(out, "application %q is already %s\n", o.Name, map[bool]string{true: "suspended", false: "not suspended"}[o.Suspend])
		return err
	}
	if err := c.Patch(ctx, app, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return cmderr.API(err, fmt.Sprintf("application %q", o.Name))
	}
	_, err = fmt.Fprintf(out, "application %q %s\n", o.Name, verb)
	return err
}

// Patch is the merge patch that suspends (suspend) or resumes app, nil when app already is so; a usage error
// when a finished application is to be suspended. `stoke server` applies the same rules.
func Patch(app *stokev1.SparkApplication, suspend bool) ([]byte, error) {
	if app.Spec.Suspend == suspend {
		return nil, nil
	}
	if suspend && apps.Finished(app) {
		return nil, cmderr.Usagef("application %q has already %s: there is nothing to suspend", app.Name, map[bool]string{true: "succeeded", false: "failed"}[app.Status.Phase == "Succeeded"])
	}
	return []byte(fmt.Sprintf(`{"spec":{"suspend":%t}}`, suspend)), nil
}
