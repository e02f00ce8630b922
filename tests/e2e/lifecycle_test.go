//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/engine"
	"github.com/cloudnative-pac/platform/internal/mocktest"
)

// TestLifecycle walks one stack through a user's life: up from empty, a no-op
// preview, a release with every strategy, a config change, bad config, destroy.
// The steps share the stack, so they run in order and stop at the first failure.
func TestLifecycle(t *testing.T) {
	p := newProject(t).env("e2e", nil)
	// A failed step leaves the stack up: take it down, so the tests after this
	// one start from an empty cluster.
	t.Cleanup(func() { _, _ = p.stack.Destroy(context.Background()) })
	steps := []struct {
		name string
		run  func(t *testing.T, p *env)
	}{
		{"UpFromEmpty", testUpFromEmpty},
		{"PodsRunAsDeclared", testPodsRunAsDeclared},
		{"DemoPageInBrowser", testDemoPageInBrowser},
		{"AddingAServiceFromTheDocs", testAddingAServiceFromTheDocs},
		{"PreviewAfterUpProposesNothing", testNoChanges},
		{"ConcurrentUpsOneRefusedByTheLock", testConcurrentUps},
		{"NewKubeconfigForTheSameClusterReplacesNothing", testNewKubeconfigSameCluster},
		{"PreviewIdentityReadsButCannotDeploy", testPreviewIdentity},
		{"AutoscaledDeploymentShowsNoDiff", testAutoscaledNoDiff},
		{"DriftIsReportedPreviewedAndRestored", testDrift},
		{"RecreateStopsOldPodsFirst", testRecreate},
		{"RampedKeepsAvailability", testRamped},
		{"BrokenReleaseGetsNoTrafficAndFailsUp", testBrokenRelease},
		{"BlueGreenSwitchesInOneUpdate", testBlueGreen},
		{"CanaryWeightsHeadersAndPromotion", testCanary},
		{"ConfigFileChangeRollsDeployments", testConfigChange},
		{"IstioChartUpgradeInPlace", testIstioChartUpgrade},
		{"BadConfigFailsAtPreviewAndChangesNothing", testBadConfig},
		{"ObservabilityOffRemovesIt", testObservabilityOff},
		{"DestroyLeavesNothing", testDestroy},
	}
	for _, step := range steps {
		p.t = t
		if !t.Run(step.name, func(t *testing.T) { p.t = t; step.run(t, p) }) {
			t.FailNow()
		}
	}
}

