package istioapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/components/edge"
	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/model"
)

func TestGatewaySpec_HTTPSWithTheSecretAndARedirectingPort80(t *testing.T) {
	tls := model.TLS{Enabled: true, SecretName: "shop-gateway-tls", Source: model.SourceSecret, RedirectHTTP: true}
	value, err := SpecValue(GatewaySpec([]string{"shop.example.com"}, tls))
	require.NoError(t, err)
	assert.Equal(t, []any{
		map[string]any{
			"port":  map[string]any{"number": float64(80), "name": "http", "protocol": "HTTP"},
			"hosts": []any{"shop.example.com"},
			"tls":   map[string]any{"httpsRedirect": true},
		},
		map[string]any{
			"port":  map[string]any{"number": float64(443), "name": "https", "protocol": "HTTPS"},
			"hosts": []any{"shop.example.com"},
			"tls":   map[string]any{"mode": "SIMPLE", "credentialName": "shop-gateway-tls", "minProtocolVersion": "TLSV1_2"},
		},
	}, value["servers"])

	tls.RedirectHTTP = false
	assert.Nil(t, GatewaySpec([]string{"shop.example.com"}, tls).Servers[0].Tls, "serve: port 80 keeps its routes")
}

// With an ACME issuer the server cannot redirect (the challenge must be
// answered on 80): the challenge routes come first, then the redirect.
func TestIngressVirtualServiceSpec_ACMEChallengeThenRedirectThenServices(t *testing.T) {
	hosts := []string{"shop.example.com", "api.example.com"}
	tls := model.TLS{Enabled: true, SecretName: "s", Source: model.SourceIssuer, RedirectHTTP: true, HSTSMaxAgeSeconds: 600,
		Issuer: model.Issuer{Kind: model.IssuerACME, ACMEEmail: "ops@example.com", ACMEServer: model.DefaultACMEServer}}
	assert.Nil(t, GatewaySpec(hosts, tls).Servers[0].Tls, "the redirect is a route, after the challenge")
	svc, plan := canary(10)
	svc.PathPrefix = "/"
	e := routing.Edge{TLS: tls, GatewayNamespace: "istio-ingress", Solvers: edge.ACMESolvers(tls, hosts)}
	vs := IngressVirtualServiceSpec([]routing.IngressRoute{{Service: svc, Plan: plan}}, "shop", "shop/shop-gateway", hosts, e)

	require.Len(t, vs.Http, 5)
	for i, host := range hosts {
		r := vs.Http[i]
		assert.Equal(t, host, r.Match[0].Authority.GetExact())
		assert.Equal(t, uint32(80), r.Match[0].Port)
		assert.Equal(t, model.ACMEChallengePath, r.Match[0].Uri.GetPrefix())
		assert.Equal(t, e.Solvers[i].Name+".istio-ingress.svc.cluster.local", r.Route[0].Destination.Host)
	}
	assert.NotEqual(t, e.Solvers[0].Name, e.Solvers[1].Name)
	assert.Equal(t, "https", vs.Http[2].Redirect.Scheme)
	assert.Equal(t, "max-age=600", vs.Http[3].Headers.Response.Set["Strict-Transport-Security"])
}
