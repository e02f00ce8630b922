# The two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

STACK ?= local
PLATFORM := .local/bin/platform
GO_PACKAGES := ./...

.PHONY: help tools charts cluster-up cluster-down demo demo-down platform preview up destroy outputs drift \
        promote rollback pr-preview rollout \
        validate test lint unit host-packages browser mesh mesh-cases e2e bench bench-scale build-cost fresh-check

help:
	@echo "make demo      build what is missing, start the local control plane, deploy the local stack"
	@echo "make demo-down stop the local control plane"
	@echo "make test      every test: gofmt, go vet, unit, Istio's engine (mesh), end-to-end"
	@echo "make mesh [MESH_SEED=1 MESH_CONFIGS=300]  the traffic plans of every stack and of generated configs, checked by Istio's own code"
	@echo "make bench     timings of up, preview and each strategy on the local control plane"
	@echo "make bench-scale [BENCH_SIZES='1 10 25 50 100']  preview, up, no-change preview, destroy of N services beside kubectl's floor"
	@echo "make fresh-check  clone HEAD and run demo, demo-down and test with empty Go and tool caches (long)"
	@echo "make build-cost time and memory of building the program per set of cloud targets (COLD=1: also from an empty cache)"
	@echo "make validate STACK=dev                        check a stack file offline, every problem at its key"
	@echo "make preview|up|destroy|outputs STACK=local   run a stack through the local engine"
	@echo "make drift STACK=local                         what differs between the cluster and the stack file (exits 1 if anything)"
	@echo "make promote FROM=dev TO=staging [THEN=apply] carry dev's deployed release into Pulumi.staging.yaml"
	@echo "make rollback STACK=staging [THEN=apply]       put staging back to its release before the last promotion"
	@echo "make pr-preview STACK=staging                  the preview as pull-request markdown"
	@echo "make rollout [STACK=local SERVICE=x|GROUP=g ABORT=1]   a progressive rollout (one service or a release group), judged on Prometheus"

tools:
	@bash hack/build-tools.sh

charts:
	@bash hack/charts.sh

cluster-up: tools host-packages
	@bash hack/cluster-up.sh

cluster-down:
	@bash hack/cluster-down.sh

platform:
	@mkdir -p .local/bin
	@go build -o $(PLATFORM) ./cmd/platform

demo: tools charts platform cluster-up
	@bash hack/demo.sh

demo-down: cluster-down

# The stack file checked as the program checks it, offline: no engine, no
# cluster, no credentials (and so no tools to build).
validate: platform
	@$(PLATFORM) validate -stack $(STACK)

preview up destroy outputs drift pr-preview: tools platform
	@source hack/lib.sh && $(PLATFORM) $@ -stack $(STACK)

# make rollback STACK=staging [THEN=preview|apply]
rollback: tools platform
	@source hack/lib.sh && $(PLATFORM) rollback -stack $(STACK) $(if $(THEN),-then $(THEN))

# make promote FROM=dev TO=staging [THEN=preview|apply]
promote: tools platform
	@source hack/lib.sh && $(PLATFORM) promote -from $(FROM) -to $(TO) $(if $(THEN),-then $(THEN))

rollout: tools platform
	@bash hack/rollout.sh

test: lint unit mesh e2e

# The Istio-engine tests: the program's objects for every committed stack (and
# its release steps) and for MESH_CONFIGS generated configs drawn from MESH_SEED,
# fed to Istio's discovery server, simulator and webhook (tests/mesh, a module of
# its own).
MESH_SEED ?= 1
MESH_CONFIGS ?= 300
MESH_CASES := .local/mesh-cases

mesh-cases:
	go run ./tests/meshcases -out $(MESH_CASES) -seed $(MESH_SEED) -generated $(MESH_CONFIGS)

mesh: mesh-cases
	cd tests/mesh && MESH_CASES=$(CURDIR)/$(MESH_CASES) go test -count=1 .

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [[ -n "$$unformatted" ]]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	go vet $(GO_PACKAGES)
	go vet -tags e2e ./tests/e2e
	go vet -tags nogke,noeks,noaks ./stacks
	cd tests/mesh && go vet ./...

# The sample services' tests build the Java service and run every image under
# runc, and the real node needs containerd, CNI plugins and iptables: all come
# from Debian when the machine lacks them.
host-packages:
	@bash hack/host-packages.sh

unit: host-packages
	go test -count=1 $(GO_PACKAGES)

# Chromium, for the end-to-end tests that open the demo page in a real browser,
# and Mermaid's bundle, which renders pr-preview's diagrams there.
browser:
	@bash hack/host-packages.sh browser
	@bash hack/mermaid.sh

e2e: tools charts host-packages browser
	@bash hack/e2e.sh

bench: tools charts platform
	@bash hack/bench.sh

bench-scale: tools charts platform
	@bash hack/bench-scale.sh

build-cost:
	@bash hack/build-cost.sh

fresh-check:
	@bash hack/fresh-check.sh
