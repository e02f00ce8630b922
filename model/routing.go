package model

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// RoutingAPI is the API the program writes a stack's routes in.
type RoutingAPI string

const (
	// RoutingIstio: Istio's VirtualService, DestinationRule and Gateway.
	RoutingIstio RoutingAPI = "istio"
	// RoutingGatewayAPI: the Kubernetes Gateway API (standard channel): a
	// Gateway of Istio's class, HTTPRoutes on it, and HTTPRoutes attached to
	// each Service for the traffic inside the mesh.
	RoutingGatewayAPI RoutingAPI = "gatewayAPI"
)

// Istio's own retry policy, which a route gets when it says none: what every
// Gateway API route gets here (its retry field is experimental): twice, on
// connection errors and the status codes a request's
// x-envoy-retriable-status-codes header names, within the route's timeout.
const (
	IstioDefaultRetryAttempts = 2
	IstioDefaultRetryOn       = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
)

// RoutingAPIs lists the routing APIs a stack may choose.
var RoutingAPIs = []RoutingAPI{RoutingIstio, RoutingGatewayAPI}

// Routing says how the stack's routes are written.
type Routing struct {
	API RoutingAPI
	// CRDDir, with gatewayAPI, is an absolute local directory of the Gateway
	// API's CRD manifests, which the program installs before any route; empty:
	// the cluster has them already (a cloud's managed Gateway API).
	CRDDir string
}

// GatewayAPI reports whether the stack routes with the Gateway API.
func (r Routing) GatewayAPI() bool { return r.API == RoutingGatewayAPI }

// GatewayAPICRDFiles are the manifests of the Gateway API's standard channel
// the program installs from Routing.CRDDir: the kinds it writes and the
// ReferenceGrant that cross-namespace references need.
var GatewayAPICRDFiles = []string{
	"gateway.networking.k8s.io_gatewayclasses.yaml",
	"gateway.networking.k8s.io_gateways.yaml",
	"gateway.networking.k8s.io_httproutes.yaml",
	"gateway.networking.k8s.io_referencegrants.yaml",
}

type rawRouting struct {
	API    string `json:"api"`
	CRDDir string `json:"crdDir"`
}

func decodeRouting(raw rawRouting, projectDir string, p *problems) Routing {
	at := key("routing")
	r := Routing{API: RoutingAPI(raw.API)}
	if raw.API == "" {
		r.API = DefaultRoutingAPI
	}
	if !slices.Contains(RoutingAPIs, r.API) {
		p.add(at+".api", "unknown routing API %q (one of %s)", raw.API, joinAPIs())
		return r
	}
	if raw.CRDDir == "" {
		return r
	}
	if !r.GatewayAPI() {
		p.add(at+".crdDir", "is read only with api: %s (Istio's own CRDs come with its base chart)", RoutingGatewayAPI)
		return r
	}
	r.CRDDir = resolve(projectDir, raw.CRDDir)
	for _, f := range GatewayAPICRDFiles {
		if _, err := os.Stat(filepath.Join(r.CRDDir, f)); err != nil {
			p.add(at+".crdDir", "no %s under %s (make charts copies the Gateway API's standard CRDs there)", f, r.CRDDir)
		}
	}
	return r
}

func joinAPIs() string { return strings.Join(joinAPIsList(), ", ") }

func joinAPIsList() []string {
	names := make([]string, len(RoutingAPIs))
	for i, a := range RoutingAPIs {
		names[i] = string(a)
	}
	return names
}

// checkGatewayAPI refuses what a stack asks for that the Gateway API's
// standard channel (or this program's use of it, so far) cannot say, each
// with the reason, rather than dropping it silently; and gives each service
// the retry policy its routes get, Istio's default.
func checkGatewayAPI(platform *Platform, raw []rawService, p *problems) {
	if !platform.Routing.GatewayAPI() {
		return
	}
	why := fmt.Sprintf("with %s.api: %s", key("routing"), RoutingGatewayAPI)
	for i := range platform.Services {
		svc := &platform.Services[i]
		svc.Routes.RetryAttempts, svc.Routes.PerTryTimeoutSeconds, svc.Routes.RetryOn = IstioDefaultRetryAttempts, 0, IstioDefaultRetryOn
		at := ServiceKey(i, svc.Name)
		if svc.SessionAffinity != nil {
			p.add(at+".sessionAffinity", "cannot be routed %s: HTTPRoute's sessionPersistence is experimental in Gateway API %s and Istio does not implement it; use api: %s for session affinity",
				why, GatewayAPIVersion, RoutingIstio)
		}
		if i >= len(raw) || raw[i].Routes == nil {
			continue
		}
		r := raw[i].Routes
		for _, field := range []struct {
			name string
			set  bool
		}{{"retryAttempts", r.RetryAttempts != nil}, {"perTryTimeoutSeconds", r.PerTryTimeoutSeconds != nil}, {"retryOn", r.RetryOn != ""}} {
			if field.set {
				p.add(at+".routes."+field.name, "cannot be set %s: HTTPRoute's retry is experimental in Gateway API %s (the program installs the standard channel); Istio's default retry policy applies",
					why, GatewayAPIVersion)
			}
		}
	}
}
