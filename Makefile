# The README's commands. Every target installs what it needs on a fresh machine:
# Poetry (into .tools/), the workspace (into .venv/) and, for tests, PostgreSQL server binaries.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
POETRY_VERSION := 2.2.1
TOOLS := $(CURDIR)/.tools
POETRY_VENV := $(TOOLS)/poetry-$(POETRY_VERSION)
POETRY := $(POETRY_VENV)/bin/python $(CURDIR)/tools/poetry_simple_index.py
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
OUTDIR := apps/dr-app/cdktf.out
LINT_PATHS := packages apps tests scripts tools
# Construct packages whose tests live in packages/<name>/tests (each run by itself: make test-package).
TEST_PACKAGES := core network data compute edge observability

.PHONY: help install synth test test-slow test-all test-package lint format checkov bench bench-cdktn clean diagram drill dist versions release live hcl mutate mutate-ci plant plan deploy destroy validate emulator-apply

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(POETRY_VENV)/bin/poetry:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(POETRY_VENV)
	$(POETRY_VENV)/bin/pip install --quiet --disable-pip-version-check "poetry==$(POETRY_VERSION)"

$(INSTALLED): $(POETRY_VENV)/bin/poetry pyproject.toml poetry.lock $(wildcard packages/*/pyproject.toml apps/*/pyproject.toml)
	$(POETRY) check --lock
	$(POETRY) sync --no-interaction
	touch $@

install: $(INSTALLED) ## Install Poetry and the workspace (.venv)

synth: $(INSTALLED) ## Validate the config, synthesize it into apps/dr-app/cdktf.out, summarize it (VERBOSE=1: every resource type)
	$(VENV)/bin/payment-dr-synth --clean --outdir $(OUTDIR) $(if $(VERBOSE),--verbose)

checkov: synth ## Synthesize, then run the checkov gate over the stacks
	$(PY) -m dr_app.checkov_gate $(OUTDIR)/stacks

