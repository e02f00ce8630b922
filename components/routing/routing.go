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
	// TLS adds the HTTPS server and decides what port 80 does.
	TLS model.TLS
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
	gw, err := NewGateway(ctx, name, Meta{Name: gatewayName, Namespace: pulumi.String(args.Namespace)}, GatewaySpec(args.Hosts, args.TLS), pulumi.Parent(in))
	if err != nil {
		return nil, err
	}
	in.Gateway = gw
	in.Ref = args.Namespace + "/" + gatewayName
	return in, ctx.RegisterResourceOutputs(in, pulumi.Map{"gateway": pulumi.String(in.Ref)})
}

// IngressRoutesArgs configure the routes of every service through the gateway.
type IngressRoutesArgs struct {
	Services  []IngressRoute
	Namespace string
	// GatewayRef is the Ingress's Ref.
	GatewayRef string
	// Hosts are the hosts the Gateway accepts.
	Hosts []string
	// Edge adds the ACME challenge and HTTPS redirect routes and HSTS.
	Edge Edge
}

// IngressRoutes is the one VirtualService of the gateway's traffic, told apart
// by path (see IngressVirtualServiceSpec).
type IngressRoutes struct {
	pulumi.ResourceState

	VirtualService *apiextensions.CustomResource
}

// NewIngressRoutes registers the gateway's VirtualService. Its routes name the
// subsets of every service, so pass the DestinationRules in opts' DependsOn.
func NewIngressRoutes(ctx *pulumi.Context, name string, args *IngressRoutesArgs, opts ...pulumi.ResourceOption) (*IngressRoutes, error) {
	r := &IngressRoutes{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:IngressRoutes", name, r, opts...); err != nil {
		return nil, err
	}
	var err error
	r.VirtualService, err = NewVirtualService(ctx, name, Meta{Name: names.IngressVirtualService(args.Namespace), Namespace: pulumi.String(args.Namespace)},
		IngressVirtualServiceSpec(args.Services, args.Namespace, args.GatewayRef, args.Hosts, args.Edge), pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("ingress routes: %w", err)
	}
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{"virtualService": r.VirtualService.Metadata.Name().Elem()})
}

// ServiceRoutesArgs configure the routing of one service inside the mesh.
type ServiceRoutesArgs struct {
	Service   model.Service
	Plan      strategy.Plan
	Namespace string
	// MutualTLS makes clients use Istio's mTLS to the service.
	MutualTLS bool
}

// ServiceRoutes are a service's DestinationRule and the VirtualService of the
// traffic inside the mesh, addressed to the service's host. Its traffic through
// the gateway is routed by IngressRoutes, with every other service's.
type ServiceRoutes struct {
	pulumi.ResourceState

	DestinationRule *apiextensions.CustomResource
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
	mesh := Scope{Gateway: MeshGateway, Hosts: []string{names.ServiceHost(svc.Name, args.Namespace)}}
	r.Mesh, err = NewVirtualService(ctx, MeshRoutesResource(name), Meta{Name: names.MeshVirtualService(svc.Name), Namespace: ns},
		VirtualServiceSpec(svc, args.Namespace, args.Plan, mesh), pulumi.Parent(r), after)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", svc.Name, err)
	}
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{
		"destinationRule": r.DestinationRule.Metadata.Name().Elem(),
		"meshService":     r.Mesh.Metadata.Name().Elem(),
	})
}

// IngressRoutesResource is the resource name of the stack's ingress routes.
const IngressRoutesResource = "ingress-routes"

// MeshRoutesResource is the resource name of a service's mesh VirtualService.
func MeshRoutesResource(service string) string { return service + "-mesh" }

// StepTargets are the URN globs (for a targeted up) of the objects a change
// of one service's traffic shares (weights, mirror) changes: its mesh
// VirtualService, and the stack's ingress VirtualService when the service is
// routed through the gateway. Nothing else of the stack holds a weight.
func StepTargets(svc model.Service) []string {
	virtualService := "**$kubernetes:networking.istio.io/v1:VirtualService::"
	targets := []string{virtualService + MeshRoutesResource(svc.Name)}
	if svc.Gateway {
		targets = append(targets, virtualService+IngressRoutesResource)
	}
	return targets
}
