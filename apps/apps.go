// Package apps names the sample services whose sources live here: the seed's
// Java and Go microservices and its HTML frontend.
package apps

// Names are the sample services, each with its sources and Dockerfile under
// apps/<name>. Images named .../<name>:<version> are built from them.
var Names = []string{"go-service", "html-frontend", "java-service"}
