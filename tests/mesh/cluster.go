package mesh

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// The Kubernetes side of a case, as the cluster would hold it once the
// program's objects are applied: Services with cluster IPs, the pods each
// Deployment runs and the EndpointSlices Kubernetes derives from them. Addresses
// come from 198.18.0.0/15, the range reserved for network tests: pods from
// 198.18.0.0/16, Services from 198.19.0.0/16.

// pod is one simulated pod of a Deployment.
type pod struct {
	name, namespace, deployment string
	labels                      map[string]string
	ip                          string
}

// cluster is the case's Kubernetes state.
type cluster struct {
	services   []map[string]any
	clusterIPs map[string]string // "<namespace>/<name>" → cluster IP
	pods       []pod
	secrets    []map[string]any
	// gatewayAPI are the case's Gateway API objects and the stand-ins for
	// what the cluster would hold beside them (gatewayAPIStandIns).
	gatewayAPI []map[string]any
}

func newCluster(c Case) (*cluster, error) {
	k := &cluster{clusterIPs: map[string]string{}}
	podIP := netip.MustParseAddr("198.18.0.10")
	serviceIP := netip.MustParseAddr("198.19.0.10")
	for _, o := range c.Objects {
		switch kindOf(o) {
		case "Service":
			svc := deepCopy(o)
			spec := svc["spec"].(map[string]any)
			spec["clusterIP"] = serviceIP.String()
			k.clusterIPs[metaOf(o, "namespace")+"/"+metaOf(o, "name")] = serviceIP.String()
			serviceIP = serviceIP.Next()
			k.services = append(k.services, svc)
		case "Secret":
			k.secrets = append(k.secrets, storedSecret(o))
		default:
			if isGatewayAPI(o) {
				k.gatewayAPI = append(k.gatewayAPI, o)
			}
		case "Deployment":
			template, _ := dig(o, "spec", "template", "metadata", "labels").(map[string]any)
			if template == nil {
				return nil, fmt.Errorf("Deployment %s has no pod labels", metaOf(o, "name"))
			}
			// Under an autoscaler the Deployment declares no replicas: one pod
			// is enough to be reached.
			replicas := 1
			if n, ok := dig(o, "spec", "replicas").(float64); ok {
				replicas = int(n)
			}
			for i := range replicas {
				k.pods = append(k.pods, pod{
					name:       fmt.Sprintf("%s-%d", metaOf(o, "name"), i),
					namespace:  metaOf(o, "namespace"),
					deployment: metaOf(o, "name"),
					labels:     stringMap(template),
					ip:         podIP.String(),
				})
				podIP = podIP.Next()
			}
		}
	}
	if len(k.gatewayAPI) > 0 {
		k.gatewayAPIStandIns(c, serviceIP)
	}
	if c.TLS != nil {
		if err := k.standInCertificate(c); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// gatewayAPIStandIns add what a cluster running the platform holds besides
// the program's objects when it routes with the Gateway API: the GatewayClass
// istiod writes for its own controller, and the Service and pod of the
// ingress gateway the platform's Helm release installs (the Gateway's
// address; Istio binds a Gateway API gateway to the proxies behind that
// Service, so the pod is the test's gateway proxy: its address and labels).
func (k *cluster) gatewayAPIStandIns(c Case, ip netip.Addr) {
	// Namespaces as the API server keeps them: labelled with their names,
	// which the Gateway's listeners select the application's routes by.
	for _, ns := range []string{c.Namespace, c.GatewayNamespace} {
		k.gatewayAPI = append(k.gatewayAPI, map[string]any{
			"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": ns, "labels": map[string]any{"kubernetes.io/metadata.name": ns}},
		})
	}
	k.gatewayAPI = append(k.gatewayAPI, map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
		"metadata": map[string]any{"name": "istio"},
		"spec":     map[string]any{"controllerName": "istio.io/gateway-controller"},
	})
	name := "istio-ingressgateway"
	k.clusterIPs[c.GatewayNamespace+"/"+name] = ip.String()
	k.pods = append(k.pods, pod{name: name + "-0", namespace: c.GatewayNamespace, deployment: name,
		labels: map[string]string{"istio": "ingressgateway"}, ip: gatewayProxyIP})
	k.services = append(k.services, map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": name, "namespace": c.GatewayNamespace, "labels": map[string]any{"istio": "ingressgateway"}},
		"spec": map[string]any{
			"clusterIP": ip.String(), "type": "ClusterIP",
			"selector": map[string]any{"istio": "ingressgateway"},
			"ports": []any{
				map[string]any{"name": "http2", "port": 80, "targetPort": 80, "protocol": "TCP"},
				map[string]any{"name": "https", "port": 443, "targetPort": 443, "protocol": "TCP"},
			},
		},
	})
}

