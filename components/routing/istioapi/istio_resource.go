// Package istioapi writes the application's routes in Istio's own API — its
// Gateway, and per service a DestinationRule and VirtualServices — as typed Go.
package istioapi

import (
	networkingv1 "istio.io/api/networking/v1"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/istiocr"
)

// Meta names an Istio resource.
type Meta = istiocr.Meta

// SpecValue converts an Istio message to the plain JSON value the CRD stores.
var SpecValue = istiocr.SpecValue

// NewGateway registers a typed Gateway.
func NewGateway(ctx *pulumi.Context, resourceName string, meta Meta, spec *networkingv1.Gateway, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return istiocr.New(ctx, resourceName, istiocr.Networking, "Gateway", meta, spec, opts...)
}

// NewVirtualService registers a typed VirtualService.
func NewVirtualService(ctx *pulumi.Context, resourceName string, meta Meta, spec *networkingv1.VirtualService, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return istiocr.New(ctx, resourceName, istiocr.Networking, "VirtualService", meta, spec, opts...)
}

// NewDestinationRule registers a typed DestinationRule.
func NewDestinationRule(ctx *pulumi.Context, resourceName string, meta Meta, spec *networkingv1.DestinationRule, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return istiocr.New(ctx, resourceName, istiocr.Networking, "DestinationRule", meta, spec, opts...)
}
