// Package gke is the Google Kubernetes Engine cluster target: its own VPC, a
// cluster whose default node pool is replaced by a managed one, and a kubeconfig
// that authenticates with gke-gcloud-auth-plugin.
package gke

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/model"
)

// Args configure a GKE cluster.
type Args struct {
	Config model.GKECluster
	// Production protects the cluster and its node pool from deletion, in GKE
	// and in Pulumi.
	Production bool
}

// Cluster is a GKE cluster with its network and node pool.
type Cluster struct {
	pulumi.ResourceState

	Cluster  *container.Cluster
	NodePool *container.NodePool
	access   cluster.Access
}

// New creates the network, the cluster and its node pool, and the Kubernetes
// provider that reaches the cluster. Pass the google provider in opts
// (pulumi.Provider), built from ProviderArgs.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("cloudnative:cluster:GKE", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config

	// Children use the google provider the caller passed (see ProviderArgs), and
	// name the project themselves: gcloud's default project is never used.
	children := []pulumi.ResourceOption{pulumi.Parent(c)}

	network, err := newNetwork(ctx, name, cfg, children...)
	if err != nil {
		return nil, err
	}
	c.Cluster, err = container.NewCluster(ctx, name, clusterArgs(cfg, network, args.Production),
		append(children, pulumi.Protect(args.Production))...)
	if err != nil {
		return nil, fmt.Errorf("gke %s: cluster: %w", name, err)
	}
	c.NodePool, err = newNodePool(ctx, name, cfg, c.Cluster, args.Production, children...)
	if err != nil {
		return nil, err
	}

	endpoint := pulumi.Sprintf("https://%s", c.Cluster.Endpoint)
	contextName := fmt.Sprintf("gke_%s_%s_%s", cfg.Project, cfg.Location, cfg.Name)
	kubeconfig := cluster.SecretKubeconfig(pulumi.String(contextName), endpoint, c.Cluster.MasterAuth.ClusterCaCertificate(), authPlugin)

	// Workloads need nodes: the provider, and everything created through it,
	// waits for the node pool.
	identifier := fmt.Sprintf("gke/%s/%s/%s", cfg.Project, cfg.Location, cfg.Name)
	provider, err := cluster.NewProvider(ctx, name, kubeconfig, pulumi.String(identifier), "",
		pulumi.Parent(c), pulumi.DependsOn([]pulumi.Resource{c.NodePool}))
	if err != nil {
		return nil, err
	}
	c.access = cluster.Access{
		Credential: "exec plugin gke-gcloud-auth-plugin: a short-lived Google token per use, no secret in the file",
		Name:       c.Cluster.Name,
		Endpoint:   endpoint,
		Location:   c.Cluster.Location,
		Kubeconfig: kubeconfig,
		Provider:   provider,
		WorkloadIdentity: pulumi.StringMap{
			"workloadPool": pulumi.String(workloadPool(cfg)),
			"issuer": pulumi.String(fmt.Sprintf("https://container.googleapis.com/v1/projects/%s/locations/%s/clusters/%s",
				cfg.Project, cfg.Location, cfg.Name)),
		}.ToStringMapOutput(),
	}
	return c, cluster.RegisterAccess(ctx, c, c.access)
}

// ProviderArgs pin the google provider to the cluster's project and region and
// put its labels on every resource that takes labels.
func ProviderArgs(cfg model.GKECluster) *gcp.ProviderArgs {
	return &gcp.ProviderArgs{
		Project:       pulumi.StringPtr(cfg.Project),
		Region:        pulumi.StringPtr(cfg.Region),
		DefaultLabels: pulumi.ToStringMap(cfg.Labels),
	}
}

// Access returns the cluster's kubeconfig and provider.
func (c *Cluster) Access() cluster.Access { return c.access }

// authPlugin gets the kubeconfig's tokens from gke-gcloud-auth-plugin.
var authPlugin = cluster.ExecCredential{
	Command:            "gke-gcloud-auth-plugin",
	InstallHint:        "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
	ProvideClusterInfo: true,
}

// workloadPool is the Workload Identity pool of the cluster's project.
func workloadPool(cfg model.GKECluster) string { return cfg.Project + ".svc.id.goog" }

func clusterArgs(cfg model.GKECluster, network *network, production bool) *container.ClusterArgs {
	args := &container.ClusterArgs{
		Name:       pulumi.String(cfg.Name),
		Project:    pulumi.String(cfg.Project),
		Location:   pulumi.String(cfg.Location),
		Network:    network.Network.ID(),
		Subnetwork: network.Subnetwork.ID(),
		// The default pool cannot be changed without replacing the cluster; a
		// separately managed pool can.
		RemoveDefaultNodePool: pulumi.Bool(true),
		InitialNodeCount:      pulumi.Int(1),
		DeletionProtection:    pulumi.Bool(production),
		ReleaseChannel:        &container.ClusterReleaseChannelArgs{Channel: pulumi.String(cfg.ReleaseChannel)},
		WorkloadIdentityConfig: &container.ClusterWorkloadIdentityConfigArgs{
			WorkloadPool: pulumi.String(workloadPool(cfg)),
		},
		IpAllocationPolicy: &container.ClusterIpAllocationPolicyArgs{
			ClusterSecondaryRangeName:  pulumi.String(podsRange),
			ServicesSecondaryRangeName: pulumi.String(servicesRange),
		},
		EnableShieldedNodes: pulumi.Bool(true),
		ResourceLabels:      pulumi.ToStringMap(cfg.Labels),
	}
	if cfg.KubernetesVersion != "" {
		args.MinMasterVersion = pulumi.String(cfg.KubernetesVersion)
	}
	switch cfg.NetworkPolicy {
	case "calico":
		args.NetworkPolicy = &container.ClusterNetworkPolicyArgs{Enabled: pulumi.Bool(true), Provider: pulumi.String("CALICO")}
		args.AddonsConfig = &container.ClusterAddonsConfigArgs{
			NetworkPolicyConfig: &container.ClusterAddonsConfigNetworkPolicyConfigArgs{Disabled: pulumi.Bool(false)},
		}
	default:
		// Dataplane V2 enforces NetworkPolicy itself; the Calico add-on must stay off.
		args.DatapathProvider = pulumi.String("ADVANCED_DATAPATH")
	}
	if cfg.PrivateNodes {
		args.PrivateClusterConfig = &container.ClusterPrivateClusterConfigArgs{
			EnablePrivateNodes:    pulumi.Bool(true),
			EnablePrivateEndpoint: pulumi.Bool(false),
			MasterIpv4CidrBlock:   pulumi.String(cfg.MasterCIDR),
		}
	}
	if len(cfg.MasterAuthorizedNetworks) > 0 {
		blocks := container.ClusterMasterAuthorizedNetworksConfigCidrBlockArray{}
		for i, cidr := range cfg.MasterAuthorizedNetworks {
			blocks = append(blocks, &container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs{
				CidrBlock:   pulumi.String(cidr),
				DisplayName: pulumi.String(fmt.Sprintf("authorized-%d", i)),
			})
		}
		args.MasterAuthorizedNetworksConfig = &container.ClusterMasterAuthorizedNetworksConfigArgs{CidrBlocks: blocks}
	}
	return args
}
