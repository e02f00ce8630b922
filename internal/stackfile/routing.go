package stackfile

import (
	"github.com/cloudnative-pac/platform/internal/mocktest"
	"github.com/cloudnative-pac/platform/model"
)

// GatewayAPICRDDir is where make charts copies the Gateway API's CRDs.
const GatewayAPICRDDir = ".local/charts/gateway-api"

// WithRoutingAPI is a copy of a stack config routed with api. Turned to the
// Gateway API, it drops what the model refuses there (session affinity,
// retry settings: model.checkGatewayAPI says why) and installs the
// CRDs from make charts' directory; turned to Istio, it drops the CRD
// directory. The same stack, as near as each API can say it: what the tests
// run under both APIs to find where they would route differently.
func WithRoutingAPI(cfg mocktest.Config, api model.RoutingAPI) mocktest.Config {
	out := mocktest.DeepCopy(map[string]any(cfg)).(map[string]any)
	if api == model.RoutingIstio {
		delete(out, "cloudnative:routing")
		return out
	}
	out["cloudnative:routing"] = map[string]any{"api": string(api), "crdDir": GatewayAPICRDDir}
	services, _ := out["cloudnative:services"].([]any)
	for _, raw := range services {
		svc, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		delete(svc, "sessionAffinity")
		if routes, ok := svc["routes"].(map[string]any); ok {
			delete(routes, "retryAttempts")
			delete(routes, "perTryTimeoutSeconds")
			delete(routes, "retryOn")
		}
	}
	return out
}
