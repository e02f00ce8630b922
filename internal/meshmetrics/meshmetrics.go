// Package meshmetrics stands in for Istio's sidecars where they cannot run
// (this repo's local control plane runs no Envoy): it serves, in Prometheus'
// text format, the series a destination sidecar reports —
// istio_requests_total by response code and istio_request_duration_milliseconds
// as a histogram — for a canary's two tracks and any other workload, and
// generates their traffic the way the mesh would route it: the canary's share
// is the weight of the live VirtualService, read from the API server. How
// each workload answers (errors, latency, no requests at all) is set by the
// caller. The end-to-end tests and `make rollout` on the local stack measure
// rollouts with it through a real Prometheus.
package meshmetrics

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cloudnative-pac/platform/names"
)

// DurationBuckets are Istio's default request-duration buckets (ms).
var DurationBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// Behaviour is how a workload answers: the share of 503s and each request's latency.
type Behaviour struct {
	ErrorShare float64
	Latency    time.Duration
}

// Answers says how a workload answers while the canary has weight percent
// of the traffic; reached false: the workload gets no request at all.
type Answers func(workload string, weight int) (how Behaviour, reached bool)

// Healthy answers every request in 20 ms.
var Healthy = Behaviour{Latency: 20 * time.Millisecond}

// AllHealthy is the default Answers.
func AllHealthy(string, int) (Behaviour, bool) { return Healthy, true }

// Source generates and serves the series.
type Source struct {
	// Namespace is the workloads' namespace (destination_workload_namespace).
	Namespace string
	// Service is the canary's service: its tracks are <service>-stable and
	// <service>-canary, and its weight is read by Weight.
	Service string
	// PerSecond requests a second go to the service, and as many to each of Extra.
	PerSecond int
	Extra     []string
	// Weight reads the canary's weight from the cluster.
	Weight func(ctx context.Context) (int, error)

	mu        sync.Mutex
	answers   Answers
	workloads map[string]*series
	weight    int
	weights   []int
}

type series struct {
	ok, failed float64
	buckets    []float64
	sum, count float64
}

// SetAnswers changes how the workloads answer from now on.
func (s *Source) SetAnswers(a Answers) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = a
}

// SeenWeights returns the canary weights seen since the last call, in order
// (the first is the weight at the last call).
func (s *Source) SeenWeights() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.weights
	s.weights = []int{s.weight}
	return seen
}

// Run follows the weight (every half second) and generates traffic (every
// tenth of a second) until ctx ends, for at most maxRun.
func (s *Source) Run(ctx context.Context, maxRun time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, maxRun)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if w, err := s.Weight(ctx); err == nil {
				s.mu.Lock()
				s.weight = w
				if n := len(s.weights); n == 0 || s.weights[n-1] != w {
					s.weights = append(s.weights, w)
				}
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
			s.tick(float64(s.PerSecond) / 10)
		}
	}
}

func (s *Source) tick(requests float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	share := float64(s.weight) / 100
	s.send(names.Deployment(s.Service, names.TrackStable), requests*(1-share))
	s.send(names.Deployment(s.Service, names.TrackCanary), requests*share)
	for _, workload := range s.Extra {
		s.send(workload, requests)
	}
}

func (s *Source) send(workload string, requests float64) {
	if requests == 0 {
		return
	}
	answers := s.answers
	if answers == nil {
		answers = AllHealthy
	}
	how, reached := answers(workload, s.weight)
	if !reached {
		return
	}
	if s.workloads == nil {
		s.workloads = map[string]*series{}
	}
	w := s.workloads[workload]
	if w == nil {
		w = &series{buckets: make([]float64, len(DurationBuckets))}
		s.workloads[workload] = w
	}
	w.failed += requests * how.ErrorShare
	w.ok += requests * (1 - how.ErrorShare)
	ms := float64(how.Latency) / float64(time.Millisecond)
	for i, le := range DurationBuckets {
		if ms <= le {
			w.buckets[i] += requests
		}
	}
	w.sum += ms * requests
	w.count += requests
}

// ServeHTTP writes the series, labelled as a destination sidecar labels them.
func (s *Source) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.workloads))
	for name := range s.workloads {
		names = append(names, name)
	}
	sort.Strings(names)
	labels := func(workload string) string {
		return fmt.Sprintf(`reporter="destination",source_workload="istio-ingressgateway",destination_workload="%s",destination_workload_namespace="%s"`, workload, s.Namespace)
	}
	var b strings.Builder
	b.WriteString("# TYPE istio_requests_total counter\n")
	for _, name := range names {
		series := s.workloads[name]
		fmt.Fprintf(&b, "istio_requests_total{%s,response_code=\"200\"} %g\n", labels(name), series.ok)
		fmt.Fprintf(&b, "istio_requests_total{%s,response_code=\"503\"} %g\n", labels(name), series.failed)
	}
	b.WriteString("# TYPE istio_request_duration_milliseconds histogram\n")
	for _, name := range names {
		series := s.workloads[name]
		for i, le := range DurationBuckets {
			fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"%g\"} %g\n", labels(name), le, series.buckets[i])
		}
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"+Inf\"} %g\n", labels(name), series.count)
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_sum{%s} %g\n", labels(name), series.sum)
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_count{%s} %g\n", labels(name), series.count)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

// CanaryWeight is the canary subset's weight in the last (default) HTTP
// route of a VirtualService as the API server returns it.
func CanaryWeight(vs map[string]any) int {
	spec, _ := vs["spec"].(map[string]any)
	routes, _ := spec["http"].([]any)
	if len(routes) == 0 {
		return 0
	}
	last, _ := routes[len(routes)-1].(map[string]any)
	destinations, _ := last["route"].([]any)
	for _, d := range destinations {
		d, _ := d.(map[string]any)
		dest, _ := d["destination"].(map[string]any)
		if dest["subset"] == names.Subset(names.TrackCanary) {
			w, _ := d["weight"].(float64)
			return int(w)
		}
	}
	return 0
}

// HTTPRouteCanaryWeight is the weight of the canary track's Service among
// the backends of the last (default) rule of an HTTPRoute, as the API server
// returns it: where the Gateway API routes (names.TrackService).
func HTTPRouteCanaryWeight(route map[string]any, service string) int {
	spec, _ := route["spec"].(map[string]any)
	rules, _ := spec["rules"].([]any)
	if len(rules) == 0 {
		return 0
	}
	last, _ := rules[len(rules)-1].(map[string]any)
	backends, _ := last["backendRefs"].([]any)
	for _, b := range backends {
		b, _ := b.(map[string]any)
		if b["name"] == names.TrackService(service, names.TrackCanary) {
			w, _ := b["weight"].(float64)
			return int(w)
		}
	}
	return 0
}
