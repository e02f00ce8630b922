//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Istio's sidecars cannot run on this machine, so no real Envoy reports the
// canary's traffic. meshMetrics stands in for them: it serves the series a
// destination sidecar would (istio_requests_total by response code,
// istio_request_duration_milliseconds as a histogram) for each workload, and
// generates traffic the way the mesh would route it — the canary's share of
// requests is the weight the live VirtualService gives it, read from the API
// server every half second. What each workload answers is set by the test.

// istioDurationBuckets are Istio's default request-duration buckets (ms).
var istioDurationBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// behaviour is how a workload answers: the share of 503s and each request's latency.
type behaviour struct {
	errorShare float64
	latency    time.Duration
}

var (
	healthyAnswers = behaviour{latency: 20 * time.Millisecond}
	failingAnswers = behaviour{errorShare: 0.2, latency: 20 * time.Millisecond}
	slowAnswers    = behaviour{latency: 900 * time.Millisecond}
)

// series are one workload's counters.
type series struct {
	ok, failed float64
	buckets    []float64
	sum, count float64
}

type meshMetrics struct {
	namespace string
	mu        sync.Mutex
	workloads map[string]*series
	// answers says how a workload answers at the canary weight the mesh
	// routes with now; false: the workload gets no request at all.
	answers func(workload string, canaryWeight int) (behaviour, bool)
	weight  int
	weights []int // every canary weight the generator saw, in order
}

// startMeshMetrics serves the series on 127.0.0.1 and generates perSecond
// requests a second to the service's mesh VirtualService (canary vs stable by
// its weight), and perSecond to each of extra (e.g. a preview Service's
// workload), until the test ends.
func (p *project) startMeshMetrics(t *testing.T, service string, perSecond int, extra ...string) (*meshMetrics, string) {
	m := &meshMetrics{namespace: appNS, workloads: map[string]*series{}}
	m.answers = func(string, int) (behaviour, bool) { return healthyAnswers, true }
	server := httptest.NewServer(http.HandlerFunc(m.serve))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { defer func() { done <- struct{}{} }(); p.followCanaryWeight(ctx, m, service) }()
	go func() {
		defer func() { done <- struct{}{} }()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		// Bounded: at most an hour of ticks, whatever the test does.
		for i := 0; i < 36000; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			m.tick(service, float64(perSecond)/10, extra)
		}
	}()
	t.Cleanup(func() { cancel(); <-done; <-done; server.Close() })
	return m, server.Listener.Addr().String()
}

func (m *meshMetrics) setAnswers(f func(workload string, canaryWeight int) (behaviour, bool)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answers = f
}

// tick sends one tenth of a second's requests.
func (m *meshMetrics) tick(service string, requests float64, extra []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	share := float64(m.weight) / 100
	m.send(service+"-stable", requests*(1-share))
	m.send(service+"-canary", requests*share)
	for _, workload := range extra {
		m.send(workload, requests)
	}
}

func (m *meshMetrics) send(workload string, requests float64) {
	if requests == 0 {
		return
	}
	how, reached := m.answers(workload, m.weight)
	if !reached {
		return
	}
	s := m.workloads[workload]
	if s == nil {
		s = &series{buckets: make([]float64, len(istioDurationBuckets))}
		m.workloads[workload] = s
	}
	s.failed += requests * how.errorShare
	s.ok += requests * (1 - how.errorShare)
	ms := float64(how.latency) / float64(time.Millisecond)
	for i, le := range istioDurationBuckets {
		if ms <= le {
			s.buckets[i] += requests
		}
	}
	s.sum += ms * requests
	s.count += requests
}

// serve writes the series in Prometheus' text format, labelled as a
// destination sidecar labels them.
func (m *meshMetrics) serve(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	workloads := make([]string, 0, len(m.workloads))
	for name := range m.workloads {
		workloads = append(workloads, name)
	}
	sort.Strings(workloads)
	labels := func(workload string) string {
		return fmt.Sprintf(`reporter="destination",source_workload="istio-ingressgateway",destination_workload="%s",destination_workload_namespace="%s"`, workload, m.namespace)
	}
	b.WriteString("# TYPE istio_requests_total counter\n")
	for _, name := range workloads {
		s := m.workloads[name]
		fmt.Fprintf(&b, "istio_requests_total{%s,response_code=\"200\"} %g\n", labels(name), s.ok)
		fmt.Fprintf(&b, "istio_requests_total{%s,response_code=\"503\"} %g\n", labels(name), s.failed)
	}
	b.WriteString("# TYPE istio_request_duration_milliseconds histogram\n")
	for _, name := range workloads {
		s := m.workloads[name]
		for i, le := range istioDurationBuckets {
			fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"%g\"} %g\n", labels(name), le, s.buckets[i])
		}
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_bucket{%s,le=\"+Inf\"} %g\n", labels(name), s.count)
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_sum{%s} %g\n", labels(name), s.sum)
		fmt.Fprintf(&b, "istio_request_duration_milliseconds_count{%s} %g\n", labels(name), s.count)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

// followCanaryWeight keeps m.weight at the canary's share of the default
// route of the service's mesh VirtualService.
func (p *project) followCanaryWeight(ctx context.Context, m *meshMetrics, service string) {
	for ctx.Err() == nil {
		out, err := p.kubectl("get", "virtualservice.networking.istio.io", service+"-mesh", "-n", appNS, "-o", "json")
		if err == nil {
			var vs map[string]any
			if json.Unmarshal([]byte(out), &vs) == nil {
				weight := canaryWeight(vs)
				m.mu.Lock()
				m.weight = weight
				if n := len(m.weights); n == 0 || m.weights[n-1] != weight {
					m.weights = append(m.weights, weight)
				}
				m.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// canaryWeight is the canary subset's weight in the last (default) HTTP route.
func canaryWeight(vs map[string]any) int {
	routes, _ := dig(vs, "spec", "http").([]any)
	if len(routes) == 0 {
		return 0
	}
	destinations, _ := dig(routes[len(routes)-1], "route").([]any)
	for _, d := range destinations {
		if dig(d, "destination", "subset") == "canary" {
			return num(dig(d, "weight"))
		}
	}
	return 0
}

// seenWeights returns the canary weights seen since the last call.
func (m *meshMetrics) seenWeights() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := m.weights
	m.weights = []int{m.weight}
	return seen
}

// startPrometheus runs the pinned Prometheus on 127.0.0.1, scraping target
// every second, and returns its URL once it has scraped it.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: mesh\n    static_configs:\n      - targets: [%q]\n", target)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644))
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := listener.Addr().String()
	require.NoError(t, listener.Close())

	cmd := exec.Command("prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--log.level=warn")
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start(), "prometheus comes from make tools (hack/build-tools.sh)")
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus log:\n%s", tail(string(data), 3000))
		}
	})

	url := "http://" + addr
	query := url + "/api/v1/query?query=" + `up%7Bjob%3D%22mesh%22%7D%3D%3D1`
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("prometheus exited: see its log")
		default:
		}
		if resp, err := http.Get(query); err == nil {
			var body struct {
				Data struct {
					Result []any `json:"result"`
				} `json:"data"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if len(body.Data.Result) > 0 {
				return url
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("prometheus on %s did not scrape %s within a minute", addr, target)
	return ""
}
