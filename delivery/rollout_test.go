package delivery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/stacks"
	"github.com/cloudnative-pac/platform/strategy/analysis"
)

const rolloutStack = `config:
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
    # The canary under test.
    - name: java-service
      strategy: canary
      canary:
        stableImage: repo/java:1
        canaryImage: repo/java:2
        weight: 0 # moved by rollout
        match:
          header: channel
          exact: mobile
      progressive:
        steps: [10, 25, 50]
        mirrorPercent: 5
        analysis:
          minRequests: 100
          failureLimit: 1
          deadlineSeconds: 600
`

// fakeCluster stands in for the engine and Prometheus: it keeps the stack
// file's bytes, records the canary weight of every up, and answers each
// measurement from a script.
type fakeCluster struct {
	t        *testing.T
	dir      string
	file     []byte
	applied  []int
	only     [][]string
	failUpAt int // the n-th up fails (1-based); 0 never
	script   []analysis.Measurement
	measured []Target
	urls     []string
	queries  []model.RolloutQueries
	now      time.Time
	out      strings.Builder
}

func newFakeCluster(t *testing.T, script ...analysis.Measurement) *fakeCluster {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kubeconfig"), []byte("apiVersion: v1\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "application.properties"), []byte("a=b\n"), 0o644))
	return &fakeCluster{t: t, dir: dir, file: []byte(rolloutStack), script: script, now: time.Unix(1_000_000, 0)}
}

// withStack replaces the stack file the fake starts from.
func (c *fakeCluster) withStack(text string) *fakeCluster {
	c.file = []byte(text)
	return c
}

func (c *fakeCluster) rollout(abort bool) Rollout {
	return Rollout{
		Stack: "dev", Abort: abort,
		Load: func() (*release.StackFile, error) { return release.ParseStackFile(c.file) },
		Store: func(f *release.StackFile) error {
			data, err := f.Bytes()
			c.file = data
			return err
		},
		Decode: func(f *release.StackFile) (*model.Platform, error) {
			raw, err := f.Raw("dev")
			if err != nil {
				return nil, err
			}
			return model.Decode(raw, c.dir)
		},
		Apply: func(_ context.Context, only []string) error {
			if c.failUpAt > 0 && len(c.applied)+1 == c.failUpAt {
				c.failUpAt = 0
				return errors.New("killed")
			}
			c.applied = append(c.applied, c.weight())
			c.only = append(c.only, only)
			return nil
		},
		Measure: func(_ context.Context, source Prometheus, target Target) (analysis.Measurement, []string, error) {
			c.measured = append(c.measured, target)
			c.urls = append(c.urls, source.URL)
			c.queries = append(c.queries, source.Queries)
			require.NotEmpty(c.t, c.script, "measured more often than scripted")
			m := c.script[0]
			c.script = c.script[1:]
			return m, nil, nil
		},
		Sleep: func(_ context.Context, d time.Duration) error { c.now = c.now.Add(d); return nil },
		Now:   func() time.Time { return c.now },
		Out:   &c.out,
	}
}

// weight is the canary weight in the stack file now (-1: not a canary).
func (c *fakeCluster) weight() int {
	p := c.decode()
	if p.Services[0].Canary == nil {
		return -1
	}
	return p.Services[0].Canary.Weight
}

func (c *fakeCluster) decode() *model.Platform {
	f, err := release.ParseStackFile(c.file)
	require.NoError(c.t, err)
	raw, err := f.Raw("dev")
	require.NoError(c.t, err)
	p, err := model.Decode(raw, c.dir)
	require.NoError(c.t, err, "the stack file stays valid:\n%s", c.file)
	return p
}

func (c *fakeCluster) inProgress() *release.RolloutState {
	f, err := release.ParseStackFile(c.file)
	require.NoError(c.t, err)
	state, err := f.Rollout()
	require.NoError(c.t, err)
	return state
}

var (
	good    = analysis.Measurement{Requests: 1532, Errors: 3, P99: 120 * time.Millisecond}
	errors5 = analysis.Measurement{Requests: 1000, Errors: 50, P99: 120 * time.Millisecond}
	slow    = analysis.Measurement{Requests: 1000, P99: 900 * time.Millisecond}
	none    = analysis.Measurement{P99: -1}
)

