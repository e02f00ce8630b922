package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// groupFixture makes go-service a second canary beside java-service, and
// puts the services listed (by index) in release group "checkout" with
// progressive blocks extra[i].
func groupFixture(t *testing.T, members map[int]map[string]any) (*Platform, error) {
	t.Helper()
	f := validFixture()
	f.services[1] = map[string]any{"name": "go-service", "strategy": "canary", "port": 80, "targetPort": 8080,
		"canary": map[string]any{"stableImage": "repo/go:1", "canaryImage": "repo/go:2", "weight": 0,
			"match": map[string]any{"header": "channel", "exact": "mobile"}}}
	for i, progressive := range members {
		progressive["group"] = "checkout"
		f.services[i]["progressive"] = progressive
	}
	return Decode(f.raw(t), projectDir(t))
}

func TestReleaseGroup_MembersInStackOrderWithTheirSteps(t *testing.T) {
	p, err := groupFixture(t, map[int]map[string]any{
		0: {"steps": []int{20, 50}, "approveBefore": []int{100}},
		1: {"steps": []int{20, 50}, "approveBefore": []int{100}},
		2: {},
	})
	require.NoError(t, err)
	groups := p.ReleaseGroups()
	require.Len(t, groups, 1)
	g := groups[0]
	assert.Equal(t, "checkout", g.Name)
	var names []string
	for _, m := range g.Members {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{"java-service", "go-service", "html-frontend"}, names)
	assert.Equal(t, []int{20, 50}, g.Steps)
	assert.Equal(t, []int{100}, g.ApproveBefore)
	_, found := p.ReleaseGroup("checkout")
	assert.True(t, found)
	_, found = p.ReleaseGroup("cart")
	assert.False(t, found)
}

func TestReleaseGroup_BlueGreenPairsAloneSwitchInOneStep(t *testing.T) {
	f := validFixture()
	f.services[3] = map[string]any{"name": "admin", "strategy": "blueGreen",
		"blueGreen":   map[string]any{"blueImage": "repo/admin:1", "greenImage": "repo/admin:2", "active": "green"},
		"progressive": map[string]any{"group": "pages"}}
	f.services[2]["progressive"] = map[string]any{"group": "pages"}
	p, err := Decode(f.raw(t), projectDir(t))
	require.NoError(t, err)
	g, _ := p.ReleaseGroup("pages")
	assert.Equal(t, []int{0}, g.Steps)
	assert.Len(t, g.Members, 2)
}

func TestReleaseGroup_BadGroupsAreNamed(t *testing.T) {
	cases := []struct {
		name    string
		members map[int]map[string]any
		want    string
	}{
		{"one member", map[int]map[string]any{0: {}}, `release group "checkout" has one member (java-service)`},
		{"steps differ", map[int]map[string]any{0: {"steps": []int{10, 50}}, 1: {"steps": []int{20, 50}}},
			`services[1](go-service).progressive.steps: release group "checkout" moves its canaries in one up per step: [20 50] must be java-service's [10 50]`},
		{"gates differ", map[int]map[string]any{0: {"approveBefore": []int{50}}, 1: {}},
			`services[1](go-service).progressive.approveBefore: release group "checkout" stops its canaries at the same gates`},
		{"a ramped member", map[int]map[string]any{0: {}, 3: {}}, `needs a canary or blueGreen strategy, got "recreate"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := groupFixture(t, c.members)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	f := validFixture()
	f.services[0]["progressive"] = map[string]any{"group": "Check Out"}
	_, err := Decode(f.raw(t), projectDir(t))
	assert.ErrorContains(t, err, `progressive.group: "Check Out" is not a valid DNS-1123 label`)
}
