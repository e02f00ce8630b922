package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy/analysis"
)

// Prometheus measures a workload's traffic through Prometheus' HTTP API.
type Prometheus struct {
	URL string
	// Queries default to the model's (observability.rolloutQueries).
	Queries model.RolloutQueries
	Client  *http.Client
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
	values := make([]float64, 3)
	for i, text := range []string{p.Queries.Requests, p.Queries.Errors, p.Queries.P99} {
		query, err := model.QueryTarget{Namespace: target.Namespace, Workload: target.Workload,
			Window: strconv.Itoa(int(target.Window.Seconds())) + "s"}.Render(text)
		if err != nil {
			return m, ran, fmt.Errorf("query template %q: %w", text, err)
		}
		ran = append(ran, query)
		if values[i], err = p.instant(ctx, query, at); err != nil {
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

func zeroIfNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// instant runs one query; an empty result is NaN (no series: no traffic).
func (p Prometheus) instant(ctx context.Context, query string, at time.Time) (float64, error) {
	u := p.URL + "/api/v1/query?" + url.Values{"query": {query}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("prometheus: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("prometheus answered %s with no JSON: %w", resp.Status, err)
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("prometheus refused %q: %s", query, body.Error)
	}
	if body.Data.ResultType != "vector" {
		return 0, fmt.Errorf("prometheus answered %q with a %s, not a vector", query, body.Data.ResultType)
	}
	if len(body.Data.Result) == 0 {
		return math.NaN(), nil
	}
	text, _ := body.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(text, 64)
}
