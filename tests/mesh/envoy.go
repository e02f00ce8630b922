package mesh

import (
	"fmt"
	"regexp"
	"strings"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// Istio's simulator follows a request to its virtual host but matches routes on
// the path alone. Header rules and weighted splits are the plan's core, so the
// routes of the virtual host Istio generated are evaluated here in Envoy's order
// and with Envoy's matching rules; anything in a route this evaluator does not
// know is an error rather than a silent match.

// request is the part of an HTTP request routes look at.
type request struct {
	path    string
	headers map[string]string
}

// firstRoute is the route Envoy picks: the first whose match accepts the request.
func firstRoute(vh *route.VirtualHost, req request) (*route.Route, error) {
	for _, r := range vh.GetRoutes() {
		ok, err := routeMatches(r.GetMatch(), req)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.GetName(), err)
		}
		if ok {
			return r, nil
		}
	}
	return nil, nil
}

func routeMatches(m *route.RouteMatch, req request) (bool, error) {
	if len(m.GetQueryParameters()) > 0 || m.GetRuntimeFraction() != nil || m.GetGrpc() != nil || m.GetTlsContext() != nil ||
		len(m.GetDynamicMetadata()) > 0 || m.GetFilterState() != nil {
		return false, fmt.Errorf("match %v uses conditions this evaluator does not know", m)
	}
	path := req.path
	caseSensitive := m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue()
	fold := func(s string) string {
		if caseSensitive {
			return s
		}
		return strings.ToLower(s)
	}
	switch p := m.GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		if !strings.HasPrefix(fold(path), fold(p.Prefix)) {
			return false, nil
		}
	case *route.RouteMatch_Path:
		if fold(path) != fold(p.Path) {
			return false, nil
		}
	case *route.RouteMatch_PathSeparatedPrefix:
		// Envoy: the path is the prefix, or the prefix followed by "/".
		prefix := fold(p.PathSeparatedPrefix)
		if fold(path) != prefix && !strings.HasPrefix(fold(path), prefix+"/") {
			return false, nil
		}
	case *route.RouteMatch_SafeRegex:
		ok, err := fullMatch(p.SafeRegex.GetRegex(), path)
		if err != nil || !ok {
			return false, err
		}
	default:
		return false, fmt.Errorf("path specifier %T is not evaluated here", p)
	}
	for _, h := range m.GetHeaders() {
		ok, err := headerMatches(h, req.headers)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func headerMatches(h *route.HeaderMatcher, headers map[string]string) (bool, error) {
	value, present := headers[strings.ToLower(h.GetName())]
	if !present && h.GetTreatMissingHeaderAsEmpty() {
		value, present = "", true
	}
	var matched bool
	switch spec := h.GetHeaderMatchSpecifier().(type) {
	case *route.HeaderMatcher_PresentMatch:
		matched = present == spec.PresentMatch
	case *route.HeaderMatcher_StringMatch:
		if !present {
			matched = false
			break
		}
		ok, err := stringMatches(spec.StringMatch, value)
		if err != nil {
			return false, err
		}
		matched = ok
	case *route.HeaderMatcher_ExactMatch:
		matched = present && value == spec.ExactMatch
	case *route.HeaderMatcher_PrefixMatch:
		matched = present && strings.HasPrefix(value, spec.PrefixMatch)
	case *route.HeaderMatcher_SafeRegexMatch:
		ok, err := fullMatch(spec.SafeRegexMatch.GetRegex(), value)
		if err != nil {
			return false, err
		}
		matched = present && ok
	default:
		return false, fmt.Errorf("header matcher %T on %s is not evaluated here", spec, h.GetName())
	}
	if h.GetInvertMatch() {
		return !matched, nil
	}
	return matched, nil
}

func stringMatches(m *matcher.StringMatcher, value string) (bool, error) {
	if m.GetIgnoreCase() {
		value = strings.ToLower(value)
	}
	fold := func(s string) string {
		if m.GetIgnoreCase() {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcher.StringMatcher_Exact:
		return value == fold(p.Exact), nil
	case *matcher.StringMatcher_Prefix:
		return strings.HasPrefix(value, fold(p.Prefix)), nil
	case *matcher.StringMatcher_Suffix:
		return strings.HasSuffix(value, fold(p.Suffix)), nil
	case *matcher.StringMatcher_Contains:
		return strings.Contains(value, fold(p.Contains)), nil
	case *matcher.StringMatcher_SafeRegex:
		return fullMatch(p.SafeRegex.GetRegex(), value)
	default:
		return false, fmt.Errorf("string matcher %T is not evaluated here", p)
	}
}

// fullMatch is Envoy's safe_regex: RE2 over the whole value.
func fullMatch(expr, value string) (bool, error) {
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return false, fmt.Errorf("Envoy would refuse regex %q: %w", expr, err)
	}
	return re.MatchString(value), nil
}

// shares are the clusters a route sends to, with their weights (100 for a
// single cluster).
func shares(r *route.Route) (map[string]int, error) {
	action := r.GetRoute()
	if action == nil {
		return nil, fmt.Errorf("route %s does not forward (%T)", r.GetName(), r.GetAction())
	}
	if c := action.GetCluster(); c != "" {
		return map[string]int{c: 100}, nil
	}
	out := map[string]int{}
	for _, wc := range action.GetWeightedClusters().GetClusters() {
		out[wc.GetName()] += int(wc.GetWeight().GetValue())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("route %s names no cluster", r.GetName())
	}
	return out, nil
}
