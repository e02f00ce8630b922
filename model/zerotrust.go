package model

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

// Zero trust inside the platform: every service runs as a ServiceAccount of its
// own (its mesh identity), declares who may call it, and the namespace denies
// everything else — in Istio's authorization and in the network alike.

// Caller is a workload allowed to call a service: a service of the same stack
// (Service), or a workload of another namespace (Namespace and ServiceAccount).
// Methods and PathPrefixes, when set, narrow what it may ask.
type Caller struct {
	Service        string
	Namespace      string
	ServiceAccount string
	Methods        []string
	PathPrefixes   []string
}

// CloudIdentity binds a service's ServiceAccount to an identity of its
// cloud, so its pods reach cloud APIs without stored keys. At most one field
// is set, the one of the stack's cluster kind.
type CloudIdentity struct {
	// GCPServiceAccount is a Google service account's email (GKE Workload
	// Identity).
	GCPServiceAccount string
	// AWSRoleARN is an IAM role's ARN (EKS IAM roles for service accounts).
	AWSRoleARN string
	// AzureClientID is a managed identity's or app's client ID (AKS Workload
	// Identity).
	AzureClientID string
}

// ExternalHost is a host outside the cluster the application's pods may
// reach; every other outbound destination off the mesh's registry is refused.
type ExternalHost struct {
	Host     string
	Port     int
	Protocol string
}

// Authorization reports whether the platform writes the namespace's
// authorization: deny by default, each service open to its declared callers.
// Principals exist only where Istio's mTLS is required, so it follows STRICT.
func (a App) Authorization() bool { return a.MTLS == "STRICT" }

// ExternalProtocols are the protocols a declared external host may speak.
var ExternalProtocols = []string{"TLS", "HTTPS", "HTTP", "TCP"}

// HTTPMethods are the methods a caller may be narrowed to.
var HTTPMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

type rawCaller struct {
	Service        string   `json:"service"`
	Namespace      string   `json:"namespace"`
	ServiceAccount string   `json:"serviceAccount"`
	Methods        []string `json:"methods"`
	Paths          []string `json:"paths"`
}

type rawCloudIdentity struct {
	GCPServiceAccount string `json:"gcpServiceAccount"`
	AWSRoleARN        string `json:"awsRoleArn"`
	AzureClientID     string `json:"azureClientId"`
}

type rawExternalHost struct {
	Host     string `json:"host"`
	Port     *int   `json:"port"`
	Protocol string `json:"protocol"`
}

var (
	// A Google service account's email: <name>@<project>.iam.gserviceaccount.com.
	gcpServiceAccount = regexp.MustCompile(`^[a-z]([-a-z0-9]{4,28}[a-z0-9])@[a-z][-a-z0-9]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$`)
	// An IAM role's ARN in any partition: arn:aws:iam::<12 digits>:role/<path/name>.
	awsRoleARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	// A top-level label of digits only: an address, not a name.
	numericLabel = regexp.MustCompile(`\.[0-9]+$`)
	uuidForm     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// A path prefix Istio's authorization matches: no wildcard of its own
	// (the policy adds the trailing one), no query.
	pathPrefix = regexp.MustCompile(`^/[A-Za-z0-9._~!$&'()+,;=:@/%-]*$`)
)

func decodeCallers(raws []rawCaller, at string, p *problems) []Caller {
	callers := make([]Caller, 0, len(raws))
	for i, raw := range raws {
		where := fmt.Sprintf("%s[%d]", at, i)
		c := Caller{Service: raw.Service, Namespace: raw.Namespace, ServiceAccount: raw.ServiceAccount, Methods: raw.Methods, PathPrefixes: raw.Paths}
		switch {
		case c.Service != "" && (c.Namespace != "" || c.ServiceAccount != ""):
			p.add(where, "set either service (a service of this stack) or namespace and serviceAccount (a workload elsewhere), not both")
		case c.Service != "":
			checkDNSLabel(p, where+".service", c.Service)
		case c.Namespace == "" || c.ServiceAccount == "":
			p.add(where, "name a service of this stack (service), or a workload elsewhere by namespace and serviceAccount")
		default:
			checkDNSLabel(p, where+".namespace", c.Namespace)
			checkDNSSubdomain(p, where+".serviceAccount", c.ServiceAccount)
		}
		for j, m := range c.Methods {
			if !slices.Contains(HTTPMethods, m) {
				p.add(fmt.Sprintf("%s.methods[%d]", where, j), "%q is not one of %s", m, strings.Join(HTTPMethods, ", "))
			}
		}
		for j, path := range c.PathPrefixes {
			if !pathPrefix.MatchString(path) {
				p.add(fmt.Sprintf("%s.paths[%d]", where, j), "%q is not a path prefix (starts with /, no * or ?)", path)
			}
		}
		callers = append(callers, c)
	}
	return callers
}

