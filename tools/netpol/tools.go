//go:build tools

// Package tools records kube-network-policies as a dependency so go.sum pins it.
package tools

import _ "sigs.k8s.io/kube-network-policies/cmd"
