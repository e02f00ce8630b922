//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps"
	"github.com/cloudnative-pac/platform/internal/meshmetrics"
	"github.com/cloudnative-pac/platform/names"
)

// TestReleaseGroup rolls java-service and go-service out as one release
// group on the real node, judged on what each canary's pods served (as
// TestRolloutOnRealMetrics), with both mesh VirtualServices' weights watched
// on the API server throughout: the group steps both together and promotes
// both; with one member's image answering 30% 503s, both are rolled back at
// the step where it fails, the healthy one included.
func TestReleaseGroup(t *testing.T) {
	p := newProject(t)
	nodeDir(t)
	const (
		javaNext  = "docker.io/cloudnative/java-service:2.0.0" // built by make cluster-up
		javaThird = "docker.io/cloudnative/java-service:2.1.0"
		goNext    = "docker.io/cloudnative/go-service:2.0.0"
		goFaulty  = "docker.io/cloudnative/go-service:6.0.0"
	)
	p.importImages(t, javaThird, goNext)
	p.buildAndImport(t, []string{"-env", goFaulty + "=" + apps.ErrorPercentEnv + "=30"})
	e, platform := p.upJudgedOnPods(t, "e2e-group", func(svc map[string]any) bool {
		switch svc["name"] {
		case "java-service":
		case "go-service":
			svc["strategy"] = "canary"
			delete(svc, "image")
			delete(svc, "ramped")
			svc["canary"] = map[string]any{"stableImage": "docker.io/cloudnative/go-service:1.0.0", "canaryImage": goNext,
				"weight": 0, "match": map[string]any{"header": "channel", "exact": "mobile"}}
		default:
			return false
		}
		progressiveCanary(svc, 0)
		progressive := svc["progressive"].(map[string]any)
		progressive["group"] = "checkout"
		progressive["steps"] = []any{25, 50}
		progressive["analysis"] = map[string]any{"intervalSeconds": 10, "minRequests": 10, "failureLimit": 0, "deadlineSeconds": 90}
		return true
	})
	urls := []string{p.nodePort(t, appNS, "java-service"), p.nodePort(t, appNS, "go-service")}
	watch := p.watchWeights(t, "java-service", "go-service")

	rollout := func(t *testing.T) (string, error) {
		var loads []*load
		for _, url := range urls {
			loads = append(loads, startLoad(url))
		}
		start := time.Now()
		out, err := p.platformArgs(platform, "rollout", "-stack", e.name, "-dir", p.dir, "-group", "checkout")
		for _, l := range loads {
			t.Logf("load: %s", summary(l.stop()))
		}
		t.Logf("rollout (%s):\n%s", time.Since(start).Round(time.Second), out)
		return out, err
	}
	images := func() (java, goStable string) {
		e.reload()
		return e.service("java-service")["canary"].(map[string]any)["stableImage"].(string),
			e.service("go-service")["canary"].(map[string]any)["stableImage"].(string)
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"StepsTogetherAndIsPromoted", func(t *testing.T) {
			watch.seen()
			out, err := rollout(t)
			require.NoError(t, err, out)
			seen := watch.seen()
			assert.Equal(t, []int{0, 25, 50, 0}, seen["java-service"], "java-service's weights on the API server, in order")
			assert.Equal(t, []int{0, 25, 50, 0}, seen["go-service"], "go-service's, the same")
			assert.Regexp(t, `group checkout 25% → 50%`, out)
			assert.Regexp(t, `go-service 50%: pass — success 100\.0%, p99 \d+ ms, \d+ requests`, out)
			java, goStable := images()
			assert.Equal(t, javaNext, java)
			assert.Equal(t, goNext, goStable)
			p.assertAgrees(t, e)
		}},
		{"OneFaultyMemberRollsTheGroupBack", func(t *testing.T) {
			e.reload()
			e.service("java-service")["canary"].(map[string]any)["canaryImage"] = javaThird
			e.service("go-service")["canary"].(map[string]any)["canaryImage"] = goFaulty
			e.writeConfig()
			watch.seen()
			out, err := rollout(t)
			require.Error(t, err, out)
			assert.Regexp(t, `group checkout rolled back \(go-service: success [67]\d\.\d% below 99\.0%`, out)
			assert.Regexp(t, `java-service 25%: pass`, out, "the healthy member passed, and went back all the same")
			seen := watch.seen()
			assert.Equal(t, []int{0, 25, 0}, seen["java-service"], "back from the step where go-service failed")
			assert.Equal(t, []int{0, 25, 0}, seen["go-service"])
			java, goStable := images()
			assert.Equal(t, javaNext, java, "java-service's stable kept")
			assert.Equal(t, goNext, goStable)
			assert.NotContains(t, p.stackFileText(e), "cloudnative:rollout:")
			p.assertAgrees(t, e)
		}},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			t.FailNow()
		}
	}
}

// weightWatch records each service's mesh canary weight, as the API server
// holds it, whenever it changes.
type weightWatch struct {
	mu      sync.Mutex
	weights map[string][]int
}

// watchWeights polls the services' mesh VirtualServices every 200 ms until
// the test ends.
func (p *project) watchWeights(t *testing.T, services ...string) *weightWatch {
	w := &weightWatch{weights: map[string][]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			for _, svc := range services {
				out, err := p.kubectl("get", "virtualservice.networking.istio.io", names.MeshVirtualService(svc), "-n", appNS, "-o", "json")
				var vs map[string]any
				if err != nil || json.Unmarshal([]byte(out), &vs) != nil {
					continue
				}
				weight := meshmetrics.CanaryWeight(vs)
				w.mu.Lock()
				if seen := w.weights[svc]; len(seen) == 0 || seen[len(seen)-1] != weight {
					w.weights[svc] = append(seen, weight)
				}
				w.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// seen returns the weights recorded since the last call, each list starting
// from the weight it had then.
func (w *weightWatch) seen() map[string][]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]int{}
	for svc, weights := range w.weights {
		out[svc] = weights
		w.weights[svc] = weights[len(weights)-1:]
	}
	return out
}
