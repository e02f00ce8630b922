package routing

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/strategy"
)

// IngressArgs configure the application's Istio Gateway.
type IngressArgs struct {
	Namespace string
	Hosts     []string
}

// Ingress is the application's Istio Gateway on the ingress gateway.
type Ingress struct {
	pulumi.ResourceState

	Gateway *apiextensions.CustomResource
	// Ref is "<namespace>/<name>", how VirtualServices refer to the Gateway.
	Ref string
}

// NewIngress registers the Gateway.
func NewIngress(ctx *pulumi.Context, name string, args *IngressArgs, opts ...pulumi.ResourceOption) (*Ingress, error) {
	in := &Ingress{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:Ingress", name, in, opts...); err != nil {
		return nil, err
	}
	gatewayName := names.Gateway(args.Namespace)
	gw, err := NewGateway(ctx, name, Meta{Name: gatewayName, Namespace: pulumi.String(args.Namespace)}, GatewaySpec(args.Hosts), pulumi.Parent(in))
	if err != nil {
		return nil, err
	}
	in.Gateway = gw
	in.Ref = args.Namespace + "/" + gatewayName
	return in, ctx.RegisterResourceOutputs(in, pulumi.Map{"gateway": pulumi.String(in.Ref)})
}

// ServiceRoutesArgs configure the routing of one service.
type ServiceRoutesArgs struct {
	Service   model.Service
	Plan      strategy.Plan
	Namespace string
	// GatewayRef is the Ingress's Ref.
	GatewayRef string
	// Hosts are the hosts the Gateway accepts.
	Hosts []string
	// MutualTLS makes clients use Istio's mTLS to the service.
	MutualTLS bool
}

// ServiceRoutes are a service's DestinationRule and its two VirtualServices: one
// for traffic entering through the gateway, told apart by path, and one for
// traffic inside the mesh, addressed to the service's host.
type ServiceRoutes struct {
	pulumi.ResourceState

	DestinationRule *apiextensions.CustomResource
	Ingress         *apiextensions.CustomResource
	Mesh            *apiextensions.CustomResource
}

// NewServiceRoutes registers the service's routing.
func NewServiceRoutes(ctx *pulumi.Context, name string, args *ServiceRoutesArgs, opts ...pulumi.ResourceOption) (*ServiceRoutes, error) {
	r := &ServiceRoutes{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:ServiceRoutes", name, r, opts...); err != nil {
		return nil, err
	}
	svc, ns := args.Service, pulumi.String(args.Namespace)
	var err error
	r.DestinationRule, err = NewDestinationRule(ctx, name, Meta{Name: names.DestinationRule(svc.Name), Namespace: ns},
		DestinationRuleSpec(svc, args.Namespace, args.Plan, args.MutualTLS), pulumi.Parent(r))
	if err != nil {
		return nil, err
	}
	// Routes name subsets, so they wait for the rule that defines them.
	after := pulumi.DependsOn([]pulumi.Resource{r.DestinationRule})
	ingress := Scope{Gateway: args.GatewayRef, Hosts: args.Hosts, PathPrefix: svc.PathPrefix}
	r.Ingress, err = NewVirtualService(ctx, name, Meta{Name: names.VirtualService(svc.Name), Namespace: ns},
		VirtualServiceSpec(svc, args.Namespace, args.Plan, ingress), pulumi.Parent(r), after)
	if err != nil {
		return nil, err
	}
	mesh := Scope{Gateway: MeshGateway, Hosts: []string{names.ServiceHost(svc.Name, args.Namespace)}}
	r.Mesh, err = NewVirtualService(ctx, name+"-mesh", Meta{Name: names.MeshVirtualService(svc.Name), Namespace: ns},
		VirtualServiceSpec(svc, args.Namespace, args.Plan, mesh), pulumi.Parent(r), after)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", svc.Name, err)
	}
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{
		"destinationRule": r.DestinationRule.Metadata.Name().Elem(),
		"virtualService":  r.Ingress.Metadata.Name().Elem(),
		"meshService":     r.Mesh.Metadata.Name().Elem(),
	})
}
