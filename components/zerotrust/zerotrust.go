// Package zerotrust declares who may talk to whom in the application
// namespace: Istio's authorization (deny by default, each service open to its
// declared callers' principals), the sidecars' registry-only outbound traffic
// with a ServiceEntry per declared external host, and the NetworkPolicy that
// denies the namespace's egress but for DNS, istiod and those hosts' ports.
// Each service's own NetworkPolicy (its callers in, its callees out) and
// ServiceAccount come with its workload.
package zerotrust

import (
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/istiocr"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// Args configure the namespace's zero-trust objects.
type Args struct {
	App      model.App
	Services []model.Service
	// Namespace is the application namespace (the environment's output, so
	// that everything here waits for it).
	Namespace        pulumi.StringInput
	IstioNamespace   string
	GatewayNamespace string
}

// ZeroTrust is the namespace's authorization, egress registry and egress
// network policy.
type ZeroTrust struct {
	pulumi.ResourceState

	// Policies are the AuthorizationPolicies' names (none when the
	// namespace's mTLS is not STRICT).
	Policies []string
	// ExternalHosts are the ServiceEntries' names.
	ExternalHosts []string
}

// New registers the namespace's zero-trust objects.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*ZeroTrust, error) {
	z := &ZeroTrust{}
	if err := ctx.RegisterComponentResource("cloudnative:app:ZeroTrust", name, z, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(z)
	meta := func(objectName string) istiocr.Meta { return istiocr.Meta{Name: objectName, Namespace: args.Namespace} }

	if args.App.Authorization() {
		if _, err := istiocr.New(ctx, name+"-deny", istiocr.Security, "AuthorizationPolicy", meta(names.DenyByDefaultPolicy), DenyByDefaultSpec(), child); err != nil {
			return nil, err
		}
		z.Policies = append(z.Policies, names.DenyByDefaultPolicy)
		for _, svc := range args.Services {
			spec := CallerPolicySpec(svc, args.App, args.GatewayNamespace)
			if spec == nil {
				continue
			}
			policy := names.AuthorizationPolicy(svc.Name)
			allow := spelled{spec, map[string]any{"action": spec.Action.String()}}
			if _, err := istiocr.New(ctx, name+"-"+policy, istiocr.Security, "AuthorizationPolicy", meta(policy), allow, child); err != nil {
				return nil, fmt.Errorf("service %s: %w", svc.Name, err)
			}
			z.Policies = append(z.Policies, policy)
		}
	}

	sidecar := SidecarSpec(args.IstioNamespace)
	registryOnly := spelled{sidecar, map[string]any{"outboundTrafficPolicy": map[string]any{"mode": sidecar.OutboundTrafficPolicy.Mode.String()}}}
	if _, err := istiocr.New(ctx, name+"-sidecar", istiocr.Networking, "Sidecar", meta(names.NamespaceSidecar), registryOnly, child); err != nil {
		return nil, err
	}
	for _, h := range args.App.Egress {
		entry := names.EgressServiceEntry(h.Host, h.Port)
		spec := ServiceEntrySpec(h)
		external := spelled{spec, map[string]any{"location": spec.Location.String(), "resolution": spec.Resolution.String()}}
		if _, err := istiocr.New(ctx, name+"-"+entry, istiocr.Networking, "ServiceEntry", meta(entry), external, child); err != nil {
			return nil, err
		}
		z.ExternalHosts = append(z.ExternalHosts, entry)
	}

	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-egress", &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(names.EgressNetworkPolicy), Namespace: args.Namespace},
		Spec:     EgressBaselineSpec(args.App, args.IstioNamespace),
	}, child); err != nil {
		return nil, fmt.Errorf("egress network policy: %w", err)
	}

	return z, ctx.RegisterResourceOutputs(z, pulumi.Map{
		"authorizationPolicies": pulumi.ToStringArray(z.Policies),
		"externalHosts":         pulumi.ToStringArray(z.ExternalHosts),
	})
}
