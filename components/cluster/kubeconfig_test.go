package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/kubeconfigtest"
)

func TestExecKubeconfig_LoadsAsKubectlWouldWithTheExecPlugin(t *testing.T) {
	content, err := ExecKubeconfig("prod", "https://10.0.0.1", "ZmFrZS1jYQ==", ExecCredential{
		Command:            "token-helper",
		Args:               []string{"get-token", "--cluster", "prod"},
		Env:                map[string]string{"B": "2", "A": "1"},
		InstallHint:        "install token-helper",
		ProvideClusterInfo: true,
	})
	require.NoError(t, err)

	config := kubeconfigtest.RESTConfig(t, content)
	assert.Equal(t, "https://10.0.0.1", config.Host)
	assert.Equal(t, []byte("fake-ca"), config.CAData)
	assert.Empty(t, config.BearerToken, "no credential is stored in the file")
	require.NotNil(t, config.ExecProvider)
	assert.Equal(t, "token-helper", config.ExecProvider.Command)
	assert.Equal(t, []string{"get-token", "--cluster", "prod"}, config.ExecProvider.Args)
	assert.Equal(t, "client.authentication.k8s.io/v1beta1", config.ExecProvider.APIVersion)
	assert.True(t, config.ExecProvider.ProvideClusterInfo)
	require.Len(t, config.ExecProvider.Env, 2)
	assert.Equal(t, "A", config.ExecProvider.Env[0].Name, "env is written in a stable order: no diff between runs")
}

func TestServerOf_FollowsTheContext(t *testing.T) {
	content := `apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: one, cluster: {server: "https://one:6443"}}
- {name: two, cluster: {server: "https://two:6443"}}
contexts:
- {name: a, context: {cluster: one, user: u}}
- {name: b, context: {cluster: two, user: u}}
users:
- {name: u, user: {}}
`
	assert.Equal(t, "https://one:6443", ServerOf(content, ""))
	assert.Equal(t, "https://two:6443", ServerOf(content, "b"))
	assert.Equal(t, "", ServerOf(content, "missing"))
	assert.Equal(t, "", ServerOf("not: [yaml", ""))
}
