package mesh

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pilot/test/xdstest"
)

// env is one case loaded into Istio's discovery server, with the config Istio
// generated for the ingress gateway and for a sidecar in the app namespace.
type env struct {
	c         Case
	k         *cluster
	server    *xds.FakeDiscoveryServer
	gateway   *simulation.Simulation
	sidecar   *simulation.Simulation
	sidecarPx *model.Proxy
}

func newEnv(t *testing.T, c Case) *env {
	t.Helper()
	k, err := newCluster(c)
	if err != nil {
		t.Fatal(err)
	}
	kube, err := k.objectsYAML()
	if err != nil {
		t.Fatal(err)
	}
	var config []string
	for _, o := range c.istioObjects() {
		config = append(config, mustJSON(t, o))
	}
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{ConfigString: strings.Join(config, "\n---\n"), KubernetesObjectString: kube})
	// The gateway chart labels its pods istio=ingressgateway (release
	// istio-ingressgateway); the program's Gateway selects that label.
	gw := s.SetupProxy(&model.Proxy{
		Type:            model.Router,
		Labels:          map[string]string{"istio": "ingressgateway"},
		ConfigNamespace: c.GatewayNamespace,
		Metadata:        &model.NodeMetadata{Labels: map[string]string{"istio": "ingressgateway"}, Namespace: c.GatewayNamespace},
		IPAddresses:     []string{gatewayProxyIP},
	})
	client := s.SetupProxy(&model.Proxy{
		Labels:          map[string]string{"app": "mesh-client"},
		ConfigNamespace: c.Namespace,
		Metadata:        &model.NodeMetadata{Labels: map[string]string{"app": "mesh-client"}, Namespace: c.Namespace},
		IPAddresses:     []string{"198.18.255.2"},
	})
	return &env{c: c, k: k, server: s, gateway: simulation.NewSimulation(t, s, gw), sidecar: simulation.NewSimulation(t, s, client), sidecarPx: client}
}

// virtualHost follows a call with Istio's simulator to the virtual host Envoy
// would pick; nil with the simulator's error when there is none.
func virtualHost(t *testing.T, sim *simulation.Simulation, call simulation.Call) (*route.VirtualHost, error) {
	t.Helper()
	res := sim.Run(call)
	if res.Error != nil && res.Error != simulation.ErrNoRoute {
		return nil, res.Error
	}
	if res.RouteConfigMatched == "" {
		return nil, fmt.Errorf("the request is not routed as HTTP: listener %q, filter chain %q, cluster %q",
			res.ListenerMatched, res.FilterChainMatched, res.ClusterMatched)
	}
	rc := xdstest.ExtractRouteConfigurations(sim.Routes)[res.RouteConfigMatched]
	for _, vh := range rc.GetVirtualHosts() {
		if vh.GetName() == res.VirtualHostMatched {
			return vh, nil
		}
	}
	t.Fatalf("simulator matched virtual host %q of %q, not in the generated routes", res.VirtualHostMatched, res.RouteConfigMatched)
	return nil, nil
}

// expectedShares are the clusters a planned route sends to, as Istio names them.
func expectedShares(svc Service, r Route) map[string]int {
	out := map[string]int{}
	for _, d := range r.Destinations {
		if d.Weight > 0 {
			out[subsetCluster(svc, d.Subset)] += d.Weight
		}
	}
	return out
}

// subsetCluster is the cluster Istio sends a track's share to: the subset's
// of the service's host, or where routes name Services (the Gateway API) the
// cluster of the track's backend Service.
func subsetCluster(svc Service, subset string) string {
	for _, t := range svc.Tracks {
		if t.Subset == subset && t.Backend != "" {
			return fmt.Sprintf("outbound|%d||%s", svc.Port, t.Backend)
		}
	}
	return fmt.Sprintf("outbound|%d|%s|%s", svc.Port, subset, svc.Host)
}

