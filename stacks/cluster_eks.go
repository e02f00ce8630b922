//go:build !noeks

package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/cluster/eks"
	"github.com/cloudnative-pac/platform/model"
)

// The EKS target; build with -tags noeks to leave its SDK out.
func init() {
	cloudTargets[model.ClusterEKS] = func(ctx *pulumi.Context, platform *model.Platform) (cluster.Cluster, error) {
		return eks.New(ctx, clusterName, &eks.Args{Config: *platform.Cluster.EKS, Production: platform.Production})
	}
}
