package model

import (
	"fmt"

	"github.com/cloudnative-pac/platform/names"
)

// Every default a stack may leave out, in one place: Decode reads them from here,
// and the config reference (docs/configuration.md) is held to Defaults by a test.
const (
	DefaultMinikubeProfile           = "cloudnative"
	DefaultMinikubeKubernetesVersion = "v1.34.0"
	DefaultMinikubeCPUs              = 2
	DefaultMinikubeMemoryMB          = 4096
	DefaultMinikubeBuildImages       = true
	// minikube's own minimums.
	MinMinikubeCPUs     = 2
	MinMinikubeMemoryMB = 2048

	DefaultIstioNamespace     = "istio-system"
	DefaultGatewayNamespace   = "istio-ingress"
	DefaultGatewayServiceType = "LoadBalancer"
	DefaultIstioRepository    = "https://istio-release.storage.googleapis.com/charts"
	DefaultIstioVersion       = "1.28.0"

	// Routes are Istio's own objects unless a stack chooses the Gateway API.
	DefaultRoutingAPI = RoutingIstio
	// GatewayAPIVersion is the Gateway API release whose standard-channel CRDs
	// make charts copies: the one Istio's module builds against.
	GatewayAPIVersion = "v1.6.0"

	DefaultAppNamespace   = "cloudnative"
	DefaultConfigMapName  = "cloudnative-config"
	DefaultPropertiesFile = "config/application.properties"
	DefaultHost           = "*"
	DefaultMTLS           = "STRICT"
	DefaultTrustDomain    = "cluster.local"
	DefaultEgressPort     = 443
	DefaultEgressProtocol = "TLS"

	// Port 80 redirects to HTTPS once app.tls is set; no HSTS header unless asked.
	DefaultTLSHTTP           = "redirect"
	DefaultHSTSMaxAgeSeconds = 0
	MaxHSTSMaxAgeSeconds     = 2 * 365 * 24 * 3600
	DefaultACMEServer        = "https://acme-v02.api.letsencrypt.org/directory"

	// cert-manager's chart, pinned; its module is what the local chart is copied from.
	DefaultCertManagerNamespace  = "cert-manager"
	DefaultCertManagerRepository = "https://charts.jetstack.io"
	DefaultCertManagerVersion    = "v1.19.1"

	DefaultTracingSamplingPercent = 1.0
	DefaultAddonSize              = "small"

	DefaultServicePort = 80
	// The container port: where the sample apps listen (their PORT default),
	// as most images run as non-root do (a port under 1024 needs a privilege
	// the pods do not have).
	DefaultTargetPort  = 8080
	DefaultServiceType = "ClusterIP"
	DefaultReplicas    = 1
	DefaultHealthPath  = "/health"
	// A service is routed through the ingress gateway unless it opts out.
	DefaultServiceGateway = true

	DefaultRolloutDeadlineSeconds = 600
	MinRolloutDeadlineSeconds     = 10

	DefaultCPURequest    = "100m"
	DefaultMemoryRequest = "128Mi"
	DefaultCPULimit      = "500m"
	DefaultMemoryLimit   = "256Mi"
	// The limit leaves room for the 64Mi /tmp beside logs and the writable layer.
	DefaultStorageRequest = "64Mi"
	DefaultStorageLimit   = "256Mi"

	DefaultMaxConnections          = 100
	DefaultMaxPendingRequests      = 100
	DefaultMaxRequestsPerConn      = 10
	DefaultConsecutive5xxErrors    = 5
	DefaultEjectionIntervalSeconds = 10
	DefaultBaseEjectionSeconds     = 30
	DefaultMaxEjectionPercent      = 50

	DefaultRouteTimeoutSeconds  = 15
	DefaultRetryAttempts        = 2
	DefaultPerTryTimeoutSeconds = 5
	DefaultRetryOn              = "connect-failure,refused-stream,unavailable,cancelled,5xx"

	DefaultMinReplicas    = 2
	DefaultMaxReplicas    = 5
	DefaultCPUUtilization = 70

	DefaultDisruptionBudget = "1"

	// A progressive rollout (services[].progressive): the canary's weights,
	// and what each interval of its traffic must show.
	DefaultStepsText               = "[10, 25, 50]"
	DefaultAnalysisIntervalSeconds = 60
	// Prometheus scrapes every 15 s by default: a shorter interval may hold no
	// new sample at all.
	MinAnalysisIntervalSeconds     = 10
	DefaultMinSuccessRate          = 99.0
	DefaultMaxP99Ms                = 500
	DefaultMinRequests             = 20
	DefaultFailureLimit            = 1
	DefaultAnalysisDeadlineSeconds = 1800
	// Judging a canary against its stable (either setting turns it on): by
	// how many percentage points its error rate may exceed the stable's, and
	// how many times the stable's p99 its own may be.
	DefaultMaxErrorRateIncrease = 1.0
	DefaultMaxP99Ratio          = 1.5
	DefaultMirrorPercent        = 0.0
	// The PromQL a rollout measures with (observability.rolloutQueries), on
	// Istio's standard metrics as each destination's sidecar reports them, over
	// one interval ({{.Window}}) for one Deployment ({{.Workload}} in
	// {{.Namespace}}).
	DefaultRequestsQuery = `sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="{{.Namespace}}",destination_workload="{{.Workload}}"}[{{.Window}}]))`
	DefaultErrorsQuery   = `sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="{{.Namespace}}",destination_workload="{{.Workload}}",response_code=~"5.."}[{{.Window}}]))`
	DefaultP99Query      = `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="{{.Namespace}}",destination_workload="{{.Workload}}"}[{{.Window}}])))`

	DefaultMaxSurge        = "25%"
	DefaultMaxUnavailable  = "25%"
	DefaultMinReadySeconds = 0
)

