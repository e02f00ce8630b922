package apptest

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	prommodel "github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps"
)

// RequestMetrics is what a service's metrics page says, read with
// Prometheus' own text-format parser.
type RequestMetrics struct {
	ByCode map[string]float64
	// Count and Sum are the duration histogram's; Buckets maps each upper
	// bound to its cumulative count.
	Count   uint64
	Sum     float64
	Buckets map[float64]uint64
}

// Metrics fetches and parses the service's metrics page.
func (p *Process) Metrics() RequestMetrics {
	p.t.Helper()
	res, err := http.Get(p.Base + apps.MetricsPath)
	require.NoError(p.t, err)
	defer res.Body.Close()
	require.Equal(p.t, http.StatusOK, res.StatusCode)
	parser := expfmt.NewTextParser(prommodel.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	require.NoError(p.t, err, "the metrics page is Prometheus' text format")
	m := RequestMetrics{ByCode: map[string]float64{}, Buckets: map[float64]uint64{}}
	if f := families[apps.RequestsMetric]; f != nil {
		require.Equal(p.t, dto.MetricType_COUNTER, f.GetType(), apps.RequestsMetric)
		for _, metric := range f.GetMetric() {
			for _, label := range metric.GetLabel() {
				if label.GetName() == apps.CodeLabel {
					m.ByCode[label.GetValue()] += metric.GetCounter().GetValue()
				}
			}
		}
	}
	if f := families[apps.DurationMetric]; f != nil {
		require.Equal(p.t, dto.MetricType_HISTOGRAM, f.GetType(), apps.DurationMetric)
		require.Len(p.t, f.GetMetric(), 1, "one histogram for every answer")
		h := f.GetMetric()[0].GetHistogram()
		m.Count, m.Sum = h.GetSampleCount(), h.GetSampleSum()
		for _, b := range h.GetBucket() {
			m.Buckets[b.GetUpperBound()] = b.GetCumulativeCount()
		}
	}
	return m
}

// AssertMeasuresRequests runs the service (argv, as Start) twice: as built,
// ten answers are ten 200s in the counter and ten observations in the
// histogram, and the health check and the metrics page are not counted; with
// the faults a test image carries (30% errors, 300 ms), the 4th, 7th and
// 10th answers are 503s and every observation is above 0.25 s.
func AssertMeasuresRequests(t *testing.T, argv ...string) {
	t.Run("AsBuilt", func(t *testing.T) {
		p := Start(t, "One", argv...)
		before := p.Metrics()
		assert.Zero(t, before.Count, "nothing served yet")
		for i := range 10 {
			status, _, err := p.Get(fmt.Sprintf("/path-%d", i))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
		}
		_, _, _ = p.Get("/health")
		after := p.Metrics()
		assert.Equal(t, map[string]float64{"200": 10}, after.ByCode)
		assert.Equal(t, uint64(10), after.Count)
		assert.Greater(t, after.Sum, 0.0)
		assert.Len(t, after.Buckets, len(apps.DurationBuckets)+1, "the buckets apps.DurationBuckets names, and +Inf")
		for _, bound := range apps.DurationBuckets {
			assert.Contains(t, after.Buckets, bound)
		}
		assert.Equal(t, uint64(10), after.Buckets[10], "every answer within 10 s")
	})
	t.Run("WithFaults", func(t *testing.T) {
		t.Setenv(apps.ErrorPercentEnv, "30")
		t.Setenv(apps.LatencyEnv, "300")
		p := Start(t, "One", argv...)
		for i := range 10 {
			start := time.Now()
			status, _, err := p.Get("/faulty-" + strconv.Itoa(i))
			require.NoError(t, err)
			assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
			want := http.StatusOK
			if i == 3 || i == 6 || i == 9 {
				want = http.StatusServiceUnavailable
			}
			assert.Equal(t, want, status, "request %d", i)
		}
		m := p.Metrics()
		assert.Equal(t, map[string]float64{"200": 7, "503": 3}, m.ByCode)
		assert.Equal(t, uint64(10), m.Count)
		assert.Zero(t, m.Buckets[0.25], "every answer held 300 ms")
		assert.Equal(t, uint64(10), m.Buckets[0.5])
	})
}
