package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/cluster"
	"github.com/cloudnative-pac/platform/model"
)

// clusterName is the cluster component's name; every target uses it so that
// URNs below it do not depend on the target.
const clusterName = "cluster"

// cloudTarget creates a cloud cluster for the platform.
type cloudTarget func(ctx *pulumi.Context, platform *model.Platform) (cluster.Cluster, error)

// cloudTargets holds the cloud targets compiled into the program. Each cloud
// registers itself from its own file, which a build tag (nogke, noeks, noaks)
// leaves out: a cloud's SDK is the largest part of the binary and of every
// `pulumi up`'s link, and a team that never uses it need not pay for it.
var cloudTargets = map[model.ClusterKind]cloudTarget{}

// newCluster creates the cluster target the model selects.
func newCluster(ctx *pulumi.Context, platform *model.Platform, kubeconfigSecret pulumi.StringOutput) (cluster.Cluster, error) {
	cfg := platform.Cluster
	switch cfg.Kind {
	case model.ClusterExisting:
		return cluster.NewExisting(ctx, clusterName, &cluster.ExistingArgs{Config: *cfg.Existing, KubeconfigSecret: kubeconfigSecret})
	case model.ClusterMinikube:
		return cluster.NewMinikube(ctx, clusterName, &cluster.MinikubeArgs{Config: *cfg.Minikube})
	}
	target, err := lookupCloudTarget(cloudTargets, cfg.Kind)
	if err != nil {
		return nil, err
	}
	return target(ctx, platform)
}

func lookupCloudTarget(targets map[model.ClusterKind]cloudTarget, kind model.ClusterKind) (cloudTarget, error) {
	if target, ok := targets[kind]; ok {
		return target, nil
	}
	return nil, fmt.Errorf("cloudnative:cluster.kind: %q is not compiled into this program (it was built with -tags no%s); rebuild without that tag", kind, kind)
}
