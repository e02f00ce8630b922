// Package names is the one place that names the objects of a service: Deployments,
// Services, Istio subsets and routes. Changing a name here replaces live objects,
// so treat any change as a migration.
package names

import (
	"fmt"
	"strings"
)

// Track names label the pods of each version a strategy runs (label "version").
const (
	TrackPrimary = "primary"
	TrackStable  = "stable"
	TrackCanary  = "canary"
	TrackBlue    = "blue"
	TrackGreen   = "green"
)

// Label keys put on every pod and selected by Services and DestinationRule subsets.
const (
	AppLabel     = "app"
	VersionLabel = "version"
)

// Deployment names the Deployment of one track. Single-track strategies keep the
// service's own name so that switching between recreate and ramped updates the
// Deployment in place.
func Deployment(service, track string) string {
	if track == TrackPrimary {
		return service
	}
	return fmt.Sprintf("%s-%s", service, track)
}

// Service names the Kubernetes Service of the application service.
func Service(service string) string { return service }

// PreviewService names the Service that reaches the idle colour of a blue/green pair.
func PreviewService(service string) string { return service + "-preview" }

// DestinationRule names the service's DestinationRule.
func DestinationRule(service string) string { return service }

// Subset names the DestinationRule subset of a track.
func Subset(track string) string { return track }

// Gateway names the application's Istio Gateway.
func Gateway(namespace string) string { return namespace + "-gateway" }

// ServiceHost is the in-cluster host name Istio routes to.
func ServiceHost(service, namespace string) string {
	return fmt.Sprintf("%s.%s.svc.cluster.local", Service(service), namespace)
}

// IngressGatewayRelease names the Helm release of the ingress gateway. The gateway
// chart labels its pods istio=<release name without "istio-">, which Gateways select.
const IngressGatewayRelease = "istio-ingressgateway"

// IngressGatewaySelector is the pod label an Istio Gateway selects.
var IngressGatewaySelector = map[string]string{"istio": "ingressgateway"}

// IngressVirtualService names the one VirtualService that routes all of an
// application namespace's gateway traffic.
func IngressVirtualService(namespace string) string { return namespace + "-ingress" }

// MeshVirtualService names the VirtualService that routes traffic inside the mesh.
func MeshVirtualService(service string) string { return service + "-mesh" }

// TrackService names the Service of one track, which the Gateway API's routes
// weigh (it has no subsets): the service's pods of that track alone.
func TrackService(service, track string) string { return service + "-" + track }

// MeshHTTPRoute names the HTTPRoute attached to a service's Service (the
// Gateway API's mesh form): the traffic inside the mesh.
func MeshHTTPRoute(service string) string { return service + "-mesh" }

// HTTPSRedirectRoute names the HTTPRoute that redirects a namespace's hosts
// from port 80 to HTTPS (the Gateway API's form).
func HTTPSRedirectRoute(appNamespace string) string { return appNamespace + "-https-redirect" }

// IngressHTTPRoute names a service's HTTPRoute on the application's Gateway.
func IngressHTTPRoute(service string) string { return service + "-ingress" }

// SkipAwaitAnnotation tells the Kubernetes provider not to wait for an object to
// become ready. Services carry it: the provider waits a fixed 10 s after every
// endpoints change before calling a Service ready, while the pods behind it are
// already awaited through their Deployments.
const SkipAwaitAnnotation = "pulumi.com/skipAwait"

// WaitForAnnotation replaces the provider's own readiness check of an object
// with conditions on its status (JSONPath expressions, as kubectl wait takes).
const WaitForAnnotation = "pulumi.com/waitFor"

// ServiceAccount names the ServiceAccount every track of a service runs as: its
// identity in the mesh (principal <trust domain>/ns/<namespace>/sa/<name>).
func ServiceAccount(service string) string { return service }

// IngressGatewayServiceAccount is the ServiceAccount the gateway chart gives
// its pods: the release's name.
const IngressGatewayServiceAccount = IngressGatewayRelease

// Principal is the mesh identity of a ServiceAccount, as Istio's
// authorization matches it.
func Principal(trustDomain, namespace, serviceAccount string) string {
	return fmt.Sprintf("%s/ns/%s/sa/%s", trustDomain, namespace, serviceAccount)
}

// DenyByDefaultPolicy names the namespace-wide AuthorizationPolicy that allows
// nothing: only a service's own ALLOW policy opens it, to its callers.
const DenyByDefaultPolicy = "deny-by-default"

// AuthorizationPolicy names the ALLOW policy of a service's callers.
func AuthorizationPolicy(service string) string { return service + "-callers" }

// NamespaceSidecar names the namespace's Sidecar (Istio reads the one without
// a workload selector as the namespace's default).
const NamespaceSidecar = "default"

// EgressServiceEntry names the ServiceEntry of a declared external host and
// port ("*.example.com", 443 → egress-wildcard.example.com-443).
func EgressServiceEntry(host string, port int) string {
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		host = "wildcard." + rest
	}
	return fmt.Sprintf("egress-%s-%d", host, port)
}

// EgressNetworkPolicy names the namespace's default-deny egress NetworkPolicy.
const EgressNetworkPolicy = "egress-baseline"

// LongestSuffix is the most characters any name above adds to a service's
// name: the model keeps service names short enough for every one of them to
// stay within a label's 63 characters.
func LongestSuffix() int {
	longest := 0
	for _, name := range []string{
		Deployment("", TrackStable), Deployment("", TrackCanary), Deployment("", TrackBlue), Deployment("", TrackGreen),
		Service(""), PreviewService(""), DestinationRule(""), MeshVirtualService(""), ServiceAccount(""), AuthorizationPolicy(""),
		TrackService("", TrackStable), TrackService("", TrackCanary), MeshHTTPRoute(""), IngressHTTPRoute(""),
	} {
		longest = max(longest, len(name))
	}
	return longest
}

// GatewayCertificateSecret is the default kubernetes.io/tls Secret the
// ingress gateway serves a namespace's hosts with (Istio's credentialName).
// It lives in the gateway's namespace, where Istio reads it; the app
// namespace in its name keeps environments sharing a gateway apart.
func GatewayCertificateSecret(appNamespace string) string { return appNamespace + "-gateway-tls" }

// GatewayCertificate names cert-manager's Certificate (and its Issuer) that
// keep the gateway's Secret issued, in the gateway's namespace.
func GatewayCertificate(appNamespace string) string { return appNamespace + "-gateway" }

// ACMEAccountSecret holds an ACME issuer's account key.
func ACMEAccountSecret(appNamespace string) string { return appNamespace + "-acme-account" }

// ACMESolverService is the Service in front of cert-manager's HTTP-01 solver
// pod for one host; cert-manager labels that pod with the Adler-32 checksum of
// the host (acme.cert-manager.io/http-domain), which the name carries too.
func ACMESolverService(domainChecksum string) string { return "acme-http01-" + domainChecksum }

// ACMEUnservedIngressClass is the class of the Ingress cert-manager writes
// for an HTTP-01 challenge: no controller serves it, because the program
// routes the challenge path itself (an Istio-served Ingress would compete
// with the gateway's redirect of port 80 for the same host).
const ACMEUnservedIngressClass = "cloudnative-acme-routed-by-gateway"

// CertManagerRelease is cert-manager's Helm release.
const CertManagerRelease = "cert-manager"
