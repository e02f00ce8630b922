package stacks

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy"
)

func TestServiceOutput_StrategyImagesAndTrafficPlan(t *testing.T) {
	plan, err := strategy.For(model.Service{Name: "java-service", Strategy: model.Canary, Replicas: 1, Release: model.Release{Canary: &model.CanarySettings{
		StableImage: "repo/java:1", CanaryImage: "repo/java:2", Weight: 10, Match: model.HeaderMatch{Header: "channel", Exact: "mobile"}}}})
	require.NoError(t, err)

	result, err := internals.UnsafeAwaitOutput(context.Background(), serviceOutput(plan).ToMapOutput())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"strategy":    "canary",
		"images":      map[string]any{"stable": "repo/java:1", "canary": "repo/java:2"},
		"trafficPlan": "stable 90% / canary 10%, channel=mobile → canary",
	}, toPlain(result.Value))
}

// toPlain unwraps the SDK's typed maps for comparison.
func toPlain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = toPlain(e)
		}
		return out
	case map[string]string:
		out := map[string]any{}
		for k, e := range x {
			out[k] = e
		}
		return out
	default:
		return x
	}
}
