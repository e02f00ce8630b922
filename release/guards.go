package release

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Chain is the promotion order: a release moves from a stack of one stage to a
// stack of the next, and stacks of some stages accept only pinned images.
type Chain struct {
	Stages       [][]string `yaml:"stages"`
	PinnedImages []string   `yaml:"pinnedImages"`
}

// LoadChain reads promotion.yaml.
func LoadChain(path string) (Chain, error) {
	var c Chain
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("promotion chain: %w", err)
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("promotion chain %s: %w", path, err)
	}
	if len(c.Stages) < 2 {
		return c, fmt.Errorf("promotion chain %s: needs at least two stages", path)
	}
	return c, nil
}

func (c Chain) stage(stack string) int {
	for i, stacks := range c.Stages {
		for _, s := range stacks {
			if s == stack {
				return i
			}
		}
	}
	return -1
}

// CheckOrder refuses a promotion that does not go to the next stage.
func (c Chain) CheckOrder(from, to string, force bool) error {
	f, t := c.stage(from), c.stage(to)
	switch {
	case f < 0:
		return fmt.Errorf("refused: stack %s is not in the promotion chain", from)
	case t < 0:
		return fmt.Errorf("refused: stack %s is not in the promotion chain", to)
	case t == f+1:
		return nil
	case force && t > f:
		return nil
	case t > f+1:
		return fmt.Errorf("refused: %s → %s skips %s; promote through it, or force", from, to, strings.Join(c.Stages[f+1], "/"))
	default:
		return fmt.Errorf("refused: %s → %s goes backwards in the chain (%s); use rollback", from, to, c.describe())
	}
}

func (c Chain) describe() string {
	parts := make([]string, len(c.Stages))
	for i, s := range c.Stages {
		parts[i] = strings.Join(s, "/")
	}
	return strings.Join(parts, " → ")
}

// CheckPinned refuses unpinned images for stacks that require pinning.
func (c Chain) CheckPinned(to string, r Release) error {
	required := false
	for _, s := range c.PinnedImages {
		required = required || s == to
	}
	if !required {
		return nil
	}
	var unpinned []string
	for _, name := range r.Names() {
		for _, image := range r[name].Images() {
			if !Pinned(image) {
				unpinned = append(unpinned, fmt.Sprintf("%s (%s)", image, name))
			}
		}
	}
	if len(unpinned) > 0 {
		return fmt.Errorf("refused: %s accepts only pinned images (a tag other than latest, or a digest): %s", to, strings.Join(unpinned, ", "))
	}
	return nil
}

// Pinned reports whether an image names a fixed version: a digest, or a tag
// other than latest.
func Pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	if colon <= slash {
		return false
	}
	return image[colon+1:] != "latest"
}

// CheckCanaries refuses a release with a canary still in progress: one whose
// canary image differs from stable, or that still takes a share of traffic.
func CheckCanaries(r Release, allow bool) error {
	if allow {
		return nil
	}
	var open []string
	for _, name := range r.Names() {
		c := r[name].Canary
		if c != nil && (c.CanaryImage != c.StableImage || c.Weight != 0) {
			open = append(open, fmt.Sprintf("%s (stable %s, canary %s at %d%%)", name, c.StableImage, c.CanaryImage, c.Weight))
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("refused: canary not fully promoted: %s; promote it in the source first, or allow canaries", strings.Join(open, ", "))
	}
	return nil
}
