package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cloudFixture(kind string, block map[string]any) fixture {
	f := validFixture()
	f.cluster = map[string]any{"kind": kind, kind: block}
	return f
}

func decodeCloud(t *testing.T, f fixture, stack string) (*Platform, error) {
	t.Helper()
	raw := f.raw(t)
	raw.Stack = stack
	return Decode(raw, projectDir(t))
}

func TestDecode_GKEDefaults(t *testing.T) {
	p, err := decodeCloud(t, cloudFixture("gke", map[string]any{"project": "shop-project", "location": "europe-west1-b"}), "dev")
	require.NoError(t, err)
	g := p.Cluster.GKE
	require.NotNil(t, g)
	assert.Equal(t, "cloudnative-dev", g.Name, "named after the stack")
	assert.Equal(t, "europe-west1", g.Region, "a zone's region")
	assert.Equal(t, "REGULAR", g.ReleaseChannel)
	assert.Equal(t, "dataplaneV2", g.NetworkPolicy)
	assert.True(t, g.PrivateNodes)
	assert.Equal(t, NodeScaling{Min: 1, Max: 3}, g.NodePool.Nodes)
	assert.Equal(t, "e2-standard-4", g.NodePool.MachineType)
}

func TestDecode_EKSDefaults(t *testing.T) {
	p, err := decodeCloud(t, cloudFixture("eks", map[string]any{"region": "us-east-1", "nodeGroup": map[string]any{"minNodes": 3, "maxNodes": 6}}), "staging")
	require.NoError(t, err)
	e := p.Cluster.EKS
	require.NotNil(t, e)
	assert.Equal(t, "cloudnative-staging", e.Name)
	assert.Equal(t, 2, e.ZoneCount)
	assert.Equal(t, "1.33", e.KubernetesVersion)
	assert.Equal(t, 3, e.NodeGroup.Desired, "starts at the minimum")
	assert.Equal(t, []string{"m6i.large"}, e.NodeGroup.InstanceTypes)
	assert.Equal(t, []string{"api", "audit", "authenticator"}, e.LogTypes)
	assert.Equal(t, "STANDARD", e.SupportType, "no extended-support bill unless chosen")
	assert.True(t, e.EndpointPublicAccess)
	assert.True(t, e.EndpointPrivateAccess)
}

func TestDecode_AKSDefaults(t *testing.T) {
	p, err := decodeCloud(t, cloudFixture("aks", map[string]any{
		"subscriptionId": "00000000-0000-0000-0000-000000000001", "location": "westeurope", "serviceCidr": "10.50.0.0/16"}), "prod")
	require.NoError(t, err)
	a := p.Cluster.AKS
	require.NotNil(t, a)
	assert.Equal(t, "cloudnative-prod", a.Name)
	assert.Equal(t, "cloudnative-prod-rg", a.ResourceGroup)
	assert.Equal(t, "overlay", a.Network)
	assert.Equal(t, "cilium", a.NetworkPolicy)
	assert.Equal(t, "stable", a.UpgradeChannel)
	assert.Equal(t, "10.50.0.10", a.DNSServiceIP, "CoreDNS's address inside the service range")
}

