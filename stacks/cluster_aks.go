//go:build !noaks

package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/cluster/aks"
	"github.com/cloudnative-pac/platform/model"
)

// The AKS target; build with -tags noaks to leave its SDK out.
func init() {
	cloudTargets[model.ClusterAKS] = func(ctx *pulumi.Context, platform *model.Platform) (cluster.Cluster, error) {
		return aks.New(ctx, clusterName, &aks.Args{Config: *platform.Cluster.AKS, Production: platform.Production})
	}
}
