# wasmauth: build, test and package the proxy-wasm authentication filter.
#
#   make build   out/wasmauth.wasm (installs the pinned TinyGo on first use)
#   make test    every Go module's tests, native and against the compiled module
#   make lint    gofmt, go vet, TinyGo compile of the filter
#   make run     the filter in the local wazero gateway with demo upstreams
#   make help    everything else

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# The pinned toolchain: build/bootstrap-tinygo.sh installs it on first use and prints its path
# (not named TINYGO, so that a TINYGO=/path/to/tinygo in the environment reaches the script).
TINYGO_CMD = $$(build/bootstrap-tinygo.sh)

# -buildmode=wasi-legacy: since TinyGo 0.35 `_start` calls proc_exit(0) after main, which
#   proxy-wasm hosts treat as a dead VM.
# -scheduler=none: proxy-wasm calls are synchronous; no goroutines.
# -p=1: one compile job at a time. A generic instance is named after the package that
#   instantiates it first (slices.Sort[[]rune rune] or [[]int32 int32]); with parallel jobs
#   that depends on timing and on the number of cores, and so do the module's bytes.
# -tags=custommalloc: TinyGo then links no malloc/free of its own. Envoy allocates guest memory
#   through an exported `malloc` when there is one, and TinyGo's keeps every block until free(),
#   which Envoy never calls: linear memory would grow on every request. The filter exports its own
#   malloc instead (filter/hostmem_tinygo.go): garbage-collected memory, and one reused buffer for
#   the request headers.
TINYGO_FLAGS := -target=wasip1 -scheduler=none -buildmode=wasi-legacy -no-debug -p=1
PLUGIN_TAGS := custommalloc

GO_SOURCES := go.mod go.sum $(shell find filter config auth -name '*.go' -not -name '*_test.go' 2>/dev/null)
# Every Go module of the repository (the root one and the nested ones under e2e/ and build/).
GO_MODULES := $(patsubst %/go.mod,%,$(shell find . -name go.mod -not -path './out/*' | sort))

.PHONY: build
build: out/wasmauth.wasm ## Build out/wasmauth.wasm and print its size
	@printf 'out/wasmauth.wasm: %s bytes, sha256 %s\n' "$$(stat -c %s out/wasmauth.wasm)" "$$(sha256sum out/wasmauth.wasm | cut -d' ' -f1)"

out/wasmauth.wasm: $(GO_SOURCES)
	@mkdir -p out
	$(TINYGO_CMD) build $(TINYGO_FLAGS) -tags=$(PLUGIN_TAGS) -o $@ ./filter

# Variants used by tests and benchmarks only; never shipped.
# - leaky: a default TinyGo build that exports malloc, to prove the memory test can fail.
# - gctorture: exports wasmauth_debug_gc so a host can force a collection at every allocation.
# - noop: a filter that does nothing, the benchmarks' baseline.
out/wasmauth-leaky.wasm: $(GO_SOURCES)
	@mkdir -p out
	$(TINYGO_CMD) build $(TINYGO_FLAGS) -o $@ ./filter

out/wasmauth-gctorture.wasm: $(GO_SOURCES)
	@mkdir -p out
	$(TINYGO_CMD) build $(TINYGO_FLAGS) -tags=$(PLUGIN_TAGS),gctorture -o $@ ./filter

