//go:build e2e

package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// providerKubeconfig is the name the Kubernetes provider gives the copy of the
// cluster's kubeconfig, credentials included, it writes to $TMPDIR each time
// it is configured (os.CreateTemp("", "kubeconfig")).
var providerKubeconfig = regexp.MustCompile(`^kubeconfig[0-9]+$`)

// credentialsLeftSince lists the provider's kubeconfig copies written under
// the temporary directory since start: what the engine's private $TMPDIR,
// removed when a Stack is closed, must leave none of.
func credentialsLeftSince(start time.Time) []string {
	var left []string
	_ = filepath.WalkDir(os.TempDir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a directory removed while walking, or not ours to read
		}
		if d.IsDir() || !providerKubeconfig.MatchString(d.Name()) {
			return nil
		}
		if info, err := d.Info(); err == nil && !info.ModTime().Before(start) {
			left = append(left, path)
		}
		return nil
	})
	return left
}

// checkNoCredentialsLeft fails t if a run of the engine left a copy of the
// cluster's credentials behind.
func checkNoCredentialsLeft(t *testing.T, start time.Time) {
	t.Helper()
	left := credentialsLeftSince(start)
	assert.Empty(t, left, "kubeconfig copies left in %s by the runs of %s:\n%s", os.TempDir(), t.Name(), strings.Join(left, "\n"))
}
