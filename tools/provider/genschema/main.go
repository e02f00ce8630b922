// Command genschema writes the provider schema with its version stamped in, and a
// compacted Terraform mapping, beside the wrapper's main.go so that they can be
// embedded. The released provider does this at release time; building from the
// module proxy we must do it ourselves.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	src := flag.String("src", "", "directory of the provider's cmd/pulumi-resource-kubernetes")
	version := flag.String("version", "", "provider version to stamp into the schema")
	out := flag.String("out", ".", "directory to write schema.gen.json and terraform-mapping.gen.json")
	flag.Parse()
	if *src == "" || *version == "" {
		fmt.Fprintln(os.Stderr, "genschema: -src and -version are required")
		os.Exit(2)
	}
	if err := run(*src, *version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}

func run(src, version, out string) error {
	var schema map[string]any
	if err := readJSON(filepath.Join(src, "schema.json"), &schema); err != nil {
		return err
	}
	schema["version"] = version
	if err := writeJSON(filepath.Join(out, "schema.gen.json"), schema); err != nil {
		return err
	}
	var mapping any
	if err := readJSON(filepath.Join(src, "terraform-mapping.json"), &mapping); err != nil {
		return err
	}
	return writeJSON(filepath.Join(out, "terraform-mapping.gen.json"), mapping)
}

func readJSON(path string, into any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, value any) error {
	data, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
