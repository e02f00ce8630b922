package zerotrust

import (
	"slices"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// The network's half of zero trust. NetworkPolicy selects pods by labels and
// namespaces, not by ServiceAccount: a caller of another namespace is admitted
// with its whole namespace here, and told apart by its principal in Istio's
// authorization only.

// istioMetricsPort is where the sidecar serves the merged metrics Prometheus scrapes.
const istioMetricsPort = 15020

// istiodXDSPort is where sidecars fetch their config and certificates.
const istiodXDSPort = 15012

// dnsPort is the cluster DNS's, reached over UDP and TCP.
const dnsPort = 53

// prometheusLabel selects the Prometheus add-on's pods (Istio's sample manifest).
var prometheusLabel = map[string]string{"app.kubernetes.io/name": "prometheus"}

// istiodLabel selects istiod's pods (the istio-discovery chart).
var istiodLabel = map[string]string{"app": "istiod"}

// Network is what a service's NetworkPolicy is drawn from besides the service.
type Network struct {
	App              model.App
	IstioNamespace   string
	GatewayNamespace string
	// Callees are the services the service is declared to call.
	Callees []model.Service
}

// ServicePolicySpec admits to a service's pods only its callers' pods (every
// pod of the namespace while the namespace's mTLS is not STRICT, when callers
// cannot be declared), the ingress gateway when routed through it, and
// Prometheus on the metrics port; a NodePort or LoadBalancer service keeps its
// port open to any address, being meant for clients outside the cluster. Out
// of them it lets connections reach the pods of the services it calls (the
// namespace's baseline adds DNS, istiod and the declared external hosts).
func ServicePolicySpec(svc model.Service, net Network) *networkingv1.NetworkPolicySpecArgs {
	var from networkingv1.NetworkPolicyPeerArray
	switch {
	case !net.App.Authorization():
		from = append(from, &networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}})
	default:
		for _, c := range svc.Callers {
			if c.Service != "" {
				from = append(from, &networkingv1.NetworkPolicyPeerArgs{PodSelector: selectLabels(map[string]string{names.AppLabel: c.Service})})
			} else {
				from = append(from, inNamespace(c.Namespace, nil))
			}
		}
	}
	if svc.Gateway || !net.App.Authorization() {
		from = append(from, inNamespace(net.GatewayNamespace, map[string]string{names.AppLabel: names.IngressGatewayRelease}))
	}
	if svc.ServiceType != "ClusterIP" {
		from = append(from, &networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String("0.0.0.0/0")}})
	}
	ingress := networkingv1.NetworkPolicyIngressRuleArray{
		&networkingv1.NetworkPolicyIngressRuleArgs{
			From:  networkingv1.NetworkPolicyPeerArray{inNamespace(net.IstioNamespace, prometheusLabel)},
			Ports: tcpPorts(istioMetricsPort),
		},
	}
	if len(from) > 0 {
		ingress = append(networkingv1.NetworkPolicyIngressRuleArray{&networkingv1.NetworkPolicyIngressRuleArgs{From: from, Ports: tcpPorts(svc.TargetPort)}}, ingress...)
	}
	spec := &networkingv1.NetworkPolicySpecArgs{
		PodSelector: selectLabels(map[string]string{names.AppLabel: svc.Name}),
		PolicyTypes: pulumi.ToStringArray([]string{"Ingress", "Egress"}),
		Ingress:     ingress,
	}
	var egress networkingv1.NetworkPolicyEgressRuleArray
	for _, callee := range net.Callees {
		egress = append(egress, &networkingv1.NetworkPolicyEgressRuleArgs{
			To:    networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{PodSelector: selectLabels(map[string]string{names.AppLabel: callee.Name})}},
			Ports: tcpPorts(callee.TargetPort),
		})
	}
	// An Egress policy type with no rule denies every connection out; the
	// namespace's baseline policy adds what every pod may reach.
	spec.Egress = egress
	return spec
}

// EgressBaselineSpec is what every pod of the namespace may reach: the
// cluster's DNS, istiod (the sidecar's config and certificates), the ports of
// the declared external hosts (the host itself is held by the sidecars'
// registry-only mode: a NetworkPolicy knows addresses, not names), and, while
// the namespace's mTLS is not STRICT, the namespace's own pods.
func EgressBaselineSpec(app model.App, istioNamespace string) *networkingv1.NetworkPolicySpecArgs {
	egress := networkingv1.NetworkPolicyEgressRuleArray{
		&networkingv1.NetworkPolicyEgressRuleArgs{Ports: networkingv1.NetworkPolicyPortArray{
			&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(dnsPort)},
			&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(dnsPort)},
		}},
		&networkingv1.NetworkPolicyEgressRuleArgs{
			To:    networkingv1.NetworkPolicyPeerArray{inNamespace(istioNamespace, istiodLabel)},
			Ports: tcpPorts(istiodXDSPort),
		},
	}
	var ports []int
	for _, h := range app.Egress {
		if !slices.Contains(ports, h.Port) {
			ports = append(ports, h.Port)
		}
	}
	if len(ports) > 0 {
		egress = append(egress, &networkingv1.NetworkPolicyEgressRuleArgs{
			To:    networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String("0.0.0.0/0")}}},
			Ports: tcpPorts(ports...),
		})
	}
	if !app.Authorization() {
		egress = append(egress, &networkingv1.NetworkPolicyEgressRuleArgs{
			To: networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}}},
		})
	}
	return &networkingv1.NetworkPolicySpecArgs{
		PodSelector: &metav1.LabelSelectorArgs{},
		PolicyTypes: pulumi.ToStringArray([]string{"Egress"}),
		Egress:      egress,
	}
}

func selectLabels(labels map[string]string) *metav1.LabelSelectorArgs {
	return &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(labels)}
}

// inNamespace selects pods of a namespace by labels (every pod when nil).
func inNamespace(namespace string, pods map[string]string) *networkingv1.NetworkPolicyPeerArgs {
	peer := &networkingv1.NetworkPolicyPeerArgs{
		NamespaceSelector: selectLabels(map[string]string{"kubernetes.io/metadata.name": namespace}),
	}
	if pods != nil {
		peer.PodSelector = selectLabels(pods)
	}
	return peer
}

func tcpPorts(ports ...int) networkingv1.NetworkPolicyPortArray {
	var out networkingv1.NetworkPolicyPortArray
	for _, p := range ports {
		out = append(out, &networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(p)})
	}
	return out
}
