package workload

import (
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/zerotrust"
	"github.com/cloudnative-pac/platform/names"
)

// networkPolicy admits to the service's pods only what zerotrust.ServicePolicySpec
// says, and lets them reach only the services they are declared to call.
func networkPolicy(ctx *pulumi.Context, resourceName string, args *Args, opts ...pulumi.ResourceOption) error {
	svc := args.Service
	_, err := networkingv1.NewNetworkPolicy(ctx, resourceName, &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(names.Service(svc.Name)), Namespace: args.Namespace,
			Labels: pulumi.StringMap{names.AppLabel: pulumi.String(svc.Name)},
		},
		Spec: zerotrust.ServicePolicySpec(svc, args.Network),
	}, opts...)
	if err != nil {
		return fmt.Errorf("service %s: network policy: %w", svc.Name, err)
	}
	return nil
}