func TestRollout_HealthyCanaryWalksEveryStepAndIsPromoted(t *testing.T) {
	c := newFakeCluster(t, good, good, good)
	require.NoError(t, c.rollout(false).Run(context.Background()))

	assert.Equal(t, []int{10, 25, 50, 0}, c.applied, "one up per step, then the promotion")
	routes := stacks.StepTargets(model.RoutingIstio, c.decode().Services[0])
	assert.Equal(t, [][]string{nil, routes, routes, nil}, c.only,
		"the first step applies the whole stack; the next change only the routes; the promotion changes the Deployments")
	s := c.decode().Services[0]
	assert.Equal(t, "repo/java:2", s.Canary.StableImage, "the canary image is stable")
	assert.Equal(t, 0, s.Canary.Weight)
	assert.Equal(t, 0.0, s.Progressive.MirrorPercent, "mirroring is off")
	assert.Nil(t, c.inProgress(), "no rollout is recorded any more")
	assert.Contains(t, string(c.file), "# The canary under test.", "comments are kept")
	assert.Contains(t, string(c.file), "weight: 0 # moved by rollout", "inside the release block too")
	assert.Equal(t, Target{Namespace: "shop", Workload: "java-service-canary", Window: time.Minute}, c.measured[0])
	assert.Contains(t, c.out.String(), "java-service 10% → 25%: success 99.8%, p99 120 ms, 1,532 requests (step took 1m0s)")
	assert.Equal(t, "http://prometheus.shop:9090", c.urls[0], "the stack's Prometheus, without the trailing slash")
	assert.Equal(t, model.DefaultRolloutQueries(), c.queries[0], "the stack's queries (its defaults)")
}

func TestRollout_PrometheusComesFromTheFlagOrTheStack(t *testing.T) {
	c := newFakeCluster(t, good, good, good)
	r := c.rollout(false)
	r.Prometheus = "http://127.0.0.1:9090"
	require.NoError(t, r.Run(context.Background()))
	assert.Equal(t, "http://127.0.0.1:9090", c.urls[0], "the flag wins over the stack")

	c = newFakeCluster(t).withStack(strings.Replace(rolloutStack, "    prometheusUrl: http://prometheus.shop:9090/\n", "    enabled: false\n", 1))
	err := c.rollout(false).Run(context.Background())
	assert.ErrorContains(t, err, "rollout needs Prometheus")
	assert.Empty(t, c.applied, "nothing is applied without a way to measure")
	assert.Nil(t, c.inProgress())
}

func TestRollout_AnUnhealthyCanaryIsRolledBackWhereItFails(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []analysis.Measurement
		why    string
	}{
		{"errors", []analysis.Measurement{good, errors5, errors5}, "success 95.0% below 99.0%"},
		{"latency", []analysis.Measurement{good, slow, slow}, "p99 900 ms above 500 ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeCluster(t, tc.script...)
			err := c.rollout(false).Run(context.Background())
			require.ErrorIs(t, err, ErrRolledBack)
			assert.Contains(t, err.Error(), tc.why)
			assert.Equal(t, []int{10, 25, 0}, c.applied, "failed at 25%% (one failure tolerated, the second rolls back)")
			routes := stacks.StepTargets(model.RoutingIstio, c.decode().Services[0])
			assert.Equal(t, [][]string{nil, routes, routes}, c.only, "a rollback changes only the routes")
			s := c.decode().Services[0]
			assert.Equal(t, "repo/java:1", s.Canary.StableImage, "the stable image stays")
			assert.Equal(t, 0.0, s.Progressive.MirrorPercent)
			assert.Nil(t, c.inProgress())
			assert.Contains(t, c.out.String(), "rolled back")
		})
	}
}

func TestRollout_NoTrafficNeverPromotes(t *testing.T) {
	script := make([]analysis.Measurement, 10) // 600 s deadline / 60 s intervals
	for i := range script {
		script[i] = none
	}
	c := newFakeCluster(t, script...)
	err := c.rollout(false).Run(context.Background())
	require.ErrorIs(t, err, ErrRolledBack)
	assert.Contains(t, err.Error(), "deadline")
	assert.Equal(t, []int{10, 0}, c.applied)
	assert.Empty(t, c.script, "inconclusive until the deadline")
}

