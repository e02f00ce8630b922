// Package kubeconfigtest checks kubeconfigs the way kubectl reads them: with
// client-go's loader, so a test fails on anything kubectl would refuse.
package kubeconfigtest

import (
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RESTConfig loads a kubeconfig and resolves its current context into the
// client configuration kubectl would use.
func RESTConfig(t testing.TB, kubeconfig string) *rest.Config {
	t.Helper()
	loaded, err := clientcmd.Load([]byte(kubeconfig))
	require.NoError(t, err, "the kubeconfig parses")
	require.NoError(t, clientcmd.Validate(*loaded), "the kubeconfig is valid")
	config, err := clientcmd.NewDefaultClientConfig(*loaded, nil).ClientConfig()
	require.NoError(t, err, "the current context resolves to a client config")
	return config
}
