// Package meshcase exports what the program declares for one stack config — its
// Kubernetes and Istio objects — together with the traffic plan it prints, as a
// case file. Istio's own engine reads those files in tests/mesh (a module of its
// own, so Istio's dependencies stay out of the program's build) and checks that
// the traffic Envoy would get is the plan.
//
// The JSON form here is the contract with tests/mesh, which decodes it strictly
// (unknown fields fail), so a field added here and not read there is noticed.
package meshcase

// Case is one stack config, what the program declared for it, and its plan.
type Case struct {
	// Name tells cases apart: "stack/local", "stack/local/green-active", "generated/17".
	Name string `json:"name"`
	// Seed regenerates a generated case (with -seed and the case's index).
	Seed int64 `json:"seed,omitempty"`
	// Config is the stack config the program ran with, full keys to values.
	Config map[string]any `json:"config"`

	// RoutingAPI is the API the routes are written in (model.RoutingAPIs).
	RoutingAPI       string   `json:"routingAPI"`
	Namespace        string   `json:"namespace"`
	GatewayNamespace string   `json:"gatewayNamespace"`
	Hosts            []string `json:"hosts"`
	// MTLSMode is the namespace's PeerAuthentication mode.
	MTLSMode string `json:"mtlsMode"`
	// MutualTLS is whether clients use Istio's mTLS to the namespace's services.
	MutualTLS bool `json:"mutualTLS"`
	// Authorization is whether the namespace denies every caller not declared.
	Authorization bool   `json:"authorization"`
	TrustDomain   string `json:"trustDomain"`
	// ExternalHosts are the hosts off the mesh the namespace may reach; its
	// sidecars reach no other.
	ExternalHosts []ExternalHost `json:"externalHosts"`
	// TLS is set when the gateway serves HTTPS.
	TLS *TLS `json:"tls,omitempty"`

	// Objects are the Kubernetes objects the program registered (Istio config,
	// Services, Deployments, ...), as the Kubernetes provider would send them.
	Objects []map[string]any `json:"objects"`
	// Services are the plan, per service.
	Services []Service `json:"services"`
}

// Service is one service's plan and the policies its routes and clusters carry.
type Service struct {
	Name string `json:"name"`
	// Host is the service's in-cluster host name.
	Host       string `json:"host"`
	Port       int    `json:"port"`
	PathPrefix string `json:"pathPrefix"`
	// TrafficPlan is the sentence the stack prints (its trafficPlan output).
	TrafficPlan string `json:"trafficPlan"`
	// Routes are in evaluation order: header matches first, the default last.
	Routes []Route `json:"routes"`
	// Tracks are the versions running, each its own DestinationRule subset.
	Tracks []Track `json:"tracks"`
	// Preview, for blue/green, is the Service that reaches the idle colour.
	Preview *Preview `json:"preview,omitempty"`

	TimeoutSeconds int     `json:"timeoutSeconds"`
	Retries        Retries `json:"retries"`
	// Alternative, halfway through a switch of routing API, is the service's
	// plan as the other API routes it: either may carry the traffic then.
	Alternative *Service `json:"alternative,omitempty"`
	// Affinity, when set, is the session affinity of every route to it.
	Affinity *Affinity `json:"affinity,omitempty"`
	Traffic  Traffic   `json:"traffic"`
	// TargetPort is where its pods listen (the inbound listener's port).
	TargetPort int `json:"targetPort"`
	// Gateway is whether the ingress gateway routes to it, and so may call it.
	Gateway bool `json:"gateway"`
	// Callers are the workloads declared as its callers, as the stack says
	// them: Istio's RBAC for its pods must allow exactly their identities
	// (and the gateway's).
	Callers []Caller `json:"callers"`
}

