//go:build e2e

package e2e

import (
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudnative-pac/platform/model"
	"github.com/cloudnative-pac/platform/strategy"
)

// Mermaid's own code, in the same headless Chromium, checks and draws the
// diagrams pr-preview writes: what GitHub does with them in a comment.

const mermaidPage = `<!doctype html>
<html><head><meta charset="utf-8"><script src="/mermaid.min.js"></script></head>
<body data-result="pending"><pre id="source">%SOURCE%</pre><div id="drawn"></div>
<script>
  mermaid.initialize({ startOnLoad: false });
  (async () => {
    const source = document.getElementById("source").textContent;
    try {
      await mermaid.parse(source);
      const { svg } = await mermaid.render("diagram", source);
      document.getElementById("drawn").innerHTML = svg;
      document.body.dataset.result = "drawn";
    } catch (e) {
      document.body.dataset.result = "refused: " + (e && e.message ? e.message : e);
    }
  })();
</script></body></html>`

// renderMermaid draws one diagram and returns Mermaid's verdict ("drawn" or
// "refused: …") and the page as rendered.
func renderMermaid(t *testing.T, source string) (verdict, dom string) {
	t.Helper()
	bundle := os.Getenv("E2E_MERMAID_JS")
	require.NotEmpty(t, bundle, "E2E_MERMAID_JS must name Mermaid's bundle (make browser fetches it; make e2e sets it)")
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mermaid.min.js" {
			http.ServeFile(w, r, bundle)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(strings.Replace(mermaidPage, "%SOURCE%", html.EscapeString(source), 1)))
	}))
	defer server.Close()
	dom = chromium(t, server.URL+"/", "--dump-dom")
	m := regexp.MustCompile(`<body data-result="([^"]*)"`).FindStringSubmatch(dom)
	require.NotNil(t, m, "the page ran: %s", dom)
	return html.UnescapeString(m[1]), dom
}

// mermaidBlocks are the ```mermaid blocks of a markdown comment.
func mermaidBlocks(markdown string) []string {
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```mermaid\n(.*?)```").FindAllStringSubmatch(markdown, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// assertDrawn renders each diagram of a pull-request comment and checks that
// Mermaid drew it with every edge's label.
func assertDrawn(t *testing.T, markdown string) {
	t.Helper()
	blocks := mermaidBlocks(markdown)
	require.NotEmpty(t, blocks, "the comment has a diagram: %s", markdown)
	for _, block := range blocks {
		verdict, dom := renderMermaid(t, block)
		if !assert.Equal(t, "drawn", verdict, "Mermaid draws:\n%s", block) {
			continue
		}
		// Only what Mermaid drew counts, not the source the page also holds.
		_, drawn, _ := strings.Cut(dom, `<div id="drawn">`)
		drawn = html.UnescapeString(drawn)
		for _, m := range regexp.MustCompile(`\|"([^"]*)"\|`).FindAllStringSubmatch(block, -1) {
			label := strings.NewReplacer("#quot;", `"`, "#124;", "|").Replace(m[1])
			assert.Contains(t, drawn, ">"+label+"<", "the drawn diagram shows the edge %q", label)
		}
	}
}

func TestMermaidRefusesABrokenDiagram(t *testing.T) {
	// The check can fail: a node left open is no diagram.
	verdict, _ := renderMermaid(t, "flowchart LR\n  a -->|\"x|y\"| b[\"b\"\n")
	assert.True(t, strings.HasPrefix(verdict, "refused: "), verdict)
}

// Every kind of share a plan has: weights, a header rule with a regex (its
// bar and a quote escaped), a mirror, and a blue/green switch.
func TestMermaidDrawsEveryKindOfShare(t *testing.T) {
	canary := func(weight int, match model.HeaderMatch) strategy.Plan {
		p, err := strategy.For(model.Service{Name: "java-service", Strategy: model.Canary, Replicas: 1,
			Progressive: &model.Progressive{MirrorPercent: 5},
			Release:     model.Release{Canary: &model.CanarySettings{StableImage: "repo/java:1", CanaryImage: "repo/java:2", Weight: weight, Match: match}}})
		require.NoError(t, err)
		return p
	}
	blueGreen := func(active model.Colour) strategy.Plan {
		p, err := strategy.For(model.Service{Name: "html-frontend", Strategy: model.BlueGreen, Replicas: 1,
			Release: model.Release{BlueGreen: &model.BlueGreenSettings{BlueImage: "repo/web:1", GreenImage: "repo/web:2", Active: active}}})
		require.NoError(t, err)
		return p
	}
	before, after := canary(10, model.HeaderMatch{Header: "channel", Exact: `say "hi"`}), canary(25, model.HeaderMatch{Header: "channel", Regex: `^(ios|android)$`})
	blue, green := blueGreen(model.Blue), blueGreen(model.Green)
	assertDrawn(t, "```mermaid\n"+strategy.Diagram("java-service", &before, &after)+"```\n"+
		"```mermaid\n"+strategy.Diagram("html-frontend", &blue, &green)+"```\n")
}
