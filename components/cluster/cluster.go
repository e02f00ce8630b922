// Package cluster provides the cluster targets. Each target is a component that
// yields the same Access — a name, a kubeconfig (secret) and the Kubernetes
// provider every other resource is created with — so the mesh and the application
// deploy unchanged on any of them.
package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// Access is what a cluster target yields.
type Access struct {
	// Name identifies the cluster; it is also the provider's cluster identifier, so
	// rotating credentials in the kubeconfig never replaces the provider.
	Name       pulumi.StringOutput
	Kubeconfig pulumi.StringOutput
	Provider   *kubernetes.Provider
}

// Cluster is one target: a component resource that yields Access.
type Cluster interface {
	pulumi.ComponentResource
	Access() Access
}

// Args are the inputs every target gets.
type Args struct {
	Config model.Cluster
	// KubeconfigSecret is the secret config kubeconfig, used by targets that accept
	// one when no path is configured. May be nil.
	KubeconfigSecret pulumi.StringOutput
}

// New creates the target selected by the config.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (Cluster, error) {
	switch args.Config.Kind {
	case model.ClusterExisting:
		return NewExisting(ctx, name, &ExistingArgs{Config: *args.Config.Existing, KubeconfigSecret: args.KubeconfigSecret}, opts...)
	case model.ClusterMinikube:
		return NewMinikube(ctx, name, &MinikubeArgs{Config: *args.Config.Minikube}, opts...)
	default:
		return nil, fmt.Errorf("cluster %s: unknown cluster kind %q", name, args.Config.Kind)
	}
}

// newProvider builds the Kubernetes provider of a target, parented to it.
func newProvider(ctx *pulumi.Context, name string, kubeconfig pulumi.StringInput, identifier pulumi.StringInput, kubeContext string, parent pulumi.Resource) (*kubernetes.Provider, error) {
	args := &kubernetes.ProviderArgs{
		Kubeconfig:        kubeconfig,
		ClusterIdentifier: identifier,
	}
	if kubeContext != "" {
		args.Context = pulumi.StringPtr(kubeContext)
	}
	provider, err := kubernetes.NewProvider(ctx, name, args, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("cluster %s: create kubernetes provider: %w", name, err)
	}
	return provider, nil
}

// registerAccess finishes a target component: it records its outputs.
func registerAccess(ctx *pulumi.Context, component pulumi.Resource, access Access) error {
	return ctx.RegisterResourceOutputs(component, pulumi.Map{
		"name":       access.Name,
		"kubeconfig": access.Kubeconfig,
	})
}