func decodeCloudIdentity(raw *rawCloudIdentity, at string, p *problems) *CloudIdentity {
	if raw == nil {
		return nil
	}
	id := &CloudIdentity{GCPServiceAccount: raw.GCPServiceAccount, AWSRoleARN: raw.AWSRoleARN, AzureClientID: raw.AzureClientID}
	set := 0
	if id.GCPServiceAccount != "" {
		set++
		if _, err := mail.ParseAddress(id.GCPServiceAccount); err != nil || !gcpServiceAccount.MatchString(id.GCPServiceAccount) {
			p.add(at+".gcpServiceAccount", "%q is not a Google service account's email (name@project.iam.gserviceaccount.com)", id.GCPServiceAccount)
		}
	}
	if id.AWSRoleARN != "" {
		set++
		if !awsRoleARN.MatchString(id.AWSRoleARN) {
			p.add(at+".awsRoleArn", "%q is not an IAM role's ARN (arn:aws:iam::123456789012:role/name)", id.AWSRoleARN)
		}
	}
	if id.AzureClientID != "" {
		set++
		if !uuidForm.MatchString(id.AzureClientID) {
			p.add(at+".azureClientId", "%q is not a client ID (a UUID like 00000000-0000-0000-0000-000000000000)", id.AzureClientID)
		}
	}
	if set != 1 {
		p.add(at, "set exactly one of gcpServiceAccount, awsRoleArn or azureClientId (%d set)", set)
	}
	return id
}

func decodeEgress(raws []rawExternalHost, at string, p *problems) []ExternalHost {
	hosts := make([]ExternalHost, 0, len(raws))
	seen := map[string]int{}
	for i, raw := range raws {
		where := fmt.Sprintf("%s[%d]", at, i)
		h := ExternalHost{Host: raw.Host, Port: intOr(raw.Port, DefaultEgressPort), Protocol: orDefault(raw.Protocol, DefaultEgressProtocol)}
		// Istio's ServiceEntry takes a wildcard only as the first label, and
		// the hosts must be names: an address is no host of the registry.
		name := strings.TrimPrefix(h.Host, "*.")
		if len(h.Host) > 253 || !dnsSubdomainLabel.MatchString(name) || !strings.Contains(name, ".") || numericLabel.MatchString(name) {
			p.add(where+".host", "%q is not a fully qualified host name (api.example.com, or *.example.com)", h.Host)
		}
		checkPort(p, where+".port", h.Port)
		if !slices.Contains(ExternalProtocols, h.Protocol) {
			p.add(where+".protocol", "must be one of %s, got %q", strings.Join(ExternalProtocols, ", "), h.Protocol)
		}
		// Plain TCP carries no host name: Envoy tells such destinations
		// apart by address only, and a wildcard host has none to resolve.
		if h.Protocol == "TCP" && strings.HasPrefix(h.Host, "*.") {
			p.add(where+".protocol", "TCP carries no host name, so a wildcard host (%s) cannot be told apart from any other destination on port %d; name the host, or use TLS", h.Host, h.Port)
		}
		id := fmt.Sprintf("%s:%d", h.Host, h.Port)
		if first, dup := seen[id]; dup {
			p.add(where, "%s is already declared (egress[%d])", id, first)
		}
		seen[id] = i
		hosts = append(hosts, h)
	}
	return hosts
}

// checkCallers holds every service's callers to the stack: a caller named as a
// service must be one, callers need STRICT mTLS (a principal is known only
// for a mutual-TLS peer), and a cloud identity must be of the stack's cloud.
func checkCallers(platform *Platform, p *problems) {
	for i, svc := range platform.Services {
		at := ServiceKey(i, svc.Name)
		if len(svc.Callers) > 0 && !platform.App.Authorization() {
			p.add(at+".callers", "needs Istio's mTLS to tell callers apart, but %s is %q: set it to STRICT", key("app")+".mtls", platform.App.MTLS)
		}
		for j, c := range svc.Callers {
			if c.Service == "" {
				continue
			}
			if !slices.ContainsFunc(platform.Services, func(s Service) bool { return s.Name == c.Service }) {
				p.add(fmt.Sprintf("%s.callers[%d].service", at, j), "%q is not a service of this stack (for a workload elsewhere set namespace and serviceAccount)", c.Service)
			}
		}
		checkIdentityCloud(platform.Cluster.Kind, svc.Identity, at+".identity", p)
	}
}

func checkIdentityCloud(kind ClusterKind, id *CloudIdentity, at string, p *problems) {
	if id == nil {
		return
	}
	wrong := func(field string, want ClusterKind) {
		p.add(at+"."+field, "binds a %s identity, but cluster.kind is %q", want, kind)
	}
	switch {
	case id.GCPServiceAccount != "" && kind != ClusterGKE:
		wrong("gcpServiceAccount", ClusterGKE)
	case id.AWSRoleARN != "" && kind != ClusterEKS:
		wrong("awsRoleArn", ClusterEKS)
	case id.AzureClientID != "" && kind != ClusterAKS:
		wrong("azureClientId", ClusterAKS)
	}
}

// Callees are the services of the stack that name service among their
// callers: the services it may call.
func (p *Platform) Callees(service string) []Service {
	var out []Service
	for _, s := range p.Services {
		if slices.ContainsFunc(s.Callers, func(c Caller) bool { return c.Service == service }) {
			out = append(out, s)
		}
	}
	return out
}