// Default is one documented default: the key as the config reference (docs/configuration.md)
// names it, the value as it shows it, and where Decode puts it (for a check
// that Decode really applies it).
type Default struct {
	Key   string
	Value string
	// Of reads the decoded setting of a config that left Key out: a minikube
	// cluster and one ramped, autoscaled service (see the model's tests).
	Of func(p *Platform) any
}

func svc(p *Platform) Service { return p.Services[0] }

// Defaults lists the documented defaults.
func Defaults() []Default {
	d := func(key string, value any, of func(p *Platform) any) Default {
		return Default{Key: key, Value: fmt.Sprint(value), Of: of}
	}
	return []Default{
		d("production", false, func(p *Platform) any { return p.Production }),
		d("cluster.minikube.profile", DefaultMinikubeProfile, func(p *Platform) any { return p.Cluster.Minikube.Profile }),
		d("cluster.minikube.kubernetesVersion", DefaultMinikubeKubernetesVersion, func(p *Platform) any { return p.Cluster.Minikube.KubernetesVersion }),
		d("cluster.minikube.cpus", DefaultMinikubeCPUs, func(p *Platform) any { return p.Cluster.Minikube.CPUs }),
		d("cluster.minikube.memoryMB", DefaultMinikubeMemoryMB, func(p *Platform) any { return p.Cluster.Minikube.MemoryMB }),
		d("cluster.minikube.buildImages", DefaultMinikubeBuildImages, func(p *Platform) any { return p.Cluster.Minikube.BuildImages }),
		d("routing.api", string(DefaultRoutingAPI), func(p *Platform) any { return string(p.Routing.API) }),
		d("istio.install", true, func(p *Platform) any { return p.Istio.Install }),
		d("istio.version", DefaultIstioVersion, func(p *Platform) any { return p.Istio.Version }),
		d("istio.repository", DefaultIstioRepository, func(p *Platform) any { return p.Istio.Repository }),
		d("istio.namespace", DefaultIstioNamespace, func(p *Platform) any { return p.Istio.Namespace }),
		d("istio.gateway.namespace", DefaultGatewayNamespace, func(p *Platform) any { return p.Istio.Gateway.Namespace }),
		d("istio.gateway.serviceType", DefaultGatewayServiceType, func(p *Platform) any { return p.Istio.Gateway.ServiceType }),
		d("app.namespace", DefaultAppNamespace, func(p *Platform) any { return p.App.Namespace }),
		d("app.sidecarInjection", true, func(p *Platform) any { return p.App.SidecarInjection }),
		d("app.propertiesFile", DefaultPropertiesFile, func(p *Platform) any { return p.App.PropertiesFileName }),
		d("app.configMapName", DefaultConfigMapName, func(p *Platform) any { return p.App.ConfigMapName }),
		d("app.hosts", fmt.Sprintf("[%q]", DefaultHost), func(p *Platform) any { return fmt.Sprintf("%q", p.App.Hosts) }),
		d("app.mtls", DefaultMTLS, func(p *Platform) any { return p.App.MTLS }),
		d("app.trustDomain", DefaultTrustDomain, func(p *Platform) any { return p.App.TrustDomain }),
		d("app.egress[].port", DefaultEgressPort, nil),
		d("app.tls.secretName", names.GatewayCertificateSecret("<app.namespace>"), nil),
		d("app.tls.http", DefaultTLSHTTP, nil),
		d("app.tls.hstsMaxAgeSeconds", DefaultHSTSMaxAgeSeconds, nil),
		d("app.tls.issuer.acme.server", DefaultACMEServer, nil),
		d("certManager.install", true, nil),
		d("certManager.namespace", DefaultCertManagerNamespace, func(p *Platform) any { return p.CertManager.Namespace }),
		d("certManager.repository", DefaultCertManagerRepository, func(p *Platform) any { return p.CertManager.Repository }),
		d("certManager.version", DefaultCertManagerVersion, func(p *Platform) any { return p.CertManager.Version }),
		d("app.egress[].protocol", DefaultEgressProtocol, nil),
		d("observability.size", DefaultAddonSize, func(p *Platform) any { return p.Observability.Size.Name }),
		d("observability.tracingSamplingPercent", DefaultTracingSamplingPercent, func(p *Platform) any { return p.Observability.TracingSamplingPercent }),
		d("services[].port", DefaultServicePort, func(p *Platform) any { return svc(p).Port }),
		d("services[].targetPort", DefaultTargetPort, nil),
		d("services[].serviceType", DefaultServiceType, func(p *Platform) any { return svc(p).ServiceType }),
		d("services[].replicas", DefaultReplicas, nil), // autoscaled in the check's config
		d("services[].healthPath", DefaultHealthPath, func(p *Platform) any { return svc(p).HealthPath }),
		d("services[].gateway", DefaultServiceGateway, func(p *Platform) any { return svc(p).Gateway }),
		d("services[].rolloutDeadlineSeconds", DefaultRolloutDeadlineSeconds, func(p *Platform) any { return svc(p).RolloutDeadlineSeconds }),
		d("services[].resources.cpuRequest", DefaultCPURequest, func(p *Platform) any { return svc(p).Resources.CPURequest }),
		d("services[].resources.memoryRequest", DefaultMemoryRequest, func(p *Platform) any { return svc(p).Resources.MemoryRequest }),
		d("services[].resources.cpuLimit", DefaultCPULimit, func(p *Platform) any { return svc(p).Resources.CPULimit }),
		d("services[].resources.memoryLimit", DefaultMemoryLimit, func(p *Platform) any { return svc(p).Resources.MemoryLimit }),
		d("services[].resources.ephemeralStorageRequest", DefaultStorageRequest, func(p *Platform) any { return svc(p).Resources.StorageRequest }),
		d("services[].resources.ephemeralStorageLimit", DefaultStorageLimit, func(p *Platform) any { return svc(p).Resources.StorageLimit }),
		d("services[].trafficPolicy.maxConnections", DefaultMaxConnections, func(p *Platform) any { return svc(p).Traffic.MaxConnections }),
		d("services[].trafficPolicy.maxPendingRequests", DefaultMaxPendingRequests, func(p *Platform) any { return svc(p).Traffic.MaxPendingRequests }),
		d("services[].trafficPolicy.maxRequestsPerConnection", DefaultMaxRequestsPerConn, func(p *Platform) any { return svc(p).Traffic.MaxRequestsPerConn }),
		d("services[].trafficPolicy.consecutive5xxErrors", DefaultConsecutive5xxErrors, func(p *Platform) any { return svc(p).Traffic.Consecutive5xxErrors }),
		d("services[].trafficPolicy.ejectionIntervalSeconds", DefaultEjectionIntervalSeconds, func(p *Platform) any { return svc(p).Traffic.EjectionIntervalSeconds }),
		d("services[].trafficPolicy.baseEjectionSeconds", DefaultBaseEjectionSeconds, func(p *Platform) any { return svc(p).Traffic.BaseEjectionSeconds }),
		d("services[].trafficPolicy.maxEjectionPercent", DefaultMaxEjectionPercent, func(p *Platform) any { return svc(p).Traffic.MaxEjectionPercent }),
		d("services[].autoscaling.minReplicas", DefaultMinReplicas, func(p *Platform) any { return svc(p).Autoscaling.MinReplicas }),
		d("services[].autoscaling.maxReplicas", DefaultMaxReplicas, func(p *Platform) any { return svc(p).Autoscaling.MaxReplicas }),
		d("services[].autoscaling.cpuUtilization", DefaultCPUUtilization, func(p *Platform) any { return svc(p).Autoscaling.CPUUtilization }),
		d("services[].disruptionBudget", DefaultDisruptionBudget, func(p *Platform) any { return svc(p).DisruptionBudget }),
		d("services[].routes.timeoutSeconds", DefaultRouteTimeoutSeconds, func(p *Platform) any { return svc(p).Routes.TimeoutSeconds }),
		d("services[].routes.retryAttempts", DefaultRetryAttempts, func(p *Platform) any { return svc(p).Routes.RetryAttempts }),
		d("services[].routes.perTryTimeoutSeconds", DefaultPerTryTimeoutSeconds, func(p *Platform) any { return svc(p).Routes.PerTryTimeoutSeconds }),
		d("services[].routes.retryOn", DefaultRetryOn, func(p *Platform) any { return svc(p).Routes.RetryOn }),
		d("services[].progressive.steps", DefaultStepsText, nil),
		d("services[].progressive.mirrorPercent", DefaultMirrorPercent, nil),
		d("services[].progressive.analysis.intervalSeconds", DefaultAnalysisIntervalSeconds, nil),
		d("services[].progressive.analysis.minSuccessRate", DefaultMinSuccessRate, nil),
		d("services[].progressive.analysis.maxP99Ms", DefaultMaxP99Ms, nil),
		d("services[].progressive.analysis.minRequests", DefaultMinRequests, nil),
		d("services[].progressive.analysis.failureLimit", DefaultFailureLimit, nil),
		d("services[].progressive.analysis.deadlineSeconds", DefaultAnalysisDeadlineSeconds, nil),
		d("services[].progressive.analysis.maxErrorRateIncrease", DefaultMaxErrorRateIncrease, nil),
		d("services[].progressive.analysis.maxP99Ratio", DefaultMaxP99Ratio, nil),
		d("services[].ramped.maxSurge", DefaultMaxSurge, func(p *Platform) any { return svc(p).Ramped.MaxSurge }),
		d("services[].ramped.maxUnavailable", DefaultMaxUnavailable, func(p *Platform) any { return svc(p).Ramped.MaxUnavailable }),
		d("services[].ramped.minReadySeconds", DefaultMinReadySeconds, func(p *Platform) any { return svc(p).Ramped.MinReadySeconds }),
	}
}
