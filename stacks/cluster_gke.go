//go:build !nogke

package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/cluster/gke"
	"github.com/cloudnative-pac/platform/model"
)

// The GKE target; build with -tags nogke to leave its SDK out. Its provider is
// pinned to the stack's cloud settings and passed to the component explicitly.
func init() {
	cloudTargets[model.ClusterGKE] = func(ctx *pulumi.Context, platform *model.Platform) (cluster.Cluster, error) {
		cfg := *platform.Cluster.GKE
		provider, err := gcp.NewProvider(ctx, "gcp", gke.ProviderArgs(cfg))
		if err != nil {
			return nil, fmt.Errorf("gcp provider: %w", err)
		}
		return gke.New(ctx, clusterName, &gke.Args{Config: cfg, Production: platform.Production}, pulumi.Provider(provider))
	}
}
