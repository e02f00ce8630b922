//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	neturl "net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps"
	"github.com/cloudnative-pac/platform/internal/podtargets"
)

// TestRolloutOnRealMetrics walks java-service's canary on the real node,
// judged by the local stack's own rollout queries on the request metrics its
// pods serve, which the pinned Prometheus scrapes from each pod (targets from
// the API server's pod list: internal/podtargets). No sidecar runs, so the
// route's weight moves nothing here: kube-proxy spreads the load over the
// stable's and the canary's pods alike (one each, about half the requests
// each). Every verdict therefore rests on requests the canary's pod itself
// answered: a healthy image is promoted, an image answering 30% 503s and one
// holding every answer 600 ms are rolled back on their own answers.
func TestRolloutOnRealMetrics(t *testing.T) {
	p := newProject(t)
	nodeDir(t)
	const (
		healthy = "docker.io/cloudnative/java-service:2.0.0" // the local stack's canary, built by make cluster-up
		erring  = "docker.io/cloudnative/java-service:6.0.0"
		slow    = "docker.io/cloudnative/java-service:7.0.0"
	)
	p.buildAndImport(t, []string{"-env", erring + "=" + apps.ErrorPercentEnv + "=30", "-env", slow + "=" + apps.LatencyEnv + "=600"})
	e, platform := p.upJudgedOnPods(t, "e2e-realmetrics", func(svc map[string]any) bool {
		if svc["name"] != "java-service" {
			return false
		}
		progressiveCanary(svc, 0)
		svc["progressive"].(map[string]any)["steps"] = []any{50}
		svc["progressive"].(map[string]any)["analysis"] = map[string]any{
			"intervalSeconds": 10, "minRequests": 10, "failureLimit": 0, "deadlineSeconds": 60}
		return true
	})
	prometheus := e.section("cloudnative:observability")["prometheusUrl"].(string)
	url := p.nodePort(t, appNS, "java-service")

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"HealthyCanaryIsPromotedOnItsOwnAnswers", func(t *testing.T) {
			out := p.rolloutUnderLoad(t, platform, e, url)
			assert.Regexp(t, `java-service 50%: success 100\.0%, p99 \d+ ms, \d+ requests`, out)
			assert.Positive(t, p.servedBy(t, prometheus, "java-service-canary", ""), "the canary's pod answered requests of its own")
			p.assertRolloutEnded(t, e, healthy)
		}},
		{"ErringCanaryIsRolledBackOnItsOwnAnswers", func(t *testing.T) {
			e.newCanaryImage(erring)
			out := p.rolloutUnderLoad(t, platform, e, url)
			assert.Regexp(t, `java-service 50%: fail — success [67]\d\.\d% below 99\.0%`, out)
			assert.Positive(t, p.servedBy(t, prometheus, "java-service-canary", "503"), "the 503s the canary's pod answered")
			assert.Zero(t, p.servedBy(t, prometheus, "java-service", "503"), "the stable's pods answered none")
			p.assertRolloutEnded(t, e, healthy)
		}},
		{"SlowCanaryIsRolledBackOnItsOwnAnswers", func(t *testing.T) {
			e.newCanaryImage(slow)
			out := p.rolloutUnderLoad(t, platform, e, url)
			assert.Regexp(t, `java-service 50%: fail — p99 \d+ ms above 500 ms`, out)
			p.assertRolloutEnded(t, e, healthy)
		}},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			t.FailNow()
		}
	}
}

// upJudgedOnPods brings a stack of the local one up on the real node with
// the services edit keeps (edited) and the local stack's own rollout queries,
// then the pinned Prometheus scraping its pods, named in the stack file; it
// returns the stack and the platform binary.
func (p *project) upJudgedOnPods(t *testing.T, name string, edit func(svc map[string]any) (keep bool)) (*env, string) {
	t.Helper()
	e := p.env(name, func(config map[string]any) {
		config["cloudnative:observability"].(map[string]any)["enabled"] = false
		var kept []any
		for _, s := range config["cloudnative:services"].([]any) {
			if edit(s.(map[string]any)) {
				kept = append(kept, s)
			}
		}
		config["cloudnative:services"] = kept
	})
	require.Contains(t, e.section("cloudnative:observability"), "rolloutQueries", "the local stack's own queries")
	t.Cleanup(func() { _, _ = e.stack.Destroy(context.Background()) })
	e.up()
	prometheus := p.startPodPrometheus(t)
	e.section("cloudnative:observability")["prometheusUrl"] = prometheus
	e.writeConfig()
	return e, buildPlatform(t)
}

// rolloutUnderLoad runs the rollout while two bounded loads ask the service
// through its NodePort, and returns the rollout's report.
func (p *project) rolloutUnderLoad(t *testing.T, platform string, e *env, url string) string {
	t.Helper()
	loads := []*load{startLoad(url), startLoad(url)}
	out, err := p.rollout(platform, e.name)
	for _, l := range loads {
		t.Logf("load: %s", summary(l.stop()))
	}
	t.Logf("rollout:\n%s", out)
	if err == nil {
		return out
	}
	assert.Contains(t, out, "rolled back", "a failed rollout ends rolled back:\n%s", out)
	return out
}

// startPodPrometheus runs the pinned Prometheus scraping every pod of the
// application namespace (its targets rewritten from the API server's pod
// list every second, until the test ends) and returns its URL once it has
// scraped one.
func (p *project) startPodPrometheus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.json")
	require.NoError(t, podtargets.Write(targets, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if out, err := p.kubectl("get", "pods", "-n", appNS, "-o", "json"); err == nil {
				if groups, err := podtargets.FromPodList([]byte(out)); err == nil {
					_ = podtargets.Write(targets, groups)
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return startPrometheusWith(t, dir, podtargets.ScrapeConfig("pods", targets), "pods")
}

// servedBy asks Prometheus how many answers (of the status code, if given)
// the workload's pods counted in the last five minutes, from their own series.
func (p *project) servedBy(t *testing.T, prometheus, workload, code string) float64 {
	t.Helper()
	selector := podtargets.NamespaceLabel + `="` + appNS + `",` + podtargets.WorkloadLabel + `="` + workload + `"`
	if code != "" {
		selector += `,` + apps.CodeLabel + `="` + code + `"`
	}
	query := `sum(increase(` + apps.RequestsMetric + `{` + selector + `}[5m]))`
	resp, err := http.Get(prometheus + "/api/v1/query?" + neturl.Values{"query": {query}}.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	if len(body.Data.Result) == 0 {
		return 0
	}
	v, err := strconv.ParseFloat(body.Data.Result[0].Value[1].(string), 64)
	require.NoError(t, err)
	t.Logf("%s: %g", query, v)
	return v
}
