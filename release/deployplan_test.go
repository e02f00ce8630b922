package release

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStacksToDeploy_WhatAMergeBringsUp(t *testing.T) {
	chain := Chain{Stages: [][]string{{"local", "minikube", "dev"}, {"staging"}, {"prod"}}}
	deployable := []string{"prod", "dev", "staging"}
	for _, c := range []struct {
		name    string
		changed []string
		all     bool
		want    []string
	}{
		{"a promotion to staging", []string{"Pulumi.staging.yaml"}, false, []string{"staging"}},
		{"a promotion to prod, with its docs", []string{"Pulumi.prod.yaml", "docs/delivery.md"}, false, []string{"prod"}},
		{"a pinned image in dev", []string{"Pulumi.dev.yaml"}, false, []string{"dev"}},
		{"two stacks' files, in chain order", []string{"Pulumi.prod.yaml", "Pulumi.dev.yaml"}, false, []string{"dev", "prod"}},
		{"the program", []string{"components/workload/pod.go"}, false, []string{"dev", "staging", "prod"}},
		{"the properties every stack mounts", []string{"config/application.properties"}, false, []string{"dev", "staging", "prod"}},
		{"the modules", []string{"go.sum"}, false, []string{"dev", "staging", "prod"}},
		{"docs, tests, workflows, toolchain, samples", []string{"README.md", "docs/x.md", "tests/e2e/a_test.go", ".github/workflows/deploy.yml",
			"hack/lib.sh", "tools/go.mod", "apps/go-service/main.go", "schema/pulumi-stack.schema.json", "promotion.yaml"}, false, nil},
		{"a stack no workflow deploys", []string{"Pulumi.local.yaml", "Pulumi.minikube.yaml"}, false, nil},
		{"an unknown change", nil, true, []string{"dev", "staging", "prod"}},
	} {
		assert.Equal(t, c.want, StacksToDeploy(chain, deployable, c.changed, c.all), c.name)
	}
}