// Caller is a declared caller: a service of the case (Service) or a workload
// of another namespace.
type Caller struct {
	Service        string   `json:"service,omitempty"`
	Namespace      string   `json:"namespace,omitempty"`
	ServiceAccount string   `json:"serviceAccount,omitempty"`
	Methods        []string `json:"methods,omitempty"`
	PathPrefixes   []string `json:"pathPrefixes,omitempty"`
}

// ExternalHost is a declared host off the mesh.
// TLS is what the gateway serves HTTPS with, when the stack turns it on.
type TLS struct {
	// SecretName is the Secret in the gateway's namespace (credentialName).
	SecretName string `json:"secretName"`
	// RedirectHTTP: port 80 answers every request (but the ACME challenge)
	// with a redirect to HTTPS.
	RedirectHTTP      bool `json:"redirectHTTP"`
	HSTSMaxAgeSeconds int  `json:"hstsMaxAgeSeconds"`
	// ACMESolvers are the Services in front of the HTTP-01 solvers, per host.
	ACMESolvers []ACMESolver `json:"acmeSolvers"`
}

// ACMESolver routes one host's challenge path.
type ACMESolver struct {
	Host    string `json:"host"`
	Service string `json:"service"`
	Port    int    `json:"port"`
}

type ExternalHost struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

// Route is one planned route.
type Route struct {
	Match        *Match        `json:"match,omitempty"`
	Destinations []Destination `json:"destinations"`
	// Mirror, when set, is the subset a share of the route's requests is
	// copied to.
	Mirror *Mirror `json:"mirror,omitempty"`
}

// Mirror is a share of a route's requests copied to a subset.
type Mirror struct {
	Subset  string  `json:"subset"`
	Percent float64 `json:"percent"`
}

// Affinity is what requests are hashed on to pick a pod (one of the two).
type Affinity struct {
	Cookie string `json:"cookie,omitempty"`
	Header string `json:"header,omitempty"`
}

// Match is a header rule. Sample is a value the rule matches and NonMatching one
// it does not, for requests that exercise it; either is empty when none is known.
type Match struct {
	Header      string `json:"header"`
	Exact       string `json:"exact,omitempty"`
	Prefix      string `json:"prefix,omitempty"`
	Regex       string `json:"regex,omitempty"`
	Sample      string `json:"sample,omitempty"`
	NonMatching string `json:"nonMatching,omitempty"`
}

// Destination is a share of a route's requests.
type Destination struct {
	Subset string `json:"subset"`
	Weight int    `json:"weight"`
}

// Track is one version. Its subset reaches exactly the pods of its Deployment
// when the service's Service selects them (Selected), and none otherwise (a
// blue/green idle colour is reached through its preview Service only).
type Track struct {
	Subset     string `json:"subset"`
	Deployment string `json:"deployment"`
	Selected   bool   `json:"selected"`
	// Backend, where routes cannot name subsets (the Gateway API), is the
	// host of the Service a route sends the track's share to.
	Backend string `json:"backend,omitempty"`
}

// Preview is the Service of a blue/green pair's idle colour: it reaches exactly
// the pods of that colour's Deployment.
type Preview struct {
	Host       string `json:"host"`
	Deployment string `json:"deployment"`
}

// Retries are the route's retry policy.
type Retries struct {
	Attempts          int    `json:"attempts"`
	PerTryTimeoutSecs int    `json:"perTryTimeoutSeconds"`
	RetryOn           string `json:"retryOn"`
}

// Traffic is the circuit breaking of the service's clusters.
type Traffic struct {
	MaxConnections          int `json:"maxConnections"`
	MaxPendingRequests      int `json:"maxPendingRequests"`
	MaxRequestsPerConn      int `json:"maxRequestsPerConnection"`
	Consecutive5xxErrors    int `json:"consecutive5xxErrors"`
	EjectionIntervalSeconds int `json:"ejectionIntervalSeconds"`
	BaseEjectionSeconds     int `json:"baseEjectionSeconds"`
	MaxEjectionPercent      int `json:"maxEjectionPercent"`
}
