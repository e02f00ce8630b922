//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/meshmetrics"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// TestProgressiveDelivery runs `platform rollout` through the real engine
// against a real Prometheus, which scrapes Istio-shaped series whose traffic
// follows the canary weight of the live VirtualService (see meshMetrics). Each
// step is checked on the API server (the weights in the VirtualService, in
// order), in the stack file the rollout writes, and by a preview afterwards
// that must propose nothing: the file and the cluster agree.
func TestProgressiveDelivery(t *testing.T) {
	p := newProject(t)
	mesh, target := p.startMeshMetrics(t, "java-service", 50, "html-frontend-blue", "html-frontend-green")
	prometheus := startPrometheus(t, target)
	e := p.env("e2e-rollout", func(config map[string]any) {
		onSimulatedNode(config)
		config["cloudnative:observability"] = map[string]any{"enabled": false, "prometheusUrl": prometheus}
		var kept []any
		for _, s := range config["cloudnative:services"].([]any) {
			svc := s.(map[string]any)
			switch svc["name"] {
			case "java-service":
				progressiveCanary(svc, 20)
				svc["sessionAffinity"] = map[string]any{"cookie": "cloudnative-session", "cookieTTLSeconds": 600}
			case "html-frontend":
				svc["replicas"] = 1
				svc["progressive"] = map[string]any{
					"analysis": map[string]any{"intervalSeconds": 10, "minRequests": 20, "failureLimit": 0, "deadlineSeconds": 60},
				}
			default:
				continue
			}
			kept = append(kept, svc)
		}
		config["cloudnative:services"] = kept
	})
	t.Cleanup(func() { _, _ = e.stack.Destroy(context.Background()) })
	e.up()
	platform := buildPlatform(t)

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"MirrorAndSessionAffinityLandInIstiosObjects", func(t *testing.T) {
			vs := p.get("virtualservice.networking.istio.io", "java-service-mesh", "-n", appNS)
			mirror := dig(vs, "spec", "http", 1, "mirrors", 0)
			assert.Equal(t, "canary", dig(mirror, "destination", "subset"), "the default route mirrors to the canary")
			assert.Equal(t, float64(20), dig(mirror, "percentage", "value"))
			dr := p.get("destinationrule.networking.istio.io", "java-service", "-n", appNS)
			cookie := dig(dr, "spec", "trafficPolicy", "loadBalancer", "consistentHash", "httpCookie")
			assert.Equal(t, "cloudnative-session", dig(cookie, "name"))
			assert.Equal(t, "600s", dig(cookie, "ttl"))
		}},
		{"HealthyCanaryWalksEveryStepAndIsPromoted", func(t *testing.T) {
			mesh.SeenWeights()
			out, err := p.rollout(platform, e.name)
			require.NoError(t, err, "%s", out)
			assert.Equal(t, []int{0, 10, 25, 50, 0}, mesh.SeenWeights(), "each weight in the VirtualService, in order, then none")
			assert.Regexp(t, `java-service 10% → 25%: success 100\.0%, p99 \d+ ms, \d+ requests`, out)
			p.assertRolloutEnded(t, e, "docker.io/cloudnative/java-service:2.0.0")
			t.Logf("rollout:\n%s", out)
		}},
		{"ErrorsRollBackAtTheStepWhereTheyStart", func(t *testing.T) {
			e.newCanaryImage("docker.io/cloudnative/java-service:3.0.0")
			mesh.SetAnswers(func(workload string, weight int) (meshmetrics.Behaviour, bool) {
				if strings.HasSuffix(workload, "-canary") && weight >= 25 {
					return failingAnswers, true
				}
				return healthyAnswers, true
			})
			before := p.declaredObjects(t)
			out, err := p.rollout(platform, e.name)
			require.Error(t, err, "a rolled-back rollout exits non-zero:\n%s", out)
			assert.Regexp(t, `java-service 25%: fail — success \d+\.\d% below 99\.0%`, out)
			assert.Equal(t, []int{0, 10, 25, 0}, mesh.SeenWeights(), "rolled back at 25%")
			p.assertRolloutEnded(t, e, "docker.io/cloudnative/java-service:2.0.0")
			// The first step's up brought the new canary Deployment; every step
			// after it, and the rollback, changed the service's routes and
			// nothing else of the stack.
			after := p.declaredObjects(t)
			changed := map[string]bool{}
			for object, version := range after {
				if before[object] != version {
					changed[object] = true
				}
			}
			assert.Equal(t, map[string]bool{
				"Deployment java-service-canary":     true,
				"VirtualService java-service-mesh":   true,
				"VirtualService cloudnative-ingress": true,
			}, changed, "objects the rollout changed")
		}},
		{"LatencyRollsBackAtTheStepWhereItStarts", func(t *testing.T) {
			mesh.SetAnswers(func(workload string, weight int) (meshmetrics.Behaviour, bool) {
				if strings.HasSuffix(workload, "-canary") && weight >= 50 {
					return slowAnswers, true
				}
				return healthyAnswers, true
			})
			out, err := p.rollout(platform, e.name)
			require.Error(t, err, "%s", out)
			assert.Regexp(t, `java-service 50%: fail — p99 \d+ ms above 500 ms`, out)
			assert.Equal(t, []int{0, 10, 25, 50, 0}, mesh.SeenWeights(), "rolled back at 50%")
			p.assertRolloutEnded(t, e, "docker.io/cloudnative/java-service:2.0.0")
		}},
		{"NoTrafficNeverPromotes", func(t *testing.T) {
			mesh.SetAnswers(func(workload string, weight int) (meshmetrics.Behaviour, bool) {
				return healthyAnswers, !strings.HasSuffix(workload, "-canary")
			})
			e.reload()
			analysis := e.service("java-service")["progressive"].(map[string]any)["analysis"].(map[string]any)
			analysis["deadlineSeconds"] = 40
			e.writeConfig()
			out, err := p.rollout(platform, e.name)
			require.Error(t, err, "%s", out)
			assert.Regexp(t, `java-service 10%: inconclusive — 0 requests, fewer than the 20 an interval needs`, out)
			assert.Contains(t, out, "the deadline of 40s has passed")
			assert.Equal(t, []int{0, 10, 0}, mesh.SeenWeights(), "never past the first step")
			p.assertRolloutEnded(t, e, "docker.io/cloudnative/java-service:2.0.0")
			mesh.SetAnswers(meshmetrics.AllHealthy)
			analysis = e.service("java-service")["progressive"].(map[string]any)["analysis"].(map[string]any)
			analysis["deadlineSeconds"] = 120
			e.writeConfig()
		}},
		{"KilledMidStepThenResumed", func(t *testing.T) {
			e.newCanaryImage("docker.io/cloudnative/java-service:4.0.0")
			out := p.killAt(t, platform, []string{"rollout", "-stack", e.name, "-dir", p.dir, "-service", "java-service"}, "java-service 10% → 25%", 1500*time.Millisecond)
			assert.Contains(t, p.stackFileText(e), "cloudnative:rollout:", "the killed rollout is recorded:\n%s", out)
			out, err := p.rollout(platform, e.name)
			require.NoError(t, err, "%s", out)
			assert.Contains(t, out, "resuming the rollout of java-service at 25%")
			assert.NotContains(t, out, "java-service 10%", "not from the start again")
			weights := mesh.SeenWeights()
			assert.Equal(t, []int{50, 0}, weights[len(weights)-2:], "ends at 50%%, then promoted: %v", weights)
			p.assertRolloutEnded(t, e, "docker.io/cloudnative/java-service:4.0.0")
		}},
		{"KilledMidStepThenAborted", func(t *testing.T) {
			e.newCanaryImage("docker.io/cloudnative/java-service:5.0.0")
			p.killAt(t, platform, []string{"rollout", "-stack", e.name, "-dir", p.dir, "-service", "java-service"}, "java-service 10% → 25%", 1500*time.Millisecond)
			out, err := p.platformArgs(platform, "rollout", "-stack", e.name, "-dir", p.dir, "-abort")
			require.Error(t, err, "an aborted rollout ends rolled back:\n%s", out)
			assert.Regexp(t, `aborting the rollout of java-service at (10|25)%`, out)
			p.assertRolloutEnded(t, e, "docker.io/cloudnative/java-service:4.0.0")
		}},
		{"BlueGreenSwitchesAfterTheIdleColourPasses", func(t *testing.T) {
			out, err := p.platformArgs(platform, "rollout", "-stack", e.name, "-dir", p.dir, "-service", "html-frontend")
			require.NoError(t, err, "%s", out)
			assert.Contains(t, out, "html-frontend green (idle): success 100.0%")
			e.reload()
			assert.Equal(t, "green", e.service("html-frontend")["blueGreen"].(map[string]any)["active"])
			vs := p.get("virtualservice.networking.istio.io", "html-frontend-mesh", "-n", appNS)
			assert.Equal(t, "green", dig(vs, "spec", "http", 0, "route", 0, "destination", "subset"), "the mesh routes to green")
			p.assertAgrees(t, e)
		}},
		{"BlueGreenStaysWhenTheIdleColourFails", func(t *testing.T) {
			mesh.SetAnswers(func(workload string, _ int) (meshmetrics.Behaviour, bool) {
				if workload == "html-frontend-blue" {
					return failingAnswers, true
				}
				return healthyAnswers, true
			})
			out, err := p.platformArgs(platform, "rollout", "-stack", e.name, "-dir", p.dir, "-service", "html-frontend")
			require.Error(t, err, "%s", out)
			assert.Contains(t, out, "html-frontend not switched")
			e.reload()
			assert.Equal(t, "green", e.service("html-frontend")["blueGreen"].(map[string]any)["active"], "green stays active")
			vs := p.get("virtualservice.networking.istio.io", "html-frontend-mesh", "-n", appNS)
			assert.Equal(t, "green", dig(vs, "spec", "http", 0, "route", 0, "destination", "subset"))
			p.assertAgrees(t, e)
		}},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			t.FailNow()
		}
	}
}

