// Package tests holds whole-program tests: each Pulumi.<stack>.yaml as committed,
// run through the program under Pulumi's mocks, and (in e2e/) the real engine on
// the local control plane.
package tests

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/apps"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/internal/podtargets"
	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/stacks"
)

// repoRoot is the project directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	require.NoError(t, err)
	return dir
}

// stackConfig reads Pulumi.<stack>.yaml as the engine passes it to the program.
func stackConfig(t testing.TB, root, stack string) mocktest.Config {
	t.Helper()
	cfg, err := stackfile.Read(root, stack)
	require.NoError(t, err)
	return cfg
}

// machineLocalFiles creates, in a copy of the project, the files a stack expects
// on the machine that deploys it, so the committed stack file can be tested as it is.
func machineLocalFiles(t *testing.T, cfg mocktest.Config) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, stackfile.MachineLocalFiles(repoRoot(t), dir, cfg))
	return dir
}

// clusterKind is the cluster.kind a committed stack file selects.
func clusterKind(t testing.TB, stack string) string {
	t.Helper()
	kind, _ := mocktest.Dig(stackConfig(t, repoRoot(t), stack)["cloudnative:cluster"], "kind").(string)
	return kind
}

func committedStacks(t *testing.T) []string {
	t.Helper()
	names, err := stackfile.Committed(repoRoot(t))
	require.NoError(t, err)
	return names
}

func TestStacks_EveryEnvironmentIsCommitted(t *testing.T) {
	assert.Subset(t, committedStacks(t), []string{"minikube", "dev", "local"})
}

func TestStacks_EachCommittedStackDeploysUnderMocks(t *testing.T) {
	for _, stack := range committedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			cfg := stackConfig(t, repoRoot(t), stack)
			secrets := stackfile.AddOperatorSecrets(cfg)
			dir := machineLocalFiles(t, cfg)
			mocks, err := mocktest.Run(t, stacks.Program(dir), cfg, secrets...)
			require.NoError(t, err)
			assertGraph(t, mocks, cfg)
			assertIngressOrder(t, mocks)
		})
	}
}