func testUpFromEmpty(t *testing.T, p *env) {
	p.up()

	// Istio: CRDs registered, the three Helm releases recorded, istiod available.
	for _, crd := range []string{"gateways", "virtualservices", "destinationrules"} {
		p.get("crd", crd+".networking.istio.io")
	}
	for _, r := range []struct{ namespace, release string }{
		{"istio-system", "istio-base"}, {"istio-system", "istiod"}, {"istio-ingress", "istio-ingressgateway"},
	} {
		secrets := p.items("secrets", "-n", r.namespace, "-l", "owner=helm,name="+r.release)
		assert.Len(t, secrets, 1, "helm release %s", r.release)
	}
	assertAvailable(t, p.get("deployment", "istiod", "-n", "istio-system"), 1)

	// The application: namespace, ConfigMap, Deployments available as declared.
	ns := p.get("namespace", appNS)
	assert.Equal(t, "enabled", dig(ns, "metadata", "labels", "istio-injection"))
	cm := p.get("configmap", "cloudnative-config", "-n", appNS)
	props, _ := os.ReadFile(filepath.Join(p.dir, "config", "application.properties"))
	assert.Equal(t, string(props), dig(cm, "data", "application.properties"))

	want := map[string]int{"go-service": 4,
		"html-frontend-blue": 2, "html-frontend-green": 2, "config-service": 2}
	for name, replicas := range want {
		d := p.get("deployment", name, "-n", appNS)
		assertAvailable(t, d, replicas)
		assert.Equal(t, "/config", dig(d, "spec", "template", "spec", "containers", 0, "volumeMounts", 0, "mountPath"), name)
		assert.Equal(t, "cloudnative-config", dig(d, "spec", "template", "spec", "volumes", 0, "configMap", "name"), name)
	}
	assert.Equal(t, "Recreate", dig(p.get("deployment", "config-service", "-n", appNS), "spec", "strategy", "type"))
	// java-service's tracks belong to their autoscalers.
	for _, track := range []string{"java-service-stable", "java-service-canary"} {
		hpa := p.get("horizontalpodautoscaler", track, "-n", appNS)
		assert.Equal(t, track, dig(hpa, "spec", "scaleTargetRef", "name"))
		assert.Equal(t, float64(2), dig(hpa, "spec", "minReplicas"))
		d := p.get("deployment", track, "-n", appNS)
		assert.GreaterOrEqual(t, num(dig(d, "status", "availableReplicas")), 1, track)
	}
	// Resilience: a disruption budget per multi-pod track, strict mTLS.
	for _, pdb := range []string{"go-service", "config-service", "html-frontend-blue", "java-service-stable"} {
		p.get("poddisruptionbudget", pdb, "-n", appNS)
	}
	pa := p.get("peerauthentication.security.istio.io", "default", "-n", appNS)
	assert.Equal(t, "STRICT", dig(pa, "spec", "mtls", "mode"))
	// Observability: the add-ons run and the Telemetry passed CRD validation.
	for _, addon := range []string{"prometheus", "grafana", "jaeger", "kiali"} {
		d := p.get("deployment", addon, "-n", "istio-system")
		assert.GreaterOrEqual(t, num(dig(d, "status", "availableReplicas")), 1, addon)
		assert.Equal(t, "512Mi", dig(d, "spec", "template", "spec", "containers", 0, "resources", "limits", "memory"), "%s sized small", addon)
	}
	tel := p.get("telemetry.telemetry.istio.io", "mesh-default", "-n", "istio-system")
	assert.Equal(t, float64(100), dig(tel, "spec", "tracing", 0, "randomSamplingPercentage"))

	for _, svc := range []string{"java-service", "go-service", "html-frontend", "html-frontend-preview", "config-service"} {
		s := p.get("service", svc, "-n", appNS)
		assert.Equal(t, float64(8080), dig(s, "spec", "ports", 0, "targetPort"), svc)
	}
	// The Istio resources passed the API server's CRD validation.
	gateway := p.get("gateway.networking.istio.io", "cloudnative-gateway", "-n", appNS)
	assertGatewayCertificate(t, p, gateway)
	// One VirtualService routes the gateway's traffic, longest path prefix first.
	ingress := p.get("virtualservice.networking.istio.io", "cloudnative-ingress", "-n", appNS)
	var prefixes []string
	for _, route := range dig(ingress, "spec", "http").([]any) {
		uri, _ := dig(route, "match", 0, "uri").(map[string]any)
		for kind, value := range uri {
			prefixes = append(prefixes, kind+" "+fmt.Sprint(value))
		}
	}
	// "/" is Istio's expression of every path (see istioapi.pathPrefix).
	assert.Equal(t, []string{"prefix /javaservice", "prefix /javaservice", "prefix /goservice", "prefix /config", "regex /.*"}, prefixes)
	for _, svc := range []string{"java-service", "go-service", "html-frontend", "config-service"} {
		p.get("virtualservice.networking.istio.io", svc+"-mesh", "-n", appNS)
		p.get("destinationrule.networking.istio.io", svc, "-n", appNS)
	}

	outputs, err := p.stack.Outputs(context.Background())
	require.NoError(t, err)
	assert.True(t, outputs["kubeconfig"].Secret, "the kubeconfig output is secret")
	// The NodePort gateway's ports, as the API server assigned them.
	gw := p.get("service", "istio-ingressgateway", "-n", "istio-ingress")
	for _, port := range dig(gw, "spec", "ports").([]any) {
		switch dig(port, "port") {
		case float64(80):
			assert.Equal(t, dig(port, "nodePort"), outputs["ingressNodePort"].Value)
		case float64(443):
			assert.Equal(t, dig(port, "nodePort"), outputs["ingressHTTPSNodePort"].Value)
		}
	}
	assert.Equal(t, "istio-ingress/cloudnative-gateway-tls", outputs["tlsSecret"].Value)
	server, err := p.kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(server), outputs["clusterEndpoint"].Value, "the endpoint is the API server the kubeconfig names")
	assert.Equal(t, "stable 90% / canary 10%, channel=mobile → canary", dig(outputs["services"].Value, "java-service", "trafficPlan"))

	assertPlacedAndAnswering(t, p)
}

func testNoChanges(t *testing.T, p *env) {
	_, err := p.stack.Stack.Preview(context.Background(), optpreview.ExpectNoChanges(), optpreview.ProgressStreams(p.log))
	assert.NoError(t, err, "a second preview proposes no changes")
}

