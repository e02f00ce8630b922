//go:build tools

// Package tools records kwok as a dependency so go.sum pins it.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
