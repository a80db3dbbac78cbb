# Bulwark developer targets. `make test` is the README's test command.
#
# Test tiers:
#   make test        unit, integration and corpus tests (corpus tests skip
#                    with a message when ../shared/corpus is absent)
#   make race        the same with the race detector (CI runs this)
#   make fuzz        every fuzz target for FUZZTIME each
#   make bench       Go benchmarks; bench/scan.sh for whole-binary timings
GO        ?= go
FUZZTIME  ?= 30s
STATICCHECK_VERSION ?= v0.8.2

.PHONY: all build test race lint vet staticcheck bench fuzz docs clean

all: lint test

build:
	$(GO) build -o bin/bulwark ./cmd/bulwark

test:
	$(GO) test ./...

race:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

lint: vet staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Runs each fuzz target of each package for FUZZTIME.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

docs:
	$(GO) run ./cmd/bulwark rules --format markdown > docs/rules.md

clean:
	rm -rf bin