// testConcurrentUps starts two ups of the stack at once, from two engine
// workspaces as two operators (or a workflow and an operator) would: the state
// backend's lock lets one through and refuses the other with a clear message,
// and nothing is lost (a preview afterwards proposes nothing).
func testConcurrentUps(t *testing.T, p *env) {
	ctx := context.Background()
	var stacks [2]*engine.Stack
	for i := range stacks {
		s, err := engine.Open(ctx, p.engineOptions(p.name))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		stacks[i] = s
	}
	// The second up starts once the first holds the backend's lock, so that
	// it meets a live lock (which recovery must leave alone), not a race.
	locks := filepath.Join(strings.TrimPrefix(p.backend, "file://"), ".pulumi", "locks")
	results := make(chan error, 2)
	up := func(s *engine.Stack) {
		_, err := s.Up(ctx)
		results <- err
	}
	go up(stacks[0])
	require.Eventually(t, func() bool {
		found := false
		_ = filepath.WalkDir(locks, func(_ string, d fs.DirEntry, err error) error {
			found = found || err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), ".json")
			return nil
		})
		return found
	}, time.Minute, 20*time.Millisecond, "the first up takes the lock")
	go up(stacks[1])
	var refused []error
	succeeded := 0
	for range stacks {
		if err := <-results; err != nil {
			refused = append(refused, err)
		} else {
			succeeded++
		}
	}
	assert.Equal(t, 1, succeeded, "exactly one up runs")
	if assert.Len(t, refused, 1, "the other is refused") {
		assert.Contains(t, refused[0].Error(), "currently locked", "it says the stack is locked")
	}
	_, err := p.stack.Stack.Preview(ctx, optpreview.ExpectNoChanges(), optpreview.ProgressStreams(p.log))
	assert.NoError(t, err, "nothing is lost: the state matches the cluster and the config")
}

// testAutoscaledNoDiff scales an autoscaled Deployment as its autoscaler would:
// the next preview must not try to take the replicas back.
func testAutoscaledNoDiff(t *testing.T, p *env) {
	_, err := p.kubectl("scale", "deployment/java-service-stable", "-n", appNS, "--replicas=3")
	require.NoError(t, err)
	// The new pod really starts: let it turn ready, as the autoscaler's would
	// before anyone looks (a Deployment mid-rollout is another matter).
	_, err = p.kubectl("rollout", "status", "deployment/java-service-stable", "-n", appNS, "--timeout=90s")
	require.NoError(t, err)
	// Refresh first, so the preview compares with what the cluster really runs.
	_, err = p.stack.Stack.Preview(context.Background(), optpreview.Refresh(), optpreview.ExpectNoChanges(), optpreview.ProgressStreams(p.log))
	assert.NoError(t, err, "the autoscaler's replica count is not a diff")
}

