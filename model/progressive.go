package model

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"text/template"
)

// DefaultSteps are a canary's weights when progressive leaves them out
// (DefaultStepsText shows them in docs/delivery.md).
var DefaultSteps = []int{10, 25, 50}

// Progressive is how a service's release is taken through by
// `platform rollout`: an environment's setting, never promoted.
type Progressive struct {
	// Steps are the canary's weights, ascending, each below 100; passing
	// the last promotes the canary.
	Steps []int
	// ApproveBefore are the steps (weights; PromotionGate for the promotion)
	// the rollout stops before until a person approves.
	ApproveBefore []int
	// MirrorPercent of the stable route's requests are copied to the canary
	// (answers discarded) while it takes no user request.
	MirrorPercent float64
	Analysis      Analysis
	// Group names the release group the service moves with: `platform
	// rollout -group G` steps every member together (see ReleaseGroup).
	Group string
}

// Analysis is what one interval of a canary's (or idle colour's) traffic
// must show.
type Analysis struct {
	IntervalSeconds int
	MinSuccessRate  float64
	MaxP99Ms        int
	MinRequests     int
	FailureLimit    int
	DeadlineSeconds int
	// AgainstStable, when set, also judges each interval of the canary (or
	// idle colour) against its stable (or active colour) over the same
	// interval, beside the fixed thresholds above.
	AgainstStable *AgainstStable
}

// AgainstStable bounds how much worse than its stable a release may do.
type AgainstStable struct {
	// MaxErrorRateIncrease is in percentage points of error rate.
	MaxErrorRateIncrease float64
	// MaxP99Ratio is a multiple of the stable's p99.
	MaxP99Ratio float64
}

// SessionAffinity hashes requests on a cookie or a header in the
// DestinationRule, so a client keeps reaching the same pod.
type SessionAffinity struct {
	Cookie           string
	CookieTTLSeconds int
	Header           string
}

type rawProgressive struct {
	Steps         []int        `json:"steps"`
	MirrorPercent *float64     `json:"mirrorPercent"`
	Analysis      *rawAnalysis `json:"analysis"`
	ApproveBefore []int        `json:"approveBefore"`
	Group         string       `json:"group"`
}

type rawAnalysis struct {
	IntervalSeconds *int     `json:"intervalSeconds"`
	MinSuccessRate  *float64 `json:"minSuccessRate"`
	MaxP99Ms        *int     `json:"maxP99Ms"`
	MinRequests     *int     `json:"minRequests"`
	FailureLimit    *int     `json:"failureLimit"`
	DeadlineSeconds *int     `json:"deadlineSeconds"`
	// Either turns on judging against the stable.
	MaxErrorRateIncrease *float64 `json:"maxErrorRateIncrease"`
	MaxP99Ratio          *float64 `json:"maxP99Ratio"`
}

type rawSessionAffinity struct {
	Cookie           string `json:"cookie"`
	CookieTTLSeconds *int   `json:"cookieTTLSeconds"`
	Header           string `json:"header"`
}

// decodeProgressive reads services[].progressive for a canary (steps, mirror,
// analysis) or a blue/green pair (the analysis of the idle colour before the
// switch).
func decodeProgressive(raw *rawProgressive, strategy Strategy, at string, p *problems) *Progressive {
	if raw == nil {
		return nil
	}
	if strategy != Canary && strategy != BlueGreen {
		p.add(at, "needs a canary or blueGreen strategy, got %q", strategy)
		return nil
	}
	g := &Progressive{Steps: raw.Steps, MirrorPercent: DefaultMirrorPercent, Group: raw.Group}
	if g.Group != "" {
		checkDNSLabel(p, at+".group", g.Group)
	}
	if raw.MirrorPercent != nil {
		g.MirrorPercent = *raw.MirrorPercent
	}
	if strategy == Canary {
		if g.Steps == nil {
			g.Steps = append([]int(nil), DefaultSteps...)
		}
		if len(g.Steps) == 0 {
			p.add(at+".steps", "needs at least one weight")
		}
		for i, w := range g.Steps {
			if w < 1 || w > 99 {
				p.add(at+".steps", "weights are between 1 and 99 (passing the last promotes), got %d", w)
			} else if i > 0 && w <= g.Steps[i-1] {
				p.add(at+".steps", "must go up, got %d after %d", w, g.Steps[i-1])
			}
		}
		if g.MirrorPercent < 0 || g.MirrorPercent > 100 {
			p.add(at+".mirrorPercent", "is a percentage (0 to 100), got %g", g.MirrorPercent)
		}
	} else {
		if raw.Steps != nil {
			p.add(at+".steps", "a blue/green pair switches at once; steps are for canaries")
		}
		if raw.MirrorPercent != nil {
			p.add(at+".mirrorPercent", "is for canaries; a blue/green pair's idle colour is checked through its preview Service")
		}
		g.Steps = nil
	}
	g.ApproveBefore = decodeGates(raw.ApproveBefore, strategy, g.Steps, at+".approveBefore", p)
	g.Analysis = decodeAnalysis(raw.Analysis, at+".analysis", p)
	if need := g.Analysis.IntervalSeconds * max(len(g.Steps), 1); g.Analysis.DeadlineSeconds < need {
		p.add(at+".analysis.deadlineSeconds", "%d leaves no time for one interval per step (%d s)", g.Analysis.DeadlineSeconds, need)
	}
	return g
}

