package gatewayapi

import (
	"fmt"
	"regexp"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/cloudnative-pac/platform/components/edge"
	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/strategy"
)

// GatewayClass is the class of Istio's Gateway API implementation.
const GatewayClass = "istio"

// Every field the API server would default is written out, so that what the
// program declares is what the cluster holds, and a refreshing preview
// proposes nothing.
var (
	coreGroup    = gatewayv1.Group("")
	serviceKind  = gatewayv1.Kind("Service")
	gatewayGroup = gatewayv1.Group(gatewayv1.GroupName)
	gatewayKind  = gatewayv1.Kind("Gateway")
	pathRegex    = gatewayv1.PathMatchRegularExpression
	pathPrefix   = gatewayv1.PathMatchPathPrefix
	headerExact  = gatewayv1.HeaderMatchExact
	headerRegex  = gatewayv1.HeaderMatchRegularExpression
	hostnameType = gatewayv1.HostnameAddressType
	fromSelector = gatewayv1.NamespacesFromSelector
	secretKind   = gatewayv1.Kind("Secret")
	terminate    = gatewayv1.TLSModeTerminate
)

// namespaceNameLabel is the label Kubernetes gives every namespace: its name.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// GatewaySpec binds the stack's hosts on port 80 (and with TLS on 443, with
// its Secret) of the ingress gateway the platform installs: Istio's "manual
// deployment", its address the gateway's Service, so that the Service's type
// and ports stay the stack's. Istio binds such a Gateway only to the Service
// of its own namespace, so it lives in the gateway's namespace (beside the
// certificate's Secret), and takes routes from the application's namespace
// alone, and from its own for the ACME challenge routes.
func GatewaySpec(hosts []string, gatewayNamespace, appNamespace string, tls model.TLS) gatewayv1.GatewaySpec {
	address := names.ServiceHost(names.IngressGatewayRelease, gatewayNamespace)
	spec := gatewayv1.GatewaySpec{
		GatewayClassName: GatewayClass,
		Addresses:        []gatewayv1.GatewaySpecAddress{{Type: &hostnameType, Value: address}},
	}
	from := []string{appNamespace}
	if tls.ACMEHTTP01() {
		from = append(from, gatewayNamespace)
	}
	allowed := &gatewayv1.AllowedRoutes{Namespaces: &gatewayv1.RouteNamespaces{
		From: &fromSelector,
		Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: namespaceNameLabel, Operator: metav1.LabelSelectorOpIn, Values: from,
		}}},
	}}
	for i, host := range hosts {
		var hostname *gatewayv1.Hostname
		if host != "*" {
			h := gatewayv1.Hostname(host)
			hostname = &h
		}
		spec.Listeners = append(spec.Listeners, gatewayv1.Listener{
			Name: HTTPListener(i), Hostname: hostname, Port: routing.HTTPPort, Protocol: gatewayv1.HTTPProtocolType, AllowedRoutes: allowed,
		})
		if tls.Enabled {
			spec.Listeners = append(spec.Listeners, gatewayv1.Listener{
				Name: HTTPSListener(i), Hostname: hostname, Port: routing.HTTPSPort, Protocol: gatewayv1.HTTPSProtocolType, AllowedRoutes: allowed,
				TLS: &gatewayv1.ListenerTLSConfig{Mode: &terminate, CertificateRefs: []gatewayv1.SecretObjectReference{{
					Group: &coreGroup, Kind: &secretKind, Name: gatewayv1.ObjectName(tls.SecretName),
				}}},
			})
		}
	}
	return spec
}

// HTTPListener and HTTPSListener name the Gateway's listeners of the i-th host.
func HTTPListener(i int) gatewayv1.SectionName {
	return gatewayv1.SectionName(fmt.Sprintf("http-%d", i))
}
func HTTPSListener(i int) gatewayv1.SectionName {
	return gatewayv1.SectionName(fmt.Sprintf("https-%d", i))
}

// ServiceListeners are the listeners services' routes attach to: every one,
// unless port 80 only redirects (then the HTTPS ones); nil is every listener.
func ServiceListeners(hosts []string, tls model.TLS) []gatewayv1.SectionName {
	if !tls.Enabled || !tls.RedirectHTTP {
		return nil
	}
	out := make([]gatewayv1.SectionName, len(hosts))
	for i := range hosts {
		out[i] = HTTPSListener(i)
	}
	return out
}

