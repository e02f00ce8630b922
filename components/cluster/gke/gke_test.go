package gke

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/kubeconfigtest"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

func config() model.GKECluster {
	return model.GKECluster{
		Name: "shop-dev", Project: "shop-project", Location: "europe-west1", Region: "europe-west1",
		KubernetesVersion: "1.33", ReleaseChannel: "REGULAR",
		NodeCIDR: "10.10.0.0/20", PodCIDR: "10.100.0.0/14", ServiceCIDR: "10.20.0.0/20",
		NetworkPolicy: "dataplaneV2", PrivateNodes: true, MasterCIDR: "172.16.0.0/28",
		MasterAuthorizedNetworks: []string{"203.0.113.0/24"},
		NodePool:                 model.GKENodePool{MachineType: "e2-standard-4", DiskSizeGB: 100, Nodes: model.NodeScaling{Min: 2, Max: 6}},
		Labels:                   map[string]string{"team": "shop"},
	}
}

func create(t *testing.T, cfg model.GKECluster, production bool) *mocktest.Mocks {
	t.Helper()
	mocks, _ := createCluster(t, cfg, production)
	return mocks
}

// createCluster runs the component with a provider built from ProviderArgs and
// returns what was registered and the component.
func createCluster(t *testing.T, cfg model.GKECluster, production bool) (*mocktest.Mocks, *Cluster) {
	t.Helper()
	return mocktest.Build(t, func(ctx *pulumi.Context) (*Cluster, error) {
		provider, err := gcp.NewProvider(ctx, "gcp", ProviderArgs(cfg))
		if err != nil {
			return nil, err
		}
		return New(ctx, "cluster", &Args{Config: cfg, Production: production}, pulumi.Provider(provider))
	})
}

func TestGKE_ExportsWhatWorkloadIdentityTrusts(t *testing.T) {
	_, created := createCluster(t, config(), false)
	assert.Equal(t, map[string]string{
		"workloadPool": "shop-project.svc.id.goog",
		"issuer":       "https://container.googleapis.com/v1/projects/shop-project/locations/europe-west1/clusters/shop-dev",
	}, mocktest.Await(t, created.Access().WorkloadIdentity))
}

func TestGKE_NetworkIsVPCNativeWithPodAndServiceRanges(t *testing.T) {
	mocks := create(t, config(), false)

	google := mocks.Get(t, "pulumi:providers:gcp", "gcp")
	assert.Equal(t, "shop-project", google.Field("project"))
	assert.Equal(t, "europe-west1", google.Field("region"))
	assert.Equal(t, "shop", google.Field("defaultLabels", "team"))

	network := mocks.Get(t, "gcp:compute/network:Network", "cluster")
	assert.Equal(t, false, network.Field("autoCreateSubnetworks"))
	assert.Contains(t, network.Provider, "pulumi:providers:gcp::gcp", "children use the provider passed in")
	for _, r := range mocks.Resources() {
		if strings.HasPrefix(r.Type, "gcp:") {
			assert.Equal(t, "shop-project", r.Field("project"), "%s %s names its project: gcloud's default is never used", r.Type, r.Name)
		}
	}

	subnet := mocks.Get(t, "gcp:compute/subnetwork:Subnetwork", "cluster")
	assert.Equal(t, "10.10.0.0/20", subnet.Field("ipCidrRange"))
	assert.Equal(t, "europe-west1", subnet.Field("region"))
	assert.Equal(t, []any{
		map[string]any{"rangeName": "pods", "ipCidrRange": "10.100.0.0/14"},
		map[string]any{"rangeName": "services", "ipCidrRange": "10.20.0.0/20"},
	}, subnet.Field("secondaryIpRanges"))
	assert.Equal(t, true, subnet.Field("privateIpGoogleAccess"))

	gke := mocks.Get(t, "gcp:container/cluster:Cluster", "cluster")
	assert.Equal(t, "pods", gke.Field("ipAllocationPolicy", "clusterSecondaryRangeName"))
	assert.Equal(t, "services", gke.Field("ipAllocationPolicy", "servicesSecondaryRangeName"))
	assert.Equal(t, "cluster-id", gke.Field("network"))
}