func TestRollout_AKilledRolloutResumesWhereItWas(t *testing.T) {
	c := newFakeCluster(t, good, good, good)
	c.failUpAt = 2 // the up of 25% dies
	err := c.rollout(false).Run(context.Background())
	require.Error(t, err)
	state := c.inProgress()
	require.NotNil(t, state, "the rollout is recorded")
	assert.Equal(t, 1, state.Step, "at 25%")
	assert.Equal(t, 25, c.weight(), "the file says what was being applied")

	require.NoError(t, c.rollout(false).Run(context.Background()))
	assert.Equal(t, []int{10, 25, 50, 0}, c.applied, "resumed at 25%, not from the start")
	routes := stacks.StepTargets(model.RoutingIstio, c.decode().Services[0])
	assert.Equal(t, [][]string{nil, nil, routes, nil}, c.only, "a resumed rollout applies the whole stack first")
	assert.Contains(t, c.out.String(), "resuming the rollout of java-service at 25%")
	assert.Equal(t, "repo/java:2", c.decode().Services[0].Canary.StableImage)
}

func TestRollout_AbortRollsBack(t *testing.T) {
	c := newFakeCluster(t, good)
	c.failUpAt = 2
	require.Error(t, c.rollout(false).Run(context.Background()))
	err := c.rollout(true).Run(context.Background())
	require.ErrorIs(t, err, ErrRolledBack)
	assert.Equal(t, []int{10, 0}, c.applied)
	assert.Nil(t, c.inProgress())
	assert.Equal(t, 0, c.weight())

	err = c.rollout(true).Run(context.Background())
	assert.ErrorContains(t, err, "no rollout is in progress")
}

func TestPRPreview_ShowsThePlannedRollout(t *testing.T) {
	c := newFakeCluster(t)
	p := c.decode()
	plans := RolloutPlans(p, release.Release{})
	require.Len(t, plans, 1)
	assert.Equal(t, "java-service: repo/java:2 in steps 10% → 25% → 50%, then promoted; each 1m0s interval needs ≥ 100 requests, "+
		"success ≥ 99%, p99 ≤ 500 ms; 1 failed interval(s) tolerated, deadline 10m0s; 5% of requests mirrored to the canary", plans[0])
	markdown := Markdown("dev", nil, []string{"java-service canary image repo/java:1 → repo/java:2"}, nil, plans...)
	assert.Contains(t, markdown, "**Progressive rollout after merge**")
	assert.Contains(t, markdown, "- "+plans[0])

	// Once deployed, the canary image is no news.
	deployed := release.FromModel(p)
	assert.Empty(t, RolloutPlans(p, deployed))
}

const blueGreenStack = `config:
  cloudnative:cluster:
    kind: existing
    existing:
      kubeconfigPath: kubeconfig
  cloudnative:app:
    namespace: shop
    propertiesFile: application.properties
  cloudnative:observability:
    prometheusUrl: http://prometheus.shop:9090
  cloudnative:services:
    - name: html-frontend
      strategy: blueGreen
      blueGreen:
        blueImage: repo/html:1
        greenImage: repo/html:2
        active: blue # switched by rollout
      progressive:
        analysis:
          intervalSeconds: 30
          failureLimit: 0
          deadlineSeconds: 120
`

func (c *fakeCluster) active() model.Colour { return c.decode().Services[0].BlueGreen.Active }

func TestRollout_BlueGreenSwitchesOnlyAfterTheIdleColourPasses(t *testing.T) {
	c := newFakeCluster(t, none, good).withStack(blueGreenStack)
	require.NoError(t, c.rollout(false).Run(context.Background()))
	assert.Equal(t, model.Green, c.active(), "switched to the colour that passed")
	assert.Len(t, c.applied, 1, "one up: the switch; nothing before it")
	assert.Equal(t, Target{Namespace: "shop", Workload: "html-frontend-green", Window: 30 * time.Second}, c.measured[0], "the idle colour is measured")
	assert.Nil(t, c.inProgress())
	assert.Contains(t, c.out.String(), "html-frontend switched: green is active")
}