out/noop.wasm: go.mod go.sum $(wildcard filter/internal/noop/*.go)
	@mkdir -p out
	$(TINYGO_CMD) build $(TINYGO_FLAGS) -tags=$(PLUGIN_TAGS) -o $@ ./filter/internal/noop

.PHONY: wasm-variants
wasm-variants: out/wasmauth.wasm out/wasmauth-leaky.wasm out/wasmauth-gctorture.wasm out/noop.wasm

.PHONY: toolchain
toolchain: ## Install the pinned TinyGo toolchain (idempotent)
	@build/bootstrap-tinygo.sh

.PHONY: reproducible
# The toolchain's tinygo already builds in a new cache every time (build/bootstrap-tinygo.sh);
# the empty XDG_CACHE_HOME makes a TINYGO=... of your own do the same here.
reproducible: out/wasmauth.wasm ## Check that a build in a fresh, empty TinyGo cache gives out/wasmauth.wasm's bytes
	@rm -rf out/repro && mkdir -p out/repro/cache
	XDG_CACHE_HOME=$(CURDIR)/out/repro/cache $(TINYGO_CMD) build $(TINYGO_FLAGS) -tags=$(PLUGIN_TAGS) -o out/repro/fresh.wasm ./filter
	@rm -rf out/repro/cache
	@cmp out/repro/fresh.wasm out/wasmauth.wasm || { \
		echo "reproducible: out/wasmauth.wasm differs from a build in a fresh TinyGo cache (out/repro/fresh.wasm)" >&2; exit 1; }
	@echo "reproducible: a fresh build is byte-identical to out/wasmauth.wasm ($$(sha256sum out/wasmauth.wasm | cut -d' ' -f1))"

# Debian packages the tests use besides the toolchain: real non-Go clients (curl, python3-grpcio),
# h2load (nghttp2-client), htpasswd (apache2-utils) for live hash vectors, wasm-objdump (wabt).
TEST_PACKAGES := curl python3-grpcio nghttp2-client apache2-utils wabt

.PHONY: test-packages
test-packages:
	@build/install-packages.sh $(TEST_PACKAGES)

# Go tools the tests run, pinned, built into out/bin (e2e tests also call make for them).
# grpcurl: the gRPC commands `make run` prints are run as printed.
# kind: the e2e's registry set-up needs kind >= v0.27, so the pinned one runs, not PATH's.
# A stamp per version reinstalls a tool when its pin changes.
GRPCURL_VERSION := v1.9.4
KIND_VERSION := v0.33.0

out/bin/grpcurl: out/bin/.grpcurl-$(GRPCURL_VERSION)
out/bin/.grpcurl-$(GRPCURL_VERSION):
	@mkdir -p out/bin
	GOBIN=$(CURDIR)/out/bin go install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)
	@touch $@

out/bin/kind: out/bin/.kind-$(KIND_VERSION)
out/bin/.kind-$(KIND_VERSION):
	@mkdir -p out/bin
	GOBIN=$(CURDIR)/out/bin go install sigs.k8s.io/kind@$(KIND_VERSION)
	@touch $@

.PHONY: test
test: test-packages out/bin/grpcurl wasm-variants ## Run every Go module's tests (native and against the compiled module)
	@for m in $(GO_MODULES); do \
		echo "== go test $$m"; \
		(cd $$m && go test -count=1 ./...) || exit 1; \
	done
	@$(MAKE) -s reproducible

.PHONY: lint
lint: ## gofmt, go vet and a TinyGo compile of the filter
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	@for m in $(GO_MODULES); do echo "== go vet $$m"; (cd $$m && go vet ./...) || exit 1; done
	$(TINYGO_CMD) build $(TINYGO_FLAGS) -tags=$(PLUGIN_TAGS) -o /dev/null ./filter

# --- Local gateway: the compiled filter on the project's own wazero host (e2e/gateway).
RUN_ADDR ?= 127.0.0.1:8080
RUN_CONFIG ?= manifests/base/wasmplugin.yaml

.PHONY: run
run: out/wasmauth.wasm ## Run the filter in the local gateway (demo gRPC Greeter + HTTP echo); prints curl/grpcurl commands
	cd e2e && go run ./cmd/wasmauth-gateway -demo -addr $(RUN_ADDR) -module ../out/wasmauth.wasm -config $(abspath $(RUN_CONFIG))

# --- OCI image (build/oci, its own Go module) ---
VARIANT ?= compat
SOURCE ?= https://github.com/wasmauth/wasmauth
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
WASMAUTH_OCI := cd build/oci && go run ./cmd/wasmauth-oci

.PHONY: image
image: out/wasmauth.wasm ## Package out/wasmauth.wasm as an OCI image in out/oci (VARIANT=compat|wasm); digest in out/wasmauth.digest
	$(WASMAUTH_OCI) image -wasm ../../out/wasmauth.wasm -out ../../out/oci -digest-file ../../out/wasmauth.digest \
		-variant '$(VARIANT)' -source '$(SOURCE)' -version '$(VERSION)' -revision '$(REVISION)' \
		-description 'wasmauth: HTTP Basic auth filter for the Istio ingress gateway'

.PHONY: push
push: ## Push out/oci to IMAGE=registry/repo:tag, extra TAGS="a b", INSECURE=1 for plain HTTP
	@test -n '$(IMAGE)' || { echo "usage: make image push IMAGE=ghcr.io/OWNER/wasmauth:TAG [TAGS='v1 latest'] [INSECURE=1]" >&2; exit 2; }
	@test -f out/oci/index.json || { echo "out/oci is missing: run make image first" >&2; exit 2; }
	$(WASMAUTH_OCI) push -layout ../../out/oci -image '$(IMAGE)' $(foreach t,$(TAGS),-tag '$(t)') $(if $(INSECURE),-insecure)

# --- Fuzzing: every Fuzz* target of the root module, each for FUZZTIME. Their seed
# corpora (testdata/fuzz/) run as ordinary tests in `make test`.
FUZZTIME ?= 30s

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME (default 30s) each
	@grep -rlE '^func Fuzz[A-Za-z0-9_]+\(' --include='*_test.go' config auth filter | while read -r f; do \
		pkg=./$$(dirname "$$f"); \
		for target in $$(sed -nE 's/^func (Fuzz[A-Za-z0-9_]+)\(.*/\1/p' "$$f"); do \
			echo "== fuzz $$pkg $$target ($(FUZZTIME))"; \
			go test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) "$$pkg" || exit 1; \
		done; \
	done

# --- kind + Istio end-to-end (e2e/kind, its own Go module). Needs a docker daemon; skips clearly without.
.PHONY: e2e-kind
e2e-kind: out/bin/kind ## kind + Istio end-to-end test (needs docker; installs kind v0.33.0 into out/bin, downloads istioctl)
	cd e2e/kind && PATH="$(CURDIR)/out/bin:$$PATH" WASMAUTH_E2E_KIND=1 go test -count=1 -timeout 45m -v -run TestKindE2E .

# --- Benchmarks (e2e/bench): the filter against a no-op filter built the same way, in the same run.
BENCH_FLAGS ?=

.PHONY: bench
bench: test-packages wasm-variants ## Benchmarks vs the no-op filter; prints one table, writes out/bench.md (~3-5 min)
	@command -v h2load >/dev/null 2>&1 || echo "bench: h2load not found (apt-get install -y nghttp2-client): gateway rows will be skipped" >&2
	cd e2e && go run ./bench/cmd/wasmauth-bench -root .. -out ../out/bench.md $(BENCH_FLAGS)

# --- Profiling: where a request's time goes inside the module (Linux perf; wazero's perf map
# names the compiled wasm functions). The profiled module skips binaryen, which would inline
# nearly everything into the proxy-wasm callbacks: build/wasm-opt-passthrough.sh.
PROFILE_SCENARIO ?= allow plaintext
PROFILE_MODULE ?= out/wasmauth-profile.wasm

out/wasmauth-profile.wasm: $(GO_SOURCES) build/wasm-opt-passthrough.sh
	@mkdir -p out
	WASMOPT=$(CURDIR)/build/wasm-opt-passthrough.sh $(TINYGO_CMD) build $(TINYGO_FLAGS) -tags=$(PLUGIN_TAGS) -o $@ ./filter

.PHONY: profile
profile: out/wasmauth-profile.wasm ## Per-function CPU profile of one request kind (PROFILE_SCENARIO="deny missing", PROFILE_MODULE=out/wasmauth.wasm)
	@build/install-perf.sh
	cd e2e && go build -tags perfmap -o ../out/bin/wasmauth-profile ./bench/cmd/wasmauth-profile
	perf record -q -e cpu-clock -F 5000 -o out/perf.data -- out/bin/wasmauth-profile -module $(PROFILE_MODULE) -scenario "$(PROFILE_SCENARIO)" -pid-file out/perf.pid
	@status=0; out/bin/wasmauth-profile -report out/perf.data || status=$$?; \
		rm -f /tmp/perf-$$(cat out/perf.pid).map; exit $$status

.PHONY: clean
clean: ## Remove build output
	rm -rf out

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'
