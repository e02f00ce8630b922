package workload

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/components/zerotrust"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy"
)

const deploymentType = "kubernetes:apps/v1:Deployment"
const serviceType = "kubernetes:core/v1:Service"

func service(s model.Strategy) model.Service {
	svc := model.Service{Name: "web", Strategy: s, Port: 80, TargetPort: 8080, ServiceType: "ClusterIP", Replicas: 3, DisruptionBudget: "1",
		HealthPath: "/health", Resources: model.Resources{CPURequest: "100m", MemoryRequest: "128Mi", CPULimit: "500m", MemoryLimit: "256Mi", StorageRequest: "64Mi", StorageLimit: "256Mi"}}
	switch s {
	case model.Recreate:
		svc.Image = "repo/web:1"
	case model.Ramped:
		svc.Image = "repo/web:1"
		svc.Ramped = &model.RampedSettings{MaxSurge: "1", MaxUnavailable: "25%", MinReadySeconds: 4}
	case model.BlueGreen:
		svc.BlueGreen = &model.BlueGreenSettings{BlueImage: "repo/web:1", GreenImage: "repo/web:2", Active: model.Green}
	case model.Canary:
		svc.Canary = &model.CanarySettings{StableImage: "repo/web:1", CanaryImage: "repo/web:2", Weight: 10,
			Match: model.HeaderMatch{Header: "channel", Exact: "mobile"}}
	}
	return svc
}

// strictApp is an application namespace under STRICT mTLS: callers are told
// apart, and only declared ones get in.
var strictApp = model.App{Namespace: "shop", MTLS: "STRICT", TrustDomain: "cluster.local"}

func deploy(t *testing.T, svc model.Service) *mocktest.Mocks {
	t.Helper()
	return deployIn(t, svc, zerotrust.Network{App: strictApp, GatewayNamespace: "istio-ingress", IstioNamespace: "istio-system"})
}

func deployIn(t *testing.T, svc model.Service, network zerotrust.Network) *mocktest.Mocks {
	t.Helper()
	plan, err := strategy.For(svc)
	require.NoError(t, err)
	return mocktest.OnProvider(t, func(ctx *pulumi.Context, onCluster pulumi.ResourceOption) error {
		_, err := New(ctx, svc.Name, &Args{Service: svc, Plan: plan, Namespace: pulumi.String("shop"),
			ConfigMap: pulumi.String("cloudnative-config"), ConfigMountPath: "/config", ConfigChecksum: "abc123",
			Network: network},
			onCluster)
		return err
	})
}

func TestWorkload_DeploymentStrategyFields(t *testing.T) {
	t.Run("recreate", func(t *testing.T) {
		d := deploy(t, service(model.Recreate)).Get(t, deploymentType, "web")
		assert.Equal(t, map[string]any{"type": "Recreate"}, d.Field("spec", "strategy"))
	})
	t.Run("ramped", func(t *testing.T) {
		d := deploy(t, service(model.Ramped)).Get(t, deploymentType, "web")
		assert.Equal(t, map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": float64(1), "maxUnavailable": "25%"}},
			d.Field("spec", "strategy"))
		assert.Equal(t, float64(4), d.Field("spec", "minReadySeconds"))
		assert.Equal(t, float64(3), d.Field("spec", "replicas"))
	})
}

func TestWorkload_SelectorsMatchPodLabels(t *testing.T) {
	for _, s := range []model.Strategy{model.Recreate, model.Ramped, model.BlueGreen, model.Canary} {
		t.Run(string(s), func(t *testing.T) {
			mocks := deploy(t, service(s))
			deployments := mocks.OfType(deploymentType)
			require.NotEmpty(t, deployments)
			for _, d := range deployments {
				podLabels := d.Field("spec", "template", "metadata", "labels").(map[string]any)
				assert.Equal(t, podLabels, d.Field("spec", "selector", "matchLabels"), "%s selects its own pods", d.Name)
				assert.Equal(t, "web", podLabels["app"])
				assert.NotEmpty(t, podLabels["version"])
			}
			svc := mocks.Get(t, serviceType, "web")
			selected := 0
			for _, d := range deployments {
				if labelsMatch(svc.Field("spec", "selector").(map[string]any), d.Field("spec", "template", "metadata", "labels").(map[string]any)) {
					selected++
				}
			}
			want := map[model.Strategy]int{model.Recreate: 1, model.Ramped: 1, model.BlueGreen: 1, model.Canary: 2}[s]
			assert.Equal(t, want, selected, "the service selects the right tracks")
		})
	}
}

