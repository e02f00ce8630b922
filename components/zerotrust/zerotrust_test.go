package zerotrust

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

const (
	policyType        = "kubernetes:security.istio.io/v1:AuthorizationPolicy"
	sidecarType       = "kubernetes:networking.istio.io/v1:Sidecar"
	serviceEntryType  = "kubernetes:networking.istio.io/v1:ServiceEntry"
	networkPolicyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
)

func app(mtls string) model.App {
	return model.App{Namespace: "shop", MTLS: mtls, TrustDomain: "cluster.local",
		Egress: []model.ExternalHost{{Host: "api.example.com", Port: 443, Protocol: "TLS"}, {Host: "*.example.org", Port: 443, Protocol: "HTTPS"}}}
}

func services() []model.Service {
	return []model.Service{
		{Name: "frontend", Gateway: true, TargetPort: 8080},
		{Name: "orders", TargetPort: 9090, Callers: []model.Caller{
			{Service: "frontend", Methods: []string{"GET", "POST"}, PathPrefixes: []string{"/orders"}},
			{Namespace: "billing", ServiceAccount: "invoicer"},
		}},
		{Name: "batch", TargetPort: 8080},
	}
}

func build(t *testing.T, a model.App) *mocktest.Mocks {
	t.Helper()
	return mocktest.OnProvider(t, func(ctx *pulumi.Context, onCluster pulumi.ResourceOption) error {
		_, err := New(ctx, "zero-trust", &Args{App: a, Services: services(), Namespace: pulumi.String("shop"),
			IstioNamespace: "istio-system", GatewayNamespace: "istio-ingress"}, onCluster)
		return err
	})
}

func TestZeroTrust_DenyByDefaultThenEachServicesCallers(t *testing.T) {
	mocks := build(t, app("STRICT"))
	policies := mocks.OfType(policyType)
	byName := map[string]mocktest.Resource{}
	for _, p := range policies {
		byName[p.Field("metadata", "name").(string)] = p
	}
	require.Len(t, byName, 3, "deny-by-default, frontend's and orders'; batch has no caller, so no policy opens it")

	deny := byName["deny-by-default"]
	assert.Equal(t, map[string]any{}, deny.Field("spec"), "an ALLOW policy without rules allows nothing, for every workload of the namespace")

	frontend := byName["frontend-callers"]
	assert.Equal(t, map[string]any{"app": "frontend"}, frontend.Field("spec", "selector", "matchLabels"))
	assert.Equal(t, "ALLOW", frontend.Field("spec", "action"))
	assert.Equal(t, []any{"cluster.local/ns/istio-ingress/sa/istio-ingressgateway"}, frontend.Field("spec", "rules", 0, "from", 0, "source", "principals"))

	orders := byName["orders-callers"]
	rules := orders.Field("spec", "rules").([]any)
	require.Len(t, rules, 2, "its two callers and no gateway")
	assert.Equal(t, []any{"cluster.local/ns/shop/sa/frontend"}, mocktest.Dig(rules[0], "from", 0, "source", "principals"))
	assert.Equal(t, map[string]any{"methods": []any{"GET", "POST"}, "paths": []any{"/orders*"}}, mocktest.Dig(rules[0], "to", 0, "operation"))
	assert.Equal(t, []any{"cluster.local/ns/billing/sa/invoicer"}, mocktest.Dig(rules[1], "from", 0, "source", "principals"))
	assert.Nil(t, mocktest.Dig(rules[1], "to"), "a caller not narrowed may ask anything")
}

func TestZeroTrust_NoAuthorizationWithoutStrictMTLS(t *testing.T) {
	for _, mode := range []string{"PERMISSIVE", "DISABLE"} {
		t.Run(mode, func(t *testing.T) {
			assert.Empty(t, build(t, app(mode)).OfType(policyType), "a peer without mTLS has no principal to allow")
		})
	}
}

func TestZeroTrust_RegistryOnlyEgressWithDeclaredHosts(t *testing.T) {
	mocks := build(t, app("STRICT"))
	sidecar := mocks.Get(t, sidecarType, "zero-trust-sidecar")
	assert.Equal(t, "default", sidecar.Field("metadata", "name"))
	assert.Equal(t, "REGISTRY_ONLY", sidecar.Field("spec", "outboundTrafficPolicy", "mode"))
	assert.Nil(t, sidecar.Field("spec", "workloadSelector"), "the namespace's default Sidecar")

	entries := mocks.OfType(serviceEntryType)
	require.Len(t, entries, 2)
	api := mocks.Get(t, serviceEntryType, "zero-trust-egress-api.example.com-443")
	assert.Equal(t, []any{"api.example.com"}, api.Field("spec", "hosts"))
	assert.Equal(t, "MESH_EXTERNAL", api.Field("spec", "location"))
	assert.Equal(t, "DNS", api.Field("spec", "resolution"))
	assert.Equal(t, []any{"."}, api.Field("spec", "exportTo"))
	assert.Equal(t, []any{map[string]any{"number": float64(443), "name": "tls-443", "protocol": "TLS"}}, api.Field("spec", "ports"))
	wildcard := mocks.Get(t, serviceEntryType, "zero-trust-egress-wildcard.example.org-443")
	assert.Equal(t, "NONE", wildcard.Field("spec", "resolution"), "a wildcard host cannot be resolved by the sidecar")
}

func TestZeroTrust_EgressBaseline(t *testing.T) {
	np := build(t, app("STRICT")).Get(t, networkPolicyType, "zero-trust-egress")
	assert.Equal(t, map[string]any{}, np.Field("spec", "podSelector"), "every pod of the namespace")
	assert.Equal(t, []any{"Egress"}, np.Field("spec", "policyTypes"))
	egress := np.Field("spec", "egress").([]any)
	require.Len(t, egress, 3, "DNS, istiod, the external hosts' port; nothing of the namespace's own under STRICT")
	assert.Equal(t, []any{map[string]any{"protocol": "UDP", "port": float64(53)}, map[string]any{"protocol": "TCP", "port": float64(53)}}, mocktest.Dig(egress[0], "ports"))
	assert.Equal(t, map[string]any{"app": "istiod"}, mocktest.Dig(egress[1], "to", 0, "podSelector", "matchLabels"))
	assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": float64(15012)}}, mocktest.Dig(egress[1], "ports"))
	assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": float64(443)}}, mocktest.Dig(egress[2], "ports"), "one rule per port, however many hosts")

	permissive := build(t, app("PERMISSIVE")).Get(t, networkPolicyType, "zero-trust-egress")
	egress = permissive.Field("spec", "egress").([]any)
	assert.Equal(t, map[string]any{"podSelector": map[string]any{}}, mocktest.Dig(egress[len(egress)-1], "to", 0), "without principals, the namespace's pods stay reachable")
}