// testDrift changes the cluster behind the program's back, as an operator in an
// emergency would, and expects drift to report each change in plain words, a
// refreshing preview to propose it, and a refreshing up to restore what is
// declared. The autoscaler's replica count is not drift.
func testDrift(t *testing.T, p *env) {
	opts := p.engineOptions(p.name)
	opts.Refresh = true
	refreshing, err := engine.Open(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = refreshing.Close() })

	findings, err := refreshing.Drift(context.Background())
	require.NoError(t, err)
	assert.Empty(t, findings, "no drift right after up")

	for _, args := range [][]string{
		{"scale", "deployment/go-service", "-n", appNS, "--replicas=1"},
		{"scale", "deployment/java-service-canary", "-n", appNS, "--replicas=3"},
		{"patch", "virtualservice.networking.istio.io/java-service-mesh", "-n", appNS, "--type=json", "-p",
			`[{"op":"replace","path":"/spec/http/1/route/0/weight","value":50},{"op":"replace","path":"/spec/http/1/route/1/weight","value":50}]`},
		{"patch", "configmap/cloudnative-config", "-n", appNS, "--type=merge", "-p", `{"data":{"application.properties":"edited=by hand\n"}}`},
		{"delete", "service/config-service", "-n", appNS},
	} {
		_, err := p.kubectl(args...)
		require.NoError(t, err, "kubectl %v", args)
	}
	// As an autoscaler's pod would be by the time anyone looks, the new canary
	// pod is up: a Deployment still rolling is reported, as the engine sees it.
	_, err = p.kubectl("rollout", "status", "deployment/java-service-canary", "-n", appNS, "--timeout=90s")
	require.NoError(t, err)

	findings, err = refreshing.Drift(context.Background())
	require.NoError(t, err)
	report := strings.Join(findings, "\n")
	assert.Contains(t, report, "Deployment go-service: spec.replicas is 1 on the cluster, 4 declared")
	assert.Contains(t, report, "VirtualService java-service-mesh: spec.http[1].route[0].weight is 50 on the cluster, 90 declared")
	assert.Contains(t, report, "VirtualService java-service-mesh: spec.http[1].route[1].weight is 50 on the cluster, 10 declared")
	assert.Contains(t, report, `ConfigMap cloudnative-config: data["application.properties"] is 15 bytes of text on the cluster`)
	assert.Contains(t, report, "Service config-service: missing on the cluster, declared")
	assert.NotContains(t, report, "Deployment java-service-canary", "the autoscaler owns its replicas")

	_, err = refreshing.Preview(context.Background(), true)
	assert.Error(t, err, "a refreshing preview proposes the drift as changes")

	// The up below restores fields other field managers (kubectl scale and
	// patch) now own, with nothing in its environment to force it: the
	// objects' own patch-force annotation does, as for a plain pulumi up.
	require.Empty(t, os.Getenv("PULUMI_K8S_ENABLE_PATCH_FORCE"), "no environment forces the apply")
	for _, object := range [][]string{{"deployment", "go-service"}, {"virtualservice.networking.istio.io", "java-service-mesh"}, {"configmap", "cloudnative-config"}} {
		assert.Equal(t, "true", dig(p.get(object[0], object[1], "-n", appNS), "metadata", "annotations", "pulumi.com/patchForce"), "%s %s", object[0], object[1])
	}

	_, err = refreshing.Up(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 4, num(dig(p.get("deployment", "go-service", "-n", appNS), "spec", "replicas")))
	assert.Equal(t, float64(90), dig(p.get("virtualservice.networking.istio.io", "java-service-mesh", "-n", appNS), "spec", "http", 1, "route", 0, "weight"))
	assert.NotContains(t, dig(p.get("configmap", "cloudnative-config", "-n", appNS), "data", "application.properties"), "edited=by hand")
	p.get("service", "config-service", "-n", appNS)
	findings, err = refreshing.Drift(context.Background())
	require.NoError(t, err)
	assert.Empty(t, findings, "up restored what is declared")
}

func testObservabilityOff(t *testing.T, p *env) {
	p.section("cloudnative:observability")["enabled"] = false
	p.up()
	for _, addon := range []string{"prometheus", "grafana", "jaeger", "kiali"} {
		out, err := p.kubectl("get", "deployment", addon, "-n", "istio-system", "--ignore-not-found", "-o", "name")
		require.NoError(t, err)
		assert.Empty(t, out, "%s removed", addon)
	}
	out, err := p.kubectl("get", "telemetry.telemetry.istio.io", "-n", "istio-system", "-o", "name")
	require.NoError(t, err)
	assert.Empty(t, out, "Telemetry removed")
}

// testRecreate: the old version stops before the new one starts, so no moment
// has both answering; the gap between them is measured and reported.
func testRecreate(t *testing.T, p *env) {
	const next = "docker.io/cloudnative/go-service:1.1.0"
	p.importImages(t, next)
	w := p.watch("replicasets", "-n", appNS, "-l", "app=config-service")
	traffic := startLoad(p.nodePort(t, appNS, "config-service"))
	p.service("config-service")["image"] = next
	p.up()
	answers := traffic.stop()
	events := w.stop()

	// Recreate: at no moment did pods of the old and the new version both exist.
	latest := map[string]int{}
	newSeen := false
	for _, rs := range events {
		name := dig(rs, "metadata", "name").(string)
		latest[name] = num(dig(rs, "status", "replicas"))
		image := dig(rs, "spec", "template", "spec", "containers", 0, "image")
		if image == next && latest[name] > 0 {
			newSeen = true
		}
		running := 0
		for _, n := range latest {
			if n > 0 {
				running++
			}
		}
		assert.LessOrEqual(t, running, 1, "old and new ReplicaSets had pods at once: %v", latest)
	}
	assert.True(t, newSeen, "the new ReplicaSet came up")
	assertImage(t, p, "config-service", next, 2)

	// And the answers: the old version, then the new one, never mixed.
	assert.Equal(t, []string{"1.0.0", "1.1.0"}, versionRuns(answers), summary(answers))
	var lastOld, firstNew time.Time
	for _, a := range answers {
		if a.failed() {
			continue
		}
		if a.version == "1.0.0" {
			lastOld = a.at
		} else if firstNew.IsZero() {
			firstNew = a.at
		}
	}
	require.False(t, firstNew.IsZero(), summary(answers))
	t.Logf("recreate: no version answered for %s (last 1.0.0 answer to first 1.1.0 answer); %s",
		firstNew.Sub(lastOld).Round(10*time.Millisecond), summary(answers))
}

