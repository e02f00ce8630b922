package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a valid config with every strategy; cases break one thing at a time.
type fixture struct {
	cluster       map[string]any
	istio         map[string]any
	observability map[string]any
	app           map[string]any
	services      []map[string]any
}

func validFixture() fixture {
	return fixture{
		cluster: map[string]any{"kind": "existing", "existing": map[string]any{"kubeconfigPath": "kubeconfig"}},
		istio:   map[string]any{"version": "1.28.0"},
		app:     map[string]any{"namespace": "shop", "propertiesFile": "application.properties"},
		services: []map[string]any{
			{"name": "java-service", "strategy": "canary", "port": 80, "targetPort": 8080, "canary": map[string]any{
				"stableImage": "repo/java:1", "canaryImage": "repo/java:2", "weight": 10,
				"match": map[string]any{"header": "channel", "exact": "mobile"}}},
			{"name": "go-service", "strategy": "ramped", "image": "repo/go:1", "ramped": map[string]any{"maxSurge": 1, "maxUnavailable": "25%"}},
			{"name": "html-frontend", "strategy": "blueGreen", "blueGreen": map[string]any{"blueImage": "repo/web:1", "greenImage": "repo/web:2", "active": "blue"}},
			{"name": "config-service", "strategy": "recreate", "image": "repo/config:1", "replicas": 2},
		},
	}
}

func (f fixture) raw(t *testing.T) Raw {
	t.Helper()
	enc := func(v any) json.RawMessage {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		return data
	}
	raw := Raw{Cluster: enc(f.cluster), Istio: enc(f.istio), App: enc(f.app), Services: enc(f.services)}
	if f.observability != nil {
		raw.Observability = enc(f.observability)
	}
	return raw
}

func projectDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kubeconfig"), []byte("apiVersion: v1\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "application.properties"), []byte("instance.name=One\n"), 0o644))
	return dir
}

func TestDecode_ValidConfigAppliesDefaults(t *testing.T) {
	dir := projectDir(t)
	p, err := Decode(validFixture().raw(t), dir)
	require.NoError(t, err)

	assert.Equal(t, ClusterExisting, p.Cluster.Kind)
	assert.Equal(t, filepath.Join(dir, "kubeconfig"), p.Cluster.Existing.KubeconfigPath)
	assert.Equal(t, DefaultIstioNamespace, p.Istio.Namespace)
	assert.Equal(t, "LoadBalancer", p.Istio.Gateway.ServiceType)
	assert.Equal(t, "instance.name=One\n", p.App.Properties)
	assert.Equal(t, "application.properties", p.App.PropertiesFileName)
	assert.True(t, p.App.SidecarInjection)
	assert.Equal(t, []string{"*"}, p.App.Hosts)
	require.Len(t, p.Services, 4)

	canary := p.Services[0]
	assert.Equal(t, Canary, canary.Strategy)
	assert.Equal(t, 8080, canary.TargetPort)
	assert.Equal(t, "/java-service", canary.PathPrefix)
	assert.Equal(t, 1, canary.Replicas)
	assert.Equal(t, HeaderMatch{Header: "channel", Exact: "mobile"}, canary.Canary.Match)
	assert.Equal(t, "/health", canary.HealthPath)

	ramped := p.Services[1]
	assert.Equal(t, "1", ramped.Ramped.MaxSurge)
	assert.Equal(t, "25%", ramped.Ramped.MaxUnavailable)
	assert.Equal(t, 80, ramped.Port)

	assert.Equal(t, Blue, p.Services[2].BlueGreen.Active)
	assert.Equal(t, Green, p.Services[2].BlueGreen.Idle())
	assert.Equal(t, 2, p.Services[3].Replicas)
}

