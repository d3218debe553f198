# coderhost build, run, test and benchmarks.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/coderhost/coderhost/host/internal/cli.Version=$(VERSION)
PLUGINS   := $(wildcard plugins/*/main.go) $(wildcard examples/plugins/*/main.go)
TESTFLAGS ?= -race -count=1 -timeout 10m

# Pinned protobuf generators; protoc itself comes from Debian's protobuf-compiler.
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1

.PHONY: all build run test bench fuzz proto vet fmt clean e2e

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

bench: build
	$(GO) test -run '^$$' -bench 'Ratio' -benchtime 1x -count 1 ./...

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