// assertGraph checks the shape every environment must have.
func assertGraph(t *testing.T, mocks *mocktest.Mocks, cfg mocktest.Config) {
	t.Helper()
	providers := mocks.OfType("pulumi:providers:kubernetes")
	require.Len(t, providers, 1, "one cluster, one provider")
	assert.True(t, providers[0].Inputs["kubeconfig"].IsSecret(), "the kubeconfig stays secret")

	// Every Kubernetes object goes through the cluster's provider.
	for _, r := range mocks.Resources() {
		if strings.HasPrefix(r.Type, "kubernetes:") {
			assert.Equal(t, "urn:pulumi:test::cloudnative::cloudnative:cluster:", mocktest.ProviderURN(r.Provider)[:len("urn:pulumi:test::cloudnative::cloudnative:cluster:")], "%s %s", r.Type, r.Name)
		}
	}

	// Every object the program declares carries the provider's patch-force
	// annotation, so a plain pulumi up restores hand edits too.
	for _, r := range mocks.Resources() {
		if r.Read || !strings.HasPrefix(r.Type, "kubernetes:") || strings.HasPrefix(r.Type, "kubernetes:helm.sh/") || strings.HasPrefix(r.Type, "kubernetes:yaml/") {
			continue
		}
		assert.Equal(t, "true", r.Field("metadata", "annotations", stacks.PatchForceAnnotation), "%s %s", r.Type, r.Name)
	}

	releases := mocks.OfType("kubernetes:helm.sh/v3:Release")
	if mocktest.Dig(cfg["cloudnative:app"], "tls", "issuer") == nil {
		assert.Len(t, releases, 3, "base, istiod and gateway")
	} else {
		assert.Len(t, releases, 4, "base, istiod, gateway and cert-manager")
		certManager := mocks.Get(t, "kubernetes:helm.sh/v3:Release", "edge-cert-manager")
		assert.Equal(t, model.DefaultCertManagerVersion, certManager.Field("version"))
		assert.Equal(t, map[string]any{"enabled": true, "keep": false}, certManager.Field("values", "crds"), "its CRDs come and go with it")
		issuer := mocks.Get(t, "kubernetes:cert-manager.io/v1:Issuer", "edge-issuer")
		assert.Equal(t, "istio-ingress", issuer.Field("metadata", "namespace"), "namespaced beside the gateway: no ClusterIssuer")
		mocks.Get(t, "kubernetes:cert-manager.io/v1:Certificate", "edge-certificate")
	}

	gatewayAPI := mocktest.Dig(cfg["cloudnative:routing"], "api") == string(model.RoutingGatewayAPI)
	services := cfg["cloudnative:services"].([]any)
	for _, raw := range services {
		name := raw.(map[string]any)["name"].(string)
		mocks.Get(t, "kubernetes:core/v1:Service", name)
		mocks.Get(t, "kubernetes:networking.istio.io/v1:DestinationRule", name)
		if gatewayAPI {
			mocks.Get(t, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", name+"-mesh-route")
		} else {
			mocks.Get(t, "kubernetes:networking.istio.io/v1:VirtualService", name+"-mesh")
		}
	}
	if gatewayAPI {
		assert.Len(t, mocks.OfType("kubernetes:gateway.networking.k8s.io/v1:Gateway"), 1)
		assert.Empty(t, mocks.OfType("kubernetes:networking.istio.io/v1:VirtualService"), "one routing API at a time")
	} else {
		assert.Len(t, mocks.OfType("kubernetes:networking.istio.io/v1:Gateway"), 1)
		assert.Empty(t, mocks.OfType("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"), "one routing API at a time")
	}
	assert.Len(t, mocks.OfType("kubernetes:core/v1:ConfigMap"), 1)
	assert.Len(t, mocks.OfType("kubernetes:security.istio.io/v1:PeerAuthentication"), 1, "the namespace's mTLS policy")
	assert.Len(t, mocks.OfType("kubernetes:yaml/v2:ConfigFile"), 4, "Prometheus, Grafana, Jaeger and Kiali")
	assert.Len(t, mocks.OfType("kubernetes:telemetry.istio.io/v1:Telemetry"), 1, "the tracing sampling rate")

	// Every route has a timeout and retries; every DestinationRule uses Istio mTLS.
	for _, vs := range mocks.OfType("kubernetes:networking.istio.io/v1:VirtualService") {
		for _, route := range serviceRoutes(vs) {
			assert.NotEmpty(t, mocktest.Dig(route, "timeout"), vs.Name)
			assert.NotEmpty(t, mocktest.Dig(route, "retries", "attempts"), vs.Name)
		}
	}
	for _, dr := range mocks.OfType("kubernetes:networking.istio.io/v1:DestinationRule") {
		assert.Equal(t, "ISTIO_MUTUAL", dr.Field("spec", "trafficPolicy", "tls", "mode"), dr.Name)
	}

	// A Deployment under an autoscaler declares no replicas.
	for _, hpa := range mocks.OfType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler") {
		d := mocks.Get(t, "kubernetes:apps/v1:Deployment", hpa.Name)
		assert.Nil(t, d.Field("spec", "replicas"), "%s leaves replicas to its autoscaler", d.Name)
	}

	// Each DestinationRule subset matches exactly one Deployment's pods.
	for _, dr := range mocks.OfType("kubernetes:networking.istio.io/v1:DestinationRule") {
		app := strings.Split(dr.Field("spec", "host").(string), ".")[0]
		subsets, _ := dr.Field("spec", "subsets").([]any) // none where routes name Services
		for _, subset := range subsets {
			matches := 0
			for _, d := range mocks.OfType("kubernetes:apps/v1:Deployment") {
				labels := d.Field("spec", "template", "metadata", "labels").(map[string]any)
				if labels["app"] == app && labels["version"] == mocktest.Dig(subset, "labels", "version") {
					matches++
				}
			}
			assert.Equal(t, 1, matches, "%s subset %v", app, mocktest.Dig(subset, "name"))
		}
	}
}

