// Package stacks composes one environment from its stack config: config → model →
// cluster → mesh → application → routing → outputs.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/components/appenv"
	"github.com/cloudnative-pac/platform/components/edge"
	"github.com/cloudnative-pac/platform/components/routing"
	"github.com/cloudnative-pac/platform/components/workload"
	"github.com/cloudnative-pac/platform/components/zerotrust"
	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/release"
	"github.com/cloudnative-pac/platform/strategy"
)

// Program returns the Pulumi program for a project directory; relative paths in
// the stack config (kubeconfig, properties file, charts) resolve against it.
func Program(projectDir string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		platform, kubeconfigSecret, err := LoadModel(ctx, projectDir)
		if err != nil {
			return err
		}
		return Deploy(ctx, platform, kubeconfigSecret)
	}
}

// Deploy registers the whole platform described by a validated model.
func Deploy(ctx *pulumi.Context, platform *model.Platform, kubeconfigSecret pulumi.StringOutput) error {
	// Plan every service first: a service that cannot be planned, or whose
	// objects would take another's names, must stop the program before any
	// resource is registered.
	plans, err := strategy.PlanAll(platform.Services)
	if err != nil {
		return err
	}

	if err := ctx.RegisterStackTransformation(forceOwnership); err != nil {
		return err
	}
	target, err := newCluster(ctx, platform, kubeconfigSecret)
	if err != nil {
		return err
	}
	access := target.Access()
	onCluster := pulumi.Provider(access.Provider)

	istio, crds, control, err := installMesh(ctx, platform, onCluster)
	if err != nil {
		return err
	}

	env, err := appenv.New(ctx, "app", &appenv.Args{Config: platform.App}, onCluster, pulumi.DependsOn(control))
	if err != nil {
		return err
	}
	afterEnv := append(crds, env)

	// Who may call whom: Istio's authorization and the namespace's egress.
	// Routes wait for it; each service's own NetworkPolicy comes with its pods.
	trust, err := zerotrust.New(ctx, "zero-trust", &zerotrust.Args{
		App: platform.App, Services: platform.Services, Namespace: env.Namespace,
		IstioNamespace: platform.Istio.Namespace, GatewayNamespace: platform.Istio.Gateway.Namespace,
	}, onCluster, pulumi.DependsOn(crds))
	if err != nil {
		return err
	}
	afterEnv = append(afterEnv, trust)

	// The gateway's certificate, in the gateway's namespace, before the
	// Gateway that names it.
	certificate, err := newEdge(ctx, platform, istio, crds, onCluster)
	if err != nil {
		return err
	}

	namespace := platform.App.Namespace
	routes := routingFor(platform.Routing.API)
	ingress, err := routes.Ingress(ctx, &routing.IngressArgs{
		Namespace: namespace, Hosts: platform.App.Hosts, TLS: platform.App.TLS,
		GatewayNamespace: platform.Istio.Gateway.Namespace, CRDDir: platform.Routing.CRDDir,
	}, onCluster, pulumi.DependsOn(append(afterEnv, certificate)))
	if err != nil {
		return err
	}

	builtImages, err := buildImages(ctx, platform, target)
	if err != nil {
		return err
	}

	// Register every workload before any route: a dependency on a resource makes
	// the SDK wait for it, so interleaving would roll the services out one by one.
	workloads := make([]*workload.Workload, len(platform.Services))
	registered := map[string]*workload.Workload{}
	for _, i := range calleesFirst(platform) {
		svc := platform.Services[i]
		var calleeServices []pulumi.Resource
		for _, callee := range platform.Callees(svc.Name) {
			if w := registered[callee.Name]; w != nil {
				calleeServices = append(calleeServices, w.Service)
			}
		}
		workloads[i], err = workload.New(ctx, svc.Name, &workload.Args{
			Service:         svc,
			Plan:            plans[i],
			Namespace:       env.Namespace,
			ConfigMap:       env.ConfigMap,
			ConfigMountPath: appenv.MountPath,
			ConfigChecksum:  env.ConfigChecksum,
			Images:          builtImages,
			CalleeServices:  calleeServices,
			Placement:       platform.Scheduling.Workloads,
			Network: zerotrust.Network{
				App: platform.App, IstioNamespace: platform.Istio.Namespace, GatewayNamespace: platform.Istio.Gateway.Namespace,
				Callees: platform.Callees(svc.Name),
			},
		}, onCluster)
		if err != nil {
			return err
		}
		registered[svc.Name] = workloads[i]
	}

	services := pulumi.Map{}
	var ingressRoutes []routing.IngressRoute
	var rules []pulumi.Resource
	for i, svc := range platform.Services {
		// Routes change only once the tracks they send traffic to have rolled out:
		// a blue/green switch must not reach a colour that is still starting.
		// The API's objects (its CRDs) come with the ingress.
		backends, err := routes.Service(ctx, &routing.ServiceArgs{
			Service:   svc,
			Plan:      plans[i],
			Namespace: namespace,
			MutualTLS: platform.App.MutualTLS(),
		}, onCluster, pulumi.DependsOn(append([]pulumi.Resource{workloads[i], ingress.Resource}, afterEnv...)))
		if err != nil {
			return fmt.Errorf("service %s: routes: %w", svc.Name, err)
		}
		rules = append(rules, backends, workloads[i])
		if svc.Gateway {
			ingressRoutes = append(ingressRoutes, routing.IngressRoute{Service: svc, Plan: plans[i]})
		}
		services[svc.Name] = serviceOutput(plans[i])
	}
	err = routes.IngressRoutes(ctx, &routing.IngressRoutesArgs{
		Services: ingressRoutes, Namespace: namespace, GatewayRef: ingress.Ref, Hosts: platform.App.Hosts,
		Edge: routing.Edge{TLS: platform.App.TLS, GatewayNamespace: platform.Istio.Gateway.Namespace,
			Solvers: edge.ACMESolvers(platform.App.TLS, platform.App.Hosts)},
	}, onCluster, pulumi.DependsOn(append(rules, ingress.Resource, certificate)))
	if err != nil {
		return err
	}

	// Last: a manifest component registers only once all its objects are ready,
	// which would hold up everything registered after it.
	if err := installAddons(ctx, platform, control, onCluster); err != nil {
		return err
	}

	ctx.Export("cluster", access.Name)
	ctx.Export("clusterEndpoint", access.Endpoint)
	ctx.Export("clusterLocation", access.Location)
	if access.WorkloadIdentity != (pulumi.StringMapOutput{}) {
		ctx.Export("workloadIdentity", access.WorkloadIdentity)
	}
	ctx.Export("kubeconfig", pulumi.ToSecret(access.Kubeconfig))
	ctx.Export("kubeconfigCredential", pulumi.String(access.Credential))
	ctx.Export("namespace", env.Namespace)
	ctx.Export("gateway", pulumi.String(ingress.Ref))
	if platform.App.TLS.Enabled {
		ctx.Export("tlsSecret", pulumi.String(platform.Istio.Gateway.Namespace+"/"+certificate.SecretName))
	}
	ctx.Export("services", services)
	// The release as deployed, read back by promotion (release.Parse).
	ctx.Export("release", pulumi.String(release.FromModel(platform).JSON()))
	if istio != nil {
		exportIngress(ctx, istio, platform.Istio, platform.App.TLS.Enabled, onCluster)
	}
	return nil
}

// serviceOutput is what a user reads per service: strategy, images, traffic plan.
func serviceOutput(plan strategy.Plan) pulumi.Map {
	images := pulumi.StringMap{}
	for track, image := range plan.Images() {
		images[track] = pulumi.String(image)
	}
	return pulumi.Map{
		"strategy":    pulumi.String(string(plan.Strategy)),
		"images":      images,
		"trafficPlan": pulumi.String(plan.Describe()),
	}
}
