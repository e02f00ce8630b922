package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/schema"
)

// The committed stack-file schema, read by a real JSON Schema validator (the
// one the editors' YAML language server follows the same draft of).

func committedSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), schema.File))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	require.NoError(t, c.AddResource("stack.schema.json", bytes.NewReader(data)))
	s, err := c.Compile("stack.schema.json")
	require.NoError(t, err)
	return s
}

// stackFileAsJSON reads a stack file as the language server does: YAML to JSON.
func stackFileAsJSON(t *testing.T, data []byte) any {
	t.Helper()
	var document any
	require.NoError(t, yaml.Unmarshal(data, &document))
	asJSON, err := json.Marshal(document)
	require.NoError(t, err)
	var value any
	require.NoError(t, json.Unmarshal(asJSON, &value))
	return value
}

func TestSchema_CommittedIsGenerated(t *testing.T) {
	generated, err := schema.Generate()
	require.NoError(t, err)
	committed, err := os.ReadFile(filepath.Join(repoRoot(t), schema.File))
	require.NoError(t, err)
	assert.Equal(t, string(generated), string(committed), "%s is out of date: run go run ./cmd/stackschema", schema.File)
}

func TestSchema_EveryCommittedStackValidatesAndNamesIt(t *testing.T) {
	s := committedSchema(t)
	for _, stack := range committedStacks(t) {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), "Pulumi."+stack+".yaml"))
		require.NoError(t, err)
		first, _, _ := strings.Cut(string(data), "\n")
		assert.Equal(t, schema.Modeline, first, "Pulumi.%s.yaml's first line points editors at the schema", stack)
		assert.NoError(t, s.Validate(stackFileAsJSON(t, data)), "Pulumi.%s.yaml", stack)
	}
}

// What an editor shows as the user types: a misspelt key, a value of the
// wrong kind, an unknown strategy, each refused at its place.
func TestSchema_FlagsMistakesAtTheirKey(t *testing.T) {
	s := committedSchema(t)
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Pulumi.dev.yaml"))
	require.NoError(t, err)
	for _, c := range []struct{ from, to, at string }{
		{"    namespace: cloudnative\n", "    namespce: cloudnative\n", "/config/cloudnative:app"},
		{"strategy: canary", "strategy: shadow", "/config/cloudnative:services/0/strategy"},
		{"weight: 20", "weight: twenty", "/config/cloudnative:services/0/canary/weight"},
		{"cloudnative:app:", "cloudnative:application:", "/config"},
	} {
		broken := strings.Replace(string(data), c.from, c.to, 1)
		require.NotEqual(t, string(data), broken, "Pulumi.dev.yaml has %q", c.from)
		err := s.Validate(stackFileAsJSON(t, []byte(broken)))
		var invalid *jsonschema.ValidationError
		if assert.ErrorAs(t, err, &invalid, "%q → %q", c.from, c.to) {
			assert.Contains(t, invalid.GoString(), c.at, "%q → %q is flagged at its key", c.from, c.to)
		}
	}
}
