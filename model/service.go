package model

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

func strategies() []string {
	return []string{string(Recreate), string(Ramped), string(BlueGreen), string(Canary)}
}

func decodeService(raw rawService, at string, p *problems) Service {
	s := Service{
		Name:                   raw.Name,
		Strategy:               Strategy(raw.Strategy),
		Port:                   intOr(raw.Port, DefaultServicePort),
		ServiceType:            orDefault(raw.ServiceType, DefaultServiceType),
		Replicas:               intOr(raw.Replicas, DefaultReplicas),
		PathPrefix:             orDefault(raw.PathPrefix, "/"+raw.Name),
		HealthPath:             orDefault(raw.HealthPath, DefaultHealthPath),
		RolloutDeadlineSeconds: intOr(raw.Deadline, DefaultRolloutDeadlineSeconds),
		Resources:              decodeResources(raw.Resources, at+".resources", p),
		Traffic:                decodeTraffic(raw.Traffic, at+".trafficPolicy", p),
		Routes:                 decodeRoutes(raw.Routes, at+".routes", p),
	}
	s.TargetPort = intOr(raw.TargetPort, DefaultTargetPort)

	if s.Name == "" {
		p.add(at+".name", "is required")
	} else {
		checkServiceName(p, at+".name", s.Name)
	}
	checkPort(p, at+".port", s.Port)
	checkPort(p, at+".targetPort", s.TargetPort)
	checkServiceType(p, at+".serviceType", s.ServiceType)
	if s.RolloutDeadlineSeconds < MinRolloutDeadlineSeconds {
		p.add(at+".rolloutDeadlineSeconds", "must be at least %d (a pod must get the time to start), got %d", MinRolloutDeadlineSeconds, s.RolloutDeadlineSeconds)
	}
	if s.Replicas < 1 {
		p.add(at+".replicas", "must be at least 1, got %d", s.Replicas)
	}
	if raw.Autoscaling != nil {
		if raw.Replicas != nil {
			p.add(at+".replicas", "is owned by the autoscaler when autoscaling is set; set autoscaling.minReplicas instead")
		}
		s.Autoscaling = decodeAutoscaling(raw.Autoscaling, at+".autoscaling", p)
		s.Replicas = s.Autoscaling.MinReplicas
	}
	s.DisruptionBudget = DefaultDisruptionBudget
	if raw.Disruption != nil {
		s.DisruptionBudget = string(*raw.Disruption)
		checkIntOrPercent(p, at+".disruptionBudget", s.DisruptionBudget)
	}
	if !strings.HasPrefix(s.PathPrefix, "/") {
		p.add(at+".pathPrefix", "must start with /, got %q", s.PathPrefix)
	}
	if !strings.HasPrefix(s.HealthPath, "/") {
		p.add(at+".healthPath", "must start with /, got %q", s.HealthPath)
	}

	// Each strategy owns one settings block; a block for another strategy is a
	// mistake worth reporting, since it would silently do nothing.
	blocks := []struct {
		strategy Strategy
		present  bool
	}{{Ramped, raw.Ramped != nil}, {BlueGreen, raw.BlueGreen != nil}, {Canary, raw.Canary != nil}}
	for _, block := range blocks {
		if block.present && block.strategy != s.Strategy {
			p.add(at+"."+string(block.strategy), "is set but the strategy is %q", s.Strategy)
		}
	}
	switch s.Strategy {
	case Recreate:
		checkImage(p, at+".image", raw.Image)
		s.Image = raw.Image
	case Ramped:
		checkImage(p, at+".image", raw.Image)
		s.Image = raw.Image
		s.Ramped = decodeRamped(raw.Ramped, at+".ramped", p)
	case BlueGreen:
		notSingleImage(p, at, raw.Image)
		s.BlueGreen = decodeBlueGreen(raw.BlueGreen, at+".blueGreen", p)
	case Canary:
		notSingleImage(p, at, raw.Image)
		s.Canary = decodeCanary(raw.Canary, raw.canaryKeys, at+".canary", p)
	case "":
		p.add(at+".strategy", "is required (one of %s)", strings.Join(strategies(), ", "))
	default:
		p.add(at+".strategy", "unknown strategy %q (one of %s)", raw.Strategy, strings.Join(strategies(), ", "))
	}
	s.Progressive = decodeProgressive(raw.Progressive, s.Strategy, at+".progressive", p)
	s.SessionAffinity = decodeSessionAffinity(raw.Affinity, at+".sessionAffinity", p)
	s.Gateway = boolOr(raw.Gateway, DefaultServiceGateway)
	if !s.Gateway && raw.PathPrefix != "" {
		p.add(at+".pathPrefix", "routes through the ingress gateway, but gateway is false")
	}
	s.Callers = decodeCallers(raw.Callers, at+".callers", p)
	s.Identity = decodeCloudIdentity(raw.Identity, at+".identity", p)
	return s
}

