// Package mesh installs Istio with Helm: base (the CRDs), then istiod, then the
// ingress gateway, each pinned and each waiting for the one before.
package mesh

import (
	"fmt"
	"path/filepath"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/placement"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// IstioArgs configure the mesh. The Kubernetes provider comes through the
// resource options (pulumi.Provider or pulumi.Providers), never from here.
type IstioArgs struct {
	Config model.Istio
	// Tracing, when set, declares the OpenTelemetry collector that Telemetry
	// resources name as their tracing provider.
	Tracing *TracingProvider
	// Placement is where istiod and the ingress gateway may run.
	Placement model.Placement
	// TrustDomain is the mesh's SPIFFE trust domain, which the application's
	// authorization names its callers in.
	TrustDomain string
}

// TracingProvider is a mesh-config extension provider for traces.
type TracingProvider struct {
	Name    string
	Service string
	Port    int
}

// Istio is the installed mesh.
type Istio struct {
	pulumi.ResourceState

	// Base installs the CRDs; anything that creates Istio resources depends on it.
	Base *helmv3.Release
	// Istiod is the control plane; workloads that want sidecars depend on it.
	Istiod *helmv3.Release
	// Gateway is the ingress gateway release.
	Gateway *helmv3.Release
	// IngressNamespace is where the ingress gateway runs.
	IngressNamespace pulumi.StringOutput
}

// chart is where one of the three charts comes from.
type chart struct {
	// dir is the chart's directory below a local chart root.
	dir string
	// name is the chart's name in the Helm repository.
	name string
}

var (
	baseChart    = chart{dir: "base", name: "base"}
	istiodChart  = chart{dir: "istio-control/istio-discovery", name: "istiod"}
	gatewayChart = chart{dir: "gateway", name: "gateway"}
)

// NewIstio installs the mesh in order: base → istiod → gateway.
func NewIstio(ctx *pulumi.Context, name string, args *IstioArgs, opts ...pulumi.ResourceOption) (*Istio, error) {
	m := &Istio{}
	if err := ctx.RegisterComponentResource("cloudnative:mesh:Istio", name, m, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config
	child := pulumi.Parent(m)

	system, err := namespace(ctx, name+"-system", cfg.Namespace, nil, child)
	if err != nil {
		return nil, err
	}
	ingress, err := namespace(ctx, name+"-ingress", cfg.Gateway.Namespace, nil, child)
	if err != nil {
		return nil, err
	}

	m.Base, err = release(ctx, name+"-base", cfg, baseChart, "istio-base", system.Metadata.Name().Elem(),
		pulumi.Map{"defaultRevision": pulumi.String("default")}, child)
	if err != nil {
		return nil, err
	}
	m.Istiod, err = release(ctx, name+"-istiod", cfg, istiodChart, "istiod", system.Metadata.Name().Elem(),
		withPlacement(istiodValues(args.Tracing, args.TrustDomain), args.Placement), child, pulumi.DependsOn([]pulumi.Resource{m.Base}))
	if err != nil {
		return nil, err
	}
	m.Gateway, err = release(ctx, name+"-gateway", cfg, gatewayChart, names.IngressGatewayRelease, ingress.Metadata.Name().Elem(),
		withPlacement(pulumi.Map{"service": pulumi.Map{"type": pulumi.String(cfg.Gateway.ServiceType)}}, args.Placement),
		child, pulumi.DependsOn([]pulumi.Resource{m.Istiod}))
	if err != nil {
		return nil, err
	}
	m.IngressNamespace = ingress.Metadata.Name().Elem()

	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{
		"baseRelease":      m.Base.Status.Name(),
		"istiodRelease":    m.Istiod.Status.Name(),
		"gatewayRelease":   m.Gateway.Status.Name(),
		"ingressNamespace": m.IngressNamespace,
	})
}

// withPlacement adds the placement to a chart's values: istiod's and the
// gateway's charts both read nodeSelector and tolerations at their top level.
func withPlacement(values pulumi.Map, p model.Placement) pulumi.Map {
	for k, v := range placement.Values(p) {
		values[k] = v
	}
	return values
}

// istiodValues set the mesh config the program relies on. Istio's own default
// trust domain is left unsaid, so stacks that keep it keep their values.
func istiodValues(tracing *TracingProvider, trustDomain string) pulumi.Map {
	meshConfig := pulumi.Map{}
	if tracing != nil {
		meshConfig["extensionProviders"] = pulumi.Array{pulumi.Map{
			"name": pulumi.String(tracing.Name),
			"opentelemetry": pulumi.Map{
				"service": pulumi.String(tracing.Service),
				"port":    pulumi.Int(tracing.Port),
			},
		}}
	}
	if trustDomain != "" && trustDomain != model.DefaultTrustDomain {
		meshConfig["trustDomain"] = pulumi.String(trustDomain)
	}
	if len(meshConfig) == 0 {
		return pulumi.Map{}
	}
	return pulumi.Map{"meshConfig": meshConfig}
}

func namespace(ctx *pulumi.Context, resourceName, namespaceName string, labels pulumi.StringMap, opts ...pulumi.ResourceOption) (*corev1.Namespace, error) {
	ns, err := corev1.NewNamespace(ctx, resourceName, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(namespaceName), Labels: labels},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", namespaceName, err)
	}
	return ns, nil
}

// release installs one chart with a fixed release name, so the objects it makes
// keep their names across updates.
func release(ctx *pulumi.Context, resourceName string, cfg model.Istio, c chart, releaseName string, namespace pulumi.StringInput, values pulumi.Map, opts ...pulumi.ResourceOption) (*helmv3.Release, error) {
	args := &helmv3.ReleaseArgs{
		Name:      pulumi.String(releaseName),
		Namespace: namespace,
		Values:    values,
		// Roll back a failed install or upgrade instead of leaving it half applied.
		Atomic:  pulumi.Bool(true),
		Timeout: pulumi.Int(600),
	}
	if cfg.ChartDir != "" {
		args.Chart = pulumi.String(filepath.Join(cfg.ChartDir, c.dir))
	} else {
		args.Chart = pulumi.String(c.name)
		args.Version = pulumi.String(cfg.Version)
		args.RepositoryOpts = &helmv3.RepositoryOptsArgs{Repo: pulumi.String(cfg.Repository)}
	}
	r, err := helmv3.NewRelease(ctx, resourceName, args, opts...)
	if err != nil {
		return nil, fmt.Errorf("helm release %s: %w", releaseName, err)
	}
	return r, nil
}
