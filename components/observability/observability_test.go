package observability

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

func install(t *testing.T, cfg model.Observability) *mocktest.Mocks {
	t.Helper()
	return mocktest.OnProvider(t, func(ctx *pulumi.Context, onCluster pulumi.ResourceOption) error {
		_, err := New(ctx, "observability", &Args{Config: cfg, Namespace: "istio-system"}, onCluster)
		return err
	})
}

func TestNew_AddonsFromPinnedManifests(t *testing.T) {
	mocks := install(t, model.Observability{Enabled: true, ManifestDir: "/addons", Addons: model.Addons, TracingSamplingPercent: 10})
	files := map[string]any{}
	for _, f := range mocks.OfType("kubernetes:yaml/v2:ConfigFile") {
		files[f.Name] = f.Field("file")
		assert.Equal(t, mocktest.ProviderRef, mocktest.ProviderURN(f.Provider))
	}
	assert.Equal(t, map[string]any{
		"observability-prometheus": "/addons/prometheus.yaml", "observability-grafana": "/addons/grafana.yaml",
		"observability-jaeger": "/addons/jaeger.yaml", "observability-kiali": "/addons/kiali.yaml",
	}, files)

	tel := mocks.Get(t, "kubernetes:telemetry.istio.io/v1:Telemetry", "observability-tracing")
	assert.Equal(t, "istio-system", tel.Field("metadata", "namespace"))
	assert.Equal(t, map[string]any{"tracing": []any{map[string]any{
		"providers": []any{map[string]any{"name": "jaeger"}}, "randomSamplingPercentage": float64(10),
	}}}, tel.Field("spec"))
}

func TestNew_NoTracingWithoutJaeger(t *testing.T) {
	mocks := install(t, model.Observability{Enabled: true, ManifestURL: "https://example.com/addons/", Addons: []string{"prometheus"}})
	assert.Empty(t, mocks.OfType("kubernetes:telemetry.istio.io/v1:Telemetry"))
	assert.Equal(t, "https://example.com/addons/prometheus.yaml", mocks.Get(t, "kubernetes:yaml/v2:ConfigFile", "observability-prometheus").Field("file"))
}

func TestShape_ServicesSkipAwaitAndContainersAreSized(t *testing.T) {
	transform := shape(model.AddonSizes["medium"], model.Placement{
		NodeSelector: map[string]string{"pool": "system"},
		Tolerations:  []model.Toleration{{Key: "dedicated", Operator: "Equal", Value: "system", Effect: "NoSchedule"}},
	})
	service := pulumi.Map{
		"metadata": pulumi.Map{"name": pulumi.String("grafana"), "annotations": pulumi.Map{"a": pulumi.String("b")}},
		"spec":     pulumi.Map{"type": pulumi.String("ClusterIP")},
	}
	res := transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:core/v1:Service", Props: service})
	require.NotNil(t, res)
	meta := res.Props["metadata"].(pulumi.Map)
	assert.Equal(t, pulumi.Map{"a": pulumi.String("b"), "pulumi.com/skipAwait": pulumi.String("true")}, meta["annotations"])
	assert.Equal(t, pulumi.String("grafana"), meta["name"])
	assert.Equal(t, service["spec"], res.Props["spec"])
	assert.Equal(t, pulumi.Map{"a": pulumi.String("b")}, service["metadata"].(pulumi.Map)["annotations"], "the input is not changed")

	deployment := pulumi.Map{"spec": pulumi.Map{"replicas": pulumi.Int(1), "template": pulumi.Map{"spec": pulumi.Map{
		"containers": pulumi.Array{pulumi.Map{"name": pulumi.String("grafana"), "image": pulumi.String("grafana/grafana:11")}},
	}}}}
	res = transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:apps/v1:Deployment", Props: deployment})
	require.NotNil(t, res)
	container := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)["containers"].(pulumi.Array)[0].(pulumi.Map)
	assert.Equal(t, pulumi.String("grafana/grafana:11"), container["image"])
	assert.Equal(t, pulumi.Map{
		"requests": pulumi.Map{"cpu": pulumi.String("200m"), "memory": pulumi.String("512Mi")},
		"limits":   pulumi.Map{"cpu": pulumi.String("1"), "memory": pulumi.String("2Gi")},
	}, container["resources"])
	assert.Equal(t, pulumi.Int(1), res.Props["spec"].(pulumi.Map)["replicas"])
	podSpec := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)
	assert.Equal(t, pulumi.Map{"pool": pulumi.String("system")}, podSpec["nodeSelector"], "add-on pods follow the platform's placement")
	assert.Equal(t, pulumi.Array{pulumi.Map{"key": pulumi.String("dedicated"), "operator": pulumi.String("Equal"),
		"value": pulumi.String("system"), "effect": pulumi.String("NoSchedule")}}, podSpec["tolerations"])

	assert.Nil(t, transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:core/v1:ConfigMap", Props: service}))
}
