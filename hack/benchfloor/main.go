// Command benchfloor turns a `kubectl get -o json` list of live objects into
// manifests that `kubectl apply --server-side` can create again: the floor that
// make bench compares the program against. It drops what the cluster made itself
// (pods, ReplicaSets, endpoints, tokens, events) and the fields the server owns.
// It writes FIRST (CRDs and namespaces, which the rest needs) and REST.
//
// By default it keeps the local stack's namespaces and Istio's cluster-wide
// objects; -namespaces keeps only the namespaces named (and their Namespace
// objects), as make bench-scale does for its services' namespace.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

var onlyNamespaces = flag.String("namespaces", "", "comma-separated namespaces to keep instead of the local stack's")

// generated are kinds the controllers create from the declared objects.
var generated = map[string]bool{
	"Pod": true, "ReplicaSet": true, "Endpoints": true, "EndpointSlice": true, "Event": true,
	"ControllerRevision": true, "Lease": true,
}

func main() {
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchfloor [-namespaces a,b] FIRST REST < list.json")
		os.Exit(2)
	}
	// The input may be several lists one after the other (kubectl get, twice).
	var items []map[string]any
	decoder := json.NewDecoder(os.Stdin)
	for decoder.More() {
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := decoder.Decode(&list); err != nil {
			fmt.Fprintln(os.Stderr, "benchfloor:", err)
			os.Exit(1)
		}
		items = append(items, list.Items...)
	}
	var first, rest []map[string]any
	for _, obj := range items {
		kind, _ := obj["kind"].(string)
		meta, _ := obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		namespace, _ := meta["namespace"].(string)
		if generated[kind] || name == "kube-root-ca.crt" || name == "default" && kind == "ServiceAccount" || !ours(kind, namespace, name) {
			continue
		}
		clean(obj)
		if kind == "CustomResourceDefinition" || kind == "Namespace" {
			first = append(first, obj)
		} else {
			rest = append(rest, obj)
		}
	}
	write(flag.Arg(0), first)
	write(flag.Arg(1), rest)
	fmt.Printf("%d objects\n", len(first)+len(rest))
}

// ours keeps the program's namespaces and the cluster-wide objects Istio made.
func ours(kind, namespace, name string) bool {
	if *onlyNamespaces != "" {
		for _, keep := range strings.Split(*onlyNamespaces, ",") {
			if namespace == keep || kind == "Namespace" && name == keep {
				return true
			}
		}
		return false
	}
	switch namespace {
	case "cloudnative", "istio-system", "istio-ingress":
		return true
	case "":
		return strings.Contains(name, "istio") && !strings.HasPrefix(name, "system:")
	default:
		return false
	}
}

func clean(obj map[string]any) {
	delete(obj, "status")
	meta, _ := obj["metadata"].(map[string]any)
	for _, field := range []string{"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "ownerReferences"} {
		delete(meta, field)
	}
	if obj["kind"] == "Service" {
		spec, _ := obj["spec"].(map[string]any)
		for _, field := range []string{"clusterIP", "clusterIPs"} {
			delete(spec, field)
		}
	}
}

func write(path string, items []map[string]any) {
	data, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchfloor:", err)
		os.Exit(1)
	}
}
