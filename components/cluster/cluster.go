// Package cluster provides the cluster targets. Each target is a component that
// yields the same Access — a name, a kubeconfig (secret) and the Kubernetes
// provider every other resource is created with — so the mesh and the application
// deploy unchanged on any of them.
package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Access is what a cluster target yields.
type Access struct {
	// Name identifies the cluster; it is also the provider's cluster identifier, so
	// rotating credentials in the kubeconfig never replaces the provider.
	Name pulumi.StringOutput
	// Endpoint is the API server's URL.
	Endpoint pulumi.StringOutput
	// Location is the cloud region or zone; "local" for clusters on this machine
	// and "" when unknown (an existing cluster).
	Location   pulumi.StringOutput
	Kubeconfig pulumi.StringOutput
	// Credential says in plain words what the kubeconfig holds: an exec plugin
	// that fetches short-lived tokens, or a static credential to guard.
	Credential string
	Provider   *kubernetes.Provider
	// WorkloadIdentity is what a cloud role needs to trust the cluster's service
	// accounts (issuer, and the OIDC provider or workload pool); nil for local
	// targets.
	WorkloadIdentity pulumi.StringMapOutput
}

// Cluster is one target: a component resource that yields Access.
type Cluster interface {
	pulumi.ComponentResource
	Access() Access
}

// NewProvider builds the Kubernetes provider of a target, parented to it. The
// identifier must name the cluster, never its credentials.
func NewProvider(ctx *pulumi.Context, name string, kubeconfig pulumi.StringInput, identifier pulumi.StringInput, kubeContext string, opts ...pulumi.ResourceOption) (*kubernetes.Provider, error) {
	args := &kubernetes.ProviderArgs{
		Kubeconfig:        kubeconfig,
		ClusterIdentifier: identifier,
		// A ConfigMap is updated in place rather than replaced: a replacement
		// makes its name unknown at preview, and the provider then replaces every
		// Deployment that mounts it (seen when a hand edit of the ConfigMap was
		// corrected). The pods still roll, through the config checksum.
		EnableConfigMapMutable: pulumi.BoolPtr(true),
	}
	if kubeContext != "" {
		args.Context = pulumi.StringPtr(kubeContext)
	}
	provider, err := kubernetes.NewProvider(ctx, name, args, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: create kubernetes provider: %w", name, err)
	}
	return provider, nil
}

// RegisterAccess finishes a target component: it records its outputs.
func RegisterAccess(ctx *pulumi.Context, component pulumi.Resource, access Access) error {
	outputs := pulumi.Map{
		"name":       access.Name,
		"endpoint":   access.Endpoint,
		"location":   access.Location,
		"kubeconfig": access.Kubeconfig,
		"credential": pulumi.String(access.Credential),
	}
	if access.WorkloadIdentity != (pulumi.StringMapOutput{}) {
		outputs["workloadIdentity"] = access.WorkloadIdentity
	}
	return ctx.RegisterResourceOutputs(component, outputs)
}
