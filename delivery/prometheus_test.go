package delivery

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

// A stand-in for Prometheus' query API (the end-to-end test runs the real
// one): answers by which metric the query reads.
func fakePrometheus(t *testing.T, answer func(query string) string) (*httptest.Server, *[]string) {
	var queries []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/api/v1/query", r.URL.Path)
		q := r.FormValue("query") // the client POSTs the form, GET only as a fallback
		queries = append(queries, q)
		result := []any{}
		if value := answer(q); value != "" {
			result = append(result, map[string]any{"metric": map[string]string{}, "value": []any{1.0, value}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "vector", "result": result}})
	}))
	t.Cleanup(server.Close)
	return server, &queries
}

func TestPrometheus_MeasuresTheCanaryOverTheInterval(t *testing.T) {
	server, queries := fakePrometheus(t, func(q string) string {
		switch {
		case strings.Contains(q, `response_code=~"5.."`):
			return "7.4"
		case strings.Contains(q, "istio_request_duration_milliseconds_bucket"):
			return "118.5"
		case strings.Contains(q, "istio_requests_total"):
			return "1532.2"
		}
		return ""
	})
	m, ran, err := Prometheus{URL: server.URL, Queries: model.DefaultRolloutQueries()}.Measure(context.Background(),
		Target{Namespace: "shop", Workload: "java-service-canary", Window: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, 3, len(*queries))
	for _, q := range ran {
		assert.Contains(t, q, `destination_workload_namespace="shop",destination_workload="java-service-canary"`)
		assert.Contains(t, q, "[60s]")
	}
	assert.Equal(t, 1532, m.Requests)
	assert.Equal(t, 7, m.Errors)
	assert.Equal(t, 118500*time.Microsecond, m.P99)
}

func TestPrometheus_NoSeriesIsNoTraffic(t *testing.T) {
	server, _ := fakePrometheus(t, func(string) string { return "" })
	m, _, err := Prometheus{URL: server.URL, Queries: model.DefaultRolloutQueries()}.Measure(context.Background(),
		Target{Namespace: "shop", Workload: "java-service-canary", Window: time.Minute})
	require.NoError(t, err)
	assert.Zero(t, m.Requests)
	assert.Less(t, m.P99, time.Duration(0), "no latency known")
}

func TestPrometheus_ARefusedQueryIsAnError(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
	}))
	defer server.Close()
	_, _, err := Prometheus{URL: server.URL, Queries: model.DefaultRolloutQueries()}.Measure(context.Background(), Target{Window: time.Minute})
	assert.ErrorContains(t, err, "parse error")
}

func TestPrometheus_SeveralSeriesAreRefused(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		series := func(pod string) map[string]any {
			return map[string]any{"metric": map[string]string{"pod": pod}, "value": []any{1.0, "3"}}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success",
			"data": map[string]any{"resultType": "vector", "result": []any{series("a"), series("b")}}})
	}))
	defer server.Close()
	_, _, err := Prometheus{URL: server.URL, Queries: model.DefaultRolloutQueries()}.Measure(context.Background(), Target{Window: time.Minute})
	assert.ErrorContains(t, err, "with 2 series")
}
