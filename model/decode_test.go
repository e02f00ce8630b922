package model

import (
	"encoding/json"
	"fmt"
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
	// extra are other top-level keys (certManager, production, …).
	extra map[string]any
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
	for k, v := range f.extra {
		raw.Set(k, enc(v))
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
	assert.Equal(t, DefaultServicePort, ramped.Port)
	assert.Equal(t, DefaultTargetPort, ramped.TargetPort, "a service left at the defaults reaches the sample apps' port")
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
			`name: "Config_Service" is not a valid Service name: a DNS-1035 label`},
		{"a service name starting with a digit", func(f *fixture) { f.services[3]["name"] = "9lives" },
			`services[3](9lives).name: "9lives" is not a valid Service name: a DNS-1035 label`},
		{"a service name too long for its preview Service", func(f *fixture) {
			f.services[2]["name"] = "html-frontend-with-a-name-long-enough-to-overflow-a-label"
		}, `is 57 characters; at most 55, so that the names made from it (html-frontend-with-a-name-long-enough-to-overflow-a-label-preview`},
		{"istio's namespace as the app's", func(f *fixture) { f.app["namespace"] = "istio-system" },
			`cloudnative:app.namespace: "istio-system" is istio.namespace, owned by Istio's release`},
		{"the gateway's namespace as the app's", func(f *fixture) { f.app["namespace"] = "istio-ingress" },
			`cloudnative:app.namespace: "istio-ingress" is istio.gateway.namespace, owned by the ingress gateway's release`},
		{"kube-system as the app's", func(f *fixture) { f.app["namespace"] = "kube-system" },
			`cloudnative:app.namespace: "kube-system" belongs to the cluster itself`},
		{"kube-node-lease as the app's", func(f *fixture) { f.app["namespace"] = "kube-node-lease" }, `belongs to the cluster itself`},
		{"Istio and its gateway in one namespace the stack installs", func(f *fixture) {
			f.istio["gateway"] = map[string]any{"namespace": "istio-system"}
		}, `cloudnative:istio.gateway.namespace: "istio-system" is also istio.namespace`},
		{"invalid namespace", func(f *fixture) { f.app["namespace"] = "-shop" },
			`cloudnative:app.namespace: "-shop" is not a valid DNS-1123 label`},
		{"duplicate service names", func(f *fixture) { f.services[3]["name"] = "go-service" },
			`cloudnative:services[3](go-service).name: duplicate service name "go-service" (also services[1])`},
		{"port out of range", func(f *fixture) { f.services[0]["port"] = 70000 },
			"cloudnative:services[0](java-service).port: must be a port between 1 and 65535, got 70000"},
		{"target port out of range", func(f *fixture) { f.services[0]["targetPort"] = 0 },
			"targetPort: must be a port between 1 and 65535, got 0"},
		{"service port the sidecar captures", func(f *fixture) { f.services[0]["port"] = 15001 },
			"port: 15001 is Istio's outbound capture port in every pod of the mesh; choose another"},
		{"target port the sidecar listens on", func(f *fixture) { f.services[0]["targetPort"] = 15021 },
			"targetPort: 15021 is Istio's health check port in every pod of the mesh; choose another"},
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
			`cloudnative:services[3](config-service).replica: is not a known key (did you mean "replicas"?)`},
		{"misspelt nested key", func(f *fixture) { f.istio["gateway"] = map[string]any{"servicetype": "NodePort"} },
			`cloudnative:istio.gateway.servicetype: is not a known key (did you mean "serviceType"?)`},
		{"weight as a percentage", func(f *fixture) { f.services[0]["canary"].(map[string]any)["weight"] = "10%" },
			`cloudnative:services[0](java-service).canary.weight: must be a whole number, got "10%"`},
		{"fractional replicas", func(f *fixture) { f.services[3]["replicas"] = 1.5 },
			`cloudnative:services[3](config-service).replicas: must be a whole number, got 1.5`},
		{"image as a number", func(f *fixture) { f.services[3]["image"] = 7 },
			`cloudnative:services[3](config-service).image: must be text, got 7`},
		{"no services", func(f *fixture) { f.services = nil },
			`cloudnative:services: at least one service is required`},
		{"sidecar injection as text", func(f *fixture) { f.app["sidecarInjection"] = "yes" },
			`cloudnative:app.sidecarInjection: must be true or false, got "yes"`},
		{"cpu request not a quantity", func(f *fixture) { f.services[3]["resources"] = map[string]any{"cpuRequest": "lots"} },
			`cloudnative:services[3](config-service).resources.cpuRequest: "lots" is not a Kubernetes quantity`},
		{"memory request above its limit", func(f *fixture) {
			f.services[3]["resources"] = map[string]any{"memoryRequest": "1Gi", "memoryLimit": "512Mi"}
		}, `cloudnative:services[3](config-service).resources.memoryRequest: 1Gi is above memoryLimit 512Mi`},
		{"cpu request above the default limit", func(f *fixture) { f.services[3]["resources"] = map[string]any{"cpuRequest": "2"} },
			`cloudnative:services[3](config-service).resources.cpuRequest: 2 is above cpuLimit 500m`},
		{"zero memory limit", func(f *fixture) { f.services[3]["resources"] = map[string]any{"memoryLimit": "0"} },
			`resources.memoryLimit: must be more than zero, got "0"`},
		{"header regex not RE2", func(f *fixture) {
			f.services[0]["canary"].(map[string]any)["match"] = map[string]any{"header": "channel", "regex": "(["}
		}, `cloudnative:services[0](java-service).canary.match.regex: "([" is not an RE2 regular expression`},
		{"header regex with a backreference", func(f *fixture) {
			f.services[0]["canary"].(map[string]any)["match"] = map[string]any{"header": "channel", "regex": `(a)\1`}
		}, `canary.match.regex: "(a)\\1" is not an RE2 regular expression`},
		{"host as a URL", func(f *fixture) { f.app["hosts"] = []string{"http://example.com"} },
			`cloudnative:app.hosts[0]: "http://example.com" is not a host Istio accepts`},
		{"host with a path", func(f *fixture) { f.app["hosts"] = []string{"shop.example.com", "foo/bar"} },
			`cloudnative:app.hosts[1]: "foo/bar" is not a host Istio accepts`},
		{"short host", func(f *fixture) { f.app["hosts"] = []string{"shop"} },
			`cloudnative:app.hosts[0]: "shop" is not a host Istio accepts`},
		{"catch-all host on a shared Istio", func(f *fixture) { f.istio["install"] = false },
			`cloudnative:app.hosts: istio.install is false, so this environment shares its ingress gateway with others`},
		{"host inside a wildcard", func(f *fixture) { f.app["hosts"] = []string{"*.example.com", "shop.example.com"} },
			`cloudnative:app.hosts[1]: "shop.example.com" overlaps "*.example.com" (cloudnative:app.hosts[0])`},
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
		{"a webhook over plain HTTP", func(f *fixture) {
			f.observability = map[string]any{"enabled": false, "rolloutWebhookUrl": "http://hooks.example.com/x"}
		}, "cloudnative:observability.rolloutWebhookUrl: must be an https URL"},
		{"unknown add-on size", func(f *fixture) { f.observability = map[string]any{"version": "1.28", "size": "huge"} },
			`cloudnative:observability.size: must be small, medium or large, got "huge"`},
		{"add-ons without a source", func(f *fixture) { f.observability = map[string]any{"enabled": true} },
			"cloudnative:observability.version: set a local manifestDir, or an Istio release like 1.28"},
		{"minikube building images without apps/", func(f *fixture) {
			f.cluster["kind"] = "minikube"
		}, "cloudnative:cluster.minikube.buildImages: builds the sample images from "},
		{"minikube too small", func(f *fixture) {
			f.cluster["kind"] = "minikube"
			f.cluster["minikube"] = map[string]any{"cpus": 1, "kubernetesVersion": "1.34"}
		}, "cloudnative:cluster.minikube.cpus: minikube needs at least 2, got 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := validFixture()
			tc.breakIt(&f)
			err := decodeRefused(t, f.raw(t), projectDir(t))
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

func TestDecode_UnknownTopLevelKeysAreRefused(t *testing.T) {
	raw := validFixture().raw(t)
	raw.Keys = []string{"cluster", "observabilty", "service", "kubeconfig", "previousRelease", "zzz"}
	_, err := Decode(raw, projectDir(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `cloudnative:observabilty: is not a known key (did you mean "observability"?)`)
	assert.Contains(t, err.Error(), `cloudnative:service: is not a known key (did you mean "services"?)`)
	assert.Contains(t, err.Error(), `cloudnative:zzz: is not a known key (known: `)
	assert.NotContains(t, err.Error(), "cloudnative:kubeconfig:")
	assert.NotContains(t, err.Error(), "cloudnative:cluster:")
	assert.NotContains(t, err.Error(), "cloudnative:previousRelease:", "the delivery commands' key is known")
}

func TestDecode_ValidHostsAreAccepted(t *testing.T) {
	f := validFixture()
	f.app["hosts"] = []string{"shop.example.com", "*.internal.example.com", "api.example.com"}
	_, err := Decode(f.raw(t), projectDir(t))
	require.NoError(t, err)
}

// TestDefaults_DecodeAppliesEveryDocumentedDefault decodes a config that leaves
// every documented key out and reads each setting back from the model.
func TestDefaults_DecodeAppliesEveryDocumentedDefault(t *testing.T) {
	raw := Raw{
		Cluster:  json.RawMessage(`{"kind":"minikube"}`),
		App:      json.RawMessage(`{"propertiesFile":"application.properties"}`),
		Services: json.RawMessage(`[{"name":"web","strategy":"ramped","image":"repo/web:1","autoscaling":{}}]`),
	}
	dir := projectDir(t)
	// A minikube stack builds the sample images from apps/ by default.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "apps"), 0o755))
	p, err := Decode(raw, dir)
	require.NoError(t, err)
	// The properties file is the one setting whose default names a file that must exist.
	raw.App = nil
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "config"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, DefaultPropertiesFile), []byte("a=b\n"), 0o644))
	withDefaultFile, err := Decode(raw, dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Base(DefaultPropertiesFile), withDefaultFile.App.PropertiesFileName)

	checked := 0
	for _, d := range Defaults() {
		if d.Of == nil || d.Key == "app.propertiesFile" {
			continue
		}
		assert.Equal(t, d.Value, fmt.Sprint(d.Of(p)), d.Key)
		checked++
	}
	assert.Greater(t, checked, 40)
}

func TestDecode_ServicesMustBeAList(t *testing.T) {
	raw := validFixture().raw(t)
	raw.Services = json.RawMessage(`{"name":"web"}`)
	_, err := Decode(raw, projectDir(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloudnative:services: must be a list, got a map")
}
