package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// backend is a service the page shows: its name, and the path the stacks
// route to it through the ingress gateway.
type backend struct {
	Name        string
	GatewayPath string
}

// seedBackends are the seed's two microservices, as the stacks name and route them.
var seedBackends = []backend{{"java-service", "/javaservice"}, {"go-service", "/goservice"}}

// backendPath is where the page asks the frontend to call a backend for it,
// inside the cluster: the way that works when no gateway is in front (the
// browser then reaches the frontend alone, and a gateway path would be
// answered by the frontend itself).
const backendPath = "/_backends/"

// askTimeout bounds a call to a backend, so an unreachable one is said quickly.
const askTimeout = 3 * time.Second

// addressOf gives the host:port of a backend's in-cluster Service.
type addressOf func(name string) string

// environmentAddress reads the address Kubernetes gives every pod for the
// Services of its namespace that existed when it started (JAVA_SERVICE_SERVICE_HOST
// and _PORT); without them, the Service's DNS name on port 80.
func environmentAddress(name string) string {
	prefix := strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_SERVICE_"
	if host := os.Getenv(prefix + "HOST"); host != "" {
		return net.JoinHostPort(host, os.Getenv(prefix+"PORT"))
	}
	return net.JoinHostPort(name, "80")
}

// asked is what the page gets back from askBackend: the backend's answer, or
// why there is none, and the URL the frontend called.
type asked struct {
	Via    string          `json:"via"`
	Answer json.RawMessage `json:"answer,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// askBackend calls a known backend's in-cluster Service and passes on its
// JSON answer, or says why it has none (always as JSON, so the page never
// has to parse something else).
func askBackend(backends []backend, address addressOf) http.Handler {
	client := &http.Client{Timeout: askTimeout}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		known := false
		for _, b := range backends {
			known = known || b.Name == name
		}
		if !known {
			reply(w, http.StatusNotFound, asked{Error: fmt.Sprintf("%s is not a backend of this page", name)})
			return
		}
		url := "http://" + address(name) + "/"
		ctx, cancel := context.WithTimeout(r.Context(), askTimeout)
		defer cancel()
		result := asked{Via: url}
		answer, err := get(ctx, client, url)
		if err != nil {
			result.Error = err.Error()
			reply(w, http.StatusBadGateway, result)
			return
		}
		result.Answer = answer
		reply(w, http.StatusOK, result)
	})
}

// get reads a JSON answer; anything else is an error that says what came.
func get(ctx context.Context, client *http.Client, url string) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered %s", resp.Status)
	}
	if kind, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); kind != "application/json" || !json.Valid(body) {
		return nil, fmt.Errorf("answered %q, not JSON", resp.Header.Get("Content-Type"))
	}
	return body, nil
}

func reply(w http.ResponseWriter, status int, a asked) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}
