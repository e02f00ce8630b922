package delivery

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	prommodel "github.com/prometheus/common/model"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy/analysis"
)

// Prometheus measures a workload's traffic through Prometheus' query API,
// with Prometheus' own Go client.
type Prometheus struct {
	URL string
	// Queries default to the model's (observability.rolloutQueries).
	Queries model.RolloutQueries
	// Client is the HTTP client the queries go through (default: one with a
	// 30 s timeout).
	Client *http.Client
}

// Target names what is measured.
type Target struct {
	Namespace, Workload string
	Window              time.Duration
}

// Measure runs the three queries at the same instant.
func (p Prometheus) Measure(ctx context.Context, target Target) (analysis.Measurement, []string, error) {
	at := time.Now()
	var m analysis.Measurement
	var ran []string
	api, err := p.api()
	if err != nil {
		return m, ran, err
	}
	values := make([]float64, 3)
	for i, text := range []string{p.Queries.Requests, p.Queries.Errors, p.Queries.P99} {
		query, err := model.QueryTarget{Namespace: target.Namespace, Workload: target.Workload,
			Window: strconv.Itoa(int(target.Window.Seconds())) + "s"}.Render(text)
		if err != nil {
			return m, ran, fmt.Errorf("query template %q: %w", text, err)
		}
		ran = append(ran, query)
		if values[i], err = instant(ctx, api, query, at); err != nil {
			return m, ran, err
		}
	}
	m.Requests = int(math.Round(zeroIfNaN(values[0])))
	m.Errors = int(math.Round(zeroIfNaN(values[1])))
	m.P99 = -1
	if !math.IsNaN(values[2]) && !math.IsInf(values[2], 0) {
		m.P99 = time.Duration(values[2] * float64(time.Millisecond))
	}
	return m, ran, nil
}

func (p Prometheus) api() (promv1.API, error) {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	c, err := promapi.NewClient(promapi.Config{Address: p.URL, Client: client})
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", p.URL, err)
	}
	return promv1.NewAPI(c), nil
}

func zeroIfNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// instant runs one query; an empty result is NaN (no series: no traffic).
// A query must add its series up to one (sum, histogram_quantile): more than
// one answer would make the measurement depend on which came first.
func instant(ctx context.Context, api promv1.API, query string, at time.Time) (float64, error) {
	value, _, _, err := api.Query(ctx, query, at)
	if err != nil {
		return 0, fmt.Errorf("prometheus refused %q: %w", query, err)
	}
	vector, ok := value.(prommodel.Vector)
	if !ok {
		return 0, fmt.Errorf("prometheus answered %q with a %s, not a vector", query, value.Type())
	}
	switch len(vector) {
	case 0:
		return math.NaN(), nil
	case 1:
		return float64(vector[0].Value), nil
	}
	return 0, fmt.Errorf("prometheus answered %q with %d series; a rollout query must add them up to one (sum by nothing)", query, len(vector))
}
