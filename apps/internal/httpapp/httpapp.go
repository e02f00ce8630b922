// Package httpapp is what the Go sample services share: the identity answer
// (name, version, a value from the mounted properties file), the health check,
// a log line per request and a clean stop on SIGTERM that finishes the requests
// in flight, so a rolling update loses none.
package httpapp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cloudnative-pac/platform/apps"
)

// Settings come from the environment the pod spec gives the container.
type Settings struct {
	// Addr is where to listen (PORT, default 8080).
	Addr string
	// ConfigFile is the properties file the ConfigMap mounts (CONFIG_FILE).
	ConfigFile string
	// Drain is how long a stop waits for requests in flight (DRAIN_SECONDS).
	Drain time.Duration
	// SlowPath, for tests only (TEST_SLOW_PATH), is held two seconds before it
	// is answered, to show that a stop waits for it. Unset, no path is slow.
	SlowPath string
	// Unhealthy, for tests only (TEST_UNHEALTHY=1), makes /health fail: the
	// broken release the platform must keep traffic away from.
	Unhealthy bool
	// Faults, for tests only, make answers fail or slow (the faulty canary a
	// rollout must roll back on its own metrics).
	Faults Faults
}

// FromEnv reads the settings with their defaults.
func FromEnv() Settings {
	s := Settings{Addr: ":8080", ConfigFile: "/config/application.properties", Drain: 20 * time.Second}
	if port := os.Getenv("PORT"); port != "" {
		s.Addr = ":" + port
	}
	if file := os.Getenv("CONFIG_FILE"); file != "" {
		s.ConfigFile = file
	}
	if seconds, err := strconv.Atoi(os.Getenv("DRAIN_SECONDS")); err == nil {
		s.Drain = time.Duration(seconds) * time.Second
	}
	s.SlowPath = os.Getenv("TEST_SLOW_PATH")
	s.Unhealthy = os.Getenv("TEST_UNHEALTHY") == "1"
	if percent, err := strconv.Atoi(os.Getenv(apps.ErrorPercentEnv)); err == nil {
		s.Faults.ErrorPercent = percent
	}
	if ms, err := strconv.Atoi(os.Getenv(apps.LatencyEnv)); err == nil {
		s.Faults.Latency = time.Duration(ms) * time.Millisecond
	}
	return s
}

// Identity is what every sample service answers: enough to tell a canary, a
// colour or a config change apart with curl.
type Identity struct {
	Service  string `json:"service"`
	Version  string `json:"version"`
	Instance string `json:"instance"`
	Path     string `json:"path"`
}

// InstanceKey is the property the seed's services read from /config.
const InstanceKey = "instance.name"

// ReadProperties reads a Java-style properties file (key=value, # comments).
// A missing file reads as empty: the service still answers, without the value.
func ReadProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props := map[string]string{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		key, value, found := strings.Cut(line, "=")
		if !found {
			key, value, _ = strings.Cut(line, ":")
		}
		props[strings.TrimSpace(key)] = strings.TrimSpace(value)
	}
	return props, scanner.Err()
}

// Identify answers who served the request. The file is read per request, so
// a config change shows as soon as the mount has it.
func Identify(service, version, configFile string, r *http.Request) (Identity, error) {
	props, err := ReadProperties(configFile)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Service: service, Version: version, Instance: props[InstanceKey], Path: r.URL.Path}, nil
}

// IdentityHandler answers every path with the identity as JSON.
func IdentityHandler(service, version, configFile string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := Identify(service, version, configFile, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(id)
	})
}

// Routes puts /health and the request metrics (apps.MetricsPath) beside the
// service's own handler, which they measure (with its faults, if any).
func Routes(app http.Handler, s Settings) http.Handler {
	mux := http.NewServeMux()
	app, metrics := Measured(s.Faults.Faulty(app))
	mux.Handle("GET "+apps.MetricsPath, metrics)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		if s.Unhealthy {
			http.Error(w, "unhealthy (TEST_UNHEALTHY)", http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintln(w, "ok")
	})
	mux.Handle("/", app)
	if s.SlowPath != "" {
		mux.Handle(s.SlowPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Second)
			app.ServeHTTP(w, r)
		}))
	}
	return mux
}

// Logged writes one line per request: method, path, status, duration.
func Logged(service string, next http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Printf("%s %s %s %d %s", service, r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Microsecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Serve serves handler on the listener until ctx ends, then stops taking new
// connections and waits up to drain for the requests in flight.
func Serve(ctx context.Context, l net.Listener, handler http.Handler, drain time.Duration) error {
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := server.Shutdown(stop); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}

// Name is the name a service answers with: the one the platform deployed it
// under (apps.ServiceNameEnv), or the one it was built as.
func Name(built string) string {
	if name := os.Getenv(apps.ServiceNameEnv); name != "" {
		return name
	}
	return built
}

// Main runs a service until SIGTERM or SIGINT. app gets the service's name
// as deployed (see Name).
func Main(built, version string, app func(service string, s Settings) http.Handler) {
	service := Name(built)
	settings := FromEnv()
	logger := log.New(os.Stdout, "", log.LstdFlags|log.LUTC)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	l, err := net.Listen("tcp", settings.Addr)
	if err != nil {
		logger.Fatal(err)
	}
	logger.Printf("%s %s listening on %s", service, version, l.Addr())
	if err := Serve(ctx, l, Logged(service, Routes(app(service, settings), settings), logger), settings.Drain); err != nil {
		logger.Fatal(err)
	}
	logger.Printf("%s stopped", service)
}