func notSingleImage(p *problems, at, image string) {
	if image != "" {
		p.add(at+".image", "is not used by this strategy; set the images in its own block")
	}
}

func decodeResources(raw *rawResources, at string, p *problems) Resources {
	if raw == nil {
		raw = &rawResources{}
	}
	r := Resources{
		CPURequest:     orDefault(raw.CPURequest, DefaultCPURequest),
		MemoryRequest:  orDefault(raw.MemoryRequest, DefaultMemoryRequest),
		CPULimit:       orDefault(raw.CPULimit, DefaultCPULimit),
		MemoryLimit:    orDefault(raw.MemoryLimit, DefaultMemoryLimit),
		StorageRequest: orDefault(raw.StorageRequest, DefaultStorageRequest),
		StorageLimit:   orDefault(raw.StorageLimit, DefaultStorageLimit),
	}
	checkRequestWithinLimit(p, at, "cpuRequest", r.CPURequest, "cpuLimit", r.CPULimit)
	checkRequestWithinLimit(p, at, "memoryRequest", r.MemoryRequest, "memoryLimit", r.MemoryLimit)
	checkRequestWithinLimit(p, at, "ephemeralStorageRequest", r.StorageRequest, "ephemeralStorageLimit", r.StorageLimit)
	return r
}

// checkRequestWithinLimit parses a request and its limit as Kubernetes does
// and refuses a request above its limit, which the API server would reject.
func checkRequestWithinLimit(p *problems, at, requestKey, request, limitKey, limit string) {
	requested, requestOK := checkQuantity(p, at+"."+requestKey, request)
	limited, limitOK := checkQuantity(p, at+"."+limitKey, limit)
	if requestOK && limitOK && requested.Cmp(limited) > 0 {
		p.add(at+"."+requestKey, "%s is above %s %s", request, limitKey, limit)
	}
}

func checkQuantity(p *problems, at, value string) (resource.Quantity, bool) {
	q, err := resource.ParseQuantity(value)
	if err != nil {
		p.add(at, "%q is not a Kubernetes quantity like 250m, 1, 128Mi or 1Gi", value)
		return q, false
	}
	if q.Sign() <= 0 {
		p.add(at, "must be more than zero, got %q", value)
		return q, false
	}
	return q, true
}

func decodeTraffic(raw *rawTraffic, at string, p *problems) TrafficPolicy {
	if raw == nil {
		raw = &rawTraffic{}
	}
	t := TrafficPolicy{
		MaxConnections:          intOr(raw.MaxConnections, DefaultMaxConnections),
		MaxPendingRequests:      intOr(raw.MaxPendingRequests, DefaultMaxPendingRequests),
		MaxRequestsPerConn:      intOr(raw.MaxRequestsPerConn, DefaultMaxRequestsPerConn),
		Consecutive5xxErrors:    intOr(raw.Consecutive5xxErrors, DefaultConsecutive5xxErrors),
		EjectionIntervalSeconds: intOr(raw.EjectionIntervalSeconds, DefaultEjectionIntervalSeconds),
		BaseEjectionSeconds:     intOr(raw.BaseEjectionSeconds, DefaultBaseEjectionSeconds),
		MaxEjectionPercent:      intOr(raw.MaxEjectionPercent, DefaultMaxEjectionPercent),
	}
	positive := map[string]int{
		"maxConnections": t.MaxConnections, "maxPendingRequests": t.MaxPendingRequests,
		"maxRequestsPerConnection": t.MaxRequestsPerConn, "consecutive5xxErrors": t.Consecutive5xxErrors,
		"ejectionIntervalSeconds": t.EjectionIntervalSeconds, "baseEjectionSeconds": t.BaseEjectionSeconds,
	}
	for _, name := range sortedKeys(positive) {
		if positive[name] < 1 {
			p.add(at+"."+name, "must be at least 1, got %d", positive[name])
		}
	}
	checkPercent(p, at+".maxEjectionPercent", t.MaxEjectionPercent)
	return t
}

func decodeRoutes(raw *rawRoutes, at string, p *problems) RoutePolicy {
	if raw == nil {
		raw = &rawRoutes{}
	}
	r := RoutePolicy{
		TimeoutSeconds: intOr(raw.TimeoutSeconds, DefaultRouteTimeoutSeconds),
		RetryAttempts:  intOr(raw.RetryAttempts, DefaultRetryAttempts),
		RetryOn:        orDefault(raw.RetryOn, DefaultRetryOn),
	}
	// A try left unset fits in a route timeout shorter than its default.
	r.PerTryTimeoutSeconds = intOr(raw.PerTryTimeoutSeconds, max(1, min(DefaultPerTryTimeoutSeconds, r.TimeoutSeconds)))
	if r.TimeoutSeconds < 1 {
		p.add(at+".timeoutSeconds", "must be at least 1, got %d", r.TimeoutSeconds)
	}
	if r.RetryAttempts < 0 {
		p.add(at+".retryAttempts", "must not be negative, got %d", r.RetryAttempts)
	}
	if r.PerTryTimeoutSeconds < 1 || r.PerTryTimeoutSeconds > r.TimeoutSeconds {
		p.add(at+".perTryTimeoutSeconds", "must be between 1 and timeoutSeconds (%d), got %d", r.TimeoutSeconds, r.PerTryTimeoutSeconds)
	}
	return r
}

