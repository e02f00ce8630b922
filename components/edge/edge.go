package edge

import (
	"fmt"
	"path/filepath"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/placement"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// Args configure the gateway's certificate. The Kubernetes provider comes
// through the resource options.
type Args struct {
	TLS          model.TLS
	Hosts        []string
	AppNamespace string
	// GatewayNamespace is where the ingress gateway runs: the Secret, the
	// Issuer, the Certificate and the ACME solvers' Services go there.
	GatewayNamespace pulumi.StringInput
	CertManager      model.CertManager
	// Placement is where cert-manager's pods may run.
	Placement model.Placement
}

// Edge is the gateway's certificate and what keeps it issued.
type Edge struct {
	pulumi.ResourceState

	// CertManager is cert-manager's release, when the stack installs it.
	CertManager *helmv3.Release
	// Secret is the Secret written from certificate files.
	Secret      *corev1.Secret
	Issuer      *apiextensions.CustomResource
	Certificate *apiextensions.CustomResource
	Solvers     []*corev1.Service
	// SecretName is the Secret the gateway serves (credentialName).
	SecretName string
}

// New registers what args.TLS.Source asks for; nothing when TLS is off.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Edge, error) {
	e := &Edge{SecretName: args.TLS.SecretName}
	if err := ctx.RegisterComponentResource("cloudnative:edge:Certificate", name, e, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(e)
	tls := args.TLS
	switch tls.Source {
	case model.SourceFiles:
		secret, err := corev1.NewSecret(ctx, name+"-secret", &corev1.SecretArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(tls.SecretName), Namespace: args.GatewayNamespace},
			Type:     pulumi.String("kubernetes.io/tls"),
			StringData: pulumi.StringMap{
				"tls.crt": pulumi.String(tls.CertificatePEM),
				"tls.key": pulumi.ToSecret(pulumi.String(tls.KeyPEM)).(pulumi.StringOutput),
			},
		}, child)
		if err != nil {
			return nil, fmt.Errorf("certificate secret: %w", err)
		}
		e.Secret = secret
	case model.SourceIssuer:
		if err := e.issue(ctx, name, args, child); err != nil {
			return nil, err
		}
	}
	return e, ctx.RegisterResourceOutputs(e, pulumi.Map{"secretName": pulumi.String(e.SecretName)})
}

// issue installs cert-manager when asked, then its Issuer, the Certificate
// and, for HTTP-01, a Service per host in front of the solver pods.
func (e *Edge) issue(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) error {
	var after []pulumi.Resource
	if cm := args.CertManager; cm.Install {
		// A Namespace of the stack's, not Helm's createNamespace, which an
		// uninstall leaves behind.
		ns, err := corev1.NewNamespace(ctx, name+"-cert-manager", &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(cm.Namespace)},
		}, child)
		if err != nil {
			return fmt.Errorf("cert-manager namespace: %w", err)
		}
		release := &helmv3.ReleaseArgs{
			Name:      pulumi.String(names.CertManagerRelease),
			Namespace: ns.Metadata.Name().Elem(),
			Values:    CertManagerValues(placement.Values(args.Placement)),
			Atomic:    pulumi.Bool(true),
			Timeout:   pulumi.Int(600),
		}
		if cm.ChartDir != "" {
			release.Chart = pulumi.String(filepath.Clean(cm.ChartDir))
		} else {
			release.Chart = pulumi.String("cert-manager")
			release.Version = pulumi.String(cm.Version)
			release.RepositoryOpts = &helmv3.RepositoryOptsArgs{Repo: pulumi.String(cm.Repository)}
		}
		r, err := helmv3.NewRelease(ctx, name+"-cert-manager", release, child)
		if err != nil {
			return fmt.Errorf("cert-manager: %w", err)
		}
		e.CertManager = r
		after = append(after, r)
	}
	ns := args.GatewayNamespace
	meta := func(n string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(n), Namespace: ns}
	}
	var err error
	e.Issuer, err = apiextensions.NewCustomResource(ctx, name+"-issuer", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(CertManagerAPIVersion),
		Kind:        pulumi.String("Issuer"),
		Metadata:    meta(names.GatewayCertificate(args.AppNamespace)),
		OtherFields: map[string]any{"spec": IssuerSpec(args.TLS.Issuer, args.AppNamespace)},
	}, child, pulumi.DependsOn(after))
	if err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	e.Certificate, err = apiextensions.NewCustomResource(ctx, name+"-certificate", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(CertManagerAPIVersion),
		Kind:        pulumi.String("Certificate"),
		Metadata:    meta(names.GatewayCertificate(args.AppNamespace)),
		OtherFields: map[string]any{"spec": CertificateSpec(args.TLS, args.Hosts, args.AppNamespace)},
	}, child, pulumi.DependsOn(append(after, e.Issuer)))
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	for _, s := range ACMESolvers(args.TLS, args.Hosts) {
		// No solver runs between challenges: the Service has no endpoints most
		// of its life, so the provider must not wait for one.
		solverMeta := meta(s.Name)
		solverMeta.Annotations = pulumi.StringMap{names.SkipAwaitAnnotation: pulumi.String("true")}
		svc, err := corev1.NewService(ctx, name+"-"+s.Name, &corev1.ServiceArgs{
			Metadata: solverMeta,
			Spec: &corev1.ServiceSpecArgs{
				Selector: pulumi.ToStringMap(s.Selector),
				Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(s.Port), TargetPort: pulumi.Int(s.Port)}},
			},
		}, child)
		if err != nil {
			return fmt.Errorf("acme solver %s: %w", s.Host, err)
		}
		e.Solvers = append(e.Solvers, svc)
	}
	return nil
}
