package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/model"
)

// ValidateFile runs the model's whole check on Pulumi.<stack>.yaml as it is
// written, without the engine: no state, no cluster, no credentials, no
// secrets (a secret key is only known to be set). It hands the model what
// LoadModel would, from the file alone.
func ValidateFile(projectDir, stack string) (*model.Platform, error) {
	file := filepath.Join(projectDir, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var stackFile struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &stackFile); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(file), err)
	}
	raw := model.Raw{Stack: stack}
	var secret []string
	for full, value := range stackFile.Config {
		name, ours := strings.CutPrefix(full, model.Namespace+":")
		if !ours {
			continue
		}
		raw.Keys = append(raw.Keys, name)
		if isSecure(value) {
			if name == model.KubeconfigKey {
				raw.HasKubeconfigSecret = true
			} else {
				secret = append(secret, full)
			}
			continue
		}
		if slices.Contains(model.ConfigKeys(), name) {
			document, err := asConfigValue(value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", full, err)
			}
			raw.Set(name, document)
		}
	}
	slices.Sort(raw.Keys)
	platform, err := model.Decode(raw, projectDir)
	if len(secret) > 0 && err == nil {
		slices.Sort(secret)
		return platform, fmt.Errorf("%s: secret, so not checked offline (the program checks it when it runs)", strings.Join(secret, ", "))
	}
	return platform, err
}

// isSecure reports a value Pulumi keeps encrypted in the stack file.
func isSecure(value any) bool {
	m, ok := value.(map[string]any)
	_, secure := m["secure"]
	return ok && len(m) == 1 && secure
}

// asConfigValue is a key's value as the engine gives it to the program: an
// object or list as JSON, a scalar as its text (which configValue reads).
func asConfigValue(value any) (json.RawMessage, error) {
	switch value.(type) {
	case map[string]any, []any:
		return json.Marshal(value)
	case nil:
		return nil, nil
	}
	return configValue(fmt.Sprint(value)), nil
}
