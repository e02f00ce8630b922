package meshmetrics

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSource_SplitsTrafficByTheWeightAndServesIstiosSeries(t *testing.T) {
	s := &Source{Namespace: "shop", Service: "api", PerSecond: 100, Extra: []string{"web-green"}}
	s.weight = 25
	s.SetAnswers(func(workload string, weight int) (Behaviour, bool) {
		if workload == "api-canary" {
			return Behaviour{ErrorShare: 0.5, Latency: 900 * time.Millisecond}, true
		}
		return Healthy, workload != "web-green"
	})
	for range 10 {
		s.tick(10)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, nil)
	text := rec.Body.String()
	labels := `reporter="destination",source_workload="istio-ingressgateway",destination_workload="api-canary",destination_workload_namespace="shop"`
	assert.Contains(t, text, `istio_requests_total{`+labels+`,response_code="200"} 12.5`)
	assert.Contains(t, text, `istio_requests_total{`+labels+`,response_code="503"} 12.5`)
	assert.Contains(t, text, `istio_request_duration_milliseconds_bucket{`+labels+`,le="500"} 0`)
	assert.Contains(t, text, `istio_request_duration_milliseconds_bucket{`+labels+`,le="1000"} 25`)
	assert.Contains(t, text, `destination_workload="api-stable",destination_workload_namespace="shop",response_code="200"} 75`)
	assert.False(t, strings.Contains(text, "web-green"), "an unreached workload has no series")
}

func TestCanaryWeight_ReadsTheDefaultRoute(t *testing.T) {
	vs := map[string]any{"spec": map[string]any{"http": []any{
		map[string]any{"route": []any{map[string]any{"destination": map[string]any{"subset": "canary"}}}},
		map[string]any{"route": []any{
			map[string]any{"destination": map[string]any{"subset": "stable"}, "weight": 75.0},
			map[string]any{"destination": map[string]any{"subset": "canary"}, "weight": 25.0},
		}},
	}}}
	assert.Equal(t, 25, CanaryWeight(vs))
	assert.Equal(t, 0, CanaryWeight(map[string]any{}))
}
