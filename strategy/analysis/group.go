package analysis

import (
	"fmt"
	"time"
)

// Observation is one member's interval: its release and, when its criteria
// compare, its stable.
type Observation struct {
	Release Measurement
	Stable  *Measurement
}

// MemberVerdict is what one interval said of one member.
type MemberVerdict struct {
	Name    string
	Verdict Verdict
	Why     string
}

// GroupProgress walks a release group's members in lockstep: each interval
// judges every member by its own criteria; the group advances (or, past the
// last step, is promoted) only when every member passes; one member failing
// more intervals than its failureLimit, or any member's deadline passing,
// rolls the whole group back; anything else waits another interval.
type GroupProgress struct {
	// Members are judged in this order (the report's).
	Members  []string
	Criteria map[string]Criteria
	Steps    []int
	Step     int
	// Failures counts each member's failed intervals, from the start.
	Failures map[string]int
	Started  time.Time
}

// Observe takes one interval of every member and says what the group does,
// with each member's verdict; why is the reason for a rollback.
func (g *GroupProgress) Observe(now time.Time, seen map[string]Observation) (action Action, verdicts []MemberVerdict, why string) {
	if g.Failures == nil {
		g.Failures = map[string]int{}
	}
	passed := 0
	for _, name := range g.Members {
		c := g.Criteria[name]
		o := seen[name]
		verdict, reason := Judge(c, o.Release, o.Stable)
		verdicts = append(verdicts, MemberVerdict{Name: name, Verdict: verdict, Why: reason})
		switch verdict {
		case Pass:
			passed++
		case Fail:
			g.Failures[name]++
			if g.Failures[name] > c.FailureLimit && why == "" {
				why = fmt.Sprintf("%s: %s: %d failed interval(s), %d tolerated", name, reason, g.Failures[name], c.FailureLimit)
			}
		}
	}
	if why != "" {
		return Rollback, verdicts, why
	}
	if passed == len(g.Members) {
		if g.Step+1 >= len(g.Steps) {
			return Promote, verdicts, ""
		}
		g.Step++
		return Advance, verdicts, ""
	}
	for _, v := range verdicts {
		if deadline := g.Criteria[v.Name].Deadline; v.Verdict != Pass && now.Sub(g.Started) >= deadline {
			return Rollback, verdicts, fmt.Sprintf("%s: %s, and the deadline of %s has passed", v.Name, v.Why, deadline)
		}
	}
	return Wait, verdicts, ""
}
