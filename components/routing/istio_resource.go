// Package routing declares Istio's Gateway, VirtualService and DestinationRule as
// typed Go: specs are istio.io/api messages, so a misspelt field does not compile,
// and they are marshalled to the CRD form only when registered.
package routing

import (
	"encoding/json"
	"fmt"

	networkingv1 "istio.io/api/networking/v1"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// APIVersion is the Istio networking API the resources are written in.
const APIVersion = "networking.istio.io/v1"

// Meta names an Istio resource.
type Meta struct {
	Name      string
	Namespace pulumi.StringInput
}

// NewGateway registers a typed Gateway.
func NewGateway(ctx *pulumi.Context, resourceName string, meta Meta, spec *networkingv1.Gateway, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return newResource(ctx, resourceName, "Gateway", meta, spec, opts...)
}

// NewVirtualService registers a typed VirtualService.
func NewVirtualService(ctx *pulumi.Context, resourceName string, meta Meta, spec *networkingv1.VirtualService, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return newResource(ctx, resourceName, "VirtualService", meta, spec, opts...)
}

// NewDestinationRule registers a typed DestinationRule.
func NewDestinationRule(ctx *pulumi.Context, resourceName string, meta Meta, spec *networkingv1.DestinationRule, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return newResource(ctx, resourceName, "DestinationRule", meta, spec, opts...)
}

// SpecValue converts an Istio message to the plain JSON value the CRD stores.
// Istio's messages marshal with protobuf JSON names, which are the CRD's field names.
func SpecValue(spec json.Marshaler) (map[string]any, error) {
	data, err := spec.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var value map[string]any
	if err := json.Unmarshal(data, &value); err != nil {
		return nil, err
	}
	return value, nil
}

func newResource(ctx *pulumi.Context, resourceName, kind string, meta Meta, spec json.Marshaler, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	value, err := SpecValue(spec)
	if err != nil {
		return nil, fmt.Errorf("%s %s: marshal spec: %w", kind, meta.Name, err)
	}
	cr, err := apiextensions.NewCustomResource(ctx, resourceName, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String(APIVersion),
		Kind:       pulumi.String(kind),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(meta.Name), Namespace: meta.Namespace},
		OtherFields: kubernetes.UntypedArgs{
			"spec": value,
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, meta.Name, err)
	}
	return cr, nil
}
