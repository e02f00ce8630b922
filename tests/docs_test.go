package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/stacks"
)

// yamlBlockAfter returns the first ```yaml block after a heading of a docs page.
func yamlBlockAfter(t *testing.T, page, heading string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", page))
	require.NoError(t, err)
	text := string(data)
	start := strings.Index(text, heading)
	require.GreaterOrEqual(t, start, 0, "%s has %q", page, heading)
	block := text[start:]
	open := strings.Index(block, "```yaml\n")
	require.GreaterOrEqual(t, open, 0, "the section holds a yaml block")
	block = block[open+len("```yaml\n"):]
	return block[:strings.Index(block, "```")]
}

// TestDocs_AddingAServiceDeploys adds the service of docs/services.md's
// how-to to the local stack, as the how-to says, and runs the program on it.
func TestDocs_AddingAServiceDeploys(t *testing.T) {
	var entries []any
	require.NoError(t, yaml.Unmarshal([]byte(yamlBlockAfter(t, "services.md", "## Adding a service")), &entries))
	require.Len(t, entries, 1)
	cfg := stackConfig(t, repoRoot(t), "local")
	cfg["cloudnative:services"] = append(cfg["cloudnative:services"].([]any), entries[0])
	mocks, err := mocktest.Run(t, stacks.Program(machineLocalFiles(t, cfg)), cfg)
	require.NoError(t, err, "the how-to's service deploys")
	d := mocks.Get(t, "kubernetes:apps/v1:Deployment", "orders")
	assert.Equal(t, "docker.io/cloudnative/go-service:1.0.0", d.Field("spec", "template", "spec", "containers", 0, "image"))
	assert.Equal(t, "orders", d.Field("spec", "template", "spec", "containers", 0, "env", 0, "value"), "it answers as orders")
	mocks.Get(t, "kubernetes:core/v1:Service", "orders")
}

// TestDocs_CompleteStackFileDeploys runs the program under mocks on the
// complete stack file of docs/configuration.md, as written there.
func TestDocs_CompleteStackFileDeploys(t *testing.T) {
	block := yamlBlockAfter(t, "configuration.md", "## A complete stack file")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.example.yaml"), []byte(block), 0o644))
	cfg, err := stackfile.Read(dir, "example")
	require.NoError(t, err)
	// The kubeconfig the example points at stands in a project of its own.
	mocktest.Dig(cfg["cloudnative:cluster"], "existing").(map[string]any)["kubeconfigPath"] = "kubeconfig"
	project := machineLocalFiles(t, cfg)
	require.NoError(t, os.WriteFile(filepath.Join(project, "kubeconfig"), []byte(stackfile.FakeKubeconfig), 0o600))
	mocks, err := mocktest.Run(t, stacks.Program(project), cfg)
	require.NoError(t, err, "the docs' stack file deploys")
	mocks.Get(t, "kubernetes:apps/v1:Deployment", "api-canary")
	mocks.Get(t, "kubernetes:cert-manager.io/v1:Certificate", "edge-certificate")
	policy := mocks.Get(t, "kubernetes:security.istio.io/v1:AuthorizationPolicy", "zero-trust-api-callers")
	assert.Contains(t, mocktest.Dig(policy.Field("spec"), "rules", 0, "from", 0, "source", "principals"), "cluster.local/ns/shop/sa/web")
}