func TestRollout_BlueGreenStaysWhenTheIdleColourFails(t *testing.T) {
	c := newFakeCluster(t, errors5).withStack(blueGreenStack)
	err := c.rollout(false).Run(context.Background())
	require.ErrorIs(t, err, ErrRolledBack)
	assert.Equal(t, model.Blue, c.active(), "the active colour stays")
	assert.Empty(t, c.applied, "nothing to apply: the cluster never changed")
	assert.Nil(t, c.inProgress())
	assert.Contains(t, c.out.String(), "html-frontend not switched")

	c = newFakeCluster(t, none, none, none, none).withStack(blueGreenStack)
	err = c.rollout(false).Run(context.Background())
	require.ErrorIs(t, err, ErrRolledBack, "no traffic to the idle colour never switches")
	assert.Contains(t, err.Error(), "deadline")
	assert.Equal(t, model.Blue, c.active())
}

func TestPRPreview_ShowsThePlannedSwitch(t *testing.T) {
	c := newFakeCluster(t).withStack(blueGreenStack)
	p := c.decode()
	plans := RolloutPlans(p, release.Release{})
	require.Len(t, plans, 1)
	assert.Equal(t, "html-frontend: green (repo/html:2) judged through its preview Service, then switched to; each 30s interval needs ≥ 20 requests, "+
		"success ≥ 99%, p99 ≤ 500 ms; 0 failed interval(s) tolerated, deadline 2m0s", plans[0])
	assert.Empty(t, RolloutPlans(p, release.FromModel(p)), "once deployed, the idle image is no news")
}

func TestPRPreview_DrawsTheTrafficOfChangedServices(t *testing.T) {
	p := newFakeCluster(t).decode()
	deployed := release.FromModel(p)
	assert.Empty(t, TrafficDiagrams(p, deployed), "nothing changed, nothing drawn")

	// The deployed canary had 5%; the stack file sets it back to 0 (a
	// progressive canary starts there).
	before := deployed["java-service"]
	before.Release = before.Release.Copy()
	before.Canary.Weight = 5
	deployed["java-service"] = before
	diagrams := TrafficDiagrams(p, deployed)
	require.Len(t, diagrams, 1)
	assert.Equal(t, "java-service", diagrams[0].Service)
	assert.Contains(t, diagrams[0].Mermaid, `before_requests -->|"5%"| before_canary`)
	require.Zero(t, p.Services[0].Canary.Weight)
	assert.Contains(t, diagrams[0].Mermaid, `after_requests -->|"100%"| after_stable`)
	assert.NotContains(t, diagrams[0].Mermaid, `after_requests -->|"0%"|`, "a share of nothing is no edge")

	markdown := Markdown("dev", nil, []string{"java-service canary 5% → 10%"}, diagrams)
	assert.Contains(t, markdown, "**Traffic of java-service**\n\n```mermaid\nflowchart LR\n")

	// A service the stack has never deployed is drawn only as planned.
	delete(deployed, "java-service")
	diagrams = TrafficDiagrams(p, deployed)
	require.Len(t, diagrams, 1)
	assert.NotContains(t, diagrams[0].Mermaid, "before")
}

