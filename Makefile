# coderhost build, run, test and benchmarks.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/coderhost/coderhost/host/internal/cli.Version=$(VERSION)
PLUGINS   := $(wildcard plugins/*/main.go) $(wildcard examples/plugins/*/main.go)
TESTFLAGS ?= -race -count=1 -timeout 10m

# Pinned protobuf generators; protoc itself comes from Debian's protobuf-compiler.
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1

.PHONY: all build run test test-deploy bench bench-compare fuzz proto vet fmt clean e2e soak

all: build

build:
	@mkdir -p bin/plugins
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/coderhost ./host
	@for main in $(PLUGINS); do \
		dir=$$(dirname $$main); id=$$(basename $$dir); \
		echo "$(GO) build -o bin/plugins/coderhost-plugin-$$id ./$$dir"; \
		$(GO) build -ldflags "-s -w" -o bin/plugins/coderhost-plugin-$$id ./$$dir || exit 1; \
	done

run: build
	./bin/coderhost run -config config.hcl

test: build
	$(GO) vet ./...
	$(GO) test $(TESTFLAGS) ./...
	$(MAKE) test-deploy

# The image and Kubernetes tests: a Go module of their own (deploy/go.mod), so
# kustomize and the Kubernetes API types stay out of the daemon's go.mod.
# Their code drives processes rather than sharing memory, so no -race.
test-deploy:
	cd deploy && $(GO) vet ./... && $(GO) test -count=1 -timeout 10m ./...

bench: build
	$(GO) test -run '^$$' -bench 'Ratio' -benchtime 1x -count 1 ./...

# One run comparing the pass-through with direct access, a tuned bare
# httputil.ReverseProxy and Backstage's own proxy-backend (npm, pinned in
# test/bench/compare/testdata/backstage), then the plugin hop, the script
# hook, time to /readyz and idle RSS. docs/PERFORMANCE.md explains the table.
# Not part of make test: it takes a few minutes and its numbers depend on
# the machine.
BACKSTAGE_BENCH := test/bench/compare/testdata/backstage
bench-compare: build $(BACKSTAGE_BENCH)/node_modules/.package-lock.json
	$(GO) run ./test/bench/compare -repo $(CURDIR) $(BENCHFLAGS)

# npm ci again only when the lock file changed.
$(BACKSTAGE_BENCH)/node_modules/.package-lock.json: $(BACKSTAGE_BENCH)/package-lock.json
	cd $(BACKSTAGE_BENCH) && npm ci --no-audit --no-fund --loglevel=error

# Each fuzz target runs for FUZZTIME; failures land in the package's testdata/fuzz.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	host/internal/config:FuzzParse \
	host/internal/proxy:FuzzCheckPath \
	sdk/fakecoder:FuzzQueryBuilderRoundTrip \
	internal/repourl:FuzzCanonical \
	internal/entityconfig:FuzzCompile

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "$(GO) test -run '^$$' -fuzz '^$$fn$$' -fuzztime $(FUZZTIME) ./$$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
	done

proto:
	GOBIN=$(CURDIR)/bin/tools $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(CURDIR)/bin/tools $(GO) install $(PROTOC_GEN_GO_GRPC)
	PATH=$(CURDIR)/bin/tools:$$PATH protoc -I proto \
		--go_out=. --go_opt=module=github.com/coderhost/coderhost \
		--go-grpc_out=. --go-grpc_opt=module=github.com/coderhost/coderhost \
		pluginv1/plugin.proto

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go' | grep -v '\.pb\.go$$')

clean:
	rm -rf bin

# The real-browser test: Debian's chromium (apt-get install chromium) driven
# by playwright-core opens a page bundling Backstage's OAuth2 class (esbuild)
# and signs in with Coder through coderhost. npm packages are pinned in
# host/e2e/browser/package-lock.json.
e2e: build
	cd host/e2e/browser && npm ci --no-audit --no-fund && npm run build
	$(GO) test $(TESTFLAGS) -tags browser -run '^TestBrowser' ./host/e2e/

# Soak, not part of make test (about a minute; the test binary stops it at 3):
# plugin SIGKILLs under load, 1,000 concurrent pass-through connections, SIGHUP
# reloads under load and twenty concurrent 10 MB bodies, each against a fresh
# daemon. Prints one table (requests, non-2xx by code, lost requests, crashes,
# orphans, peak RSS, goroutines and descriptors before and after) and fails on
# a crash, a leak, an orphaned plugin or a lost request.
soak:
	@mkdir -p bin
	$(GO) test -c -tags soak -o bin/soak.test ./host/e2e
	cd host/e2e && ../../bin/soak.test -test.run '^TestSoak$$' -test.timeout 3m

# Real systems (test/real/README.md): a real Coder v2.30, built from its Go
# module and cached in ~/.cache/coderhost, on PostgreSQL from Debian; and a
# real Backstage backend from npm (test/real/backstage).
.PHONY: real-coder test-real backstage-deps

real-coder:
	test/real/real-coder.sh

# better-sqlite3 compiles against the machine's Node.js headers (nodedir),
# since nothing but the registries is reachable for prebuilt binaries.
backstage-deps:
	@if [ ! -d test/real/backstage/node_modules ] || [ test/real/backstage/package-lock.json -nt test/real/backstage/node_modules ]; then \
		cd test/real/backstage && npm_config_nodedir=$$(dirname $$(dirname $$(command -v node))) \
			npm ci --no-audit --no-fund --loglevel=error && touch node_modules; \
	fi

test-real: build backstage-deps
	test/real/real-coder.sh -- test/real/test.sh
