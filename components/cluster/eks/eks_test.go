package eks

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/kubeconfigtest"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

const urnPrefix = "urn:pulumi:test::cloudnative::cloudnative:cluster:EKS$"

func config() model.EKSCluster {
	return model.EKSCluster{
		Name: "shop-staging", Region: "eu-west-1", KubernetesVersion: "1.33", AccountID: "123456789012",
		VPCCIDR: "10.0.0.0/16", ZoneCount: 2,
		EndpointPublicAccess: true, EndpointPrivateAccess: true, PublicAccessCIDRs: []string{"203.0.113.0/24"},
		LogTypes: []string{"api", "audit"}, LogRetentionDays: 30, SupportType: "STANDARD",
		NodeGroup: model.EKSNodeGroup{InstanceTypes: []string{"m6i.large"}, CapacityType: "ON_DEMAND", DiskSizeGB: 50,
			Nodes: model.NodeScaling{Min: 2, Max: 5}, Desired: 3},
		Tags: map[string]string{"team": "shop"},
	}
}

func create(t *testing.T, cfg model.EKSCluster, production bool) *mocktest.Mocks {
	t.Helper()
	mocks, _ := createCluster(t, cfg, production)
	return mocks
}

// createCluster runs the component with a provider built from ProviderArgs and
// returns what was registered and the component.
func createCluster(t *testing.T, cfg model.EKSCluster, production bool) (*mocktest.Mocks, *Cluster) {
	t.Helper()
	return mocktest.Build(t, func(ctx *pulumi.Context) (*Cluster, error) {
		provider, err := aws.NewProvider(ctx, "aws", ProviderArgs(cfg))
		if err != nil {
			return nil, err
		}
		return New(ctx, "cluster", &Args{Config: cfg, Production: production}, pulumi.Provider(provider))
	})
}

func TestEKS_ExportsWhatWorkloadIdentityTrusts(t *testing.T) {
	_, created := createCluster(t, config(), false)
	assert.Equal(t, map[string]string{
		"issuer":          mocktest.FakeEKSIssuer,
		"oidcProviderArn": "arn:aws:iam::" + mocktest.FakeAWSAccountID + ":oidc-provider/cluster",
	}, mocktest.Await(t, created.Access().WorkloadIdentity))
}

func TestEKS_ProviderPinsRegionAccountAndTags(t *testing.T) {
	mocks := create(t, config(), false)
	amazon := mocks.Get(t, "pulumi:providers:aws", "aws")
	assert.Equal(t, "eu-west-1", amazon.Field("region"))
	assert.Equal(t, []any{"123456789012"}, amazon.Field("allowedAccountIds"))
	assert.Equal(t, "shop", amazon.Field("defaultTags", "tags", "team"))
	for _, r := range mocks.Resources() {
		if strings.HasPrefix(r.Type, "aws:") {
			assert.Contains(t, r.Provider, "pulumi:providers:aws::aws", "%s %s", r.Type, r.Name)
		}
	}
}

func TestEKS_RefusesAProviderOfAnotherRegion(t *testing.T) {
	_, err := mocktest.Run(t, func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.StringPtr("us-east-1")})
		if err != nil {
			return err
		}
		_, err = New(ctx, "cluster", &Args{Config: config()}, pulumi.Provider(provider))
		return err
	}, nil)
	assert.ErrorContains(t, err, "the aws provider works in us-east-1 but the cluster is configured for eu-west-1")
}

func TestEKS_ZonesComeFromTheRegionUnlessPinned(t *testing.T) {
	mocks := create(t, config(), false)
	lookups := mocks.Invokes("aws:index/getAvailabilityZones:getAvailabilityZones")
	require.Len(t, lookups, 1)
	assert.Equal(t, "available", lookups[0].Args["state"].StringValue())
	assert.Contains(t, lookups[0].Provider, "pulumi:providers:aws::aws", "lookups go to the provider passed in")
	assert.Len(t, mocks.OfType("aws:ec2/subnet:Subnet"), 4, "a public and a private subnet in each of 2 zones")
	mocks.Get(t, "aws:ec2/subnet:Subnet", "cluster-private-eu-west-1b")

	pinned := config()
	pinned.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	pinned.ZoneCount = 3
	mocks = create(t, pinned, false)
	assert.Empty(t, mocks.Invokes("aws:index/getAvailabilityZones:getAvailabilityZones"))
	assert.Len(t, mocks.OfType("aws:ec2/subnet:Subnet"), 6)
}

