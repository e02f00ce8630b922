// Package apps names the sample services whose sources live here: the seed's
// Java and Go microservices and its HTML frontend.
package apps

// Names are the sample services, each with its sources and Dockerfile under
// apps/<name>. Images named .../<name>:<version> are built from them.
var Names = []string{"go-service", "html-frontend", "java-service"}

// ServiceNameEnv is the environment variable the platform sets in every
// service's container to the service's name, so that a sample image run
// under another name (config-service runs go-service's image) answers with
// the name it is deployed as, not the one it was built as.
const ServiceNameEnv = "SERVICE_NAME"

// What every sample service tells Prometheus about the requests it served, on
// MetricsPath in Prometheus' text format: a counter of answers by status code
// (label CodeLabel) and a histogram of their durations in seconds, with the
// bucket bounds DurationBuckets. The health check and the metrics themselves
// are not counted. The Go services write them with Prometheus' client
// library, the Java service by hand; one test holds both to these names.
const (
	MetricsPath    = "/metrics"
	RequestsMetric = "http_requests_total"
	CodeLabel      = "code"
	DurationMetric = "http_request_duration_seconds"
)

// DurationBuckets are the latency histogram's upper bounds in seconds
// (Prometheus' client libraries' default buckets).
var DurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Faults a test image is built with (the end-to-end rollouts' faulty
// canaries): ErrorPercentEnv makes that share of the service's answers a 503
// (the requests FailsAt picks); LatencyEnv holds every answer that many
// milliseconds.
const (
	ErrorPercentEnv = "TEST_ERROR_PERCENT"
	LatencyEnv      = "TEST_LATENCY_MS"
)

// FailsAt says whether the request numbered n (from 0) is one of the percent
// in a hundred that fail: those where the running count of failures due,
// (n+1)·percent/100, reaches a new whole number, so failures are spread
// evenly (30%: the 4th, 7th and 10th of every ten). The Java service does the
// same sum.
func FailsAt(n int64, percent int) bool {
	return (n+1)*int64(percent)/100 > n*int64(percent)/100
}
