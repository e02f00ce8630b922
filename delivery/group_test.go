package delivery

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/strategy/analysis"
)

// A release group of two canaries and a blue/green pair.
const groupStack = `config:
  cloudnative:cluster:
    kind: existing
    existing:
      kubeconfigPath: kubeconfig
  cloudnative:app:
    namespace: shop
    propertiesFile: application.properties
  cloudnative:observability:
    prometheusUrl: http://prometheus.shop:9090/
  cloudnative:services:
    - name: java-service
      strategy: canary
      canary: {stableImage: repo/java:1, canaryImage: repo/java:2, weight: 0, match: {header: channel, exact: mobile}}
      progressive: {group: checkout, steps: [10, 50], analysis: {minRequests: 100, failureLimit: 0, deadlineSeconds: 600}}
    - name: go-service
      strategy: canary
      canary: {stableImage: repo/go:1, canaryImage: repo/go:2, weight: 0, match: {header: channel, exact: mobile}}
      progressive: {group: checkout, steps: [10, 50], analysis: {minRequests: 100, failureLimit: 0, deadlineSeconds: 600}}
    - name: html-frontend
      strategy: blueGreen
      blueGreen: {blueImage: repo/web:1, greenImage: repo/web:2, active: blue}
      progressive: {group: checkout, analysis: {minRequests: 100, deadlineSeconds: 600}}
`

// groupRun runs the group's rollout on the fake cluster, every workload
// answering as answer says, and returns the error, the weights of both
// canaries at every up and the output.
func groupRun(t *testing.T, c *fakeCluster, answer func(workload string) analysis.Measurement, abort bool) (error, []string) {
	t.Helper()
	var ups []string
	r := c.rollout(abort)
	r.Group = "checkout"
	apply := r.Apply
	r.Apply = func(ctx context.Context, only []string) error {
		p := c.decode()
		ups = append(ups, fmt.Sprintf("%d/%d %s", p.Services[0].Canary.Weight, p.Services[1].Canary.Weight, p.Services[2].BlueGreen.Active))
		return apply(ctx, only)
	}
	r.Measure = func(_ context.Context, _ Prometheus, target Target) (analysis.Measurement, []string, error) {
		c.measured = append(c.measured, target)
		return answer(target.Workload), nil, nil
	}
	return r.Run(context.Background()), ups
}

func healthyAll(string) analysis.Measurement {
	return analysis.Measurement{Requests: 500, P99: 20 * time.Millisecond}
}

func TestGroup_MembersStepTogetherAndArePromotedInOneUp(t *testing.T) {
	c := newFakeCluster(t).withStack(groupStack)
	err, ups := groupRun(t, c, healthyAll, false)
	require.NoError(t, err, c.out.String())
	assert.Equal(t, []string{"10/10 blue", "50/50 blue", "0/0 green"}, ups, "both weights in each up; the pair switches with the promotion")
	assert.Nil(t, c.only[0], "the first step is a whole up")
	assert.ElementsMatch(t, []string{"*java-service-mesh", "*go-service-mesh", "*ingress-routes"}, trimURNs(c.only[1]), "later steps touch only the canaries' routes")
	assert.Nil(t, c.only[2], "the promotion is a whole up")
	p := c.decode()
	assert.Equal(t, "repo/java:2", p.Services[0].Canary.StableImage)
	assert.Equal(t, "repo/go:2", p.Services[1].Canary.StableImage)
	assert.Equal(t, model.Green, p.Services[2].BlueGreen.Active)
	assert.NotContains(t, string(c.file), "cloudnative:rollout:")
	assert.Equal(t, 6, len(c.measured), "every member judged in each of two intervals")
	out := c.out.String()
	assert.Contains(t, out, "group checkout 10% → 50%")
	assert.Contains(t, out, "html-frontend 10%: pass — success 100.0%")
	assert.Contains(t, out, "group checkout promoted in one up: java-service promoted to repo/java:2, go-service promoted to repo/go:2, html-frontend switched to green")
}

func TestGroup_OneFailingMemberRollsEveryMemberBack(t *testing.T) {
	c := newFakeCluster(t).withStack(groupStack)
	erring := func(workload string) analysis.Measurement {
		m := healthyAll(workload)
		if workload == "go-service-canary" && c.weight() == 50 {
			m.Errors = 100
		}
		return m
	}
	err, ups := groupRun(t, c, erring, false)
	require.ErrorIs(t, err, ErrRolledBack)
	assert.Equal(t, []string{"10/10 blue", "50/50 blue", "0/0 blue"}, ups, "both canaries back in one up; the pair never switched")
	assert.Contains(t, c.out.String(), "group checkout rolled back (go-service: success 80.0% below 99.0%: 1 failed interval(s), 0 tolerated)")
	p := c.decode()
	assert.Equal(t, "repo/java:1", p.Services[0].Canary.StableImage, "java-service passed and goes back all the same")
	assert.Equal(t, model.Blue, p.Services[2].BlueGreen.Active)
	assert.NotContains(t, string(c.file), "cloudnative:rollout:")
}

func TestGroup_KilledThenResumedOrAborted(t *testing.T) {
	c := newFakeCluster(t).withStack(groupStack)
	c.failUpAt = 2 // the up of 50%
	err, _ := groupRun(t, c, healthyAll, false)
	require.ErrorContains(t, err, "apply group checkout at 50%")
	f, err := release.ParseStackFile(c.file)
	require.NoError(t, err)
	state, err := f.Rollout()
	require.NoError(t, err)
	assert.Equal(t, &release.RolloutState{Group: "checkout", Step: 1, Started: state.Started, MemberFailures: nil}, state, "recorded at 50%")

	r := c.rollout(false)
	r.Service = "java-service"
	assert.ErrorContains(t, r.Run(context.Background()), "a rollout of group checkout is in progress")

	resumed := newFakeCluster(t).withStack(string(c.file))
	err, ups := groupRun(t, resumed, healthyAll, false)
	require.NoError(t, err, resumed.out.String())
	assert.Contains(t, resumed.out.String(), "resuming the rollout of group checkout at 50%")
	assert.Equal(t, []string{"50/50 blue", "0/0 green"}, ups)

	err, ups = groupRun(t, c, healthyAll, true)
	require.ErrorIs(t, err, ErrRolledBack)
	assert.Contains(t, c.out.String(), "aborting the rollout of group checkout at 50%")
	assert.Equal(t, []string{"0/0 blue"}, ups)
}

func TestGroup_AMemberIsNotRolledOutAlone(t *testing.T) {
	c := newFakeCluster(t).withStack(groupStack)
	r := c.rollout(false)
	r.Service = "go-service"
	assert.ErrorContains(t, r.Run(context.Background()), "go-service is in release group checkout: roll it out with -group checkout")
}

func trimURNs(globs []string) []string {
	out := make([]string, len(globs))
	for i, g := range globs {
		out[i] = "*" + g[strings.LastIndex(g, "::")+2:]
	}
	return out
}
