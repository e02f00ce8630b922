package stacks

import (
	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/components/routing/gatewayapi"
	"github.com/cloudnative-pac/platform/components/routing/istioapi"
	"github.com/cloudnative-pac/platform/model"
)

// routingAPIs are the routing APIs a stack may choose (model.RoutingAPIs):
// adding one is a package under components/routing and a line here.
var routingAPIs = map[model.RoutingAPI]routing.API{
	model.RoutingIstio:      istioapi.API{},
	model.RoutingGatewayAPI: gatewayapi.API{},
}

// routingFor is the API a validated model chose.
func routingFor(api model.RoutingAPI) routing.API { return routingAPIs[api] }

// StepTargets are the URN globs of the objects holding one service's traffic
// shares in the stack's routing API: what a rollout step applies.
func StepTargets(api model.RoutingAPI, svc model.Service) []string {
	return routingFor(api).StepTargets(svc)
}
