package meshcase

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/model"
)

// The generator draws stack configs across what model.Decode accepts: every
// strategy, weights from 0 to 100, exact/prefix/regex header rules, nested and
// overlapping path prefixes, several host forms, any port, mTLS modes and route
// and circuit-breaking policies. A drawn config the model refuses is a
// generator bug; one the model accepts and Istio refuses is a model bug.

var (
	serviceNames = []string{"cart", "api", "web", "checkout", "search", "orders", "users", "frontend"}
	prefixes     = []string{"/", "/api", "/api/v1", "/apiv2", "/shop", "/shop/cart", "/s", "/web/", "/a-b_c.d~e", "/with space", "/q?x=1", "/%2e%2e"}
	hostSets     = [][]string{{"*"}, {"shop.example.test"}, {"*.example.test"}, {"a.example.test", "b.example.test"}, {"*.apps.example.test", "example.test"}}
	namespaces   = []string{"cloudnative", "shop", "team-a"}
	mtlsModes    = []string{"STRICT", "PERMISSIVE", "DISABLE"}
	headers      = []string{"channel", "x-user-group", "x-canary", "user-agent", "cookie"}
	exactValues  = []string{"mobile", "beta", "internal", "v2"}
	prefixValues = []string{"mob", "be", "int", "v"}
	// Each regex matches one of sampleValues, so the case has a request for it.
	regexes   = []string{"mobile|tablet", "(ios|android)", "v[0-9]+", "be.*", "[a-z]+", "canary"}
	retryOns  = []string{"5xx", "connect-failure,refused-stream", "gateway-error,reset", "retriable-4xx", "5xx,503", "connect-failure,refused-stream,unavailable,cancelled,5xx", "retriable-status-codes,503"}
	intOrPcts = []any{0, 1, 2, "25%", "50%", "0%", "100%"}
	ports     = []int{80, 8080, 443, 3000, 9090, 1, 65535, 14999, 15002, 15007, 15022, 15091}
)