func TestWorkload_BlueGreenSelectsActiveAndPreviewsIdle(t *testing.T) {
	mocks := deploy(t, service(model.BlueGreen))
	assert.Len(t, mocks.OfType(deploymentType), 2, "both colours keep running")
	assert.Equal(t, map[string]any{"app": "web", "version": "green"}, mocks.Get(t, serviceType, "web").Field("spec", "selector"))
	assert.Equal(t, map[string]any{"app": "web", "version": "blue"}, mocks.Get(t, serviceType, "web-preview").Field("spec", "selector"))
	assert.Equal(t, "repo/web:1", mocks.Get(t, deploymentType, "web-blue").Field("spec", "template", "spec", "containers", 0, "image"))
	assert.Equal(t, "repo/web:2", mocks.Get(t, deploymentType, "web-green").Field("spec", "template", "spec", "containers", 0, "image"))
}

func TestWorkload_PodsMountConfigAndAreHardened(t *testing.T) {
	mocks := deploy(t, service(model.Canary))
	for _, d := range mocks.OfType(deploymentType) {
		pod := d.Field("spec", "template")
		assert.Equal(t, "abc123", mocktest.Dig(pod, "metadata", "annotations", ConfigChecksumAnnotation))
		assert.Equal(t, "cloudnative-config", mocktest.Dig(pod, "spec", "volumes", 0, "configMap", "name"))
		c := mocktest.Dig(pod, "spec", "containers", 0)
		assert.Equal(t, map[string]any{"name": "config", "mountPath": "/config", "readOnly": true}, mocktest.Dig(c, "volumeMounts", 0))
		assert.Equal(t, float64(8080), mocktest.Dig(c, "livenessProbe", "tcpSocket", "port"), "liveness: the process accepts connections")
		assert.Nil(t, mocktest.Dig(c, "livenessProbe", "httpGet"), "a failing health check never restarts a pod")
		assert.Equal(t, "/health", mocktest.Dig(c, "readinessProbe", "httpGet", "path"))
		assert.Equal(t, float64(5), mocktest.Dig(c, "lifecycle", "preStop", "sleep", "seconds"), "a stopping pod serves while its removal spreads")
		assert.Greater(t, mocktest.Dig(pod, "spec", "terminationGracePeriodSeconds"), float64(5+20), "room for the delay and the apps' drain")
		assert.Equal(t, float64(10001), mocktest.Dig(pod, "spec", "securityContext", "runAsGroup"))
		assert.Equal(t, false, mocktest.Dig(pod, "spec", "automountServiceAccountToken"))
		assert.Equal(t, float64(8080), mocktest.Dig(c, "readinessProbe", "httpGet", "port"))
		assert.Equal(t, "500m", mocktest.Dig(c, "resources", "limits", "cpu"))
		assert.Equal(t, "128Mi", mocktest.Dig(c, "resources", "requests", "memory"))
		assert.Equal(t, false, mocktest.Dig(c, "securityContext", "allowPrivilegeEscalation"))
		assert.Equal(t, true, mocktest.Dig(c, "securityContext", "readOnlyRootFilesystem"))
		assert.Equal(t, true, mocktest.Dig(pod, "spec", "securityContext", "runAsNonRoot"))
		assert.Equal(t, "shop", d.Field("metadata", "namespace"))
	}
}

func TestWorkload_ServicePortsAndType(t *testing.T) {
	svc := deploy(t, service(model.Ramped)).Get(t, serviceType, "web")
	assert.Equal(t, "ClusterIP", svc.Field("spec", "type"))
	assert.Equal(t, "true", svc.Field("metadata", "annotations", "pulumi.com/skipAwait"), "the Deployments are awaited instead")
	assert.Equal(t, map[string]any{"name": "http", "port": float64(80), "targetPort": float64(8080)}, svc.Field("spec", "ports", 0))
}

func TestWorkload_ChildrenUseTheGivenProvider(t *testing.T) {
	mocks := deploy(t, service(model.Canary))
	for _, r := range mocks.Resources() {
		if r.Type == deploymentType || r.Type == serviceType {
			assert.Equal(t, mocktest.ProviderRef, mocktest.ProviderURN(r.Provider), r.Name)
			assert.Contains(t, r.Parent, "cloudnative:app:Workload::web", r.Name)
		}
	}
}