func TestGKE_ClusterIsHardenedAndReplacesTheDefaultPool(t *testing.T) {
	mocks := create(t, config(), false)

	gke := mocks.Get(t, "gcp:container/cluster:Cluster", "cluster")
	assert.Equal(t, "shop-dev", gke.Field("name"))
	assert.Equal(t, "europe-west1", gke.Field("location"), "a region: a regional control plane")
	assert.Equal(t, true, gke.Field("removeDefaultNodePool"))
	assert.Equal(t, "REGULAR", gke.Field("releaseChannel", "channel"))
	assert.Equal(t, "1.33", gke.Field("minMasterVersion"))
	assert.Equal(t, "shop-project.svc.id.goog", gke.Field("workloadIdentityConfig", "workloadPool"))
	assert.Equal(t, "ADVANCED_DATAPATH", gke.Field("datapathProvider"), "Dataplane V2 enforces network policy")
	assert.Nil(t, gke.Field("networkPolicy"), "the Calico add-on must stay off under Dataplane V2")
	assert.Equal(t, true, gke.Field("enableShieldedNodes"))
	assert.Equal(t, true, gke.Field("privateClusterConfig", "enablePrivateNodes"))
	assert.Equal(t, false, gke.Field("privateClusterConfig", "enablePrivateEndpoint"))
	assert.Equal(t, "172.16.0.0/28", gke.Field("privateClusterConfig", "masterIpv4CidrBlock"))
	assert.Equal(t, "203.0.113.0/24", gke.Field("masterAuthorizedNetworksConfig", "cidrBlocks", 0, "cidrBlock"))
	assert.Equal(t, "shop", gke.Field("resourceLabels", "team"))
	assert.Equal(t, false, gke.Field("deletionProtection"), "a dev cluster can be destroyed")
	assert.False(t, gke.Protect)
}

func TestGKE_CalicoNetworkPolicy(t *testing.T) {
	cfg := config()
	cfg.NetworkPolicy = "calico"
	gke := create(t, cfg, false).Get(t, "gcp:container/cluster:Cluster", "cluster")
	assert.Equal(t, true, gke.Field("networkPolicy", "enabled"))
	assert.Equal(t, "CALICO", gke.Field("networkPolicy", "provider"))
	assert.Equal(t, false, gke.Field("addonsConfig", "networkPolicyConfig", "disabled"))
	assert.Nil(t, gke.Field("datapathProvider"))
}

func TestGKE_NodePoolAutoscalesWithItsOwnServiceAccount(t *testing.T) {
	mocks := create(t, config(), false)

	account := mocks.Get(t, "gcp:serviceaccount/account:Account", "cluster-nodes")
	assert.Equal(t, "shop-dev-nodes", account.Field("accountId"))
	var roles []string
	for _, grant := range mocks.OfType("gcp:projects/iAMMember:IAMMember") {
		assert.Equal(t, "serviceAccount:shop-dev-nodes@project.iam.gserviceaccount.com", grant.Field("member"))
		assert.Equal(t, "shop-project", grant.Field("project"))
		roles = append(roles, grant.Field("role").(string))
	}
	assert.ElementsMatch(t, NodeRoles, roles)
	assert.NotContains(t, roles, "roles/editor")

	pool := mocks.Get(t, "gcp:container/nodePool:NodePool", "cluster")
	assert.Equal(t, "shop-dev", pool.Field("cluster"))
	assert.Equal(t, 2.0, pool.Field("autoscaling", "totalMinNodeCount"))
	assert.Equal(t, 6.0, pool.Field("autoscaling", "totalMaxNodeCount"))
	assert.Nil(t, pool.Field("nodeCount"), "a fixed count would fight the autoscaler")
	assert.Equal(t, true, pool.Field("management", "autoRepair"))
	assert.Equal(t, true, pool.Field("management", "autoUpgrade"))
	assert.Equal(t, "e2-standard-4", pool.Field("nodeConfig", "machineType"))
	assert.Equal(t, "GKE_METADATA", pool.Field("nodeConfig", "workloadMetadataConfig", "mode"))
	assert.Equal(t, true, pool.Field("nodeConfig", "shieldedInstanceConfig", "enableSecureBoot"))
	assert.Equal(t, "shop-dev-nodes@project.iam.gserviceaccount.com", pool.Field("nodeConfig", "serviceAccount"))
	assert.Contains(t, pool.IgnoreChanges, "initialNodeCount")
	for _, role := range NodeRoles {
		assert.Contains(t, pool.DependsOn, "urn:pulumi:test::cloudnative::cloudnative:cluster:GKE$gcp:projects/iAMMember:IAMMember::cluster-nodes-"+role[len("roles/"):],
			"nodes start once their roles are granted")
	}
}