// A caller's pods start after its callees' Services exist, so Kubernetes
// hands them the callees' addresses (the local cluster runs no DNS).
func TestStacks_CallersStartAfterTheirCalleesServices(t *testing.T) {
	cfg := stackConfig(t, repoRoot(t), "local")
	mocks, err := mocktest.Run(t, stacks.Program(machineLocalFiles(t, cfg)), cfg)
	require.NoError(t, err)
	checked := 0
	for _, raw := range cfg["cloudnative:services"].([]any) {
		callee := raw.(map[string]any)
		callers, _ := callee["callers"].([]any)
		for _, c := range callers {
			caller, _ := c.(map[string]any)["service"].(string)
			if caller == "" {
				continue
			}
			service := "kubernetes:core/v1:Service::" + callee["name"].(string)
			for _, d := range mocks.OfType("kubernetes:apps/v1:Deployment") {
				if d.Field("metadata", "labels", "app") == caller {
					after := slices.ContainsFunc(d.DependsOn, func(urn string) bool { return strings.HasSuffix(urn, "$"+service) })
					assert.True(t, after, "%s starts after %s's Service (depends on %v)", d.Name, callee["name"], d.DependsOn)
					checked++
				}
			}
		}
	}
	assert.Positive(t, checked, "the local stack declares a caller among its services")
}

func TestStacks_StrategiesCoveredAcrossEnvironments(t *testing.T) {
	for _, stack := range []string{"minikube", "local"} {
		cfg := stackConfig(t, repoRoot(t), stack)
		seen := map[string]bool{}
		for _, raw := range cfg["cloudnative:services"].([]any) {
			seen[raw.(map[string]any)["strategy"].(string)] = true
		}
		if stack == "local" {
			assert.Len(t, seen, 4, "the local stack exercises every strategy")
		}
		assert.True(t, seen["canary"], "%s has a canary", stack)
	}
}

// runLocal runs the program on the committed local stack, changed by edit.
func runLocal(t *testing.T, edit func(cfg mocktest.Config)) (*mocktest.Mocks, error) {
	t.Helper()
	cfg := stackConfig(t, repoRoot(t), "local")
	edit(cfg)
	dir := machineLocalFiles(t, cfg)
	return mocktest.Run(t, stacks.Program(dir), cfg)
}

