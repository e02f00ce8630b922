package httpapp

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cloudnative-pac/platform/apps"
)

// Measured counts the answers next gives by status code and observes how long
// each took, as apps.RequestsMetric and apps.DurationMetric; the returned
// handler serves them (and only them: no Go runtime series, which would make
// the sample's metrics depend on the Go version) in Prometheus' text format.
func Measured(next http.Handler) (measured, metrics http.Handler) {
	registry := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: apps.RequestsMetric, Help: "Requests the service answered, by status code.",
	}, []string{apps.CodeLabel})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: apps.DurationMetric, Help: "How long the service took to answer, in seconds.",
		Buckets: apps.DurationBuckets,
	}, nil)
	registry.MustRegister(requests, duration)
	measured = promhttp.InstrumentHandlerDuration(duration, promhttp.InstrumentHandlerCounter(requests, next))
	return measured, promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
}

// Faults are what a test image is built with (apps.ErrorPercentEnv,
// apps.LatencyEnv); the zero value answers as the service does.
type Faults struct {
	ErrorPercent int
	Latency      time.Duration
}

// Faulty answers as next, held for f.Latency first, except that a share
// f.ErrorPercent of the requests, spread evenly, get a 503 (see apps.FailsAt).
func (f Faults) Faulty(next http.Handler) http.Handler {
	if f == (Faults{}) {
		return next
	}
	var served atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1) - 1
		time.Sleep(f.Latency)
		if apps.FailsAt(n, f.ErrorPercent) {
			http.Error(w, "injected fault ("+apps.ErrorPercentEnv+")", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}
