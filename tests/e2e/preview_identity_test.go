//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// previewRole is what docs/security.md asks of a preview identity in the
// cluster: reads, Secrets included, and nothing else.
const previewRole = `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"cloudnative:preview"},
"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["get","list","watch"]}]}`

// testPreviewIdentity runs the stack as a pull request's preview does, with a
// read-only identity: a refreshing preview works and shows a change to make
// (the API server refuses the server-side dry run, a write, and the provider
// diffs on the client), while an up with it is refused by the API server and
// changes nothing there.
func testPreviewIdentity(t *testing.T, p *env) {
	_, err := p.kubectlStdin(previewRole, "apply", "-f", "-")
	require.NoError(t, err)
	token := p.serviceAccountToken("preview", "cloudnative:preview")
	readOnly := p.kubeconfigFor(token, nil)
	can, _ := p.kubectl("--token", token, "auth", "can-i", "patch", "deployments", "-n", appNS)
	require.Equal(t, "no", strings.TrimSpace(can), "the preview identity cannot write")

	existing := p.cluster()["existing"].(map[string]any)
	original := existing["kubeconfigPath"]
	goService := p.service("go-service")
	replicas := goService["replicas"]
	existing["kubeconfigPath"] = readOnly
	goService["replicas"] = 3
	p.writeConfig()
	defer func() {
		existing["kubeconfigPath"] = original
		goService["replicas"] = replicas
		p.up()
	}()

	preview, err := p.stack.Stack.Preview(context.Background(), optpreview.Refresh(), optpreview.ProgressStreams(p.log))
	require.NoError(t, err, "a refreshing preview needs reads only")
	assert.Equal(t, 2, preview.ChangeSummary[apitype.OpUpdate], "the provider's kubeconfig and go-service's replicas")
	for _, op := range []apitype.OpType{apitype.OpReplace, apitype.OpCreate, apitype.OpDelete} {
		assert.Zero(t, preview.ChangeSummary[op], op)
	}

	_, err = p.stack.Up(context.Background())
	require.Error(t, err, "an up with the preview identity must be refused")
	assert.Contains(t, err.Error(), "forbidden")
	d := p.get("deployment", "go-service", "-n", appNS)
	assert.Equal(t, float64(4), dig(d, "spec", "replicas"), "the API server kept what was deployed")
}
