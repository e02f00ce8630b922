package analysis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var criteria = Criteria{Interval: time.Minute, MinSuccessRate: 99, MaxP99: 500 * time.Millisecond,
	MinRequests: 100, FailureLimit: 1, Deadline: 10 * time.Minute}

func healthy(requests int) Measurement {
	return Measurement{Requests: requests, Errors: 0, P99: 120 * time.Millisecond}
}

func TestJudge(t *testing.T) {
	cases := []struct {
		name string
		m    Measurement
		want Verdict
	}{
		{"healthy", healthy(1532), Pass},
		{"exactly the minimum rate", Measurement{Requests: 1000, Errors: 10, P99: 100 * time.Millisecond}, Pass},
		{"too many errors", Measurement{Requests: 1000, Errors: 11, P99: 100 * time.Millisecond}, Fail},
		{"too slow", Measurement{Requests: 1000, P99: 501 * time.Millisecond}, Fail},
		{"too little traffic", healthy(99), Inconclusive},
		{"no traffic at all", Measurement{P99: -1}, Inconclusive},
		{"errors with too little traffic say nothing", Measurement{Requests: 50, Errors: 50, P99: time.Millisecond}, Inconclusive},
		{"no latency yet", Measurement{Requests: 500, P99: -1}, Inconclusive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, why := Judge(criteria, tc.m, nil)
			assert.Equal(t, tc.want, got, why)
			assert.NotEmpty(t, why)
		})
	}
}

func TestProgress_HealthyCanaryWalksEveryStepThenPromotes(t *testing.T) {
	start := time.Unix(0, 0)
	p := &Progress{Criteria: criteria, Steps: []int{10, 25, 50}, Started: start}
	var actions []Action
	for i := 1; i <= 3; i++ {
		action, _, _ := p.Observe(start.Add(time.Duration(i)*time.Minute), healthy(500), nil)
		actions = append(actions, action)
	}
	assert.Equal(t, []Action{Advance, Advance, Promote}, actions)
	assert.Equal(t, 2, p.Step, "at the last step")
}

func TestProgress_FailureLimit(t *testing.T) {
	start := time.Unix(0, 0)
	p := &Progress{Criteria: criteria, Steps: []int{10, 25, 50}, Started: start}
	bad := Measurement{Requests: 500, Errors: 100, P99: time.Millisecond}
	action, verdict, _ := p.Observe(start.Add(time.Minute), bad, nil)
	assert.Equal(t, Wait, action, "one failed interval is tolerated")
	assert.Equal(t, Fail, verdict)
	action, _, why := p.Observe(start.Add(2*time.Minute), bad, nil)
	assert.Equal(t, Rollback, action, "the second is one too many")
	assert.Contains(t, why, "2 failed interval(s), 1 tolerated")
	assert.Equal(t, 0, p.Step, "the failing step is where it stopped")
}

func TestProgress_NoTrafficNeverPromotesAndRollsBackAtTheDeadline(t *testing.T) {
	start := time.Unix(0, 0)
	p := &Progress{Criteria: criteria, Steps: []int{10}, Started: start}
	for i := 1; i < 10; i++ {
		action, verdict, _ := p.Observe(start.Add(time.Duration(i)*time.Minute), Measurement{P99: -1}, nil)
		assert.Equal(t, Wait, action, "minute %d", i)
		assert.Equal(t, Inconclusive, verdict)
	}
	action, verdict, why := p.Observe(start.Add(10*time.Minute), Measurement{P99: -1}, nil)
	assert.Equal(t, Rollback, action)
	assert.Equal(t, Inconclusive, verdict)
	assert.Contains(t, why, "deadline")
}

func TestProgress_APassAfterTheDeadlineStillCounts(t *testing.T) {
	// The measurement covers the interval before the deadline: its pass is
	// not thrown away for arriving at it.
	start := time.Unix(0, 0)
	p := &Progress{Criteria: criteria, Steps: []int{50}, Started: start}
	action, _, _ := p.Observe(start.Add(10*time.Minute), healthy(500), nil)
	assert.Equal(t, Promote, action)
}

func TestGrouped(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1532: "1,532", 1234567: "1,234,567", -1000: "-1,000"} {
		assert.Equal(t, want, grouped(n))
	}
}

func TestJudge_AgainstTheStable(t *testing.T) {
	c := Criteria{MinSuccessRate: 90, MaxP99: time.Second, MinRequests: 100,
		AgainstStable: &Relative{MaxErrorRateIncrease: 1, MaxP99Ratio: 1.5}}
	for _, tc := range []struct {
		name           string
		canary, stable *Measurement
		want           Verdict
		says           string
	}{
		{"as noisy as its stable: no rollback for errors the stable has too",
			&Measurement{Requests: 1000, Errors: 30, P99: 200 * time.Millisecond}, &Measurement{Requests: 9000, Errors: 270, P99: 190 * time.Millisecond},
			Pass, "canary success 97.0%, p99 200 ms, 1,000 requests; stable success 97.0%, p99 190 ms, 9,000 requests"},
		{"a quiet regression below every fixed threshold",
			&Measurement{Requests: 1000, Errors: 25, P99: 200 * time.Millisecond}, &Measurement{Requests: 9000, Errors: 9, P99: 190 * time.Millisecond},
			Fail, "error rate 2.5% is 2.4 points above the stable's 0.1% (at most 1)"},
		{"slower than 1.5× its stable",
			&Measurement{Requests: 1000, P99: 400 * time.Millisecond}, &Measurement{Requests: 9000, P99: 200 * time.Millisecond},
			Fail, "p99 400 ms is above 1.5× the stable's 200 ms"},
		{"too little stable traffic is inconclusive, never a pass",
			&Measurement{Requests: 1000, P99: 100 * time.Millisecond}, &Measurement{Requests: 20, P99: 100 * time.Millisecond},
			Inconclusive, "stable 20 requests, fewer than the 100 a comparison needs"},
		{"no stable measured at all", &Measurement{Requests: 1000, P99: 100 * time.Millisecond}, nil,
			Inconclusive, "stable 0 requests"},
		{"absolute thresholds still hold", &Measurement{Requests: 1000, Errors: 200, P99: 100 * time.Millisecond}, &Measurement{Requests: 9000, Errors: 1800, P99: 100 * time.Millisecond},
			Fail, "success 80.0% below 90.0%"},
	} {
		got, why := Judge(c, *tc.canary, tc.stable)
		assert.Equal(t, tc.want, got, tc.name)
		assert.Contains(t, why, tc.says, tc.name)
	}
}
