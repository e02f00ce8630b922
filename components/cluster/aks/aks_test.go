package aks

import (
	"strings"
	"testing"

	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/kubeconfigtest"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

const credentialsToken = "azure-native:containerservice:listManagedClusterUserCredentials"

func config() model.AKSCluster {
	return model.AKSCluster{
		Name: "shop-prod", SubscriptionID: "00000000-0000-0000-0000-000000000001", Location: "westeurope",
		ResourceGroup: "shop-prod-rg", KubernetesVersion: "1.33", UpgradeChannel: "stable",
		Network: "overlay", NetworkPolicy: "cilium", PodCIDR: "192.168.0.0/16", ServiceCIDR: "10.0.0.0/16", DNSServiceIP: "10.0.0.10",
		NodePool:  model.AKSNodePool{VMSize: "Standard_D4s_v5", DiskSizeGB: 128, Nodes: model.NodeScaling{Min: 3, Max: 9}, Zones: []string{"1", "2", "3"}},
		AzureRBAC: true, AdminGroupObjectIDs: []string{"11111111-2222-3333-4444-555555555555"}, DisableLocalAccounts: true,
		Tags: map[string]string{"team": "shop"},
	}
}

func create(t *testing.T, cfg model.AKSCluster, production bool) *mocktest.Mocks {
	t.Helper()
	mocks, _ := createCluster(t, cfg, production)
	return mocks
}

// createCluster runs the component with a provider built from ProviderArgs and
// returns what was registered and the component.
func createCluster(t *testing.T, cfg model.AKSCluster, production bool) (*mocktest.Mocks, *Cluster) {
	t.Helper()
	return mocktest.Build(t, func(ctx *pulumi.Context) (*Cluster, error) {
		provider, err := azurenative.NewProvider(ctx, "azure", ProviderArgs(cfg))
		if err != nil {
			return nil, err
		}
		return New(ctx, "cluster", &Args{Config: cfg, Production: production}, pulumi.Provider(provider))
	})
}

func TestAKS_ExportsWhatWorkloadIdentityTrusts(t *testing.T) {
	_, created := createCluster(t, config(), false)
	assert.Equal(t, map[string]string{"issuer": mocktest.FakeAKSIssuer}, mocktest.Await(t, created.Access().WorkloadIdentity))
}

func TestAKS_ProviderAndResourceGroup(t *testing.T) {
	mocks := create(t, config(), false)
	azure := mocks.Get(t, "pulumi:providers:azure-native", "azure")
	assert.Equal(t, "00000000-0000-0000-0000-000000000001", azure.Field("subscriptionId"))
	assert.Equal(t, "westeurope", azure.Field("location"))

	group := mocks.Get(t, "azure-native:resources:ResourceGroup", "cluster")
	assert.Equal(t, "shop-prod-rg", group.Field("resourceGroupName"))
	assert.Equal(t, "shop", group.Field("tags", "team"))
	assert.Contains(t, group.Provider, "pulumi:providers:azure-native::azure")
	assert.Equal(t, "westeurope", group.Field("location"))
}

func TestAKS_ClusterIdentityNodePoolAndNetworking(t *testing.T) {
	aks := create(t, config(), false).Get(t, "azure-native:containerservice:ManagedCluster", "cluster")
	assert.Equal(t, "shop-prod", aks.Field("resourceName"))
	assert.Equal(t, "shop-prod", aks.Field("dnsPrefix"))
	assert.Equal(t, "shop-prod-rg", aks.Field("resourceGroupName"))
	assert.Equal(t, "SystemAssigned", aks.Field("identity", "type"))
	assert.Equal(t, "1.33", aks.Field("kubernetesVersion"))
	assert.Equal(t, "stable", aks.Field("autoUpgradeProfile", "upgradeChannel"))

	pool := aks.Field("agentPoolProfiles", 0)
	assert.Equal(t, SystemPoolName, mocktest.Dig(pool, "name"))
	assert.Equal(t, "System", mocktest.Dig(pool, "mode"))
	assert.Equal(t, true, mocktest.Dig(pool, "enableAutoScaling"))
	assert.Equal(t, 3.0, mocktest.Dig(pool, "minCount"))
	assert.Equal(t, 9.0, mocktest.Dig(pool, "maxCount"))
	assert.Equal(t, "Standard_D4s_v5", mocktest.Dig(pool, "vmSize"))
	assert.Equal(t, []any{"1", "2", "3"}, mocktest.Dig(pool, "availabilityZones"))
	assert.Contains(t, aks.IgnoreChanges, "agentPoolProfiles[0].count", "the autoscaler owns the count")

	assert.Equal(t, "azure", aks.Field("networkProfile", "networkPlugin"))
	assert.Equal(t, "overlay", aks.Field("networkProfile", "networkPluginMode"))
	assert.Equal(t, "cilium", aks.Field("networkProfile", "networkPolicy"))
	assert.Equal(t, "cilium", aks.Field("networkProfile", "networkDataplane"))
	assert.Equal(t, "192.168.0.0/16", aks.Field("networkProfile", "podCidr"))
	assert.Equal(t, "10.0.0.10", aks.Field("networkProfile", "dnsServiceIP"))
}

func TestAKS_AzureCNIWithoutOverlayUsesVNetAddresses(t *testing.T) {
	cfg := config()
	cfg.Network, cfg.NetworkPolicy, cfg.PodCIDR = "azure", "calico", ""
	aks := create(t, cfg, false).Get(t, "azure-native:containerservice:ManagedCluster", "cluster")
	assert.Nil(t, aks.Field("networkProfile", "networkPluginMode"))
	assert.NotEqual(t, "192.168.0.0/16", aks.Field("networkProfile", "podCidr"), "no overlay range")
	assert.Nil(t, aks.Field("networkProfile", "networkDataplane"))
	assert.Equal(t, "calico", aks.Field("networkProfile", "networkPolicy"))
}

func TestAKS_WorkloadIdentityAndEntraSignIn(t *testing.T) {
	aks := create(t, config(), false).Get(t, "azure-native:containerservice:ManagedCluster", "cluster")
	assert.Equal(t, true, aks.Field("oidcIssuerProfile", "enabled"))
	assert.Equal(t, true, aks.Field("securityProfile", "workloadIdentity", "enabled"))
	assert.Equal(t, true, aks.Field("aadProfile", "managed"))
	assert.Equal(t, true, aks.Field("aadProfile", "enableAzureRBAC"))
	assert.Equal(t, []any{"11111111-2222-3333-4444-555555555555"}, aks.Field("aadProfile", "adminGroupObjectIDs"))
	assert.Equal(t, true, aks.Field("disableLocalAccounts"))

	local := config()
	local.AzureRBAC, local.DisableLocalAccounts, local.AdminGroupObjectIDs = false, false, nil
	aks = create(t, local, false).Get(t, "azure-native:containerservice:ManagedCluster", "cluster")
	assert.Nil(t, aks.Field("aadProfile"))
	assert.Equal(t, false, aks.Field("disableLocalAccounts"))
}

func TestAKS_ProductionProtectsGroupAndCluster(t *testing.T) {
	mocks := create(t, config(), true)
	assert.True(t, mocks.Get(t, "azure-native:resources:ResourceGroup", "cluster").Protect)
	assert.True(t, mocks.Get(t, "azure-native:containerservice:ManagedCluster", "cluster").Protect)
	assert.False(t, create(t, config(), false).Get(t, "azure-native:containerservice:ManagedCluster", "cluster").Protect)
}

func TestAKS_KubeconfigComesFromUserCredentials(t *testing.T) {
	mocks := create(t, config(), false)
	calls := mocks.Invokes(credentialsToken)
	require.Len(t, calls, 1)
	assert.Equal(t, "shop-prod-rg", calls[0].Args["resourceGroupName"].StringValue())
	assert.Equal(t, "shop-prod", calls[0].Args["resourceName"].StringValue())
	assert.Equal(t, "exec", calls[0].Args["format"].StringValue(), "Entra ID sign-in goes through kubelogin")
	assert.Contains(t, calls[0].Provider, "pulumi:providers:azure-native::azure")

	provider := mocks.Get(t, "pulumi:providers:kubernetes", "cluster")
	assert.Equal(t, resource.NewStringProperty("aks/00000000-0000-0000-0000-000000000001/shop-prod-rg/shop-prod"), provider.Inputs["clusterIdentifier"])
	require.True(t, provider.Inputs["kubeconfig"].IsSecret(), "user credentials are a secret")
	kubeconfig := provider.Inputs["kubeconfig"].SecretValue().Element.StringValue()
	assert.Equal(t, mocktest.FakeAKSKubeconfig, kubeconfig, "decoded from base64")
	rest := kubeconfigtest.RESTConfig(t, kubeconfig)
	assert.Equal(t, "https://"+mocktest.FakeAKSFQDN+":443", rest.Host)
	require.NotNil(t, rest.ExecProvider)
	assert.Equal(t, "kubelogin", rest.ExecProvider.Command)

	local := config()
	local.AzureRBAC, local.DisableLocalAccounts, local.AdminGroupObjectIDs = false, false, nil
	calls = create(t, local, false).Invokes(credentialsToken)
	require.Len(t, calls, 1)
	assert.NotContains(t, calls[0].Args, resource.PropertyKey("format"))
}

func TestFirstKubeconfig_RefusesAnEmptyAnswer(t *testing.T) {
	_, err := firstKubeconfig(nil)
	assert.ErrorContains(t, err, "no user credentials")
}

func TestDNSPrefix_FromAnyClusterName(t *testing.T) {
	assert.Equal(t, "shop-prod", dnsPrefix("shop_prod"))
	long := dnsPrefix("a23456789-123456789-123456789-123456789-123456789-12345-7")
	assert.Len(t, long, 54)
}

// The credential output says what the kubeconfig really holds: kubelogin's
// exec plugin with Entra ID, the cluster user's static token without it.
func TestAKS_CredentialSaysWhatTheKubeconfigHolds(t *testing.T) {
	_, entra := createCluster(t, config(), false)
	assert.Contains(t, entra.Access().Credential, "exec plugin kubelogin")

	local := config()
	local.AzureRBAC, local.DisableLocalAccounts, local.AdminGroupObjectIDs = false, false, nil
	_, static := createCluster(t, local, false)
	assert.True(t, strings.HasPrefix(static.Access().Credential, "static: the cluster's local user token"), static.Access().Credential)
}
