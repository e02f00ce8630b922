package zerotrust

import (
	"encoding/json"
	"fmt"
	"strings"

	networkingv1 "istio.io/api/networking/v1"
	securityv1 "istio.io/api/security/v1"
	typev1beta1 "istio.io/api/type/v1beta1"

	"github.com/cloudnative-pac/platform/components/istiocr"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// DenyByDefaultSpec is the namespace's allow-nothing policy: an ALLOW policy
// without rules matches no request, and a workload under any ALLOW policy is
// reachable only through the requests one of them matches.
func DenyByDefaultSpec() *securityv1.AuthorizationPolicy {
	return &securityv1.AuthorizationPolicy{}
}

func callerPrincipal(c model.Caller, app model.App) string {
	if c.Service != "" {
		return names.Principal(app.TrustDomain, app.Namespace, names.ServiceAccount(c.Service))
	}
	return names.Principal(app.TrustDomain, c.Namespace, c.ServiceAccount)
}

// CallerPolicySpec allows the service's callers in, each to the methods and
// path prefixes it is narrowed to; nil when nobody may call it (the
// namespace's deny-by-default then refuses every request).
func CallerPolicySpec(svc model.Service, app model.App, gatewayNamespace string) *securityv1.AuthorizationPolicy {
	var rules []*securityv1.Rule
	for _, c := range svc.Callers {
		rule := &securityv1.Rule{From: []*securityv1.Rule_From{{Source: &securityv1.Source{Principals: []string{callerPrincipal(c, app)}}}}}
		if len(c.Methods) > 0 || len(c.PathPrefixes) > 0 {
			op := &securityv1.Operation{Methods: c.Methods}
			for _, prefix := range c.PathPrefixes {
				op.Paths = append(op.Paths, prefixPattern(prefix))
			}
			rule.To = []*securityv1.Rule_To{{Operation: op}}
		}
		rules = append(rules, rule)
	}
	if svc.Gateway {
		gateway := names.Principal(app.TrustDomain, gatewayNamespace, names.IngressGatewayServiceAccount)
		rules = append(rules, &securityv1.Rule{From: []*securityv1.Rule_From{{Source: &securityv1.Source{Principals: []string{gateway}}}}})
	}
	if len(rules) == 0 {
		return nil
	}
	return &securityv1.AuthorizationPolicy{
		Selector: &typev1beta1.WorkloadSelector{MatchLabels: map[string]string{names.AppLabel: svc.Name}},
		Action:   securityv1.AuthorizationPolicy_ALLOW,
		Rules:    rules,
	}
}

// prefixPattern is Istio's form of a path prefix: a trailing "*". "/api"
// becomes "/api*", as a gateway route's prefix matches.
func prefixPattern(prefix string) string {
	return strings.TrimSuffix(prefix, "*") + "*"
}

// SidecarSpec keeps the namespace's sidecars to the mesh's registry: outbound
// traffic to a destination the registry does not know (no Service, no
// ServiceEntry) is dropped rather than passed through.
func SidecarSpec(istioNamespace string) *networkingv1.Sidecar {
	return &networkingv1.Sidecar{
		Egress: []*networkingv1.IstioEgressListener{{Hosts: []string{"./*", istioNamespace + "/*"}}},
		OutboundTrafficPolicy: &networkingv1.OutboundTrafficPolicy{
			Mode: networkingv1.OutboundTrafficPolicy_REGISTRY_ONLY,
		},
	}
}

// ServiceEntrySpec adds a declared external host to the namespace's registry,
// visible to the namespace only. A wildcard host cannot be resolved by the
// sidecar, so it passes to the address the application resolved.
func ServiceEntrySpec(h model.ExternalHost) *networkingv1.ServiceEntry {
	resolution := networkingv1.ServiceEntry_DNS
	if strings.HasPrefix(h.Host, "*.") {
		resolution = networkingv1.ServiceEntry_NONE
	}
	return &networkingv1.ServiceEntry{
		Hosts:    []string{h.Host},
		Location: networkingv1.ServiceEntry_MESH_EXTERNAL,
		Ports: []*networkingv1.ServicePort{{
			Number:   uint32(h.Port),
			Name:     fmt.Sprintf("%s-%d", strings.ToLower(h.Protocol), h.Port),
			Protocol: h.Protocol,
		}},
		Resolution: resolution,
		ExportTo:   []string{"."},
	}
}

// spelled writes enum settings that protobuf's JSON leaves out because they
// are the enum's zero value (ALLOW, REGISTRY_ONLY, MESH_EXTERNAL, NONE): the
// meaning is the same either way, but a person reading the object on the
// cluster, or a drift report, should see the policy say it.
type spelled struct {
	spec   json.Marshaler
	fields map[string]any
}

func (s spelled) MarshalJSON() ([]byte, error) {
	value, err := istiocr.SpecValue(s.spec)
	if err != nil {
		return nil, err
	}
	merge(value, s.fields)
	return json.Marshal(value)
}

// merge sets fields into value, descending into nested objects.
func merge(value, fields map[string]any) {
	for k, v := range fields {
		nested, isObject := v.(map[string]any)
		if !isObject {
			value[k] = v
			continue
		}
		inner, ok := value[k].(map[string]any)
		if !ok {
			inner = map[string]any{}
			value[k] = inner
		}
		merge(inner, nested)
	}
}