// routedTracks are the tracks with a cluster of their own to check: every
// subset, or with the Gateway API each backend Service once.
func routedTracks(c Case, svc Service) []Track {
	if !c.gatewayAPI() {
		return svc.Tracks
	}
	var out []Track
	seen := map[string]bool{}
	for _, t := range svc.Tracks {
		if t.Backend != "" && !seen[t.Backend] {
			seen[t.Backend] = true
			out = append(out, t)
		}
	}
	return out
}

// defaultRoute is the plan's route for requests no header rule takes.
func defaultRoute(svc Service) Route { return svc.Routes[len(svc.Routes)-1] }

// planned lists the requests that exercise each planned route of a service and
// the route each must land on: no header; each rule's sample value; a value no
// rule matches.
func planned(svc Service) []struct {
	headers map[string]string
	want    Route
	why     string
} {
	type probe = struct {
		headers map[string]string
		want    Route
		why     string
	}
	probes := []probe{{map[string]string{}, defaultRoute(svc), "no header"}}
	for i, r := range svc.Routes {
		if r.Match == nil {
			continue
		}
		if r.Match.Sample != "" {
			probes = append(probes, probe{map[string]string{r.Match.Header: r.Match.Sample}, r, fmt.Sprintf("%s: %s", r.Match.Header, r.Match.Sample)})
		}
		if r.Match.NonMatching != "" {
			// A value this rule refuses lands on the next rule that takes it.
			next := defaultRoute(svc)
			for _, later := range svc.Routes[i+1:] {
				if later.Match == nil || (later.Match.Header == r.Match.Header && later.Match.Sample == r.Match.NonMatching) {
					next = later
					break
				}
			}
			probes = append(probes, probe{map[string]string{r.Match.Header: r.Match.NonMatching}, next, fmt.Sprintf("%s: %s", r.Match.Header, r.Match.NonMatching)})
		}
	}
	return probes
}

// reporter is where a check reports: the test, or a collector while a check
// is tried against one of two plans.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// collector keeps what a check reported.
type collector struct{ errors []string }

func (c *collector) Helper() {}
func (c *collector) Errorf(format string, args ...any) {
	c.errors = append(c.errors, fmt.Sprintf(format, args...))
}

// checkRoute asserts the route Envoy picks for a request against the plan: its
// clusters and weights, timeout and retries. Halfway through a switch of
// routing API (svc.Alternative set), the route may be either API's, as long
// as it is all of one and carries the plan.
//
// It returns which plan the route carried: the case's own routing API's
// (ownAPI), the other's (otherAPI), or neither.
func checkRoute(t *testing.T, where string, vh *route.VirtualHost, req request, svc Service, want Route) routedBy {
	t.Helper()
	if svc.Alternative == nil {
		checkRouteOf(t, where, vh, req, svc, want)
		return ownAPI
	}
	var first, second collector
	checkRouteOf(&first, where, vh, req, svc, want)
	if len(first.errors) == 0 {
		return ownAPI
	}
	alt := *svc.Alternative
	checkRouteOf(&second, where+" (the other API's plan)", vh, req, alt, alt.Routes[slices.IndexFunc(svc.Routes, func(r Route) bool { return sameRoute(r, want) })])
	if len(second.errors) == 0 {
		return otherAPI
	}
	for _, e := range append(first.errors, second.errors...) {
		t.Errorf("%s", e)
	}
	return neither
}

// routedBy says which routing API's plan a route carried.
type routedBy int

const (
	neither routedBy = iota
	ownAPI
	otherAPI
)

func (r routedBy) String() string {
	return [...]string{"neither API", "the old API", "the new API"}[r]
}

// oneAPI requires every request of one host to have been routed by the same
// API: halfway through a switch, Istio must not serve a host from both.
func oneAPI(t *testing.T, what string, seen map[routedBy][]string) {
	t.Helper()
	delete(seen, neither)
	if len(seen) > 1 {
		t.Errorf("%s is routed by both APIs at once: %v by %s, %v by %s", what, seen[ownAPI], ownAPI, seen[otherAPI], otherAPI)
	}
}

// sameRoute: one planned route, as either API's case says it.
func sameRoute(a, b Route) bool { return fmt.Sprint(a.Match) == fmt.Sprint(b.Match) }

