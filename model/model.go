// Package model is the one validated description of an environment. Stack config is
// decoded and checked here (see Decode); everything downstream takes a *Platform and
// never reads config itself.
package model

// ClusterKind selects the cluster target that yields the Kubernetes provider.
type ClusterKind string

const (
	ClusterExisting ClusterKind = "existing"
	ClusterMinikube ClusterKind = "minikube"
)

// Strategy is how a service ships a new version.
type Strategy string

const (
	Recreate  Strategy = "recreate"
	Ramped    Strategy = "ramped"
	BlueGreen Strategy = "blueGreen"
	Canary    Strategy = "canary"
)

// Colour is one side of a blue/green pair.
type Colour string

const (
	Blue  Colour = "blue"
	Green Colour = "green"
)

// Platform is a whole environment: the cluster, the mesh, and the application on it.
type Platform struct {
	// Production stacks refuse risky choices (a recreate strategy).
	Production bool
	Cluster    Cluster
	Istio      Istio
	// Routing says which API the routes are written in.
	Routing       Routing
	App           App
	Observability Observability
	Scheduling    Scheduling
	// CertManager installs cert-manager where app.tls names an issuer.
	CertManager CertManager
	Services    []Service
}

// Observability is the mesh's metrics, dashboards, tracing and service graph.
type Observability struct {
	Enabled bool
	// ManifestDir, when set, is an absolute local directory of Istio's addon
	// manifests (prometheus.yaml, …); otherwise they come from ManifestURL.
	ManifestDir string
	ManifestURL string
	Addons      []string
	// TracingSamplingPercent is the share of requests traced (Telemetry API).
	TracingSamplingPercent float64
	// Size sets the add-ons' container requests and limits.
	Size AddonSize
	// PrometheusURL is where `platform rollout` reads the mesh's metrics
	// (reachable from where the rollout runs); empty: -prometheus or
	// $PROMETHEUS_URL must say.
	PrometheusURL string
	// RolloutQueries are the PromQL templates `platform rollout` measures with.
	RolloutQueries RolloutQueries
	// RolloutWebhookURL receives a Slack-compatible message at each event of
	// a rollout; empty: $ROLLOUT_WEBHOOK_URL, or no messages.
	RolloutWebhookURL string
}

// RolloutQueries are PromQL templates over one analysis interval of one
// workload: its requests, its 5xx answers, and its 99th-percentile latency in
// milliseconds. Each may use {{.Namespace}}, {{.Workload}} and {{.Window}}
// (e.g. "60s").
type RolloutQueries struct {
	Requests string `json:"requests"`
	Errors   string `json:"errors"`
	P99      string `json:"p99"`
}

// AddonSize is the resources of every add-on container.
type AddonSize struct {
	Name                      string
	CPURequest, MemoryRequest string
	CPULimit, MemoryLimit     string
}

// AddonSizes are the sizes a stack can choose for its add-ons.
var AddonSizes = map[string]AddonSize{
	"small":  {Name: "small", CPURequest: "50m", MemoryRequest: "128Mi", CPULimit: "500m", MemoryLimit: "512Mi"},
	"medium": {Name: "medium", CPURequest: "200m", MemoryRequest: "512Mi", CPULimit: "1", MemoryLimit: "2Gi"},
	"large":  {Name: "large", CPURequest: "500m", MemoryRequest: "2Gi", CPULimit: "2", MemoryLimit: "8Gi"},
}

// Cluster says where the platform runs. Exactly one of the target blocks is set,
// matching Kind.
type Cluster struct {
	Kind     ClusterKind
	Existing *ExistingCluster
	Minikube *MinikubeCluster
	GKE      *GKECluster
	EKS      *EKSCluster
	AKS      *AKSCluster
}

// ExistingCluster is any cluster reached with a kubeconfig.
type ExistingCluster struct {
	// KubeconfigPath is absolute once decoded. Empty means the kubeconfig comes
	// from the secret config key cloudnative:kubeconfig.
	KubeconfigPath string
	// Context selects a context of the kubeconfig; empty means its current one.
	Context string
}

// MinikubeCluster is a cluster the program starts with the minikube CLI.
type MinikubeCluster struct {
	Profile           string
	KubernetesVersion string
	CPUs              int
	MemoryMB          int
	Driver            string
	// BuildImages builds the sample services' images into minikube from
	// AppsDir, for every image the release names after one of them.
	BuildImages bool
	AppsDir     string
}

// Istio describes the mesh installation.
type Istio struct {
	// Install is false when the cluster already runs Istio, shared by several
	// environments: the program then installs nothing and uses its gateway.
	Install bool
	// Namespace holds the CRDs' release and istiod.
	Namespace string
	// ChartDir, when set, is an absolute local directory holding the charts base,
	// istio-control/istio-discovery and gateway; otherwise Repository and Version
	// pin the charts from a Helm repository.
	ChartDir   string
	Repository string
	Version    string
	Gateway    IngressGateway
}

