//go:build !noaks

package stacks

import (
	"fmt"

	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/cluster/aks"
	"github.com/cloudnative-pac/platform/model"
)

// The AKS target; build with -tags noaks to leave its SDK out. Its provider is
// pinned to the stack's cloud settings and passed to the component explicitly.
func init() {
	cloudTargets[model.ClusterAKS] = func(ctx *pulumi.Context, platform *model.Platform) (cluster.Cluster, error) {
		cfg := *platform.Cluster.AKS
		provider, err := azurenative.NewProvider(ctx, "azure", aks.ProviderArgs(cfg))
		if err != nil {
			return nil, fmt.Errorf("azure-native provider: %w", err)
		}
		return aks.New(ctx, clusterName, &aks.Args{Config: cfg, Production: platform.Production}, pulumi.Provider(provider))
	}
}
