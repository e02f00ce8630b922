package istioapi

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/internal/mocktest"
)

const customResource = "kubernetes:networking.istio.io/v1:"

func TestServiceRoutes_RegistersTypedResources(t *testing.T) {
	svc, plan := canary(25)
	mocks, err := mocktest.Run(t, func(ctx *pulumi.Context) error {
		in, err := API{}.Ingress(ctx, &routing.IngressArgs{Namespace: "shop", Hosts: []string{"*"}})
		if err != nil {
			return err
		}
		rule, err := API{}.Service(ctx, &routing.ServiceArgs{Service: svc, Plan: plan, Namespace: "shop"})
		if err != nil {
			return err
		}
		return API{}.IngressRoutes(ctx, &routing.IngressRoutesArgs{Services: []routing.IngressRoute{{Service: svc, Plan: plan}},
			Namespace: "shop", GatewayRef: in.Ref, Hosts: []string{"*"}}, pulumi.DependsOn([]pulumi.Resource{rule}))
	}, nil)
	require.NoError(t, err)

	gw := mocks.Get(t, customResource+"Gateway", "ingress")
	assert.Equal(t, "networking.istio.io/v1", gw.Field("apiVersion"))
	assert.Equal(t, "shop-gateway", gw.Field("metadata", "name"))

	dr := mocks.Get(t, customResource+"DestinationRule", "java-service")
	assert.Equal(t, "java-service", dr.Field("metadata", "name"))
	assert.Len(t, dr.Field("spec", "subsets"), 2)

	ingress := mocks.Get(t, customResource+"VirtualService", "ingress-routes")
	assert.Equal(t, "shop-ingress", ingress.Field("metadata", "name"))
	assert.Equal(t, []any{"shop/shop-gateway"}, ingress.Field("spec", "gateways"))
	assert.Equal(t, float64(75), ingress.Field("spec", "http", 1, "route", 0, "weight"))
	assert.Contains(t, mocks.Get(t, "cloudnative:routing:IngressRoutes", "ingress-routes").DependsOn,
		"urn:pulumi:test::cloudnative::cloudnative:routing:ServiceRoutes$kubernetes:networking.istio.io/v1:DestinationRule::java-service",
		"routes wait for the subsets they name")

	mesh := mocks.Get(t, customResource+"VirtualService", "java-service-mesh")
	assert.Equal(t, []any{"mesh"}, mesh.Field("spec", "gateways"))
	assert.Equal(t, []any{"java-service.shop.svc.cluster.local"}, mesh.Field("spec", "hosts"))

	// Every subset a route names is defined by the DestinationRule.
	subsets := map[any]bool{}
	for _, s := range dr.Field("spec", "subsets").([]any) {
		subsets[mocktest.Dig(s, "name")] = true
	}
	for _, vs := range []mocktest.Resource{ingress, mesh} {
		for _, route := range vs.Field("spec", "http").([]any) {
			for _, d := range mocktest.Dig(route, "route").([]any) {
				assert.True(t, subsets[mocktest.Dig(d, "destination", "subset")], "subset %v is defined", mocktest.Dig(d, "destination", "subset"))
			}
		}
	}
}
