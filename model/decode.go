package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// Namespace is the config namespace of the program: keys are cloudnative:<key>.
const Namespace = "cloudnative"

// Decode reads the raw stack config, applies defaults and validates it. Relative
// paths are resolved against projectDir. It returns every problem at once, each
// naming the offending key, and reads no cluster: nothing is created on error.
func Decode(raw Raw, projectDir string) (*Platform, error) {
	var p problems
	platform := &Platform{}
	checkKeys(raw.Keys, &p)

	decodeStrict(raw.Production, &platform.Production, key("production"), &p)

	var cluster rawCluster
	if decodeStrict(raw.Cluster, &cluster, key("cluster"), &p) {
		platform.Cluster = decodeCluster(cluster, raw, projectDir, &p)
	}

	var istio rawIstio
	if decodeStrict(raw.Istio, &istio, key("istio"), &p) {
		platform.Istio = decodeIstio(istio, projectDir, &p)
	}

	var routing rawRouting
	if decodeStrict(raw.Routing, &routing, key("routing"), &p) {
		platform.Routing = decodeRouting(routing, projectDir, &p)
	}

	var app rawApp
	if decodeStrict(raw.App, &app, key("app"), &p) {
		platform.App = decodeApp(app, projectDir, &p)
	}

	var certManager *rawCertManager
	if decodeStrict(raw.CertManager, &certManager, key("certManager"), &p) {
		platform.CertManager = decodeCertManager(certManager, platform.App.TLS, projectDir, &p)
	}

	var obs rawObservability
	if decodeStrict(raw.Observability, &obs, key("observability"), &p) {
		platform.Observability = decodeObservability(obs, projectDir, &p)
	}

	var scheduling rawScheduling
	if decodeStrict(raw.Scheduling, &scheduling, key("scheduling"), &p) {
		platform.Scheduling = decodeScheduling(scheduling, &p)
	}

	var services []rawService
	if decodeStrict(raw.Services, &services, key("services"), &p) {
		noteCanaryKeys(raw.Services, services)
		if len(services) == 0 {
			p.add(key("services"), "at least one service is required")
		}
		platform.Services = decodeServices(services, platform.Production, &p)
	}

	checkSharedGatewayHosts(platform, &p)
	checkNamespaceOwners(platform, &p)
	checkCallers(platform, &p)
	checkGatewayAPI(platform, services, &p)
	checkReleaseGroups(platform, &p)
	checkProductionEdge(platform, &p)

	if err := p.err(); err != nil {
		return nil, err
	}
	return platform, nil
}

// checkSharedGatewayHosts refuses the catch-all host on a shared Istio: every
// environment's Gateway sits on the same ingress gateway there, and two
// binding "*" would take each other's requests.
func checkSharedGatewayHosts(platform *Platform, p *problems) {
	if platform.Istio.Install || !slices.Contains(platform.App.Hosts, DefaultHost) {
		return
	}
	p.add(key("app")+".hosts", "istio.install is false, so this environment shares its ingress gateway with others: set hosts of its own (e.g. staging.example.com), not %q", DefaultHost)
}

// checkProductionEdge: a production stack serves HTTPS, whatever is in front.
func checkProductionEdge(platform *Platform, p *problems) {
	if platform.Production && !platform.App.TLS.Enabled {
		p.add(key("app")+".tls", "is required in production: the gateway must serve HTTPS (set an issuer, certificate files or an existing Secret)")
	}
}

// ClusterNamespaces are the cluster's own: no stack may take one over, and
// a destroy must never delete one.
var ClusterNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// SharedNamespace is Kubernetes' default namespace: a stack may put its
// services there (as the walkthrough does), but never creates or deletes it.
const SharedNamespace = "default"

// checkNamespaceOwners refuses an application namespace another component or
// the cluster owns: the stack would register a Namespace someone else's
// release created, and its destroy would delete it under them. The Istio
// namespaces a stack installs are two different Namespaces.
func checkNamespaceOwners(platform *Platform, p *problems) {
	app, istio := platform.App.Namespace, platform.Istio
	at := key("app") + ".namespace"
	switch {
	case app == istio.Namespace:
		p.add(at, "%q is istio.namespace, owned by Istio's release; give the application a namespace of its own", app)
	case app == istio.Gateway.Namespace:
		p.add(at, "%q is istio.gateway.namespace, owned by the ingress gateway's release; give the application a namespace of its own", app)
	case slices.Contains(ClusterNamespaces, app):
		p.add(at, "%q belongs to the cluster itself; give the application a namespace of its own", app)
	}
	if cm := platform.CertManager; cm.Install {
		taken := append([]string{app, istio.Namespace, istio.Gateway.Namespace, SharedNamespace}, ClusterNamespaces...)
		if slices.Contains(taken, cm.Namespace) {
			p.add(key("certManager")+".namespace", "%q is already owned (by the application, Istio, or the cluster); cert-manager's release needs a namespace of its own (the default is %s)", cm.Namespace, DefaultCertManagerNamespace)
		}
	}
	if istio.Install && istio.Gateway.Namespace == istio.Namespace {
		p.add(key("istio")+".gateway.namespace", "%q is also istio.namespace: the stack installs both and would create one Namespace twice; use another (the default is %s)", istio.Gateway.Namespace, DefaultGatewayNamespace)
	}
}

