# bulkhead — see README.md.
GO            ?= go
GOLANGCI_LINT ?= github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
FUZZTIME      ?= 60s
BENCHTIME     ?= 1x
TEST_TIMEOUT  ?= 45m

.PHONY: all build dist test unit integration test-tools verify bench fuzz demo clean

all: build

build: ## the bulkhead binary in bin/, linked as the kubectl plugin kubectl-bulkhead and its completer
	$(GO) build -o bin/bulkhead ./cmd/bulkhead
	ln -sf bulkhead bin/kubectl-bulkhead
	ln -sf bulkhead bin/kubectl_complete-bulkhead

# Release archives, one per platform of the krew manifest
# (plugins/bulkhead.yaml, whose test reads DIST_PLATFORMS), and their sums to
# fill its sha256 fields.
VERSION        ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
DIST_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64

dist: ## release archives bulkhead_OS_ARCH.tar.gz and SHA256SUMS in dist/ (VERSION=vX.Y.Z)
	rm -rf dist
	@for p in $(DIST_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; bin=bulkhead; [ "$$os" = windows ] && bin=bulkhead.exe; \
		mkdir -p "dist/$$os-$$arch" && \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath \
			-ldflags "-s -w -X github.com/bulkhead-dev/bulkhead/internal/version.Version=$(VERSION)" \
			-o "dist/$$os-$$arch/$$bin" ./cmd/bulkhead && \
		tar -C "dist/$$os-$$arch" -czf "dist/bulkhead_$${os}_$${arch}.tar.gz" "$$bin" || exit 1; \
		echo "dist/bulkhead_$${os}_$${arch}.tar.gz"; \
	done
	cd dist && sha256sum bulkhead_*.tar.gz > SHA256SUMS

# The container image of deploy/webhook.yaml and charts/bulkhead, built
# without a container engine by hack/image: an OCI image index of
# IMAGE_PLATFORMS, each image an empty base plus the static binary.
IMAGE_PLATFORMS   ?= linux/amd64 linux/arm64
IMAGE_LICENSES    ?= NOASSERTION
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
REVISION          ?= $(shell git rev-parse HEAD 2>/dev/null)

.PHONY: image
image: ## OCI image (linux/amd64, linux/arm64) as dist/bulkhead_VERSION_oci.tar, reproducible; push with skopeo or crane (docs/webhook.md)
	@mkdir -p dist
	@bins=; for p in $(IMAGE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath \
			-ldflags "-s -w -X github.com/bulkhead-dev/bulkhead/internal/version.Version=$(VERSION)" \
			-o "dist/image/$$os-$$arch/bulkhead" ./cmd/bulkhead || exit 1; \
		bins="$$bins $$p=dist/image/$$os-$$arch/bulkhead"; \
	done; \
	$(GO) run ./hack/image -o "dist/bulkhead_$(VERSION)_oci.tar" -version "$(VERSION)" \
		-revision "$(REVISION)" -created "$(SOURCE_DATE_EPOCH)" -licenses "$(IMAGE_LICENSES)" $$bins

demo: ## the main job: audit the built-in demo cluster
	$(GO) run ./cmd/bulkhead audit --demo

test-tools: ## install etcd and chromium, build kube-apiserver + kube-controller-manager (idempotent)
	@hack/install-test-tools.sh >/dev/null

# The whole suite, real-apiserver and browser tests included: a missing
# control-plane binary or browser fails the run instead of skipping it.
test: test-tools
	KUBEBUILDER_ASSETS="$$(hack/install-test-tools.sh)" BULKHEAD_REQUIRE_ASSETS=1 \
		BULKHEAD_CHROMIUM="$$(hack/install-test-tools.sh)/chromium" \
		$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

unit: ## fast tests only; real-apiserver tests are skipped
	$(GO) test -short -count=1 ./...

integration: test-tools ## only the tests that start a real kube-apiserver
	KUBEBUILDER_ASSETS="$$(hack/install-test-tools.sh)" BULKHEAD_REQUIRE_ASSETS=1 \
		$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run 'Live|Oracle|Differential|Admission|APIServer|Start' ./...

verify: ## gofmt, go vet, golangci-lint (pinned), go mod tidy diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(GOLANGCI_LINT) run ./...
	$(GO) mod tidy -diff
	cd hack/tools && $(GO) mod tidy -diff

bench: ## benchmarks at the sizes the issues set
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 60m ./...

.PHONY: bench-controller
bench-controller: test-tools ## the controller from empty against a real API server at 500 and 5,000 namespaces (BULKHEAD_SCALE=full), one run each
	KUBEBUILDER_ASSETS="$$(hack/install-test-tools.sh)" BULKHEAD_REQUIRE_ASSETS=1 BULKHEAD_SCALE=full \
		$(GO) test -run '^$$' -bench ReconcileFromEmpty -benchtime 1x -timeout 120m ./internal/controller

fuzz: ## every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin dist

# Issue 11's scale benchmarks (internal/scalegen): whole commands as a user
# waits for them, loading included, on a generated production-shaped cluster
# at 10k, 25k, 50k and 100k pods.
SCALE_BENCH   ?= AuditScale|ReachMatrixScale|PathsFromTenant|LoadYAML|LoadJSON
SCALE_TIMEOUT ?= 240m
PROFILE_BENCH ?= AuditScale/pods=25k$$

.PHONY: bench-scale profile

bench-scale: ## scale benchmarks at every size (BULKHEAD_SCALE=full), one run each
	BULKHEAD_SCALE=full $(GO) test -run '^$$' -bench '$(SCALE_BENCH)' -benchmem -benchtime 1x \
		-timeout $(SCALE_TIMEOUT) ./internal/scalegen
	KUBEBUILDER_ASSETS="$$(hack/install-test-tools.sh)" BULKHEAD_REQUIRE_ASSETS=1 $(GO) test -run '^$$' -bench LiveLoad -benchmem -benchtime 5x -timeout 30m ./internal/kube

profile: ## CPU and memory profiles of the 25k-pod audit in profiles/, and the CPU top
	@mkdir -p profiles
	$(GO) test -run '^$$' -bench '$(PROFILE_BENCH)' -benchmem -benchtime 1x -timeout 60m \
		-cpuprofile profiles/cpu.pprof -memprofile profiles/mem.pprof -o profiles/scalegen.test ./internal/scalegen
	$(GO) tool pprof -top -nodecount 40 profiles/scalegen.test profiles/cpu.pprof

.PHONY: report-screenshot

report-screenshot: test-tools ## docs/report.png: the demo's HTML report in headless Chromium, a cell open
	BULKHEAD_CHROMIUM="$$(hack/install-test-tools.sh)/chromium" BULKHEAD_REQUIRE_ASSETS=1 \
		$(GO) test -count=1 -run '^TestHTMLBrowser$$/^demo$$' ./internal/render -args -screenshot=$(CURDIR)/docs/report.png
