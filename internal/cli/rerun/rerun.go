// Package rerun implements `stoke rerun NAME`: a new attempt of a finished application. It writes a fresh
// spec.runToken; the operator sees a changed spec on a finished application and starts the next attempt.
package rerun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stokev1 "github.com/stokehq/stoke/api/v1alpha1"
	"github.com/stokehq/stoke/internal/cli/apps"
	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/kube"
)

// Options are the flags and arguments of `stoke rerun`.
type Options struct {
	Flags *kube.Flags
	Name  string
	// Force reruns an application that is still running: its attempt is superseded.
	Force bool
}

// NewCommand builds `stoke rerun`.
func NewCommand(f *kube.Flags) *cobra.Command {
	o := &Options{Flags: f}
	cmd := &cobra.Command{
		Use:               "rerun NAME",
		Short:             "Run a finished application again, as its next attempt",
		Args:              apps.OneName,
		ValidArgsFunction: apps.CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "also rerun an application that has not finished (its running attempt is replaced)")
	return cmd
}

// Run writes a fresh run token, guarded by the resourceVersion that was checked.
func (o *Options) Run(ctx context.Context, out io.Writer) error {
	c, app, err := apps.Lookup(ctx, o.Flags, o.Name)
	if err != nil {
		return err
	}
	if err := apps.RefuseDirect(app, "rerun"); err != nil {
		return err
	}
	patch, err := Patch(app, o.Force, o.Flags.Clock.Now())
	if err != nil {
		return err
	}
	if err := c.Patch(ctx, app, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return cmderr.API(err, fmt.Sprintf("application %q", o.Name))
	}
	_, err = fmt.Fprintf(out, "application %q reruns as attempt %d\n", o.Name, apps.AttemptNumber(app)+1)
	return err
}

// Patch is the merge patch that reruns app as its next attempt: a fresh run token, guarded by the
// resourceVersion that was checked. A suspended application, or one still running without force, is a usage
// error saying what to do instead. `stoke server` applies the same rules.
func Patch(app *stokev1.SparkApplication, force bool, now time.Time) ([]byte, error) {
	switch {
	case app.Spec.Suspend:
		return nil, cmderr.Usagef("application %q is suspended: stoke resume %s starts a new attempt", app.Name, app.Name)
	case !apps.Finished(app) && !force:
		return nil, cmderr.Usagef("application %q is %s, not finished: rerun --force replaces the running attempt", app.Name, apps.Phase(app))
	}
	token, err := NewToken(now.Unix())
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": app.ResourceVersion},
		"spec":     map[string]any{"runToken": token},
	})
}

// NewToken is a run token: the time in seconds and random hex digits, unique across reruns.
func NewToken(unix int64) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return fmt.Sprintf("%d-%s", unix, hex.EncodeToString(b[:])), nil
}