func checkRouteOf(t reporter, where string, vh *route.VirtualHost, req request, svc Service, want Route) {
	t.Helper()
	r, err := firstRoute(vh, req)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if r == nil {
		t.Errorf("%s: no route takes the request; the plan sends it to %v", where, expectedShares(svc, want))
		return
	}
	got, err := shares(r)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if wantShares := expectedShares(svc, want); !equalShares(got, wantShares) {
		t.Errorf("%s: Envoy's route %q sends to %v; the plan (%s) says %v", where, r.GetName(), got, svc.TrafficPlan, wantShares)
	}
	checkPolicy(t, where, r, svc)
	checkMirrorAndAffinity(t, where, r, svc, want)
}

// checkMirrorAndAffinity holds Envoy's route to the plan's mirror (the
// subset's cluster, the share as Envoy's fraction of a million) and to the
// service's session affinity (the route's hash policy).
func checkMirrorAndAffinity(t reporter, where string, r *route.Route, svc Service, want Route) {
	t.Helper()
	mirrors := r.GetRoute().GetRequestMirrorPolicies()
	if want.Mirror == nil {
		if len(mirrors) > 0 {
			t.Errorf("%s: Envoy mirrors to %s; the plan mirrors nothing", where, mirrors[0].GetCluster())
		}
	} else if len(mirrors) != 1 {
		t.Errorf("%s: %d mirror policies; the plan mirrors %g%% to %s", where, len(mirrors), want.Mirror.Percent, want.Mirror.Subset)
	} else {
		m := mirrors[0]
		if got, wantCluster := m.GetCluster(), subsetCluster(svc, want.Mirror.Subset); got != wantCluster {
			t.Errorf("%s: mirrors to %s, want %s", where, got, wantCluster)
		}
		fraction := m.GetRuntimeFraction().GetDefaultValue()
		if got, wantMillionths := fraction.GetNumerator(), uint32(want.Mirror.Percent*10000); got != wantMillionths || fraction.GetDenominator().String() != "MILLION" {
			t.Errorf("%s: mirrors %d per %s, want %d per million (%g%%)", where, got, fraction.GetDenominator(), wantMillionths, want.Mirror.Percent)
		}
	}
	var cookies, headers []string
	for _, h := range r.GetRoute().GetHashPolicy() {
		if c := h.GetCookie(); c != nil {
			cookies = append(cookies, c.GetName())
		}
		if hd := h.GetHeader(); hd != nil {
			headers = append(headers, hd.GetHeaderName())
		}
	}
	// Istio adds the hash policy once per weighted destination (each subset
	// inherits the DestinationRule's): the same name, repeated.
	only := func(got []string, want string) bool {
		for _, name := range got {
			if name != want {
				return false
			}
		}
		return len(got) > 0
	}
	switch a := svc.Affinity; {
	case a == nil:
		if len(cookies)+len(headers) > 0 {
			t.Errorf("%s: the route hashes on cookies %v, headers %v; no affinity is planned", where, cookies, headers)
		}
	case a.Cookie != "" && (!only(cookies, a.Cookie) || len(headers) > 0):
		t.Errorf("%s: the route hashes on cookies %v, headers %v; want cookie %q", where, cookies, headers, a.Cookie)
	case a.Header != "" && (!only(headers, a.Header) || len(cookies) > 0):
		t.Errorf("%s: the route hashes on headers %v, cookies %v; want header %q", where, headers, cookies, a.Header)
	}
}

