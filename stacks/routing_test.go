package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cloudnative-pac/platform/model"
)

// Every API the model accepts has its package registered, and nothing else.
func TestRoutingAPIs_EveryAcceptedAPIIsRegistered(t *testing.T) {
	for _, api := range model.RoutingAPIs {
		assert.NotNil(t, routingFor(api), "routing.api %q has no package in stacks/routing.go", api)
	}
	assert.Len(t, routingAPIs, len(model.RoutingAPIs))
}
