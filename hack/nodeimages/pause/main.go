// Command pause holds a pod's namespaces for the real node's runtime: it waits
// for a stop signal and exits cleanly, like the pause container of upstream
// Kubernetes, but built here so the node never pulls an image.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	// As the first process of the sandbox it may inherit orphans: reap them.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGCHLD)
	go func() {
		for {
			var status syscall.WaitStatus
			if _, err := syscall.Wait4(-1, &status, 0, nil); err != nil {
				select {}
			}
		}
	}()
	<-stop
}
