// Package mesh feeds what the program declares to Istio's own control plane code
// (the pilot's fake discovery server, its traffic simulator and its validating
// webhook) and checks that the traffic Envoy would get is the traffic plan the
// program prints. The case files come from the main module (go run
// ./tests/meshcases); this module holds Istio's dependencies apart from the
// program's build.
package mesh

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Case mirrors internal/meshcase.Case; it is decoded strictly, so a field the
// exporter adds and this side does not read fails every case.
type Case struct {
	Name             string           `json:"name"`
	Seed             int64            `json:"seed,omitempty"`
	Config           map[string]any   `json:"config"`
	RoutingAPI       string           `json:"routingAPI"`
	Namespace        string           `json:"namespace"`
	GatewayNamespace string           `json:"gatewayNamespace"`
	Hosts            []string         `json:"hosts"`
	MTLSMode         string           `json:"mtlsMode"`
	MutualTLS        bool             `json:"mutualTLS"`
	Authorization    bool             `json:"authorization"`
	TrustDomain      string           `json:"trustDomain"`
	ExternalHosts    []ExternalHost   `json:"externalHosts"`
	TLS              *TLS             `json:"tls,omitempty"`
	Objects          []map[string]any `json:"objects"`
	Services         []Service        `json:"services"`

	file string
}

// Service is one service's plan (internal/meshcase.Service).
type Service struct {
	Name           string   `json:"name"`
	Host           string   `json:"host"`
	Port           int      `json:"port"`
	PathPrefix     string   `json:"pathPrefix"`
	TrafficPlan    string   `json:"trafficPlan"`
	Routes         []Route  `json:"routes"`
	Tracks         []Track  `json:"tracks"`
	Preview        *Preview `json:"preview,omitempty"`
	TimeoutSeconds int      `json:"timeoutSeconds"`
	TargetPort     int      `json:"targetPort"`
	Gateway        bool     `json:"gateway"`
	Callers        []Caller `json:"callers"`
	Affinity       *struct {
		Cookie string `json:"cookie"`
		Header string `json:"header"`
	} `json:"affinity,omitempty"`
	Retries struct {
		Attempts          int    `json:"attempts"`
		PerTryTimeoutSecs int    `json:"perTryTimeoutSeconds"`
		RetryOn           string `json:"retryOn"`
	} `json:"retries"`
	// Alternative, halfway through a switch of routing API, is the service's
	// plan as the other API routes it (its retries and backends).
	Alternative *Service `json:"alternative,omitempty"`
	Traffic     struct {
		MaxConnections          int `json:"maxConnections"`
		MaxPendingRequests      int `json:"maxPendingRequests"`
		MaxRequestsPerConn      int `json:"maxRequestsPerConnection"`
		Consecutive5xxErrors    int `json:"consecutive5xxErrors"`
		EjectionIntervalSeconds int `json:"ejectionIntervalSeconds"`
		BaseEjectionSeconds     int `json:"baseEjectionSeconds"`
		MaxEjectionPercent      int `json:"maxEjectionPercent"`
	} `json:"traffic"`
}

// Caller is a declared caller of a service (internal/meshcase.Caller).
type Caller struct {
	Service        string   `json:"service,omitempty"`
	Namespace      string   `json:"namespace,omitempty"`
	ServiceAccount string   `json:"serviceAccount,omitempty"`
	Methods        []string `json:"methods,omitempty"`
	PathPrefixes   []string `json:"pathPrefixes,omitempty"`
}

// ExternalHost is a declared host off the mesh (internal/meshcase.ExternalHost).
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

// Route is one planned route, in evaluation order.
type Route struct {
	Match        *Match        `json:"match,omitempty"`
	Destinations []Destination `json:"destinations"`
	Mirror       *struct {
		Subset  string  `json:"subset"`
		Percent float64 `json:"percent"`
	} `json:"mirror,omitempty"`
}

// Match is a planned header rule with a value it matches and one it does not.
type Match struct {
	Header      string `json:"header"`
	Exact       string `json:"exact,omitempty"`
	Prefix      string `json:"prefix,omitempty"`
	Regex       string `json:"regex,omitempty"`
	Sample      string `json:"sample,omitempty"`
	NonMatching string `json:"nonMatching,omitempty"`
}

// Destination is a planned share of a route.
type Destination struct {
	Subset string `json:"subset"`
	Weight int    `json:"weight"`
}

// Track is a subset and the Deployment whose pods it reaches when the
// service's Service selects them (internal/meshcase.Track).
type Track struct {
	Subset     string `json:"subset"`
	Deployment string `json:"deployment"`
	Selected   bool   `json:"selected"`
	Backend    string `json:"backend,omitempty"`
}

// Preview is a blue/green pair's idle-colour Service and its Deployment.
type Preview struct {
	Host       string `json:"host"`
	Deployment string `json:"deployment"`
}

// casesDir is where make puts the case files (MESH_CASES overrides it).
func casesDir() string {
	if dir := os.Getenv("MESH_CASES"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", ".local", "mesh-cases")
}

// loadCases reads every case file; none at all is an error, not a pass.
func loadCases() ([]Case, error) {
	dir := casesDir()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no case files in %s: run `make mesh` (or go run ./tests/meshcases) first", dir)
	}
	sort.Strings(files)
	cases := make([]Case, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var c Case
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		c.file = f
		cases = append(cases, c)
	}
	return cases, nil
}

// reproduce says how to get a failing case back.
func (c Case) reproduce() string {
	if c.Seed != 0 {
		return fmt.Sprintf("case %s (file %s); reproduce with: make mesh MESH_SEED=%d", c.Name, c.file, c.Seed)
	}
	return fmt.Sprintf("case %s (file %s); reproduce with: make mesh", c.Name, c.file)
}

// istioObjects are the case's Istio config objects.
func (c Case) istioObjects() []map[string]any {
	var out []map[string]any
	for _, o := range c.Objects {
		if isIstio(o) {
			out = append(out, o)
		}
	}
	return out
}

// gatewayAPI reports whether the case routes with the Gateway API.
func (c Case) gatewayAPI() bool { return c.RoutingAPI == "gatewayAPI" }

// isGatewayAPI: Gateway API objects are Kubernetes objects to Istio, read by
// its gateway controller from the cluster, not from its config store.
func isGatewayAPI(o map[string]any) bool {
	apiVersion, _ := o["apiVersion"].(string)
	return strings.HasPrefix(apiVersion, "gateway.networking.k8s.io/")
}

func isIstio(o map[string]any) bool {
	apiVersion, _ := o["apiVersion"].(string)
	group, _, _ := strings.Cut(apiVersion, "/")
	return strings.HasSuffix(group, ".istio.io")
}

func kindOf(o map[string]any) string { s, _ := o["kind"].(string); return s }

func metaOf(o map[string]any, key string) string {
	m, _ := o["metadata"].(map[string]any)
	s, _ := m[key].(string)
	return s
}
