package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

// The cert-manager chart make charts copies for the local stacks is the
// version the model pins for everyone else.
func TestCharts_CertManagerVersionIsTheModels(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "hack", "lib.sh"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^CERT_MANAGER_VERSION="([^"]+)"$`).FindSubmatch(data)
	require.NotNil(t, m, "hack/lib.sh sets CERT_MANAGER_VERSION")
	assert.Equal(t, model.DefaultCertManagerVersion, string(m[1]))
}
