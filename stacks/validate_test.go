package stacks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/model"
)

func writeStack(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "config"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config", "application.properties"), []byte("instance.name=One\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.x.yaml"), []byte(body), 0o644))
	return dir
}

// The committed stacks, each beside the files make would put on the machine
// (minikube's Gateway API CRDs come from make charts), so that the test needs
// no earlier make target.
func TestValidateFile_CommittedCloudStacksPass(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod", "minikube"} {
		cfg, err := stackfile.Read("..", stack)
		require.NoError(t, err, stack)
		dir := t.TempDir()
		require.NoError(t, stackfile.MachineLocalFiles("..", dir, cfg))
		file, err := os.ReadFile(filepath.Join("..", "Pulumi."+stack+".yaml"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), file, 0o644))
		p, err := ValidateFile(dir, stack)
		require.NoError(t, err, stack)
		assert.NotEmpty(t, p.Services, stack)
	}
}

// Every problem, each at its key, from the file alone; a secret key is
// known to be set and not read.
func TestValidateFile_ReportsEveryProblemAtItsKey(t *testing.T) {
	dir := writeStack(t, `config:
  aws:region: eu-west-1
  cloudnative:cluster:
    kind: existing
  cloudnative:kubeconfig:
    secure: AAABAEr0
  cloudnative:production: "true"
  cloudnative:servics: []
  cloudnative:services:
    - name: web
      strategy: shadow
      port: 15001
`)
	_, err := ValidateFile(dir, "x")
	var invalid *model.ConfigError
	require.ErrorAs(t, err, &invalid)
	for _, want := range []string{
		"cloudnative:servics: is not a known key",
		`cloudnative:services[0](web).strategy: unknown strategy "shadow"`,
		"cloudnative:services[0](web).port: 15001 is Istio's",
		"cloudnative:app.tls: is required in production",
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "kubeconfig", "the kubeconfig secret counts as set")
}

func TestValidateFile_ASecretDocumentIsSaidNotChecked(t *testing.T) {
	dir := writeStack(t, `config:
  cloudnative:cluster:
    kind: minikube
    minikube:
      buildImages: false
  cloudnative:app:
    secure: AAABAEr0
  cloudnative:services:
    - {name: web, strategy: recreate, image: repo/web:1}
`)
	_, err := ValidateFile(dir, "x")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloudnative:app: secret, so not checked offline")
}
