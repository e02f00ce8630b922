// Package aks is the Azure Kubernetes Service cluster target: a resource group
// and a managed cluster with a system-assigned identity, an autoscaled system
// node pool, Azure CNI networking with a network policy, workload identity, and
// the kubeconfig of the cluster's user credentials.
package aks

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/model"
)

// SystemPoolName is the name of the cluster's system node pool.
const SystemPoolName = "system"

// Args configure an AKS cluster.
type Args struct {
	Config model.AKSCluster
	// Production protects the resource group and the cluster with its node pool.
	Production bool
}

// Cluster is an AKS cluster in its own resource group.
type Cluster struct {
	pulumi.ResourceState

	ResourceGroup *resources.ResourceGroup
	Cluster       *containerservice.ManagedCluster
	access        cluster.Access
}

// New creates the resource group, the managed cluster, and the Kubernetes
// provider that reaches it. Pass the azure-native provider in opts
// (pulumi.Provider), built from ProviderArgs.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("cloudnative:cluster:AKS", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config

	// Children use the azure-native provider the caller passed (see
	// ProviderArgs); each names its location itself.
	children := []pulumi.ResourceOption{pulumi.Parent(c)}

	var err error
	c.ResourceGroup, err = resources.NewResourceGroup(ctx, name, &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(cfg.ResourceGroup),
		Location:          pulumi.String(cfg.Location),
		Tags:              pulumi.ToStringMap(cfg.Tags),
	}, append(children, pulumi.Protect(args.Production))...)
	if err != nil {
		return nil, fmt.Errorf("aks %s: resource group: %w", name, err)
	}
	c.Cluster, err = containerservice.NewManagedCluster(ctx, name, clusterArgs(cfg, c.ResourceGroup),
		append(children,
			pulumi.Protect(args.Production),
			// The autoscaler owns the node count; writing it back on every update
			// would fight it.
			pulumi.IgnoreChanges([]string{"agentPoolProfiles[0].count"}),
		)...)
	if err != nil {
		return nil, fmt.Errorf("aks %s: managed cluster: %w", name, err)
	}

	// With Entra ID sign-in the kubeconfig must use kubelogin's exec plugin
	// rather than the deprecated in-tree azure auth provider.
	format := pulumi.StringPtrInput(nil)
	if cfg.AzureRBAC {
		format = pulumi.StringPtr("exec")
	}
	credentials := containerservice.ListManagedClusterUserCredentialsOutput(ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: c.ResourceGroup.Name,
		ResourceName:      c.Cluster.Name,
		Format:            format,
	}, pulumi.Parent(c))
	kubeconfig := pulumi.ToSecret(credentials.Kubeconfigs().ApplyT(firstKubeconfig)).(pulumi.StringOutput)

	identifier := fmt.Sprintf("aks/%s/%s/%s", cfg.SubscriptionID, cfg.ResourceGroup, cfg.Name)
	provider, err := cluster.NewProvider(ctx, name, kubeconfig, pulumi.String(identifier), "",
		pulumi.Parent(c), pulumi.DependsOn([]pulumi.Resource{c.Cluster}))
	if err != nil {
		return nil, err
	}
	c.access = cluster.Access{
		Credential: credential(cfg),
		Name:       c.Cluster.Name,
		Endpoint:   pulumi.Sprintf("https://%s:443", c.Cluster.Fqdn),
		Location:   c.Cluster.Location,
		Kubeconfig: kubeconfig,
		Provider:   provider,
		// Federated credentials of managed identities trust this issuer.
		WorkloadIdentity: pulumi.StringMap{"issuer": c.Cluster.OidcIssuerProfile.IssuerURL().Elem()}.ToStringMapOutput(),
	}
	return c, cluster.RegisterAccess(ctx, c, c.access)
}

// credential says what the kubeconfig AKS returns holds. Only Entra ID sign-in
// has an exec-plugin form; with local accounts AKS hands out the cluster user's
// static token.
func credential(cfg model.AKSCluster) string {
	if cfg.AzureRBAC {
		return "exec plugin kubelogin: a short-lived Entra ID token per use, no secret in the file"
	}
	return "static: the cluster's local user token, valid until the cluster's credentials are rotated; set azureRbac (and disableLocalAccounts) for short-lived Entra ID sign-in"
}

// ProviderArgs pin the azure-native provider to the cluster's subscription and
// location, whatever the Azure CLI is logged in to.
func ProviderArgs(cfg model.AKSCluster) *azurenative.ProviderArgs {
	return &azurenative.ProviderArgs{
		SubscriptionId: pulumi.StringPtr(cfg.SubscriptionID),
		Location:       pulumi.StringPtr(cfg.Location),
	}
}

