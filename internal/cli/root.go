// Package cli builds the `stoke` command tree. Each command lives in its own package with an options
// struct, a constructor and a run function; only cmd/stoke reads the process environment and turns errors
// into exit codes (usage errors 2, runtime errors 1).
package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/cli/convert"
	deletecmd "github.com/stokehq/stoke/internal/cli/delete"
	"github.com/stokehq/stoke/internal/cli/describe"
	"github.com/stokehq/stoke/internal/cli/events"
	"github.com/stokehq/stoke/internal/cli/get"
	"github.com/stokehq/stoke/internal/cli/kube"
	"github.com/stokehq/stoke/internal/cli/logs"
	"github.com/stokehq/stoke/internal/cli/rerun"
	"github.com/stokehq/stoke/internal/cli/schedule"
	"github.com/stokehq/stoke/internal/cli/submit"
	"github.com/stokehq/stoke/internal/cli/suspend"
	"github.com/stokehq/stoke/internal/cli/tenant"
	"github.com/stokehq/stoke/internal/cli/ui"
	"github.com/stokehq/stoke/internal/cli/workflow"
)

// UsageError marks errors in how a command was called (exit code 2); other errors are runtime errors
// (exit code 1).
type UsageError = cmderr.UsageError

// IsUsageError reports whether err is a usage error, including cobra's own complaints about unknown
// commands and wrong argument counts.
func IsUsageError(err error) bool {
	if cmderr.IsUsage(err) {
		return true
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// NewRootCommand builds `stoke` and its subcommands with the real clock and terminal detection.
func NewRootCommand() *cobra.Command { return NewRootCommandWith(kube.NewFlags()) }

// NewRootCommandWith builds `stoke` around the given shared flags (tests fix the clock and the client
// configuration through them).
func NewRootCommandWith(f *kube.Flags) *cobra.Command {
	root := &cobra.Command{
		Use:           "stoke",
		Short:         "Stoke runs Apache Spark applications on Kubernetes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	f.AddTo(root.PersistentFlags())
	_ = root.RegisterFlagCompletionFunc("namespace", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return completeNamespaces(cmd, f)
	})
	root.AddGroup(&cobra.Group{ID: "apps", Title: "Spark applications, schedules and workflows:"},
		&cobra.Group{ID: "platform", Title: "Platform setup:"}, &cobra.Group{ID: "other", Title: "Other commands:"})
	for _, c := range []*cobra.Command{
		submit.NewCommand(f), get.NewCommand(f), describe.NewCommand(f), events.NewCommand(f), logs.NewCommand(f),
		ui.NewCommand(f), suspend.NewSuspendCommand(f), suspend.NewResumeCommand(f), rerun.NewCommand(f),
		deletecmd.NewCommand(f), convert.NewCommand(), schedule.NewCommand(f), workflow.NewCommand(f),
	} {
		c.GroupID = "apps"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{tenant.NewCommand(f)} {
		c.GroupID = "platform"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{NewOperatorCommand(), NewServerCommand(), NewVersionCommand()} {
		c.GroupID = "other"
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	return root
}
