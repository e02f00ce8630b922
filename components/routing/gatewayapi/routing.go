// Package gatewayapi writes the application's routes in the Kubernetes
// Gateway API (standard channel): a Gateway of Istio's class bound to the
// platform's ingress gateway, per service an HTTPRoute on it and one attached
// to the service's Service for the traffic inside the mesh, a Service per
// track the routes weigh (the API has no subsets), and Istio's
// DestinationRules, which apply to Services whichever API routes to them, for
// connection pools, outlier detection and mTLS.
package gatewayapi

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	yamlv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	networkingv1 "istio.io/api/networking/v1"

	"github.com/cloudnative-pac/platform/components/istiocr"
	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/components/routing/istioapi"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// APIVersion of the objects written.
const APIVersion = "gateway.networking.k8s.io/v1"

// API writes routes as Gateway API objects.
type API struct{}

var _ routing.API = API{}

// Ingress is the Gateway (and the Gateway API's CRDs, when the stack installs them).
type Ingress struct {
	pulumi.ResourceState

	Gateway *apiextensions.CustomResource
}

// Ingress registers the CRDs from args.CRDDir (when set), then the Gateway.
func (API) Ingress(ctx *pulumi.Context, args *routing.IngressArgs, opts ...pulumi.ResourceOption) (*routing.Frontend, error) {
	in := &Ingress{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:Ingress", "ingress", in, opts...); err != nil {
		return nil, err
	}
	after := []pulumi.ResourceOption{pulumi.Parent(in)}
	if args.CRDDir != "" {
		var files pulumi.StringArray
		for _, f := range model.GatewayAPICRDFiles {
			files = append(files, pulumi.String(filepath.Join(args.CRDDir, f)))
		}
		crds, err := yamlv2.NewConfigGroup(ctx, "gateway-api-crds", &yamlv2.ConfigGroupArgs{Files: files}, pulumi.Parent(in))
		if err != nil {
			return nil, fmt.Errorf("gateway API CRDs: %w", err)
		}
		after = append(after, pulumi.DependsOn([]pulumi.Resource{crds}))
	}
	gatewayName := names.Gateway(args.Namespace)
	var err error
	in.Gateway, err = newObject(ctx, "ingress", "Gateway", gatewayName, args.GatewayNamespace,
		GatewaySpec(args.Hosts, args.GatewayNamespace, args.Namespace, args.TLS), after...)
	if err != nil {
		return nil, err
	}
	ref := args.GatewayNamespace + "/" + gatewayName
	return &routing.Frontend{Resource: in, Ref: ref}, ctx.RegisterResourceOutputs(in, pulumi.Map{"gateway": pulumi.String(ref)})
}

// ServiceRoutes are a service's mesh HTTPRoute, the Services of the tracks it
// weighs and the DestinationRules of every Service it sends to. The component
// types are Istio's (istioapi), so that the service's DestinationRule, which
// both APIs write, is one resource whichever the stack uses: switching API
// updates it in place rather than creating it again and deleting the old.
type ServiceRoutes struct {
	pulumi.ResourceState

	Mesh *apiextensions.CustomResource
}

// Service registers the service's routing inside the mesh.
func (API) Service(ctx *pulumi.Context, args *routing.ServiceArgs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	svc, plan := args.Service, args.Plan
	r := &ServiceRoutes{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:ServiceRoutes", svc.Name, r, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(r)
	var backends []pulumi.Resource
	rule := func(resourceName, service string, spec *networkingv1.DestinationRule) error {
		dr, err := istioapi.NewDestinationRule(ctx, resourceName, istioapi.Meta{Name: service, Namespace: pulumi.String(args.Namespace)}, spec, parent)
		backends = append(backends, dr)
		return err
	}
	// The service's own rule is Istio's, subsets and all, though no HTTPRoute
	// names a subset: so it is the same object under both APIs, and a stack
	// switching API never has Istio's routes name a subset that is gone.
	if err := rule(svc.Name, names.DestinationRule(svc.Name), istioapi.DestinationRuleSpec(svc, args.Namespace, plan, args.MutualTLS)); err != nil {
		return nil, err
	}
	for _, track := range plan.TrackServices() {
		name := names.TrackService(svc.Name, track)
		s, err := corev1.NewService(ctx, name, &corev1.ServiceArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:      pulumi.String(name),
				Namespace: pulumi.String(args.Namespace),
				Labels:    pulumi.StringMap{names.AppLabel: pulumi.String(svc.Name)},
				// Its pods are awaited through their Deployment.
				Annotations: pulumi.StringMap{names.SkipAwaitAnnotation: pulumi.String("true")},
			},
			Spec: &corev1.ServiceSpecArgs{
				Type:     pulumi.String("ClusterIP"),
				Selector: pulumi.StringMap{names.AppLabel: pulumi.String(svc.Name), names.VersionLabel: pulumi.String(track)},
				Ports: corev1.ServicePortArray{&corev1.ServicePortArgs{
					// Istio picks the protocol from the port name.
					Name: pulumi.String("http"), Port: pulumi.Int(svc.Port), TargetPort: pulumi.Int(svc.TargetPort), Protocol: pulumi.String("TCP"),
				}},
			},
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("service %s: track %s: %w", svc.Name, track, err)
		}
		backends = append(backends, s)
		if err := rule(name, name, istioapi.BackendRuleSpec(svc, names.ServiceHost(name, args.Namespace), args.MutualTLS)); err != nil {
			return nil, err
		}
	}
	var err error
	r.Mesh, err = newObject(ctx, MeshRoutesResource(svc.Name), "HTTPRoute", names.MeshHTTPRoute(svc.Name), args.Namespace,
		MeshRouteSpec(svc, plan), parent, pulumi.DependsOn(backends))
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", svc.Name, err)
	}
	// Routes through the gateway wait for all of it (a dependency on a
	// component is one on its children).
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{"meshRoute": r.Mesh.Metadata.Name().Elem()})
}

