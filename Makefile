# Stoke's developer entry points. `make test` is the test command README.md and .ci/run use.
SHELL := /usr/bin/env bash
GO ?= go
BIN := $(CURDIR)/bin
CONTROLLER_TOOLS_VERSION := v0.19.0
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The operator image: `make image IMAGE_REPO=registry.example.com/stoke` names it for your registry.
IMAGE_REPO ?= stoke.local/stoke
IMAGE ?= $(IMAGE_REPO):$(VERSION)
IMAGE_ARCH ?= amd64
IMAGE_ARCHIVE := $(BIN)/stoke-image.tar

.PHONY: all build image image-import helm batch-crds kueue livy-client chromium dashboard generate verify vet test unit conformance conformance-broken bench bench-scale chaos chaos-short kube-binaries cluster-up cluster-down spark-images demo e2e clean

all: build

## build: the stoke binary in bin/
build:
	$(GO) build -ldflags "-X github.com/stokehq/stoke/internal/version.Version=$(VERSION)" -o $(BIN)/stoke ./cmd/stoke

## image: the operator image (static stoke on an empty base, CA certificates, user 65532) as a docker archive
## in bin/stoke-image.tar, built without Docker and reproducibly (same sources, same digest)
image:
	@mkdir -p $(BIN)/linux-$(IMAGE_ARCH)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath -buildvcs=false \
	  -ldflags "-s -w -X github.com/stokehq/stoke/internal/version.Version=$(VERSION)" -o $(BIN)/linux-$(IMAGE_ARCH)/stoke ./cmd/stoke
	$(GO) run ./hack/image -binary $(BIN)/linux-$(IMAGE_ARCH)/stoke -arch $(IMAGE_ARCH) -tag $(IMAGE) -version $(VERSION) -out $(IMAGE_ARCHIVE)

## image-import: the operator image into the local cluster's containerd (the cluster must be up)
image-import: image
	hack/cluster.sh import $(IMAGE_ARCHIVE)

## helm: build (once) and cache the pinned helm binary
helm:
	hack/helm.sh >/dev/null

$(CONTROLLER_GEN):
	GOBIN=$(BIN) $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(BIN)/controller-gen $@

