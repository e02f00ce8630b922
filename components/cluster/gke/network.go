package gke

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// The subnetwork's secondary ranges the cluster allocates pod and Service IPs from.
const (
	podsRange     = "pods"
	servicesRange = "services"
)

// istioWebhookPort is where istiod serves its sidecar-injection and validation
// webhooks; a private cluster's control plane may reach nodes only on ports a
// firewall rule opens.
const istioWebhookPort = "15017"

type network struct {
	Network    *compute.Network
	Subnetwork *compute.Subnetwork
}

// newNetwork creates the cluster's own VPC: one subnetwork for nodes with
// secondary ranges for pods and Services (a VPC-native cluster) and, for
// private nodes, Cloud NAT and the firewall opening for Istio's webhooks.
func newNetwork(ctx *pulumi.Context, name string, cfg model.GKECluster, opts ...pulumi.ResourceOption) (*network, error) {
	vpc, err := compute.NewNetwork(ctx, name, &compute.NetworkArgs{
		Project:               pulumi.String(cfg.Project),
		AutoCreateSubnetworks: pulumi.Bool(false),
		RoutingMode:           pulumi.String("REGIONAL"),
		Description:           pulumi.String("Network of GKE cluster " + cfg.Name),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("gke %s: network: %w", name, err)
	}
	subnet, err := compute.NewSubnetwork(ctx, name, &compute.SubnetworkArgs{
		Project:     pulumi.String(cfg.Project),
		Network:     vpc.ID(),
		Region:      pulumi.String(cfg.Region),
		IpCidrRange: pulumi.String(cfg.NodeCIDR),
		SecondaryIpRanges: compute.SubnetworkSecondaryIpRangeArray{
			&compute.SubnetworkSecondaryIpRangeArgs{RangeName: pulumi.String(podsRange), IpCidrRange: pulumi.String(cfg.PodCIDR)},
			&compute.SubnetworkSecondaryIpRangeArgs{RangeName: pulumi.String(servicesRange), IpCidrRange: pulumi.String(cfg.ServiceCIDR)},
		},
		// Private nodes reach Google APIs (image pulls from Artifact Registry)
		// without a public address.
		PrivateIpGoogleAccess: pulumi.Bool(true),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("gke %s: subnetwork: %w", name, err)
	}
	if cfg.PrivateNodes {
		if err := newPrivateNodeAccess(ctx, name, cfg, vpc, opts...); err != nil {
			return nil, err
		}
	}
	return &network{Network: vpc, Subnetwork: subnet}, nil
}

func newPrivateNodeAccess(ctx *pulumi.Context, name string, cfg model.GKECluster, vpc *compute.Network, opts ...pulumi.ResourceOption) error {
	router, err := compute.NewRouter(ctx, name, &compute.RouterArgs{
		Project: pulumi.String(cfg.Project),
		Network: vpc.ID(),
		Region:  pulumi.String(cfg.Region),
	}, opts...)
	if err != nil {
		return fmt.Errorf("gke %s: router: %w", name, err)
	}
	// Nodes without public addresses pull images from other registries
	// (docker.io) through NAT.
	_, err = compute.NewRouterNat(ctx, name, &compute.RouterNatArgs{
		Project:                       pulumi.String(cfg.Project),
		Router:                        router.Name,
		Region:                        pulumi.String(cfg.Region),
		NatIpAllocateOption:           pulumi.String("AUTO_ONLY"),
		SourceSubnetworkIpRangesToNat: pulumi.String("ALL_SUBNETWORKS_ALL_IP_RANGES"),
		LogConfig: &compute.RouterNatLogConfigArgs{
			Enable: pulumi.Bool(true),
			Filter: pulumi.String("ERRORS_ONLY"),
		},
	}, opts...)
	if err != nil {
		return fmt.Errorf("gke %s: cloud nat: %w", name, err)
	}
	_, err = compute.NewFirewall(ctx, name+"-istio-webhooks", &compute.FirewallArgs{
		Project:      pulumi.String(cfg.Project),
		Network:      vpc.ID(),
		Description:  pulumi.String("Lets the GKE control plane call istiod's webhooks on the nodes"),
		Direction:    pulumi.String("INGRESS"),
		SourceRanges: pulumi.StringArray{pulumi.String(cfg.MasterCIDR)},
		Allows: compute.FirewallAllowArray{&compute.FirewallAllowArgs{
			Protocol: pulumi.String("tcp"),
			Ports:    pulumi.StringArray{pulumi.String(istioWebhookPort)},
		}},
	}, opts...)
	if err != nil {
		return fmt.Errorf("gke %s: istio webhook firewall: %w", name, err)
	}
	return nil
}
