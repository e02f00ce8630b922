package cluster

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

const providerType = "pulumi:providers:kubernetes"

func create(t *testing.T, newTarget func(ctx *pulumi.Context) (Cluster, error)) (*mocktest.Mocks, error) {
	t.Helper()
	return mocktest.Run(t, func(ctx *pulumi.Context) error {
		c, err := newTarget(ctx)
		if err != nil {
			return err
		}
		ctx.Export("kubeconfig", c.Access().Kubeconfig)
		return nil
	}, nil)
}

func TestExisting_ProviderFromKubeconfigFileAsSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(path, []byte("apiVersion: v1\nkind: Config\n"), 0o600))

	mocks, err := create(t, func(ctx *pulumi.Context) (Cluster, error) {
		return NewExisting(ctx, "cluster", &ExistingArgs{Config: model.ExistingCluster{KubeconfigPath: path, Context: "kind-dev"}})
	})
	require.NoError(t, err)

	p := mocks.Get(t, providerType, "cluster")
	kubeconfig := p.Inputs["kubeconfig"]
	require.True(t, kubeconfig.IsSecret(), "the kubeconfig reaches the provider as a secret")
	assert.Equal(t, "apiVersion: v1\nkind: Config\n", kubeconfig.SecretValue().Element.StringValue())
	assert.Equal(t, resource.NewStringProperty("kind-dev"), p.Inputs["context"])
	assert.Equal(t, resource.NewStringProperty("existing/kind-dev"), p.Inputs["clusterIdentifier"],
		"the identifier names the cluster, so new credentials never replace the provider")
	assert.Contains(t, p.Parent, "cloudnative:cluster:Existing::cluster")
}

func TestMinikube_StartsDeletesAndReadsKubeconfig(t *testing.T) {
	mocks, err := create(t, func(ctx *pulumi.Context) (Cluster, error) {
		return NewMinikube(ctx, "cluster", &MinikubeArgs{Config: model.MinikubeCluster{
			Profile: "shop", KubernetesVersion: "v1.34.0", CPUs: 4, MemoryMB: 8192, Driver: "docker"}})
	})
	require.NoError(t, err)

	start := mocks.Get(t, "command:local:Command", "cluster-start")
	assert.Equal(t, "minikube start --profile shop --kubernetes-version v1.34.0 --cpus 4 --memory 8192 --driver docker", start.Field("create"))
	assert.Equal(t, "minikube delete --profile shop", start.Field("delete"))

	read := mocks.Get(t, "command:local:Command", "cluster-kubeconfig")
	assert.Contains(t, read.Field("create"), "--context shop")
	assert.Contains(t, read.DependsOn, "urn:pulumi:test::cloudnative::cloudnative:cluster:Minikube$command:local:Command::cluster-start")

	p := mocks.Get(t, providerType, "cluster")
	require.True(t, p.Inputs["kubeconfig"].IsSecret())
	assert.Equal(t, mocktest.FakeKubeconfig, p.Inputs["kubeconfig"].SecretValue().Element.StringValue())
	assert.Equal(t, resource.NewStringProperty("minikube/shop"), p.Inputs["clusterIdentifier"])
}