## generate: deepcopy, CRDs and RBAC from the Go types and markers; the Grafana dashboards from internal/dashboards
generate: $(CONTROLLER_GEN)
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...
	$(CONTROLLER_GEN) crd:generateEmbeddedObjectMeta=true paths=./api/... output:crd:dir=config/crd
	$(CONTROLLER_GEN) rbac:roleName=stoke-operator paths=./internal/... output:rbac:dir=config/rbac
	$(GO) run ./hack/crdtrim config/crd/*.yaml
	rm -f charts/stoke/crds/*.yaml && cp config/crd/*.yaml charts/stoke/crds/
	$(GO) run ./hack/dashboards

## verify: generated files (and the dashboard's built assets) are current, code is formatted and vetted
verify: generate dashboard vet
	@git diff --exit-code -- api config charts/stoke/crds charts/stoke/dashboards internal/server/dashboard/dist || { echo "generated files are stale: run 'make generate' (and 'make dashboard') and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api config charts/stoke/crds charts/stoke/dashboards internal/server/dashboard/dist)" || { git status --porcelain -- api config charts/stoke/crds charts/stoke/dashboards internal/server/dashboard/dist; echo "untracked generated files: run 'make generate' (and 'make dashboard') and commit"; exit 1; }
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$unformatted" || { echo "gofmt needed: $$unformatted"; exit 1; }

vet:
	$(GO) vet ./...

## batch-crds: generate (once) and cache Volcano's CRDs, which the integration tests install
batch-crds:
	hack/batch-scheduler-crds.sh >/dev/null

## kueue: build (once) and cache Kueue and its CRDs, which the integration tests run against their API server
kueue:
	hack/kueue.sh >/dev/null

## chromium: install (once) Debian's Chromium for the dashboard's browser tests
chromium:
	hack/chromium.sh >/dev/null

## dashboard: build the dashboard's assets (internal/server/dashboard/dist, committed and embedded) from
## src/ with the npm packages package-lock.json pins
dashboard:
	cd internal/server/dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

## livy-client: install (once) a real Livy client from PyPI (pylivy) for stoke server's Livy tests
livy-client:
	hack/livy-client.sh >/dev/null

## kube-binaries: build (once) and cache kube-apiserver, etcd and kubectl for the integration tests
kube-binaries:
	hack/kube-binaries.sh >/dev/null

## test: unit and integration tests (integration ones against a real kube-apiserver + etcd; the chart tests
## with the cached helm)
test: kube-binaries helm batch-crds kueue livy-client chromium
	$(GO) test -count=1 ./...

## unit: only the tests that need no API server
unit:
	$(GO) test -count=1 ./internal/spark/... ./internal/operator/...

## conformance: Stoke's driver objects against real spark-submit (Spark 3.5 and 4.x from PyPI, cached)
conformance: kube-binaries batch-crds
	hack/spark.sh >/dev/null
	STOKE_CONFORMANCE_REPORT=$(CURDIR)/docs/conformance.md $(GO) test -tags conformance -count=1 -timeout 30m ./test/conformance/

## conformance-broken: shows that a deliberately broken builder (memory overhead factor +0.05, build tag
## stoke_broken_overhead) fails the suite with a readable diff; the output goes to test/conformance/testdata
## and into docs/conformance.md on the next `make conformance`
BROKEN_OUT := test/conformance/testdata/broken-builder.txt
conformance-broken: kube-binaries
	hack/spark.sh >/dev/null
	@mkdir -p $(dir $(BROKEN_OUT)); out=$$(mktemp); \
	if $(GO) test -tags 'conformance stoke_broken_overhead' -count=1 -timeout 10m -run 'TestConformance//^overhead-factor$$' ./test/conformance/ >$$out 2>&1; then \
		cat $$out; echo "conformance-broken: the broken builder PASSED the suite: the suite does not catch it"; rm -f $$out; exit 1; \
	fi; \
	grep -q "differ from spark-submit" $$out || { cat $$out; echo "conformance-broken: the suite failed for another reason"; rm -f $$out; exit 1; }; \
	sed -E -e 's/[0-9]+\.[0-9]+s\)/<time>)/g' -e 's/\t[0-9]+\.[0-9]+s$$/\t<time>/' -e '/spark-submit --master/d' $$out > $(BROKEN_OUT); rm -f $$out; \
	cat $(BROKEN_OUT); echo "conformance-broken: the suite caught the broken builder (output in $(BROKEN_OUT))"

## bench: thousands of applications through the operator (a separate process) against a real API server with
## kwok nodes, next to a plain client's ceiling and spark-submit; prints the tables, fails when a target is
## missed. BENCH_FLAGS="-quick" for a short run; see docs/performance.md.
bench: build
	hack/kube-binaries.sh kube-apiserver etcd kwok >/dev/null
	hack/spark.sh >/dev/null
	hack/kubeflow-operator.sh >/dev/null || echo "bench: kubeflow/spark-operator cannot be built here; its column says SKIP"
	$(GO) run ./bench -stoke $(BIN)/stoke -out bench/results $(BENCH_FLAGS)
	$(GO) run ./bench -stoke $(BIN)/stoke -out bench/results -scale $(SCALE_LEVELS) $(SCALE_FLAGS)

## bench-scale: the scale run alone (make bench ends with it): the operator at 1,000, 10,000 and 50,000
## retained applications, a burst and its settled RSS at each; SCALE_LEVELS=1000,5000 for a short one.
SCALE_LEVELS ?= 1000,10000,50000
bench-scale: build
	hack/kube-binaries.sh kube-apiserver etcd kwok >/dev/null
	$(GO) run ./bench -stoke $(BIN)/stoke -out bench/results -scale $(SCALE_LEVELS) $(SCALE_FLAGS)

## chaos: the chaos suite (docs/reliability.md): bursts of 1,000 applications through the operator on the
## bench's API server and kwok nodes while the operator is killed, fails over, loses the API server (restarted,
## etcd compacted) or its network (toxiproxy), and pods fail; an auditor checks every round. About 2.5 hours.
## CHAOS_FLAGS="-chaos operator-kill -chaos-rounds 3" for a part.
chaos: build
	hack/kube-binaries.sh kube-apiserver etcd kwok >/dev/null
	$(GO) run ./bench -stoke $(BIN)/stoke -out bench/chaos -chaos all -chaos-rounds 20 -chaos-apps 1000 $(CHAOS_FLAGS)

## chaos-short: every chaos scenario once with 200 applications (CI runs it; a few minutes)
chaos-short: build
	hack/kube-binaries.sh kube-apiserver etcd kwok >/dev/null
	$(GO) run ./bench -stoke $(BIN)/stoke -out bench/chaos -chaos all -chaos-rounds 1 -chaos-apps 200

## cluster-up: the local single-node Kubernetes (built from source, cached; needs root)
cluster-up:
	hack/cluster.sh up

## cluster-down: stop the local cluster and restore every host setting it changed
cluster-down:
	hack/cluster.sh down

## spark-images: build Stoke's Spark images offline and import them into the local cluster
spark-images:
	hack/spark-image.sh import

## demo: a real SparkPi through the operator on the local cluster (DEMO_ARGS=--down tears it down after)
demo:
	hack/demo.sh $(DEMO_ARGS)

## e2e: real Spark jobs (3.5 and 4.x) on the local cluster: first submitted directly (stoke submit --direct)
## to the cluster without Stoke, then through the operator, installed with the Helm chart from the operator
## image (E2E_OPERATOR=process runs the operator on the host instead)
E2E_OPERATOR ?= chart
e2e: build helm
	hack/cluster.sh up >/dev/null
	hack/cluster.sh stop-operator
	hack/spark-image.sh import
	rm -f $(BIN)/e2e-direct-report.md
	STOKE_E2E_KUBECONFIG=$$(hack/cluster.sh kubeconfig) STOKE_BINARY=$(BIN)/stoke STOKE_E2E_REPORT=$(BIN)/e2e-direct-report.md \
	  STOKE_E2E_OPERATOR=none STOKE_HELM=$$(hack/helm.sh) $(GO) test -tags e2e -count=1 -timeout 20m -v -run '^TestDirect' ./test/e2e/ 2>&1 | tee $(BIN)/e2e-direct.log; \
	  test $${PIPESTATUS[0]} -eq 0
	image=$$(hack/operator-image.sh) && \
	STOKE_E2E_KUBECONFIG=$$(hack/cluster.sh kubeconfig) STOKE_BINARY=$(BIN)/stoke STOKE_E2E_REPORT=$(BIN)/e2e-report.md \
	  STOKE_E2E_OPERATOR=$(E2E_OPERATOR) STOKE_E2E_IMAGE=$$image STOKE_HELM=$$(hack/helm.sh) STOKE_PROMETHEUS=$$(hack/prometheus.sh) \
	  $(GO) test -tags e2e -count=1 -timeout 60m -v -skip '^TestDirect' ./test/e2e/ 2>&1 | tee $(BIN)/e2e.log; test $${PIPESTATUS[0]} -eq 0
	! test -f $(BIN)/e2e-direct-report.md || cat $(BIN)/e2e-direct-report.md >> $(BIN)/e2e-report.md

clean:
	rm -rf $(BIN)
