package model

import (
	"encoding/json"
	"reflect"
)

// Raw is the stack config as written in Pulumi.<stack>.yaml, one JSON document per
// top-level key of the cloudnative namespace. Keys not set are empty. The config
// tag of each document field is its key: the one list of the keys the program
// reads (see ConfigKeys).
type Raw struct {
	Cluster       json.RawMessage `config:"cluster"`
	Istio         json.RawMessage `config:"istio"`
	App           json.RawMessage `config:"app"`
	Services      json.RawMessage `config:"services"`
	Observability json.RawMessage `config:"observability"`
	Production    json.RawMessage `config:"production"`
	Scheduling    json.RawMessage `config:"scheduling"`
	CertManager   json.RawMessage `config:"certManager"`
	Routing       json.RawMessage `config:"routing"`
	// Stack names the stack; cloud clusters are named after it by default.
	Stack string
	// HasKubeconfigSecret reports whether the secret key cloudnative:kubeconfig is set.
	HasKubeconfigSecret bool
	// Keys are all the keys set under the cloudnative namespace, without the
	// prefix; Decode refuses those the program does not read.
	Keys []string
}

// KubeconfigKey is the secret key holding an existing cluster's kubeconfig.
const KubeconfigKey = "kubeconfig"

// PreviousReleaseKey holds the release before the last promotion, for rollback.
// The delivery commands own it; the program does not read it, but it is known.
const PreviousReleaseKey = "previousRelease"

// RolloutKey records a progressive rollout in progress (platform rollout owns
// it), so that a killed rollout can be resumed or aborted.
const RolloutKey = "rollout"

// ConfigKeys lists the documents Raw holds, by key.
func ConfigKeys() []string {
	var keys []string
	t := reflect.TypeFor[Raw]()
	for i := range t.NumField() {
		if key := t.Field(i).Tag.Get("config"); key != "" {
			keys = append(keys, key)
		}
	}
	return keys
}

// Get returns the document of one key of ConfigKeys (nil when unset).
func (r Raw) Get(key string) json.RawMessage {
	v := reflect.ValueOf(r)
	for i := range v.NumField() {
		if v.Type().Field(i).Tag.Get("config") == key {
			return v.Field(i).Interface().(json.RawMessage)
		}
	}
	panic("model.Raw has no config key " + key)
}

// Set stores the document of one key of ConfigKeys.
func (r *Raw) Set(key string, value json.RawMessage) {
	v := reflect.ValueOf(r).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Tag.Get("config") == key {
			v.Field(i).Set(reflect.ValueOf(value))
			return
		}
	}
	panic("model.Raw has no config key " + key)
}

// The raw* types mirror the YAML shape; pointers tell "unset" from zero so that
// defaults apply only to what the user left out.

type rawCluster struct {
	Kind     string       `json:"kind"`
	Existing *rawExisting `json:"existing"`
	Minikube *rawMinikube `json:"minikube"`
	GKE      *rawGKE      `json:"gke"`
	EKS      *rawEKS      `json:"eks"`
	AKS      *rawAKS      `json:"aks"`
}

type rawExisting struct {
	KubeconfigPath string `json:"kubeconfigPath"`
	Context        string `json:"context"`
}

type rawMinikube struct {
	Profile           string `json:"profile"`
	KubernetesVersion string `json:"kubernetesVersion"`
	CPUs              *int   `json:"cpus"`
	MemoryMB          *int   `json:"memoryMB"`
	Driver            string `json:"driver"`
	BuildImages       *bool  `json:"buildImages"`
}

type rawIstio struct {
	Install    *bool       `json:"install"`
	Namespace  string      `json:"namespace"`
	ChartDir   string      `json:"chartDir"`
	Repository string      `json:"repository"`
	Version    string      `json:"version"`
	Gateway    *rawGateway `json:"gateway"`
}

type rawGateway struct {
	Namespace   string `json:"namespace"`
	ServiceType string `json:"serviceType"`
}

