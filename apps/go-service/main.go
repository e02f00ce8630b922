// Command go-service is the seed's Go microservice: it answers every path with
// its name, version and the instance name from /config.
package main

import (
	"net/http"

	"github.com/cloudnative-pac/platform/apps/internal/httpapp"
)

// version is set at image build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	httpapp.Main("go-service", version, func(service string, s httpapp.Settings) http.Handler {
		return httpapp.IdentityHandler(service, version, s.ConfigFile)
	})
}
