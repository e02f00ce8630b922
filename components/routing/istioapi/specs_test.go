package istioapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy"
)

func canary(weight int) (model.Service, strategy.Plan) {
	svc := model.Service{Name: "java-service", Strategy: model.Canary, Port: 80, Replicas: 2, PathPrefix: "/javaservice",
		Traffic: model.TrafficPolicy{MaxConnections: 100, MaxPendingRequests: 50, MaxRequestsPerConn: 10,
			Consecutive5xxErrors: 5, EjectionIntervalSeconds: 10, BaseEjectionSeconds: 30, MaxEjectionPercent: 50},
		Routes: model.RoutePolicy{TimeoutSeconds: 15, RetryAttempts: 2, PerTryTimeoutSeconds: 5, RetryOn: "5xx"},
		Release: model.Release{Canary: &model.CanarySettings{StableImage: "r/j:1", CanaryImage: "r/j:2", Weight: weight,
			Match: model.HeaderMatch{Header: "channel", Exact: "mobile"}}}}
	plan, _ := strategy.For(svc)
	return svc, plan
}

func TestVirtualServiceSpec_CanaryHeaderRouteBeforeWeights(t *testing.T) {
	svc, plan := canary(10)
	vs := VirtualServiceSpec(svc, "shop", plan, Scope{Gateway: "shop/shop-gateway", Hosts: []string{"*"}, PathPrefix: "/javaservice"})

	value, err := SpecValue(vs)
	require.NoError(t, err)
	want := map[string]any{
		"hosts":    []any{"*"},
		"gateways": []any{"shop/shop-gateway"},
		"http": []any{
			map[string]any{
				"name": "match-channel",
				"match": []any{map[string]any{
					"uri":     map[string]any{"prefix": "/javaservice"},
					"headers": map[string]any{"channel": map[string]any{"exact": "mobile"}},
				}},
				"route":   []any{dest("canary", 100)},
				"timeout": "15s",
				"retries": retryValue,
			},
			map[string]any{
				"name":    "default",
				"match":   []any{map[string]any{"uri": map[string]any{"prefix": "/javaservice"}}},
				"route":   []any{dest("stable", 90), dest("canary", 10)},
				"timeout": "15s",
				"retries": retryValue,
			},
		},
	}
	assert.Equal(t, want, value)
}

var retryValue = map[string]any{"attempts": float64(2), "perTryTimeout": "5s", "retryOn": "5xx"}

func dest(subset string, weight float64) map[string]any {
	return map[string]any{
		"destination": map[string]any{"host": "java-service.shop.svc.cluster.local", "subset": subset, "port": map[string]any{"number": float64(80)}},
		"weight":      weight,
	}
}

func TestVirtualServiceSpec_WeightsSumTo100AndZeroSharesAreDropped(t *testing.T) {
	for _, weight := range []int{0, 1, 50, 99, 100} {
		svc, plan := canary(weight)
		vs := VirtualServiceSpec(svc, "shop", plan, Scope{Gateway: MeshGateway, Hosts: []string{"java-service.shop.svc.cluster.local"}})
		for _, route := range vs.Http {
			sum := int32(0)
			for _, d := range route.Route {
				assert.NotZero(t, d.Weight, "weight %d: a listed destination has a share", weight)
				sum += d.Weight
			}
			assert.Equal(t, int32(100), sum, "weight %d, route %s", weight, route.Name)
		}
		assert.Nil(t, vs.Http[1].Match, "inside the mesh the default route matches everything")
	}
}