type rawApp struct {
	Namespace        string            `json:"namespace"`
	SidecarInjection *bool             `json:"sidecarInjection"`
	ConfigMapName    string            `json:"configMapName"`
	PropertiesFile   string            `json:"propertiesFile"`
	Hosts            []string          `json:"hosts"`
	MTLS             string            `json:"mtls"`
	TrustDomain      string            `json:"trustDomain"`
	Egress           []rawExternalHost `json:"egress"`
	TLS              *rawTLS           `json:"tls"`
}

type rawObservability struct {
	Enabled                *bool           `json:"enabled"`
	ManifestDir            string          `json:"manifestDir"`
	Version                string          `json:"version"`
	Addons                 []string        `json:"addons"`
	TracingSamplingPercent *float64        `json:"tracingSamplingPercent"`
	Size                   string          `json:"size"`
	PrometheusURL          string          `json:"prometheusUrl"`
	RolloutQueries         *RolloutQueries `json:"rolloutQueries"`
	RolloutWebhookURL      string          `json:"rolloutWebhookUrl"`
}

type rawService struct {
	Name        string          `json:"name"`
	Strategy    string          `json:"strategy"`
	Port        *int            `json:"port"`
	TargetPort  *int            `json:"targetPort"`
	ServiceType string          `json:"serviceType"`
	Replicas    *int            `json:"replicas"`
	PathPrefix  string          `json:"pathPrefix"`
	HealthPath  string          `json:"healthPath"`
	Deadline    *int            `json:"rolloutDeadlineSeconds"`
	Resources   *rawResources   `json:"resources"`
	Traffic     *rawTraffic     `json:"trafficPolicy"`
	Routes      *rawRoutes      `json:"routes"`
	Autoscaling *rawAutoscaling `json:"autoscaling"`
	Disruption  *rawIntOrString `json:"disruptionBudget"`
	Release
	Ramped *rawRamped `json:"ramped"`
	// canaryKeys are the keys written in the canary block (noteCanaryKeys).
	canaryKeys  map[string]bool
	Progressive *rawProgressive     `json:"progressive"`
	Affinity    *rawSessionAffinity `json:"sessionAffinity"`
	Gateway     *bool               `json:"gateway"`
	Callers     []rawCaller         `json:"callers"`
	Identity    *rawCloudIdentity   `json:"identity"`
}

type rawRoutes struct {
	TimeoutSeconds       *int   `json:"timeoutSeconds"`
	RetryAttempts        *int   `json:"retryAttempts"`
	PerTryTimeoutSeconds *int   `json:"perTryTimeoutSeconds"`
	RetryOn              string `json:"retryOn"`
}

type rawAutoscaling struct {
	MinReplicas    *int `json:"minReplicas"`
	MaxReplicas    *int `json:"maxReplicas"`
	CPUUtilization *int `json:"cpuUtilization"`
}

type rawResources struct {
	CPURequest     string `json:"cpuRequest"`
	MemoryRequest  string `json:"memoryRequest"`
	CPULimit       string `json:"cpuLimit"`
	MemoryLimit    string `json:"memoryLimit"`
	StorageRequest string `json:"ephemeralStorageRequest"`
	StorageLimit   string `json:"ephemeralStorageLimit"`
}

type rawTraffic struct {
	MaxConnections          *int `json:"maxConnections"`
	MaxPendingRequests      *int `json:"maxPendingRequests"`
	MaxRequestsPerConn      *int `json:"maxRequestsPerConnection"`
	Consecutive5xxErrors    *int `json:"consecutive5xxErrors"`
	EjectionIntervalSeconds *int `json:"ejectionIntervalSeconds"`
	BaseEjectionSeconds     *int `json:"baseEjectionSeconds"`
	MaxEjectionPercent      *int `json:"maxEjectionPercent"`
}

// rawIntOrString accepts 1 or "1" or "25%".
type rawIntOrString string

func (v *rawIntOrString) UnmarshalJSON(data []byte) error {
	var n json.Number
	if err := json.Unmarshal(data, &n); err == nil {
		*v = rawIntOrString(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*v = rawIntOrString(s)
	return nil
}

type rawRamped struct {
	MaxSurge        *rawIntOrString `json:"maxSurge"`
	MaxUnavailable  *rawIntOrString `json:"maxUnavailable"`
	MinReadySeconds *int            `json:"minReadySeconds"`
}
