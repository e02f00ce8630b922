package mesh

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

const releaseType = "kubernetes:helm.sh/v3:Release"

func install(t *testing.T, cfg model.Istio) *mocktest.Mocks {
	t.Helper()
	return mocktest.OnProvider(t, func(ctx *pulumi.Context, onCluster pulumi.ResourceOption) error {
		_, err := NewIstio(ctx, "istio", &IstioArgs{Config: cfg}, onCluster)
		return err
	})
}

func repoConfig() model.Istio {
	return model.Istio{Namespace: "istio-system", Repository: "https://charts.example.com", Version: "1.28.0",
		Gateway: model.IngressGateway{Namespace: "istio-ingress", ServiceType: "NodePort"}}
}

func TestIstio_ReleasesChainedBaseIstiodGateway(t *testing.T) {
	mocks := install(t, repoConfig())
	base := mocks.Get(t, releaseType, "istio-base")
	istiod := mocks.Get(t, releaseType, "istio-istiod")
	gateway := mocks.Get(t, releaseType, "istio-gateway")

	for _, dep := range base.DependsOn {
		assert.NotContains(t, dep, "Release", "the CRDs come first")
	}
	assert.Contains(t, base.DependsOn, "urn:pulumi:test::cloudnative::cloudnative:mesh:Istio$kubernetes:core/v1:Namespace::istio-system")
	assert.Contains(t, istiod.DependsOn, urn("istio-base"), "istiod waits for the CRDs")
	assert.Contains(t, gateway.DependsOn, urn("istio-istiod"), "the gateway waits for istiod")
	assert.NotContains(t, gateway.DependsOn, urn("istio-base"), "only the direct predecessor is named")
}

func urn(name string) string {
	return "urn:pulumi:test::cloudnative::cloudnative:mesh:Istio$kubernetes:helm.sh/v3:Release::" + name
}

func TestIstio_PinnedRepositoryCharts(t *testing.T) {
	mocks := install(t, repoConfig())
	for name, chart := range map[string]string{"istio-base": "base", "istio-istiod": "istiod", "istio-gateway": "gateway"} {
		r := mocks.Get(t, releaseType, name)
		assert.Equal(t, chart, r.Field("chart"), name)
		assert.Equal(t, "1.28.0", r.Field("version"), name)
		assert.Equal(t, "https://charts.example.com", r.Field("repositoryOpts", "repo"), name)
	}
	assert.Equal(t, "istio-system", mocks.Get(t, releaseType, "istio-istiod").Field("namespace"))
	gateway := mocks.Get(t, releaseType, "istio-gateway")
	assert.Equal(t, "istio-ingress", gateway.Field("namespace"))
	assert.Equal(t, "istio-ingressgateway", gateway.Field("name"))
	assert.Equal(t, "NodePort", gateway.Field("values", "service", "type"))
}

func TestIstio_LocalChartDirectory(t *testing.T) {
	cfg := repoConfig()
	cfg.ChartDir = "/charts"
	mocks := install(t, cfg)
	assert.Equal(t, "/charts/base", mocks.Get(t, releaseType, "istio-base").Field("chart"))
	assert.Equal(t, "/charts/istio-control/istio-discovery", mocks.Get(t, releaseType, "istio-istiod").Field("chart"))
	assert.Equal(t, "/charts/gateway", mocks.Get(t, releaseType, "istio-gateway").Field("chart"))
	assert.Nil(t, mocks.Get(t, releaseType, "istio-base").Field("repositoryOpts"))
}

func TestIstio_NamespacesAndProvider(t *testing.T) {
	mocks := install(t, repoConfig())
	var names []any
	for _, ns := range mocks.OfType("kubernetes:core/v1:Namespace") {
		names = append(names, ns.Field("metadata", "name"))
	}
	assert.ElementsMatch(t, []any{"istio-system", "istio-ingress"}, names)
	for _, r := range mocks.Resources() {
		if r.Type != "pulumi:providers:kubernetes" && r.Type != "cloudnative:mesh:Istio" {
			assert.Equal(t, mocktest.ProviderRef, mocktest.ProviderURN(r.Provider), r.Name)
		}
	}
}

func TestIstio_TracingProviderInMeshConfig(t *testing.T) {
	mocks, err := mocktest.Run(t, func(ctx *pulumi.Context) error {
		_, err := NewIstio(ctx, "istio", &IstioArgs{Config: repoConfig(),
			Tracing: &TracingProvider{Name: "jaeger", Service: "collector.istio-system.svc.cluster.local", Port: 4317}})
		return err
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"name": "jaeger", "opentelemetry": map[string]any{
		"service": "collector.istio-system.svc.cluster.local", "port": float64(4317)}}},
		mocks.Get(t, releaseType, "istio-istiod").Field("values", "meshConfig", "extensionProviders"))
}

func TestIstio_PlatformPlacementReachesIstiodAndTheGateway(t *testing.T) {
	mocks := mocktest.OnProvider(t, func(ctx *pulumi.Context, onCluster pulumi.ResourceOption) error {
		_, err := NewIstio(ctx, "istio", &IstioArgs{Config: repoConfig(), Placement: model.Placement{
			NodeSelector: map[string]string{"pool": "system"},
			Tolerations:  []model.Toleration{{Key: "dedicated", Value: "system", Effect: "NoSchedule"}},
		}}, onCluster)
		return err
	})
	for _, release := range []string{"istio-istiod", "istio-gateway"} {
		values := mocks.Get(t, releaseType, release)
		assert.Equal(t, map[string]any{"pool": "system"}, values.Field("values", "nodeSelector"), release)
		assert.Equal(t, []any{map[string]any{"key": "dedicated", "value": "system", "effect": "NoSchedule"}}, values.Field("values", "tolerations"), release)
	}
	assert.Equal(t, "NodePort", mocks.Get(t, releaseType, "istio-gateway").Field("values", "service", "type"), "the gateway keeps its own values")
	assert.Nil(t, install(t, repoConfig()).Get(t, releaseType, "istio-istiod").Field("values", "nodeSelector"))
}
