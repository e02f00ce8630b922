// Package appenv creates what the application's services share: the namespace
// (labelled for sidecar injection) and the ConfigMap built from the properties file.
package appenv

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	securityv1 "istio.io/api/security/v1"
	securityv1beta1 "istio.io/api/security/v1beta1"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/istiocr"
	"github.com/cloudnative-pac/platform/model"
)

// MountPath is where every service finds the properties file.
const MountPath = "/config"

// Args configure the application environment.
type Args struct {
	Config model.App
}

// Env is the application namespace and shared config.
type Env struct {
	pulumi.ResourceState

	Namespace pulumi.StringOutput
	ConfigMap pulumi.StringOutput
	// ConfigChecksum changes whenever the properties change; workloads put it on
	// their pod template so that a config change rolls them.
	ConfigChecksum string
}

// New creates the namespace and the ConfigMap.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Env, error) {
	e := &Env{}
	if err := ctx.RegisterComponentResource("cloudnative:app:Environment", name, e, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config

	injection := "disabled"
	if cfg.SidecarInjection {
		injection = "enabled"
	}
	namespace, err := appNamespace(ctx, name, cfg.Namespace, pulumi.StringMap{"istio-injection": pulumi.String(injection)}, pulumi.Parent(e))
	if err != nil {
		return nil, fmt.Errorf("app namespace %s: %w", cfg.Namespace, err)
	}

	cm, err := corev1.NewConfigMap(ctx, name+"-config", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(cfg.ConfigMapName),
			Namespace: namespace,
		},
		Data: pulumi.StringMap{cfg.PropertiesFileName: pulumi.String(cfg.Properties)},
	}, pulumi.Parent(e))
	if err != nil {
		return nil, fmt.Errorf("config map %s: %w", cfg.ConfigMapName, err)
	}

	// The namespace's mTLS mode. Istio treats a PeerAuthentication named
	// "default" as the namespace-wide policy.
	_, err = istiocr.New(ctx, name+"-mtls", istiocr.Security, "PeerAuthentication",
		istiocr.Meta{Name: "default", Namespace: namespace},
		&securityv1.PeerAuthentication{Mtls: &securityv1.PeerAuthentication_MutualTLS{
			Mode: securityv1.PeerAuthentication_MutualTLS_Mode(securityv1beta1.PeerAuthentication_MutualTLS_Mode_value[cfg.MTLS]),
		}}, pulumi.Parent(e))
	if err != nil {
		return nil, err
	}

	e.Namespace = namespace
	e.ConfigMap = cm.Metadata.Name().Elem()
	e.ConfigChecksum = Checksum(cfg.Properties)
	return e, ctx.RegisterResourceOutputs(e, pulumi.Map{
		"namespace":      e.Namespace,
		"configMap":      e.ConfigMap,
		"configChecksum": pulumi.String(e.ConfigChecksum),
	})
}

// appNamespace registers the application namespace with its labels. The
// cluster's default namespace exists before any stack and outlives them: a
// stack that puts its services there only patches its labels in (server-side
// apply, as a field manager of its own), so that a destroy takes back those
// labels and never deletes the namespace.
func appNamespace(ctx *pulumi.Context, resourceName, namespace string, labels pulumi.StringMap, opts ...pulumi.ResourceOption) (pulumi.StringOutput, error) {
	if namespace == model.SharedNamespace {
		patch, err := corev1.NewNamespacePatch(ctx, resourceName, &corev1.NamespacePatchArgs{
			Metadata: &metav1.ObjectMetaPatchArgs{Name: pulumi.String(namespace), Labels: labels},
		}, opts...)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		return patch.Metadata.Name().Elem(), nil
	}
	ns, err := corev1.NewNamespace(ctx, resourceName, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(namespace), Labels: labels},
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return ns.Metadata.Name().Elem(), nil
}

// Checksum is the short content hash put on pod templates.
func Checksum(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])[:16]
}
