package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/components/cluster/aks"
	"github.com/cloudnative-pac/platform/components/cluster/eks"
	"github.com/cloudnative-pac/platform/components/cluster/gke"
	"github.com/cloudnative-pac/platform/model"
)

// clusterName is the cluster component's name; every target uses it so that
// URNs below it do not depend on the target.
const clusterName = "cluster"

// newCluster creates the cluster target the model selects.
func newCluster(ctx *pulumi.Context, platform *model.Platform, kubeconfigSecret pulumi.StringOutput) (cluster.Cluster, error) {
	cfg := platform.Cluster
	switch cfg.Kind {
	case model.ClusterExisting:
		return cluster.NewExisting(ctx, clusterName, &cluster.ExistingArgs{Config: *cfg.Existing, KubeconfigSecret: kubeconfigSecret})
	case model.ClusterMinikube:
		return cluster.NewMinikube(ctx, clusterName, &cluster.MinikubeArgs{Config: *cfg.Minikube})
	case model.ClusterGKE:
		return gke.New(ctx, clusterName, &gke.Args{Config: *cfg.GKE, Production: platform.Production})
	case model.ClusterEKS:
		return eks.New(ctx, clusterName, &eks.Args{Config: *cfg.EKS, Production: platform.Production})
	case model.ClusterAKS:
		return aks.New(ctx, clusterName, &aks.Args{Config: *cfg.AKS, Production: platform.Production})
	default:
		return nil, fmt.Errorf("cluster: unknown cluster kind %q", cfg.Kind)
	}
}
