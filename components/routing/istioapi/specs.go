package istioapi

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	networkingv1 "istio.io/api/networking/v1"

	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/strategy"
)

// MeshGateway is Istio's name for sidecar-to-sidecar traffic.
const MeshGateway = "mesh"

// Scope says which traffic a VirtualService routes.
type Scope struct {
	// Gateway is "<namespace>/<name>" of an Istio Gateway, or MeshGateway.
	Gateway string
	// Hosts are the VirtualService hosts.
	Hosts []string
	// PathPrefix, when set, is required of every request (ingress traffic shares
	// its hosts between services and is told apart by path).
	PathPrefix string
}

// IngressVirtualServiceSpec routes all of the gateway's traffic in one
// VirtualService, so that the order of its routes is ours: Istio merges the
// VirtualServices bound to one gateway host in an order it chooses, and a "/"
// prefix merged first would take every other service's requests. Services are
// ordered longest path prefix first (so "/" comes last and "/javaservice"
// before "/java"), each with its header rules before its default route.
//
// Ahead of them come the edge's own routes on port 80 (edgeRoutes), and with
// HSTS every service route sets the header.
func IngressVirtualServiceSpec(services []routing.IngressRoute, namespace, gateway string, hosts []string, edge routing.Edge) *networkingv1.VirtualService {
	ordered := slices.Clone(services)
	slices.SortStableFunc(ordered, func(a, b routing.IngressRoute) int {
		return cmp.Or(len(b.Service.PathPrefix)-len(a.Service.PathPrefix), strings.Compare(a.Service.PathPrefix, b.Service.PathPrefix))
	})
	spec := &networkingv1.VirtualService{Hosts: hosts, Gateways: []string{gateway}, Http: edgeRoutes(edge)}
	for _, s := range ordered {
		routes := VirtualServiceSpec(s.Service, namespace, s.Plan, Scope{Gateway: gateway, Hosts: hosts, PathPrefix: s.Service.PathPrefix}).Http
		for _, r := range routes {
			r.Name = s.Service.Name + "-" + r.Name
			r.Headers = responseHeaders(edge)
		}
		spec.Http = append(spec.Http, routes...)
	}
	return spec
}

// VirtualServiceSpec turns a plan's ordered routes into Istio HTTP routes for one
// scope. Header rules come first, the weighted default last, as in the plan.
func VirtualServiceSpec(service model.Service, namespace string, plan strategy.Plan, scope Scope) *networkingv1.VirtualService {
	host := names.ServiceHost(service.Name, namespace)
	routes := make([]*networkingv1.HTTPRoute, 0, len(plan.Routes))
	for _, r := range plan.Routes {
		match := &networkingv1.HTTPMatchRequest{}
		name := "default"
		if scope.PathPrefix != "" {
			match.Uri = pathPrefix(scope.PathPrefix)
		}
		if r.Match != nil {
			match.Headers = map[string]*networkingv1.StringMatch{r.Match.Header: stringMatch(*r.Match)}
			name = "match-" + r.Match.Header
		}
		route := &networkingv1.HTTPRoute{
			Name:    name,
			Route:   destinations(host, service.Port, r.Destinations),
			Timeout: seconds(service.Routes.TimeoutSeconds),
			Retries: retries(service.Routes),
		}
		if match.Uri != nil || match.Headers != nil {
			route.Match = []*networkingv1.HTTPMatchRequest{match}
		}
		if m := r.Mirror; m != nil {
			route.Mirrors = []*networkingv1.HTTPMirrorPolicy{{
				Destination: &networkingv1.Destination{Host: host, Subset: names.Subset(m.Track), Port: &networkingv1.PortSelector{Number: uint32(service.Port)}},
				Percentage:  &networkingv1.Percent{Value: m.Percent},
			}}
		}
		routes = append(routes, route)
	}
	return &networkingv1.VirtualService{
		Hosts:    scope.Hosts,
		Gateways: []string{scope.Gateway},
		Http:     routes,
	}
}

func seconds(n int) *durationpb.Duration { return durationpb.New(time.Duration(n) * time.Second) }

// retries retries idempotent failures within the route's timeout. With no
// attempts the route only says so: Istio refuses retryOn or a per-try timeout
// beside zero attempts.
func retries(p model.RoutePolicy) *networkingv1.HTTPRetry {
	if p.RetryAttempts == 0 {
		return &networkingv1.HTTPRetry{Attempts: 0}
	}
	return &networkingv1.HTTPRetry{
		Attempts:      int32(p.RetryAttempts),
		PerTryTimeout: seconds(p.PerTryTimeoutSeconds),
		RetryOn:       p.RetryOn,
	}
}

// destinations is the one builder of route destinations. Tracks with no share are
// left out rather than listed at weight 0.
func destinations(host string, port int, shares []strategy.Destination) []*networkingv1.HTTPRouteDestination {
	out := make([]*networkingv1.HTTPRouteDestination, 0, len(shares))
	for _, share := range shares {
		if share.Weight == 0 {
			continue
		}
		out = append(out, &networkingv1.HTTPRouteDestination{
			Destination: &networkingv1.Destination{
				Host:   host,
				Subset: names.Subset(share.Track),
				Port:   &networkingv1.PortSelector{Number: uint32(port)},
			},
			Weight: int32(share.Weight),
		})
	}
	return out
}

