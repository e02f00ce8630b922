package release

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cloudnative-pac/platform/model"
)

// rolloutKey is the stack-file key of a rollout in progress.
const rolloutKey = model.Namespace + ":" + model.RolloutKey

// RolloutState is a progressive rollout in progress, as the stack file
// records it before each step is applied: a killed rollout resumes from it.
type RolloutState struct {
	Service  string    `yaml:"service"`
	Step     int       `yaml:"step"`
	Failures int       `yaml:"failures"`
	Started  time.Time `yaml:"started"`
}

// Rollout reads the rollout in progress, if any.
func (f *StackFile) Rollout() (*RolloutState, error) {
	node := lookup(f.config(), rolloutKey)
	if node == nil {
		return nil, nil
	}
	var state RolloutState
	if err := node.Decode(&state); err != nil {
		return nil, fmt.Errorf("%s: %w", rolloutKey, err)
	}
	return &state, nil
}

// SetRollout records the rollout in progress; nil removes the record.
func (f *StackFile) SetRollout(state *RolloutState) error {
	if state == nil {
		remove(f.config(), rolloutKey)
		return nil
	}
	return set(f.config(), rolloutKey, state)
}

// Raw is the file's config as the model decodes it: one JSON document per
// key of the cloudnative namespace. Secure values are not decrypted; a secret
// kubeconfig is only noted.
func (f *StackFile) Raw(stack string) (model.Raw, error) {
	raw := model.Raw{Stack: stack}
	config := f.config()
	known := map[string]bool{}
	for _, k := range model.ConfigKeys() {
		known[k] = true
	}
	for i := 0; i+1 < len(config.Content); i += 2 {
		full := config.Content[i].Value
		key, ok := strings.CutPrefix(full, model.Namespace+":")
		if !ok {
			continue
		}
		raw.Keys = append(raw.Keys, key)
		if key == model.KubeconfigKey {
			raw.HasKubeconfigSecret = true
			continue
		}
		if !known[key] {
			continue
		}
		var value any
		if err := config.Content[i+1].Decode(&value); err != nil {
			return raw, fmt.Errorf("%s: %w", full, err)
		}
		data, err := json.Marshal(value)
		if err != nil {
			return raw, fmt.Errorf("%s: %w", full, err)
		}
		raw.Set(key, data)
	}
	return raw, nil
}

// serviceNode finds a service's mapping in the services list.
func (f *StackFile) serviceNode(name string) (*yaml.Node, error) {
	services := lookup(f.config(), servicesKey)
	if services == nil || services.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("stack file has no %s list", servicesKey)
	}
	for _, node := range services.Content {
		if scalar(lookup(node, "name")) == name {
			return node, nil
		}
	}
	return nil, fmt.Errorf("stack file has no service %s", name)
}

// blockOf returns a service's block (canary, progressive), which must exist.
func (f *StackFile) blockOf(service, block string) (*yaml.Node, error) {
	node, err := f.serviceNode(service)
	if err != nil {
		return nil, err
	}
	b := lookup(node, block)
	if b == nil || b.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("service %s has no %s block", service, block)
	}
	return b, nil
}

// SetCanaryWeight writes a canary's weight.
func (f *StackFile) SetCanaryWeight(service string, weight int) error {
	canary, err := f.blockOf(service, "canary")
	if err != nil {
		return err
	}
	return setScalar(canary, "weight", strconv.Itoa(weight), "!!int")
}

// SetMirrorPercent writes a canary's mirrored share (0 turns mirroring off).
// A service without a progressive block mirrors nothing and is left as is.
func (f *StackFile) SetMirrorPercent(service string, percent float64) error {
	progressive, err := f.blockOf(service, "progressive")
	if err != nil {
		return nil
	}
	if lookup(progressive, "mirrorPercent") == nil && percent == 0 {
		return nil
	}
	return setScalar(progressive, "mirrorPercent", strconv.FormatFloat(percent, 'f', -1, 64), "")
}

// PromoteCanary makes the canary image the stable one, at weight 0.
func (f *StackFile) PromoteCanary(service string) error {
	canary, err := f.blockOf(service, "canary")
	if err != nil {
		return err
	}
	image := scalar(lookup(canary, "canaryImage"))
	if image == "" {
		return fmt.Errorf("service %s has no canary image", service)
	}
	if err := setScalar(canary, "stableImage", image, "!!str"); err != nil {
		return err
	}
	return setScalar(canary, "weight", "0", "!!int")
}

// setScalar replaces a scalar in place, keeping its comments.
func setScalar(mapping *yaml.Node, key, value, tag string) error {
	if node := lookup(mapping, key); node != nil {
		node.Kind, node.Tag, node.Value, node.Style = yaml.ScalarNode, tag, value, 0
		return nil
	}
	mapping.Content = append(mapping.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value})
	return nil
}

// SetActiveColour switches a blue/green pair.
func (f *StackFile) SetActiveColour(service, colour string) error {
	blueGreen, err := f.blockOf(service, "blueGreen")
	if err != nil {
		return err
	}
	return setScalar(blueGreen, "active", colour, "!!str")
}