func labelsMatch(selector, labels map[string]any) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestWorkload_DisruptionBudgetPerTrackWithMoreThanOnePod(t *testing.T) {
	mocks := deploy(t, service(model.Canary))
	pdbs := mocks.OfType("kubernetes:policy/v1:PodDisruptionBudget")
	require.Len(t, pdbs, 2, "one per track")
	for _, pdb := range pdbs {
		d := mocks.Get(t, deploymentType, pdb.Name)
		assert.Equal(t, d.Field("spec", "selector", "matchLabels"), pdb.Field("spec", "selector", "matchLabels"))
		assert.Equal(t, float64(1), pdb.Field("spec", "maxUnavailable"))
	}

	single := service(model.Recreate)
	single.Replicas = 1
	assert.Empty(t, deploy(t, single).OfType("kubernetes:policy/v1:PodDisruptionBudget"), "a single pod gets no budget")
}

func TestWorkload_AutoscalerOwnsReplicas(t *testing.T) {
	svc := service(model.Ramped)
	svc.Autoscaling = &model.Autoscaling{MinReplicas: 2, MaxReplicas: 6, CPUUtilization: 60}
	mocks := deploy(t, svc)

	d := mocks.Get(t, deploymentType, "web")
	assert.Nil(t, d.Field("spec", "replicas"), "the Deployment leaves replicas to the autoscaler")
	hpa := mocks.Get(t, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web")
	assert.Equal(t, map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, hpa.Field("spec", "scaleTargetRef"))
	assert.Equal(t, float64(2), hpa.Field("spec", "minReplicas"))
	assert.Equal(t, float64(6), hpa.Field("spec", "maxReplicas"))
	assert.Equal(t, float64(60), hpa.Field("spec", "metrics", 0, "resource", "target", "averageUtilization"))
	assert.Len(t, mocks.OfType("kubernetes:policy/v1:PodDisruptionBudget"), 1, "up to 6 pods: a budget")

	assert.Empty(t, deploy(t, service(model.Ramped)).OfType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler"))
}

// The root filesystem is read-only; /tmp is a size-limited emptyDir.
func TestWorkload_WritableTmpOnly(t *testing.T) {
	d := deploy(t, service(model.Ramped)).Get(t, deploymentType, "web")
	assert.Equal(t, true, d.Field("spec", "template", "spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"))
	assert.Contains(t, d.Field("spec", "template", "spec", "volumes").([]any),
		map[string]any{"name": "tmp", "emptyDir": map[string]any{"sizeLimit": "64Mi"}})
	assert.Contains(t, d.Field("spec", "template", "spec", "containers", 0, "volumeMounts").([]any),
		map[string]any{"name": "tmp", "mountPath": "/tmp"})
}

func TestWorkload_PodsFollowThePlacement(t *testing.T) {
	svc := service(model.BlueGreen)
	plan, err := strategy.For(svc)
	require.NoError(t, err)
	seconds := 30
	mocks := mocktest.OnProvider(t, func(ctx *pulumi.Context, onCluster pulumi.ResourceOption) error {
		_, err := New(ctx, svc.Name, &Args{Service: svc, Plan: plan, Namespace: pulumi.String("shop"),
			ConfigMap: pulumi.String("cloudnative-config"), ConfigMountPath: "/config", ConfigChecksum: "abc123",
			Placement: model.Placement{
				NodeSelector: map[string]string{"pool": "apps"},
				Tolerations: []model.Toleration{{Key: "pool", Operator: "Equal", Value: "apps", Effect: "NoSchedule"},
					{Operator: "Exists", Effect: "NoExecute", Seconds: &seconds}},
			}}, onCluster)
		return err
	})
	for _, d := range mocks.OfType(deploymentType) {
		assert.Equal(t, map[string]any{"pool": "apps"}, d.Field("spec", "template", "spec", "nodeSelector"), d.Name)
		assert.Equal(t, []any{
			map[string]any{"key": "pool", "operator": "Equal", "value": "apps", "effect": "NoSchedule"},
			map[string]any{"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": float64(30)},
		}, d.Field("spec", "template", "spec", "tolerations"), d.Name)
	}
	assert.Nil(t, deploy(t, service(model.Ramped)).Get(t, deploymentType, "web").Field("spec", "template", "spec", "nodeSelector"),
		"no placement, no selector")
}

func TestPullPolicy_PinnedImagesAreNotPulledAgain(t *testing.T) {
	for image, want := range map[string]string{
		"repo/web@sha256:" + strings.Repeat("a", 64):       "IfNotPresent",
		"repo/web:1.2.3@sha256:" + strings.Repeat("b", 64): "IfNotPresent",
		"repo/web:1.2.3":                  "IfNotPresent",
		"registry.example.com:5000/web:2": "IfNotPresent",
		"repo/web:latest":                 "Always",
		"repo/web":                        "Always",
		"registry.example.com:5000/web":   "Always",
	} {
		assert.Equal(t, want, pullPolicy(image), image)
	}
}

func TestWorkload_TracksSpreadAndHaveStorageBounds(t *testing.T) {
	mocks := deploy(t, service(model.Canary))
	for _, d := range mocks.OfType(deploymentType) {
		spec := d.Field("spec", "template", "spec")
		spread := mocktest.Dig(spec, "topologySpreadConstraints", 0)
		assert.Equal(t, "kubernetes.io/hostname", mocktest.Dig(spread, "topologyKey"), d.Name)
		assert.Equal(t, "ScheduleAnyway", mocktest.Dig(spread, "whenUnsatisfiable"), "a one-node cluster still schedules")
		assert.Equal(t, d.Field("spec", "selector", "matchLabels"), mocktest.Dig(spread, "labelSelector", "matchLabels"), "spread per track")
		c := mocktest.Dig(spec, "containers", 0)
		assert.Equal(t, "IfNotPresent", mocktest.Dig(c, "imagePullPolicy"))
		assert.Equal(t, []any{map[string]any{"name": "SERVICE_NAME", "value": "web"}}, mocktest.Dig(c, "env"),
			"the container is told the name it is deployed as")
		assert.Equal(t, "64Mi", mocktest.Dig(c, "resources", "requests", "ephemeral-storage"))
		assert.Equal(t, "256Mi", mocktest.Dig(c, "resources", "limits", "ephemeral-storage"))
	}
}

func TestWorkload_RecreateIsAwaitedUntilTheNewPodsAreAvailable(t *testing.T) {
	d := deploy(t, service(model.Recreate)).Get(t, deploymentType, "web")
	assert.Equal(t, `["jsonpath={.status.updatedReplicas}=3","jsonpath={.status.availableReplicas}=3","jsonpath={.status.replicas}=3"]`,
		d.Field("metadata", "annotations", "pulumi.com/waitFor"))
	ramped := deploy(t, service(model.Ramped)).Get(t, deploymentType, "web")
	assert.Nil(t, ramped.Field("metadata", "annotations"), "a rolling update keeps the provider's own check")
}

const networkPolicyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy"

func TestWorkload_NetworkPolicyAdmitsOnlyTheCallers(t *testing.T) {
	web := service(model.BlueGreen)
	web.Gateway = true
	web.Callers = []model.Caller{{Service: "shop-frontend"}, {Namespace: "monitoring", ServiceAccount: "prober"}}
	np := deploy(t, web).Get(t, networkPolicyType, "web")
	assert.Equal(t, map[string]any{"app": "web"}, np.Field("spec", "podSelector", "matchLabels"), "every track of the service")
	assert.Equal(t, []any{"Ingress", "Egress"}, np.Field("spec", "policyTypes"))
	assert.Equal(t, []any{
		map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "shop-frontend"}}},
		map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}},
		map[string]any{
			"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "istio-ingress"}},
			"podSelector":       map[string]any{"matchLabels": map[string]any{"app": "istio-ingressgateway"}},
		},
	}, np.Field("spec", "ingress", 0, "from"), "its callers and the ingress gateway, nothing else")
	assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": float64(8080)}}, np.Field("spec", "ingress", 0, "ports"))
	assert.Equal(t, "istio-system", np.Field("spec", "ingress", 1, "from", 0, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"))
	assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": float64(15020)}}, np.Field("spec", "ingress", 1, "ports"), "Prometheus scrapes the merged metrics")
	assert.Nil(t, np.Field("spec", "egress"), "it calls nobody: no connection out but the namespace's baseline")

	t.Run("kept off the gateway, called by nobody", func(t *testing.T) {
		alone := service(model.Ramped)
		np := deploy(t, alone).Get(t, networkPolicyType, "web")
		require.Len(t, np.Field("spec", "ingress").([]any), 1, "no rule admits anybody to the service's port")
		assert.Equal(t, []any{map[string]any{"protocol": "TCP", "port": float64(15020)}}, np.Field("spec", "ingress", 0, "ports"))
	})
	t.Run("a NodePort stays open to clients outside", func(t *testing.T) {
		nodePort := service(model.Ramped)
		nodePort.ServiceType = "NodePort"
		np := deploy(t, nodePort).Get(t, networkPolicyType, "web")
		assert.Equal(t, "0.0.0.0/0", np.Field("spec", "ingress", 0, "from", 0, "ipBlock", "cidr"))
	})
	t.Run("its callees' pods are reachable", func(t *testing.T) {
		np := deployIn(t, service(model.Ramped), zerotrust.Network{App: strictApp, GatewayNamespace: "istio-ingress", IstioNamespace: "istio-system",
			Callees: []model.Service{{Name: "orders", TargetPort: 9090}}}).Get(t, networkPolicyType, "web")
		assert.Equal(t, []any{map[string]any{
			"to":    []any{map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "orders"}}}},
			"ports": []any{map[string]any{"protocol": "TCP", "port": float64(9090)}},
		}}, np.Field("spec", "egress"))
	})
	t.Run("without STRICT mTLS the namespace's pods stay callers", func(t *testing.T) {
		permissive := strictApp
		permissive.MTLS = "PERMISSIVE"
		np := deployIn(t, service(model.Ramped), zerotrust.Network{App: permissive, GatewayNamespace: "istio-ingress", IstioNamespace: "istio-system"}).Get(t, networkPolicyType, "web")
		assert.Equal(t, map[string]any{"podSelector": map[string]any{}}, np.Field("spec", "ingress", 0, "from", 0))
	})
}

