package workload

import (
	"strconv"
	"strings"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/apps"
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

// nonRootUser and nonRootGroup run the containers; images must not need root.
const (
	nonRootUser  = 10001
	nonRootGroup = 10001
)

// A stopping pod keeps serving for drainDelaySeconds before it is told to stop:
// its removal from the Service reaches every kube-proxy and sidecar only after
// a moment, and requests sent meanwhile must still be answered. The apps then
// finish what is in flight (at most 20 s), well inside the grace period.
const (
	drainDelaySeconds       = 5
	terminationGraceSeconds = 30
)

func deploymentSpec(args *Args, track strategy.Track, serviceAccount pulumi.StringInput) *appsv1.DeploymentSpecArgs {
	svc := args.Service
	labels := podLabels(svc.Name, track.Name)
	templateLabels := pulumi.StringMap{}
	for k, v := range labels {
		templateLabels[k] = v
	}
	for k, v := range identityPodLabels(svc.Identity) {
		templateLabels[k] = pulumi.String(v)
	}
	spec := &appsv1.DeploymentSpecArgs{
		MinReadySeconds:         pulumi.Int(track.Rollout.MinReadySeconds),
		ProgressDeadlineSeconds: pulumi.Int(svc.RolloutDeadlineSeconds),
		Selector:                &metav1.LabelSelectorArgs{MatchLabels: labels},
		Strategy:                rolloutStrategy(track.Rollout),
		Template: &corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Labels:      templateLabels,
				Annotations: pulumi.StringMap{ConfigChecksumAnnotation: pulumi.String(args.ConfigChecksum)},
			},
			Spec: &corev1.PodSpecArgs{
				TerminationGracePeriodSeconds: pulumi.Int(terminationGraceSeconds),
				ServiceAccountName:            serviceAccount,
				// The services never call the Kubernetes API: no token in their pods.
				AutomountServiceAccountToken: pulumi.Bool(false),
				SecurityContext: &corev1.PodSecurityContextArgs{
					RunAsNonRoot:   pulumi.Bool(true),
					RunAsUser:      pulumi.Int(nonRootUser),
					RunAsGroup:     pulumi.Int(nonRootGroup),
					SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
				},
				Containers:   corev1.ContainerArray{container(args, track)},
				NodeSelector: placement.NodeSelector(args.Placement),
				// A track's pods spread over nodes where the cluster has several;
				// on one node they still schedule.
				TopologySpreadConstraints: corev1.TopologySpreadConstraintArray{&corev1.TopologySpreadConstraintArgs{
					MaxSkew:           pulumi.Int(1),
					TopologyKey:       pulumi.String("kubernetes.io/hostname"),
					WhenUnsatisfiable: pulumi.String("ScheduleAnyway"),
					LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: labels},
				}},
				Tolerations: placement.Tolerations(args.Placement),
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
	// Readiness asks the service whether it can take requests: failing, the
	// pod leaves the Service's endpoints but keeps running. Liveness only asks
	// whether the process still accepts connections: a busy or degraded pod is
	// taken out of rotation, never restarted for it; a dead one is.
	readiness := &corev1.ProbeArgs{
		HttpGet:             &corev1.HTTPGetActionArgs{Path: pulumi.String(svc.HealthPath), Port: pulumi.Int(svc.TargetPort)},
		InitialDelaySeconds: pulumi.Int(1),
		PeriodSeconds:       pulumi.Int(2),
		FailureThreshold:    pulumi.Int(2),
	}
	liveness := &corev1.ProbeArgs{
		TcpSocket:           &corev1.TCPSocketActionArgs{Port: pulumi.Int(svc.TargetPort)},
		InitialDelaySeconds: pulumi.Int(15),
		PeriodSeconds:       pulumi.Int(10),
		FailureThreshold:    pulumi.Int(3),
	}
	return &corev1.ContainerArgs{
		Name:            pulumi.String(svc.Name),
		Image:           pulumi.String(track.Image),
		ImagePullPolicy: pulumi.String(pullPolicy(track.Image)),
		// The name it is deployed as: an image may run under several.
		Env: corev1.EnvVarArray{&corev1.EnvVarArgs{Name: pulumi.String(apps.ServiceNameEnv), Value: pulumi.String(svc.Name)}},
		Ports: corev1.ContainerPortArray{&corev1.ContainerPortArgs{
			Name:          pulumi.String("http"),
			ContainerPort: pulumi.Int(svc.TargetPort),
		}},
		LivenessProbe:  liveness,
		ReadinessProbe: readiness,
		Lifecycle: &corev1.LifecycleArgs{
			PreStop: &corev1.LifecycleHandlerArgs{Sleep: &corev1.SleepActionArgs{Seconds: pulumi.Int(drainDelaySeconds)}},
		},
		Resources: &corev1.ResourceRequirementsArgs{
			Requests: pulumi.StringMap{"cpu": pulumi.String(svc.Resources.CPURequest), "memory": pulumi.String(svc.Resources.MemoryRequest),
				"ephemeral-storage": pulumi.String(svc.Resources.StorageRequest)},
			Limits: pulumi.StringMap{"cpu": pulumi.String(svc.Resources.CPULimit), "memory": pulumi.String(svc.Resources.MemoryLimit),
				"ephemeral-storage": pulumi.String(svc.Resources.StorageLimit)},
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

// pullPolicy pulls only what can change under its name: an image pinned by
// digest, or by a tag other than latest, is taken from the node when there
// (as Kubernetes would choose too, but said here so a cluster's defaults or a
// mutating policy cannot turn every start into a registry round trip).
func pullPolicy(image string) string {
	if strings.Contains(image, "@sha256:") {
		return "IfNotPresent"
	}
	name := image[strings.LastIndex(image, "/")+1:]
	if _, tag, tagged := strings.Cut(name, ":"); tagged && tag != "latest" {
		return "IfNotPresent"
	}
	return "Always"
}
