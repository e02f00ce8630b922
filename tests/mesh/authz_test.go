package mesh

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	rbacfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xdstest"
)

// The authorization half of zero trust, as Istio generates it: every service's
// pod gets an inbound listener whose RBAC filter allows exactly the principals
// of its declared callers (and the ingress gateway's when routed through it),
// and nobody at all when it has neither. Envoy makes the decision itself, and
// Envoy does not run here: what is proven is the configuration it would get.

// ingressGatewayServiceAccount is the ServiceAccount Istio's gateway chart
// gives the release istio-ingressgateway (its name).
const ingressGatewayServiceAccount = "istio-ingressgateway"

const rbacFilterName = "envoy.filters.http.rbac"

// expectedPrincipals are the SPIFFE identities a service's callers run as.
// A caller of the case is looked up in the case's own Deployments: its pods'
// ServiceAccount is what its certificate names.
func expectedPrincipals(t *testing.T, c Case, svc Service) []string {
	t.Helper()
	var out []string
	add := func(namespace, account string) {
		out = append(out, fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", c.TrustDomain, namespace, account))
	}
	for _, caller := range svc.Callers {
		if caller.Service == "" {
			add(caller.Namespace, caller.ServiceAccount)
			continue
		}
		accounts := serviceAccountsOf(c, caller.Service)
		if len(accounts) != 1 {
			t.Errorf("%s's pods run as %v: one ServiceAccount per service", caller.Service, accounts)
			continue
		}
		add(c.Namespace, accounts[0])
	}
	if svc.Gateway {
		add(c.GatewayNamespace, ingressGatewayServiceAccount)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// serviceAccountsOf are the ServiceAccounts the service's Deployments run
// their pods as ("default" where a pod names none, as Kubernetes would).
func serviceAccountsOf(c Case, service string) []string {
	var accounts []string
	for _, o := range c.Objects {
		if kindOf(o) != "Deployment" || dig(o, "spec", "template", "metadata", "labels", "app") != service {
			continue
		}
		account, _ := dig(o, "spec", "template", "spec", "serviceAccountName").(string)
		if account == "" {
			account = "default"
		}
		if !slices.Contains(accounts, account) {
			accounts = append(accounts, account)
		}
	}
	return accounts
}

// checkAuthorization follows an mTLS request into each service's first pod
// with Istio's simulator and reads the RBAC filters of the filter chain it
// lands on.
func checkAuthorization(t *testing.T, e *env) {
	for _, svc := range e.c.Services {
		deployment := svc.Tracks[0].Deployment
		var p *pod
		for i := range e.k.pods {
			if e.k.pods[i].deployment == deployment {
				p = &e.k.pods[i]
				break
			}
		}
		if p == nil {
			t.Errorf("%s: no pod of %s", svc.Name, deployment)
			continue
		}
		proxy := e.server.SetupProxy(&model.Proxy{
			Labels:          p.labels,
			ConfigNamespace: p.namespace,
			Metadata:        &model.NodeMetadata{Labels: p.labels, Namespace: p.namespace},
			IPAddresses:     []string{p.ip},
		})
		sim := simulation.NewSimulation(t, e.server, proxy)
		// Under DISABLE the peer speaks plain text; otherwise Istio's mTLS.
		tls := simulation.MTLS
		if !e.c.MutualTLS {
			tls = simulation.Plaintext
		}
		res := sim.Run(simulation.Call{Address: p.ip, Port: svc.TargetPort, Protocol: simulation.HTTP, TLS: tls, CallMode: simulation.CallModeInbound})
		if res.Error != nil {
			t.Errorf("%s: an mTLS request into pod %s:%d: %v", svc.Name, p.ip, svc.TargetPort, res.Error)
			continue
		}
		chain := xdstest.ExtractFilterChain(res.FilterChainMatched, xdstest.ExtractListener(res.ListenerMatched, sim.Listeners))
		hcm := xdstest.ExtractHTTPConnectionManager(t, chain)
		var filters []*rbacfilter.RBAC
		for _, f := range hcm.GetHttpFilters() {
			if f.GetName() == rbacFilterName {
				filters = append(filters, xdstest.UnmarshalAny[rbacfilter.RBAC](t, f.GetTypedConfig()))
			}
		}
		where := fmt.Sprintf("%s (pod %s, inbound chain %s)", svc.Name, p.ip, res.FilterChainMatched)
		if !e.c.Authorization {
			if len(filters) > 0 {
				t.Errorf("%s: %d RBAC filters, yet the namespace writes no authorization (mTLS %s)", where, len(filters), e.c.MTLSMode)
			}
			continue
		}
		if len(filters) != 1 || filters[0].GetRules() == nil || filters[0].GetRules().GetAction() != rbacv3.RBAC_ALLOW {
			t.Errorf("%s: want one RBAC filter allowing only the callers, got %d: %v", where, len(filters), filters)
			continue
		}
		got := allowedPrincipals(filters[0].GetRules())
		want := expectedPrincipals(t, e.c, svc)
		if !slices.Equal(got, want) {
			t.Errorf("%s: Envoy's RBAC allows %v; the stack declares %v", where, got, want)
		}
		checkNarrowedCallers(t, where, filters[0].GetRules(), e.c, svc)
	}
}

// allowedPrincipals gathers every authenticated principal name any policy of
// the rules allows, however Istio nests them (or/and ids).
func allowedPrincipals(rules *rbacv3.RBAC) []string {
	var out []string
	var walk func(p *rbacv3.Principal)
	walk = func(p *rbacv3.Principal) {
		if p == nil {
			return
		}
		if name := p.GetAuthenticated().GetPrincipalName(); name != nil {
			out = append(out, name.GetExact()+name.GetPrefix())
		}
		for _, id := range p.GetOrIds().GetIds() {
			walk(id)
		}
		for _, id := range p.GetAndIds().GetIds() {
			walk(id)
		}
	}
	for _, policy := range rules.GetPolicies() {
		for _, p := range policy.GetPrincipals() {
			walk(p)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// checkNarrowedCallers: a caller narrowed to methods or path prefixes gets a
// policy whose permissions name exactly those.
func checkNarrowedCallers(t *testing.T, where string, rules *rbacv3.RBAC, c Case, svc Service) {
	for i, caller := range svc.Callers {
		if len(caller.Methods) == 0 && len(caller.PathPrefixes) == 0 {
			continue
		}
		name := fmt.Sprintf("ns[%s]-policy[%s-callers]-rule[%d]", c.Namespace, svc.Name, i)
		policy := rules.GetPolicies()[name]
		if policy == nil {
			t.Errorf("%s: no RBAC policy %s for caller %d", where, name, i)
			continue
		}
		text := policy.String()
		for _, m := range caller.Methods {
			if !strings.Contains(text, fmt.Sprintf("exact:%q", m)) {
				t.Errorf("%s: policy %s does not name method %s: %s", where, name, m, text)
			}
		}
		for _, prefix := range caller.PathPrefixes {
			if !strings.Contains(text, fmt.Sprintf("prefix:%q", prefix)) {
				t.Errorf("%s: policy %s does not name path prefix %s: %s", where, name, prefix, text)
			}
		}
	}
}

// checkRegistryOnlyEgress: a sidecar of the namespace never passes a
// connection to an address nothing declares through to it: Envoy's black hole
// takes it — or, on a port a declared plain-TCP host serves, that host's own
// cluster (TCP carries no host name, so Envoy sends the port's connections to
// the declared host, never to the address asked for). Every declared external
// host has its cluster.
func checkRegistryOnlyEgress(t *testing.T, e *env) {
	// An address in the test range that no Service of the case holds.
	const undeclared = "198.19.255.250"
	tcpHosts := map[string]bool{}
	for _, h := range e.c.ExternalHosts {
		if h.Protocol == "TCP" {
			tcpHosts[fmt.Sprintf("outbound|%d||%s", h.Port, h.Host)] = true
		}
	}
	for _, port := range []int{443, 80, 5432} {
		res := e.sidecar.Run(simulation.Call{Address: undeclared, Port: port, Protocol: simulation.TCP, CallMode: simulation.CallModeOutbound})
		switch {
		case res.ClusterMatched == "PassthroughCluster":
			t.Errorf("sidecar → %s:%d passes through to an undeclared destination", undeclared, port)
		case res.Error != nil, res.ClusterMatched == "BlackHoleCluster", tcpHosts[res.ClusterMatched]:
		default:
			t.Errorf("sidecar → %s:%d reaches cluster %q; want Envoy's black hole", undeclared, port, res.ClusterMatched)
		}
	}
	clusters := xdstest.ExtractClusters(e.sidecar.Clusters)
	for _, h := range e.c.ExternalHosts {
		name := fmt.Sprintf("outbound|%d||%s", h.Port, h.Host)
		if clusters[name] == nil {
			t.Errorf("declared external host %s:%d has no cluster %s", h.Host, h.Port, name)
		}
	}
}
