// Command html-frontend is the seed's frontend: a page that says which version
// served it and shows what the backends answer through the same gateway.
package main

import (
	_ "embed"
	"html/template"
	"net/http"

	"github.com/cloudnative-pac/platform/apps/internal/httpapp"
)

// version is set at image build time (-ldflags "-X main.version=…").
var version = "dev"

//go:embed index.html
var page string

// backends are the gateway paths the page asks, as the stacks route them.
var backends = []string{"/javaservice", "/goservice"}

func main() {
	httpapp.Main("html-frontend", version, func(s httpapp.Settings) http.Handler {
		return pageHandler(version, s.ConfigFile)
	})
}

var pageTemplate = template.Must(template.New("page").Parse(page))

func pageHandler(version, configFile string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := httpapp.Identify("html-frontend", version, configFile, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = pageTemplate.Execute(w, struct {
			httpapp.Identity
			Backends []string
		}{id, backends})
	})
}
