package delivery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/engine"
	"github.com/cloudnative-pac/platform/release"
)

// CI's step after pushing an image: dev's file gets the digest where the
// strategy takes a new version, keeps its comments, and can be rolled back.
func TestPinImage_WritesTheDigestIntoTheStackFile(t *testing.T) {
	dir := t.TempDir()
	committed, err := os.ReadFile(filepath.Join("..", "Pulumi.dev.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), committed, 0o644))
	ws := Workspace{Engine: engine.Options{ProjectDir: dir}}

	ref := "ghcr.io/acme/java-service@sha256:" + strings.Repeat("0f", 32)
	changes, err := ws.PinImage("dev", "java-service", ref)
	require.NoError(t, err)
	assert.Len(t, changes, 1)

	data, err := os.ReadFile(filepath.Join(dir, "Pulumi.dev.yaml"))
	require.NoError(t, err)
	file, err := release.ParseStackFile(data)
	require.NoError(t, err)
	rel, err := file.Release()
	require.NoError(t, err)
	assert.Equal(t, ref, rel["java-service"].Canary.CanaryImage, "the canary gets the new image")
	before, ok, err := file.Previous()
	require.NoError(t, err)
	require.True(t, ok, "the release before is recorded for a rollback")
	assert.NotEqual(t, ref, before["java-service"].Canary.CanaryImage)
	assert.Contains(t, string(data), firstComment(t, committed), "comments are kept")

	_, err = ws.PinImage("dev", "java-service", "ghcr.io/acme/java-service:latest")
	assert.ErrorContains(t, err, "not pinned by digest")
	_, err = ws.PinImage("dev", "no-such-service", ref)
	assert.ErrorContains(t, err, "dev has no service no-such-service")
}

func firstComment(t *testing.T, data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatal("the committed file has no comment")
	return ""
}
