package mesh

import (
	"fmt"
	"strings"
	"testing"

	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"

	"istio.io/istio/pilot/pkg/simulation"
)

// acmeChallenge is a path an ACME server asks for over HTTP-01.
const acmeChallenge = "/.well-known/acme-challenge/token-1"

// serviceCalls are the requests through which a host's services are reached:
// plain HTTP on 80 without TLS; HTTPS on 443 with it, and 80 as well when the
// stack serves plain HTTP beside it (TLS ended in front of the gateway).
func serviceCalls(c Case, host, path string) []simulation.Call {
	plain := simulation.Call{Port: 80, Path: path, HostHeader: probeHost(host), Protocol: simulation.HTTP, CallMode: simulation.CallModeGateway}
	if c.TLS == nil {
		return []simulation.Call{plain}
	}
	https := simulation.Call{Port: 443, Path: path, HostHeader: probeHost(host), Sni: probeHost(host), Protocol: simulation.HTTP,
		TLS: simulation.TLS, CallMode: simulation.CallModeGateway}
	if c.TLS.RedirectHTTP {
		return []simulation.Call{https}
	}
	return []simulation.Call{plain, https}
}

// checkEdge checks what Istio made of the stack's HTTPS: on 443, every host's
// filter chain terminates TLS with the configured Secret (by SDS) and its
// routes carry HSTS when asked; on 80, with redirect, every request is
// redirected to HTTPS but an ACME challenge, which reaches its host's solver.
func checkEdge(t *testing.T, e *env) {
	tls := e.c.TLS
	if tls == nil {
		return
	}
	wantSecret := "kubernetes://" + tls.SecretName
	if e.c.gatewayAPI() {
		// A Gateway API listener's certificateRefs, as Istio names them for SDS.
		wantSecret = "kubernetes-gateway://" + e.c.GatewayNamespace + "/" + tls.SecretName
	}
	paths := []string{"/", "/zz-unclaimed/x", acmeChallenge}
	for _, s := range e.c.Services {
		if s.Gateway {
			paths = append(paths, s.PathPrefix)
		}
	}
	for _, host := range e.c.Hosts {
		probe := probeHost(host)
		// 443: the TLS context names the Secret.
		sawTLS := false
		call := simulation.Call{Port: 443, Path: "/", HostHeader: probe, Sni: probe, Protocol: simulation.HTTP, TLS: simulation.TLS, CallMode: simulation.CallModeGateway,
			CustomListenerValidations: []simulation.CustomFilterChainValidation{func(fc *listener.FilterChain) error {
				sawTLS = true
				return sdsSecretIs(fc, wantSecret)
			}}}
		if res := e.gateway.Run(call); res.Error != nil && res.Error != simulation.ErrNoRoute {
			t.Errorf("https://%s/: %v (listener %q, chain %q)", probe, res.Error, res.ListenerMatched, res.FilterChainMatched)
		}
		if !sawTLS {
			t.Errorf("https://%s/: no filter chain on 443 matched the host's SNI", probe)
		}
		if tls.HSTSMaxAgeSeconds > 0 {
			checkHSTS(t, e, probe, paths, tls.HSTSMaxAgeSeconds)
		}
		if tls.RedirectHTTP {
			checkRedirects(t, e, host, paths)
		}
	}
}

// sdsSecretIs checks that a filter chain terminates TLS with the certificate
// Istio serves under name by SDS.
func sdsSecretIs(fc *listener.FilterChain, name string) error {
	ts := fc.GetTransportSocket()
	if ts == nil {
		return fmt.Errorf("filter chain %q does not terminate TLS", fc.GetName())
	}
	ctx := &tlsv3.DownstreamTlsContext{}
	if err := ts.GetTypedConfig().UnmarshalTo(ctx); err != nil {
		return fmt.Errorf("filter chain %q: %v", fc.GetName(), err)
	}
	var got []string
	for _, sds := range ctx.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs() {
		got = append(got, sds.GetName())
		if sds.GetName() == name {
			return nil
		}
	}
	return fmt.Errorf("filter chain %q serves certificates %v, not %s", fc.GetName(), got, name)
}

// checkHSTS: every service route on 443 sets Strict-Transport-Security.
func checkHSTS(t *testing.T, e *env, probe string, paths []string, maxAge int) {
	want := fmt.Sprintf("max-age=%d", maxAge)
	for _, path := range paths {
		svc := owner(e.c, path)
		if svc == nil {
			continue
		}
		vh, err := virtualHost(t, e.gateway, simulation.Call{Port: 443, Path: path, HostHeader: probe, Sni: probe, Protocol: simulation.HTTP, TLS: simulation.TLS, CallMode: simulation.CallModeGateway})
		if err != nil {
			t.Errorf("https://%s%s: %v", probe, path, err)
			continue
		}
		r, err := firstRoute(vh, request{path: path, headers: map[string]string{}})
		if err != nil || r == nil {
			t.Errorf("https://%s%s: no route (%v)", probe, path, err)
			continue
		}
		found := false
		for _, h := range r.GetResponseHeadersToAdd() {
			// Header names are case-insensitive; Istio lowercases the Gateway API's.
			found = found || (strings.EqualFold(h.GetHeader().GetKey(), "Strict-Transport-Security") && h.GetHeader().GetValue() == want)
		}
		if !found {
			t.Errorf("https://%s%s: route %q does not set Strict-Transport-Security: %s", probe, path, r.GetName(), want)
		}
	}
}

// checkRedirects: on port 80 Envoy answers every request with a redirect to
// HTTPS (the virtual host requires TLS, or the route redirects to https),
// except an ACME challenge for a host with a solver, which reaches it.
func checkRedirects(t *testing.T, e *env, host string, paths []string) {
	probe := probeHost(host)
	var solver *ACMESolver
	for i := range e.c.TLS.ACMESolvers {
		if e.c.TLS.ACMESolvers[i].Host == host {
			solver = &e.c.TLS.ACMESolvers[i]
		}
	}
	for _, path := range paths {
		where := fmt.Sprintf("http://%s%s", probe, path)
		call := simulation.Call{Port: 80, Path: path, HostHeader: probe, Protocol: simulation.HTTP, CallMode: simulation.CallModeGateway}
		if res := e.gateway.Run(call); res.Error == simulation.ErrTLSRedirect {
			// The virtual host requires TLS: Envoy redirects before routing.
			if solver != nil {
				t.Errorf("%s: the virtual host requires TLS, so the ACME challenge can never be answered on 80", where)
			}
			continue
		}
		vh, err := virtualHost(t, e.gateway, call)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		r, err := firstRoute(vh, request{path: path, headers: map[string]string{":authority": probe}})
		if err != nil || r == nil {
			t.Errorf("%s: neither redirected nor routed (%v)", where, err)
			continue
		}
		if solver != nil && path == acmeChallenge {
			want := fmt.Sprintf("outbound|%d||%s", solver.Port, solver.Service)
			if got := r.GetRoute().GetCluster(); got != want {
				t.Errorf("%s: the ACME challenge goes to %q (route %q), not the solver %s", where, got, r.GetName(), want)
			}
			continue
		}
		if redirect := r.GetRedirect(); redirect == nil || redirect.GetSchemeRedirect() != "https" {
			t.Errorf("%s: route %q does not redirect to https: %v", where, r.GetName(), r.GetAction())
		}
	}
}
