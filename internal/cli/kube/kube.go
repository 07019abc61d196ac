// Package kube holds what every client command of Stoke shares: the kubectl-style connection flags
// (--kubeconfig, --context, -n), the clients built from them, and the clock commands measure ages with.
package kube

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stokehq/stoke/internal/cli/cmderr"
	"github.com/stokehq/stoke/internal/operator"
)

// Flags are the connection flags and shared settings of the client commands. The root command owns one
// value and every command reads it when it runs.
type Flags struct {
	Kubeconfig string
	Context    string
	Namespace  string

	// Clock tells commands the time; tests fix it.
	Clock clock.Clock
	// Terminal reports whether a writer is an interactive terminal (colour, updating progress lines).
	Terminal func(io.Writer) bool
	// Width is how many columns a writer shows: the terminal's width, or 0 when it is not a terminal.
	Width func(io.Writer) int

	loaded  clientcmd.ClientConfig
	restCfg *rest.Config
}

// NewFlags returns flags with the real clock and terminal detection.
func NewFlags() *Flags {
	return &Flags{Clock: clock.RealClock{}, Terminal: isTerminal, Width: terminalWidth}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// WidthOf is the width views written to w are fitted to: the terminal's width, but at least least; least
// when w is not a terminal.
func (f *Flags) WidthOf(w io.Writer, least int) int {
	if f.Width == nil {
		return least
	}
	return max(f.Width(w), least)
}

// AddTo registers the connection flags (normally on the root's persistent flags).
func (f *Flags) AddTo(fs *pflag.FlagSet) {
	fs.StringVar(&f.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&f.Context, "context", "", "kubeconfig context to use")
	fs.StringVarP(&f.Namespace, "namespace", "n", "", "namespace (default: the context's namespace, else \"default\")")
}

func (f *Flags) clientConfig() clientcmd.ClientConfig {
	if f.loaded == nil {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if f.Kubeconfig != "" {
			rules.ExplicitPath = f.Kubeconfig
		}
		overrides := &clientcmd.ConfigOverrides{CurrentContext: f.Context}
		f.loaded = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	}
	return f.loaded
}

// RESTConfig loads the client configuration the way kubectl does.
func (f *Flags) RESTConfig() (*rest.Config, error) {
	if f.restCfg != nil {
		return f.restCfg, nil
	}
	cfg, err := f.clientConfig().ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			if inCluster, inErr := rest.InClusterConfig(); inErr == nil {
				f.restCfg = inCluster
				return inCluster, nil
			}
			return nil, cmderr.Usagef("no Kubernetes configuration found: use --kubeconfig or set $KUBECONFIG")
		}
		return nil, cmderr.Usagef("kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	f.restCfg = cfg
	return cfg, nil
}

// SetRESTConfig makes the flags use cfg instead of loading a kubeconfig (for tests and embedding).
func (f *Flags) SetRESTConfig(cfg *rest.Config) { f.restCfg = cfg }

// NamespaceOrDefault is -n, else the context's namespace, else "default".
func (f *Flags) NamespaceOrDefault() (string, error) {
	if f.Namespace != "" {
		return f.Namespace, nil
	}
	if f.restCfg != nil && f.loaded == nil {
		return "default", nil
	}
	ns, _, err := f.clientConfig().Namespace()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return "default", nil
		}
		return "", cmderr.Usagef("kubeconfig: %v", err)
	}
	return ns, nil
}

// Client is a typed client for Stoke's kinds and the core kinds.
func (f *Flags) Client() (client.Client, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		return nil, cmderr.API(err, "connecting")
	}
	return c, nil
}

// Clientset is client-go's clientset, for pod logs, the pod proxy and port-forwarding.
func (f *Flags) Clientset() (kubernetes.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client: %w", err)
	}
	return cs, nil
}

// Names lists the names of the objects of one kind in the namespace the flags select, reading only their
// metadata.
func (f *Flags) Names(ctx context.Context, gvk schema.GroupVersionKind) ([]string, error) {
	c, err := f.Client()
	if err != nil {
		return nil, err
	}
	ns, err := f.NamespaceOrDefault()
	if err != nil {
		return nil, err
	}
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list.Items))
	for _, o := range list.Items {
		names = append(names, o.Name)
	}
	return names, nil
}

// CompleteNames completes the names of objects of one kind in the command's namespace, for shell
// completion: the first argument only, except for commands that take several (delete).
func CompleteNames(f *Flags, gvk schema.GroupVersionKind) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 && cmd.Name() != "delete" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, err := f.Names(cmd.Context(), gvk)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