func checkPolicy(t reporter, where string, r *route.Route, svc Service) {
	t.Helper()
	action := r.GetRoute()
	if got, want := action.GetTimeout().AsDuration(), time.Duration(svc.TimeoutSeconds)*time.Second; got != want {
		t.Errorf("%s: route timeout %v, want %v", where, got, want)
	}
	policy := action.GetRetryPolicy()
	if svc.Retries.Attempts == 0 {
		if policy.GetNumRetries().GetValue() != 0 {
			t.Errorf("%s: %d retries, want none", where, policy.GetNumRetries().GetValue())
		}
		return
	}
	if got := int(policy.GetNumRetries().GetValue()); got != svc.Retries.Attempts {
		t.Errorf("%s: %d retries, want %d", where, got, svc.Retries.Attempts)
	}
	if got, want := policy.GetPerTryTimeout().AsDuration(), time.Duration(svc.Retries.PerTryTimeoutSecs)*time.Second; got != want {
		t.Errorf("%s: per-try timeout %v, want %v", where, got, want)
	}
	// Istio moves status codes out of retryOn into retriable_status_codes.
	wantOn, wantCodes := map[string]bool{}, map[uint32]bool{}
	for _, item := range strings.Split(svc.Retries.RetryOn, ",") {
		if code, err := strconv.Atoi(item); err == nil {
			wantCodes[uint32(code)] = true
			wantOn["retriable-status-codes"] = true
			continue
		}
		wantOn[item] = true
	}
	gotOn := map[string]bool{}
	for _, item := range strings.Split(policy.GetRetryOn(), ",") {
		gotOn[item] = true
	}
	if fmt.Sprint(sortedKeys(gotOn)) != fmt.Sprint(sortedKeys(wantOn)) {
		t.Errorf("%s: retry on %q, want %v", where, policy.GetRetryOn(), sortedKeys(wantOn))
	}
	gotCodes := map[uint32]bool{}
	for _, code := range policy.GetRetriableStatusCodes() {
		gotCodes[code] = true
	}
	for code := range wantCodes {
		if !gotCodes[code] {
			t.Errorf("%s: status %d is not retried (%v)", where, code, policy.GetRetriableStatusCodes())
		}
	}
}