func TestGKE_PrivateNodesGetNATAndIstioWebhookAccess(t *testing.T) {
	mocks := create(t, config(), false)
	nat := mocks.Get(t, "gcp:compute/routerNat:RouterNat", "cluster")
	assert.Equal(t, "ALL_SUBNETWORKS_ALL_IP_RANGES", nat.Field("sourceSubnetworkIpRangesToNat"))
	firewall := mocks.Get(t, "gcp:compute/firewall:Firewall", "cluster-istio-webhooks")
	assert.Equal(t, []any{"172.16.0.0/28"}, firewall.Field("sourceRanges"))
	assert.Equal(t, []any{"15017"}, firewall.Field("allows", 0, "ports"))

	public := config()
	public.PrivateNodes = false
	mocks = create(t, public, false)
	assert.Empty(t, mocks.OfType("gcp:compute/routerNat:RouterNat"))
	assert.Nil(t, mocks.Get(t, "gcp:container/cluster:Cluster", "cluster").Field("privateClusterConfig"))
}

func TestGKE_ProductionProtectsClusterAndNodePool(t *testing.T) {
	mocks := create(t, config(), true)
	gke := mocks.Get(t, "gcp:container/cluster:Cluster", "cluster")
	assert.True(t, gke.Protect)
	assert.Equal(t, true, gke.Field("deletionProtection"))
	assert.True(t, mocks.Get(t, "gcp:container/nodePool:NodePool", "cluster").Protect)
}

func TestGKE_KubeconfigUsesTheAuthPluginAndFeedsTheProvider(t *testing.T) {
	mocks := create(t, config(), false)

	provider := mocks.Get(t, "pulumi:providers:kubernetes", "cluster")
	assert.Equal(t, resource.NewStringProperty("gke/shop-project/europe-west1/shop-dev"), provider.Inputs["clusterIdentifier"],
		"named after the cluster, so new credentials never replace the provider")
	assert.Contains(t, provider.DependsOn, "urn:pulumi:test::cloudnative::cloudnative:cluster:GKE$gcp:container/nodePool:NodePool::cluster",
		"workloads wait for nodes")
	kubeconfig := provider.Inputs["kubeconfig"]
	require.True(t, kubeconfig.IsSecret())

	rest := kubeconfigtest.RESTConfig(t, kubeconfig.SecretValue().Element.StringValue())
	assert.Equal(t, "https://"+mocktest.FakeGKEEndpoint, rest.Host)
	assert.Equal(t, []byte("fake-cluster-ca"), rest.CAData)
	require.NotNil(t, rest.ExecProvider)
	assert.Equal(t, "gke-gcloud-auth-plugin", rest.ExecProvider.Command)
	assert.True(t, rest.ExecProvider.ProvideClusterInfo)
	assert.Empty(t, rest.BearerToken)
	assert.Empty(t, mocks.Invokes("gcp:container/getEngineVersions:getEngineVersions"), "GKE needs no lookups")
}

func TestNodeAccountID_FitsGoogleLimits(t *testing.T) {
	assert.Equal(t, "dev-nodes", nodeAccountID("dev"))
	long := nodeAccountID("cloudnative-production-europe-west")
	assert.LessOrEqual(t, len(long), 30)
	assert.Equal(t, "cloudnative-production-e-nodes", long)
}
