package strategy

import (
	"fmt"
	"maps"
	"slices"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/names"
)

// ObjectNames lists, by kind, the names of the objects a service's plan makes
// in the application namespace. Autoscalers and disruption budgets take their
// Deployment's name, so the Deployment names stand for them too.
func (p Plan) ObjectNames(service string) map[string][]string {
	objects := map[string][]string{
		"Service":         {names.Service(service)},
		"DestinationRule": {names.DestinationRule(service)},
		"VirtualService":  {names.MeshVirtualService(service)},
		// Written instead with routing.api: gatewayAPI.
		"HTTPRoute":      {names.MeshHTTPRoute(service), names.IngressHTTPRoute(service)},
		"ServiceAccount": {names.ServiceAccount(service)},
		"NetworkPolicy":  {names.Service(service)},
		// Written when the namespace's authorization is on.
		"AuthorizationPolicy": {names.AuthorizationPolicy(service)},
	}
	for _, t := range p.Tracks {
		objects["Deployment"] = append(objects["Deployment"], names.Deployment(service, t.Name))
	}
	if p.PreviewTrack != "" {
		objects["Service"] = append(objects["Service"], names.PreviewService(service))
	}
	// Made only where routes cannot name subsets (routing.api: gatewayAPI),
	// but reserved whatever the API, so that switching it never meets a name
	// another service took.
	for _, track := range p.TrackServices() {
		objects["Service"] = append(objects["Service"], names.TrackService(service, track))
	}
	return objects
}

// namespaceObjects are the objects the namespace has once, whatever its services.
var namespaceObjects = []string{
	"NetworkPolicy/" + names.EgressNetworkPolicy,
	"AuthorizationPolicy/" + names.DenyByDefaultPolicy,
}

// PlanAll plans every service of a validated model, and refuses two services
// whose generated objects would share a kind and a name (a service named
// html-frontend-preview beside a blue/green html-frontend): the second would
// overwrite the first on the cluster. Problems name the service's config key.
func PlanAll(services []model.Service) ([]Plan, error) {
	plans := make([]Plan, len(services))
	type owner struct {
		index int
		name  string
	}
	owners := map[string]owner{} // "Kind/name" → the service that makes it
	// The namespace's own objects (index -1) are taken before any service's.
	for _, id := range namespaceObjects {
		owners[id] = owner{index: -1, name: "the namespace"}
	}
	var problems []string
	for i, svc := range services {
		plan, err := For(svc)
		if err != nil {
			return nil, err
		}
		plans[i] = plan
		objects := plan.ObjectNames(svc.Name)
		for _, kind := range slices.Sorted(maps.Keys(objects)) {
			for _, name := range objects[kind] {
				id := kind + "/" + name
				if first, taken := owners[id]; taken && first.index != i {
					other := first.name
					if first.index >= 0 {
						other = model.ServiceKey(first.index, first.name)
					}
					problems = append(problems, fmt.Sprintf("%s.name: its %s %q is also generated for %s; rename one of them",
						model.ServiceKey(i, svc.Name), kind, name, other))
					continue
				}
				owners[id] = owner{index: i, name: svc.Name}
			}
		}
	}
	if len(problems) > 0 {
		return nil, &model.ConfigError{Problems: problems}
	}
	return plans, nil
}