func TestDecode_RejectsBadCloudConfig(t *testing.T) {
	const sub = "00000000-0000-0000-0000-000000000001"
	cases := []struct {
		name  string
		kind  string
		block map[string]any
		want  string
	}{
		{"gke without project", "gke", map[string]any{"location": "europe-west1"},
			"cloudnative:cluster.gke.project: is required"},
		{"gke bad region", "gke", map[string]any{"project": "shop-project", "location": "Europe West"},
			`cloudnative:cluster.gke.location: "Europe West" is neither a region like europe-west1 nor a zone`},
		{"gke min above max", "gke", map[string]any{"project": "shop-project", "location": "europe-west1", "nodePool": map[string]any{"minNodes": 5, "maxNodes": 2}},
			"cloudnative:cluster.gke.nodePool.maxNodes: must be at least minNodes (5), got 2"},
		{"gke bad version", "gke", map[string]any{"project": "shop-project", "location": "europe-west1", "kubernetesVersion": "v1.33"},
			`cloudnative:cluster.gke.kubernetesVersion: must look like 1.33 or 1.33.5-gke.1080000, got "v1.33"`},
		{"gke overlapping ranges", "gke", map[string]any{"project": "shop-project", "location": "europe-west1", "serviceCidr": "10.10.8.0/22"},
			"cloudnative:cluster.gke.serviceCidr: 10.10.8.0/22 overlaps cloudnative:cluster.gke.nodeCidr"},
		{"gke master range size", "gke", map[string]any{"project": "shop-project", "location": "europe-west1", "masterCidr": "172.16.0.0/24"},
			"cloudnative:cluster.gke.masterCidr: GKE needs a /28"},
		{"gke unknown key", "gke", map[string]any{"project": "shop-project", "location": "europe-west1", "zone": "b"},
			`cloudnative:cluster.gke.zone: is not a known key (known: kubernetesVersion, labels, location,`},
		{"gke bad label", "gke", map[string]any{"project": "shop-project", "location": "europe-west1", "labels": map[string]any{"Team": "Shop"}},
			"cloudnative:cluster.gke.labels.Team:"},
		{"eks without region", "eks", map[string]any{},
			"cloudnative:cluster.eks.region: is required"},
		{"eks bad region", "eks", map[string]any{"region": "europe-west1"},
			`cloudnative:cluster.eks.region: "europe-west1" is not an AWS region`},
		{"eks patch version", "eks", map[string]any{"region": "eu-west-1", "kubernetesVersion": "1.33.2"},
			`cloudnative:cluster.eks.kubernetesVersion: EKS takes a minor version like 1.33, got "1.33.2"`},
		{"eks min above max", "eks", map[string]any{"region": "eu-west-1", "nodeGroup": map[string]any{"minNodes": 4, "maxNodes": 3}},
			"cloudnative:cluster.eks.nodeGroup.maxNodes: must be at least minNodes (4), got 3"},
		{"eks desired outside bounds", "eks", map[string]any{"region": "eu-west-1", "nodeGroup": map[string]any{"desiredNodes": 9}},
			"cloudnative:cluster.eks.nodeGroup.desiredNodes: must be between minNodes 2 and maxNodes 4, got 9"},
		{"eks one zone", "eks", map[string]any{"region": "eu-west-1", "availabilityZones": []string{"eu-west-1a"}},
			"cloudnative:cluster.eks.availabilityZones: EKS needs subnets in 2 to 6 availability zones, got 1"},
		{"eks zone of another region", "eks", map[string]any{"region": "eu-west-1", "availabilityZones": []string{"eu-west-1a", "us-east-1b"}},
			`cloudnative:cluster.eks.availabilityZones[1]: "us-east-1b" is not a zone of region eu-west-1`},
		{"eks no endpoint", "eks", map[string]any{"region": "eu-west-1", "endpointPublicAccess": false, "endpointPrivateAccess": false},
			"the API server needs a public or a private endpoint"},
		{"eks vpc too small", "eks", map[string]any{"region": "eu-west-1", "vpcCidr": "10.0.0.0/26"},
			"cloudnative:cluster.eks.vpcCidr: must be an IPv4 range from /16 to /24"},
		{"eks bad log type", "eks", map[string]any{"region": "eu-west-1", "logTypes": []string{"kubelet"}},
			`cloudnative:cluster.eks.logTypes[0]: must be one of api, audit, authenticator, controllerManager, scheduler, got "kubelet"`},
		{"eks zones and a different count", "eks", map[string]any{"region": "eu-west-1", "zoneCount": 3, "availabilityZones": []string{"eu-west-1a", "eu-west-1b"}},
			"cloudnative:cluster.eks.zoneCount: is 3 but 2 availabilityZones are listed"},
		{"eks access entry without an ARN", "eks", map[string]any{"region": "eu-west-1", "accessEntries": []any{
			map[string]any{"principalArn": "platform-admins", "policy": "AmazonEKSClusterAdminPolicy"}}},
			`cloudnative:cluster.eks.accessEntries[0].principalArn: "platform-admins" is not an IAM role or user ARN`},
		{"eks access entry unknown policy", "eks", map[string]any{"region": "eu-west-1", "accessEntries": []any{
			map[string]any{"principalArn": "arn:aws:iam::123456789012:role/dev", "policy": "Admin"}}},
			`cloudnative:cluster.eks.accessEntries[0].policy: must be one of AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy, AmazonEKSViewPolicy, got "Admin"`},
		{"eks namespaced cluster admin", "eks", map[string]any{"region": "eu-west-1", "accessEntries": []any{
			map[string]any{"principalArn": "arn:aws:iam::123456789012:role/dev", "policy": "AmazonEKSClusterAdminPolicy", "namespaces": []string{"shop"}}}},
			"cloudnative:cluster.eks.accessEntries[0].namespaces: AmazonEKSClusterAdminPolicy applies to the whole cluster"},
		{"eks principal twice", "eks", map[string]any{"region": "eu-west-1", "accessEntries": []any{
			map[string]any{"principalArn": "arn:aws:iam::123456789012:role/dev", "policy": "AmazonEKSViewPolicy"},
			map[string]any{"principalArn": "arn:aws:iam::123456789012:role/dev", "policy": "AmazonEKSEditPolicy"}}},
			"cloudnative:cluster.eks.accessEntries[1].principalArn: arn:aws:iam::123456789012:role/dev already has an entry (cloudnative:cluster.eks.accessEntries[0])"},
		{"eks unknown support type", "eks", map[string]any{"region": "eu-west-1", "supportType": "LONG"},
			`cloudnative:cluster.eks.supportType: must be one of STANDARD, EXTENDED, got "LONG"`},
		{"eks bad account", "eks", map[string]any{"region": "eu-west-1", "accountId": "12345"},
			"cloudnative:cluster.eks.accountId: must be a 12-digit AWS account ID"},
		{"aks without subscription", "aks", map[string]any{"location": "westeurope"},
			"cloudnative:cluster.aks.subscriptionId: is required"},
		{"aks bad subscription", "aks", map[string]any{"location": "westeurope", "subscriptionId": "my-sub"},
			`cloudnative:cluster.aks.subscriptionId: "my-sub" is not a subscription ID`},
		{"aks display-name location", "aks", map[string]any{"location": "West Europe", "subscriptionId": sub},
			`cloudnative:cluster.aks.location: "West Europe" is not an Azure region name`},
		{"aks min above max", "aks", map[string]any{"location": "westeurope", "subscriptionId": sub, "nodePool": map[string]any{"minNodes": 3, "maxNodes": 1}},
			"cloudnative:cluster.aks.nodePool.maxNodes: must be at least minNodes (3), got 1"},
		{"aks bad version", "aks", map[string]any{"location": "westeurope", "subscriptionId": sub, "kubernetesVersion": "latest"},
			`cloudnative:cluster.aks.kubernetesVersion: must look like 1.33 or 1.33.2, got "latest"`},
		{"aks local accounts off without entra", "aks", map[string]any{"location": "westeurope", "subscriptionId": sub, "disableLocalAccounts": true},
			"cloudnative:cluster.aks.disableLocalAccounts: needs azureRbac: true"},
		{"aks bad zone", "aks", map[string]any{"location": "westeurope", "subscriptionId": sub, "nodePool": map[string]any{"zones": []string{"4"}}},
			`cloudnative:cluster.aks.nodePool.zones[0]: must be one of 1, 2, 3, got "4"`},
		{"aks overlapping ranges", "aks", map[string]any{"location": "westeurope", "subscriptionId": sub, "podCidr": "10.0.0.0/8"},
			"overlaps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := cloudFixture(tc.kind, tc.block).raw(t)
			raw.Stack = "dev"
			err := decodeRefused(t, raw, projectDir(t))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestDecode_RefusesABlockForAnotherTarget(t *testing.T) {
	f := cloudFixture("gke", map[string]any{"project": "shop-project", "location": "europe-west1"})
	f.cluster["eks"] = map[string]any{"region": "eu-west-1"}
	_, err := decodeCloud(t, f, "dev")
	assert.ErrorContains(t, err, `cloudnative:cluster.eks: is set but cluster.kind is "gke"`)
}

func TestDecode_KubeconfigSecretOnlyForExisting(t *testing.T) {
	raw := cloudFixture("gke", map[string]any{"project": "shop-project", "location": "europe-west1"}).raw(t)
	raw.HasKubeconfigSecret = true
	_, err := Decode(raw, projectDir(t))
	assert.ErrorContains(t, err, "cloudnative:kubeconfig: is set, but only cluster.kind existing reads it")
}