// testRamped: the pods are replaced a few at a time and every request is
// answered throughout (readiness gates new pods, a stopping pod serves while
// its removal spreads, then finishes what it has).
func testRamped(t *testing.T, p *env) {
	const next = "docker.io/cloudnative/go-service:1.1.0"
	p.importImages(t, next)
	w := p.watch("deployment", "go-service", "-n", appNS)
	traffic := startLoad(p.nodePort(t, appNS, "go-service"))
	p.service("go-service")["image"] = next
	p.up()
	answers := traffic.stop()
	events := w.stop()
	require.NotEmpty(t, events)

	// Ramped with 4 replicas and maxUnavailable 1: never fewer than 3 available.
	minAvailable, sawRollout := 4, false
	for _, d := range events {
		available := num(dig(d, "status", "availableReplicas"))
		if available < minAvailable {
			minAvailable = available
		}
		updated := num(dig(d, "status", "updatedReplicas"))
		if updated > 0 && updated < 4 {
			sawRollout = true
		}
	}
	assert.GreaterOrEqual(t, minAvailable, 3, "availability never dropped below replicas − maxUnavailable")
	assert.True(t, sawRollout, "the rollout went through intermediate steps")
	assertImage(t, p, "go-service", next, 4)

	assert.Empty(t, failures(answers), "no request failed during the rollout: %s", summary(answers))
	runs := versionRuns(answers)
	require.NotEmpty(t, runs, summary(answers))
	assert.Equal(t, "1.0.0", runs[0], "the old version answered first")
	assert.Equal(t, "1.1.0", runs[len(runs)-1], "the new version answers last")
	t.Logf("ramped: %s, %d alternations between the versions while both ran", summary(answers), len(runs)-1)
}

// testBrokenRelease: a release whose pods never pass their readiness check
// gets no traffic, up fails naming the Deployment once the rollout deadline
// passes, and the old version keeps answering; putting the old image back
// recovers.
func testBrokenRelease(t *testing.T, p *env) {
	const broken, good = "docker.io/cloudnative/go-service:1.2.0-broken", "docker.io/cloudnative/go-service:1.1.0"
	p.importUnhealthy(t, broken)
	svc := p.service("go-service")
	svc["rolloutDeadlineSeconds"] = 20
	traffic := startLoad(p.nodePort(t, appNS, "go-service"))
	svc["image"] = broken
	p.writeConfig()
	_, err := p.stack.Up(context.Background())
	answers := traffic.stop()
	require.Error(t, err, "up of a release that never turns ready fails")
	assert.Contains(t, err.Error(), "go-service", "the failure names the Deployment")
	assert.Empty(t, failures(answers), "no request failed: %s", summary(answers))
	assert.Equal(t, []string{"1.1.0"}, versionRuns(answers), "only the old version answered: %s", summary(answers))
	// Its pods run but are never ready, and are not restarted for it: the
	// readiness check is the health path, liveness only the open port.
	brokenPods := 0
	for _, pod := range p.items("pods", "-n", appNS, "-l", "app=go-service") {
		if dig(pod, "spec", "containers", 0, "image") != broken || dig(pod, "metadata", "deletionTimestamp") != nil {
			continue
		}
		brokenPods++
		assert.Equal(t, false, dig(pod, "status", "containerStatuses", 0, "ready"), "a broken pod is not ready")
		assert.Equal(t, 0, num(dig(pod, "status", "containerStatuses", 0, "restartCount")), "a failing health check restarts nothing")
	}
	assert.NotZero(t, brokenPods, "the broken release's pods were started")
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.Contains(line, "go-service") && (strings.Contains(line, "error") || strings.Contains(line, "failed")) {
			t.Logf("broken release: up failed: %s", strings.TrimSpace(line))
		}
	}

	svc["image"] = good
	delete(svc, "rolloutDeadlineSeconds")
	p.up()
	assertImage(t, p, "go-service", good, 4)
}