func TestWorkload_OwnServiceAccountPerService(t *testing.T) {
	mocks := deploy(t, service(model.Canary))
	sa := mocks.Get(t, "kubernetes:core/v1:ServiceAccount", "web")
	assert.Equal(t, "web", sa.Field("metadata", "name"))
	assert.Equal(t, false, sa.Field("automountServiceAccountToken"))
	deployments := mocks.OfType(deploymentType)
	require.Len(t, deployments, 2)
	for _, d := range deployments {
		assert.Equal(t, "web", d.Field("spec", "template", "spec", "serviceAccountName"), "%s runs as the service's own account", d.Name)
		assert.Equal(t, false, d.Field("spec", "template", "spec", "automountServiceAccountToken"))
	}
}

func TestWorkload_CloudIdentityPerCloud(t *testing.T) {
	cases := []struct {
		name       string
		identity   model.CloudIdentity
		annotation map[string]any
		podLabel   string
	}{
		{"gke", model.CloudIdentity{GCPServiceAccount: "web@shop-project.iam.gserviceaccount.com"},
			map[string]any{"iam.gke.io/gcp-service-account": "web@shop-project.iam.gserviceaccount.com"}, ""},
		{"eks", model.CloudIdentity{AWSRoleARN: "arn:aws:iam::123456789012:role/web"},
			map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/web"}, ""},
		{"aks", model.CloudIdentity{AzureClientID: "0b5b2a55-3c2e-4a3c-9a55-1f3e6c1d2b3a"},
			map[string]any{"azure.workload.identity/client-id": "0b5b2a55-3c2e-4a3c-9a55-1f3e6c1d2b3a"}, "azure.workload.identity/use"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := service(model.BlueGreen)
			svc.Identity = &tc.identity
			mocks := deploy(t, svc)
			assert.Equal(t, tc.annotation, mocks.Get(t, "kubernetes:core/v1:ServiceAccount", "web").Field("metadata", "annotations"))
			for _, d := range mocks.OfType(deploymentType) {
				labels := d.Field("spec", "template", "metadata", "labels").(map[string]any)
				selector := d.Field("spec", "selector", "matchLabels").(map[string]any)
				assert.NotContains(t, selector, "azure.workload.identity/use", "a live Deployment's selector never changes")
				if tc.podLabel != "" {
					assert.Equal(t, "true", labels[tc.podLabel], "%s: AKS injects the token only into labelled pods", d.Name)
				} else {
					assert.Equal(t, selector, labels)
				}
			}
		})
	}
}
