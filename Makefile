# tradeops.aws — every target runs inside .venv/ (made by `make setup`).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
CACHE := .cache
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export TRADEOPS_CACHE := $(CURDIR)/$(CACHE)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export NO_COLOR := 1
export ANSIBLE_NOCOLOR := 1
# One stamp per requirements content: editing requirements.txt re-runs the install.
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
COLLECTION_LINK := $(CACHE)/collections/ansible_collections/tradeops/aws
MOLECULE_SCENARIOS ?= $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

.PHONY: help setup engine images lint sanity unit molecule integration faults test deploy sandbox-down build bench clean bbgo-double scan

help:
	@echo "make setup        create .venv/ with the pinned toolchain (idempotent)"
	@echo "make deploy       the whole flow into the local sandbox (ansible-playbook site.yml)"
	@echo "make sandbox-down remove the sandbox"
	@echo "make bbgo-double  the BBGO test double's release tarball (for the BBGO examples in the sandbox)"
	@echo "make bench        sandbox figures: site.yml cold/re-run, API calls, update downtime, converge 1 vs 4 hosts"
	@echo "make faults       the whole fault suite on a sandbox of its own, with its table"
	@echo "make scan         scan the sandbox's AWS state with Prowler (an AWS security scanner), findings by severity"
	@echo "make test         lint + sanity + unit + build + molecule + integration"
	@echo "make lint | sanity | unit | molecule | integration | build"

setup: $(STAMP) $(COLLECTION_LINK)

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tradeops needs Python 3.11+ for the controller; set PYTHON=python3.11 (or newer)")'
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn ../../../.. $@

engine:
	@scripts/docker-engine.sh

images: engine
	@scripts/build-images.sh

lint: setup
	yamllint -s .
	ansible-lint

sanity: setup
	@scripts/sanity.sh

unit: setup
	@scripts/pytest.sh --cov=plugins --cov-report=term-missing:skip-covered --cov-fail-under=90 tests/unit
	@scripts/pytest.sh examples/paper_bot/tests

molecule: setup images
	@for s in $(MOLECULE_SCENARIOS); do echo "== $$(date -u +%T) molecule test -s $$s"; molecule test -s $$s; done

# The sandbox modules share one sandbox: test_sandbox_e2e.py, then teardown (the fault suite,
# marked faults_only, runs with `make faults`). The slowest tests are listed at the end.
integration: setup images bbgo-double
	@scripts/pytest.sh -m "not faults_only" --durations=25 tests/integration

# The fault suite alone (it deploys the end-to-end sandbox itself); prints the fault table.
faults: setup images
	@scripts/pytest.sh tests/integration/test_sandbox_faults.py

test: lint sanity unit build molecule integration

# A third-party AWS security scan (Prowler, installed into .cache/prowler/) of the running sandbox.
scan: setup
	@python scripts/scan.py --list

# The main job: the whole flow into the local sandbox (ansible-playbook site.yml).
deploy: setup images
	ansible-playbook site.yml

# The BBGO TEST DOUBLE as a release tarball (tests/fixtures/bbgo-double), for the BBGO examples in
# the sandbox: .cache/bbgo-double/bbgo-slim-v1.62.0-linux-amd64.tar.gz (prints its sha256).
bbgo-double:
	@tests/fixtures/bbgo-double/build.sh v1.62.0 amd64 $(CACHE)/bbgo-double

# Removes the sandbox's containers, network, volumes and state (images are kept).
sandbox-down: setup
	ansible-playbook playbooks/sandbox_down.yml

# Build the collection tarball and prove that ansible-galaxy accepts it (installed into a
# throw-away path; dependencies are satisfied by the collections the `ansible` package bundles).
build: setup
	ansible-galaxy collection build --force --output-path $(CACHE)/dist .
	rm -rf $(CACHE)/install-check
	ANSIBLE_CONFIG= ansible-galaxy collection install --force -p $(CACHE)/install-check \
	  $(CACHE)/dist/tradeops-aws-$$(awk '/^version:/ {print $$2}' galaxy.yml).tar.gz
	test -f $(CACHE)/install-check/ansible_collections/tradeops/aws/MANIFEST.json

# Figures of the main job on two sandboxes of its own (bench1, bench4); see benchmarks/README.md.
bench: setup images
	python benchmarks/sandbox.py

clean:
	rm -rf $(VENV) $(CACHE) tests/output
