package analysis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func groupOf(limit int) *GroupProgress {
	c := Criteria{Interval: 10 * time.Second, MinSuccessRate: 99, MaxP99: 500 * time.Millisecond, MinRequests: 10, FailureLimit: limit, Deadline: time.Minute}
	return &GroupProgress{Members: []string{"web", "api"}, Criteria: map[string]Criteria{"web": c, "api": c},
		Steps: []int{10, 50}, Started: time.Unix(0, 0)}
}

var (
	healthyMember = Observation{Release: Measurement{Requests: 100, P99: 20 * time.Millisecond}}
	erringMember  = Observation{Release: Measurement{Requests: 100, Errors: 30, P99: 20 * time.Millisecond}}
	silentMember  = Observation{Release: Measurement{Requests: 0, P99: -1}}
)

func TestGroup_AdvancesOnlyWhenEveryMemberPasses(t *testing.T) {
	g := groupOf(0)
	at := time.Unix(10, 0)
	action, verdicts, _ := g.Observe(at, map[string]Observation{"web": healthyMember, "api": silentMember})
	assert.Equal(t, Wait, action, "api had no traffic: the group waits")
	assert.Equal(t, 0, g.Step)
	assert.Equal(t, []Verdict{Pass, Inconclusive}, []Verdict{verdicts[0].Verdict, verdicts[1].Verdict})
	action, _, _ = g.Observe(at, map[string]Observation{"web": healthyMember, "api": healthyMember})
	assert.Equal(t, Advance, action)
	assert.Equal(t, 1, g.Step)
	action, _, _ = g.Observe(at, map[string]Observation{"web": healthyMember, "api": healthyMember})
	assert.Equal(t, Promote, action, "past the last step")
}

func TestGroup_OneMemberFailingRollsEveryMemberBack(t *testing.T) {
	g := groupOf(1)
	at := time.Unix(10, 0)
	action, _, _ := g.Observe(at, map[string]Observation{"web": healthyMember, "api": erringMember})
	assert.Equal(t, Wait, action, "one failure tolerated")
	action, verdicts, why := g.Observe(at, map[string]Observation{"web": healthyMember, "api": erringMember})
	assert.Equal(t, Rollback, action)
	assert.Equal(t, "api: success 70.0% below 99.0%: 2 failed interval(s), 1 tolerated", why)
	assert.Equal(t, Pass, verdicts[0].Verdict, "web passed, and goes back all the same")
	assert.Equal(t, map[string]int{"api": 2}, g.Failures)
}

func TestGroup_AnyMembersDeadlineRollsBack(t *testing.T) {
	g := groupOf(0)
	action, _, why := g.Observe(time.Unix(60, 0), map[string]Observation{"web": healthyMember, "api": silentMember})
	assert.Equal(t, Rollback, action)
	assert.Equal(t, "api: 0 requests, fewer than the 10 an interval needs, and the deadline of 1m0s has passed", why)
}
