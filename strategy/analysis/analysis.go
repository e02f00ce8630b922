// Package analysis decides, from measurements of a canary's traffic, how a
// stepped release goes on: take the next step, promote, wait for more
// traffic, or roll back. It is pure: the rollout command measures (Prometheus)
// and acts (an up per step); this only judges.
package analysis

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Criteria are what one interval of traffic must show for a step to pass.
type Criteria struct {
	// Interval is how long each measurement covers.
	Interval time.Duration
	// MinSuccessRate is the lowest share of non-5xx answers, in percent.
	MinSuccessRate float64
	// MaxP99 is the highest 99th-percentile latency.
	MaxP99 time.Duration
	// MinRequests is the least traffic an interval needs to say anything:
	// fewer is inconclusive, never a pass.
	MinRequests int
	// FailureLimit is how many failed intervals are tolerated; one more rolls
	// the release back.
	FailureLimit int
	// Deadline bounds the whole rollout: a step not passed by then rolls back.
	Deadline time.Duration
	// AgainstStable, when set, also judges the canary against its stable
	// version's traffic over the same interval.
	AgainstStable *Relative
}

// Relative bounds how much worse than its stable a canary may do: a noisy
// service is not rolled back for errors its stable has too, and a quiet
// regression is caught below any fixed threshold.
type Relative struct {
	// MaxErrorRateIncrease is how many percentage points the canary's error
	// rate may exceed the stable's by.
	MaxErrorRateIncrease float64
	// MaxP99Ratio is how many times the stable's p99 the canary's may be.
	MaxP99Ratio float64
}

// Measurement is the canary's traffic over one interval.
type Measurement struct {
	Requests int
	// Errors are the answers with a 5xx code.
	Errors int
	// P99 is the 99th-percentile latency; NaN or negative when unknown
	// (no requests, or no histogram yet).
	P99 time.Duration
}

// SuccessRate is the share of non-5xx answers in percent (NaN without requests).
func (m Measurement) SuccessRate() float64 {
	if m.Requests == 0 {
		return math.NaN()
	}
	return 100 * float64(m.Requests-m.Errors) / float64(m.Requests)
}

// Verdict is what one interval says.
type Verdict string

const (
	Pass         Verdict = "pass"
	Fail         Verdict = "fail"
	Inconclusive Verdict = "inconclusive"
)

// Judge gives one interval's verdict and why, in plain words. stable is the
// stable version's traffic over the same interval, needed when the criteria
// judge against it (nil otherwise).
func Judge(c Criteria, m Measurement, stable *Measurement) (Verdict, string) {
	if m.Requests < c.MinRequests {
		return Inconclusive, fmt.Sprintf("%s requests, fewer than the %s an interval needs", grouped(m.Requests), grouped(c.MinRequests))
	}
	rate := m.SuccessRate()
	if rate < c.MinSuccessRate {
		return Fail, fmt.Sprintf("success %.1f%% below %.1f%%", rate, c.MinSuccessRate)
	}
	if m.P99 < 0 {
		return Inconclusive, "no latency measured"
	}
	if m.P99 > c.MaxP99 {
		return Fail, fmt.Sprintf("p99 %d ms above %d ms", m.P99.Milliseconds(), c.MaxP99.Milliseconds())
	}
	passed := fmt.Sprintf("success %.1f%%, p99 %d ms, %s requests", rate, m.P99.Milliseconds(), grouped(m.Requests))
	if r := c.AgainstStable; r != nil {
		return judgeAgainstStable(c, *r, m, stable, passed)
	}
	return Pass, passed
}

// judgeAgainstStable compares the canary's interval with the stable's; the
// verdict names both sides.
func judgeAgainstStable(c Criteria, r Relative, m Measurement, stable *Measurement, canary string) (Verdict, string) {
	if stable == nil || stable.Requests < c.MinRequests {
		n := 0
		if stable != nil {
			n = stable.Requests
		}
		return Inconclusive, fmt.Sprintf("%s; stable %s requests, fewer than the %s a comparison needs", canary, grouped(n), grouped(c.MinRequests))
	}
	if stable.P99 < 0 {
		return Inconclusive, canary + "; no stable latency measured"
	}
	both := fmt.Sprintf("canary %s; stable success %.1f%%, p99 %d ms, %s requests", canary, stable.SuccessRate(), stable.P99.Milliseconds(), grouped(stable.Requests))
	canaryErrors, stableErrors := 100-m.SuccessRate(), 100-stable.SuccessRate()
	if increase := canaryErrors - stableErrors; increase > r.MaxErrorRateIncrease {
		return Fail, fmt.Sprintf("error rate %.1f%% is %.1f points above the stable's %.1f%% (at most %g): %s",
			canaryErrors, increase, stableErrors, r.MaxErrorRateIncrease, both)
	}
	if limit := time.Duration(float64(stable.P99) * r.MaxP99Ratio); m.P99 > limit {
		return Fail, fmt.Sprintf("p99 %d ms is above %g× the stable's %d ms: %s", m.P99.Milliseconds(), r.MaxP99Ratio, stable.P99.Milliseconds(), both)
	}
	return Pass, both
}

// Action is what the rollout does next.
type Action string

const (
	// Wait measures the same step again.
	Wait Action = "wait"
	// Advance takes the next step.
	Advance Action = "advance"
	// Promote makes the canary the stable version: the last step passed.
	Promote Action = "promote"
	// Rollback sends every request back to the stable version.
	Rollback Action = "rollback"
)

// Progress follows one rollout through its steps.
type Progress struct {
	Criteria Criteria
	// Steps are the canary's weights, ascending.
	Steps []int
	// Step is the index of the current step in Steps.
	Step int
	// Failures counts the failed intervals so far (of every step).
	Failures int
	// Started is when the rollout began (the deadline counts from it).
	Started time.Time
}

// Observe takes one interval's measurement at time now (and the stable's
// over the same interval, when the criteria compare) and says what to do.
func (p *Progress) Observe(now time.Time, m Measurement, stable *Measurement) (Action, Verdict, string) {
	verdict, why := Judge(p.Criteria, m, stable)
	switch verdict {
	case Pass:
		if p.Step+1 >= len(p.Steps) {
			return Promote, verdict, why
		}
		p.Step++
		return Advance, verdict, why
	case Fail:
		p.Failures++
		if p.Failures > p.Criteria.FailureLimit {
			return Rollback, verdict, fmt.Sprintf("%s: %d failed interval(s), %d tolerated", why, p.Failures, p.Criteria.FailureLimit)
		}
	}
	if now.Sub(p.Started) >= p.Criteria.Deadline {
		return Rollback, verdict, fmt.Sprintf("%s, and the deadline of %s has passed", why, p.Criteria.Deadline)
	}
	return Wait, verdict, why
}

// grouped writes a count with thousands separators (1,532), as people read it.
func grouped(n int) string {
	text := strconv.Itoa(n)
	if n < 0 {
		return "-" + grouped(-n)
	}
	for i := len(text) - 3; i > 0; i -= 3 {
		text = text[:i] + "," + text[i:]
	}
	return text
}