// testBlueGreen: the preview Service answers the idle colour before the
// switch; the switch moves every answer to the new colour at once.
func testBlueGreen(t *testing.T, p *env) {
	main, preview := p.nodePort(t, appNS, "html-frontend"), p.nodePort(t, appNS, "html-frontend-preview")
	client := freshClient()
	assert.Equal(t, "1.0.0", get(client, main).version, "blue answers before the switch")
	assert.Equal(t, "1.1.0", get(client, preview).version, "the preview answers the idle colour (green) before the switch")

	traffic := startLoad(main)
	p.service("html-frontend")["blueGreen"].(map[string]any)["active"] = "green"
	p.writeConfig()
	res, err := p.stack.Up(context.Background())
	require.NoError(t, err)
	answers := traffic.stop()

	changes := *res.Summary.ResourceChanges
	assert.Zero(t, changes["create"], "switching creates nothing")
	assert.Zero(t, changes["delete"], "switching deletes nothing")
	assert.Zero(t, changes["replace"], "switching replaces nothing")

	assert.Equal(t, "green", dig(p.get("service", "html-frontend", "-n", appNS), "spec", "selector", "version"))
	assert.Equal(t, "blue", dig(p.get("service", "html-frontend-preview", "-n", appNS), "spec", "selector", "version"))
	vs := p.get("virtualservice.networking.istio.io", "html-frontend-mesh", "-n", appNS)
	assert.Equal(t, "green", dig(vs, "spec", "http", 0, "route", 0, "destination", "subset"))
	assertAvailable(t, p.get("deployment", "html-frontend-blue", "-n", appNS), 2)
	assertAvailable(t, p.get("deployment", "html-frontend-green", "-n", appNS), 2)

	assert.Empty(t, failures(answers), "no request failed at the switch: %s", summary(answers))
	assert.Equal(t, []string{"1.0.0", "1.1.0"}, versionRuns(answers), "blue, then green, never back: %s", summary(answers))
	// kube-proxy follows the preview Service's new selector within moments.
	assert.Eventually(t, func() bool { return get(client, preview).version == "1.0.0" }, 10*time.Second, 200*time.Millisecond,
		"the preview now answers blue")
	t.Logf("blue/green: %s", summary(answers))
}

func testCanary(t *testing.T, p *env) {
	canary := p.service("java-service")["canary"].(map[string]any)
	canary["weight"] = 25
	canary["match"] = map[string]any{"header": "channel", "exact": "tablet"}
	p.up()

	vs := p.get("virtualservice.networking.istio.io", "java-service-mesh", "-n", appNS)
	assert.Equal(t, "tablet", dig(vs, "spec", "http", 0, "match", 0, "headers", "channel", "exact"))
	assert.Equal(t, "canary", dig(vs, "spec", "http", 0, "route", 0, "destination", "subset"))
	assert.Equal(t, float64(75), dig(vs, "spec", "http", 1, "route", 0, "weight"))
	assert.Equal(t, "stable", dig(vs, "spec", "http", 1, "route", 0, "destination", "subset"))
	assert.Equal(t, float64(25), dig(vs, "spec", "http", 1, "route", 1, "weight"))

	// Promotion: the canary's image becomes stable and takes no extra share.
	canary["stableImage"] = canary["canaryImage"]
	canary["weight"] = 0
	p.up()
	vs = p.get("virtualservice.networking.istio.io", "java-service-mesh", "-n", appNS)
	routes := dig(vs, "spec", "http", 1, "route").([]any)
	require.Len(t, routes, 1, "the default route has one destination")
	assert.Equal(t, "stable", dig(routes[0], "destination", "subset"))
	images := map[string]bool{}
	for _, pod := range p.items("pods", "-n", appNS, "-l", "app=java-service") {
		// Stopping pods serve a few seconds more while their removal spreads.
		if dig(pod, "metadata", "deletionTimestamp") == nil {
			images[dig(pod, "spec", "containers", 0, "image").(string)] = true
		}
	}
	assert.Equal(t, map[string]bool{"docker.io/cloudnative/java-service:2.0.0": true}, images, "one version serves")
	// The new image rolled out without taking replicas back from the autoscaler.
	assert.Equal(t, 3, num(dig(p.get("deployment", "java-service-stable", "-n", appNS), "spec", "replicas")))
}

