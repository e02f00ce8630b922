package release

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

var digestRef = "ghcr.io/acme/web@sha256:" + strings.Repeat("ab", 32)

func TestWithNewImage_GoesWhereTheStrategyTakesANewVersion(t *testing.T) {
	ramped, err := Service{Strategy: "ramped", Release: model.Release{Image: "r/web:1"}}.WithNewImage(digestRef)
	require.NoError(t, err)
	assert.Equal(t, digestRef, ramped.Image)

	canary := Service{Strategy: "canary", Release: model.Release{Canary: &model.CanarySettings{StableImage: "r/web:1", CanaryImage: "r/web:1", Weight: 10, Match: model.HeaderMatch{Header: "channel", Exact: "mobile"}}}}
	next, err := canary.WithNewImage(digestRef)
	require.NoError(t, err)
	assert.Equal(t, &model.CanarySettings{StableImage: "r/web:1", CanaryImage: digestRef, Weight: 10, Match: model.HeaderMatch{Header: "channel", Exact: "mobile"}}, next.Canary)
	assert.Equal(t, "r/web:1", canary.Canary.CanaryImage, "the original is not changed")

	for active, idle := range map[model.Colour]func(*model.BlueGreenSettings) string{
		"blue":  func(b *model.BlueGreenSettings) string { return b.GreenImage },
		"green": func(b *model.BlueGreenSettings) string { return b.BlueImage },
	} {
		bg, err := Service{Strategy: "blueGreen", Release: model.Release{BlueGreen: &model.BlueGreenSettings{BlueImage: "r/web:1", GreenImage: "r/web:2", Active: active}}}.WithNewImage(digestRef)
		require.NoError(t, err)
		assert.Equal(t, digestRef, idle(bg.BlueGreen), "active %s: the idle colour gets it", active)
		assert.Equal(t, active, bg.BlueGreen.Active, "no switch")
	}
}

func TestWithNewImage_RefusesATag(t *testing.T) {
	for _, ref := range []string{"ghcr.io/acme/web:1.2.0", "ghcr.io/acme/web@sha256:abc", "@sha256:" + strings.Repeat("ab", 32)} {
		_, err := Service{Strategy: "ramped"}.WithNewImage(ref)
		assert.ErrorContains(t, err, "not pinned by digest", ref)
	}
}
