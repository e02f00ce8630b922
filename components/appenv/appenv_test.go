package appenv

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

func TestNew_NamespaceAndConfigMap(t *testing.T) {
	for _, injection := range []bool{true, false} {
		mocks, err := mocktest.Run(t, func(ctx *pulumi.Context) error {
			_, err := New(ctx, "app", &Args{Config: model.App{Namespace: "shop", SidecarInjection: injection,
				ConfigMapName: "cloudnative-config", MTLS: "STRICT", PropertiesFileName: "application.properties", Properties: "instance.name=One\n"}})
			return err
		}, nil)
		require.NoError(t, err)
		ns := mocks.Get(t, "kubernetes:core/v1:Namespace", "app")
		want := map[bool]string{true: "enabled", false: "disabled"}[injection]
		assert.Equal(t, want, ns.Field("metadata", "labels", "istio-injection"))

		cm := mocks.Get(t, "kubernetes:core/v1:ConfigMap", "app-config")
		assert.Equal(t, "cloudnative-config", cm.Field("metadata", "name"))
		assert.Equal(t, "shop", cm.Field("metadata", "namespace"))
		assert.Equal(t, map[string]any{"application.properties": "instance.name=One\n"}, cm.Field("data"))

		pa := mocks.Get(t, "kubernetes:security.istio.io/v1:PeerAuthentication", "app-mtls")
		assert.Equal(t, "default", pa.Field("metadata", "name"))
		assert.Equal(t, "shop", pa.Field("metadata", "namespace"))
		assert.Equal(t, map[string]any{"mtls": map[string]any{"mode": "STRICT"}}, pa.Field("spec"))
	}
}

func TestChecksum_ChangesWithContent(t *testing.T) {
	assert.Equal(t, Checksum("a=1"), Checksum("a=1"))
	assert.NotEqual(t, Checksum("a=1"), Checksum("a=2"))
	assert.Len(t, Checksum(""), 16)
}

// The cluster's default namespace is never the stack's to create or delete:
// only its labels are patched in.
func TestNew_DefaultNamespaceIsPatchedNeverOwned(t *testing.T) {
	mocks, err := mocktest.Run(t, func(ctx *pulumi.Context) error {
		_, err := New(ctx, "app", &Args{Config: model.App{Namespace: "default", SidecarInjection: true,
			ConfigMapName: "cloudnative-config", MTLS: "STRICT", PropertiesFileName: "application.properties", Properties: "a=1\n"}})
		return err
	}, nil)
	require.NoError(t, err)
	assert.Empty(t, mocks.OfType("kubernetes:core/v1:Namespace"), "no Namespace resource: a destroy would delete it")
	patch := mocks.Get(t, "kubernetes:core/v1:NamespacePatch", "app")
	assert.Equal(t, "default", patch.Field("metadata", "name"))
	assert.Equal(t, "enabled", patch.Field("metadata", "labels", "istio-injection"))
	assert.Equal(t, "default", mocks.Get(t, "kubernetes:core/v1:ConfigMap", "app-config").Field("metadata", "namespace"))
}
