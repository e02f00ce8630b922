// Package workload runs one application service: a Deployment per track of its
// release plan, the Service in front of them, and for blue/green a preview Service
// that reaches the idle colour.
package workload

import (
	"encoding/json"
	"fmt"
	"strconv"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/zerotrust"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/strategy"
)

// ConfigChecksumAnnotation on the pod template changes with the properties file,
// so editing the file rolls every Deployment that mounts it.
const ConfigChecksumAnnotation = "cloudnative.dev/config-checksum"

// skipAwait: measured on the local stack, the provider's Service await was half
// of `up` from empty and most of a blue/green switch. Routes still wait for the
// Deployments.
var skipAwait = pulumi.StringMap{names.SkipAwaitAnnotation: pulumi.String("true")}

// Args configure one service.
type Args struct {
	Service model.Service
	Plan    strategy.Plan
	// Namespace is the application namespace.
	Namespace pulumi.StringInput
	// ConfigMap is mounted read-only at ConfigMountPath.
	ConfigMap       pulumi.StringInput
	ConfigMountPath string
	ConfigChecksum  string
	// Images are resources that put the tracks' images on the cluster (a
	// build into minikube); the Deployments wait for them.
	Images []pulumi.Resource
	// CalleeServices are the Services of the services this one calls. Its pods
	// start after them: Kubernetes gives a pod the address of every Service of
	// its namespace that exists when the pod starts (JAVA_SERVICE_SERVICE_HOST),
	// which is how a caller finds its callee in a cluster without DNS.
	CalleeServices []pulumi.Resource
	// Placement is where the pods may run (node selector, tolerations).
	Placement model.Placement
	// Network says who may reach the pods and what they may reach; every
	// other connection is refused.
	Network zerotrust.Network
}

// Workload is a service's Deployments and Services.
type Workload struct {
	pulumi.ResourceState

	Deployments map[string]*appsv1.Deployment
	Service     *corev1.Service
	// Preview reaches the idle colour of a blue/green service; nil otherwise.
	Preview *corev1.Service
}

// New creates the Deployments of every track, then the Services.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Workload, error) {
	w := &Workload{Deployments: map[string]*appsv1.Deployment{}}
	if err := ctx.RegisterComponentResource("cloudnative:app:Workload", name, w, opts...); err != nil {
		return nil, err
	}
	svc := args.Service

	// The pods run as it, so it exists before them.
	account, err := serviceAccount(ctx, name, args, pulumi.Parent(w))
	if err != nil {
		return nil, err
	}
	deploymentNames := pulumi.StringMap{}
	for _, track := range args.Plan.Tracks {
		d, err := appsv1.NewDeployment(ctx, names.Deployment(name, track.Name), &appsv1.DeploymentArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:        pulumi.String(names.Deployment(svc.Name, track.Name)),
				Namespace:   args.Namespace,
				Labels:      podLabels(svc.Name, track.Name),
				Annotations: awaitAnnotations(svc, track),
			},
			Spec: deploymentSpec(args, track, account.Metadata.Name().Elem()),
		}, pulumi.Parent(w), pulumi.DependsOn(args.Images), pulumi.DependsOn(args.CalleeServices), rolloutTimeout(svc))
		if err != nil {
			return nil, fmt.Errorf("service %s: deployment %s: %w", svc.Name, track.Name, err)
		}
		w.Deployments[track.Name] = d
		if err := resilience(ctx, names.Deployment(name, track.Name), args, track, pulumi.Parent(w)); err != nil {
			return nil, err
		}
		deploymentNames[track.Name] = d.Metadata.Name().Elem()
	}

	if err := networkPolicy(ctx, name, args, pulumi.Parent(w)); err != nil {
		return nil, err
	}
	w.Service, err = newService(ctx, name, names.Service(svc.Name), args, selector(svc.Name, args.Plan.ServiceTracks), pulumi.Parent(w))
	if err != nil {
		return nil, err
	}
	outputs := pulumi.Map{"deployments": deploymentNames, "service": w.Service.Metadata.Name().Elem(), "serviceAccount": account.Metadata.Name().Elem()}
	if args.Plan.PreviewTrack != "" {
		w.Preview, err = newService(ctx, names.PreviewService(name), names.PreviewService(svc.Name), args,
			selector(svc.Name, []string{args.Plan.PreviewTrack}), pulumi.Parent(w))
		if err != nil {
			return nil, err
		}
		outputs["previewService"] = w.Preview.Metadata.Name().Elem()
	}
	return w, ctx.RegisterResourceOutputs(w, outputs)
}

// podLabels are the labels of one track's pods.
func podLabels(service, track string) pulumi.StringMap {
	return pulumi.StringMap{names.AppLabel: pulumi.String(service), names.VersionLabel: pulumi.String(track)}
}

// selector selects the pods of the given tracks: with one track, by its version
// label; with several, by the app label alone and Istio splits the traffic.
func selector(service string, tracks []string) pulumi.StringMap {
	if len(tracks) == 1 {
		return podLabels(service, tracks[0])
	}
	return pulumi.StringMap{names.AppLabel: pulumi.String(service)}
}

func newService(ctx *pulumi.Context, resourceName, serviceName string, args *Args, sel pulumi.StringMap, opts ...pulumi.ResourceOption) (*corev1.Service, error) {
	svc := args.Service
	s, err := corev1.NewService(ctx, resourceName, &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(serviceName),
			Namespace:   args.Namespace,
			Labels:      pulumi.StringMap{names.AppLabel: pulumi.String(svc.Name)},
			Annotations: skipAwait,
		},
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String(svc.ServiceType),
			Selector: sel,
			Ports: corev1.ServicePortArray{&corev1.ServicePortArgs{
				// Istio picks the protocol from the port name.
				Name:       pulumi.String("http"),
				Port:       pulumi.Int(svc.Port),
				TargetPort: pulumi.Int(svc.TargetPort),
			}},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", serviceName, err)
	}
	return s, nil
}

// awaitAnnotations make up wait for a recreate rollout to finish. The
// provider's own Deployment check waits for the revision to change, which
// under Recreate happens only once every old pod is gone: it saw the old,
// scaled-down ReplicaSet as done and returned while no version was running
// (the end-to-end recreate test caught it). These conditions are checked only
// once the controller has seen the new spec, and updatedReplicas counts the
// new ReplicaSet's pods alone. The count must be known, so an autoscaled
// recreate service keeps the provider's check.
func awaitAnnotations(svc model.Service, track strategy.Track) pulumi.StringMap {
	if track.Rollout.Type != strategy.RolloutRecreate || svc.Autoscaling != nil {
		return nil
	}
	n := strconv.Itoa(track.Replicas)
	conditions, _ := json.Marshal([]string{
		"jsonpath={.status.updatedReplicas}=" + n,
		"jsonpath={.status.availableReplicas}=" + n,
		"jsonpath={.status.replicas}=" + n,
	})
	return pulumi.StringMap{names.WaitForAnnotation: pulumi.String(string(conditions))}
}

// rolloutTimeout bounds how long up waits for a Deployment: the provider
// reports the controller's progress deadline only as a warning and would
// otherwise wait its own ten minutes for a release that never turns ready.
func rolloutTimeout(svc model.Service) pulumi.ResourceOption {
	limit := fmt.Sprintf("%ds", svc.RolloutDeadlineSeconds)
	return pulumi.Timeouts(&pulumi.CustomTimeouts{Create: limit, Update: limit})
}
