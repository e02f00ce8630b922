//go:build tools

// Package tools records the Pulumi CLI as a dependency so go.sum pins it.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
