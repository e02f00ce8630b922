package cluster

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-command/sdk/go/command/local"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// MinikubeArgs configure a minikube cluster.
type MinikubeArgs struct {
	Config model.MinikubeCluster
}

// Minikube is a local cluster started by the minikube CLI, deleted on destroy.
type Minikube struct {
	pulumi.ResourceState

	access Access
}

// NewMinikube starts the profile on create, deletes it on destroy, and reads its
// kubeconfig back. Both minikube and kubectl must be on the PATH.
func NewMinikube(ctx *pulumi.Context, name string, args *MinikubeArgs, opts ...pulumi.ResourceOption) (*Minikube, error) {
	c := &Minikube{}
	if err := ctx.RegisterComponentResource("cloudnative:cluster:Minikube", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config

	start, err := local.NewCommand(ctx, name+"-start", &local.CommandArgs{
		Create: pulumi.String(startCommand(cfg)),
		Delete: pulumi.String(fmt.Sprintf("minikube delete --profile %s", cfg.Profile)),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("cluster %s: minikube start: %w", name, err)
	}

	// minikube writes the profile as a context of the user's kubeconfig; flatten it
	// so the provider gets certificates inline rather than paths on this machine.
	read, err := local.NewCommand(ctx, name+"-kubeconfig", &local.CommandArgs{
		Create:   pulumi.String(fmt.Sprintf("kubectl config view --raw --flatten --minify --context %s", cfg.Profile)),
		Triggers: pulumi.Array{start.ID()},
	}, pulumi.Parent(c), pulumi.DependsOn([]pulumi.Resource{start}), pulumi.AdditionalSecretOutputs([]string{"stdout"}))
	if err != nil {
		return nil, fmt.Errorf("cluster %s: read minikube kubeconfig: %w", name, err)
	}

	kubeconfig := pulumi.ToSecret(read.Stdout).(pulumi.StringOutput)
	identifier := "minikube/" + cfg.Profile
	provider, err := NewProvider(ctx, name, kubeconfig, pulumi.String(identifier), "", pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.access = Access{
		Credential: "static: minikube's client certificate for its local cluster",
		Name:       pulumi.String(identifier).ToStringOutput(),
		Endpoint:   kubeconfig.ApplyT(func(content string) string { return ServerOf(content, "") }).(pulumi.StringOutput),
		Location:   pulumi.String("local").ToStringOutput(),
		Kubeconfig: kubeconfig,
		Provider:   provider,
	}
	return c, RegisterAccess(ctx, c, c.access)
}

// Access returns the cluster's kubeconfig and provider.
func (c *Minikube) Access() Access { return c.access }

func startCommand(cfg model.MinikubeCluster) string {
	parts := []string{
		"minikube start",
		"--profile " + cfg.Profile,
		"--kubernetes-version " + cfg.KubernetesVersion,
		fmt.Sprintf("--cpus %d", cfg.CPUs),
		fmt.Sprintf("--memory %d", cfg.MemoryMB),
	}
	if cfg.Driver != "" {
		parts = append(parts, "--driver "+cfg.Driver)
	}
	return strings.Join(parts, " ")
}
