package workload

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// What each cloud reads to hand a pod its cloud identity: an annotation on
// the ServiceAccount, and on AKS a label on the pod too (its webhook injects
// the token only into pods that carry it).
const (
	gkeServiceAccountAnnotation = "iam.gke.io/gcp-service-account"
	eksRoleAnnotation           = "eks.amazonaws.com/role-arn"
	aksClientIDAnnotation       = "azure.workload.identity/client-id"
	aksUseLabel                 = "azure.workload.identity/use"
)

// serviceAccount is the service's own identity: every track runs as it, so
// its mesh principal names the service. The services never call the
// Kubernetes API, so no token is mounted.
func serviceAccount(ctx *pulumi.Context, resourceName string, args *Args, opts ...pulumi.ResourceOption) (*corev1.ServiceAccount, error) {
	svc := args.Service
	sa, err := corev1.NewServiceAccount(ctx, resourceName, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(names.ServiceAccount(svc.Name)),
			Namespace:   args.Namespace,
			Labels:      pulumi.StringMap{names.AppLabel: pulumi.String(svc.Name)},
			Annotations: pulumi.ToStringMap(identityAnnotations(svc.Identity)),
		},
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("service %s: service account: %w", svc.Name, err)
	}
	return sa, nil
}

func identityAnnotations(id *model.CloudIdentity) map[string]string {
	switch {
	case id == nil:
		return nil
	case id.GCPServiceAccount != "":
		return map[string]string{gkeServiceAccountAnnotation: id.GCPServiceAccount}
	case id.AWSRoleARN != "":
		return map[string]string{eksRoleAnnotation: id.AWSRoleARN}
	case id.AzureClientID != "":
		return map[string]string{aksClientIDAnnotation: id.AzureClientID}
	}
	return nil
}

// identityPodLabels are labels the pods need beside the selector's (which
// must never change on a live Deployment).
func identityPodLabels(id *model.CloudIdentity) map[string]string {
	if id != nil && id.AzureClientID != "" {
		return map[string]string{aksUseLabel: "true"}
	}
	return nil
}