func TestStacks_BadConfigFailsBeforeAnyResource(t *testing.T) {
	mocks, err := runLocal(t, func(cfg mocktest.Config) {
		services := cfg["cloudnative:services"].([]any)
		services[0].(map[string]any)["canary"].(map[string]any)["weight"] = 150
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloudnative:services[0](java-service).canary.weight: must be between 0 and 100, got 150")
	assert.Empty(t, mocks.Resources(), "nothing is registered")
}

func TestStacks_MisspeltTopLevelKeyFailsBeforeAnyResource(t *testing.T) {
	mocks, err := runLocal(t, func(cfg mocktest.Config) {
		cfg["cloudnative:observabilty"] = cfg["cloudnative:observability"]
		delete(cfg, "cloudnative:observability")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `cloudnative:observabilty: is not a known key (did you mean "observability"?)`)
	assert.Empty(t, mocks.Resources(), "nothing is registered")
}

func TestStacks_GeneratedNameCollisionsFailBeforeAnyResource(t *testing.T) {
	cases := map[string]struct {
		extra map[string]any
		want  string
	}{
		"a Service named like a blue/green preview": {
			map[string]any{"name": "html-frontend-preview", "strategy": "ramped", "image": "repo/web:1", "pathPrefix": "/preview"},
			`cloudnative:services[4](html-frontend-preview).name: its Service "html-frontend-preview" is also generated for cloudnative:services[2](html-frontend)`,
		},
		"a Deployment named like a canary track": {
			map[string]any{"name": "java-service-canary", "strategy": "recreate", "image": "repo/java:1"},
			`cloudnative:services[4](java-service-canary).name: its Deployment "java-service-canary" is also generated for cloudnative:services[0](java-service)`,
		},
		"a service named like the namespace's egress policy": {
			map[string]any{"name": "egress-baseline", "strategy": "recreate", "image": "repo/egress:1"},
			`cloudnative:services[4](egress-baseline).name: its NetworkPolicy "egress-baseline" is also generated for the namespace`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mocks, err := runLocal(t, func(cfg mocktest.Config) {
				cfg["cloudnative:services"] = append(cfg["cloudnative:services"].([]any), tc.extra)
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, mocks.Resources(), "nothing is registered")
		})
	}
}

func TestStacks_SharedIstioInstallsNoMesh(t *testing.T) {
	mocks, err := runLocal(t, func(cfg mocktest.Config) {
		cfg["cloudnative:istio"].(map[string]any)["install"] = false
		cfg["cloudnative:app"].(map[string]any)["hosts"] = []any{"staging.cloudnative.test"}
	})
	require.NoError(t, err)
	assert.Empty(t, mocks.OfType("kubernetes:helm.sh/v3:Release"), "the cluster's own Istio is used")
	assert.Len(t, mocks.OfType("kubernetes:networking.istio.io/v1:Gateway"), 1)
	assert.Len(t, mocks.OfType("kubernetes:apps/v1:Deployment"), 6)
}

func TestStacks_ObservabilityOffInstallsNone(t *testing.T) {
	mocks, err := runLocal(t, func(cfg mocktest.Config) {
		cfg["cloudnative:observability"].(map[string]any)["enabled"] = false
	})
	require.NoError(t, err)
	assert.Empty(t, mocks.OfType("kubernetes:yaml/v2:ConfigFile"))
	assert.Empty(t, mocks.OfType("kubernetes:telemetry.istio.io/v1:Telemetry"))
	assert.Nil(t, mocks.Get(t, "kubernetes:helm.sh/v3:Release", "istio-istiod").Field("values", "meshConfig"), "no tracing provider")
}

// The tracing collector and the add-ons follow istio.namespace: spans go to the
// Jaeger the add-on manifests install there.
func TestStacks_TracingFollowsTheIstioNamespace(t *testing.T) {
	mocks, err := runLocal(t, func(cfg mocktest.Config) {
		cfg["cloudnative:istio"].(map[string]any)["namespace"] = "mesh-system"
	})
	require.NoError(t, err)
	providers := mocks.Get(t, "kubernetes:helm.sh/v3:Release", "istio-istiod").Field("values", "meshConfig", "extensionProviders").([]any)
	require.Len(t, providers, 1)
	assert.Equal(t, "jaeger-collector.mesh-system.svc.cluster.local", mocktest.Dig(providers[0], "opentelemetry", "service"))
}

// serviceRoutes are a VirtualService's routes to services: not the edge's
// ACME challenge routes or its redirect to HTTPS, which come first.
func serviceRoutes(vs mocktest.Resource) []any {
	var out []any
	for _, route := range vs.Field("spec", "http").([]any) {
		name, _ := mocktest.Dig(route, "name").(string)
		if strings.HasPrefix(name, "acme-http01-") || mocktest.Dig(route, "redirect") != nil {
			continue
		}
		out = append(out, route)
	}
	return out
}

// assertIngressOrder checks that the gateway's traffic is routed by one
// VirtualService whose routes go from the longest path prefix to the shortest,
// "/" last: Istio would merge several in an order of its own.
func assertIngressOrder(t *testing.T, mocks *mocktest.Mocks) {
	var ingress []mocktest.Resource
	for _, vs := range mocks.OfType("kubernetes:networking.istio.io/v1:VirtualService") {
		if gateways := vs.Field("spec", "gateways").([]any); gateways[0] != "mesh" {
			ingress = append(ingress, vs)
		}
	}
	if len(mocks.OfType("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")) > 0 {
		// Istio orders the HTTPRoutes itself: make mesh proves the order.
		require.Empty(t, ingress)
		return
	}
	require.Len(t, ingress, 1, "one VirtualService is bound to the gateway")
	previous := math.MaxInt
	for _, route := range serviceRoutes(ingress[0]) {
		prefix, _ := mocktest.Dig(route, "match", 0, "uri", "prefix").(string)
		if regex := mocktest.Dig(route, "match", 0, "uri", "regex"); regex == "/.*" {
			prefix = "/" // the prefix "/" as Istio's expression of every path
		}
		assert.LessOrEqual(t, len(prefix), previous, "route %v comes after a shorter prefix", mocktest.Dig(route, "name"))
		previous = len(prefix)
	}
}

// On minikube the sample images are built into the cluster before any
// Deployment that runs them.
func TestStacks_MinikubeBuildsTheSampleImagesFirst(t *testing.T) {
	cfg := stackConfig(t, repoRoot(t), "minikube")
	mocks, err := mocktest.Run(t, stacks.Program(machineLocalFiles(t, cfg)), cfg)
	require.NoError(t, err)
	var builds []string
	for _, c := range mocks.OfType("command:local:Command") {
		if strings.Contains(c.Field("create").(string), " image build ") {
			builds = append(builds, c.Name)
		}
	}
	assert.Len(t, builds, 5, "java-service 1.0.0 and 2.0.0, go-service, html-frontend blue and green")
	for _, c := range mocks.OfType("command:local:Command") {
		if slices.Contains(builds, c.Name) {
			assert.Contains(t, strings.Join(c.DependsOn, " "), "::cluster-start", "%s waits for minikube to start", c.Name)
		}
	}
	for _, d := range mocks.OfType("kubernetes:apps/v1:Deployment") {
		waits := strings.Join(d.DependsOn, " ")
		for _, b := range builds {
			assert.Contains(t, waits, "::"+b, "Deployment %s waits for %s", d.Name, b)
		}
	}
}

// urnOf is a resource's URN as the engine makes it: the types of its
// component ancestors (not the stack), then its own, then its name.
func urnOf(r mocktest.Resource) string {
	qualified := r.Type
	if parts := strings.Split(r.Parent, "::"); len(parts) == 4 && parts[2] != "pulumi:pulumi:Stack" {
		qualified = parts[2] + "$" + r.Type
	}
	return "urn:pulumi:test::cloudnative::" + qualified + "::" + r.Name
}

// matchesTarget follows the engine's target globs: ** is anything, * is
// anything but a colon.
func matchesTarget(glob, urn string) bool {
	segments := strings.Split(glob, "**")
	for i, segment := range segments {
		parts := strings.Split(segment, "*")
		for j, part := range parts {
			parts[j] = regexp.QuoteMeta(part)
		}
		segments[i] = strings.Join(parts, "[^:]*")
	}
	return regexp.MustCompile("^" + strings.Join(segments, ".*") + "$").MatchString(urn)
}

// A rollout step is a targeted up of stacks.StepTargets: it must reach the
// service's routes and nothing else of the stack, in either routing API.
func TestStacks_RolloutStepTargetsOnlyTheServicesRoutes(t *testing.T) {
	for _, api := range model.RoutingAPIs {
		t.Run(string(api), func(t *testing.T) {
			cfg := stackfile.WithRoutingAPI(stackConfig(t, repoRoot(t), "local"), api)
			mocks, err := mocktest.Run(t, stacks.Program(machineLocalFiles(t, cfg)), cfg)
			require.NoError(t, err)
			for _, svc := range []struct {
				name    string
				gateway bool
			}{{"java-service", true}, {"go-service", false}} {
				var matched []string
				for _, r := range mocks.Resources() {
					urn := urnOf(r)
					for _, glob := range stacks.StepTargets(api, model.Service{Name: svc.name, Gateway: svc.gateway}) {
						if matchesTarget(glob, urn) {
							matched = append(matched, r.Type+" "+r.Name)
						}
					}
				}
				want := []string{"kubernetes:networking.istio.io/v1:VirtualService " + svc.name + "-mesh"}
				if svc.gateway {
					want = append(want, "kubernetes:networking.istio.io/v1:VirtualService ingress-routes")
				}
				if api == model.RoutingGatewayAPI {
					want = []string{"kubernetes:gateway.networking.k8s.io/v1:HTTPRoute " + svc.name + "-mesh-route"}
					if svc.gateway {
						want = append(want, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute "+svc.name+"-ingress-route")
					}
				}
				assert.ElementsMatch(t, want, matched, svc.name)
			}
		})
	}
}

// The local stack's rollout queries read the series the sample services
// serve (package apps) by the labels the local Prometheus gives each pod
// (internal/podtargets): a renamed metric or label would leave every
// interval inconclusive.
func TestLocalStack_RolloutQueriesReadTheSamplesOwnSeries(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "Pulumi.local.yaml"))
	require.NoError(t, err)
	file, err := release.ParseStackFile(data)
	require.NoError(t, err)
	raw, err := file.Raw("local")
	require.NoError(t, err)
	p, err := model.Decode(raw, machineLocalFiles(t, stackConfig(t, root, "local")))
	require.NoError(t, err)
	q := p.Observability.RolloutQueries
	labels := []string{podtargets.NamespaceLabel + `="{{.Namespace}}"`, podtargets.WorkloadLabel + `="{{.Workload}}"`}
	for _, query := range []string{q.Requests, q.Errors} {
		assert.Contains(t, query, apps.RequestsMetric+"{")
		for _, l := range labels {
			assert.Contains(t, query, l)
		}
	}
	assert.Contains(t, q.Errors, apps.CodeLabel+`=~"5.."`)
	assert.Contains(t, q.P99, apps.DurationMetric+"_bucket{")
	assert.Contains(t, q.P99, "1000 *", "seconds to the milliseconds a rollout reads")
	for _, l := range labels {
		assert.Contains(t, q.P99, l)
	}
}
