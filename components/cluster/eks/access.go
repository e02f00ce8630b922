package eks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// newAccessEntries grants each configured IAM principal its access policy, so
// that the people holding the exported kubeconfig are not refused: without
// entries only the identity that created the cluster (often a CI role) is admin.
// It returns the associations, which must exist before the provider is used.
func newAccessEntries(ctx *pulumi.Context, name, partition string, cfg model.EKSCluster, cluster *eks.Cluster, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var associations []pulumi.Resource
	for i, entry := range cfg.AccessEntries {
		resourceName := fmt.Sprintf("%s-access-%d", name, i)
		accessEntry, err := eks.NewAccessEntry(ctx, resourceName, &eks.AccessEntryArgs{
			ClusterName:  cluster.Name,
			PrincipalArn: pulumi.String(entry.PrincipalARN),
			Type:         pulumi.String("STANDARD"),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("eks %s: access entry for %s: %w", name, entry.PrincipalARN, err)
		}
		scope := &eks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")}
		if len(entry.Namespaces) > 0 {
			scope = &eks.AccessPolicyAssociationAccessScopeArgs{
				Type: pulumi.String("namespace"), Namespaces: pulumi.ToStringArray(entry.Namespaces),
			}
		}
		association, err := eks.NewAccessPolicyAssociation(ctx, resourceName, &eks.AccessPolicyAssociationArgs{
			ClusterName:  cluster.Name,
			PrincipalArn: accessEntry.PrincipalArn,
			PolicyArn:    pulumi.Sprintf("arn:%s:eks::aws:cluster-access-policy/%s", partition, entry.Policy),
			AccessScope:  scope,
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("eks %s: access policy for %s: %w", name, entry.PrincipalARN, err)
		}
		associations = append(associations, association)
	}
	return associations, nil
}
