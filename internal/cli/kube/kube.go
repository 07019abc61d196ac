// Package kube holds what every client command of Stoke shares: the kubectl-style connection flags
// (--kubeconfig, --context, -n), the clients built from them, and the clock commands measure ages with.
package kube

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"
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

	loaded  clientcmd.ClientConfig
	restCfg *rest.Config
}

// NewFlags returns flags with the real clock and terminal detection.
func NewFlags() *Flags {
	return &Flags{Clock: clock.RealClock{}, Terminal: isTerminal}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
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
