package gke

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// NodeRoles are what the nodes' own service account may do: write logs and
// metrics, and pull images. The Compute Engine default account would have
// Editor on the whole project.
var NodeRoles = []string{
	"roles/logging.logWriter",
	"roles/monitoring.metricWriter",
	"roles/monitoring.viewer",
	"roles/stackdriver.resourceMetadata.writer",
	"roles/artifactregistry.reader",
}

// newNodePool creates the nodes' service account, its roles, and the
// autoscaled, auto-repaired and auto-upgraded node pool.
func newNodePool(ctx *pulumi.Context, name string, cfg model.GKECluster, gke *container.Cluster, production bool, opts ...pulumi.ResourceOption) (*container.NodePool, error) {
	account, err := serviceaccount.NewAccount(ctx, name+"-nodes", &serviceaccount.AccountArgs{
		Project:     pulumi.String(cfg.Project),
		AccountId:   pulumi.String(nodeAccountID(cfg.Name)),
		DisplayName: pulumi.String("Nodes of GKE cluster " + cfg.Name),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("gke %s: node service account: %w", name, err)
	}
	grants := make([]pulumi.Resource, 0, len(NodeRoles))
	for _, role := range NodeRoles {
		grant, err := projects.NewIAMMember(ctx, name+"-nodes-"+strings.TrimPrefix(role, "roles/"), &projects.IAMMemberArgs{
			Project: pulumi.String(cfg.Project),
			Role:    pulumi.String(role),
			Member:  pulumi.Sprintf("serviceAccount:%s", account.Email),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("gke %s: grant %s: %w", name, role, err)
		}
		grants = append(grants, grant)
	}

	pool := cfg.NodePool
	nodePool, err := container.NewNodePool(ctx, name, &container.NodePoolArgs{
		Project:  pulumi.String(cfg.Project),
		Cluster:  gke.Name,
		Location: gke.Location,
		// Bounds across all the pool's zones, as the user thinks of them.
		Autoscaling: &container.NodePoolAutoscalingArgs{
			TotalMinNodeCount: pulumi.Int(pool.Nodes.Min),
			TotalMaxNodeCount: pulumi.Int(pool.Nodes.Max),
			LocationPolicy:    pulumi.String("BALANCED"),
		},
		InitialNodeCount: pulumi.Int(1),
		Management: &container.NodePoolManagementArgs{
			AutoRepair:  pulumi.Bool(true),
			AutoUpgrade: pulumi.Bool(true),
		},
		NodeConfig: &container.NodePoolNodeConfigArgs{
			MachineType:    pulumi.String(pool.MachineType),
			DiskSizeGb:     pulumi.Int(pool.DiskSizeGB),
			DiskType:       pulumi.String("pd-balanced"),
			Spot:           pulumi.Bool(pool.Spot),
			ServiceAccount: account.Email,
			OauthScopes:    pulumi.StringArray{pulumi.String("https://www.googleapis.com/auth/cloud-platform")},
			// Pods see the GKE metadata server, which hands out Workload
			// Identity tokens instead of the node's credentials.
			WorkloadMetadataConfig: &container.NodePoolNodeConfigWorkloadMetadataConfigArgs{Mode: pulumi.String("GKE_METADATA")},
			ShieldedInstanceConfig: &container.NodePoolNodeConfigShieldedInstanceConfigArgs{
				EnableSecureBoot:          pulumi.Bool(true),
				EnableIntegrityMonitoring: pulumi.Bool(true),
			},
			ResourceLabels: pulumi.ToStringMap(cfg.Labels),
		},
	}, append(opts,
		pulumi.DependsOn(grants),
		pulumi.Protect(production),
		// GKE rewrites the initial count when the pool is resized; replacing the
		// pool over it would drain every node.
		pulumi.IgnoreChanges([]string{"initialNodeCount"}),
	)...)
	if err != nil {
		return nil, fmt.Errorf("gke %s: node pool: %w", name, err)
	}
	return nodePool, nil
}

// nodeAccountID derives a service account ID (6-30 characters) from the
// cluster name.
func nodeAccountID(clusterName string) string {
	base := clusterName
	if len(base) > 24 {
		base = strings.TrimRight(base[:24], "-")
	}
	return base + "-nodes"
}
