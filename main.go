// Command cloudnative is the platform program: `pulumi up -s <stack>` deploys the
// environment described by Pulumi.<stack>.yaml.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudnative-pac/platform/stacks"
)

func main() {
	// The Pulumi CLI runs the program in the project directory.
	pulumi.Run(stacks.Program("."))
}