// A noisy service judged against its stable: errors the stable has too are
// no reason to roll back; more than a point above it is.
func TestRollout_JudgedAgainstItsStable(t *testing.T) {
	stack := strings.Replace(rolloutStack, "          minRequests: 100\n", "          minRequests: 100\n          minSuccessRate: 90\n          maxErrorRateIncrease: 1\n", 1)
	noisy := analysis.Measurement{Requests: 1000, Errors: 30, P99: 120 * time.Millisecond}
	noisyStable := analysis.Measurement{Requests: 9000, Errors: 270, P99: 110 * time.Millisecond}
	quietStable := analysis.Measurement{Requests: 9000, Errors: 9, P99: 110 * time.Millisecond}

	// Each interval measures the canary, then the stable over the same window.
	c := newFakeCluster(t, noisy, noisyStable, noisy, noisyStable, noisy, noisyStable).withStack(stack)
	require.NoError(t, c.rollout(false).Run(context.Background()))
	assert.Equal(t, []int{10, 25, 50, 0}, c.applied, "as noisy as its stable: promoted")
	assert.Equal(t, "java-service-canary", c.measured[0].Workload)
	assert.Equal(t, Target{Namespace: "shop", Workload: "java-service-stable", Window: time.Minute}, c.measured[1], "the stable, over the same interval")
	assert.Contains(t, c.out.String(), "canary success 97.0%, p99 120 ms, 1,000 requests; stable success 97.0%, p99 110 ms, 9,000 requests",
		"the report prints both sides")
	assert.Contains(t, c.out.String(), "and against the stable: error rate at most 1 points above its, p99 at most 1.5× its")

	c = newFakeCluster(t, noisy, quietStable, noisy, quietStable).withStack(stack)
	err := c.rollout(false).Run(context.Background())
	require.ErrorIs(t, err, ErrRolledBack)
	assert.Contains(t, err.Error(), "error rate 3.0% is 2.9 points above the stable's 0.1% (at most 1)")
	assert.Equal(t, []int{10, 0}, c.applied, "rolled back at the first step (one failure tolerated, the second rolls back)")
}

// A gate stops the rollout before a weight until a person approves; the
// file keeps the weight the cluster has meanwhile; -approve goes on from
// there; a promotion gate stops before promoting.
func TestRollout_GatesWaitForApproval(t *testing.T) {
	stack := strings.Replace(rolloutStack, "        mirrorPercent: 5\n", "        mirrorPercent: 5\n        approveBefore: [25, 100]\n", 1)
	c := newFakeCluster(t, good, good, good, good).withStack(stack)
	err := c.rollout(false).Run(context.Background())
	require.ErrorIs(t, err, ErrAwaitingApproval)
	assert.Equal(t, []int{10}, c.applied, "stopped before 25%")
	state := c.inProgress()
	require.NotNil(t, state)
	assert.True(t, state.AwaitingApproval, "the file records that it waits")
	assert.Equal(t, 1, state.Step)
	assert.Equal(t, 10, c.weight(), "the file keeps the weight the cluster has: an up meanwhile changes nothing")
	assert.Contains(t, c.out.String(), "java-service waits for approval before 25%: run `platform rollout -stack dev -approve` to go on")

	err = c.rollout(false).Run(context.Background())
	require.ErrorIs(t, err, ErrAwaitingApproval, "a run without -approve does not pass the gate")
	assert.Equal(t, []int{10}, c.applied)

	approve := c.rollout(false)
	approve.Approve = true
	err = approve.Run(context.Background())
	require.ErrorIs(t, err, ErrAwaitingApproval, "approved 25%; then the promotion waits")
	assert.Equal(t, []int{10, 25, 50}, c.applied)
	assert.Contains(t, c.out.String(), "java-service: 25% approved")
	assert.Contains(t, c.out.String(), "waits for approval before the promotion")
	assert.Equal(t, "repo/java:1", c.decode().Services[0].Canary.StableImage, "not promoted while it waits")

	approve = c.rollout(false)
	approve.Approve = true
	require.NoError(t, approve.Run(context.Background()))
	assert.Equal(t, "repo/java:2", c.decode().Services[0].Canary.StableImage, "promoted once approved")
	assert.Nil(t, c.inProgress())

	nothing := c.rollout(false)
	nothing.Approve = true
	assert.ErrorContains(t, nothing.Run(context.Background()), "no rollout awaits approval")
}

func TestRollout_AGateCanBeAborted(t *testing.T) {
	stack := strings.Replace(rolloutStack, "        mirrorPercent: 5\n", "        mirrorPercent: 5\n        approveBefore: [25]\n", 1)
	c := newFakeCluster(t, good).withStack(stack)
	require.ErrorIs(t, c.rollout(false).Run(context.Background()), ErrAwaitingApproval)
	require.ErrorIs(t, c.rollout(true).Run(context.Background()), ErrRolledBack)
	assert.Equal(t, 0, c.weight())
	assert.Nil(t, c.inProgress())
}
