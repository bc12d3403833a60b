# Aliases for the commands the README and CI use; the work is in scripts/.

# Extra go test flags for "make test", e.g. make test TESTFLAGS="-run TestCheck -v".
TESTFLAGS ?=
# The configuration of issue 17's targets for "make bench": checks in random
# order over a store already holding a million verifications, c = 8, and the
# floor in the same invocation for the ratios. Override a part with
# BENCH_FLAGS (later flags win), e.g. make bench BENCH_FLAGS="-prefill 100000",
# or all of it with BENCH_TARGET.
BENCH_TARGET ?= -prefill 1000000 -order random -compare-floor -c 8 -d 10s
# More flags for "make bench", e.g. make bench BENCH_FLAGS="-url http://127.0.0.1:9090 -d 30s".
BENCH_FLAGS ?=
# How long "make fuzz" runs each fuzz target.
FUZZTIME ?= 30s

.PHONY: run test bench bench-smpp bench-analytics fuzz lint

run:
	go run ./cmd/otpd serve

test:
	scripts/test $(TESTFLAGS)

bench:
	go run ./cmd/otpd bench $(BENCH_TARGET) $(BENCH_FLAGS)

# SMS through SMPP to a fake SMSC: the whole pipeline over HTTP, the
# delivery side alone (20,000 queued messages), and the provider alone.
bench-smpp:
	go test -run '^$$' -bench SMPPEndToEnd -benchtime 1x ./cmd/otpd
	go test -run '^$$' -bench SMPPDrain -benchtime 20000x ./cmd/otpd
	go test -run '^$$' -bench Send -benchtime 5s ./internal/provider/smpp

# Analytics and log reads on two million verifications over 90 days
# (OTPD_BENCH_VERIFICATIONS to change): SQLite, and PostgreSQL when
# OTPD_TEST_POSTGRES_URL is set. One package at a time: they would share
# the machine.
bench-analytics:
	go test -p 1 -run '^$$' -bench Analytics -benchtime 20x -timeout 30m -v ./internal/sqlite ./internal/postgres

fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz

lint:
	@files="$$(gofmt -l .)"; if [ -n "$$files" ]; then echo "not gofmt-ed:"; echo "$$files"; exit 1; fi
	go vet ./...
