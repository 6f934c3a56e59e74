# Thin targets: everything real lives in scripts/ and cargo.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/tim-target
CONFIG ?= config/driver.toml
## What make run serves (default debug: the build make test shares, see scripts/run.sh) and
## what make bench and make soak measure (default release); PROFILE=debug|release sets either.
RUN_PROFILE = $(or $(PROFILE),debug)
MEASURE_PROFILE = $(or $(PROFILE),release)
CARGO_PROFILE = $(if $(filter debug,$(MEASURE_PROFILE)),dev,$(MEASURE_PROFILE))
## One package selection and one feature set for every build and test: with the workspace's
## resolver 1 (Cargo.toml) make run, make test and the tools then share each dependency's build.
WS = --workspace --features testdriver

.PHONY: faults bdd-tim11 fuzz rehearsal-certs docker-test run test bench soak soak-short fachdienst-up fachdienst-down provision driver unit bdd check-prod lint fmt

## Local TI-M Fachdienst (4 federating Synapse + invite checker), the local VZD-FHIR-Directory
## (http://127.0.0.1:8490), the local push gateway (http://127.0.0.1:8491) and the test driver
## at https://127.0.0.1:8443/<api> (see README).
## The build and the Fachdienst's start overlap (scripts/run.sh).
run:
	PROFILE=$(RUN_PROFILE) bash scripts/run.sh $(CONFIG)

## Everything CI runs.
test: fachdienst-up
	python3 scripts/provision-accounts.py config/driver-bdd.toml
	cargo fmt --all --check
	bash scripts/lint-python.sh
	python3 scripts/driver_configs.py --check
	python3 scripts/tiger_config.py --check
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-nio.sh
	cargo test $(WS)
	$(MAKE) bdd-tim11
	cargo build $(WS) --bins
	python3 scripts/fuzz_contract.py
	$(MAKE) soak-short
	bash scripts/check-production.sh
	bash scripts/compose-check.sh
	bash scripts/docker-test.sh
	@echo "make test: all green"

## Fault injection against the core (tests/faults.rs; also part of cargo test in make test).
faults: fachdienst-up
	cargo test $(WS) --test faults --test outbox

## The cucumber features once more, the Pro and ePA homeservers' invite checkers in TI-M 1.1
## mode (the default, and so the rest of make test, is 1.2); the homeservers go back to 1.2.
bdd-tim11:
	TIM_VERSION=1.1 bash scripts/fachdienst-up.sh 4
	python3 scripts/provision-accounts.py config/driver-bdd.toml
	cargo test $(WS) --test bdd; rc=$$?; bash scripts/fachdienst-up.sh 4; exit $$rc

## The driver as its own process, beside a raw Matrix client, the core with a message callback
## and matrix-nio with E2EE on the same homeservers: every figure with its ratio (BENCHMARKS.md).
## Own accounts and port (127.0.0.1:8643).
bench: fachdienst-up
	bash scripts/ensure-nio.sh
	cargo build --profile $(CARGO_PROFILE) $(WS) --bin tim-testdriver --bin tim-core-peer
	cargo build $(WS) --bins
	$(CARGO_TARGET_DIR)/debug/tim-bench --driver $(CARGO_TARGET_DIR)/$(MEASURE_PROFILE)/tim-testdriver bench --markdown

## 1000 claim → login → room → message → logout → unclaim cycles (cleanUp every 10) on one
## driver process; fails when fds, RSS or threads grow beyond the bounds. Stops after 1 h.
soak: fachdienst-up
	cargo build --profile $(CARGO_PROFILE) $(WS) --bin tim-testdriver
	cargo build $(WS) --bins
	$(CARGO_TARGET_DIR)/debug/tim-bench --driver $(CARGO_TARGET_DIR)/$(MEASURE_PROFILE)/tim-testdriver soak --cycles 1000

## The short soak of make test (50 cycles, same bounds; the debug build make test has anyway).
soak-short:
	cargo build $(WS) --bins
	$(CARGO_TARGET_DIR)/debug/tim-bench --driver $(CARGO_TARGET_DIR)/debug/tim-testdriver soak --cycles 50

## Certificates and an mTLS driver config for a local rehearsal of gematik's suite (README).
rehearsal-certs:
	python3 scripts/rehearsal_certs.py

## The docker-compose.yml stack: build the images here, start, health checks, smoke test and
## the foundation feature against it, down -v (README, "Docker").
docker-test:
	bash scripts/docker-test.sh

fachdienst-up:
	bash scripts/fachdienst-up.sh 4
	python3 scripts/fachdienst-smoke.py >/dev/null

fachdienst-down:
	bash scripts/fachdienst-down.sh

check-prod:
	bash scripts/check-production.sh

lint:
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy $(WS) --all-targets -- -D warnings
	bash scripts/lint-python.sh

## schemathesis (pinned) against its own driver: 0 server errors, 0 schema violations.
fuzz:
	cargo build $(WS) --bins
	python3 scripts/fuzz_contract.py

fmt:
	cargo fmt --all