// RedirectRouteSpec answers every request on port 80 with a redirect to
// HTTPS. An ACME challenge route, whose path is longer, takes precedence.
func RedirectRouteSpec(hosts []string, gatewayNamespace, gatewayName string) gatewayv1.HTTPRouteSpec {
	ns := gatewayv1.Namespace(gatewayNamespace)
	spec := gatewayv1.HTTPRouteSpec{}
	for i := range hosts {
		section := HTTPListener(i)
		spec.ParentRefs = append(spec.ParentRefs, gatewayv1.ParentReference{
			Group: &gatewayGroup, Kind: &gatewayKind, Namespace: &ns, Name: gatewayv1.ObjectName(gatewayName), SectionName: &section,
		})
	}
	scheme, code := "https", 301
	name := gatewayv1.SectionName("https-redirect")
	spec.Rules = []gatewayv1.HTTPRouteRule{{
		Name:    &name,
		Matches: []gatewayv1.HTTPRouteMatch{{Path: new(prefixMatch("/"))}},
		Filters: []gatewayv1.HTTPRouteFilter{{
			Type:            gatewayv1.HTTPRouteFilterRequestRedirect,
			RequestRedirect: &gatewayv1.HTTPRequestRedirectFilter{Scheme: &scheme, StatusCode: &code},
		}},
	}}
	return spec
}

// ACMERouteSpec sends one host's HTTP-01 challenge path on port 80 to its
// solver's Service (both in the gateway's namespace).
func ACMERouteSpec(s edge.ACMESolver, hostIndex int, gatewayNamespace, gatewayName string) gatewayv1.HTTPRouteSpec {
	ns := gatewayv1.Namespace(gatewayNamespace)
	section := HTTPListener(hostIndex)
	name := gatewayv1.SectionName("acme-http01")
	weight := int32(1)
	return gatewayv1.HTTPRouteSpec{
		CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
			Group: &gatewayGroup, Kind: &gatewayKind, Namespace: &ns, Name: gatewayv1.ObjectName(gatewayName), SectionName: &section,
		}}},
		Hostnames: []gatewayv1.Hostname{gatewayv1.Hostname(s.Host)},
		Rules: []gatewayv1.HTTPRouteRule{{
			Name:        &name,
			Matches:     []gatewayv1.HTTPRouteMatch{{Path: new(prefixMatch(model.ACMEChallengePath))}},
			BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: backend(s.Name, s.Port), Weight: &weight}}},
		}},
	}
}

// MeshRouteSpec routes the traffic inside the mesh to one service: an
// HTTPRoute attached to its Service (the Gateway API's mesh form), the plan's
// header rules before its weighted default.
func MeshRouteSpec(service model.Service, plan strategy.Plan) gatewayv1.HTTPRouteSpec {
	port := gatewayv1.PortNumber(service.Port)
	return gatewayv1.HTTPRouteSpec{
		CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{
			Group: &coreGroup, Kind: &serviceKind, Name: gatewayv1.ObjectName(names.Service(service.Name)), Port: &port,
		}}},
		Rules: rules(service, plan, prefixMatch("/")),
	}
}

// IngressRouteSpec routes one service's requests through the application's
// Gateway: those whose path starts with the service's prefix.
//
// The prefix is matched as a string, as Istio's VirtualService does (the
// README's rule: "/java" takes "/javaservice" unless a longer prefix claims
// it), not by path segments as the Gateway API's PathPrefix would. So it is a
// regular expression, and every service's is one: Istio orders regular
// expressions longest first, which makes the longest prefix win and "/" take
// only the rest, where a PathPrefix "/" would rank above them all.
//
// With TLS the routes attach to the HTTPS listeners only when port 80
// redirects, and with HSTS every answer carries the header.
func IngressRouteSpec(service model.Service, plan strategy.Plan, gatewayNamespace, gatewayName string, hosts []string, tls model.TLS) gatewayv1.HTTPRouteSpec {
	ns := gatewayv1.Namespace(gatewayNamespace)
	parent := gatewayv1.ParentReference{Group: &gatewayGroup, Kind: &gatewayKind, Namespace: &ns, Name: gatewayv1.ObjectName(gatewayName)}
	var parents []gatewayv1.ParentReference
	for _, section := range ServiceListeners(hosts, tls) {
		p := parent
		p.SectionName = new(section)
		parents = append(parents, p)
	}
	if parents == nil {
		parents = []gatewayv1.ParentReference{parent}
	}
	spec := gatewayv1.HTTPRouteSpec{
		CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: parents},
		Rules:           rules(service, plan, PathPrefixMatch(service.PathPrefix)),
	}
	if tls.Enabled && tls.HSTSMaxAgeSeconds > 0 {
		for i := range spec.Rules {
			spec.Rules[i].Filters = append(spec.Rules[i].Filters, gatewayv1.HTTPRouteFilter{
				Type: gatewayv1.HTTPRouteFilterResponseHeaderModifier,
				ResponseHeaderModifier: &gatewayv1.HTTPHeaderFilter{Set: []gatewayv1.HTTPHeader{{
					Name: "Strict-Transport-Security", Value: fmt.Sprintf("max-age=%d", tls.HSTSMaxAgeSeconds),
				}}},
			})
		}
	}
	for _, h := range hosts {
		if h != "*" {
			spec.Hostnames = append(spec.Hostnames, gatewayv1.Hostname(h))
		}
	}
	return spec
}