// progressiveCanary makes a canary service of the local stack the rollout
// tests' subject: one replica a track, no traffic on the canary yet, steps
// of 10, 25 and 50%, mirrorPercent of the default route copied to the
// canary, each 10 s interval judged on at least 20 requests.
func progressiveCanary(svc map[string]any, mirrorPercent float64) {
	delete(svc, "autoscaling")
	svc["replicas"] = 1
	svc["canary"].(map[string]any)["weight"] = 0
	svc["progressive"] = map[string]any{
		"steps":         []any{10, 25, 50},
		"mirrorPercent": mirrorPercent,
		"analysis":      map[string]any{"intervalSeconds": 10, "minRequests": 20, "failureLimit": 0, "deadlineSeconds": 120},
	}
}

func (p *project) rollout(platform, stack string) (string, error) {
	start := time.Now()
	out, err := p.platformArgs(platform, "rollout", "-stack", stack, "-dir", p.dir, "-service", "java-service")
	p.t.Logf("rollout took %s", time.Since(start).Round(time.Second))
	return out, err
}

// newCanaryImage starts the next release: a canary image the stable one is not.
func (e *env) newCanaryImage(image string) {
	e.t.Helper()
	e.reload()
	e.service("java-service")["canary"].(map[string]any)["canaryImage"] = image
	e.writeConfig()
}

