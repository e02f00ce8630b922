// Package routing is what the stack asks of a routing API: bind the stack's
// hosts on the ingress gateway, route each service inside the mesh, route the
// gateway's traffic to the services, and name what a rollout step changes.
// Each API is a package of its own beside this one (istioapi: Istio's
// VirtualService and DestinationRule; gatewayapi: the Kubernetes Gateway
// API's Gateway and HTTPRoute), registered in stacks/routing.go.
package routing

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/edge"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy"
)

// API writes a stack's routes in one routing API. Every method registers
// component resources parented as usual and passes opts through.
type API interface {
	// Ingress registers what binds the stack's hosts on the ingress gateway
	// (and anything the API's objects need first, such as its CRDs).
	Ingress(ctx *pulumi.Context, args *IngressArgs, opts ...pulumi.ResourceOption) (*Frontend, error)
	// Service registers one service's routing inside the mesh; the routes
	// through the gateway wait for what it returns.
	Service(ctx *pulumi.Context, args *ServiceArgs, opts ...pulumi.ResourceOption) (pulumi.Resource, error)
	// IngressRoutes registers the gateway's routes to every service on it.
	IngressRoutes(ctx *pulumi.Context, args *IngressRoutesArgs, opts ...pulumi.ResourceOption) error
	// StepTargets are the URN globs (for a targeted up) of the objects that a
	// change of one service's traffic shares (weights, mirror) changes.
	StepTargets(svc model.Service) []string
}

// IngressArgs configure the binding of the stack's hosts on the gateway.
type IngressArgs struct {
	Namespace string
	Hosts     []string
	// TLS adds the HTTPS server and decides what port 80 does.
	TLS model.TLS
	// GatewayNamespace is where the ingress gateway runs.
	GatewayNamespace string
	// CRDDir, when set, holds CRDs the API's objects need, installed first.
	CRDDir string
}

// Frontend is the registered binding.
type Frontend struct {
	// Resource is what routes through the gateway wait for.
	Resource pulumi.Resource
	// Ref is "<namespace>/<name>" of the gateway object routes attach to.
	Ref string
}

// ServiceArgs configure the routing of one service inside the mesh.
type ServiceArgs struct {
	Service   model.Service
	Plan      strategy.Plan
	Namespace string
	// MutualTLS makes clients use Istio's mTLS to the service.
	MutualTLS bool
}

// IngressRoute is one service's share of the gateway's routes.
type IngressRoute struct {
	Service model.Service
	Plan    strategy.Plan
}

// IngressRoutesArgs configure the routes of every service through the gateway.
type IngressRoutesArgs struct {
	Services  []IngressRoute
	Namespace string
	// GatewayRef is the Frontend's Ref.
	GatewayRef string
	// Hosts are the hosts the gateway accepts.
	Hosts []string
	// Edge adds the ACME challenge and HTTPS redirect routes and HSTS.
	Edge Edge
}

// Edge is what the gateway does besides routing services: HTTPS, and what
// port 80 answers.
type Edge struct {
	TLS model.TLS
	// GatewayNamespace holds the ACME solvers' Services.
	GatewayNamespace string
	// Solvers are the ACME HTTP-01 solvers' Services, one per host.
	Solvers []edge.ACMESolver
}

// Ports of the gateway's two servers.
const (
	HTTPPort  = 80
	HTTPSPort = 443
)
