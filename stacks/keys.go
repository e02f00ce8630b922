package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/model"
)

// configuredKeys lists every key set under the program's namespace, without
// the prefix, so that the model can refuse the ones it does not read. The SDK
// answers only for keys asked by name, so the keys are read where the engine
// takes them from: the environment a language host (and Pulumi's mocks) passes
// the program, and the stack file an inline program's workspace reads.
func configuredKeys(stack, projectDir string) []string {
	var keys []string
	add := func(full string) {
		name, inNamespace := strings.CutPrefix(full, model.Namespace+":")
		if inNamespace && !slices.Contains(keys, name) {
			keys = append(keys, name)
		}
	}
	var fromEnv map[string]string
	if err := json.Unmarshal([]byte(os.Getenv(pulumi.EnvConfig)), &fromEnv); err == nil {
		for full := range fromEnv {
			add(full)
		}
	}
	var stackFile struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if data, err := os.ReadFile(filepath.Join(projectDir, "Pulumi."+stack+".yaml")); err == nil {
		if yaml.Unmarshal(data, &stackFile) == nil {
			for full := range stackFile.Config {
				add(full)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