func TestDestinationRuleSpec_OneSubsetPerTrackAndCircuitBreaking(t *testing.T) {
	svc, plan := canary(10)
	dr := DestinationRuleSpec(svc, "shop", plan, true)
	value, err := SpecValue(dr)
	require.NoError(t, err)
	assert.Equal(t, "java-service.shop.svc.cluster.local", value["host"])
	assert.Equal(t, []any{
		map[string]any{"name": "stable", "labels": map[string]any{"version": "stable"}},
		map[string]any{"name": "canary", "labels": map[string]any{"version": "canary"}},
	}, value["subsets"])
	assert.Equal(t, map[string]any{
		"connectionPool": map[string]any{
			"tcp":  map[string]any{"maxConnections": float64(100)},
			"http": map[string]any{"http1MaxPendingRequests": float64(50), "maxRequestsPerConnection": float64(10)},
		},
		"outlierDetection": map[string]any{
			"consecutive5xxErrors": float64(5), "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": float64(50),
		},
		"tls": map[string]any{"mode": "ISTIO_MUTUAL"},
	}, value["trafficPolicy"])
	assert.Nil(t, DestinationRuleSpec(svc, "shop", plan, false).TrafficPolicy.Tls, "no mTLS when the namespace disables it")
}

func TestGatewaySpec_SelectsIngressGateway(t *testing.T) {
	value, err := SpecValue(GatewaySpec([]string{"shop.example.com"}, model.TLS{}))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"selector": map[string]any{"istio": "ingressgateway"},
		"servers": []any{map[string]any{
			"port":  map[string]any{"number": float64(80), "name": "http", "protocol": "HTTP"},
			"hosts": []any{"shop.example.com"},
		}},
	}, value)
}

// One VirtualService carries every service's gateway routes, longest path
// prefix first, so "/" is tried last whatever order the services are listed in.
func TestIngressVirtualServiceSpec_LongestPrefixFirst(t *testing.T) {
	javaSvc, javaPlan := canary(10)
	service := func(name, prefix string) routing.IngressRoute {
		svc := model.Service{Name: name, Strategy: model.Ramped, Port: 80, Replicas: 1, PathPrefix: prefix, Release: model.Release{Image: "r/" + name + ":1"},
			Ramped: &model.RampedSettings{MaxSurge: "1", MaxUnavailable: "0"}, Routes: javaSvc.Routes}
		plan, err := strategy.For(svc)
		require.NoError(t, err)
		return routing.IngressRoute{Service: svc, Plan: plan}
	}
	services := []routing.IngressRoute{
		service("frontend", "/"),
		{Service: javaSvc, Plan: javaPlan},
		service("java", "/java"),
		service("config", "/config"),
	}
	vs := IngressVirtualServiceSpec(services, "shop", "shop/shop-gateway", []string{"*"}, routing.Edge{})

	var order []string
	for _, r := range vs.Http {
		order = append(order, r.Name+" "+r.Match[0].Uri.GetPrefix()+r.Match[0].Uri.GetRegex())
	}
	assert.Equal(t, []string{
		"java-service-match-channel /javaservice",
		"java-service-default /javaservice",
		"config-default /config",
		"java-default /java",
		"frontend-default /.*", // every path, but not a catch-all Istio would move
	}, order)
	assert.Equal(t, "mobile", vs.Http[0].Match[0].Headers["channel"].GetExact(), "the header rule keeps its path")
	assert.Equal(t, []string{"shop/shop-gateway"}, vs.Gateways)
	assert.Equal(t, "frontend", services[0].Service.Name, "the caller's slice is left in its order")
}

// With no retry attempts the route carries no retryOn or per-try timeout: Istio's
// webhook refuses them beside zero attempts (the mesh tests' generated configs
// found it).
func TestVirtualServiceSpec_NoRetriesSaysOnlyThat(t *testing.T) {
	svc, plan := canary(10)
	svc.Routes.RetryAttempts = 0
	vs := VirtualServiceSpec(svc, "shop", plan, Scope{Gateway: MeshGateway, Hosts: []string{"java-service"}})
	value, err := SpecValue(vs)
	require.NoError(t, err)
	for _, route := range value["http"].([]any) {
		assert.Equal(t, map[string]any{}, route.(map[string]any)["retries"])
	}
}
