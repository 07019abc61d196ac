package cli

import (
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stokehq/stoke/internal/operator"
)

// OperatorOptions are the flags of `stoke operator`; everything else lives in the config file.
type OperatorOptions struct {
	ConfigFile string
	Kubeconfig string
	Dev        bool
}

// NewOperatorCommand builds `stoke operator`.
func NewOperatorCommand() *cobra.Command {
	o := &OperatorOptions{}
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Run the controller manager that reconciles Stoke's kinds",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.Run(cmd) },
	}
	cmd.Flags().StringVar(&o.ConfigFile, "config", "", "operator configuration file (YAML); defaults apply when unset")
	cmd.Flags().StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster configuration or $KUBECONFIG when unset")
	cmd.Flags().BoolVar(&o.Dev, "dev", false, "human-readable logs instead of JSON")
	return cmd
}

// Run starts the manager and blocks until the command's context ends.
func (o *OperatorOptions) Run(cmd *cobra.Command) error {
	ctrl.SetLogger(zap.New(zap.UseDevMode(o.Dev)))
	cfg, err := operator.LoadConfig(o.ConfigFile)
	if err != nil {
		return &UsageError{Err: err}
	}
	restConfig, err := restConfigFor(o.Kubeconfig, "")
	if err != nil {
		return err
	}
	if cfg.ApplyCRDs {
		if err := operator.ApplyCRDs(cmd.Context(), restConfig); err != nil {
			return err
		}
	}
	mgr, err := operator.NewManager(restConfig, cfg)
	if err != nil {
		return err
	}
	return mgr.Start(cmd.Context())
}