func decodeAutoscaling(raw *rawAutoscaling, at string, p *problems) *Autoscaling {
	a := &Autoscaling{MinReplicas: intOr(raw.MinReplicas, DefaultMinReplicas), MaxReplicas: intOr(raw.MaxReplicas, DefaultMaxReplicas), CPUUtilization: intOr(raw.CPUUtilization, DefaultCPUUtilization)}
	if a.MinReplicas < 1 {
		p.add(at+".minReplicas", "must be at least 1, got %d", a.MinReplicas)
	}
	if a.MaxReplicas < a.MinReplicas {
		p.add(at+".maxReplicas", "must be at least minReplicas (%d), got %d", a.MinReplicas, a.MaxReplicas)
	}
	if a.CPUUtilization < 1 || a.CPUUtilization > 100 {
		p.add(at+".cpuUtilization", "must be between 1 and 100, got %d", a.CPUUtilization)
	}
	return a
}

func decodeRamped(raw *rawRamped, at string, p *problems) *RampedSettings {
	if raw == nil {
		raw = &rawRamped{}
	}
	r := &RampedSettings{MaxSurge: DefaultMaxSurge, MaxUnavailable: DefaultMaxUnavailable, MinReadySeconds: intOr(raw.MinReadySeconds, DefaultMinReadySeconds)}
	if raw.MaxSurge != nil {
		r.MaxSurge = string(*raw.MaxSurge)
	}
	if raw.MaxUnavailable != nil {
		r.MaxUnavailable = string(*raw.MaxUnavailable)
	}
	surge, surgeOK := checkIntOrPercent(p, at+".maxSurge", r.MaxSurge)
	unavailable, unavailableOK := checkIntOrPercent(p, at+".maxUnavailable", r.MaxUnavailable)
	if surgeOK && unavailableOK && surge == 0 && unavailable == 0 {
		p.add(at, "maxSurge and maxUnavailable cannot both be zero: the rollout could never make progress")
	}
	if r.MinReadySeconds < 0 {
		p.add(at+".minReadySeconds", "must not be negative, got %d", r.MinReadySeconds)
	}
	return r
}

func decodeBlueGreen(raw *BlueGreenSettings, at string, p *problems) *BlueGreenSettings {
	if raw == nil {
		p.add(at, "is required for the blueGreen strategy (blueImage, greenImage, active)")
		return &BlueGreenSettings{}
	}
	b := raw
	checkImage(p, at+".blueImage", b.BlueImage)
	checkImage(p, at+".greenImage", b.GreenImage)
	if b.Active != Blue && b.Active != Green {
		p.add(at+".active", "must be %q or %q, got %q", Blue, Green, b.Active)
	}
	return b
}

// decodeCanary checks a canary's block; written names the keys the stack
// wrote in it (a weight of 0 and no weight are not the same mistake).
func decodeCanary(raw *CanarySettings, written map[string]bool, at string, p *problems) *CanarySettings {
	if raw == nil {
		p.add(at, "is required for the canary strategy (stableImage, canaryImage, weight, match)")
		return &CanarySettings{}
	}
	c := raw
	checkImage(p, at+".stableImage", c.StableImage)
	checkImage(p, at+".canaryImage", c.CanaryImage)
	if !written["weight"] {
		p.add(at+".weight", "is required: the percent of unmatched traffic sent to the canary (0 to 100)")
	} else {
		checkPercent(p, at+".weight", c.Weight)
	}
	if !written["match"] {
		p.add(at+".match", "is required: a header rule such as {header: channel, exact: mobile}")
		return c
	}
	if !headerName.MatchString(c.Match.Header) {
		p.add(at+".match.header", "must be a lower-case HTTP header name, got %q", c.Match.Header)
	}
	set := 0
	for _, v := range []string{c.Match.Exact, c.Match.Prefix, c.Match.Regex} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		p.add(at+".match", "set exactly one of exact, prefix or regex (%d set)", set)
	}
	// Envoy matches headers with RE2, the syntax of Go's regexp.
	if c.Match.Regex != "" {
		if _, err := regexp.Compile(c.Match.Regex); err != nil {
			p.add(at+".match.regex", "%q is not an RE2 regular expression: %v", c.Match.Regex, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	return c
}

// Describe renders the match for people, e.g. "channel=mobile".
func (m HeaderMatch) Describe() string {
	switch {
	case m.Prefix != "":
		return fmt.Sprintf("%s=%s*", m.Header, m.Prefix)
	case m.Regex != "":
		return fmt.Sprintf("%s~/%s/", m.Header, m.Regex)
	default:
		return fmt.Sprintf("%s=%s", m.Header, m.Exact)
	}
}
