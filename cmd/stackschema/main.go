// Command stackschema writes the JSON Schema of the stack files
// (schema/pulumi-stack.schema.json) from the model and the docs' config
// reference; a test holds the committed copy to what it writes.
//
//	go run ./cmd/stackschema
package main

import (
	"fmt"
	"os"

	"github.com/cloudnative-pac/platform/schema"
)

func main() {
	data, err := schema.Generate()
	if err == nil {
		err = os.WriteFile(schema.File, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stackschema:", err)
		os.Exit(1)
	}
}
