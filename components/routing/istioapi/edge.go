package istioapi

import (
	"fmt"

	networkingv1 "istio.io/api/networking/v1"

	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// GatewaySpec accepts the hosts on port 80 and, with TLS, on 443 with the
// certificate Secret. Port 80 redirects every request to HTTPS, unless the
// stack serves HTTP too, or an ACME issuer needs the challenge path on 80
// (the redirect is then the route after it, see edgeRoutes).
func GatewaySpec(hosts []string, tls model.TLS) *networkingv1.Gateway {
	plain := &networkingv1.Server{
		Port:  &networkingv1.Port{Number: routing.HTTPPort, Name: "http", Protocol: "HTTP"},
		Hosts: hosts,
	}
	gw := &networkingv1.Gateway{Selector: names.IngressGatewaySelector, Servers: []*networkingv1.Server{plain}}
	if !tls.Enabled {
		return gw
	}
	if tls.RedirectHTTP && !tls.ACMEHTTP01() {
		plain.Tls = &networkingv1.ServerTLSSettings{HttpsRedirect: true}
	}
	gw.Servers = append(gw.Servers, &networkingv1.Server{
		Port:  &networkingv1.Port{Number: routing.HTTPSPort, Name: "https", Protocol: "HTTPS"},
		Hosts: hosts,
		Tls: &networkingv1.ServerTLSSettings{
			Mode:               networkingv1.ServerTLSSettings_SIMPLE,
			CredentialName:     tls.SecretName,
			MinProtocolVersion: networkingv1.ServerTLSSettings_TLSV1_2,
		},
	})
	return gw
}

// edgeRoutes come first in the ingress VirtualService: on port 80, each
// host's ACME challenge path to its solver, then (redirecting) every other
// request to HTTPS. Without ACME the Gateway's server redirects by itself.
func edgeRoutes(e routing.Edge) []*networkingv1.HTTPRoute {
	if !e.TLS.ACMEHTTP01() {
		return nil
	}
	var routes []*networkingv1.HTTPRoute
	for i, s := range e.Solvers {
		routes = append(routes, &networkingv1.HTTPRoute{
			Name: fmt.Sprintf("acme-http01-%d", i),
			Match: []*networkingv1.HTTPMatchRequest{{
				Port:      routing.HTTPPort,
				Authority: &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Exact{Exact: s.Host}},
				Uri:       prefix(model.ACMEChallengePath),
			}},
			Route: []*networkingv1.HTTPRouteDestination{{Destination: &networkingv1.Destination{
				Host: names.ServiceHost(s.Name, e.GatewayNamespace),
				Port: &networkingv1.PortSelector{Number: uint32(s.Port)},
			}}},
		})
	}
	if e.TLS.RedirectHTTP {
		routes = append(routes, &networkingv1.HTTPRoute{
			Name:     "https-redirect",
			Match:    []*networkingv1.HTTPMatchRequest{{Port: routing.HTTPPort}},
			Redirect: &networkingv1.HTTPRedirect{Scheme: "https", RedirectCode: 301},
		})
	}
	return routes
}

// responseHeaders add HSTS to a route's responses when the stack asks for it.
func responseHeaders(e routing.Edge) *networkingv1.Headers {
	if !e.TLS.Enabled || e.TLS.HSTSMaxAgeSeconds == 0 {
		return nil
	}
	return &networkingv1.Headers{Response: &networkingv1.Headers_HeaderOperations{
		Set: map[string]string{"Strict-Transport-Security": fmt.Sprintf("max-age=%d", e.TLS.HSTSMaxAgeSeconds)},
	}}
}
