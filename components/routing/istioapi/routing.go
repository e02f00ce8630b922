package istioapi

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// API writes routes as Istio's Gateway, VirtualServices and DestinationRules.
type API struct{}

var _ routing.API = API{}

// Ingress is the application's Istio Gateway on the ingress gateway.
type Ingress struct {
	pulumi.ResourceState

	Gateway *apiextensions.CustomResource
}

// Ingress registers the Gateway.
func (API) Ingress(ctx *pulumi.Context, args *routing.IngressArgs, opts ...pulumi.ResourceOption) (*routing.Frontend, error) {
	in := &Ingress{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:Ingress", "ingress", in, opts...); err != nil {
		return nil, err
	}
	gatewayName := names.Gateway(args.Namespace)
	gw, err := NewGateway(ctx, "ingress", Meta{Name: gatewayName, Namespace: pulumi.String(args.Namespace)}, GatewaySpec(args.Hosts, args.TLS), pulumi.Parent(in))
	if err != nil {
		return nil, err
	}
	in.Gateway = gw
	ref := args.Namespace + "/" + gatewayName
	return &routing.Frontend{Resource: in, Ref: ref}, ctx.RegisterResourceOutputs(in, pulumi.Map{"gateway": pulumi.String(ref)})
}

// IngressRoutes is the one VirtualService of the gateway's traffic, told apart
// by path (see IngressVirtualServiceSpec).
type IngressRoutes struct {
	pulumi.ResourceState

	VirtualService *apiextensions.CustomResource
}

// IngressRoutes registers the gateway's VirtualService. Its routes name the
// subsets of every service, so pass the DestinationRules in opts' DependsOn.
func (API) IngressRoutes(ctx *pulumi.Context, args *routing.IngressRoutesArgs, opts ...pulumi.ResourceOption) error {
	// Istio refuses a VirtualService without routes: with every service kept
	// off the gateway, and no ACME challenge to answer, there is none to write.
	if len(args.Services) == 0 && !args.Edge.TLS.ACMEHTTP01() {
		return nil
	}
	r := &IngressRoutes{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:IngressRoutes", IngressRoutesResource, r, opts...); err != nil {
		return err
	}
	var err error
	r.VirtualService, err = NewVirtualService(ctx, IngressRoutesResource, Meta{Name: names.IngressVirtualService(args.Namespace), Namespace: pulumi.String(args.Namespace)},
		IngressVirtualServiceSpec(args.Services, args.Namespace, args.GatewayRef, args.Hosts, args.Edge), pulumi.Parent(r))
	if err != nil {
		return fmt.Errorf("ingress routes: %w", err)
	}
	return ctx.RegisterResourceOutputs(r, pulumi.Map{"virtualService": r.VirtualService.Metadata.Name().Elem()})
}

// ServiceRoutes are a service's DestinationRule and the VirtualService of the
// traffic inside the mesh, addressed to the service's host. Its traffic through
// the gateway is routed by IngressRoutes, with every other service's.
type ServiceRoutes struct {
	pulumi.ResourceState

	DestinationRule *apiextensions.CustomResource
	Mesh            *apiextensions.CustomResource
}

// Service registers the service's routing. The gateway's routes name its
// subsets, so they wait for the DestinationRule it returns.
func (API) Service(ctx *pulumi.Context, args *routing.ServiceArgs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	r, err := NewServiceRoutes(ctx, args.Service.Name, args, opts...)
	if err != nil {
		return nil, err
	}
	return r.DestinationRule, nil
}

// NewServiceRoutes registers the service's DestinationRule and mesh VirtualService.
func NewServiceRoutes(ctx *pulumi.Context, name string, args *routing.ServiceArgs, opts ...pulumi.ResourceOption) (*ServiceRoutes, error) {
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

// StepTargets: the service's mesh VirtualService, and the stack's ingress
// VirtualService when the service is routed through the gateway. Nothing
// else of the stack holds a weight.
func (API) StepTargets(svc model.Service) []string {
	virtualService := "**$kubernetes:networking.istio.io/v1:VirtualService::"
	targets := []string{virtualService + MeshRoutesResource(svc.Name)}
	if svc.Gateway {
		targets = append(targets, virtualService+IngressRoutesResource)
	}
	return targets
}
