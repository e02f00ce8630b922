package meshcase

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/internal/stackfile"
	"github.com/cloudnative-pac/platform/model"
)

func TestGenerate_SameSeedSameConfig(t *testing.T) {
	assert.Equal(t, Generate(7, 3), Generate(7, 3))
	assert.False(t, reflect.DeepEqual(Generate(7, 3), Generate(7, 4)), "each index draws its own config")
	assert.False(t, reflect.DeepEqual(Generate(7, 3), Generate(8, 3)), "each seed draws its own configs")
}

// The local stack's case holds what the program declares and the plan it prints.
func TestExport_LocalStack(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	cfg, err := stackfile.Read(root, "local")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, stackfile.MachineLocalFiles(root, dir, cfg))
	c, err := Export("stack/local", dir, cfg)
	require.NoError(t, err)

	kinds := map[string]int{}
	for _, o := range c.Objects {
		kinds[o["kind"].(string)]++
		assert.NotEmpty(t, o["apiVersion"])
	}
	assert.Equal(t, 5, kinds["VirtualService"], "one per service in the mesh, one for the gateway")
	assert.Equal(t, 4, kinds["DestinationRule"])
	assert.Equal(t, 6, kinds["Deployment"])
	assert.Zero(t, kinds["Release"], "Helm releases are Istio's own objects, not the application's")

	require.Len(t, c.Services, 4)
	java := c.Services[0]
	assert.Equal(t, "stable 90% / canary 10%, channel=mobile → canary", java.TrafficPlan)
	assert.Equal(t, &Match{Header: "channel", Exact: "mobile", Sample: "mobile", NonMatching: nonMatching}, java.Routes[0].Match)
	assert.Equal(t, []Destination{{"stable", 90}, {"canary", 10}}, java.Routes[1].Destinations)
	frontend := c.Services[2]
	assert.Equal(t, &Preview{Host: "html-frontend-preview.cloudnative.svc.cluster.local", Deployment: "html-frontend-green"}, frontend.Preview)
	assert.Equal(t, []Track{{Subset: "blue", Deployment: "html-frontend-blue", Selected: true}, {Subset: "green", Deployment: "html-frontend-green"}}, frontend.Tracks)
}

func TestMatch_SamplesOnlyWhatTheRuleTakes(t *testing.T) {
	m := match(&model.HeaderMatch{Header: "x", Regex: "v[0-9]+"})
	assert.Equal(t, "v2", m.Sample)
	assert.Equal(t, nonMatching, m.NonMatching)
	m = match(&model.HeaderMatch{Header: "x", Regex: ".*"})
	assert.Empty(t, m.NonMatching, "a regex that takes every value has no non-matching sample")
}
