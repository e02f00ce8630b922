package stacks

import "github.com/cloudnative-pac/platform/model"

// calleesFirst orders the stack's services (by index) so that a service comes
// after the services it calls, as far as the calls allow: of two services
// calling each other, the one declared first comes first (and its pods find
// the other by DNS alone, see workload.Args.CalleeServices).
func calleesFirst(platform *model.Platform) []int {
	index := map[string]int{}
	for i, s := range platform.Services {
		index[s.Name] = i
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]int, len(platform.Services))
	var order []int
	var visit func(i int)
	visit = func(i int) {
		if state[i] != unseen {
			return
		}
		state[i] = visiting
		for _, callee := range platform.Callees(platform.Services[i].Name) {
			visit(index[callee.Name])
		}
		state[i] = done
		order = append(order, i)
	}
	for i := range platform.Services {
		visit(i)
	}
	return order
}
