//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertGatewayCertificate: the Gateway serves HTTPS on 443 with the Secret
// the program wrote from the stack's certificate files, in the gateway's
// namespace where Istio reads it; port 80 only redirects; and the key is
// nowhere in the stack's state in the clear.
func assertGatewayCertificate(t *testing.T, p *env, gateway map[string]any) {
	servers := dig(gateway, "spec", "servers").([]any)
	require.Len(t, servers, 2, "an HTTP and an HTTPS server")
	assert.Equal(t, true, dig(servers[0], "tls", "httpsRedirect"), "port 80 only redirects")
	assert.Equal(t, float64(443), dig(servers[1], "port", "number"))
	assert.Equal(t, "SIMPLE", dig(servers[1], "tls", "mode"))
	secretName := dig(servers[1], "tls", "credentialName").(string)

	secret := p.get("secret", secretName, "-n", "istio-ingress")
	assert.Equal(t, "kubernetes.io/tls", dig(secret, "type"))
	tls := p.section("cloudnative:app")["tls"].(map[string]any)
	wantCert, err := os.ReadFile(tls["certificateFile"].(string))
	require.NoError(t, err)
	gotCert, err := base64.StdEncoding.DecodeString(dig(secret, "data", "tls.crt").(string))
	require.NoError(t, err)
	assert.Equal(t, string(wantCert), string(gotCert), "the Secret holds the stack's certificate")
	key, err := os.ReadFile(tls["keyFile"].(string))
	require.NoError(t, err)

	state, err := p.stack.Export(context.Background())
	require.NoError(t, err)
	keyBody := strings.Split(strings.TrimSpace(string(key)), "\n")[1]
	assert.NotContains(t, string(state.Deployment), keyBody, "the private key is encrypted in the state")
}

// TestCertManagerIssuer installs cert-manager's chart (copied from its module;
// its controller's image cannot be pulled here, so its pods run on the
// simulated node and nothing issues) and checks that the API server — its
// CRDs' schemas — accepts the Issuer and Certificate the program writes for
// an ACME issuer, with the solver Services and the gateway's challenge routes;
// then that destroy takes all of it away, CRDs included.
func TestCertManagerIssuer(t *testing.T) {
	project := newProject(t)
	p := project.env("edge", func(c map[string]any) {
		onSimulatedNode(c)
		c["cloudnative:certManager"] = map[string]any{"chartDir": project.charts + "/cert-manager"}
		c["cloudnative:observability"] = map[string]any{"enabled": false}
		app := c["cloudnative:app"].(map[string]any)
		app["namespace"] = "edge"
		app["hosts"] = []any{"edge.cloudnative.test", "api.cloudnative.test"}
		app["tls"] = map[string]any{"issuer": map[string]any{"acme": map[string]any{
			"email": "ops@cloudnative.test", "server": "https://acme.cloudnative.test/directory"}}, "hstsMaxAgeSeconds": 600}
		var services []any
		for _, s := range c["cloudnative:services"].([]any) {
			if s.(map[string]any)["name"] == "go-service" {
				services = append(services, s)
			}
		}
		c["cloudnative:services"] = services
	})
	t.Cleanup(func() { _, _ = p.stack.Destroy(context.Background()) })
	p.up()

	for _, d := range []string{"cert-manager", "cert-manager-webhook", "cert-manager-cainjector"} {
		assertAvailable(t, p.get("deployment", d, "-n", "cert-manager"), 1)
	}
	issuer := p.get("issuer.cert-manager.io", "edge-gateway", "-n", "istio-ingress")
	assert.Equal(t, "ops@cloudnative.test", dig(issuer, "spec", "acme", "email"))
	assert.Equal(t, "cloudnative-acme-routed-by-gateway", dig(issuer, "spec", "acme", "solvers", 0, "http01", "ingress", "ingressClassName"))
	cert := p.get("certificate.cert-manager.io", "edge-gateway", "-n", "istio-ingress")
	assert.Equal(t, "edge-gateway-tls", dig(cert, "spec", "secretName"))
	assert.Equal(t, []any{"edge.cloudnative.test", "api.cloudnative.test"}, dig(cert, "spec", "dnsNames"))
	assert.Len(t, p.items("service", "-n", "istio-ingress", "-l", "acme.cert-manager.io/http01-solver"), 0, "the solver Services select solver pods, they are not ones")
	solvers := 0
	for _, s := range p.items("service", "-n", "istio-ingress") {
		if strings.HasPrefix(dig(s, "metadata", "name").(string), "acme-http01-") {
			solvers++
			assert.Equal(t, "true", dig(s, "spec", "selector", "acme.cert-manager.io/http01-solver"))
		}
	}
	assert.Equal(t, 2, solvers, "a solver Service per host")

	gateway := p.get("gateway.networking.istio.io", "edge-gateway", "-n", "edge")
	assert.Nil(t, dig(gateway, "spec", "servers", 0, "tls"), "ACME: port 80 redirects by route, after the challenge")
	assert.Equal(t, "edge-gateway-tls", dig(gateway, "spec", "servers", 1, "tls", "credentialName"))
	ingress := p.get("virtualservice.networking.istio.io", "edge-ingress", "-n", "edge")
	var names []string
	for _, r := range dig(ingress, "spec", "http").([]any) {
		names = append(names, dig(r, "name").(string))
	}
	assert.Equal(t, []string{"acme-http01-0", "acme-http01-1", "https-redirect", "go-service-default"}, names)

	// The CRDs validate what they are given: the objects above are not
	// accepted by default.
	bad := `{"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"bad","namespace":"istio-ingress"},` +
		`"spec":{"secretName":"bad","dnsNames":["x.test"],"issuerRef":{"name":"edge-gateway"},"privateKey":{"algorithm":"DSA"}}}`
	out, err := p.kubectlStdin(bad, "create", "--dry-run=server", "-f", "-")
	require.Error(t, err, "the API server accepted a Certificate its CRD refuses: %s", out)
	assert.Contains(t, err.Error(), "privateKey.algorithm")

	_, err = p.stack.Destroy(context.Background())
	require.NoError(t, err)
	for _, crd := range []string{"certificates.cert-manager.io", "issuers.cert-manager.io"} {
		out, err := p.kubectl("get", "crd", crd, "--ignore-not-found", "-o", "name")
		require.NoError(t, err)
		assert.Empty(t, out, "%s goes with the release", crd)
	}
	out, err = p.kubectl("get", "namespace", "cert-manager", "--ignore-not-found", "-o", "jsonpath={.status.phase}")
	require.NoError(t, err)
	assert.True(t, out == "" || out == "Terminating", "cert-manager's namespace is gone or going")
}
