package meshcase

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/edge"
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
	"github.com/cloudnative-pac/platform/stacks"
	"github.com/cloudnative-pac/platform/strategy"
)

// notObjects are registered resources that are not one Kubernetes object of the
// application: Helm releases and add-on manifests install Istio's own objects,
// which Istio's engine brings itself.
var notObjects = map[string]bool{
	"kubernetes:helm.sh/v3:Release":  true,
	"kubernetes:yaml/v2:ConfigFile":  true,
	"pulumi:providers:kubernetes":    true,
	"kubernetes:yaml:ConfigFile":     true,
	"kubernetes:yaml/v2:ConfigGroup": true,
}

// Export runs the program under Pulumi's mocks on one stack config (projectDir
// holds the files the config names) and returns what it declared and planned.
// Runs set the process environment: call it from one goroutine.
func Export(name string, projectDir string, cfg mocktest.Config, secretKeys ...string) (Case, error) {
	var platform *model.Platform
	program := func(ctx *pulumi.Context) error {
		p, kubeconfig, err := stacks.LoadModel(ctx, projectDir)
		if err != nil {
			return err
		}
		platform = p
		return stacks.Deploy(ctx, p, kubeconfig)
	}
	mocks, err := mocktest.RunInProcess(program, cfg, secretKeys...)
	if err != nil {
		return Case{}, fmt.Errorf("%s: the program failed: %w", name, err)
	}
	plans, err := strategy.PlanAll(platform.Services)
	if err != nil {
		return Case{}, err
	}
	c := Case{
		Name:             name,
		Config:           cfg,
		RoutingAPI:       string(platform.Routing.API),
		Namespace:        platform.App.Namespace,
		GatewayNamespace: platform.Istio.Gateway.Namespace,
		Hosts:            platform.App.Hosts,
		MTLSMode:         platform.App.MTLS,
		MutualTLS:        platform.App.MutualTLS(),
		Authorization:    platform.App.Authorization(),
		TrustDomain:      platform.App.TrustDomain,
		ExternalHosts:    []ExternalHost{},
	}
	if tls := platform.App.TLS; tls.Enabled {
		c.TLS = &TLS{SecretName: tls.SecretName, RedirectHTTP: tls.RedirectHTTP, HSTSMaxAgeSeconds: tls.HSTSMaxAgeSeconds, ACMESolvers: []ACMESolver{}}
		for _, s := range edge.ACMESolvers(tls, platform.App.Hosts) {
			c.TLS.ACMESolvers = append(c.TLS.ACMESolvers, ACMESolver{Host: s.Host, Service: names.ServiceHost(s.Name, platform.Istio.Gateway.Namespace), Port: s.Port})
		}
	}
	for _, h := range platform.App.Egress {
		c.ExternalHosts = append(c.ExternalHosts, ExternalHost{Host: h.Host, Port: h.Port, Protocol: h.Protocol})
	}
	for _, r := range mocks.Resources() {
		if r.Read || notObjects[r.Type] || !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		c.Objects = append(c.Objects, object(r))
	}
	for i, svc := range platform.Services {
		c.Services = append(c.Services, service(svc, platform.App.Namespace, plans[i], platform.Routing.GatewayAPI()))
	}
	return c, nil
}

// object is a registered resource as the Kubernetes object the provider sends.
func object(r mocktest.Resource) map[string]any {
	obj := r.Revealed()
	token := strings.Split(r.Type, ":") // kubernetes:<group>/<version>:<Kind>
	apiVersion := strings.TrimPrefix(token[1], "core/")
	if _, ok := obj["apiVersion"]; !ok {
		obj["apiVersion"] = apiVersion
	}
	if _, ok := obj["kind"]; !ok {
		obj["kind"] = token[2]
	}
	return obj
}