// IngressRoutes are the HTTPRoutes of every service on the Gateway.
type IngressRoutes struct {
	pulumi.ResourceState
}

// IngressRoutes registers one HTTPRoute per service on the Gateway.
func (API) IngressRoutes(ctx *pulumi.Context, args *routing.IngressRoutesArgs, opts ...pulumi.ResourceOption) error {
	r := &IngressRoutes{}
	if err := ctx.RegisterComponentResource("cloudnative:routing:IngressRoutes", istioapi.IngressRoutesResource, r, opts...); err != nil {
		return err
	}
	namespace, name, ok := strings.Cut(args.GatewayRef, "/")
	if !ok || namespace == "" || name == "" {
		return fmt.Errorf("ingress routes: gateway %q is not <namespace>/<name>", args.GatewayRef)
	}
	routes := pulumi.StringArray{}
	for _, s := range args.Services {
		route, err := newObject(ctx, IngressRoutesResource(s.Service.Name), "HTTPRoute", names.IngressHTTPRoute(s.Service.Name), args.Namespace,
			IngressRouteSpec(s.Service, s.Plan, namespace, name, args.Hosts, args.Edge.TLS), pulumi.Parent(r))
		if err != nil {
			return fmt.Errorf("service %s: ingress route: %w", s.Service.Name, err)
		}
		routes = append(routes, route.Metadata.Name().Elem())
	}
	// Port 80 with HTTPS: every request redirected, each host's ACME challenge
	// (in the gateway's namespace, beside its solver) excepted.
	if tls := args.Edge.TLS; tls.Enabled && tls.RedirectHTTP {
		route, err := newObject(ctx, "https-redirect", "HTTPRoute", names.HTTPSRedirectRoute(args.Namespace), args.Namespace,
			RedirectRouteSpec(args.Hosts, namespace, name), pulumi.Parent(r))
		if err != nil {
			return fmt.Errorf("https redirect: %w", err)
		}
		routes = append(routes, route.Metadata.Name().Elem())
	}
	for i, s := range args.Edge.Solvers {
		route, err := newObject(ctx, s.Name, "HTTPRoute", s.Name, args.Edge.GatewayNamespace,
			ACMERouteSpec(s, slices.Index(args.Hosts, s.Host), namespace, name), pulumi.Parent(r))
		if err != nil {
			return fmt.Errorf("ACME challenge route %d: %w", i, err)
		}
		routes = append(routes, route.Metadata.Name().Elem())
	}
	return ctx.RegisterResourceOutputs(r, pulumi.Map{"httpRoutes": routes})
}

// MeshRoutesResource is the resource name of a service's mesh HTTPRoute.
func MeshRoutesResource(service string) string { return service + "-mesh-route" }

// IngressRoutesResource is the resource name of a service's HTTPRoute on the Gateway.
func IngressRoutesResource(service string) string { return service + "-ingress-route" }

// StepTargets: the service's mesh HTTPRoute and, through the gateway, its
// HTTPRoute there. Nothing else holds a weight.
func (API) StepTargets(svc model.Service) []string {
	httpRoute := "**$kubernetes:" + APIVersion + ":HTTPRoute::"
	targets := []string{httpRoute + MeshRoutesResource(svc.Name)}
	if svc.Gateway {
		targets = append(targets, httpRoute+IngressRoutesResource(svc.Name))
	}
	return targets
}

// newObject registers one Gateway API object from its typed spec.
func newObject(ctx *pulumi.Context, resourceName, kind, name, namespace string, spec any, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("%s %s: marshal spec: %w", kind, name, err)
	}
	var value map[string]any
	if err := json.Unmarshal(data, &value); err != nil {
		return nil, err
	}
	return istiocr.Register(ctx, resourceName, APIVersion, kind, istiocr.Meta{Name: name, Namespace: pulumi.String(namespace)}, value, opts...)
}
