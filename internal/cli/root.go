// Package cli builds the `stoke` command tree. Each command has an options struct, a constructor and a run
// function; only cmd/stoke reads the process environment and turns errors into exit codes.
package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// UsageError marks errors in how a command was called (exit code 2); other errors are runtime errors
// (exit code 1).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// IsUsageError reports whether err is a usage error.
func IsUsageError(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// NewRootCommand builds `stoke` and its subcommands.
func NewRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "stoke",
		Short:         "Stoke runs Apache Spark applications on Kubernetes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	root.AddCommand(NewOperatorCommand(), NewVersionCommand())
	return root
}
