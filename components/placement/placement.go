// Package placement turns the model's node placement into the forms the
// components write it in: a pod spec's typed fields, and the plain maps of Helm
// values and manifest transforms. One conversion, so a Deployment of ours, a
// chart's and an add-on's say the same thing.
package placement

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
)

// NodeSelector is the pod spec's nodeSelector; nil when empty, so an object
// without placement is written exactly as before.
func NodeSelector(p model.Placement) pulumi.StringMapInput {
	if len(p.NodeSelector) == 0 {
		return nil
	}
	out := pulumi.StringMap{}
	for k, v := range p.NodeSelector {
		out[k] = pulumi.String(v)
	}
	return out
}

// Tolerations are the pod spec's tolerations; nil when there are none.
func Tolerations(p model.Placement) corev1.TolerationArrayInput {
	if len(p.Tolerations) == 0 {
		return nil
	}
	out := corev1.TolerationArray{}
	for _, t := range p.Tolerations {
		arg := &corev1.TolerationArgs{Key: optional(t.Key), Operator: optional(t.Operator), Value: optional(t.Value), Effect: optional(t.Effect)}
		if t.Seconds != nil {
			arg.TolerationSeconds = pulumi.Int(*t.Seconds)
		}
		out = append(out, arg)
	}
	return out
}

// Values are the placement as untyped values: nodeSelector and tolerations
// keys, only those set. Helm charts (istiod, the gateway) take them at their
// top level, and a manifest transform sets them in a pod spec.
func Values(p model.Placement) pulumi.Map {
	out := pulumi.Map{}
	if len(p.NodeSelector) > 0 {
		selector := pulumi.Map{}
		for k, v := range p.NodeSelector {
			selector[k] = pulumi.String(v)
		}
		out["nodeSelector"] = selector
	}
	if len(p.Tolerations) > 0 {
		tolerations := pulumi.Array{}
		for _, t := range p.Tolerations {
			m := pulumi.Map{}
			for k, v := range map[string]string{"key": t.Key, "operator": t.Operator, "value": t.Value, "effect": t.Effect} {
				if v != "" {
					m[k] = pulumi.String(v)
				}
			}
			if t.Seconds != nil {
				m["tolerationSeconds"] = pulumi.Int(*t.Seconds)
			}
			tolerations = append(tolerations, m)
		}
		out["tolerations"] = tolerations
	}
	return out
}

func optional(s string) pulumi.StringPtrInput {
	if s == "" {
		return nil
	}
	return pulumi.String(s)
}