func TestEKS_SubnetsAreTaggedForLoadBalancersAndRouted(t *testing.T) {
	mocks := create(t, config(), false)
	vpc := mocks.Get(t, "aws:ec2/vpc:Vpc", "cluster")
	assert.Equal(t, "10.0.0.0/16", vpc.Field("cidrBlock"))
	assert.Equal(t, true, vpc.Field("enableDnsHostnames"))

	public := mocks.Get(t, "aws:ec2/subnet:Subnet", "cluster-public-eu-west-1a")
	assert.Equal(t, "10.0.0.0/20", public.Field("cidrBlock"))
	assert.Equal(t, "1", public.Field("tags", "kubernetes.io/role/elb"))
	assert.Equal(t, "shared", public.Field("tags", "kubernetes.io/cluster/shop-staging"))
	assert.Equal(t, true, public.Field("mapPublicIpOnLaunch"))

	private := mocks.Get(t, "aws:ec2/subnet:Subnet", "cluster-private-eu-west-1b")
	assert.Equal(t, "10.0.144.0/20", private.Field("cidrBlock"))
	assert.Equal(t, "eu-west-1b", private.Field("availabilityZone"))
	assert.Equal(t, "1", private.Field("tags", "kubernetes.io/role/internal-elb"))
	assert.Nil(t, private.Field("mapPublicIpOnLaunch"))

	assert.Len(t, mocks.OfType("aws:ec2/natGateway:NatGateway"), 1, "one NAT gateway unless natPerZone")
	privateRoutes := mocks.Get(t, "aws:ec2/routeTable:RouteTable", "cluster-private-eu-west-1b")
	assert.Equal(t, "cluster-eu-west-1a-id", privateRoutes.Field("routes", 0, "natGatewayId"))
	publicRoutes := mocks.Get(t, "aws:ec2/routeTable:RouteTable", "cluster-public")
	assert.Equal(t, "cluster-id", publicRoutes.Field("routes", 0, "gatewayId"))
	assert.Len(t, mocks.OfType("aws:ec2/routeTableAssociation:RouteTableAssociation"), 4)

	perZone := config()
	perZone.NATPerZone = true
	assert.Len(t, create(t, perZone, false).OfType("aws:ec2/natGateway:NatGateway"), 2)
}

func TestEKS_RolesTrustTheirServiceAndCarryManagedPolicies(t *testing.T) {
	mocks := create(t, config(), false)
	require.Len(t, mocks.Invokes("aws:index/getPartition:getPartition"), 1)

	for name, service := range map[string]string{"cluster-cluster": "eks.amazonaws.com", "cluster-node": "ec2.amazonaws.com"} {
		role := mocks.Get(t, "aws:iam/role:Role", name)
		var policy struct {
			Statement []struct {
				Effect    string
				Principal map[string]string
				Action    string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(role.Field("assumeRolePolicy").(string)), &policy))
		require.Len(t, policy.Statement, 1)
		assert.Equal(t, service, policy.Statement[0].Principal["Service"])
		assert.Equal(t, "sts:AssumeRole", policy.Statement[0].Action)
	}
	attached := map[string]bool{}
	for _, a := range mocks.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		attached[a.Field("policyArn").(string)] = true
	}
	for _, policy := range append(append([]string{}, ClusterPolicies...), NodePolicies...) {
		assert.True(t, attached["arn:aws:iam::aws:policy/"+policy], policy)
	}
	assert.Len(t, attached, len(ClusterPolicies)+len(NodePolicies))
}