func equalShares(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// probeHost is a Host header a gateway host accepts.
func probeHost(host string) string {
	switch {
	case host == "*":
		return "anything.cloudnative.test"
	case strings.HasPrefix(host, "*."):
		return "probe" + host[1:]
	default:
		return host
	}
}

// owner is the service whose path prefix is the longest string prefix of path:
// the README's rule for overlapping prefixes.
func owner(c Case, path string) *Service {
	var best *Service
	for i := range c.Services {
		s := &c.Services[i]
		if !s.Gateway {
			continue // not routed through the gateway at all
		}
		if strings.HasPrefix(path, s.PathPrefix) && (best == nil || len(s.PathPrefix) > len(best.PathPrefix)) {
			best = s
		}
	}
	return best
}

// checkIngress sends requests through the gateway: each service's prefix (and
// paths under and beside it) must reach the service owning the path, with its
// header rules and weights; paths no prefix owns must find no route.
func checkIngress(t *testing.T, e *env) {
	paths := []string{"/zz-unclaimed/x"}
	for _, s := range e.c.Services {
		if !s.Gateway {
			continue
		}
		paths = append(paths, s.PathPrefix, s.PathPrefix+"x", strings.TrimSuffix(s.PathPrefix, "/")+"/deeper/path")
	}
	for _, host := range e.c.Hosts {
		seen := map[routedBy][]string{}
		for _, path := range paths {
			for _, call := range serviceCalls(e.c, host, path) {
				by := checkIngressCall(t, e, host, path, call)
				seen[by] = append(seen[by], path)
			}
		}
		oneAPI(t, "gateway host "+probeHost(host), seen)
	}
	// A host the Gateway does not accept gets no route at all.
	if !contains(e.c.Hosts, "*") {
		call := simulation.Call{Port: 80, Path: "/", HostHeader: "not-ours.invalid", Protocol: simulation.HTTP, CallMode: simulation.CallModeGateway}
		if res := e.gateway.Run(call); res.Error == nil {
			t.Errorf("gateway: host not-ours.invalid reached route %q of %q", res.RouteMatched, res.VirtualHostMatched)
		}
	}
}

// checkIngressCall checks one request through the gateway against the plan of
// the service owning its path.
func checkIngressCall(t *testing.T, e *env, host, path string, call simulation.Call) routedBy {
	vh, err := virtualHost(t, e.gateway, call)
	if err != nil {
		t.Errorf("gateway %s%s port %d: %v", probeHost(host), path, call.Port, err)
		return neither
	}
	svc := owner(e.c, path)
	if svc == nil {
		if r, _ := firstRoute(vh, request{path: path, headers: map[string]string{}}); r != nil {
			t.Errorf("gateway %s%s port %d: no prefix owns the path, yet route %q takes it", probeHost(host), path, call.Port, r.GetName())
		}
		return neither
	}
	by := neither
	for _, p := range planned(*svc) {
		where := fmt.Sprintf("gateway %s%s port %d (%s, owned by %s)", probeHost(host), path, call.Port, p.why, svc.Name)
		if routed := checkRoute(t, where, vh, request{path: path, headers: p.headers}, *svc, p.want); routed != neither {
			by = routed
		}
	}
	return by
}

// checkMeshRoutes sends requests from a sidecar in the app namespace to each
// service's host: header rules and weights as planned.
func checkMeshRoutes(t *testing.T, e *env) {
	for _, svc := range e.c.Services {
		ip := e.k.clusterIPs[e.c.Namespace+"/"+svc.Name]
		call := simulation.Call{Address: ip, Port: svc.Port, HostHeader: svc.Host, Protocol: simulation.HTTP, CallMode: simulation.CallModeOutbound}
		vh, err := virtualHost(t, e.sidecar, call)
		if err != nil {
			t.Errorf("sidecar → %s:%d: %v", svc.Host, svc.Port, err)
			continue
		}
		seen := map[routedBy][]string{}
		for _, p := range planned(svc) {
			by := checkRoute(t, fmt.Sprintf("sidecar → %s (%s)", svc.Name, p.why), vh, request{path: "/", headers: p.headers}, svc, p.want)
			seen[by] = append(seen[by], p.why)
		}
		oneAPI(t, "sidecar → "+svc.Name, seen)
	}
}

// checkClusters asserts what Istio generated for each subset's cluster: circuit
// breaking, outlier detection and, unless the namespace disables mTLS, Istio's
// mutual TLS upstream.
func checkClusters(t *testing.T, e *env) {
	clusters := xdstest.ExtractClusters(e.sidecar.Clusters)
	for _, svc := range e.c.Services {
		for _, track := range routedTracks(e.c, svc) {
			name := subsetCluster(svc, track.Subset)
			c := clusters[name]
			if c == nil {
				t.Errorf("no cluster %s for subset %s", name, track.Subset)
				continue
			}
			tp := svc.Traffic
			thresholds := c.GetCircuitBreakers().GetThresholds()
			if len(thresholds) == 0 {
				t.Errorf("%s: no circuit breaker", name)
			} else {
				th := thresholds[0]
				expectEq(t, name+" max connections", int(th.GetMaxConnections().GetValue()), tp.MaxConnections)
				expectEq(t, name+" max pending requests", int(th.GetMaxPendingRequests().GetValue()), tp.MaxPendingRequests)
			}
			expectEq(t, name+" max requests per connection", maxRequestsPerConnection(t, c), tp.MaxRequestsPerConn)
			od := c.GetOutlierDetection()
			expectEq(t, name+" consecutive 5xx", int(od.GetConsecutive_5Xx().GetValue()), tp.Consecutive5xxErrors)
			expectEq(t, name+" ejection interval", int(od.GetInterval().AsDuration()/time.Second), tp.EjectionIntervalSeconds)
			expectEq(t, name+" base ejection time", int(od.GetBaseEjectionTime().AsDuration()/time.Second), tp.BaseEjectionSeconds)
			expectEq(t, name+" max ejection percent", int(od.GetMaxEjectionPercent().GetValue()), tp.MaxEjectionPercent)
			if got := istioMutualTLS(t, c); got != e.c.MutualTLS {
				t.Errorf("%s: Istio mTLS upstream is %v with the namespace's mTLS %s", name, got, e.c.MTLSMode)
			}
		}
	}
}

func maxRequestsPerConnection(t *testing.T, c *clusterv3.Cluster) int {
	options := c.GetTypedExtensionProtocolOptions()["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
	if options == nil {
		return 0
	}
	opts := &httpv3.HttpProtocolOptions{}
	if err := options.UnmarshalTo(opts); err != nil {
		t.Fatal(err)
	}
	return int(opts.GetCommonHttpProtocolOptions().GetMaxRequestsPerConnection().GetValue())
}

// istioMutualTLS tells whether the cluster's upstream is TLS with the workload
// certificate Istio's agent serves over SDS ("default"), i.e. ISTIO_MUTUAL.
func istioMutualTLS(t *testing.T, c *clusterv3.Cluster) bool {
	ts := c.GetTransportSocket()
	if ts == nil || ts.GetName() != "envoy.transport_sockets.tls" {
		return false
	}
	ctx := &tlsv3.UpstreamTlsContext{}
	if err := ts.GetTypedConfig().UnmarshalTo(ctx); err != nil {
		t.Fatal(err)
	}
	certs := ctx.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs()
	return len(certs) == 1 && certs[0].GetName() == "default"
}

// checkEndpoints asserts that each subset reaches exactly its Deployment's pods
// (none for a colour the Service does not select), and a blue/green preview
// Service exactly the idle colour's.
func checkEndpoints(t *testing.T, e *env) {
	got := map[string][]string{}
	for _, cla := range e.server.Endpoints(e.sidecarPx) {
		var ips []string
		for _, locality := range cla.GetEndpoints() {
			for _, lb := range locality.GetLbEndpoints() {
				ips = append(ips, lb.GetEndpoint().GetAddress().GetSocketAddress().GetAddress())
			}
		}
		sort.Strings(ips)
		got[cla.GetClusterName()] = ips
	}
	for _, svc := range e.c.Services {
		for _, track := range routedTracks(e.c, svc) {
			name := subsetCluster(svc, track.Subset)
			var want []string
			if track.Selected {
				want = e.k.podIPs(track.Deployment)
			}
			expectEq(t, name+" endpoints", fmt.Sprint(got[name]), fmt.Sprint(want))
		}
		if svc.Preview != nil {
			name := fmt.Sprintf("outbound|%d||%s", svc.Port, svc.Preview.Host)
			expectEq(t, name+" endpoints (the idle colour)", fmt.Sprint(got[name]), fmt.Sprint(e.k.podIPs(svc.Preview.Deployment)))
		}
	}
}

func expectEq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: Istio generated %v, the plan says %v", what, got, want)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func mustLoad(t *testing.T) []Case {
	t.Helper()
	cases, err := loadCases()
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestMesh_TrafficIsThePlan loads every case into Istio's discovery server and
// checks the config Istio generates against the printed traffic plan.
func TestMesh_TrafficIsThePlan(t *testing.T) {
	for _, c := range mustLoad(t) {
		t.Run(c.Name, func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Log(c.reproduce())
				}
			}()
			e := newEnv(t, c)
			checkIngress(t, e)
			checkEdge(t, e)
			checkMeshRoutes(t, e)
			checkClusters(t, e)
			checkEndpoints(t, e)
			checkAuthorization(t, e)
			checkRegistryOnlyEgress(t, e)
		})
	}
}

// TestMesh_IstioAdmitsEverything sends every Istio object of every case through
// Istio's validating webhook.
func TestMesh_IstioAdmitsEverything(t *testing.T) {
	webhook, err := newAdmission()
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	for _, c := range mustLoad(t) {
		for _, o := range c.istioObjects() {
			refusal, warnings, err := webhook.review(o)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			checked[kindOf(o)]++
			what := fmt.Sprintf("%s %s/%s", kindOf(o), metaOf(o, "namespace"), metaOf(o, "name"))
			if refusal != nil {
				t.Errorf("Istio refuses %s: %v\n%s", what, refusal, c.reproduce())
			}
			if len(warnings) > 0 {
				t.Errorf("Istio warns about %s: %v\n%s", what, warnings, c.reproduce())
			}
		}
	}
	for _, kind := range []string{"Gateway", "VirtualService", "DestinationRule", "PeerAuthentication", "Telemetry", "AuthorizationPolicy", "Sidecar", "ServiceEntry"} {
		if checked[kind] == 0 {
			t.Errorf("no %s was checked: the cases lack objects the program makes", kind)
		}
	}
	t.Logf("Istio's webhook admitted %v", checked)
}
