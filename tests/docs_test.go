package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/stacks"
)

// TestDocs_CompleteStackFileDeploys runs the program under mocks on the
// complete stack file of docs/configuration.md, as written there.
func TestDocs_CompleteStackFileDeploys(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "configuration.md"))
	require.NoError(t, err)
	text := string(data)
	start := strings.Index(text, "## A complete stack file")
	require.GreaterOrEqual(t, start, 0)
	block := text[start:]
	open := strings.Index(block, "```yaml\n")
	require.GreaterOrEqual(t, open, 0, "the section holds a yaml block")
	block = block[open+len("```yaml\n"):]
	block = block[:strings.Index(block, "```")]

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
