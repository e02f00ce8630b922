package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
)

func sample() Release {
	return Release{
		"java-service": {Strategy: "canary", Release: model.Release{Canary: &model.CanarySettings{StableImage: "r/java:1", CanaryImage: "r/java:2", Weight: 10,
			Match: model.HeaderMatch{Header: "channel", Exact: "mobile"}}}},
		"go-service":    {Strategy: "ramped", Release: model.Release{Image: "r/go:1"}},
		"html-frontend": {Strategy: "blueGreen", Release: model.Release{BlueGreen: &model.BlueGreenSettings{BlueImage: "r/web:1", GreenImage: "r/web:2", Active: "blue"}}},
	}
}

func TestChanges_PlainWords(t *testing.T) {
	before := sample()
	after := mustParse(t, before.JSON())
	c := *after["java-service"].Canary
	c.Weight = 25
	c.Match.Exact = "tablet"
	after["java-service"] = Service{Strategy: "canary", Release: model.Release{Canary: &c}}
	after["go-service"] = Service{Strategy: "ramped", Release: model.Release{Image: "r/go:2"}}
	bg := *after["html-frontend"].BlueGreen
	bg.Active = "green"
	after["html-frontend"] = Service{Strategy: "blueGreen", Release: model.Release{BlueGreen: &bg}}

	assert.Equal(t, []string{
		"go-service image r/go:1 → r/go:2",
		"html-frontend active blue → green",
		"java-service canary 10% → 25%",
		"java-service match channel=mobile → channel=tablet",
	}, Changes(before, after))
	assert.Empty(t, Changes(before, sample()))
}

func mustParse(t *testing.T, data string) Release {
	t.Helper()
	r, err := Parse(data)
	require.NoError(t, err)
	return r
}

func TestChain_Order(t *testing.T) {
	chain := Chain{Stages: [][]string{{"dev", "local"}, {"staging"}, {"prod"}}}
	cases := []struct {
		from, to string
		force    bool
		want     string
	}{
		{"dev", "staging", false, ""},
		{"local", "staging", false, ""},
		{"staging", "prod", false, ""},
		{"dev", "prod", false, "refused: dev → prod skips staging"},
		{"dev", "prod", true, ""},
		{"prod", "staging", true, "goes backwards"},
		{"qa", "staging", false, "refused: stack qa is not in the promotion chain"},
	}
	for _, tc := range cases {
		err := chain.CheckOrder(tc.from, tc.to, tc.force)
		if tc.want == "" {
			assert.NoError(t, err, "%s → %s", tc.from, tc.to)
		} else {
			assert.ErrorContains(t, err, tc.want, "%s → %s", tc.from, tc.to)
		}
	}
}

func TestPinned(t *testing.T) {
	for image, want := range map[string]bool{
		"r/go:1.2.3": true, "r/go@sha256:" + strings.Repeat("a", 64): true, "localhost:5000/go:1": true,
		"r/go:latest": false, "r/go": false, "localhost:5000/go": false,
	} {
		assert.Equal(t, want, Pinned(image), image)
	}
	chain := Chain{Stages: [][]string{{"dev"}, {"staging"}}, PinnedImages: []string{"staging"}}
	r := Release{"go-service": {Strategy: "ramped", Release: model.Release{Image: "r/go:latest"}}}
	assert.ErrorContains(t, chain.CheckPinned("staging", r), "refused: staging accepts only pinned images")
	assert.NoError(t, chain.CheckPinned("dev", r))
}

func TestCheckCanaries(t *testing.T) {
	r := sample()
	assert.ErrorContains(t, CheckCanaries(r, false), "refused: canary not fully promoted: java-service")
	assert.NoError(t, CheckCanaries(r, true))
	r["java-service"] = Service{Strategy: "canary", Release: model.Release{Canary: &model.CanarySettings{StableImage: "r/java:2", CanaryImage: "r/java:2",
		Match: model.HeaderMatch{Header: "channel", Exact: "mobile"}}}}
	assert.NoError(t, CheckCanaries(r, false))
}

func TestStackFile_SetReleaseKeepsEnvironmentSettings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "Pulumi.minikube.yaml"))
	require.NoError(t, err)
	f, err := ParseStackFile(data)
	require.NoError(t, err)
	before, err := f.Release()
	require.NoError(t, err)
	require.Contains(t, before, "java-service")

	next := mustParse(t, before.JSON())
	next["go-service"] = Service{Strategy: "ramped", Release: model.Release{Image: "docker.io/cloudnative/go-service:9.9.9"}}
	require.NoError(t, f.SetRelease(next, before))
	out, err := f.Bytes()
	require.NoError(t, err)

	g, err := ParseStackFile(out)
	require.NoError(t, err)
	got, err := g.Release()
	require.NoError(t, err)
	assert.Equal(t, next, got)
	previous, ok, err := g.Previous()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, before, previous)

	text := string(out)
	assert.Contains(t, text, "# A laptop environment", "comments are kept")
	assert.Contains(t, text, "replicas: 3", "environment settings are kept")
	assert.Contains(t, text, "kind: minikube")
	assert.Contains(t, text, "maxSurge: 1", "strategy tuning is not part of a release")
}

func TestStackFile_UnknownServiceIsRefused(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "Pulumi.minikube.yaml"))
	require.NoError(t, err)
	f, err := ParseStackFile(data)
	require.NoError(t, err)
	err = f.SetRelease(Release{"billing": {Strategy: "ramped", Release: model.Release{Image: "r/b:1"}}}, nil)
	assert.ErrorContains(t, err, "the target stack has no service billing")
}

func TestStackFile_StrategyStaysWithTheEnvironment(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "Pulumi.minikube.yaml"))
	require.NoError(t, err)
	f, err := ParseStackFile(data)
	require.NoError(t, err)
	// go-service ramps on minikube; a recreate release of it still fits.
	require.NoError(t, f.SetRelease(Release{"go-service": {Strategy: "recreate", Release: model.Release{Image: "r/go:2"}}}, nil))
	got, err := f.Release()
	require.NoError(t, err)
	assert.Equal(t, Service{Strategy: "ramped", Release: model.Release{Image: "r/go:2"}}, got["go-service"])

	err = f.SetRelease(Release{"go-service": {Strategy: "canary", Release: model.Release{Canary: &model.CanarySettings{StableImage: "r/go:1", CanaryImage: "r/go:2"}}}}, nil)
	assert.ErrorContains(t, err, "service go-service: runs ramped here and canary in the source")
}