func (p *project) stackFileText(e *env) string {
	e.reload()
	data, err := os.ReadFile(e.file())
	require.NoError(p.t, err)
	return string(data)
}

// assertRolloutEnded checks that a rollout left no trace of itself: in the
// stack file, the stable image it names, weight 0, mirroring off, no rollout
// in progress; on the API server, a default route to stable only, no mirror,
// the stable Deployment on that image; and a preview proposing nothing.
func (p *project) assertRolloutEnded(t *testing.T, e *env, stableImage string) {
	t.Helper()
	text := p.stackFileText(e)
	assert.NotContains(t, text, "cloudnative:rollout:", "no rollout in progress")
	svc := e.service("java-service")
	canary := svc["canary"].(map[string]any)
	assert.Equal(t, stableImage, canary["stableImage"])
	assert.Equal(t, 0, canary["weight"])
	assert.Equal(t, 0, svc["progressive"].(map[string]any)["mirrorPercent"], "mirroring off")

	if api, _ := dig(e.config["cloudnative:routing"], "api").(string); api == string(model.RoutingGatewayAPI) {
		route := p.get("httproute.gateway.networking.k8s.io", names.MeshHTTPRoute("java-service"), "-n", appNS)
		assert.Equal(t, 0, meshmetrics.HTTPRouteCanaryWeight(route, "java-service"))
		assert.Nil(t, dig(route, "spec", "rules", 1, "filters"), "no mirror")
	} else {
		vs := p.get("virtualservice.networking.istio.io", "java-service-mesh", "-n", appNS)
		assert.Equal(t, 0, meshmetrics.CanaryWeight(vs))
		assert.Nil(t, dig(vs, "spec", "http", 1, "mirrors"), "no mirror")
	}
	deployment := p.get("deployment", "java-service-stable", "-n", appNS)
	assert.Equal(t, stableImage, dig(deployment, "spec", "template", "spec", "containers", 0, "image"))
	p.assertAgrees(t, e)
}

// assertAgrees previews the stack file as the rollout left it: the cluster
// must already be what it says.
func (p *project) assertAgrees(t *testing.T, e *env) {
	t.Helper()
	_, err := e.stack.Stack.Preview(context.Background(), optpreview.ExpectNoChanges(), optpreview.ProgressStreams(p.log))
	assert.NoError(t, err, "the stack file and the cluster agree")
}

// declaredObjects identifies the state of every object of the kinds the
// program declares in the application namespace: its generation where the
// kind has one (a spec change bumps it; status updates do not), else its
// resourceVersion.
func (p *project) declaredObjects(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, kind := range []string{"deployments", "services", "configmaps", "serviceaccounts", "networkpolicies", "poddisruptionbudgets",
		"virtualservices.networking.istio.io", "destinationrules.networking.istio.io", "gateways.networking.istio.io",
		"authorizationpolicies.security.istio.io", "peerauthentications.security.istio.io", "sidecars.networking.istio.io"} {
		for _, o := range p.items(kind, "-n", appNS) {
			version := fmt.Sprint(dig(o, "metadata", "generation"))
			if version == "<nil>" {
				version = fmt.Sprint(dig(o, "metadata", "resourceVersion"))
			}
			out[fmt.Sprint(dig(o, "kind"), " ", dig(o, "metadata", "name"))] = fmt.Sprint(dig(o, "metadata", "uid"), "/", version)
		}
	}
	return out
}
