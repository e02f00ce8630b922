package release

import (
	"path"
	"slices"
	"strings"
)

// notDeployed are the paths of the repo no stack's deployment reads: the
// docs, the tests, the workflows and the local toolchain, the sample
// services' sources (their images are built, pushed and pinned into the
// stack files by the images workflow), the schema editors read and the
// promotion chain (read by promote, not by up).
var notDeployed = []string{"docs/", "tests/", ".github/", ".ci/", "hack/", "tools/", "apps/", "schema/"}

// StacksToDeploy says which of the deployable stacks a merge that changed
// the given paths must bring up, in the chain's order: a stack whose
// Pulumi.<stack>.yaml changed (a promotion, a pinned image, a setting), or
// every one of them when the program changed (its code, go.mod, Pulumi.yaml,
// the properties file every stack mounts). all deploys every one (a first
// push, or a history rewritten, where the change is unknown).
func StacksToDeploy(chain Chain, deployable, changed []string, all bool) []string {
	program := all
	files := map[string]bool{}
	for _, p := range changed {
		name := path.Base(p)
		switch {
		case strings.HasPrefix(name, "Pulumi.") && strings.HasSuffix(name, ".yaml") && name != "Pulumi.yaml" && path.Dir(p) == ".":
			files[strings.TrimSuffix(strings.TrimPrefix(name, "Pulumi."), ".yaml")] = true
		case strings.HasSuffix(p, ".md"), p == "promotion.yaml", slices.ContainsFunc(notDeployed, func(dir string) bool { return strings.HasPrefix(p, dir) }):
		default:
			program = true
		}
	}
	var stacks []string
	for _, stage := range chain.Stages {
		for _, stack := range stage {
			if slices.Contains(deployable, stack) && (program || files[stack]) {
				stacks = append(stacks, stack)
			}
		}
	}
	return stacks
}
