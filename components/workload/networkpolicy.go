package workload

import (
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/names"
)

// Callers says who may reach a service's pods besides the pods of its own
// namespace (the mesh's callers): the ingress gateway, and Prometheus, which
// scrapes Istio's merged metrics port.
type Callers struct {
	GatewayNamespace string
	IstioNamespace   string
}

// istioMetricsPort is where the sidecar serves the merged metrics Prometheus scrapes.
const istioMetricsPort = 15020

// prometheusLabel selects the Prometheus add-on's pods (Istio's sample manifest).
var prometheusLabel = pulumi.StringMap{"app.kubernetes.io/name": pulumi.String("prometheus")}

// networkPolicy denies every connection to the service's pods but those of
// Callers. A NodePort or LoadBalancer service is meant to be reached from
// outside the cluster, so its port stays open to any address.
func networkPolicy(ctx *pulumi.Context, resourceName string, args *Args, opts ...pulumi.ResourceOption) error {
	svc := args.Service
	inNamespace := func(namespace string, pods pulumi.StringMap) *networkingv1.NetworkPolicyPeerArgs {
		return &networkingv1.NetworkPolicyPeerArgs{
			NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(namespace)}},
			PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pods},
		}
	}
	port := func(n int) networkingv1.NetworkPolicyPortArray {
		return networkingv1.NetworkPolicyPortArray{&networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(n)}}
	}
	appPeers := networkingv1.NetworkPolicyPeerArray{
		&networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}},
		inNamespace(args.Callers.GatewayNamespace, pulumi.StringMap{names.AppLabel: pulumi.String(names.IngressGatewayRelease)}),
	}
	if svc.ServiceType != "ClusterIP" {
		appPeers = append(appPeers, &networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String("0.0.0.0/0")}})
	}
	_, err := networkingv1.NewNetworkPolicy(ctx, resourceName, &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(names.Service(svc.Name)), Namespace: args.Namespace,
			Labels: pulumi.StringMap{names.AppLabel: pulumi.String(svc.Name)},
		},
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{names.AppLabel: pulumi.String(svc.Name)}},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{
				&networkingv1.NetworkPolicyIngressRuleArgs{From: appPeers, Ports: port(svc.TargetPort)},
				&networkingv1.NetworkPolicyIngressRuleArgs{
					From:  networkingv1.NetworkPolicyPeerArray{inNamespace(args.Callers.IstioNamespace, prometheusLabel)},
					Ports: port(istioMetricsPort),
				},
			},
		},
	}, opts...)
	if err != nil {
		return fmt.Errorf("service %s: network policy: %w", svc.Name, err)
	}
	return nil
}
