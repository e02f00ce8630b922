// Command html-frontend is the seed's frontend: a page that says which version
// served it and shows what each backend answers, and how it was asked.
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

func main() {
	httpapp.Main("html-frontend", version, func(service string, s httpapp.Settings) http.Handler {
		return handler(service, version, s.ConfigFile, seedBackends, environmentAddress)
	})
}

// handler serves the page on every path but the one the page asks the
// backends through (backendPath).
func handler(service, version, configFile string, backends []backend, address addressOf) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+backendPath+"{name}", askBackend(backends, address))
	mux.Handle("/", pageHandler(service, version, configFile, backends))
	return mux
}

var pageTemplate = template.Must(template.New("page").Parse(page))

func pageHandler(service, version, configFile string, backends []backend) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := httpapp.Identify(service, version, configFile, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = pageTemplate.Execute(w, struct {
			httpapp.Identity
			Backends    []backend
			BackendPath string
		}{id, backends, backendPath})
	})
}
