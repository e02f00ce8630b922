//go:build tools

// Package tools records Prometheus as a dependency so go.sum pins it.
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
