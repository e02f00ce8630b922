package stacks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An inline program's config comes from the stack file, a language host's from
// the environment: both are read, and only the program's namespace is kept.
func TestConfiguredKeys_FromStackFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	stackFile := "config:\n  cloudnative:servces: []\n  cloudnative:app: {}\n  kubernetes:context: kind\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(stackFile), 0o644))
	t.Setenv(pulumi.EnvConfig, `{"cloudnative:app":"{}","cloudnative:observabilty":"{}","aws:region":"eu-west-1"}`)

	assert.Equal(t, []string{"app", "observabilty", "servces"}, configuredKeys("dev", dir))
	assert.Equal(t, []string{"app", "observabilty"}, configuredKeys("other", dir), "another stack's file is not read")
}
