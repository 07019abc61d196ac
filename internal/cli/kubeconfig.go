package cli

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// restConfigFor loads client configuration the way kubectl does: an explicit kubeconfig file, else
// $KUBECONFIG or ~/.kube/config, else the in-cluster service account.
func restConfigFor(kubeconfig, context string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		if inCluster, inErr := rest.InClusterConfig(); inErr == nil {
			return inCluster, nil
		}
		return nil, fmt.Errorf("no Kubernetes configuration found (use --kubeconfig or $KUBECONFIG): %w", err)
	}
	return cfg, nil
}
