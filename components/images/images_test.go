package images

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/mocktest"
)

func TestSamples_OnlyTaggedImagesOfTheSampleServices(t *testing.T) {
	got := Samples([]string{
		"docker.io/cloudnative/java-service:2.0.0",
		"docker.io/cloudnative/java-service:1.0.0",
		"docker.io/cloudnative/java-service:1.0.0",
		"ghcr.io/acme/go-service@sha256:" + strings.Repeat("ab", 32),
		"registry.example.test/billing:3.1",
		"html-frontend",
	})
	assert.Equal(t, []Sample{
		{Ref: "docker.io/cloudnative/java-service:1.0.0", App: "java-service", Version: "1.0.0"},
		{Ref: "docker.io/cloudnative/java-service:2.0.0", App: "java-service", Version: "2.0.0"},
	}, got)
}

func TestMinikube_OneBuildPerImageRebuiltWhenSourcesChange(t *testing.T) {
	appsDir := filepath.Join(t.TempDir(), "apps")
	for _, dir := range []string{"java-service", "internal"} {
		require.NoError(t, os.MkdirAll(filepath.Join(appsDir, dir), 0o755))
	}
	source := filepath.Join(appsDir, "java-service", "Main.java")
	require.NoError(t, os.WriteFile(source, []byte("class Main {}"), 0o644))
	build := func() mocktest.Resource {
		mocks, _ := mocktest.Build(t, func(ctx *pulumi.Context) (*Minikube, error) {
			return NewMinikube(ctx, "images", &MinikubeArgs{Profile: "cloudnative", AppsDir: appsDir,
				Images: []string{"docker.io/cloudnative/java-service:2.0.0", "docker.io/library/redis:7"}})
		})
		cmds := mocks.OfType("command:local:Command")
		require.Len(t, cmds, 1, "only the sample service's image is built")
		return cmds[0]
	}
	cmd := build()
	assert.Equal(t, "minikube --profile cloudnative image build --tag docker.io/cloudnative/java-service:2.0.0 --file apps/java-service/Dockerfile --build-opt build-arg=VERSION=2.0.0 .", cmd.Field("create"))
	assert.Equal(t, "minikube --profile cloudnative image rm docker.io/cloudnative/java-service:2.0.0", cmd.Field("delete"))
	assert.Equal(t, filepath.Dir(appsDir), cmd.Field("dir"), "the build context is the project")
	before := cmd.Field("triggers")

	require.NoError(t, os.WriteFile(source, []byte("class Main { int changed; }"), 0o644))
	assert.NotEqual(t, before, build().Field("triggers"), "a source change rebuilds")
}
