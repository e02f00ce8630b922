// Package eks is the Amazon EKS cluster target: its own VPC across availability
// zones, IAM roles, a KMS-encrypted cluster with control-plane logs, a managed
// node group in the private subnets, IRSA, and a kubeconfig that authenticates
// with `aws eks get-token`.
package eks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/model"
)

// Args configure an EKS cluster.
type Args struct {
	Config model.EKSCluster
	// Production protects the cluster and its node group, and keeps the secrets
	// key for the longest deletion window.
	Production bool
}

// Cluster is an EKS cluster with its network, roles and node group.
type Cluster struct {
	pulumi.ResourceState

	Cluster   *eks.Cluster
	NodeGroup *eks.NodeGroup
	access    cluster.Access
}

// New creates the cluster and the Kubernetes provider that reaches it. Pass the
// aws provider in opts (pulumi.Provider), built from ProviderArgs.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("cloudnative:cluster:EKS", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config

	// Children and lookups use the aws provider the caller passed (see
	// ProviderArgs). AWS resources carry no region of their own, so check that
	// provider's region: a wrong default must not build the cluster elsewhere.
	children := []pulumi.ResourceOption{pulumi.Parent(c)}
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("eks %s: look up the provider's region: %w", name, err)
	}
	if region.Name != cfg.Region {
		return nil, fmt.Errorf("eks %s: the aws provider works in %s but the cluster is configured for %s; pass a provider built from eks.ProviderArgs", name, region.Name, cfg.Region)
	}
	partition, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("eks %s: look up the AWS partition: %w", name, err)
	}
	zones, err := availabilityZones(ctx, cfg, c)
	if err != nil {
		return nil, fmt.Errorf("eks %s: %w", name, err)
	}

	network, err := newNetwork(ctx, name, cfg, zones, children...)
	if err != nil {
		return nil, err
	}
	roles, err := newRoles(ctx, name, partition.Partition, children...)
	if err != nil {
		return nil, err
	}
	c.Cluster, err = newCluster(ctx, name, cfg, args.Production, network, roles, children...)
	if err != nil {
		return nil, err
	}
	oidc, err := newOIDCProvider(ctx, name, c.Cluster, children...)
	if err != nil {
		return nil, err
	}
	c.NodeGroup, err = newNodeGroup(ctx, name, cfg, c.Cluster, network, roles, args.Production, children...)
	if err != nil {
		return nil, err
	}
	access, err := newAccessEntries(ctx, name, partition.Partition, cfg, c.Cluster, children...)
	if err != nil {
		return nil, err
	}

	kubeconfig := cluster.SecretKubeconfig(c.Cluster.Arn, c.Cluster.Endpoint, c.Cluster.CertificateAuthority.Data(), getToken(cfg))

	identifier := fmt.Sprintf("eks/%s/%s", cfg.Region, cfg.Name)
	provider, err := cluster.NewProvider(ctx, name, kubeconfig, pulumi.String(identifier), "",
		pulumi.Parent(c), pulumi.DependsOn(append([]pulumi.Resource{c.NodeGroup}, access...)))
	if err != nil {
		return nil, err
	}
	c.access = cluster.Access{
		Credential: "exec plugin `aws eks get-token`: a short-lived IAM token per use, no secret in the file",
		Name:       c.Cluster.Name,
		Endpoint:   c.Cluster.Endpoint,
		Location:   pulumi.String(cfg.Region).ToStringOutput(),
		Kubeconfig: kubeconfig,
		Provider:   provider,
		// IRSA roles trust the OIDC provider for the cluster's issuer.
		WorkloadIdentity: pulumi.StringMap{"issuer": oidc.Url, "oidcProviderArn": oidc.Arn}.ToStringMapOutput(),
	}
	return c, cluster.RegisterAccess(ctx, c, c.access)
}

// ProviderArgs pin the aws provider to the cluster's region and, when given, its
// account, and tag every resource.
func ProviderArgs(cfg model.EKSCluster) *aws.ProviderArgs {
	args := &aws.ProviderArgs{
		Region:      pulumi.StringPtr(cfg.Region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(cfg.Tags)},
	}
	if cfg.AccountID != "" {
		args.AllowedAccountIds = pulumi.StringArray{pulumi.String(cfg.AccountID)}
	}
	return args
}