func TestDecode_RejectsBadInput(t *testing.T) {
	cases := []struct {
		name    string
		breakIt func(f *fixture)
		want    string
	}{
		{"unknown cluster kind", func(f *fixture) { f.cluster["kind"] = "openshift" },
			`cloudnative:cluster.kind: unknown cluster kind "openshift"`},
		{"missing cluster kind", func(f *fixture) { delete(f.cluster, "kind") }, "cloudnative:cluster.kind: is required"},
		{"unknown strategy", func(f *fixture) { f.services[3]["strategy"] = "shadow" },
			`cloudnative:services[3](config-service).strategy: unknown strategy "shadow"`},
		{"weight above 100", func(f *fixture) { f.services[0]["canary"].(map[string]any)["weight"] = 120 },
			"cloudnative:services[0](java-service).canary.weight: must be between 0 and 100, got 120"},
		{"weight below 0", func(f *fixture) { f.services[0]["canary"].(map[string]any)["weight"] = -5 },
			"canary.weight: must be between 0 and 100, got -5"},
		{"surge and unavailable both zero", func(f *fixture) {
			f.services[1]["ramped"] = map[string]any{"maxSurge": 0, "maxUnavailable": "0%"}
		}, "cloudnative:services[1](go-service).ramped: maxSurge and maxUnavailable cannot both be zero"},
		{"bad surge", func(f *fixture) { f.services[1]["ramped"] = map[string]any{"maxSurge": "lots"} },
			`ramped.maxSurge: must be a non-negative count or a percentage like 25%, got "lots"`},
		{"replicas below one", func(f *fixture) { f.services[3]["replicas"] = 0 },
			"cloudnative:services[3](config-service).replicas: must be at least 1, got 0"},
		{"missing image", func(f *fixture) { delete(f.services[3], "image") },
			"cloudnative:services[3](config-service).image: is required"},
		{"missing canary image", func(f *fixture) { delete(f.services[0]["canary"].(map[string]any), "canaryImage") },
			"canary.canaryImage: is required"},
		{"malformed image", func(f *fixture) { f.services[3]["image"] = "Repo/Config:1" },
			`image: "Repo/Config:1" is not an image reference`},
		{"invalid service name", func(f *fixture) { f.services[3]["name"] = "Config_Service" },
			`name: "Config_Service" is not a valid DNS-1123 label`},
		{"invalid namespace", func(f *fixture) { f.app["namespace"] = "-shop" },
			`cloudnative:app.namespace: "-shop" is not a valid DNS-1123 label`},
		{"duplicate service names", func(f *fixture) { f.services[3]["name"] = "go-service" },
			`cloudnative:services[3](go-service).name: duplicate service name "go-service" (also services[1])`},
		{"port out of range", func(f *fixture) { f.services[0]["port"] = 70000 },
			"cloudnative:services[0](java-service).port: must be a port between 1 and 65535, got 70000"},
		{"target port out of range", func(f *fixture) { f.services[0]["targetPort"] = 0 },
			"targetPort: must be a port between 1 and 65535, got 0"},
		{"missing properties file", func(f *fixture) { f.app["propertiesFile"] = "missing.properties" },
			"cloudnative:app.propertiesFile: cannot read"},
		{"canary without match", func(f *fixture) { delete(f.services[0]["canary"].(map[string]any), "match") },
			"cloudnative:services[0](java-service).canary.match: is required"},
		{"canary without weight", func(f *fixture) { delete(f.services[0]["canary"].(map[string]any), "weight") },
			"cloudnative:services[0](java-service).canary.weight: is required"},
		{"canary match with two kinds", func(f *fixture) {
			f.services[0]["canary"].(map[string]any)["match"] = map[string]any{"header": "channel", "exact": "mobile", "prefix": "mob"}
		}, "canary.match: set exactly one of exact, prefix or regex (2 set)"},
		{"canary match header upper case", func(f *fixture) {
			f.services[0]["canary"].(map[string]any)["match"] = map[string]any{"header": "Channel", "exact": "mobile"}
		}, `canary.match.header: must be a lower-case HTTP header name, got "Channel"`},
		{"blue/green active colour", func(f *fixture) { f.services[2]["blueGreen"].(map[string]any)["active"] = "red" },
			`cloudnative:services[2](html-frontend).blueGreen.active: must be "blue" or "green", got "red"`},
		{"blue/green without settings", func(f *fixture) { delete(f.services[2], "blueGreen") },
			"cloudnative:services[2](html-frontend).blueGreen: is required"},
		{"settings of another strategy", func(f *fixture) { f.services[3]["canary"] = map[string]any{} },
			`cloudnative:services[3](config-service).canary: is set but the strategy is "recreate"`},
		{"misspelt key", func(f *fixture) { f.services[3]["replica"] = 2 },
			`cloudnative:services: unknown field "replica"`},
		{"missing kubeconfig", func(f *fixture) { f.cluster["existing"] = map[string]any{"kubeconfigPath": "nope"} },
			"cloudnative:cluster.existing.kubeconfigPath: cannot read"},
		{"no kubeconfig at all", func(f *fixture) { f.cluster["existing"] = map[string]any{} },
			"cloudnative:cluster.existing.kubeconfigPath: set a kubeconfig path, or the secret cloudnative:kubeconfig"},
		{"unpinned chart version", func(f *fixture) { f.istio["version"] = "latest" },
			`cloudnative:istio.version: must pin an exact chart version like 1.28.0, got "latest"`},
		{"missing local charts", func(f *fixture) { f.istio["chartDir"] = "charts" },
			"cloudnative:istio.chartDir: no chart base under"},
		{"bad gateway service type", func(f *fixture) { f.istio["gateway"] = map[string]any{"serviceType": "External"} },
			`cloudnative:istio.gateway.serviceType: must be ClusterIP, NodePort or LoadBalancer, got "External"`},
		{"duplicate path prefix", func(f *fixture) { f.services[3]["pathPrefix"] = "/go-service" },
			`cloudnative:services[3](config-service).pathPrefix: "/go-service" is already routed to go-service`},
		{"autoscaler bounds", func(f *fixture) {
			delete(f.services[3], "replicas")
			f.services[3]["autoscaling"] = map[string]any{"minReplicas": 4, "maxReplicas": 2}
		}, "cloudnative:services[3](config-service).autoscaling.maxReplicas: must be at least minReplicas (4), got 2"},
		{"replicas beside an autoscaler", func(f *fixture) { f.services[3]["autoscaling"] = map[string]any{"maxReplicas": 4} },
			"cloudnative:services[3](config-service).replicas: is owned by the autoscaler"},
		{"per-try timeout above the timeout", func(f *fixture) {
			f.services[3]["routes"] = map[string]any{"timeoutSeconds": 3, "perTryTimeoutSeconds": 5}
		}, "routes.perTryTimeoutSeconds: must be between 1 and timeoutSeconds (3), got 5"},
		{"unknown mtls mode", func(f *fixture) { f.app["mtls"] = "STRICTER" },
			`cloudnative:app.mtls: must be STRICT, PERMISSIVE or DISABLE, got "STRICTER"`},
		{"unknown add-on", func(f *fixture) { f.observability = map[string]any{"version": "1.28", "addons": []string{"zipkin"}} },
			`cloudnative:observability.addons: unknown add-on "zipkin"`},
		{"sampling above 100", func(f *fixture) { f.observability = map[string]any{"version": "1.28", "tracingSamplingPercent": 150} },
			"cloudnative:observability.tracingSamplingPercent: must be between 0 and 100, got 150"},
		{"unknown add-on size", func(f *fixture) { f.observability = map[string]any{"version": "1.28", "size": "huge"} },
			`cloudnative:observability.size: must be small, medium or large, got "huge"`},
		{"add-ons without a source", func(f *fixture) { f.observability = map[string]any{"enabled": true} },
			"cloudnative:observability.version: set a local manifestDir, or an Istio release like 1.28"},
		{"minikube too small", func(f *fixture) {
			f.cluster["kind"] = "minikube"
			f.cluster["minikube"] = map[string]any{"cpus": 1, "kubernetesVersion": "1.34"}
		}, "cloudnative:cluster.minikube.cpus: minikube needs at least 2, got 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := validFixture()
			tc.breakIt(&f)
			p, err := Decode(f.raw(t), projectDir(t))
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestDecode_ReportsEveryProblemAtOnce(t *testing.T) {
	f := validFixture()
	f.cluster["kind"] = "nope"
	f.services[3]["replicas"] = 0
	f.services[0]["canary"].(map[string]any)["weight"] = 101
	_, err := Decode(f.raw(t), projectDir(t))
	var cfgErr *ConfigError
	require.ErrorAs(t, err, &cfgErr)
	assert.Len(t, cfgErr.Problems, 3)
}

func TestDecode_ProductionRefusesRecreate(t *testing.T) {
	raw := validFixture().raw(t)
	raw.Production = json.RawMessage("true")
	_, err := Decode(raw, projectDir(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloudnative:services[3](config-service).strategy: recreate takes the service down")
}

func TestDecode_KubeconfigSecretReplacesPath(t *testing.T) {
	f := validFixture()
	f.cluster["existing"] = map[string]any{"context": "dev"}
	raw := f.raw(t)
	raw.HasKubeconfigSecret = true
	p, err := Decode(raw, projectDir(t))
	require.NoError(t, err)
	assert.Equal(t, "", p.Cluster.Existing.KubeconfigPath)
	assert.Equal(t, "dev", p.Cluster.Existing.Context)
}

func TestDecode_ObservabilityAndResilienceDefaults(t *testing.T) {
	f := validFixture()
	f.observability = map[string]any{"version": "1.28", "tracingSamplingPercent": 10}
	p, err := Decode(f.raw(t), projectDir(t))
	require.NoError(t, err)
	assert.True(t, p.Observability.Enabled)
	assert.Equal(t, "https://raw.githubusercontent.com/istio/istio/release-1.28/samples/addons", p.Observability.ManifestURL)
	assert.Equal(t, Addons, p.Observability.Addons)
	assert.Equal(t, 10.0, p.Observability.TracingSamplingPercent)
	assert.Equal(t, AddonSizes["small"], p.Observability.Size)
	assert.Equal(t, "STRICT", p.App.MTLS)
	assert.Equal(t, RoutePolicy{TimeoutSeconds: 15, RetryAttempts: 2, PerTryTimeoutSeconds: 5,
		RetryOn: "connect-failure,refused-stream,unavailable,cancelled,5xx"}, p.Services[0].Routes)
	assert.Equal(t, "1", p.Services[0].DisruptionBudget)

	off, err := Decode(validFixture().raw(t), projectDir(t))
	require.NoError(t, err)
	assert.False(t, off.Observability.Enabled, "observability is off unless configured")
}
