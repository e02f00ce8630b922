package strategy

import (
	"fmt"
	"strings"
)

// Diagram draws a service's traffic before and after a change as a Mermaid
// flowchart, which GitHub renders in pull-request comments: requests on the
// left, one edge per route's share (header rules by their match, mirrors
// dotted), each track with its image. A nil before is a new service.
func Diagram(service string, before, after *Plan) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	if before != nil {
		drawPlan(&b, "before", service, *before)
	}
	drawPlan(&b, "after", service, *after)
	return b.String()
}

func drawPlan(b *strings.Builder, side, service string, p Plan) {
	fmt.Fprintf(b, "  subgraph %s[%s]\n", side, label(side+": "+service))
	b.WriteString("    direction LR\n")
	requests := side + "_requests"
	fmt.Fprintf(b, "    %s([%s])\n", requests, label("requests"))
	for _, t := range p.Tracks {
		fmt.Fprintf(b, "    %s[%s]\n", nodeID(side, t.Name), label(t.Name+"<br/>"+t.Image))
	}
	for _, r := range p.Routes {
		for _, d := range r.Destinations {
			if d.Weight == 0 {
				continue
			}
			edge := fmt.Sprintf("%d%%", d.Weight)
			if r.Match != nil {
				edge = r.Match.Describe()
				if d.Weight != 100 {
					edge += fmt.Sprintf(", %d%%", d.Weight)
				}
			}
			fmt.Fprintf(b, "    %s -->|%s| %s\n", requests, label(edge), nodeID(side, d.Track))
		}
		if m := r.Mirror; m != nil {
			fmt.Fprintf(b, "    %s -.->|%s| %s\n", requests, label(fmt.Sprintf("mirror %g%%", m.Percent)), nodeID(side, m.Track))
		}
	}
	b.WriteString("  end\n")
}

// nodeID is a Mermaid node name: letters, digits and underscores only.
func nodeID(side, track string) string {
	return side + "_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, track)
}

// label quotes text for Mermaid; a double quote inside is its entity.
func label(text string) string {
	return `"` + strings.ReplaceAll(text, `"`, "#quot;") + `"`
}
