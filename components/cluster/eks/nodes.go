package eks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// newNodeGroup creates the managed node group in the private subnets.
func newNodeGroup(ctx *pulumi.Context, name string, cfg model.EKSCluster, cluster *eks.Cluster, network *network, roles *roles, production bool, opts ...pulumi.ResourceOption) (*eks.NodeGroup, error) {
	group := cfg.NodeGroup
	nodes, err := eks.NewNodeGroup(ctx, name, &eks.NodeGroupArgs{
		ClusterName:   cluster.Name,
		NodeRoleArn:   roles.Node.Arn,
		SubnetIds:     network.PrivateSubnetIDs(),
		InstanceTypes: pulumi.ToStringArray(group.InstanceTypes),
		CapacityType:  pulumi.String(group.CapacityType),
		DiskSize:      pulumi.Int(group.DiskSizeGB),
		ScalingConfig: &eks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(group.Nodes.Min),
			DesiredSize: pulumi.Int(group.Desired),
			MaxSize:     pulumi.Int(group.Nodes.Max),
		},
		UpdateConfig: &eks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
	}, append(opts,
		pulumi.Protect(production),
		pulumi.DependsOn(roles.NodePolicies),
		// The cluster autoscaler owns the desired size once nodes run; setting
		// it back on every update would undo its work.
		pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}),
	)...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: node group: %w", name, err)
	}
	return nodes, nil
}