// Generate draws one stack config; the same seed and index draw the same config.
func Generate(seed int64, index int) mocktest.Config {
	r := rand.New(rand.NewSource(seed*1_000_003 + int64(index)))
	pick := func(n int) int { return r.Intn(n) }
	app := map[string]any{
		"namespace": namespaces[pick(len(namespaces))],
		"hosts":     anyStrings(hostSets[pick(len(hostSets))]),
		"mtls":      mtlsModes[pick(len(mtlsModes))],
	}
	istio := map[string]any{"chartDir": ".local/charts"}
	if r.Intn(3) == 0 {
		istio["namespace"] = "mesh-system"
		istio["gateway"] = map[string]any{"namespace": "edge"}
	}
	// On a cluster whose Istio another environment installed, the hosts must be
	// the environment's own.
	if hosts := app["hosts"].([]any); hosts[0] != "*" && r.Intn(4) == 0 {
		istio["install"] = false
	}
	cfg := mocktest.Config{
		"cloudnative:cluster":       map[string]any{"kind": "existing", "existing": map[string]any{"kubeconfigPath": ".local/cluster/kubeconfig"}},
		"cloudnative:istio":         istio,
		"cloudnative:app":           app,
		"cloudnative:observability": map[string]any{"enabled": r.Intn(2) == 0, "manifestDir": ".local/addons"},
	}
	count := 1 + pick(5)
	names := r.Perm(len(serviceNames))[:count]
	usedPrefixes := map[string]bool{}
	var services []any
	for _, n := range names {
		name := serviceNames[n]
		svc := map[string]any{"name": name}
		// A path prefix of its own, or the default "/<name>".
		if p := prefixes[pick(len(prefixes))]; !usedPrefixes[p] && r.Intn(3) > 0 {
			usedPrefixes[p] = true
			svc["pathPrefix"] = p
		} else if usedPrefixes["/"+name] {
			continue
		} else {
			usedPrefixes["/"+name] = true
		}
		if r.Intn(2) == 0 {
			svc["port"] = ports[pick(len(ports))]
			svc["targetPort"] = ports[pick(len(ports))]
		}
		if r.Intn(4) == 0 {
			svc["autoscaling"] = map[string]any{"minReplicas": 1 + pick(3), "maxReplicas": 4 + pick(3)}
		} else {
			svc["replicas"] = 1 + pick(3)
		}
		image := func(tag string) string { return fmt.Sprintf("registry.example.test/%s:%s", name, tag) }
		switch pick(4) {
		case 0:
			svc["strategy"] = "recreate"
			svc["image"] = image("1.0.0")
		case 1:
			svc["strategy"] = "ramped"
			svc["image"] = image("1.0.0")
			surge, unavailable := intOrPcts[pick(len(intOrPcts))], intOrPcts[pick(len(intOrPcts))]
			if isZero(surge) && isZero(unavailable) {
				unavailable = 1
			}
			svc["ramped"] = map[string]any{"maxSurge": surge, "maxUnavailable": unavailable}
		case 2:
			svc["strategy"] = "blueGreen"
			svc["blueGreen"] = map[string]any{"blueImage": image("1.0.0"), "greenImage": image("1.1.0"), "active": []string{"blue", "green"}[pick(2)]}
		default:
			svc["strategy"] = "canary"
			svc["canary"] = map[string]any{"stableImage": image("1.0.0"), "canaryImage": image("2.0.0"), "weight": drawWeight(r), "match": drawMatch(r)}
			if r.Intn(3) == 0 {
				svc["progressive"] = map[string]any{"mirrorPercent": mirrorPercents[pick(len(mirrorPercents))]}
			}
		}
		if r.Intn(4) == 0 {
			if r.Intn(2) == 0 {
				svc["sessionAffinity"] = map[string]any{"cookie": "session", "cookieTTLSeconds": pick(3) * 1800}
			} else {
				svc["sessionAffinity"] = map[string]any{"header": "x-user"}
			}
		}
		if r.Intn(2) == 0 {
			timeout := 1 + pick(60)
			svc["routes"] = map[string]any{"timeoutSeconds": timeout, "retryAttempts": pick(6), "perTryTimeoutSeconds": 1 + pick(timeout), "retryOn": retryOns[pick(len(retryOns))]}
		}
		if r.Intn(2) == 0 {
			svc["trafficPolicy"] = map[string]any{
				"maxConnections": 1 + pick(1000), "maxPendingRequests": 1 + pick(1000), "maxRequestsPerConnection": 1 + pick(100),
				"consecutive5xxErrors": 1 + pick(10), "ejectionIntervalSeconds": 1 + pick(60), "baseEjectionSeconds": 1 + pick(300),
				"maxEjectionPercent": pick(101),
			}
		}
		services = append(services, svc)
	}
	drawZeroTrust(seed, index, app, services)
	drawEdge(seed, index, app)
	cfg["cloudnative:services"] = services
	return drawRoutingAPI(seed, index, cfg)
}

// drawRoutingAPI routes one generated config in three with the Gateway API
// (as near as it can say the same stack), from a draw of its own so that the
// rest of each seed's configs stays as it was.
func drawRoutingAPI(seed int64, index int, cfg mocktest.Config) mocktest.Config {
	r := rand.New(rand.NewSource(seed*7_000_003 + int64(index)*13 + 5))
	if r.Intn(3) != 0 {
		return cfg
	}
	return stackfile.WithRoutingAPI(cfg, model.RoutingGatewayAPI)
}

var (
	trustDomains  = []string{"cluster.local", "example.test"}
	externalHosts = []string{"api.example.test", "*.storage.example.test", "payments.example.test"}
	egressPorts   = map[int]string{443: "TLS", 8443: "HTTPS", 80: "HTTP", 5432: "TCP"}
	callerMethods = [][]string{{"GET"}, {"GET", "POST"}, {"DELETE"}}
	callerPaths   = [][]string{{"/api"}, {"/orders/", "/v1/items"}}
)