func testConfigChange(t *testing.T, p *env) {
	before := map[string]any{}
	deployments := p.items("deployments", "-n", appNS)
	for _, d := range deployments {
		before[dig(d, "metadata", "name").(string)] = dig(d, "spec", "template", "metadata", "annotations", "cloudnative.dev/config-checksum")
	}
	path := filepath.Join(p.dir, "config", "application.properties")
	props, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(props, []byte("instance.name=Two\n")...), 0o644))
	traffic := startLoad(p.nodePort(t, appNS, "go-service"))
	p.up()
	answers := traffic.stop()
	assert.Empty(t, failures(answers), "no request failed while the pods rolled: %s", summary(answers))

	cm := p.get("configmap", "cloudnative-config", "-n", appNS)
	assert.Contains(t, dig(cm, "data", "application.properties"), "instance.name=Two")
	for _, d := range p.items("deployments", "-n", appNS) {
		name := dig(d, "metadata", "name").(string)
		after := dig(d, "spec", "template", "metadata", "annotations", "cloudnative.dev/config-checksum")
		assert.NotEqual(t, before[name], after, "%s rolled", name)
		assertAvailable(t, d.(map[string]any), num(dig(d, "spec", "replicas")))
		assert.Equal(t, num(dig(d, "spec", "replicas")), num(dig(d, "status", "updatedReplicas")), name)
	}

	// Every pod of every service answers with the new value, asked directly.
	client := freshClient()
	for _, pod := range p.items("pods", "-n", appNS) {
		if dig(pod, "metadata", "deletionTimestamp") != nil {
			continue
		}
		name, ip := dig(pod, "metadata", "name"), dig(pod, "status", "podIP")
		resp, err := client.Get(fmt.Sprintf("http://%s:8080/", ip))
		if !assert.NoError(t, err, "%s", name) {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Regexp(t, `"instance":"Two"|instance=Two`, string(body), "%s answers with the new properties", name)
	}
}

func testBadConfig(t *testing.T, p *env) {
	snapshot := func() map[string]string {
		versions := map[string]string{}
		for _, kind := range []string{"deployments", "services", "configmaps", "virtualservices.networking.istio.io"} {
			for _, o := range p.items(kind, "-n", appNS) {
				version := dig(o, "metadata", "resourceVersion").(string)
				if kind == "deployments" {
					// Autoscalers write replicas; the program owns the pod template.
					template, _ := json.Marshal(dig(o, "spec", "template"))
					version = string(template)
				}
				versions[kind+"/"+dig(o, "metadata", "name").(string)] = version
			}
		}
		return versions
	}
	before := snapshot()
	cases := []struct {
		name    string
		breakIt func()
		want    string
	}{
		{"weight over 100", func() { p.service("java-service")["canary"].(map[string]any)["weight"] = 150 },
			"cloudnative:services[0](java-service).canary.weight: must be between 0 and 100, got 150"},
		{"unknown strategy", func() { p.service("go-service")["strategy"] = "shadow" },
			`cloudnative:services[1](go-service).strategy: unknown strategy "shadow"`},
		{"replicas zero", func() { p.service("config-service")["replicas"] = 0 },
			"cloudnative:services[3](config-service).replicas: must be at least 1, got 0"},
		// The engine hands an inline program only the keys it asks for: this one
		// is found in the stack file.
		{"misspelt top-level key", func() { p.config["cloudnative:observabilty"] = map[string]any{"enabled": false} },
			`cloudnative:observabilty: is not a known key (did you mean "observability"?)`},
		{"weight as a percentage", func() { p.service("java-service")["canary"].(map[string]any)["weight"] = "10%" },
			`cloudnative:services[0](java-service).canary.weight: must be a whole number, got "10%"`},
	}
	original := p.config
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.config = mocktest.DeepCopy(original).(map[string]any)
			tc.breakIt()
			p.writeConfig()
			_, err := p.stack.Stack.Preview(context.Background(), optpreview.ProgressStreams(p.log))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	p.config = original
	p.writeConfig()
	assert.Equal(t, before, snapshot(), "the cluster is unchanged")
}

