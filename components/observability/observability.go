// Package observability installs the mesh's telemetry add-ons — Prometheus,
// Grafana with Istio's dashboards, Jaeger and Kiali — from Istio's pinned addon
// manifests, and sets the tracing sampling rate with the Telemetry API.
package observability

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/types/known/wrapperspb"
	telemetryv1 "istio.io/api/telemetry/v1"

	yamlv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/istiocr"
	"github.com/cloudnative-pac/platform/components/placement"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// TracingProvider is the mesh-config extension provider Jaeger answers as; the
// mesh component declares it (mesh.IstioArgs.Tracing).
const TracingProvider = "jaeger"

// TracingCollector is where proxies send spans: the Jaeger collector, which the
// add-on manifests install in Istio's namespace (Args.Namespace).
func TracingCollector(istioNamespace string) string {
	return fmt.Sprintf("jaeger-collector.%s.svc.cluster.local", istioNamespace)
}

// TracingCollectorPort is the OTLP gRPC port of the collector.
const TracingCollectorPort = 4317

// ui says how to reach an add-on's user interface.
type ui struct{ service, ports string }

var uis = map[string]ui{
	"prometheus": {"prometheus", "9090:9090"},
	"grafana":    {"grafana", "3000:3000"},
	"jaeger":     {"tracing", "16686:80"},
	"kiali":      {"kiali", "20001:20001"},
}

// Args configure the add-ons.
type Args struct {
	Config model.Observability
	// Namespace is Istio's root namespace, where the add-on manifests install.
	Namespace string
	// Placement is where the add-ons' pods may run.
	Placement model.Placement
}

// Observability is the installed add-ons.
type Observability struct {
	pulumi.ResourceState

	// Access maps each add-on to the command that opens its UI locally.
	Access pulumi.StringMap
}

// New installs the add-ons and the mesh-wide Telemetry.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Observability, error) {
	o := &Observability{Access: pulumi.StringMap{}}
	if err := ctx.RegisterComponentResource("cloudnative:observability:Addons", name, o, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config
	for _, addon := range cfg.Addons {
		_, err := yamlv2.NewConfigFile(ctx, name+"-"+addon, &yamlv2.ConfigFileArgs{
			File: pulumi.String(Source(cfg, addon)),
		}, pulumi.Parent(o), pulumi.Transforms([]pulumi.ResourceTransform{shape(cfg.Size, args.Placement)}))
		if err != nil {
			return nil, fmt.Errorf("add-on %s: %w", addon, err)
		}
		u := uis[addon]
		o.Access[addon] = pulumi.String(fmt.Sprintf("kubectl -n %s port-forward svc/%s %s", args.Namespace, u.service, u.ports))
	}

	if !Traces(cfg) {
		return o, ctx.RegisterResourceOutputs(o, pulumi.Map{"access": o.Access})
	}
	// Istio reads a Telemetry in its root namespace as the mesh-wide default.
	_, err := istiocr.New(ctx, name+"-tracing", istiocr.Telemetry, "Telemetry",
		istiocr.Meta{Name: "mesh-default", Namespace: pulumi.String(args.Namespace)},
		TelemetrySpec(cfg), pulumi.Parent(o))
	if err != nil {
		return nil, err
	}
	return o, ctx.RegisterResourceOutputs(o, pulumi.Map{"access": o.Access})
}

// Traces reports whether Jaeger is among the add-ons, so the mesh sends spans.
func Traces(cfg model.Observability) bool {
	for _, a := range cfg.Addons {
		if a == "jaeger" {
			return cfg.Enabled
		}
	}
	return false
}

// shape is applied to every object of the add-on manifests: Services skip the
// provider's fixed wait like the application's (their Deployments are awaited),
// every container gets the stack's add-on size, and every pod the platform's
// placement.
func shape(size model.AddonSize, where model.Placement) pulumi.ResourceTransform {
	resources := pulumi.Map{
		"requests": pulumi.Map{"cpu": pulumi.String(size.CPURequest), "memory": pulumi.String(size.MemoryRequest)},
		"limits":   pulumi.Map{"cpu": pulumi.String(size.CPULimit), "memory": pulumi.String(size.MemoryLimit)},
	}
	return func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
		var props pulumi.Map
		switch args.Type {
		case "kubernetes:core/v1:Service":
			meta, ok := args.Props["metadata"].(pulumi.Map)
			if !ok {
				return nil
			}
			annotations, _ := meta["annotations"].(pulumi.Map)
			annotations = with(annotations, names.SkipAwaitAnnotation, pulumi.String("true"))
			props = with(args.Props, "metadata", with(meta, "annotations", annotations))
		case "kubernetes:apps/v1:Deployment":
			spec, _ := args.Props["spec"].(pulumi.Map)
			template, _ := spec["template"].(pulumi.Map)
			podSpec, _ := template["spec"].(pulumi.Map)
			containers, ok := podSpec["containers"].(pulumi.Array)
			if !ok {
				return nil
			}
			sized := make(pulumi.Array, len(containers))
			for i, c := range containers {
				container, ok := c.(pulumi.Map)
				if !ok {
					return nil
				}
				sized[i] = with(container, "resources", resources)
			}
			podSpec = with(podSpec, "containers", sized)
			for k, v := range placement.Values(where) {
				podSpec = with(podSpec, k, v)
			}
			props = with(args.Props, "spec", with(spec, "template", with(template, "spec", podSpec)))
		default:
			return nil
		}
		return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
	}
}

// with returns a copy of m with key set to value; m is left as it was.
func with(m pulumi.Map, key string, value pulumi.Input) pulumi.Map {
	out := make(pulumi.Map, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[key] = value
	return out
}

// Source is where an add-on's manifest comes from: the local directory, or the
// Istio release's URL.
func Source(cfg model.Observability, addon string) string {
	if cfg.ManifestDir != "" {
		return filepath.Join(cfg.ManifestDir, addon+".yaml")
	}
	return strings.TrimSuffix(cfg.ManifestURL, "/") + "/" + addon + ".yaml"
}

// TelemetrySpec samples the configured share of requests into Jaeger.
func TelemetrySpec(cfg model.Observability) *telemetryv1.Telemetry {
	return &telemetryv1.Telemetry{
		Tracing: []*telemetryv1.Tracing{{
			Providers:                []*telemetryv1.ProviderRef{{Name: TracingProvider}},
			RandomSamplingPercentage: wrapperspb.Double(cfg.TracingSamplingPercent),
		}},
	}
}
