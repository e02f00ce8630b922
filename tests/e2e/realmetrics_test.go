//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	prommodel "github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps"
	"github.com/cloudnative-pac/platform/internal/podtargets"
	"github.com/cloudnative-pac/platform/names"
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
		// as erring: 30% 503s
		erringToo = "docker.io/cloudnative/java-service:6.1.0"
		third     = "docker.io/cloudnative/java-service:2.1.0"
	)
	p.importImages(t, third)
	p.buildAndImport(t, []string{"-env", erring + "=" + apps.ErrorPercentEnv + "=30", "-env", erringToo + "=" + apps.ErrorPercentEnv + "=30",
		"-env", slow + "=" + apps.LatencyEnv + "=600"})
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
	hook := newWebhookReceiver(t)
	canaryWorkload, stableWorkload := names.Deployment("java-service", names.TrackCanary), names.Deployment("java-service", names.TrackStable)
	var healthyTook time.Duration
	// analysis edits the canary's analysis and gates in the stack file.
	analysis := func(edit func(progressive, analysis map[string]any)) {
		e.reload()
		progressive := e.service("java-service")["progressive"].(map[string]any)
		edit(progressive, progressive["analysis"].(map[string]any))
		e.writeConfig()
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"HealthyCanaryIsPromotedOnItsOwnAnswers", func(t *testing.T) {
			out, err, took := p.rolloutUnderLoad(t, platform, e, url)
			require.NoError(t, err, out)
			healthyTook = took
			assert.Regexp(t, `java-service 50%: success 100\.0%, p99 \d+ ms, \d+ requests`, out)
			assert.Positive(t, p.servedBy(t, prometheus, canaryWorkload, ""), "the canary's pod answered requests of its own")
			p.assertRolloutEnded(t, e, healthy)
		}},
		{"ErringCanaryIsRolledBackOnItsOwnAnswers", func(t *testing.T) {
			e.newCanaryImage(erring)
			out, err, _ := p.rolloutUnderLoad(t, platform, e, url)
			require.ErrorContains(t, err, "exit status 1", out)
			assert.Regexp(t, `java-service 50%: fail — success [67]\d\.\d% below 99\.0%`, out)
			assert.Positive(t, p.servedBy(t, prometheus, canaryWorkload, "503"), "the 503s the canary's pod answered")
			assert.Positive(t, p.servedBy(t, prometheus, stableWorkload, ""), "the stable's pods answered too")
			assert.Zero(t, p.servedBy(t, prometheus, stableWorkload, "503"), "the stable's pods answered no 503")
			p.assertRolloutEnded(t, e, healthy)
		}},
		{"SlowCanaryIsRolledBackOnItsOwnAnswers", func(t *testing.T) {
			e.newCanaryImage(slow)
			out, err, _ := p.rolloutUnderLoad(t, platform, e, url)
			require.ErrorContains(t, err, "exit status 1", out)
			assert.Regexp(t, `java-service 50%: fail — p99 \d+ ms above 500 ms`, out)
			p.assertRolloutEnded(t, e, healthy)
		}},
		{"FarWorseThanItsStableIsRolledBackByTheComparison", func(t *testing.T) {
			// Within the absolute threshold (70% ≥ 60%), 30 points worse than
			// the healthy stable. The latency ratio is left wide: a JVM just
			// started answers slower than a warm one (17 ms against 9 ms was
			// seen), which the default 1.5× would call a regression.
			analysis(func(_, a map[string]any) {
				a["minSuccessRate"], a["maxErrorRateIncrease"], a["maxP99Ratio"] = 60, 5, 10
			})
			e.newCanaryImage(erring)
			out, err, _ := p.rolloutUnderLoad(t, platform, e, url)
			require.ErrorContains(t, err, "exit status 1", out)
			assert.Regexp(t, `java-service 50%: fail — error rate [23]\d\.\d% is [23]\d\.\d points above the stable's 0\.0% \(at most 5\): canary success [67]\d\.\d%, p99 \d+ ms, \d+ requests; stable success 100\.0%`, out)
			p.assertRolloutEnded(t, e, healthy)
		}},
		{"AsNoisyAsItsStableIsPromoted", func(t *testing.T) {
			e.reload()
			canary := e.service("java-service")["canary"].(map[string]any)
			canary["stableImage"], canary["canaryImage"] = erring, erringToo
			e.writeConfig()
			out, err, _ := p.rolloutUnderLoad(t, platform, e, url)
			require.NoError(t, err, out)
			assert.Regexp(t, `java-service 50%: canary success [67]\d\.\d%, p99 \d+ ms, \d+ requests; stable success [67]\d\.\d%`, out)
			p.assertRolloutEnded(t, e, erringToo)
		}},
		{"AGateStopsTheRolloutAndApproveContinuesIt", func(t *testing.T) {
			analysis(func(g, a map[string]any) {
				delete(a, "minSuccessRate")
				delete(a, "maxErrorRateIncrease")
				delete(a, "maxP99Ratio")
				g["approveBefore"] = []any{100}
			})
			e.section("cloudnative:observability")["rolloutWebhookUrl"] = hook.url
			e.writeConfig()
			e.newCanaryImage(healthy)
			out, err, _ := p.rolloutUnderLoad(t, platform, e, url)
			require.ErrorContains(t, err, "exit status 3", "stopped at the gate:\n%s", out)
			assert.Contains(t, out, "java-service waits for approval before the promotion")
			assert.Contains(t, p.stackFileText(e), "awaitingApproval: true")
			out, err, _ = p.rolloutUnderLoad(t, platform, e, url, "-approve")
			require.NoError(t, err, out)
			assert.Contains(t, out, "java-service: the promotion approved")
			p.assertRolloutEnded(t, e, healthy)
			hook.assertInOrder(t, "rolling out java-service", "java-service 50%: success", "waits for approval before the promotion",
				"the promotion approved", "java-service promoted")
		}},
		{"AbortAtAGateRollsBack", func(t *testing.T) {
			e.newCanaryImage(third)
			out, err, _ := p.rolloutUnderLoad(t, platform, e, url)
			require.ErrorContains(t, err, "exit status 3", out)
			out, err, _ = p.rolloutUnderLoad(t, platform, e, url, "-abort")
			require.ErrorContains(t, err, "exit status 1", out)
			assert.Contains(t, out, "aborting the rollout of java-service at 50%")
			p.assertRolloutEnded(t, e, healthy)
		}},
		{"AReceiverThatIsDownChangesNothing", func(t *testing.T) {
			analysis(func(g, _ map[string]any) { delete(g, "approveBefore") })
			e.section("cloudnative:observability")["rolloutWebhookUrl"] = closedPortURL(t)
			e.writeConfig()
			e.newCanaryImage(third)
			out, err, took := p.rolloutUnderLoad(t, platform, e, url)
			require.NoError(t, err, out)
			assert.Contains(t, out, "notification not delivered")
			p.assertRolloutEnded(t, e, third)
			// Each of its messages fails in about 2 s (3 attempts, refused
			// at once, 1 s apart), in the queue's goroutine; the rollout
			// waits at most 5 s for them at its end.
			assert.Less(t, took, healthyTook+15*time.Second, "not held up by its messages (a healthy rollout took %s)", healthyTook)
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

// rolloutUnderLoad runs `platform rollout` of java-service (with extra
// flags) while two bounded loads ask the service through its NodePort, and
// returns its report, its error and how long it took.
func (p *project) rolloutUnderLoad(t *testing.T, platform string, e *env, url string, extra ...string) (string, error, time.Duration) {
	t.Helper()
	loads := []*load{startLoad(url), startLoad(url)}
	start := time.Now()
	out, err := p.platformArgs(platform, append([]string{"rollout", "-stack", e.name, "-dir", p.dir, "-service", "java-service"}, extra...)...)
	took := time.Since(start)
	for _, l := range loads {
		t.Logf("load: %s", summary(l.stop()))
	}
	t.Logf("rollout %v (%s):\n%s", extra, took.Round(time.Second), out)
	return out, err, took
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
		podtargets.Keep(ctx, targets, time.Second, func(context.Context) ([]byte, error) {
			out, err := p.kubectl("get", "pods", "-n", appNS, "-o", "json")
			return []byte(out), err
		}, nil)
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
	client, err := promapi.NewClient(promapi.Config{Address: prometheus})
	require.NoError(t, err)
	value, _, _, err := promv1.NewAPI(client).Query(context.Background(), query, time.Now())
	require.NoError(t, err)
	vector, ok := value.(prommodel.Vector)
	require.True(t, ok, "%s is a vector", query)
	if len(vector) == 0 {
		return 0
	}
	t.Logf("%s: %g", query, float64(vector[0].Value))
	return float64(vector[0].Value)
}

// webhookReceiver is a Slack-compatible incoming webhook on 127.0.0.1 that
// keeps every message's text.
type webhookReceiver struct {
	url      string
	mu       sync.Mutex
	messages []string
}

func newWebhookReceiver(t *testing.T) *webhookReceiver {
	r := &webhookReceiver{}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct{ Text string }
		_ = json.NewDecoder(req.Body).Decode(&body)
		r.mu.Lock()
		r.messages = append(r.messages, body.Text)
		r.mu.Unlock()
	}))
	t.Cleanup(server.Close)
	r.url = server.URL
	return r
}

// assertInOrder checks that messages containing each text arrived, in order.
func (r *webhookReceiver) assertInOrder(t *testing.T, texts ...string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	at := 0
	for _, text := range texts {
		for at < len(r.messages) && !strings.Contains(r.messages[at], text) {
			at++
		}
		if !assert.Less(t, at, len(r.messages), "a message with %q after the ones before it; got:\n%s", text, strings.Join(r.messages, "\n")) {
			return
		}
		at++
	}
}

// closedPortURL is an address on 127.0.0.1 where nothing listens.
func closedPortURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr + "/hook"
}
