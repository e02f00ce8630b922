package stacks

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/mesh"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// exportIngress exports where the ingress gateway can be reached: the load
// balancer's address once a cloud has assigned one, and the node ports otherwise
// (HTTPS's too when the stack serves it).
// The gateway Service is read after its release exists, so a first preview, when
// it does not exist yet, shows the address as unknown rather than failing.
func exportIngress(ctx *pulumi.Context, istio *mesh.Istio, cfg model.Istio, https bool, opts ...pulumi.ResourceOption) {
	id := istio.Gateway.Status.Namespace().Elem().ApplyT(func(ns string) pulumi.ID {
		return pulumi.ID(ns + "/" + names.IngressGatewayRelease)
	}).(pulumi.IDOutput)
	svc, err := corev1.GetService(ctx, "ingress-gateway", id, nil, append(opts, pulumi.DependsOn([]pulumi.Resource{istio.Gateway}))...)
	if err != nil {
		ctx.Log.Warn("cannot read the ingress gateway service: "+err.Error(), nil)
		return
	}
	// The list is empty until a load balancer is assigned, and always on NodePort.
	address := svc.Status.LoadBalancer().Ingress().ApplyT(func(ingress []corev1.LoadBalancerIngress) string {
		for _, in := range ingress {
			if in.Hostname != nil {
				return *in.Hostname
			}
			if in.Ip != nil {
				return *in.Ip
			}
		}
		return ""
	}).(pulumi.StringOutput)
	ctx.Export("ingressAddress", address)
	ctx.Export("ingressServiceType", pulumi.String(cfg.Gateway.ServiceType))
	ctx.Export("ingressNodePort", nodePort(svc, 80))
	if https {
		ctx.Export("ingressHTTPSNodePort", nodePort(svc, 443))
	}
}

// nodePort is the node port of the gateway Service's port; 0 until assigned.
func nodePort(svc *corev1.Service, port int) pulumi.IntOutput {
	return svc.Spec.Ports().ApplyT(func(ports []corev1.ServicePort) int {
		for _, p := range ports {
			if p.Port == port && p.NodePort != nil {
				return *p.NodePort
			}
		}
		return 0
	}).(pulumi.IntOutput)
}
