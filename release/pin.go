package release

import (
	"fmt"
	"strings"
)

// PinnedByDigest reports whether an image reference names its content
// (repository@sha256:…), which no later push can change.
func PinnedByDigest(image string) bool {
	repo, digest, found := strings.Cut(image, "@sha256:")
	return found && repo != "" && len(digest) == 64 && strings.Trim(digest, "0123456789abcdef") == ""
}

// WithNewImage is the release after a new image of the service is built: a
// canary gets it as its canary (its weight and rule unchanged), a blue/green
// pair as its idle colour (the switch stays a decision of its own), a single
// track as its image.
func (s Service) WithNewImage(image string) (Service, error) {
	if !PinnedByDigest(image) {
		return s, fmt.Errorf("refused: %q is not pinned by digest (repository@sha256:…)", image)
	}
	switch {
	case s.Canary != nil:
		c := *s.Canary
		c.CanaryImage = image
		s.Canary = &c
	case s.BlueGreen != nil:
		b := *s.BlueGreen
		*b.Image(b.Idle()) = image
		s.BlueGreen = &b
	default:
		s.Image = image
	}
	return s, nil
}
