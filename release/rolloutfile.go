package release

import (
	"encoding/json"
	"fmt"
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
	// Service is the release rolled out, or Group the release group.
	Service  string `yaml:"service,omitempty"`
	Group    string `yaml:"group,omitempty"`
	Step     int    `yaml:"step"`
	Failures int    `yaml:"failures"`
	// MemberFailures are a group's failed intervals, by member.
	MemberFailures map[string]int `yaml:"memberFailures,omitempty"`
	Started        time.Time      `yaml:"started"`
	// AwaitingApproval: the rollout stopped at a gate (before Step's weight,
	// or the promotion) until `platform rollout -approve`.
	AwaitingApproval bool `yaml:"awaitingApproval,omitempty"`
	// Approved are the gates (weights) a person has approved.
	Approved []int `yaml:"approved,omitempty"`
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

// editRelease changes one service's release through the release definition
// (model.Release), as promotion does.
func (f *StackFile) editRelease(service string, edit func(*Service) error) error {
	r, err := f.Release()
	if err != nil {
		return err
	}
	svc, ok := r[service]
	if !ok {
		return fmt.Errorf("stack file has no service %s", service)
	}
	svc.Release = svc.Release.Copy()
	if err := edit(&svc); err != nil {
		return err
	}
	return f.SetRelease(Release{service: svc}, nil)
}

// SetCanaryWeight writes a canary's weight.
func (f *StackFile) SetCanaryWeight(service string, weight int) error {
	return f.editRelease(service, func(s *Service) error {
		if s.Canary == nil {
			return fmt.Errorf("service %s has no canary block", service)
		}
		s.Canary.Weight = weight
		return nil
	})
}

// PromoteCanary makes the canary image the stable one, at weight 0.
func (f *StackFile) PromoteCanary(service string) error {
	return f.editRelease(service, func(s *Service) error {
		if s.Canary == nil || s.Canary.CanaryImage == "" {
			return fmt.Errorf("service %s has no canary image", service)
		}
		s.Canary.StableImage, s.Canary.Weight = s.Canary.CanaryImage, 0
		return nil
	})
}

// SetActiveColour switches a blue/green pair.
func (f *StackFile) SetActiveColour(service string, colour model.Colour) error {
	return f.editRelease(service, func(s *Service) error {
		if s.BlueGreen == nil {
			return fmt.Errorf("service %s has no blueGreen block", service)
		}
		s.BlueGreen.Active = colour
		return nil
	})
}

// SetMirrorPercent writes a canary's mirrored share (0 turns mirroring off).
// A service without a progressive block mirrors nothing and is left as is.
// (Mirroring is an environment's setting, not part of the release.)
func (f *StackFile) SetMirrorPercent(service string, percent float64) error {
	node, err := f.serviceNode(service)
	if err != nil {
		return err
	}
	progressive := lookup(node, "progressive")
	if progressive == nil || progressive.Kind != yaml.MappingNode {
		return nil
	}
	if lookup(progressive, "mirrorPercent") == nil && percent == 0 {
		return nil
	}
	return set(progressive, "mirrorPercent", percent)
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
