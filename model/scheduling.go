package model

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Scheduling says which nodes the environment's pods may run on: the
// application's workloads and the platform's own pods (istiod, the ingress
// gateway, the add-ons) separately, since they often belong on different pools
// (a cluster whose only node able to run the sample images is tainted for
// them, a platform pool apart from the application's).
type Scheduling struct {
	Workloads Placement
	Platform  Placement
}

// Placement is a node selector and the taints its pods tolerate.
type Placement struct {
	NodeSelector map[string]string
	Tolerations  []Toleration
}

// Empty reports whether the placement leaves scheduling to the cluster.
func (p Placement) Empty() bool { return len(p.NodeSelector) == 0 && len(p.Tolerations) == 0 }

// SelectorKeys are the node selector's keys in order, for stable output.
func (p Placement) SelectorKeys() []string {
	keys := make([]string, 0, len(p.NodeSelector))
	for k := range p.NodeSelector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Toleration is a Kubernetes toleration; an empty Operator means Equal.
type Toleration struct {
	Key      string
	Operator string
	Value    string
	Effect   string
	// Seconds bounds how long a NoExecute taint is tolerated; nil is forever.
	Seconds *int
}

type rawScheduling struct {
	Workloads *rawPlacement `json:"workloads"`
	Platform  *rawPlacement `json:"platform"`
}

type rawPlacement struct {
	NodeSelector map[string]string `json:"nodeSelector"`
	Tolerations  []rawToleration   `json:"tolerations"`
}

type rawToleration struct {
	Key               string `json:"key"`
	Operator          string `json:"operator"`
	Value             string `json:"value"`
	Effect            string `json:"effect"`
	TolerationSeconds *int   `json:"tolerationSeconds"`
}

var (
	// A label key: an optional DNS-subdomain prefix and a name of at most 63.
	labelName    = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$`)
	labelValue   = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	taintEffects = []string{"", "NoSchedule", "PreferNoSchedule", "NoExecute"}
	// tolerationOperators: empty means Equal.
	tolerationOperators = []string{"", "Equal", "Exists"}
)

func decodeScheduling(raw rawScheduling, p *problems) Scheduling {
	at := key("scheduling")
	return Scheduling{
		Workloads: decodePlacement(raw.Workloads, at+".workloads", p),
		Platform:  decodePlacement(raw.Platform, at+".platform", p),
	}
}

func decodePlacement(raw *rawPlacement, at string, p *problems) Placement {
	if raw == nil {
		return Placement{}
	}
	out := Placement{NodeSelector: raw.NodeSelector}
	for _, k := range out.SelectorKeys() {
		checkLabelKey(p, fmt.Sprintf("%s.nodeSelector[%q]", at, k), k)
		if v := raw.NodeSelector[k]; len(v) > 63 || !labelValue.MatchString(v) {
			p.add(fmt.Sprintf("%s.nodeSelector[%q]", at, k), "%q is not a valid label value (at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric)", v)
		}
	}
	for i, t := range raw.Tolerations {
		tat := fmt.Sprintf("%s.tolerations[%d]", at, i)
		if t.Key != "" {
			checkLabelKey(p, tat+".key", t.Key)
		}
		switch t.Operator {
		case "", "Equal":
			if t.Key == "" {
				p.add(tat+".key", "is required unless operator is Exists (which then tolerates every taint)")
			}
		case "Exists":
			if t.Value != "" {
				p.add(tat+".value", "must be empty when operator is Exists")
			}
		default:
			p.add(tat+".operator", "must be Equal or Exists, got %q", t.Operator)
		}
		if !slices.Contains(taintEffects, t.Effect) {
			p.add(tat+".effect", "must be NoSchedule, PreferNoSchedule or NoExecute (or empty for all), got %q", t.Effect)
		}
		if t.TolerationSeconds != nil && t.Effect != "NoExecute" {
			p.add(tat+".tolerationSeconds", "applies only to the NoExecute effect")
		}
		out.Tolerations = append(out.Tolerations, Toleration{Key: t.Key, Operator: t.Operator, Value: t.Value, Effect: t.Effect, Seconds: t.TolerationSeconds})
	}
	return out
}

// checkLabelKey checks a label or taint key: [prefix/]name.
func checkLabelKey(p *problems, at, k string) {
	prefix, name := "", k
	if i := strings.LastIndex(k, "/"); i >= 0 {
		prefix, name = k[:i], k[i+1:]
		if prefix == "" || len(prefix) > 253 || !dnsSubdomainLabel.MatchString(prefix) {
			p.add(at, "%q has a prefix that is not a DNS subdomain", k)
			return
		}
	}
	if name == "" || len(name) > 63 || !labelName.MatchString(name) {
		p.add(at, "%q is not a valid label key ([prefix/]name, the name at most 63 letters, digits, '-', '_' or '.')", k)
	}
}