// gatewayProxyIP is the address of the test's ingress gateway proxy.
const gatewayProxyIP = "198.18.255.1"

// podIPs are the addresses of a Deployment's pods.
func (k *cluster) podIPs(deployment string) []string {
	var ips []string
	for _, p := range k.pods {
		if p.deployment == deployment {
			ips = append(ips, p.ip)
		}
	}
	sort.Strings(ips)
	return ips
}

// objectsYAML renders the state for the fake discovery server's kube client.
func (k *cluster) objectsYAML() (string, error) {
	var docs []any
	for _, s := range k.services {
		docs = append(docs, s)
	}
	for _, s := range k.secrets {
		docs = append(docs, s)
	}
	for _, o := range k.gatewayAPI {
		docs = append(docs, o)
	}
	for _, p := range k.pods {
		docs = append(docs, map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": p.name, "namespace": p.namespace, "labels": p.labels},
			"spec":     map[string]any{"nodeName": "node-1", "containers": []any{map[string]any{"name": "app", "image": "app"}}},
			"status": map[string]any{"phase": "Running", "podIP": p.ip, "podIPs": []any{map[string]any{"ip": p.ip}},
				"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}},
		})
	}
	for _, s := range k.services {
		slice, err := k.endpointSlice(s)
		if err != nil {
			return "", err
		}
		docs = append(docs, slice)
	}
	var out []string
	for _, d := range docs {
		data, err := json.Marshal(d)
		if err != nil {
			return "", err
		}
		out = append(out, string(data))
	}
	return strings.Join(out, "\n---\n"), nil
}

// endpointSlice is what Kubernetes' EndpointSlice controller publishes for a
// Service: its ready pods, selected with Kubernetes' own label selector.
func (k *cluster) endpointSlice(svc map[string]any) (map[string]any, error) {
	name, namespace := metaOf(svc, "name"), metaOf(svc, "namespace")
	selector := labels.SelectorFromSet(stringMap(dig(svc, "spec", "selector").(map[string]any)))
	var endpoints []any
	for _, p := range k.pods {
		if p.namespace == namespace && selector.Matches(labels.Set(p.labels)) {
			endpoints = append(endpoints, map[string]any{
				"addresses":  []any{p.ip},
				"conditions": map[string]any{"ready": true},
				"targetRef":  map[string]any{"kind": "Pod", "name": p.name, "namespace": p.namespace},
			})
		}
	}
	var ports []any
	for _, raw := range dig(svc, "spec", "ports").([]any) {
		port := raw.(map[string]any)
		target := port["targetPort"]
		if target == nil {
			target = port["port"]
		}
		ports = append(ports, map[string]any{"name": port["name"], "port": target, "protocol": "TCP"})
	}
	return map[string]any{
		"apiVersion":  "discovery.k8s.io/v1",
		"kind":        "EndpointSlice",
		"metadata":    map[string]any{"name": name + "-slice", "namespace": namespace, "labels": map[string]any{"kubernetes.io/service-name": name}},
		"addressType": "IPv4",
		"endpoints":   endpoints,
		"ports":       ports,
	}, nil
}

func stringMap(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func dig(v any, path ...string) any {
	for _, key := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

func deepCopy(o map[string]any) map[string]any {
	data, _ := json.Marshal(o)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}