// PathPrefixMatch matches every path that starts with prefix, as a string.
func PathPrefixMatch(prefix string) gatewayv1.HTTPPathMatch {
	value := "^" + regexp.QuoteMeta(prefix) + ".*"
	return gatewayv1.HTTPPathMatch{Type: &pathRegex, Value: &value}
}

func prefixMatch(prefix string) gatewayv1.HTTPPathMatch {
	return gatewayv1.HTTPPathMatch{Type: &pathPrefix, Value: &prefix}
}

// rules turns the plan's ordered routes into HTTPRoute rules on one path.
// The Gateway API ranks a rule with more header matches above one with
// fewer on the same path, so each header rule comes before the default
// whatever the order; they are written in the plan's order all the same.
func rules(service model.Service, plan strategy.Plan, path gatewayv1.HTTPPathMatch) []gatewayv1.HTTPRouteRule {
	out := make([]gatewayv1.HTTPRouteRule, 0, len(plan.Routes))
	timeout := gatewayv1.Duration(fmt.Sprintf("%ds", service.Routes.TimeoutSeconds))
	for _, r := range plan.Routes {
		match := gatewayv1.HTTPRouteMatch{Path: &path}
		name := "default"
		if r.Match != nil {
			match.Headers = []gatewayv1.HTTPHeaderMatch{headerMatch(*r.Match)}
			name = "match-" + strings.ToLower(r.Match.Header)
		}
		section := gatewayv1.SectionName(name)
		rule := gatewayv1.HTTPRouteRule{
			Name:     &section,
			Matches:  []gatewayv1.HTTPRouteMatch{match},
			Timeouts: &gatewayv1.HTTPRouteTimeouts{Request: &timeout},
		}
		for _, d := range r.Destinations {
			if d.Weight == 0 {
				continue
			}
			weight := int32(d.Weight)
			rule.BackendRefs = append(rule.BackendRefs, gatewayv1.HTTPBackendRef{BackendRef: gatewayv1.BackendRef{
				BackendObjectReference: backend(plan.Backend(service.Name, d.Track), service.Port),
				Weight:                 &weight,
			}})
		}
		if m := r.Mirror; m != nil {
			// Hundredths of a percent, the precision Istio's own mirror has.
			denominator := int32(10000)
			rule.Filters = append(rule.Filters, gatewayv1.HTTPRouteFilter{
				Type: gatewayv1.HTTPRouteFilterRequestMirror,
				RequestMirror: &gatewayv1.HTTPRequestMirrorFilter{
					BackendRef: backend(plan.Backend(service.Name, m.Track), service.Port),
					Fraction:   &gatewayv1.Fraction{Numerator: int32(m.Percent*100 + 0.5), Denominator: &denominator},
				},
			})
		}
		out = append(out, rule)
	}
	return out
}

func backend(service string, port int) gatewayv1.BackendObjectReference {
	p := gatewayv1.PortNumber(port)
	return gatewayv1.BackendObjectReference{Group: &coreGroup, Kind: &serviceKind, Name: gatewayv1.ObjectName(service), Port: &p}
}

// headerMatch: the Gateway API matches a header exactly or by a regular
// expression; a prefix is the expression of everything that starts with it.
func headerMatch(m model.HeaderMatch) gatewayv1.HTTPHeaderMatch {
	name := gatewayv1.HTTPHeaderName(m.Header)
	switch {
	case m.Prefix != "":
		return gatewayv1.HTTPHeaderMatch{Type: &headerRegex, Name: name, Value: regexp.QuoteMeta(m.Prefix) + ".*"}
	case m.Regex != "":
		return gatewayv1.HTTPHeaderMatch{Type: &headerRegex, Name: name, Value: m.Regex}
	default:
		return gatewayv1.HTTPHeaderMatch{Type: &headerExact, Name: name, Value: m.Exact}
	}
}