// Access returns the cluster's kubeconfig and provider.
func (c *Cluster) Access() cluster.Access { return c.access }

// getToken gets the kubeconfig's tokens from `aws eks get-token`.
func getToken(cfg model.EKSCluster) cluster.ExecCredential {
	return cluster.ExecCredential{
		Command:     "aws",
		Args:        []string{"eks", "get-token", "--cluster-name", cfg.Name, "--region", cfg.Region, "--output", "json"},
		InstallHint: "Install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html",
	}
}

// availabilityZones are the configured zones, or the first ZoneCount zones the
// region reports as available without opting in.
func availabilityZones(ctx *pulumi.Context, cfg model.EKSCluster, parent pulumi.Resource) ([]string, error) {
	if len(cfg.AvailabilityZones) > 0 {
		return cfg.AvailabilityZones, nil
	}
	available, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{
			{Name: "opt-in-status", Values: []string{"opt-in-not-required"}},
		},
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("look up availability zones: %w", err)
	}
	if len(available.Names) < cfg.ZoneCount {
		return nil, fmt.Errorf("region %s has %d available zones, the cluster needs %d", cfg.Region, len(available.Names), cfg.ZoneCount)
	}
	return available.Names[:cfg.ZoneCount], nil
}

func newCluster(ctx *pulumi.Context, name string, cfg model.EKSCluster, production bool, network *network, roles *roles, opts ...pulumi.ResourceOption) (*eks.Cluster, error) {
	deletionWindow := 7
	if production {
		deletionWindow = 30
	}
	key, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
		Description:          pulumi.String("Envelope encryption of Kubernetes secrets in EKS cluster " + cfg.Name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(deletionWindow),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: secrets key: %w", name, err)
	}
	// EKS writes control-plane logs to this group; created here, it has a
	// retention and goes away with the stack instead of outliving it.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/eks/" + cfg.Name + "/cluster"),
		RetentionInDays: pulumi.Int(cfg.LogRetentionDays),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: control-plane log group: %w", name, err)
	}

	vpcConfig := &eks.ClusterVpcConfigArgs{
		// Both tiers: load balancers for the ingress gateway go in the public
		// subnets, nodes in the private ones.
		SubnetIds:             append(network.PrivateSubnetIDs(), network.PublicSubnetIDs()...),
		EndpointPublicAccess:  pulumi.Bool(cfg.EndpointPublicAccess),
		EndpointPrivateAccess: pulumi.Bool(cfg.EndpointPrivateAccess),
	}
	if len(cfg.PublicAccessCIDRs) > 0 {
		vpcConfig.PublicAccessCidrs = pulumi.ToStringArray(cfg.PublicAccessCIDRs)
	}
	created, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:      pulumi.String(cfg.Name),
		Version:   pulumi.String(cfg.KubernetesVersion),
		RoleArn:   roles.Cluster.Arn,
		VpcConfig: vpcConfig,
		EncryptionConfig: &eks.ClusterEncryptionConfigArgs{
			Provider:  &eks.ClusterEncryptionConfigProviderArgs{KeyArn: key.Arn},
			Resources: pulumi.StringArray{pulumi.String("secrets")},
		},
		EnabledClusterLogTypes: pulumi.ToStringArray(cfg.LogTypes),
		// Chosen, not defaulted by AWS: extended support is billed at a
		// higher rate for as long as the cluster stays on an old version.
		UpgradePolicy: &eks.ClusterUpgradePolicyArgs{SupportType: pulumi.String(cfg.SupportType)},
		AccessConfig: &eks.ClusterAccessConfigArgs{
			AuthenticationMode:                      pulumi.String("API_AND_CONFIG_MAP"),
			BootstrapClusterCreatorAdminPermissions: pulumi.Bool(true),
		},
	}, append(opts,
		pulumi.Protect(production),
		// The role must keep its policies until the cluster is gone, or EKS
		// cannot clean up the network interfaces it made.
		pulumi.DependsOn(append([]pulumi.Resource{logs}, roles.ClusterPolicies...)),
	)...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: cluster: %w", name, err)
	}
	return created, nil
}