// pathPrefix matches the paths that start with p. "/" is written as the
// regular expression of every path rather than as the prefix "/": Istio
// moves a prefix-"/" route behind every other route bound to the host, from
// any object, so while a stack switches routing API the other API's routes
// would take that service's requests; as an expression it stays where this
// VirtualService puts it (last of its own), and while this VirtualService is
// the older one, all of the host is its (docs/routing.md).
func pathPrefix(p string) *networkingv1.StringMatch {
	if p == "/" {
		return &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Regex{Regex: "/.*"}}
	}
	return prefix(p)
}

func prefix(value string) *networkingv1.StringMatch {
	return &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Prefix{Prefix: value}}
}

func stringMatch(m model.HeaderMatch) *networkingv1.StringMatch {
	switch {
	case m.Prefix != "":
		return prefix(m.Prefix)
	case m.Regex != "":
		return &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Regex{Regex: m.Regex}}
	default:
		return &networkingv1.StringMatch{MatchType: &networkingv1.StringMatch_Exact{Exact: m.Exact}}
	}
}

// DestinationRuleSpec defines one subset per track, selected by its version label,
// the circuit breaking of the service, and with mutualTLS Istio's own mTLS to it.
func DestinationRuleSpec(service model.Service, namespace string, plan strategy.Plan, mutualTLS bool) *networkingv1.DestinationRule {
	subsets := make([]*networkingv1.Subset, 0, len(plan.Tracks))
	for _, t := range plan.Tracks {
		subsets = append(subsets, &networkingv1.Subset{
			Name:   names.Subset(t.Name),
			Labels: map[string]string{names.VersionLabel: t.Name},
		})
	}
	return &networkingv1.DestinationRule{
		Host:          names.ServiceHost(service.Name, namespace),
		Subsets:       subsets,
		TrafficPolicy: trafficPolicy(service, mutualTLS),
	}
}

// BackendRuleSpec is the service's traffic policy, without subsets, for one
// host its routes send to: what a DestinationRule keeps where routes are not
// Istio's own (the Gateway API's backends are Services, not subsets).
func BackendRuleSpec(service model.Service, host string, mutualTLS bool) *networkingv1.DestinationRule {
	return &networkingv1.DestinationRule{Host: host, TrafficPolicy: trafficPolicy(service, mutualTLS)}
}

// trafficPolicy: the service's circuit breaking, its session affinity, and
// with mutualTLS Istio's own mTLS to it.
func trafficPolicy(service model.Service, mutualTLS bool) *networkingv1.TrafficPolicy {
	tp := service.Traffic
	var tls *networkingv1.ClientTLSSettings
	if mutualTLS {
		tls = &networkingv1.ClientTLSSettings{Mode: networkingv1.ClientTLSSettings_ISTIO_MUTUAL}
	}
	return &networkingv1.TrafficPolicy{
		ConnectionPool: &networkingv1.ConnectionPoolSettings{
			Tcp: &networkingv1.ConnectionPoolSettings_TCPSettings{MaxConnections: int32(tp.MaxConnections)},
			Http: &networkingv1.ConnectionPoolSettings_HTTPSettings{
				Http1MaxPendingRequests:  int32(tp.MaxPendingRequests),
				MaxRequestsPerConnection: int32(tp.MaxRequestsPerConn),
			},
		},
		OutlierDetection: &networkingv1.OutlierDetection{
			Consecutive_5XxErrors: wrapperspb.UInt32(uint32(tp.Consecutive5xxErrors)),
			Interval:              seconds(tp.EjectionIntervalSeconds),
			BaseEjectionTime:      seconds(tp.BaseEjectionSeconds),
			MaxEjectionPercent:    int32(tp.MaxEjectionPercent),
		},
		Tls:          tls,
		LoadBalancer: sessionAffinity(service.SessionAffinity),
	}
}

// sessionAffinity hashes each client, by a cookie (one Envoy makes when the
// client has none, if it has a lifetime) or a header, to one pod of a subset.
// It does not pin a client to a subset: Envoy draws the route's weighted
// subset for each request, and the hash picks a pod within it.
func sessionAffinity(a *model.SessionAffinity) *networkingv1.LoadBalancerSettings {
	if a == nil {
		return nil
	}
	hash := &networkingv1.LoadBalancerSettings_ConsistentHashLB{}
	if a.Cookie != "" {
		hash.HashKey = &networkingv1.LoadBalancerSettings_ConsistentHashLB_HttpCookie{
			HttpCookie: &networkingv1.LoadBalancerSettings_ConsistentHashLB_HTTPCookie{Name: a.Cookie, Path: "/", Ttl: seconds(a.CookieTTLSeconds)},
		}
	} else {
		hash.HashKey = &networkingv1.LoadBalancerSettings_ConsistentHashLB_HttpHeaderName{HttpHeaderName: a.Header}
	}
	return &networkingv1.LoadBalancerSettings{LbPolicy: &networkingv1.LoadBalancerSettings_ConsistentHash{ConsistentHash: hash}}
}
