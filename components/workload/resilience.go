package workload

import (
	"fmt"

	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/strategy"
)

// resilience adds, for one track, the autoscaler (when configured) and the
// disruption budget (when the track can run more than one pod).
func resilience(ctx *pulumi.Context, resourceName string, args *Args, track strategy.Track, opts ...pulumi.ResourceOption) error {
	svc := args.Service
	deployment := names.Deployment(svc.Name, track.Name)
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(deployment), Namespace: args.Namespace, Labels: podLabels(svc.Name, track.Name)}

	if a := svc.Autoscaling; a != nil {
		_, err := autoscalingv2.NewHorizontalPodAutoscaler(ctx, resourceName, &autoscalingv2.HorizontalPodAutoscalerArgs{
			Metadata: meta,
			Spec: &autoscalingv2.HorizontalPodAutoscalerSpecArgs{
				ScaleTargetRef: &autoscalingv2.CrossVersionObjectReferenceArgs{
					ApiVersion: pulumi.String("apps/v1"), Kind: pulumi.String("Deployment"), Name: pulumi.String(deployment),
				},
				MinReplicas: pulumi.Int(a.MinReplicas),
				MaxReplicas: pulumi.Int(a.MaxReplicas),
				Metrics: autoscalingv2.MetricSpecArray{&autoscalingv2.MetricSpecArgs{
					Type: pulumi.String("Resource"),
					Resource: &autoscalingv2.ResourceMetricSourceArgs{
						Name:   pulumi.String("cpu"),
						Target: &autoscalingv2.MetricTargetArgs{Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(a.CPUUtilization)},
					},
				}},
			},
		}, opts...)
		if err != nil {
			return fmt.Errorf("service %s: autoscaler %s: %w", svc.Name, track.Name, err)
		}
	}

	if svc.MaxPods() > 1 {
		_, err := policyv1.NewPodDisruptionBudget(ctx, resourceName, &policyv1.PodDisruptionBudgetArgs{
			Metadata: meta,
			Spec: &policyv1.PodDisruptionBudgetSpecArgs{
				Selector:       &metav1.LabelSelectorArgs{MatchLabels: podLabels(svc.Name, track.Name)},
				MaxUnavailable: intOrString(svc.DisruptionBudget),
			},
		}, opts...)
		if err != nil {
			return fmt.Errorf("service %s: disruption budget %s: %w", svc.Name, track.Name, err)
		}
	}
	return nil
}
