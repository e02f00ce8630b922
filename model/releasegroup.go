package model

import (
	"fmt"
	"slices"
	"strings"
)

// ReleaseGroup is the services of one stack released together: a canary
// member's weight moves at every step with the others', every member is
// judged each interval, one failing rolls every member back, and blue/green
// members switch together once the canary members have passed their last
// step. Members declare it with progressive.group.
type ReleaseGroup struct {
	Name    string
	Members []Service
	// Steps are the canary members' steps (all alike), or one step of 0 for
	// a group of blue/green pairs alone.
	Steps []int
	// ApproveBefore are the canary members' gates (all alike).
	ApproveBefore []int
}

// ReleaseGroups lists the stack's groups by name, members in stack order.
func (p *Platform) ReleaseGroups() []ReleaseGroup {
	var groups []ReleaseGroup
	for _, s := range p.Services {
		if s.Progressive == nil || s.Progressive.Group == "" {
			continue
		}
		i := slices.IndexFunc(groups, func(g ReleaseGroup) bool { return g.Name == s.Progressive.Group })
		if i < 0 {
			groups = append(groups, ReleaseGroup{Name: s.Progressive.Group, Steps: []int{0}})
			i = len(groups) - 1
		}
		g := &groups[i]
		g.Members = append(g.Members, s)
		if s.Strategy == Canary {
			g.Steps, g.ApproveBefore = s.Progressive.Steps, s.Progressive.ApproveBefore
		}
	}
	slices.SortFunc(groups, func(a, b ReleaseGroup) int { return strings.Compare(a.Name, b.Name) })
	return groups
}

// ReleaseGroup finds a group by name.
func (p *Platform) ReleaseGroup(name string) (ReleaseGroup, bool) {
	for _, g := range p.ReleaseGroups() {
		if g.Name == name {
			return g, true
		}
	}
	return ReleaseGroup{}, false
}

// checkReleaseGroups holds every group to what moving together needs: two
// members at least (one is a service's own rollout), and canary members that
// step alike — the same weights, the same gates — since one up moves them all.
// (progressive is only accepted on canaries and blue/green pairs.)
func checkReleaseGroups(platform *Platform, p *problems) {
	for _, g := range platform.ReleaseGroups() {
		var names []string
		for _, m := range g.Members {
			names = append(names, m.Name)
		}
		if len(g.Members) < 2 {
			p.add(key("services"), "release group %q has one member (%s); a group releases several services together — drop progressive.group, or add another member", g.Name, names[0])
			continue
		}
		var first *Service
		for i, m := range g.Members {
			if m.Strategy != Canary {
				continue
			}
			if first == nil {
				first = &g.Members[i]
				continue
			}
			index := slices.IndexFunc(platform.Services, func(s Service) bool { return s.Name == m.Name })
			at := fmt.Sprintf("%s[%d](%s).progressive", key("services"), index, m.Name)
			if !slices.Equal(m.Progressive.Steps, first.Progressive.Steps) {
				p.add(at+".steps", "release group %q moves its canaries in one up per step: %v must be %s's %v", g.Name, m.Progressive.Steps, first.Name, first.Progressive.Steps)
			}
			if !slices.Equal(m.Progressive.ApproveBefore, first.Progressive.ApproveBefore) {
				p.add(at+".approveBefore", "release group %q stops its canaries at the same gates: %v must be %s's %v", g.Name, m.Progressive.ApproveBefore, first.Name, first.Progressive.ApproveBefore)
			}
		}
	}
}