func key(name string) string { return Namespace + ":" + name }

// ServiceKey names the config key of the i-th service, e.g.
// cloudnative:services[0](java-service), for problems found after decoding.
func ServiceKey(i int, name string) string {
	return ElementKey(key("services"), i, map[string]any{"name": name})
}

// decodeStrict decodes one config document once its shape is checked, so that
// a misspelt key or a value of the wrong kind is an error at its full key
// rather than a silently ignored setting or a message in Go's words. Empty
// input decodes to the zero value.
func decodeStrict(data json.RawMessage, into any, at string, p *problems) bool {
	if len(data) == 0 {
		return true
	}
	if !checkShape(data, reflect.TypeOf(into).Elem(), at, p) {
		return false
	}
	if err := json.Unmarshal(data, into); err != nil {
		p.add(at, "%s", strings.TrimPrefix(err.Error(), "json: "))
		return false
	}
	return true
}

// checkKeys refuses every key under the namespace that the program does not read.
func checkKeys(keys []string, p *problems) {
	known := append(ConfigKeys(), KubeconfigKey, PreviousReleaseKey, RolloutKey)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			p.add(key(k), "is not a known key%s", suggestion(k, known))
		}
	}
}

func decodeCluster(raw rawCluster, config Raw, projectDir string, p *problems) Cluster {
	at := key("cluster")
	c := Cluster{Kind: ClusterKind(raw.Kind)}
	checkUnreadClusterSettings(raw, config.HasKubeconfigSecret, p)
	switch c.Kind {
	case ClusterExisting:
		e := raw.Existing
		if e == nil {
			e = &rawExisting{}
		}
		c.Existing = &ExistingCluster{Context: e.Context}
		switch {
		case e.KubeconfigPath != "":
			path := resolve(projectDir, e.KubeconfigPath)
			if _, err := os.Stat(path); err != nil {
				p.add(at+".existing.kubeconfigPath", "cannot read %s: %v", path, unwrapPathError(err))
			}
			c.Existing.KubeconfigPath = path
		case !config.HasKubeconfigSecret:
			p.add(at+".existing.kubeconfigPath", "set a kubeconfig path, or the secret %s", key("kubeconfig"))
		}
	case ClusterMinikube:
		m := raw.Minikube
		if m == nil {
			m = &rawMinikube{}
		}
		c.Minikube = &MinikubeCluster{
			Profile:           orDefault(m.Profile, DefaultMinikubeProfile),
			KubernetesVersion: orDefault(m.KubernetesVersion, DefaultMinikubeKubernetesVersion),
			CPUs:              intOr(m.CPUs, DefaultMinikubeCPUs),
			MemoryMB:          intOr(m.MemoryMB, DefaultMinikubeMemoryMB),
			Driver:            m.Driver,
			BuildImages:       boolOr(m.BuildImages, DefaultMinikubeBuildImages),
			AppsDir:           filepath.Join(projectDir, "apps"),
		}
		checkDNSLabel(p, at+".minikube.profile", c.Minikube.Profile)
		if c.Minikube.BuildImages {
			if info, err := os.Stat(c.Minikube.AppsDir); err != nil || !info.IsDir() {
				p.add(at+".minikube.buildImages", "builds the sample images from %s, which is not a directory here; set it to false to pull the images instead", c.Minikube.AppsDir)
			}
		}
		if !kubernetesVersion.MatchString(c.Minikube.KubernetesVersion) {
			p.add(at+".minikube.kubernetesVersion", "must look like v1.34.0, got %q", c.Minikube.KubernetesVersion)
		}
		if c.Minikube.CPUs < MinMinikubeCPUs {
			p.add(at+".minikube.cpus", "minikube needs at least %d, got %d", MinMinikubeCPUs, c.Minikube.CPUs)
		}
		if c.Minikube.MemoryMB < MinMinikubeMemoryMB {
			p.add(at+".minikube.memoryMB", "minikube needs at least %d, got %d", MinMinikubeMemoryMB, c.Minikube.MemoryMB)
		}
	case ClusterGKE:
		c.GKE = decodeGKE(raw.GKE, config.Stack, p)
	case ClusterEKS:
		c.EKS = decodeEKS(raw.EKS, config.Stack, p)
	case ClusterAKS:
		c.AKS = decodeAKS(raw.AKS, config.Stack, p)
	case "":
		p.add(at+".kind", "is required (one of %s)", strings.Join(clusterKinds(), ", "))
	default:
		p.add(at+".kind", "unknown cluster kind %q (one of %s)", raw.Kind, strings.Join(clusterKinds(), ", "))
	}
	return c
}

