// Package istiocr registers Istio custom resources from typed specs: the specs are
// istio.io/api messages, so a misspelt field does not compile, and they are
// marshalled to the CRD form (protobuf JSON names are the CRD's field names) only
// when registered.
package istiocr

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// API versions of the Istio resources the platform writes.
const (
	Networking = "networking.istio.io/v1"
	Security   = "security.istio.io/v1"
	Telemetry  = "telemetry.istio.io/v1"
)

// Meta names an Istio resource.
type Meta struct {
	Name      string
	Namespace pulumi.StringInput
}

// SpecValue converts an Istio message to the plain JSON value the CRD stores.
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

// New registers one Istio resource. Callers use the typed constructors of their
// package (routing.NewVirtualService, …), which fix kind and spec type together.
func New(ctx *pulumi.Context, resourceName, apiVersion, kind string, meta Meta, spec json.Marshaler, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	value, err := SpecValue(spec)
	if err != nil {
		return nil, fmt.Errorf("%s %s: marshal spec: %w", kind, meta.Name, err)
	}
	return Register(ctx, resourceName, apiVersion, kind, meta, value, opts...)
}

// Register registers one custom resource of any API (Istio's, the Gateway
// API's) from its spec as the plain JSON value the CRD stores.
func Register(ctx *pulumi.Context, resourceName, apiVersion, kind string, meta Meta, value map[string]any, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	cr, err := apiextensions.NewCustomResource(ctx, resourceName, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(apiVersion),
		Kind:        pulumi.String(kind),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(meta.Name), Namespace: meta.Namespace},
		OtherFields: kubernetes.UntypedArgs{"spec": value},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, meta.Name, err)
	}
	return cr, nil
}
