package meshcase

import (
	"fmt"

	"github.com/cloudnative-pac/platform/internal/mocktest"
)

// Creation times of the two sides of a switch: Istio settles conflicts
// between configs for one host in favour of the oldest.
const (
	oldObjects = "2026-01-01T00:00:00Z"
	newObjects = "2026-01-02T00:00:00Z"
)

// Switching is the cluster halfway through the up that moves a stack from
// one routing API to the other: the new API's objects created, the old ones
// not yet deleted (Pulumi deletes what a program no longer declares at the
// end of the run), an object both declare (the service's DestinationRule)
// as the new side has it. Each request must then be routed all by one API
// or all by the other (Service.Alternative), with the plan both say.
func Switching(name string, from, to Case) Case {
	c := from
	c.Name = name
	c.Objects = nil
	index := map[string]int{}
	add := func(o map[string]any, created string) {
		o = mocktest.DeepCopy(o).(map[string]any)
		meta, _ := o["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			o["metadata"] = meta
		}
		meta["creationTimestamp"] = created
		key := fmt.Sprintf("%v/%v/%v/%v", o["apiVersion"], o["kind"], meta["namespace"], meta["name"])
		if i, ok := index[key]; ok {
			meta["creationTimestamp"] = oldObjects // updated in place: as old as it was
			c.Objects[i] = o
			return
		}
		index[key] = len(c.Objects)
		c.Objects = append(c.Objects, o)
	}
	c.Services = make([]Service, len(from.Services))
	for i, s := range from.Services {
		other := to.Services[i]
		s.Alternative = &other
		c.Services[i] = s
	}
	for _, o := range from.Objects {
		add(o, oldObjects)
	}
	for _, o := range to.Objects {
		add(o, newObjects)
	}
	return c
}
