// Command pulumi-resource-kubernetes serves the Kubernetes provider built from the
// pinned provider module. The provider's own main embeds files generated at release
// time, so this wrapper embeds the schema that hack/build-tools.sh versions and
// writes next to it.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.gen.json
var schema []byte

//go:embed terraform-mapping.gen.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
