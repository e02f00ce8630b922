//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultNamespaceSurvivesDestroy deploys a stack into the cluster's
// default namespace, as the walkthrough does, then destroys it: the namespace
// is still there, with the same uid, and the labels the stack patched in are
// gone again.
func TestDefaultNamespaceSurvivesDestroy(t *testing.T) {
	e := newProject(t).env("default-ns", func(c map[string]any) {
		onSimulatedNode(c)
		c["cloudnative:app"].(map[string]any)["namespace"] = "default"
		delete(c, "cloudnative:observability")
		c["cloudnative:services"] = []any{map[string]any{"name": "web", "strategy": "ramped", "port": 80, "targetPort": 8080,
			"replicas": 1, "image": "docker.io/cloudnative/go-service:1.0.0"}}
	})
	ctx := context.Background()
	t.Cleanup(func() { _, _ = e.stack.Destroy(ctx) })
	before := e.get("namespace", "default")
	e.up()
	assert.Equal(t, "enabled", dig(e.get("namespace", "default"), "metadata", "labels", "istio-injection"), "the stack's label is patched in")

	_, err := e.stack.Destroy(ctx)
	require.NoError(t, err)
	after := e.get("namespace", "default")
	assert.Equal(t, dig(before, "metadata", "uid"), dig(after, "metadata", "uid"), "default is the same namespace: never deleted")
	assert.Nil(t, dig(after, "metadata", "labels", "istio-injection"), "the stack's label is taken back")
	deployments := e.items("deployments", "-n", "default")
	assert.Empty(t, deployments, "the stack's objects are gone")
}
