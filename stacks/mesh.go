package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/edge"
	"github.com/cloudnative-pac/platform/components/mesh"
	"github.com/cloudnative-pac/platform/components/observability"
	"github.com/cloudnative-pac/platform/model"
)

// installMesh installs Istio unless the cluster's own is used. crds must exist
// before any Istio resource, control before workloads (istiod injects their
// sidecars); both are empty when nothing is installed.
func installMesh(ctx *pulumi.Context, platform *model.Platform, onCluster pulumi.ResourceOption) (istio *mesh.Istio, crds, control []pulumi.Resource, err error) {
	if !platform.Istio.Install {
		return nil, nil, nil, nil
	}
	var tracing *mesh.TracingProvider
	if observability.Traces(platform.Observability) {
		tracing = &mesh.TracingProvider{Name: observability.TracingProvider,
			Service: observability.TracingCollector(platform.Istio.Namespace), Port: observability.TracingCollectorPort}
	}
	istio, err = mesh.NewIstio(ctx, "istio", &mesh.IstioArgs{Config: platform.Istio, Tracing: tracing, Placement: platform.Scheduling.Platform,
		TrustDomain: platform.App.TrustDomain}, onCluster)
	if err != nil {
		return nil, nil, nil, err
	}
	return istio, []pulumi.Resource{istio.Base}, []pulumi.Resource{istio.Istiod}, nil
}

// installAddons installs the observability add-ons when the stack turns them on,
// and exports how to reach them.
func installAddons(ctx *pulumi.Context, platform *model.Platform, control []pulumi.Resource, onCluster pulumi.ResourceOption) error {
	if !platform.Observability.Enabled {
		return nil
	}
	addons, err := observability.New(ctx, "observability", &observability.Args{
		Config: platform.Observability, Namespace: platform.Istio.Namespace, Placement: platform.Scheduling.Platform,
	}, onCluster, pulumi.DependsOn(control))
	if err != nil {
		return err
	}
	ctx.Export("observability", addons.Access)
	return nil
}

// newEdge registers the gateway's certificate: cert-manager and its objects,
// or a Secret from files, or nothing but the name of an existing Secret. It
// waits for Istio's install, which creates the gateway's namespace.
func newEdge(ctx *pulumi.Context, platform *model.Platform, istio *mesh.Istio, crds []pulumi.Resource, onCluster pulumi.ResourceOption) (*edge.Edge, error) {
	gatewayNamespace := pulumi.String(platform.Istio.Gateway.Namespace).ToStringOutput()
	var after []pulumi.Resource
	if istio != nil {
		gatewayNamespace = istio.IngressNamespace
		after = append(crds, istio.Gateway)
	}
	return edge.New(ctx, "edge", &edge.Args{
		TLS: platform.App.TLS, Hosts: platform.App.Hosts, AppNamespace: platform.App.Namespace,
		GatewayNamespace: gatewayNamespace, CertManager: platform.CertManager, Placement: platform.Scheduling.Platform,
	}, onCluster, pulumi.DependsOn(after))
}
