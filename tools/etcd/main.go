// Command etcd runs the etcd server from the pinned module. Debian's etcd 3.4 is
// too old for Kubernetes 1.37: it cannot answer watch progress requests, which
// streaming lists and the controllers' stale-read checks wait on.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
