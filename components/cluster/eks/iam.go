package eks

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The AWS managed policies each role needs.
var (
	ClusterPolicies = []string{"AmazonEKSClusterPolicy", "AmazonEKSVPCResourceController"}
	NodePolicies    = []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"}
)

type roles struct {
	Cluster         *iam.Role
	ClusterPolicies []pulumi.Resource
	Node            *iam.Role
	NodePolicies    []pulumi.Resource
}

// newRoles creates the role EKS assumes to run the control plane and the one
// the nodes run as, each with its managed policies attached.
func newRoles(ctx *pulumi.Context, name, partition string, opts ...pulumi.ResourceOption) (*roles, error) {
	r := &roles{}
	var err error
	r.Cluster, r.ClusterPolicies, err = newServiceRole(ctx, name+"-cluster", "eks.amazonaws.com", partition, ClusterPolicies, opts...)
	if err != nil {
		return nil, err
	}
	r.Node, r.NodePolicies, err = newServiceRole(ctx, name+"-node", "ec2.amazonaws.com", partition, NodePolicies, opts...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func newServiceRole(ctx *pulumi.Context, name, service, partition string, policies []string, opts ...pulumi.ResourceOption) (*iam.Role, []pulumi.Resource, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy(service)),
	}, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("role %s: %w", name, err)
	}
	attached := make([]pulumi.Resource, 0, len(policies))
	for _, policy := range policies {
		attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-"+policy, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(fmt.Sprintf("arn:%s:iam::aws:policy/%s", partition, policy)),
		}, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("role %s: attach %s: %w", name, policy, err)
		}
		attached = append(attached, attachment)
	}
	return role, attached, nil
}

func assumeRolePolicy(service string) string {
	policy, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": service},
			"Action":    "sts:AssumeRole",
		}},
	})
	return string(policy)
}

// newOIDCProvider registers the cluster's OIDC issuer with IAM, so roles can
// trust service accounts (IRSA). IAM verifies the issuer's certificate itself;
// no thumbprint is pinned.
func newOIDCProvider(ctx *pulumi.Context, name string, cluster *eks.Cluster, opts ...pulumi.ResourceOption) (*iam.OpenIdConnectProvider, error) {
	issuer := cluster.Identities.Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	provider, err := iam.NewOpenIdConnectProvider(ctx, name, &iam.OpenIdConnectProviderArgs{
		Url:           issuer,
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("eks %s: oidc provider: %w", name, err)
	}
	return provider, nil
}