// drawZeroTrust draws who may call whom — callers among the case's services
// and from another namespace, narrowed or not, services kept off the gateway
// — and the external hosts the namespace may reach. It draws from a source of
// its own, so the rest of every case stays what it was before these keys.
func drawZeroTrust(seed int64, index int, app map[string]any, services []any) {
	r := rand.New(rand.NewSource(seed*7_000_013 + int64(index) + 1))
	if r.Intn(3) == 0 {
		app["trustDomain"] = trustDomains[r.Intn(len(trustDomains))]
	}
	var egress []any
	for _, host := range externalHosts {
		if r.Intn(3) == 0 {
			ports := []int{443, 8443, 80, 5432}
			port := ports[r.Intn(len(ports))]
			if egressPorts[port] == "TCP" && strings.HasPrefix(host, "*.") {
				port = 443 // refused by the model: TCP has no host name to match a wildcard
			}
			egress = append(egress, map[string]any{"host": host, "port": port, "protocol": egressPorts[port]})
		}
	}
	if egress != nil {
		app["egress"] = egress
	}
	strict := app["mtls"] == "STRICT"
	for _, raw := range services {
		svc := raw.(map[string]any)
		if r.Intn(5) == 0 {
			svc["gateway"] = false
			delete(svc, "pathPrefix")
		}
		if !strict {
			continue // callers need STRICT mTLS
		}
		var callers []any
		for _, other := range services {
			if r.Intn(3) != 0 {
				continue
			}
			caller := map[string]any{"service": other.(map[string]any)["name"]}
			if r.Intn(3) == 0 {
				caller["methods"] = anyStrings(callerMethods[r.Intn(len(callerMethods))])
			}
			if r.Intn(3) == 0 {
				caller["paths"] = anyStrings(callerPaths[r.Intn(len(callerPaths))])
			}
			callers = append(callers, caller)
		}
		if r.Intn(4) == 0 {
			callers = append(callers, map[string]any{"namespace": "team-b", "serviceAccount": "prober"})
		}
		if callers != nil {
			svc["callers"] = callers
		}
	}
}

// mirrorPercents include the fractions and the whole, where Istio's
// conversion to Envoy's fractions could go wrong.
var mirrorPercents = []float64{0.5, 5, 20, 100}

// drawWeight favours the edges, where off-by-one and zero-share bugs live.
func drawWeight(r *rand.Rand) int {
	switch r.Intn(4) {
	case 0:
		return []int{0, 1, 50, 99, 100}[r.Intn(5)]
	default:
		return r.Intn(101)
	}
}

func drawMatch(r *rand.Rand) map[string]any {
	m := map[string]any{"header": headers[r.Intn(len(headers))]}
	switch r.Intn(3) {
	case 0:
		m["exact"] = exactValues[r.Intn(len(exactValues))]
	case 1:
		m["prefix"] = prefixValues[r.Intn(len(prefixValues))]
	default:
		m["regex"] = regexes[r.Intn(len(regexes))]
	}
	return m
}

func isZero(v any) bool { return v == 0 || v == "0%" }

func anyStrings(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// drawEdge draws HTTPS at the gateway for cases with hosts of their own (no
// certificate names "*"): the certificate's source — an existing Secret,
// files, or each kind of cert-manager issuer (ACME only without wildcard
// hosts, which HTTP-01 cannot prove) — what port 80 does, and HSTS. Its own
// source keeps every other draw of a case as it was.
func drawEdge(seed int64, index int, app map[string]any) {
	r := rand.New(rand.NewSource(seed*5_000_011 + int64(index) + 2))
	hosts := app["hosts"].([]any)
	if hosts[0] == "*" || r.Intn(3) == 0 {
		return
	}
	wildcard := false
	for _, h := range hosts {
		wildcard = wildcard || strings.HasPrefix(h.(string), "*.")
	}
	tls := map[string]any{}
	sources := []func(){
		func() { tls["secretName"] = "edge-cert" },
		func() { tls["certificateFile"], tls["keyFile"] = "certs/tls.crt", "certs/tls.key" },
		func() { tls["issuer"] = map[string]any{"selfSigned": map[string]any{}} },
		func() { tls["issuer"] = map[string]any{"ca": map[string]any{"secretName": "edge-ca"}} },
	}
	if !wildcard {
		sources = append(sources, func() { tls["issuer"] = map[string]any{"acme": map[string]any{"email": "ops@example.test"}} })
	}
	sources[r.Intn(len(sources))]()
	if r.Intn(4) == 0 {
		tls["http"] = "serve"
	}
	if r.Intn(2) == 0 {
		tls["hstsMaxAgeSeconds"] = []int{300, 31536000}[r.Intn(2)]
	}
	app["tls"] = tls
}
