# Thin targets: everything real lives in scripts/ and cargo.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/tim-target
CONFIG ?= config/driver.toml

.PHONY: run test fachdienst-up fachdienst-down provision driver unit bdd check-prod lint fmt

## Local TI-M Fachdienst (4 federating Synapse + invite checker), the local VZD-FHIR-Directory
## (http://127.0.0.1:8490) and the test driver at https://127.0.0.1:8443/<api> (see README).
run: fachdienst-up
	python3 scripts/provision-accounts.py $(CONFIG)
	bash scripts/run.sh $(CONFIG)

## Everything CI runs.
test: fachdienst-up
	python3 scripts/provision-accounts.py config/driver-bdd.toml
	cargo fmt --all --check
	cargo test -p contract
	cargo test --features testdriver
	bash scripts/check-production.sh
	@echo "make test: all green"

fachdienst-up:
	bash scripts/fachdienst-up.sh 4
	python3 scripts/fachdienst-smoke.py >/dev/null

fachdienst-down:
	bash scripts/fachdienst-down.sh

check-prod:
	bash scripts/check-production.sh

lint:
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features testdriver -- -D warnings
	cargo clippy --workspace --exclude tim-client --all-targets -- -D warnings

fmt:
	cargo fmt --all
