//go:build !nogke

package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/cluster/gke"
	"github.com/cloudnative-pac/platform/model"
)

// The GKE target; build with -tags nogke to leave its SDK out.
func init() {
	cloudTargets[model.ClusterGKE] = func(ctx *pulumi.Context, platform *model.Platform) (cluster.Cluster, error) {
		return gke.New(ctx, clusterName, &gke.Args{Config: *platform.Cluster.GKE, Production: platform.Production})
	}
}
