// Package schema makes the JSON Schema of the stack files, committed beside
// it as pulumi-stack.schema.json: the model's types and rules
// (model.StackFileSchema) with each key's meaning from the docs' config
// reference. Every stack file names it in its first line, for editors with
// the YAML language server.
package schema

import (
	"encoding/json"

	"github.com/cloudnative-pac/platform/docs"
	"github.com/cloudnative-pac/platform/model"
)

// File is the committed schema, from the repo's root.
const File = "schema/pulumi-stack.schema.json"

// Modeline is the first line of every stack file: it points the YAML
// language server at the schema, relative to the stack file.
const Modeline = "# yaml-language-server: $schema=./" + File

// Generate is the schema's committed form: indented JSON, keys sorted.
func Generate() ([]byte, error) {
	entries, err := docs.ConfigReference()
	if err != nil {
		return nil, err
	}
	meanings := map[string]string{}
	for _, e := range entries {
		meanings[e.Key] = e.Meaning
	}
	s, err := model.StackFileSchema(meanings)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	return append(data, '\n'), err
}