// PromotionGate in approveBefore stops a canary before its promotion.
const PromotionGate = 100

// decodeGates reads the weights a canary's rollout waits for a person's
// approval before: steps of its own, or 100 for the promotion.
func decodeGates(gates []int, strategy Strategy, steps []int, at string, p *problems) []int {
	if gates == nil {
		return nil
	}
	if strategy != Canary {
		p.add(at, "gates are for a canary's steps; a blue/green pair switches in one step")
		return nil
	}
	for i, w := range gates {
		if w != PromotionGate && !slices.Contains(steps, w) {
			p.add(fmt.Sprintf("%s[%d]", at, i), "%d is none of the steps %v, nor %d (the promotion)", w, steps, PromotionGate)
		}
	}
	return gates
}

func decodeAnalysis(raw *rawAnalysis, at string, p *problems) Analysis {
	if raw == nil {
		raw = &rawAnalysis{}
	}
	a := Analysis{
		IntervalSeconds: intOr(raw.IntervalSeconds, DefaultAnalysisIntervalSeconds),
		MinSuccessRate:  DefaultMinSuccessRate,
		MaxP99Ms:        intOr(raw.MaxP99Ms, DefaultMaxP99Ms),
		MinRequests:     intOr(raw.MinRequests, DefaultMinRequests),
		FailureLimit:    intOr(raw.FailureLimit, DefaultFailureLimit),
		DeadlineSeconds: intOr(raw.DeadlineSeconds, DefaultAnalysisDeadlineSeconds),
	}
	if raw.MinSuccessRate != nil {
		a.MinSuccessRate = *raw.MinSuccessRate
	}
	// Prometheus scrapes every 15 s by default: a shorter interval may hold
	// no new sample at all.
	if a.IntervalSeconds < MinAnalysisIntervalSeconds {
		p.add(at+".intervalSeconds", "must be at least %d, got %d", MinAnalysisIntervalSeconds, a.IntervalSeconds)
	}
	if a.MinSuccessRate <= 0 || a.MinSuccessRate > 100 {
		p.add(at+".minSuccessRate", "is a percentage above 0 and at most 100, got %g", a.MinSuccessRate)
	}
	if a.MaxP99Ms < 1 {
		p.add(at+".maxP99Ms", "must be at least 1, got %d", a.MaxP99Ms)
	}
	// Zero requests can never be evidence: an interval without traffic is
	// inconclusive, never a pass.
	if a.MinRequests < 1 {
		p.add(at+".minRequests", "must be at least 1 (an interval without traffic proves nothing), got %d", a.MinRequests)
	}
	if a.FailureLimit < 0 {
		p.add(at+".failureLimit", "must be 0 or more, got %d", a.FailureLimit)
	}
	if raw.MaxErrorRateIncrease != nil || raw.MaxP99Ratio != nil {
		a.AgainstStable = &AgainstStable{
			MaxErrorRateIncrease: floatOr(raw.MaxErrorRateIncrease, DefaultMaxErrorRateIncrease),
			MaxP99Ratio:          floatOr(raw.MaxP99Ratio, DefaultMaxP99Ratio),
		}
		if a.AgainstStable.MaxErrorRateIncrease < 0 || a.AgainstStable.MaxErrorRateIncrease > 100 {
			p.add(at+".maxErrorRateIncrease", "is percentage points, from 0 to 100, got %g", a.AgainstStable.MaxErrorRateIncrease)
		}
		if a.AgainstStable.MaxP99Ratio < 1 {
			p.add(at+".maxP99Ratio", "is a multiple of the stable's p99, at least 1 (below, the canary would have to be faster than its stable), got %g", a.AgainstStable.MaxP99Ratio)
		}
	}
	return a
}

