//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/meshmetrics"
	"github.com/cloudnative-pac/platform/names"
)

var (
	healthyAnswers = meshmetrics.Healthy
	failingAnswers = meshmetrics.Behaviour{ErrorShare: 0.2, Latency: 20 * time.Millisecond}
	slowAnswers    = meshmetrics.Behaviour{Latency: 900 * time.Millisecond}
)

// startMeshMetrics serves Istio-shaped series for the service's canary (and
// extra workloads) on 127.0.0.1, its traffic split by the live VirtualService
// (see package meshmetrics), until the test ends. It returns the scrape target.
func (p *project) startMeshMetrics(t *testing.T, service string, perSecond int, extra ...string) (*meshmetrics.Source, string) {
	return p.startMeshMetricsOf(t, service, perSecond, func(context.Context) (int, error) {
		out, err := p.kubectl("get", "virtualservice.networking.istio.io", names.MeshVirtualService(service), "-n", appNS, "-o", "json")
		if err != nil {
			return 0, err
		}
		var vs map[string]any
		err = json.Unmarshal([]byte(out), &vs)
		return meshmetrics.CanaryWeight(vs), err
	}, extra...)
}

// startMeshMetricsOf is startMeshMetrics with the canary's weight read by weight.
func (p *project) startMeshMetricsOf(t *testing.T, service string, perSecond int, weight func(context.Context) (int, error), extra ...string) (*meshmetrics.Source, string) {
	source := &meshmetrics.Source{Namespace: appNS, Service: service, PerSecond: perSecond, Extra: extra, Weight: weight}
	server := httptest.NewServer(source)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); source.Run(ctx, time.Hour) }()
	t.Cleanup(func() { cancel(); <-done; server.Close() })
	return source, server.Listener.Addr().String()
}

// startPrometheus runs the pinned Prometheus on 127.0.0.1, scraping target
// every second, and returns its URL once it has scraped it.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	config := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: mesh\n    static_configs:\n      - targets: [%q]\n", target)
	return startPrometheusWith(t, t.TempDir(), config, "mesh")
}

// startPrometheusWith runs the pinned Prometheus on 127.0.0.1 with config
// (written to dir) and returns its URL once it has scraped a target of job.
func startPrometheusWith(t *testing.T, dir, config, job string) string {
	t.Helper()
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
	query := url + "/api/v1/query?" + neturl.Values{"query": {`up{job="` + job + `"}==1`}}.Encode()
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
	t.Fatalf("prometheus on %s scraped no target of job %s within a minute", addr, job)
	return ""
}