// Access returns the cluster's kubeconfig and provider.
func (c *Cluster) Access() cluster.Access { return c.access }

// firstKubeconfig decodes the first kubeconfig AKS returns (base64).
func firstKubeconfig(kubeconfigs []containerservice.CredentialResultResponse) (string, error) {
	if len(kubeconfigs) == 0 {
		return "", fmt.Errorf("AKS returned no user credentials")
	}
	content, err := base64.StdEncoding.DecodeString(kubeconfigs[0].Value)
	if err != nil {
		return "", fmt.Errorf("decode the kubeconfig %s: %w", kubeconfigs[0].Name, err)
	}
	return string(content), nil
}

// dnsPrefix derives the API server's DNS prefix (letters, digits and '-', at
// most 54) from the cluster name, which may also hold '_'.
func dnsPrefix(name string) string {
	prefix := strings.ReplaceAll(name, "_", "-")
	if len(prefix) > 54 {
		prefix = prefix[:54]
	}
	return strings.Trim(prefix, "-")
}

func clusterArgs(cfg model.AKSCluster, group *resources.ResourceGroup) *containerservice.ManagedClusterArgs {
	pool := &containerservice.ManagedClusterAgentPoolProfileArgs{
		Name:              pulumi.String(SystemPoolName),
		Mode:              pulumi.String("System"),
		Type:              pulumi.String("VirtualMachineScaleSets"),
		OsType:            pulumi.String("Linux"),
		VmSize:            pulumi.String(cfg.NodePool.VMSize),
		OsDiskSizeGB:      pulumi.Int(cfg.NodePool.DiskSizeGB),
		EnableAutoScaling: pulumi.Bool(true),
		MinCount:          pulumi.Int(cfg.NodePool.Nodes.Min),
		MaxCount:          pulumi.Int(cfg.NodePool.Nodes.Max),
		Count:             pulumi.Int(cfg.NodePool.Nodes.Min),
	}
	if len(cfg.NodePool.Zones) > 0 {
		pool.AvailabilityZones = pulumi.ToStringArray(cfg.NodePool.Zones)
	}
	network := &containerservice.ContainerServiceNetworkProfileArgs{
		NetworkPlugin:   pulumi.String("azure"),
		NetworkPolicy:   pulumi.String(cfg.NetworkPolicy),
		ServiceCidr:     pulumi.String(cfg.ServiceCIDR),
		DnsServiceIP:    pulumi.String(cfg.DNSServiceIP),
		LoadBalancerSku: pulumi.String("standard"),
	}
	if cfg.Network == "overlay" {
		network.NetworkPluginMode = pulumi.String("overlay")
		network.PodCidr = pulumi.String(cfg.PodCIDR)
	}
	if cfg.NetworkPolicy == "cilium" {
		// Cilium policies need the Cilium dataplane.
		network.NetworkDataplane = pulumi.String("cilium")
	}
	args := &containerservice.ManagedClusterArgs{
		ResourceGroupName: group.Name,
		ResourceName:      pulumi.String(cfg.Name),
		Location:          pulumi.String(cfg.Location),
		DnsPrefix:         pulumi.String(dnsPrefix(cfg.Name)),
		Identity: &containerservice.ManagedClusterIdentityArgs{
			Type: containerservice.ResourceIdentityTypeSystemAssigned,
		},
		AgentPoolProfiles:  containerservice.ManagedClusterAgentPoolProfileArray{pool},
		AutoUpgradeProfile: &containerservice.ManagedClusterAutoUpgradeProfileArgs{UpgradeChannel: pulumi.String(cfg.UpgradeChannel)},
		NetworkProfile:     network,
		EnableRBAC:         pulumi.Bool(true),
		OidcIssuerProfile:  &containerservice.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &containerservice.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
		},
		DisableLocalAccounts: pulumi.Bool(cfg.DisableLocalAccounts),
		Tags:                 pulumi.ToStringMap(cfg.Tags),
	}
	if cfg.KubernetesVersion != "" {
		args.KubernetesVersion = pulumi.String(cfg.KubernetesVersion)
	}
	if cfg.AzureRBAC {
		args.AadProfile = &containerservice.ManagedClusterAADProfileArgs{
			Managed:             pulumi.Bool(true),
			EnableAzureRBAC:     pulumi.Bool(true),
			AdminGroupObjectIDs: pulumi.ToStringArray(cfg.AdminGroupObjectIDs),
		}
	}
	return args
}
