package stacks

import (
	"maps"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PatchForceAnnotation makes the Kubernetes provider force its server-side
// apply of the object: the program owns every field it declares, so an up
// restores a field someone changed by hand (kubectl patch, another field
// manager) instead of failing on the conflict. Carried on each object, so
// that a plain `pulumi up` (Pulumi's CLI and language host, the deploy
// workflow's action) gets it too, not only runs through `platform`.
const PatchForceAnnotation = "pulumi.com/patchForce"

// forceOwnership is the stack transformation that puts PatchForceAnnotation
// on every Kubernetes object the program declares (those with metadata: not
// the provider, Helm releases or manifest files, which Helm or the provider
// apply object by object).
func forceOwnership(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	if !strings.HasPrefix(args.Type, "kubernetes:") || args.Props == nil {
		return nil
	}
	// Custom resources (Istio's, cert-manager's) are registered untyped.
	if untyped, ok := args.Props.(kubernetes.UntypedArgs); ok {
		meta, ok := withPatchForceMeta(untyped["metadata"])
		if !ok {
			return nil
		}
		untyped["metadata"] = meta
		return &pulumi.ResourceTransformationResult{Props: untyped, Opts: args.Opts}
	}
	props := reflect.ValueOf(args.Props)
	if props.Kind() != reflect.Pointer || props.Elem().Kind() != reflect.Struct {
		return nil
	}
	field := props.Elem().FieldByName("Metadata")
	if !field.IsValid() || !field.CanSet() {
		return nil
	}
	meta, ok := withPatchForceMeta(field.Interface())
	if !ok {
		return nil
	}
	field.Set(reflect.ValueOf(meta))
	return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: args.Opts}
}

// withPatchForceMeta returns an object's metadata with the annotation added.
func withPatchForceMeta(meta any) (any, bool) {
	switch m := meta.(type) {
	case nil:
		return &metav1.ObjectMetaArgs{Annotations: withPatchForce(nil)}, true
	case *metav1.ObjectMetaArgs:
		if m == nil {
			return withPatchForceMeta(nil)
		}
		copied := *m
		copied.Annotations = withPatchForce(m.Annotations)
		return &copied, true
	case *metav1.ObjectMetaPatchArgs:
		if m == nil {
			return &metav1.ObjectMetaPatchArgs{Annotations: withPatchForce(nil)}, true
		}
		copied := *m
		copied.Annotations = withPatchForce(m.Annotations)
		return &copied, true
	}
	return nil, false
}

// withPatchForce adds the annotation to an object's annotations.
func withPatchForce(annotations pulumi.StringMapInput) pulumi.StringMapInput {
	switch a := annotations.(type) {
	case nil:
		return pulumi.StringMap{PatchForceAnnotation: pulumi.String("true")}
	case pulumi.StringMap:
		out := pulumi.StringMap{}
		maps.Copy(out, a)
		out[PatchForceAnnotation] = pulumi.String("true")
		return out
	default:
		return a.ToStringMapOutput().ApplyT(func(m map[string]string) map[string]string {
			out := maps.Clone(m)
			if out == nil {
				out = map[string]string{}
			}
			out[PatchForceAnnotation] = "true"
			return out
		}).(pulumi.StringMapOutput)
	}
}
