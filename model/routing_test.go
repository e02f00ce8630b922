package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withRouting is the valid fixture with a routing document and edits to its
// services.
func withRouting(routing map[string]any, edit func(services []map[string]any)) fixture {
	f := validFixture()
	f.extra = map[string]any{"routing": routing}
	if edit != nil {
		edit(f.services)
	}
	return f
}

func TestDecode_RoutingDefaultsToIstio(t *testing.T) {
	p, err := Decode(validFixture().raw(t), projectDir(t))
	require.NoError(t, err)
	assert.Equal(t, RoutingIstio, p.Routing.API)
	assert.False(t, p.Routing.GatewayAPI())
}

func TestDecode_GatewayAPIWithItsCRDs(t *testing.T) {
	dir := projectDir(t)
	crds := filepath.Join(dir, "gateway-api")
	require.NoError(t, os.MkdirAll(crds, 0o755))
	for _, f := range GatewayAPICRDFiles {
		require.NoError(t, os.WriteFile(filepath.Join(crds, f), []byte("kind: CustomResourceDefinition\n"), 0o644))
	}
	p, err := Decode(withRouting(map[string]any{"api": "gatewayAPI", "crdDir": "gateway-api"}, nil).raw(t), dir)
	require.NoError(t, err)
	assert.Equal(t, Routing{API: RoutingGatewayAPI, CRDDir: crds}, p.Routing)
}

func TestDecode_RoutingRefusesWhatItCannotWrite(t *testing.T) {
	gatewayAPI := map[string]any{"api": "gatewayAPI"}
	for _, tc := range []struct {
		name string
		f    fixture
		key  string
		says string
	}{
		{"unknown api", withRouting(map[string]any{"api": "ingress"}, nil), "cloudnative:routing.api", "unknown routing API"},
		{"crds without the gateway api", withRouting(map[string]any{"crdDir": "gateway-api"}, nil), "cloudnative:routing.crdDir", "only with api: gatewayAPI"},
		{"missing crd files", withRouting(map[string]any{"api": "gatewayAPI", "crdDir": "nowhere"}, nil), "cloudnative:routing.crdDir", "gateway.networking.k8s.io_httproutes.yaml"},
		{"session affinity", withRouting(gatewayAPI, func(s []map[string]any) {
			s[1]["sessionAffinity"] = map[string]any{"header": "x-user"}
		}), "services[1](go-service).sessionAffinity", "sessionPersistence is experimental"},
		{"retries", withRouting(gatewayAPI, func(s []map[string]any) {
			s[0]["routes"] = map[string]any{"retryAttempts": 3}
		}), "services[0](java-service).routes.retryAttempts", "Istio's default retry policy applies"},
		{"retry conditions", withRouting(gatewayAPI, func(s []map[string]any) {
			s[0]["routes"] = map[string]any{"retryOn": "5xx"}
		}), "services[0](java-service).routes.retryOn", "retry is experimental"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeRefused(t, tc.f.raw(t), projectDir(t))
			assert.ErrorContains(t, err, tc.key)
			assert.ErrorContains(t, err, tc.says)
		})
	}
}

func TestDecode_GatewayAPIKeepsTimeouts(t *testing.T) {
	f := withRouting(map[string]any{"api": "gatewayAPI"}, func(s []map[string]any) {
		s[0]["routes"] = map[string]any{"timeoutSeconds": 7}
	})
	p, err := Decode(f.raw(t), projectDir(t))
	require.NoError(t, err)
	assert.Equal(t, 7, p.Services[0].Routes.TimeoutSeconds)
}
