# kvsim: one-command set-up, test, bench, fuzz and campaign.
GO ?= go
SEEDS ?= 10000
# A count of executions, not a duration: with a duration, Go 1.26's fuzz
# coordinator can fail a target with "context deadline exceeded" as the
# time runs out on a loaded machine (golang/go#75804, fixed in Go 1.27).
# 100000 executions take 5 to 30 s a target on two cores.
FUZZTIME ?= 100000x

.PHONY: all test lint bench fuzz campaign zoo

all: lint test

# The test command of README.md and .ci/run.
test:
	$(GO) test -race -timeout 30m ./...
	$(GO) run -race ./cmd/kvsim stress

lint:
	@fmt=$$(gofmt -l .); if [ -n "$$fmt" ]; then echo "gofmt needed: $$fmt"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzWorld$$' -fuzztime $(FUZZTIME) ./sim
	$(GO) test -run '^$$' -fuzz '^FuzzScenario$$' -fuzztime $(FUZZTIME) ./scenarios
	$(GO) test -run '^$$' -fuzz '^FuzzFastAgreesWithPorcupine$$' -fuzztime $(FUZZTIME) ./models

campaign:
	$(GO) run ./cmd/kvsim campaign --scenario all --faults swarm --seeds $(SEEDS)

zoo:
	$(GO) run ./cmd/kvsim zoo --measure