func clusterKinds() []string {
	return []string{string(ClusterExisting), string(ClusterMinikube), string(ClusterGKE), string(ClusterEKS), string(ClusterAKS)}
}

// checkUnreadClusterSettings refuses settings the selected target does not
// read: a block for another target, or the kubeconfig secret on a target that
// makes its own. Silently ignored, they would hide a mistaken kind.
func checkUnreadClusterSettings(raw rawCluster, hasKubeconfigSecret bool, p *problems) {
	if !slices.Contains(clusterKinds(), raw.Kind) {
		return // the unknown kind is the problem to report
	}
	blocks := map[ClusterKind]bool{
		ClusterExisting: raw.Existing != nil, ClusterMinikube: raw.Minikube != nil,
		ClusterGKE: raw.GKE != nil, ClusterEKS: raw.EKS != nil, ClusterAKS: raw.AKS != nil,
	}
	for _, kind := range clusterKinds() {
		if blocks[ClusterKind(kind)] && kind != raw.Kind {
			p.add(key("cluster")+"."+kind, "is set but cluster.kind is %q", raw.Kind)
		}
	}
	if hasKubeconfigSecret && ClusterKind(raw.Kind) != ClusterExisting {
		p.add(key("kubeconfig"), "is set, but only cluster.kind existing reads it; a %s cluster makes its own (remove it with pulumi config rm %s)", raw.Kind, key("kubeconfig"))
	}
}

func decodeIstio(raw rawIstio, projectDir string, p *problems) Istio {
	at := key("istio")
	gw := raw.Gateway
	if gw == nil {
		gw = &rawGateway{}
	}
	i := Istio{
		Install:    raw.Install == nil || *raw.Install,
		Namespace:  orDefault(raw.Namespace, DefaultIstioNamespace),
		Repository: orDefault(raw.Repository, DefaultIstioRepository),
		Version:    orDefault(raw.Version, DefaultIstioVersion),
		Gateway: IngressGateway{
			Namespace:   orDefault(gw.Namespace, DefaultGatewayNamespace),
			ServiceType: orDefault(gw.ServiceType, DefaultGatewayServiceType),
		},
	}
	checkDNSLabel(p, at+".namespace", i.Namespace)
	checkDNSLabel(p, at+".gateway.namespace", i.Gateway.Namespace)
	checkServiceType(p, at+".gateway.serviceType", i.Gateway.ServiceType)
	if raw.ChartDir != "" {
		i.ChartDir = resolve(projectDir, raw.ChartDir)
		for _, chart := range []string{"base", "istio-control/istio-discovery", "gateway"} {
			if _, err := os.Stat(filepath.Join(i.ChartDir, chart, "Chart.yaml")); err != nil {
				p.add(at+".chartDir", "no chart %s under %s", chart, i.ChartDir)
			}
		}
	} else if !chartVersion.MatchString(i.Version) {
		p.add(at+".version", "must pin an exact chart version like 1.28.0, got %q", i.Version)
	}
	return i
}

func decodeApp(raw rawApp, projectDir string, p *problems) App {
	at := key("app")
	a := App{
		Namespace:        orDefault(raw.Namespace, DefaultAppNamespace),
		SidecarInjection: raw.SidecarInjection == nil || *raw.SidecarInjection,
		ConfigMapName:    orDefault(raw.ConfigMapName, DefaultConfigMapName),
		Hosts:            raw.Hosts,
		MTLS:             orDefault(raw.MTLS, DefaultMTLS),
		TrustDomain:      orDefault(raw.TrustDomain, DefaultTrustDomain),
		Egress:           decodeEgress(raw.Egress, at+".egress", p),
	}
	checkDNSSubdomain(p, at+".trustDomain", a.TrustDomain)
	if !slices.Contains(MTLSModes, a.MTLS) {
		p.add(at+".mtls", "must be %s, got %q", orList(MTLSModes), a.MTLS)
	}
	if len(a.Hosts) == 0 {
		a.Hosts = []string{DefaultHost}
	}
	checkHosts(p, at+".hosts", a.Hosts)
	a.TLS = decodeTLS(raw.TLS, a.Namespace, a.Hosts, projectDir, p)
	checkDNSLabel(p, at+".namespace", a.Namespace)
	checkDNSSubdomain(p, at+".configMapName", a.ConfigMapName)
	file := resolve(projectDir, orDefault(raw.PropertiesFile, DefaultPropertiesFile))
	a.PropertiesFileName = filepath.Base(file)
	content, err := os.ReadFile(file)
	if err != nil {
		p.add(at+".propertiesFile", "cannot read %s: %v", file, unwrapPathError(err))
	}
	a.Properties = string(content)
	return a
}

