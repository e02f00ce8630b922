package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudnative-pac/platform/names"
)

var (
	dnsLabel          = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomainLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	headerName        = regexp.MustCompile(`^[a-z0-9!#$%&'*+.^_|~-]+$`)
	kubernetesVersion = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
	minorVersion      = regexp.MustCompile(`^\d+\.\d+$`)
	chartVersion      = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	// An image reference needs a repository; a tag or a digest is optional.
	imageRef = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+/[a-z0-9]+([._/-][a-z0-9]+)*)?(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
)

func checkDNSLabel(p *problems, at, value string) {
	if len(value) > 63 || !dnsLabel.MatchString(value) {
		p.add(at, "%q is not a valid DNS-1123 label (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)", value)
	}
}

// checkServiceName holds a service's name to what every object named after it
// needs: a Service name is a DNS-1035 label (a letter first: "9lives" is
// refused by the API server part-way through an up), and the longest name
// generated from it (<name>-preview, <name>-callers) must stay within a
// label's 63 characters.
func checkServiceName(p *problems, at, name string) {
	switch {
	case !dns1035Label.MatchString(name):
		p.add(at, "%q is not a valid Service name: a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending alphanumeric)", name)
	case len(name) > MaxServiceNameLength:
		p.add(at, "%q is %d characters; at most %d, so that the names made from it (%s-preview, %s-callers) stay within Kubernetes' 63", name, len(name), MaxServiceNameLength, name, name)
	}
}

// MaxServiceNameLength leaves room for the longest suffix the program adds
// to a service's name ("-preview", "-callers").
var MaxServiceNameLength = 63 - names.LongestSuffix()

var dns1035Label = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

func checkDNSSubdomain(p *problems, at, value string) {
	if len(value) > 253 || !dnsSubdomainLabel.MatchString(value) {
		p.add(at, "%q is not a valid DNS-1123 subdomain", value)
	}
}

func checkPort(p *problems, at string, port int) {
	if port < 1 || port > 65535 {
		p.add(at, "must be a port between 1 and 65535, got %d", port)
		return
	}
	if use, reserved := IstioReservedPorts[port]; reserved {
		p.add(at, "%d is Istio's %s port in every pod of the mesh; choose another", port, use)
	}
}

// IstioReservedPorts are the ports Istio's sidecar and agent take in every pod:
// a Service on 15001 or 15006 is captured by the sidecar's own listeners and
// black-holed (the mesh tests saw it), and an application cannot listen on any
// of them beside the sidecar.
var IstioReservedPorts = map[int]string{
	15000: "Envoy admin",
	15001: "outbound capture",
	15004: "debug",
	15006: "inbound capture",
	15008: "HBONE tunnel",
	15009: "HBONE secure tunnel",
	15020: "merged metrics",
	15021: "health check",
	15053: "DNS proxy",
	15090: "Envoy metrics",
}

func checkPercent(p *problems, at string, value int) {
	if value < 0 || value > 100 {
		p.add(at, "must be between 0 and 100, got %d", value)
	}
}

// ServiceTypes are the Kubernetes Service types a service or the gateway may have.
var ServiceTypes = []string{"ClusterIP", "NodePort", "LoadBalancer"}

// MTLSModes are the PeerAuthentication modes of app.mtls.
var MTLSModes = []string{"STRICT", "PERMISSIVE", "DISABLE"}

func checkServiceType(p *problems, at, value string) {
	if !slices.Contains(ServiceTypes, value) {
		p.add(at, "must be %s, got %q", orList(ServiceTypes), value)
	}
}

// orList writes "a, b or c".
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

func checkImage(p *problems, at, image string) {
	if image == "" {
		p.add(at, "is required")
		return
	}
	if !imageRef.MatchString(image) {
		p.add(at, "%q is not an image reference like repo/name:tag", image)
	}
}

// checkIntOrPercent accepts "2" or "25%" and returns the number.
func checkIntOrPercent(p *problems, at, value string) (int, bool) {
	number := strings.TrimSuffix(value, "%")
	n, err := strconv.Atoi(number)
	if err != nil || n < 0 || (number != value && n > 100) {
		p.add(at, "must be a non-negative count or a percentage like 25%%, got %q", value)
		return 0, false
	}
	return n, true
}

// sortedKeys returns a map's keys in order, so problems are reported stably.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// checkHosts accepts the gateway hosts Istio accepts, each at most once and
// none inside another's wildcard: "*", a fully qualified DNS name, or one with a
// leading "*." (e.g. "*.example.com"). A URL, a path or a short name would only
// fail at Istio's admission, or bind nothing.
func checkHosts(p *problems, at string, hosts []string) {
	for i, host := range hosts {
		name := strings.TrimPrefix(host, "*.")
		valid := host == "*" || (strings.Contains(name, ".") && len(name) <= 253 && dnsSubdomainLabel.MatchString(name))
		if !valid {
			p.add(fmt.Sprintf("%s[%d]", at, i), "%q is not a host Istio accepts: \"*\", a fully qualified DNS name like shop.example.com, or a wildcard like *.example.com", host)
			continue
		}
		for j, other := range hosts[:i] {
			if HostsOverlap(host, other) {
				p.add(fmt.Sprintf("%s[%d]", at, i), "%q overlaps %q (%s[%d]): a request would match both", host, other, at, j)
			}
		}
	}
}

// HostsOverlap reports whether one request host could match both gateway hosts.
func HostsOverlap(a, b string) bool {
	covers := func(wildcard, host string) bool {
		if wildcard == "*" {
			return true
		}
		suffix, isWildcard := strings.CutPrefix(wildcard, "*")
		return isWildcard && strings.HasSuffix(strings.TrimPrefix(host, "*"), suffix)
	}
	return a == b || covers(a, b) || covers(b, a)
}
