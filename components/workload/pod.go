package workload

import (
	"strconv"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/placement"
	"github.com/cloudnative-pac/platform/strategy"
)

const configVolume = "config"

// The root filesystem is read-only; /tmp is the one writable place, an emptyDir
// of at most scratchSize (a JVM, for one, needs a writable temp directory).
const (
	scratchVolume = "tmp"
	scratchPath   = "/tmp"
	scratchSize   = "64Mi"
)

// nonRootUser runs the containers; images must not need root.
const nonRootUser = 10001

func deploymentSpec(args *Args, track strategy.Track) *appsv1.DeploymentSpecArgs {
	svc := args.Service
	labels := podLabels(svc.Name, track.Name)
	spec := &appsv1.DeploymentSpecArgs{
		MinReadySeconds: pulumi.Int(track.Rollout.MinReadySeconds),
		Selector:        &metav1.LabelSelectorArgs{MatchLabels: labels},
		Strategy:        rolloutStrategy(track.Rollout),
		Template: &corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Labels:      labels,
				Annotations: pulumi.StringMap{ConfigChecksumAnnotation: pulumi.String(args.ConfigChecksum)},
			},
			Spec: &corev1.PodSpecArgs{
				SecurityContext: &corev1.PodSecurityContextArgs{
					RunAsNonRoot:   pulumi.Bool(true),
					RunAsUser:      pulumi.Int(nonRootUser),
					SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
				},
				Containers:   corev1.ContainerArray{container(args, track)},
				NodeSelector: placement.NodeSelector(args.Placement),
				Tolerations:  placement.Tolerations(args.Placement),
				Volumes: corev1.VolumeArray{
					&corev1.VolumeArgs{
						Name:      pulumi.String(configVolume),
						ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: args.ConfigMap},
					},
					&corev1.VolumeArgs{
						Name:     pulumi.String(scratchVolume),
						EmptyDir: &corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String(scratchSize)},
					},
				},
			},
		},
	}
	// With an autoscaler the replica count is its to set: declaring it here would
	// undo its scaling on every up.
	if args.Service.Autoscaling == nil {
		spec.Replicas = pulumi.Int(track.Replicas)
	}
	return spec
}

func rolloutStrategy(r strategy.Rollout) *appsv1.DeploymentStrategyArgs {
	if r.Type == strategy.RolloutRecreate {
		return &appsv1.DeploymentStrategyArgs{Type: pulumi.String(string(strategy.RolloutRecreate))}
	}
	return &appsv1.DeploymentStrategyArgs{
		Type: pulumi.String(string(strategy.RolloutRollingUpdate)),
		RollingUpdate: &appsv1.RollingUpdateDeploymentArgs{
			MaxSurge:       intOrString(r.MaxSurge),
			MaxUnavailable: intOrString(r.MaxUnavailable),
		},
	}
}

func container(args *Args, track strategy.Track) *corev1.ContainerArgs {
	svc := args.Service
	probe := func(initialDelay int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{
			HttpGet: &corev1.HTTPGetActionArgs{
				Path: pulumi.String(svc.HealthPath),
				Port: pulumi.Int(svc.TargetPort),
			},
			InitialDelaySeconds: pulumi.Int(initialDelay),
			PeriodSeconds:       pulumi.Int(10),
		}
	}
	return &corev1.ContainerArgs{
		Name:  pulumi.String(svc.Name),
		Image: pulumi.String(track.Image),
		Ports: corev1.ContainerPortArray{&corev1.ContainerPortArgs{
			Name:          pulumi.String("http"),
			ContainerPort: pulumi.Int(svc.TargetPort),
		}},
		LivenessProbe:  probe(15),
		ReadinessProbe: probe(5),
		Resources: &corev1.ResourceRequirementsArgs{
			Requests: pulumi.StringMap{"cpu": pulumi.String(svc.Resources.CPURequest), "memory": pulumi.String(svc.Resources.MemoryRequest)},
			Limits:   pulumi.StringMap{"cpu": pulumi.String(svc.Resources.CPULimit), "memory": pulumi.String(svc.Resources.MemoryLimit)},
		},
		SecurityContext: &corev1.SecurityContextArgs{
			AllowPrivilegeEscalation: pulumi.Bool(false),
			ReadOnlyRootFilesystem:   pulumi.Bool(true),
			Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
		},
		VolumeMounts: corev1.VolumeMountArray{
			&corev1.VolumeMountArgs{
				Name:      pulumi.String(configVolume),
				MountPath: pulumi.String(args.ConfigMountPath),
				ReadOnly:  pulumi.Bool(true),
			},
			&corev1.VolumeMountArgs{Name: pulumi.String(scratchVolume), MountPath: pulumi.String(scratchPath)},
		},
	}
}

// intOrString keeps "25%" a string and "1" a number, as Kubernetes expects.
func intOrString(value string) pulumi.Input {
	if n, err := strconv.Atoi(value); err == nil {
		return pulumi.Int(n)
	}
	return pulumi.String(value)
}
