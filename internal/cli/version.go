package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stokehq/stoke/internal/version"
)

// NewVersionCommand builds `stoke version`.
func NewVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Stoke's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version.Version)
			return err
		},
	}
}
