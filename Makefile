# escapewatch — run `make help` for the targets.

GO        ?= go
BIN       ?= bin/escapewatch
FUZZTIME  ?= 20s
BENCHTIME ?= 2s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/escapewatch/escapewatch/schemas.ProductVersion=$(VERSION)

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/escapewatch
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/escapewatch

.PHONY: demo
demo: build ## the zero-setup run: embedded Kafka-protocol broker, sample traffic, the real pipeline, alerts printed
	$(BIN) demo

.PHONY: scan-demo
scan-demo: build ## the offline path: scan every bundled scenario and print its alerts for reading
	$(BIN) scan --format text testdata/scenarios

.PHONY: test
test: ## run every test: vet, unit, fuzz seeds, scenario goldens, the integration suite on kfake and on a real Kafka broker
	$(GO) vet ./...
	@if [ -n "$$KAFKA_BROKERS" ]; then \
	  echo "integration suite against KAFKA_BROKERS=$$KAFKA_BROKERS"; \
	  ESCAPEWATCH_REQUIRE_KAFKA=1 $(GO) test -count=1 ./...; \
	else \
	  dir=$$(mktemp -d "$${TMPDIR:-/tmp}/escapewatch-kafka.XXXXXX") && \
	  ESCAPEWATCH_REQUIRE_KAFKA=1 ESCAPEWATCH_KAFKA_DIR=$$dir scripts/kafka.sh run -- $(GO) test -count=1 ./...; \
	fi

.PHONY: test-unit
test-unit: ## run the tests without a real broker (kfake only; the real-broker cases are skipped)
	$(GO) test -count=1 ./...

.PHONY: test-race
test-race: ## run the tests with the race detector
	$(GO) test -count=1 -race ./...

.PHONY: bench
bench: ## run the benchmarks (each reported as a ratio to a baseline measured in the same run)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./stream/...

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

.PHONY: lint
lint: ## check formatting and vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: fmt
fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

.PHONY: tidy-check
tidy-check: ## fail when go.mod / go.sum are not tidy
	$(GO) mod tidy -diff

.PHONY: clean
clean: ## remove build output
	rm -rf bin
