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