lint: $(INSTALLED) ## ruff (lint and format check) and mypy --strict
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy
	@# Each package's tests are checked on their own: they import their helper module by name.
	set -e; for pkg in $(TEST_PACKAGES); do \
		MYPYPATH=packages/$$pkg/tests $(VENV)/bin/mypy --no-error-summary packages/$$pkg/tests/*.py; done

format: $(INSTALLED) ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix $(LINT_PATHS)
	$(VENV)/bin/ruff format $(LINT_PATHS)

# pytest-xdist: a worker per core (TEST_WORKERS=<n> to choose), each group of tests on one worker
# (tests/parallel.py). Tests marked slow (more than 30 s each, listed in docs/testing.md) run
# in make test-slow and make test-all only.
PYTEST_PARALLEL = -n $(or $(TEST_WORKERS),auto) --dist loadgroup

test: $(INSTALLED) ## Lint, type-check, then every test but the slow ones, in parallel (checkov gate included)
	bash scripts/ensure-postgres.sh
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not slow"

test-slow: $(INSTALLED) ## Only the tests marked slow (docs/testing.md), in parallel
	$(PY) -m pytest $(PYTEST_PARALLEL) -m slow

test-all: $(INSTALLED) ## Lint, type-check, then every test, the slow ones included
	bash scripts/ensure-postgres.sh
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest $(PYTEST_PARALLEL)

test-package: $(INSTALLED) ## One construct package's tests: make test-package PKG=network
	@test -n "$(PKG)" -a -d "packages/$(PKG)/tests" || { echo "PKG must be one of: $(TEST_PACKAGES)" >&2; exit 2; }
	cd packages/$(PKG) && $(PY) -m pytest -p no:cacheprovider tests

bench: $(INSTALLED) ## Synth time vs the floor, mypy; handler p50/p99, faults (WRITE=1: into docs/benchmarks.md once all succeeded)
	bash scripts/ensure-postgres.sh
	$(PY) scripts/bench.py$(if $(WRITE), --write docs/benchmarks.md)

bench-cdktn: $(INSTALLED) ## Synth floor of CDKTF 0.21 beside CDK Terrain (installs cdktn into .tools/cdktn-bench)
	$(PY) scripts/bench_cdktn.py$(if $(WRITE), --write docs/cdktf-future.md)

drill: $(INSTALLED) ## DR drill on two local PostgreSQL servers (WRITE=1: the figures into docs/benchmarks.md)
	bash scripts/ensure-postgres.sh
	$(PY) scripts/drill.py$(if $(WRITE), --write docs/benchmarks.md)

PACKAGE_DIRS := $(sort $(dir $(wildcard packages/*/pyproject.toml apps/*/pyproject.toml)))

dist: $(POETRY_VENV)/bin/poetry ## Build an sdist and a wheel of every package into dist/
	rm -rf dist
	set -e; for pkg in $(PACKAGE_DIRS); do (cd $$pkg && $(POETRY) build --no-interaction --output $(CURDIR)/dist); done

versions: $(INSTALLED) ## Bumps and CHANGELOG entries where packages changed (BASE=<ref>), __version__, dependency ranges
	$(PY) scripts/check_versions.py $(if $(BASE),--base $(BASE))

release: $(INSTALLED) ## Release the changed packages (docs/releasing.md): DRY_RUN=1, REPOSITORY_URL=<upload URL>
	$(PY) scripts/release.py $(if $(DRY_RUN),--dry-run) $(if $(REPOSITORY_URL),--repository-url $(REPOSITORY_URL))

live: $(INSTALLED) ## Live tests against a deployed environment (PAYMENT_DR_OUTPUTS_FILE=<file>)
	$(PY) -m pytest tests/live -m live -rs

# Deploy with terraform (docs/deployment.md): ENVIRONMENT_SUFFIX selects the environment,
# TERRAFORM=<path> the executable, AUTO_APPROVE=1 applies each shown plan without asking.
DEPLOY := $(PY) -m dr_app.deploy.main

plan: $(INSTALLED) ## Synthesize, then terraform init, plan and show each stack (primary, then secondary)
	$(DEPLOY) plan --outdir $(OUTDIR)

deploy: $(INSTALLED) ## Synthesize, then plan, show, confirm and apply each stack, primary first
	$(DEPLOY) deploy --outdir $(OUTDIR)

destroy: $(INSTALLED) ## Synthesize, then plan the destruction, show, confirm and apply it, secondary first
	$(DEPLOY) destroy --outdir $(OUTDIR)

validate: $(INSTALLED) ## terraform validate of each stack (a copy) against the provider mirror (TF_PLUGIN_MIRROR)
	$(DEPLOY) validate --outdir $(OUTDIR)

emulator-apply: $(INSTALLED) ## Apply and destroy both stacks on a local moto server (moto into .tools/); docs/emulator.md
	$(PY) scripts/emulator_apply.py --write docs/emulator.md

hcl: synth ## Export the stacks as Terraform HCL (needs terraform + registry, or SCHEMA=<file>)
	$(PY) scripts/export_hcl.py $(if $(SCHEMA),--schema $(SCHEMA))

mutate: $(INSTALLED) ## Mutation testing of every target (PostgreSQL for repository; WRITE=1: scores into docs/testing.md)
	bash scripts/ensure-postgres.sh
	$(PY) scripts/mutate.py$(if $(WRITE), --write docs/testing.md)

mutate-ci: $(INSTALLED) ## Mutation testing of the decision rules, at most 10 minutes, fails under 90 %
	$(PY) scripts/mutate.py rules --max-minutes 10 --allow-unfinished --min-score 0.9

plant: $(INSTALLED) ## Plant the bugs that once survived the suite; fails unless each named test catches its bug
	$(PY) scripts/plant_bugs.py

clean: ## Remove synthesized output and caches (keeps .venv and .tools)
	rm -rf $(OUTDIR) .pytest_cache .mypy_cache .ruff_cache dist

diagram: $(INSTALLED) ## Regenerate docs/architecture.png (installs Graphviz when missing)
	command -v dot >/dev/null || (apt-get update -qq && apt-get install -y -qq graphviz >/dev/null)
	$(PY) scripts/diagram.py