// Addons are Istio's sample add-ons the observability component can install.
var Addons = []string{"prometheus", "grafana", "jaeger", "kiali"}

func decodeObservability(raw rawObservability, projectDir string, p *problems) Observability {
	at := key("observability")
	o := Observability{
		Enabled:                raw.Enabled == nil || *raw.Enabled,
		Addons:                 raw.Addons,
		TracingSamplingPercent: DefaultTracingSamplingPercent,
	}
	if raw.Enabled == nil && raw.ManifestDir == "" && raw.Version == "" {
		// Not configured at all: off.
		o.Enabled = false
	}
	if raw.TracingSamplingPercent != nil {
		o.TracingSamplingPercent = *raw.TracingSamplingPercent
	}
	if len(o.Addons) == 0 {
		o.Addons = Addons
	}
	size, ok := AddonSizes[orDefault(raw.Size, DefaultAddonSize)]
	if !ok {
		p.add(at+".size", "must be small, medium or large, got %q", raw.Size)
	}
	o.Size = size
	o.PrometheusURL = decodePrometheusURL(raw.PrometheusURL, at+".prometheusUrl", p)
	o.RolloutWebhookURL = decodeWebhookURL(raw.RolloutWebhookURL, at+".rolloutWebhookUrl", p)
	o.RolloutQueries = decodeRolloutQueries(raw.RolloutQueries, at+".rolloutQueries", p)
	if !o.Enabled {
		return o
	}
	for _, addon := range o.Addons {
		known := false
		for _, a := range Addons {
			known = known || a == addon
		}
		if !known {
			p.add(at+".addons", "unknown add-on %q (one of %s)", addon, strings.Join(Addons, ", "))
		}
	}
	if o.TracingSamplingPercent < 0 || o.TracingSamplingPercent > 100 {
		p.add(at+".tracingSamplingPercent", "must be between 0 and 100, got %v", o.TracingSamplingPercent)
	}
	switch {
	case raw.ManifestDir != "":
		o.ManifestDir = resolve(projectDir, raw.ManifestDir)
		for _, addon := range o.Addons {
			if _, err := os.Stat(filepath.Join(o.ManifestDir, addon+".yaml")); err != nil {
				p.add(at+".manifestDir", "no %s.yaml under %s", addon, o.ManifestDir)
			}
		}
	case minorVersion.MatchString(raw.Version):
		o.ManifestURL = "https://raw.githubusercontent.com/istio/istio/release-" + raw.Version + "/samples/addons"
	default:
		p.add(at+".version", "set a local manifestDir, or an Istio release like 1.28 to fetch the add-ons from, got %q", raw.Version)
	}
	return o
}

// noteCanaryKeys records which keys each service's canary block wrote: a
// setting left out and one set to its zero value decode alike.
func noteCanaryKeys(data json.RawMessage, services []rawService) {
	var written []struct {
		Canary map[string]json.RawMessage `json:"canary"`
	}
	if json.Unmarshal(data, &written) != nil {
		return
	}
	for i := range min(len(written), len(services)) {
		services[i].canaryKeys = map[string]bool{}
		for k := range written[i].Canary {
			services[i].canaryKeys[k] = true
		}
	}
}

func decodeServices(raws []rawService, production bool, p *problems) []Service {
	seen := map[string]int{}
	paths := map[string]string{}
	services := make([]Service, 0, len(raws))
	for i, raw := range raws {
		at := ServiceKey(i, raw.Name)
		s := decodeService(raw, at, p)
		if first, dup := seen[s.Name]; dup && s.Name != "" {
			p.add(at+".name", "duplicate service name %q (also services[%d])", s.Name, first)
		}
		seen[s.Name] = i
		if other, dup := paths[s.PathPrefix]; dup && s.Gateway {
			p.add(at+".pathPrefix", "%q is already routed to %s", s.PathPrefix, other)
		}
		if s.Gateway {
			paths[s.PathPrefix] = s.Name
		}
		if production && s.Strategy == Recreate {
			p.add(at+".strategy", "recreate takes the service down during a release and is not allowed in a production stack")
		}
		services = append(services, s)
	}
	return services
}

func resolve(projectDir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(projectDir, path)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

func floatOr(value *float64, fallback float64) float64 {
	if value == nil {
		return fallback
	}
	return *value
}

func intOr(value *int, fallback int) int {
	if value == nil {
		return fallback
	}
	return *value
}

func boolOr(value *bool, fallback bool) bool {
	if value == nil {
		return fallback
	}
	return *value
}