func service(svc model.Service, namespace string, plan strategy.Plan, subsetless bool) Service {
	out := Service{
		Name:           svc.Name,
		Host:           names.ServiceHost(svc.Name, namespace),
		Port:           svc.Port,
		PathPrefix:     svc.PathPrefix,
		TrafficPlan:    plan.Describe(),
		TimeoutSeconds: svc.Routes.TimeoutSeconds,
		Retries: Retries{
			Attempts:          svc.Routes.RetryAttempts,
			PerTryTimeoutSecs: svc.Routes.PerTryTimeoutSeconds,
			RetryOn:           svc.Routes.RetryOn,
		},
		TargetPort: svc.TargetPort,
		Gateway:    svc.Gateway,
		Callers:    []Caller{},
		Traffic: Traffic{
			MaxConnections:          svc.Traffic.MaxConnections,
			MaxPendingRequests:      svc.Traffic.MaxPendingRequests,
			MaxRequestsPerConn:      svc.Traffic.MaxRequestsPerConn,
			Consecutive5xxErrors:    svc.Traffic.Consecutive5xxErrors,
			EjectionIntervalSeconds: svc.Traffic.EjectionIntervalSeconds,
			BaseEjectionSeconds:     svc.Traffic.BaseEjectionSeconds,
			MaxEjectionPercent:      svc.Traffic.MaxEjectionPercent,
		},
	}
	for _, c := range svc.Callers {
		out.Callers = append(out.Callers, Caller{Service: c.Service, Namespace: c.Namespace, ServiceAccount: c.ServiceAccount, Methods: c.Methods, PathPrefixes: c.PathPrefixes})
	}
	for _, r := range plan.Routes {
		route := Route{Match: match(r.Match)}
		for _, d := range r.Destinations {
			route.Destinations = append(route.Destinations, Destination{Subset: names.Subset(d.Track), Weight: d.Weight})
		}
		if m := r.Mirror; m != nil {
			route.Mirror = &Mirror{Subset: names.Subset(m.Track), Percent: m.Percent}
		}
		out.Routes = append(out.Routes, route)
	}
	if a := svc.SessionAffinity; a != nil {
		out.Affinity = &Affinity{Cookie: a.Cookie, Header: a.Header}
	}
	for _, t := range plan.Tracks {
		track := Track{Subset: names.Subset(t.Name), Deployment: names.Deployment(svc.Name, t.Name), Selected: slices.Contains(plan.ServiceTracks, t.Name)}
		if subsetless && track.Selected {
			track.Backend = names.ServiceHost(plan.Backend(svc.Name, t.Name), namespace)
		}
		out.Tracks = append(out.Tracks, track)
	}
	sort.Slice(out.Tracks, func(i, j int) bool { return out.Tracks[i].Subset < out.Tracks[j].Subset })
	if plan.PreviewTrack != "" {
		out.Preview = &Preview{Host: names.ServiceHost(names.PreviewService(svc.Name), namespace), Deployment: names.Deployment(svc.Name, plan.PreviewTrack)}
	}
	return out
}

// sampleValues are tried, in order, as a value a regex rule matches; generated
// regexes are drawn so that one of them does.
var sampleValues = []string{"mobile", "beta", "canary", "v2", "tablet", "ios", "android", "1", "yes", "internal"}

const nonMatching = "zz-no-rule-matches-this"

func match(m *model.HeaderMatch) *Match {
	if m == nil {
		return nil
	}
	out := &Match{Header: m.Header, Exact: m.Exact, Prefix: m.Prefix, Regex: m.Regex}
	matches := func(v string) bool { return v == m.Exact }
	switch {
	case m.Prefix != "":
		matches = func(v string) bool { return strings.HasPrefix(v, m.Prefix) }
		out.Sample = m.Prefix + "-x"
	case m.Regex != "":
		// Envoy matches the whole value with RE2, as Go's regexp does anchored.
		re := regexp.MustCompile("^(?:" + m.Regex + ")$")
		matches = re.MatchString
		for _, v := range sampleValues {
			if re.MatchString(v) {
				out.Sample = v
				break
			}
		}
	default:
		out.Sample = m.Exact
	}
	if !matches(nonMatching) {
		out.NonMatching = nonMatching
	}
	return out
}