// IngressGateway is the Istio ingress gateway deployment.
type IngressGateway struct {
	Namespace   string
	ServiceType string
}

// App is the application namespace and its shared configuration.
type App struct {
	Namespace        string
	SidecarInjection bool
	// ConfigMapName is the ConfigMap built from the properties file.
	ConfigMapName string
	// PropertiesFileName is the key in the ConfigMap, the file name under /config.
	PropertiesFileName string
	// Properties is the content of the properties file, read during Decode.
	Properties string
	// Hosts are the hosts the Istio Gateway accepts.
	Hosts []string
	// MTLS is the PeerAuthentication mode of the namespace: STRICT, PERMISSIVE
	// or DISABLE.
	MTLS string
	// TrustDomain is the mesh's SPIFFE trust domain: principals are
	// <trustDomain>/ns/<namespace>/sa/<serviceAccount>.
	TrustDomain string
	// Egress are the hosts outside the mesh the application may reach; the
	// namespace's sidecars reach nothing else off the registry.
	Egress []ExternalHost
	// TLS is how the ingress gateway serves HTTPS for Hosts.
	TLS TLS
}

// MutualTLS reports whether clients must use Istio's mTLS to the namespace.
func (a App) MutualTLS() bool { return a.MTLS != "DISABLE" }

// Service is one application service and how it is released.
type Service struct {
	Name        string
	Strategy    Strategy
	Port        int
	TargetPort  int
	ServiceType string
	Replicas    int
	// PathPrefix routes gateway traffic with this URI prefix to the service.
	PathPrefix string
	// HealthPath is the readiness check: failing, a pod takes no traffic.
	HealthPath string
	// RolloutDeadlineSeconds is how long up waits for a Deployment's rollout
	// (a release whose pods never turn ready fails it, naming the Deployment),
	// and the Deployment's progressDeadlineSeconds.
	RolloutDeadlineSeconds int
	Resources              Resources
	Traffic                TrafficPolicy
	Routes                 RoutePolicy
	// Autoscaling, when set, hands replicas to a HorizontalPodAutoscaler.
	Autoscaling *Autoscaling
	// DisruptionBudget is the PodDisruptionBudget's maxUnavailable, applied to
	// every track that can run more than one pod.
	DisruptionBudget string

	// Release is what promotion carries between environments: the image of
	// a recreate or ramped service, or a blue/green pair's or a canary's state.
	Release
	Ramped *RampedSettings

	// Progressive, when set, is how `platform rollout` takes a canary through
	// its steps (or checks a blue/green pair's idle colour) — an environment's
	// setting, not part of the release.
	Progressive *Progressive
	// SessionAffinity, when set, hashes each client to one pod.
	SessionAffinity *SessionAffinity

	// Gateway is whether the ingress gateway routes PathPrefix to the
	// service (and so may call it).
	Gateway bool
	// Callers may call the service; with the namespace's authorization on,
	// nobody else may (the ingress gateway, when Gateway is set, is added).
	Callers []Caller
	// Identity, when set, binds the service's ServiceAccount to a cloud
	// identity.
	Identity *CloudIdentity
}

// Resources are the container's requests and limits, as Kubernetes quantities.
type Resources struct {
	CPURequest    string
	MemoryRequest string
	CPULimit      string
	MemoryLimit   string
	// Ephemeral storage covers the writable /tmp, the container's logs and
	// writable layer: a limit keeps one pod from filling its node's disk.
	StorageRequest string
	StorageLimit   string
}

// TrafficPolicy is the circuit breaking applied by the service's DestinationRule.
type TrafficPolicy struct {
	MaxConnections          int
	MaxPendingRequests      int
	MaxRequestsPerConn      int
	Consecutive5xxErrors    int
	EjectionIntervalSeconds int
	BaseEjectionSeconds     int
	MaxEjectionPercent      int
}

// RoutePolicy is the timeout and retries of the service's routes.
type RoutePolicy struct {
	TimeoutSeconds       int
	RetryAttempts        int
	PerTryTimeoutSeconds int
	RetryOn              string
}

// Autoscaling scales each track on CPU between MinReplicas and MaxReplicas.
type Autoscaling struct {
	MinReplicas    int
	MaxReplicas    int
	CPUUtilization int
}

// MaxPods is the most pods one track can run.
func (s Service) MaxPods() int {
	if s.Autoscaling != nil {
		return s.Autoscaling.MaxReplicas
	}
	return s.Replicas
}

// RampedSettings tune a rolling update. MaxSurge and MaxUnavailable are counts
// ("1") or percentages ("25%").
type RampedSettings struct {
	MaxSurge        string
	MaxUnavailable  string
	MinReadySeconds int
}