// httpToken is a cookie or header name as HTTP allows it.
var httpToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func decodeSessionAffinity(raw *rawSessionAffinity, at string, p *problems) *SessionAffinity {
	if raw == nil {
		return nil
	}
	a := &SessionAffinity{Cookie: raw.Cookie, Header: raw.Header, CookieTTLSeconds: intOr(raw.CookieTTLSeconds, 0)}
	switch {
	case a.Cookie == "" && a.Header == "":
		p.add(at, "needs a cookie or a header to hash on")
	case a.Cookie != "" && a.Header != "":
		p.add(at, "hashes on a cookie or a header, not both")
	case a.Cookie != "" && !httpToken.MatchString(a.Cookie):
		p.add(at+".cookie", "%q is not a valid cookie name", a.Cookie)
	case a.Header != "" && !httpToken.MatchString(a.Header):
		p.add(at+".header", "%q is not a valid header name", a.Header)
	}
	if raw.CookieTTLSeconds != nil && a.Cookie == "" {
		p.add(at+".cookieTTLSeconds", "is for a cookie")
	}
	if a.CookieTTLSeconds < 0 {
		p.add(at+".cookieTTLSeconds", "must be 0 (a session cookie) or more, got %d", a.CookieTTLSeconds)
	}
	return a
}

// decodePrometheusURL checks observability.prometheusUrl: an http(s) address
// with a host, or nothing.
func decodePrometheusURL(text, at string, p *problems) string {
	if text == "" {
		return ""
	}
	u, err := url.Parse(text)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(at, "must be an http or https URL such as http://prometheus.istio-system:9090, got %q", text)
		return ""
	}
	return strings.TrimRight(text, "/")
}

// decodeWebhookURL accepts an https URL (http only to this machine, for tests
// and local relays): a webhook carries a rollout's news, often to a chat.
func decodeWebhookURL(text, at string, p *problems) string {
	if text == "" {
		return ""
	}
	u, err := url.Parse(text)
	local := err == nil && u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost")
	if err != nil || u.Host == "" || (u.Scheme != "https" && !local) {
		p.add(at, "must be an https URL (a Slack-compatible incoming webhook), got %q; keep a secret one in $ROLLOUT_WEBHOOK_URL instead", text)
		return ""
	}
	return text
}

// QueryTarget is what a rollout query template is rendered with.
type QueryTarget struct {
	Namespace, Workload, Window string
}

// Render fills a rollout query template.
func (t QueryTarget) Render(text string) (string, error) {
	tmpl, err := template.New("query").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = tmpl.Execute(&b, t)
	return b.String(), err
}

// DefaultRolloutQueries read Istio's standard metrics.
func DefaultRolloutQueries() RolloutQueries {
	return RolloutQueries{Requests: DefaultRequestsQuery, Errors: DefaultErrorsQuery, P99: DefaultP99Query}
}

// decodeRolloutQueries fills observability.rolloutQueries from the defaults
// and checks that each template renders.
func decodeRolloutQueries(raw *RolloutQueries, at string, p *problems) RolloutQueries {
	q := DefaultRolloutQueries()
	if raw == nil {
		return q
	}
	sample := QueryTarget{Namespace: "ns", Workload: "w", Window: "60s"}
	for _, f := range []struct {
		key  string
		text string
		into *string
	}{{"requests", raw.Requests, &q.Requests}, {"errors", raw.Errors, &q.Errors}, {"p99", raw.P99, &q.P99}} {
		if f.text == "" {
			continue
		}
		if _, err := sample.Render(f.text); err != nil {
			p.add(at+"."+f.key, "is not a query template ({{.Namespace}}, {{.Workload}}, {{.Window}}): %v", err)
		}
		*f.into = f.text
	}
	return q
}