func TestEKS_ClusterEncryptsSecretsLogsAndLimitsTheEndpoint(t *testing.T) {
	mocks := create(t, config(), false)
	key := mocks.Get(t, "aws:kms/key:Key", "cluster-secrets")
	assert.Equal(t, true, key.Field("enableKeyRotation"))

	logs := mocks.Get(t, "aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane")
	assert.Equal(t, "/aws/eks/shop-staging/cluster", logs.Field("name"), "the group EKS writes to, so it is ours to delete")
	assert.Equal(t, 30.0, logs.Field("retentionInDays"))

	eks := mocks.Get(t, "aws:eks/cluster:Cluster", "cluster")
	assert.Equal(t, "shop-staging", eks.Field("name"))
	assert.Equal(t, "1.33", eks.Field("version"))
	assert.Equal(t, "arn:aws:iam::123456789012:role/cluster-cluster", eks.Field("roleArn"))
	assert.Equal(t, "arn:aws:kms::123456789012:key/cluster-secrets", eks.Field("encryptionConfig", "provider", "keyArn"))
	assert.Equal(t, []any{"secrets"}, eks.Field("encryptionConfig", "resources"))
	assert.Equal(t, []any{"api", "audit"}, eks.Field("enabledClusterLogTypes"))
	assert.Equal(t, "STANDARD", eks.Field("upgradePolicy", "supportType"))
	assert.Equal(t, true, eks.Field("vpcConfig", "endpointPrivateAccess"))
	assert.Equal(t, true, eks.Field("vpcConfig", "endpointPublicAccess"))
	assert.Equal(t, []any{"203.0.113.0/24"}, eks.Field("vpcConfig", "publicAccessCidrs"))
	assert.Len(t, eks.Field("vpcConfig", "subnetIds"), 4)
	assert.Contains(t, eks.DependsOn, urnPrefix+"aws:iam/rolePolicyAttachment:RolePolicyAttachment::cluster-cluster-AmazonEKSClusterPolicy")
	assert.Contains(t, eks.DependsOn, urnPrefix+"aws:cloudwatch/logGroup:LogGroup::cluster-control-plane")
	assert.False(t, eks.Protect)
}

func TestEKS_NodeGroupIsPrivateAndLeavesDesiredSizeToTheAutoscaler(t *testing.T) {
	mocks := create(t, config(), false)
	nodes := mocks.Get(t, "aws:eks/nodeGroup:NodeGroup", "cluster")
	assert.Equal(t, "shop-staging", nodes.Field("clusterName"))
	assert.Equal(t, "arn:aws:iam::123456789012:role/cluster-node", nodes.Field("nodeRoleArn"))
	assert.Equal(t, []any{"cluster-private-eu-west-1a-id", "cluster-private-eu-west-1b-id"}, nodes.Field("subnetIds"))
	assert.Equal(t, map[string]any{"minSize": 2.0, "desiredSize": 3.0, "maxSize": 5.0}, nodes.Field("scalingConfig"))
	assert.Equal(t, []any{"m6i.large"}, nodes.Field("instanceTypes"))
	assert.Equal(t, []string{"scalingConfig.desiredSize"}, nodes.IgnoreChanges)
	assert.Contains(t, nodes.DependsOn, urnPrefix+"aws:iam/rolePolicyAttachment:RolePolicyAttachment::cluster-node-AmazonEKS_CNI_Policy")
}

