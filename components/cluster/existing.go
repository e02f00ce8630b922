package cluster

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// ExistingArgs configure a cluster that already exists: Docker Desktop, kind, a
// managed cluster made elsewhere, or the repo's local control plane.
type ExistingArgs struct {
	Config model.ExistingCluster
	// KubeconfigSecret is used when Config has no kubeconfig path.
	KubeconfigSecret pulumi.StringOutput
}

// Existing is a cluster reached through a kubeconfig.
type Existing struct {
	pulumi.ResourceState

	access Access
}

// NewExisting reads the kubeconfig (from its path, or the secret) and builds the provider.
func NewExisting(ctx *pulumi.Context, name string, args *ExistingArgs, opts ...pulumi.ResourceOption) (*Existing, error) {
	c := &Existing{}
	if err := ctx.RegisterComponentResource("cloudnative:cluster:Existing", name, c, opts...); err != nil {
		return nil, err
	}

	var kubeconfig pulumi.StringOutput
	switch {
	case args.Config.KubeconfigPath != "":
		content, err := os.ReadFile(args.Config.KubeconfigPath)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: read kubeconfig: %w", name, err)
		}
		kubeconfig = pulumi.ToSecret(pulumi.String(string(content))).(pulumi.StringOutput)
	case args.KubeconfigSecret != (pulumi.StringOutput{}):
		kubeconfig = pulumi.ToSecret(args.KubeconfigSecret).(pulumi.StringOutput)
	default:
		return nil, fmt.Errorf("cluster %s: no kubeconfig path and no kubeconfig secret", name)
	}

	// The identifier names the cluster, not the credentials: a new token in the
	// kubeconfig must not replace the provider and with it every workload.
	identifier := "existing"
	if args.Config.Context != "" {
		identifier = "existing/" + args.Config.Context
	}
	provider, err := NewProvider(ctx, name, kubeconfig, pulumi.String(identifier), args.Config.Context, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	kubeContext := args.Config.Context
	endpoint := kubeconfig.ApplyT(func(content string) string { return ServerOf(content, kubeContext) }).(pulumi.StringOutput)
	c.access = Access{
		Credential: "what the given kubeconfig holds",
		Name:       pulumi.String(identifier).ToStringOutput(),
		Endpoint:   endpoint,
		Location:   pulumi.String("").ToStringOutput(),
		Kubeconfig: kubeconfig,
		Provider:   provider,
	}
	return c, RegisterAccess(ctx, c, c.access)
}

// Access returns the cluster's kubeconfig and provider.
func (c *Existing) Access() Access { return c.access }
