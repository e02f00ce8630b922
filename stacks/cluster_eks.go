//go:build !noeks

package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/cluster/eks"
	"github.com/cloudnative-pac/platform/model"
)

// The EKS target; build with -tags noeks to leave its SDK out. Its provider is
// pinned to the stack's cloud settings and passed to the component explicitly.
func init() {
	cloudTargets[model.ClusterEKS] = func(ctx *pulumi.Context, platform *model.Platform) (cluster.Cluster, error) {
		cfg := *platform.Cluster.EKS
		provider, err := aws.NewProvider(ctx, "aws", eks.ProviderArgs(cfg))
		if err != nil {
			return nil, fmt.Errorf("aws provider: %w", err)
		}
		return eks.New(ctx, clusterName, &eks.Args{Config: cfg, Production: platform.Production}, pulumi.Provider(provider))
	}
}