func testDestroy(t *testing.T, p *env) {
	_, err := p.stack.Destroy(context.Background())
	require.NoError(t, err)
	for _, ns := range []string{appNS, "istio-system", "istio-ingress"} {
		out, err := p.kubectl("get", "namespace", ns, "--ignore-not-found", "-o", "name")
		require.NoError(t, err)
		phase := ""
		if out != "" {
			phase, _ = p.kubectl("get", "namespace", ns, "-o", "jsonpath={.status.phase}")
		}
		assert.True(t, out == "" || phase == "Terminating", "namespace %s is gone or going", ns)
	}
	// Istio's chart marks its CRDs helm.sh/resource-policy: keep, so that an
	// uninstall never deletes other teams' Istio resources with them. They are
	// the only thing that stays, and no resource of the program remains in them.
	for _, crd := range p.items("crd") {
		name := dig(crd, "metadata", "name").(string)
		if !strings.Contains(name, "istio.io") {
			continue
		}
		assert.Equal(t, "keep", dig(crd, "metadata", "annotations", "helm.sh/resource-policy"), "%s stays only by Istio's keep policy", name)
	}
	for _, kind := range []string{"gateways.networking.istio.io", "virtualservices.networking.istio.io", "destinationrules.networking.istio.io"} {
		assert.Empty(t, p.items(kind, "--all-namespaces"), "no %s remains", kind)
	}
	for _, kind := range []string{"deployments", "services", "configmaps"} {
		for _, o := range p.items(kind, "--all-namespaces", "-l", "app.kubernetes.io/managed-by=pulumi") {
			t.Errorf("%s %s remains", kind, dig(o, "metadata", "name"))
		}
	}
	state, err := p.stack.Export(context.Background())
	require.NoError(t, err)
	assert.NotContains(t, string(state.Deployment), "kubernetes:", "the stack holds no resources")
	out, err := p.kubectl("get", "secret", "cloudnative-gateway-tls", "-n", "istio-ingress", "--ignore-not-found", "-o", "name")
	require.NoError(t, err)
	assert.Empty(t, out, "the gateway's certificate Secret is gone")
}

func assertAvailable(t *testing.T, d map[string]any, replicas int) {
	t.Helper()
	name := dig(d, "metadata", "name")
	assert.Equal(t, replicas, num(dig(d, "spec", "replicas")), "%s replicas", name)
	assert.Equal(t, replicas, num(dig(d, "status", "availableReplicas")), "%s available", name)
}

func assertImage(t *testing.T, p *env, app, image string, replicas int) {
	t.Helper()
	pods := p.items("pods", "-n", appNS, "-l", "app="+app)
	count := 0
	for _, pod := range pods {
		if dig(pod, "metadata", "deletionTimestamp") != nil {
			continue
		}
		assert.Equal(t, image, dig(pod, "spec", "containers", 0, "image"))
		count++
	}
	assert.Equal(t, replicas, count, "%s pods", app)
}

// testCredentialRotation gives the stack a new kubeconfig for the same cluster,
// as a cloud CLI would write after rotating credentials: a service account's
// token instead of the admin's, and the endpoint by name (localhost) instead of
// by address. The provider's cluster identifier must keep the provider, and with
// it every object, from being replaced: an update of the provider only.
func testNewKubeconfigSameCluster(t *testing.T, p *env) {
	token := p.serviceAccountToken("rotated", "cluster-admin")
	rotated := p.kubeconfigFor(token, func(kubeconfig map[string]any) {
		cluster := dig(kubeconfig, "clusters", 0, "cluster").(map[string]any)
		require.Contains(t, cluster["server"], "https://127.0.0.1:")
		cluster["server"] = strings.Replace(cluster["server"].(string), "127.0.0.1", "localhost", 1)
	})

	existing := p.cluster()["existing"].(map[string]any)
	original := existing["kubeconfigPath"]
	existing["kubeconfigPath"] = rotated
	p.writeConfig()
	defer func() {
		existing["kubeconfigPath"] = original
		p.up()
	}()

	preview, err := p.stack.Preview(context.Background(), false)
	require.NoError(t, err)
	for _, op := range []apitype.OpType{apitype.OpReplace, apitype.OpCreateReplacement, apitype.OpDeleteReplaced, apitype.OpCreate, apitype.OpDelete} {
		assert.Zero(t, preview.ChangeSummary[op], "a new kubeconfig for the same cluster must not %s anything", op)
	}
	assert.Equal(t, 1, preview.ChangeSummary[apitype.OpUpdate], "only the provider is updated")

	result, err := p.stack.Up(context.Background())
	require.NoError(t, err, "the update runs with the rotated credentials")
	changes := *result.Summary.ResourceChanges
	assert.Equal(t, 1, changes[string(apitype.OpUpdate)])
	assert.Zero(t, changes[string(apitype.OpReplace)])
}