func TestEKS_OIDCProviderForIRSA(t *testing.T) {
	oidc := create(t, config(), false).Get(t, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cluster")
	assert.Equal(t, mocktest.FakeEKSIssuer, oidc.Field("url"))
	assert.Equal(t, []any{"sts.amazonaws.com"}, oidc.Field("clientIdLists"))
}

func TestEKS_ProductionProtectsClusterAndNodeGroup(t *testing.T) {
	mocks := create(t, config(), true)
	assert.True(t, mocks.Get(t, "aws:eks/cluster:Cluster", "cluster").Protect)
	assert.True(t, mocks.Get(t, "aws:eks/nodeGroup:NodeGroup", "cluster").Protect)
	assert.Equal(t, 30.0, mocks.Get(t, "aws:kms/key:Key", "cluster-secrets").Field("deletionWindowInDays"))
}

func TestEKS_KubeconfigUsesAwsEksGetToken(t *testing.T) {
	mocks := create(t, config(), false)
	provider := mocks.Get(t, "pulumi:providers:kubernetes", "cluster")
	assert.Equal(t, resource.NewStringProperty("eks/eu-west-1/shop-staging"), provider.Inputs["clusterIdentifier"])
	assert.Contains(t, provider.DependsOn, urnPrefix+"aws:eks/nodeGroup:NodeGroup::cluster")
	require.True(t, provider.Inputs["kubeconfig"].IsSecret())

	rest := kubeconfigtest.RESTConfig(t, provider.Inputs["kubeconfig"].SecretValue().Element.StringValue())
	assert.Equal(t, mocktest.FakeEKSEndpoint, rest.Host)
	assert.Equal(t, []byte("fake-cluster-ca"), rest.CAData)
	require.NotNil(t, rest.ExecProvider)
	assert.Equal(t, "aws", rest.ExecProvider.Command)
	assert.Equal(t, []string{"eks", "get-token", "--cluster-name", "shop-staging", "--region", "eu-west-1", "--output", "json"}, rest.ExecProvider.Args)
}

func TestSubnetCIDR_SplitsTheVPCIntoSixteen(t *testing.T) {
	vpc := netip.MustParsePrefix("10.0.0.0/16")
	assert.Equal(t, "10.0.0.0/20", SubnetCIDR(vpc, 0).String())
	assert.Equal(t, "10.0.16.0/20", SubnetCIDR(vpc, 1).String())
	assert.Equal(t, "10.0.128.0/20", SubnetCIDR(vpc, privateSlot).String())
	assert.Equal(t, "10.0.240.0/20", SubnetCIDR(vpc, 15).String())
	assert.Equal(t, "192.168.4.16/28", SubnetCIDR(netip.MustParsePrefix("192.168.4.0/24"), 1).String())
}

func TestEKS_AccessEntriesGrantPeopleTheirPolicy(t *testing.T) {
	cfg := config()
	cfg.AccessEntries = []model.EKSAccess{
		{PrincipalARN: "arn:aws:iam::123456789012:role/platform-admins", Policy: "AmazonEKSClusterAdminPolicy"},
		{PrincipalARN: "arn:aws:iam::123456789012:role/shop-developers", Policy: "AmazonEKSEditPolicy", Namespaces: []string{"shop"}},
	}
	mocks := create(t, cfg, false)

	entries := mocks.OfType("aws:eks/accessEntry:AccessEntry")
	associations := mocks.OfType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
	require.Len(t, entries, 2)
	require.Len(t, associations, 2)
	byName := map[string]mocktest.Resource{}
	for _, a := range associations {
		byName[a.Name] = a
	}
	admins := byName["cluster-access-0"]
	assert.Equal(t, "arn:aws:iam::123456789012:role/platform-admins", admins.Field("principalArn"))
	assert.Equal(t, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", admins.Field("policyArn"))
	assert.Equal(t, map[string]any{"type": "cluster"}, admins.Field("accessScope"))
	developers := byName["cluster-access-1"]
	assert.Equal(t, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", developers.Field("policyArn"))
	assert.Equal(t, map[string]any{"type": "namespace", "namespaces": []any{"shop"}}, developers.Field("accessScope"))
	for _, e := range entries {
		assert.Equal(t, "STANDARD", e.Field("type"))
	}

	// The Kubernetes provider is used only once every principal has its access.
	provider := mocks.Get(t, "pulumi:providers:kubernetes", "cluster")
	for _, a := range associations {
		assert.Contains(t, provider.DependsOn, urnPrefix+"aws:eks/accessPolicyAssociation:AccessPolicyAssociation::"+a.Name)
	}
}

func TestEKS_NoAccessEntriesByDefault(t *testing.T) {
	mocks := create(t, config(), false)
	assert.Empty(t, mocks.OfType("aws:eks/accessEntry:AccessEntry"))
}
