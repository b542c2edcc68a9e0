# Vínculo — one entry point for set-up, the demo, tests and checks.
#
#   make demo         install the runtime (from uv.lock) and the front-end, start the demo at http://127.0.0.1:8000
#   make test         install what the tests need (PostgreSQL, Chromium, Java) and run every test
#   make test-fast    the edit-test loop: SQLite only, no browser, no Spark, nothing marked slow
#   make screenshots  the browser tests, leaving a screenshot of each page in var/screenshots/
#   make soak         the noninterference machine at length (2,000 steps per backend, under an hour)
#   make test-newest  the newest versions pyproject.toml allows (no lock): resolution and network tests
#   make check        ruff format --check, ruff, mypy, then make test
#   make smoke        the README's path in a fresh runtime-only virtualenv: seed and resolve the demo
#   make fmt          ruff format and ruff check --fix
#   make lock         refresh uv.lock to the newest versions pyproject.toml allows
#   make wheelhouse   every locked runtime wheel and Vínculo's own into wheelhouse/, for machines without network
#   make bench        run every bench/*.py
#   make bench-env    var/bench-venv: the locked project plus bench/requirements.txt (pseudopeople) for bench/er_cli.py
#   make serve        start the server with the settings in the environment (VINCULO_*)
#
# Variables: PYTHON (default python3), PYTEST_ARGS (passed to pytest), DEMO_ARGS (passed to
# `vinculo demo`), VENV (default .venv), VINCULO_TEST_POSTGRES_URL (set it to skip
# scripts/ensure-postgres.sh and use that database), WORKERS (pytest-xdist workers, default 3),
# WHEEL_CACHE (wheels built from source for make wheelhouse, default ~/.cache/vinculo/wheels).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
PYTEST_ARGS ?=
DEMO_ARGS ?=
# Three workers on a two-core machine: the tests spend a fifth of their time waiting on
# PostgreSQL, Chromium and the processes they start (pytest on the idle two-core machine:
# 21 min 31 s with two, then 17 min 36 s with three, of which the faster resolution runs
# landed in between saved about a minute). A fourth is slower: 1,044 s with three, 1,145 s with
# four, the same code on 2026-12-06, both cores busy throughout either way.
WORKERS ?= 3

VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_NPM := node_modules/.vinculo-npm-ci
STATIC := src/vinculo/web/static
# The public site's own static folder: the public process serves nothing of the internal one.
CIVIC_STATIC := src/vinculo/civic/static
ASSETS := $(STATIC)/css/pico.min.css $(STATIC)/css/app.css $(STATIC)/js/app.js $(STATIC)/css/graph.css $(STATIC)/js/graph.js $(STATIC)/js/import.js $(STATIC)/js/forms.js $(STATIC)/css/workspace.css $(STATIC)/js/theme.js $(STATIC)/img/logo.svg $(STATIC)/img/favicon.svg $(STATIC)/js/axe.min.js $(STATIC)/css/map.css $(STATIC)/js/map.js $(STATIC)/map/countries-50m.json $(STATIC)/map/us-states-10m.json $(STATIC)/map/mexico-states.json $(STATIC)/css/accountability.css $(STATIC)/js/accountability.js \
	$(CIVIC_STATIC)/portal.js $(CIVIC_STATIC)/pow.js $(CIVIC_STATIC)/map/mexico-states.json
LINT_PATHS := $(wildcard src tests bench)
STEP := scripts/step

# uv installs the lock: it lives in a virtualenv of its own, so that syncing .venv exactly to
# the lock never removes the installer itself.
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
# Installed modules are compiled to bytecode once, as pip does: otherwise a machine with
# PYTHONDONTWRITEBYTECODE set (as CI's is) compiles every module again in every process.
export UV_COMPILE_BYTECODE ?= 1
NO_NETWORK_HINT := Is the package index reachable? On a machine without network install from a wheelhouse (docs/operations.md).

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: help demo test test-fast screenshots test-newest soak check smoke fmt lock wheelhouse bench bench-env serve \
	install install-dev venv-check compile assets chromium java postgres python

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

# --- Python -------------------------------------------------------------------------------

python:
	@command -v $(PYTHON) >/dev/null || { \
		echo "make: Vínculo needs Python 3.11 or newer and '$(PYTHON)' was not found. Install it (apt-get install python3 python3-venv) or name another: make PYTHON=python3.12 …" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "make: Vínculo needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 | head -1). Install a newer one and name it: make PYTHON=python3.11 …" >&2; exit 1; }

$(UV): scripts/uv-requirements.txt | python
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
		echo "python3 cannot make virtualenvs; installing Debian's python3-venv." >&2; \
		$(STEP) "installing python3-venv" "Install it by hand: apt-get install python3-venv." \
			bash -c '$(APT_GET) update -q && $(APT_GET) install -y -q python3-venv'; }
	@rm -rf $(UV_VENV)
	@$(STEP) "making the installer's virtualenv" "Check that '$(PYTHON) -m venv' works, then run make again." \
		$(PYTHON) -m venv $(UV_VENV)
	@$(STEP) "installing uv (the installer)" "$(NO_NETWORK_HINT)" \
		$(UV_VENV)/bin/pip install --disable-pip-version-check -q --require-hashes -r scripts/uv-requirements.txt
	@touch $@

# A virtualenv whose Python no longer runs (the system Python was upgraded or removed) is
# made anew rather than left to fail later with a traceback.
venv-check:
	@if [ -e $(VENV) ] && ! $(PY) -c '' 2>/dev/null; then \
		echo "make: the virtualenv $(VENV) is broken (its Python does not run); making it anew." >&2; \
		rm -rf $(VENV); fi

# Runtime only, exactly the lock: what a deployment gets (dev packages are removed).
install: $(UV) venv-check
	@$(STEP) "installing the locked runtime packages" "$(NO_NETWORK_HINT)" \
		$(UV) sync --frozen --quiet

install-dev: $(UV) venv-check
	@$(STEP) "installing the locked runtime and test packages" "$(NO_NETWORK_HINT)" \
		$(UV) sync --frozen --quiet --extra dev

# --- Front-end assets (built from npm packages; nothing from a CDN) -------------------------

$(STAMP_NPM): package-lock.json package.json
	@command -v npm >/dev/null || { \
		echo "npm not found; installing Debian's nodejs and npm." >&2; \
		$(STEP) "installing Node.js and npm" "Install them by hand: apt-get install nodejs npm." \
			bash -c '$(APT_GET) update -q && $(APT_GET) install -y -q nodejs npm'; }
	@$(STEP) "installing the front-end packages (npm ci)" "Is the npm registry reachable? package-lock.json must match package.json." \
		npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Every source under frontend/: a bundle added there is rebuilt when it changes.
$(ASSETS) &: $(STAMP_NPM) $(wildcard frontend/*.mjs frontend/*.js frontend/*.css frontend/img/*)
	@$(STEP) "building the front-end into $(STATIC)" "See the error above; frontend/build.mjs names the file it could not build." \
		npm run --silent build

assets: $(ASSETS)

# --- What the tests need from the machine ---------------------------------------------------

chromium:
	@if [ -x /usr/bin/chromium ]; then :; else \
		echo "/usr/bin/chromium missing; installing Debian's chromium." >&2; \
		$(STEP) "installing Chromium" "Install it by hand: apt-get install chromium." \
			bash -c '$(APT_GET) update -q && $(APT_GET) install -y -q chromium'; \
	fi

# Spark (the identity-resolution backend for large deployments) runs on Java 17 or newer.
java:
	@if command -v java >/dev/null; then :; else \
		echo "java missing; installing Debian's default-jre-headless (for Spark's local mode)." >&2; \
		$(STEP) "installing Java" "Install it by hand: apt-get install default-jre-headless." \
			bash -c '$(APT_GET) update -q && $(APT_GET) install -y -q default-jre-headless'; \
	fi

postgres:
	@scripts/ensure-postgres.sh

# --- Entry points ---------------------------------------------------------------------------

demo: install assets
	$(BIN)/vinculo demo $(DEMO_ARGS)

serve: install assets
	$(BIN)/vinculo serve

# The README's first command in a fresh virtualenv with the runtime packages only (no test
# packages to hide a missing dependency), seeding and resolving the demo without serving it.
SMOKE := var/smoke
smoke:
	rm -rf $(SMOKE)
	$(MAKE) --no-print-directory VENV=$(SMOKE)/venv DEMO_ARGS=--no-serve \
		VINCULO_DATA_DIR=$(SMOKE)/data demo

# pytest exits 5 when it collects no test; that is reported, not treated as a failure.
# --durations=10 prints the ten slowest tests at the end of every run.
PYTEST_OPTS := -n $(WORKERS) --durations=10
# pytest keeps its rewritten test modules as bytecode only where Python may write it: with
# PYTHONDONTWRITEBYTECODE set (as CI's is) every worker rewrote every test module again,
# about 4 s of CPU a process.
PYTEST_RUN := env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest
PYTEST := $(PYTEST_RUN) $(PYTEST_OPTS)
define run_pytest
	@url="$${VINCULO_TEST_POSTGRES_URL:-}"; \
	if [ -z "$$url" ]; then url="$$(scripts/ensure-postgres.sh)"; fi; \
	export VINCULO_TEST_POSTGRES_URL="$$url"; \
	echo "VINCULO_TEST_POSTGRES_URL=$$VINCULO_TEST_POSTGRES_URL"; \
	status=0; $(1) || status=$$?; \
	if [ "$$status" -eq 5 ]; then echo "pytest collected no tests." >&2; status=0; fi; \
	exit "$$status"
endef

# Vínculo's own modules are compiled for the same reason (the editable install does not).
compile: install-dev
	@$(PY) -m compileall -q src

# A test marked alone measures time (frames on a page): it runs after the others, by itself,
# so that what it measures is the page rather than the other workers' load.
test: install-dev compile assets chromium java
	$(call run_pytest,$(PYTEST) -m 'not alone' $(PYTEST_ARGS))
	$(call run_pytest,$(PYTEST_RUN) -n 0 -m alone $(PYTEST_ARGS))

# SQLite only, no browser, no Spark, nothing marked slow: for the edit-test loop.
test-fast: install-dev compile assets
	VINCULO_TEST_BACKENDS=sqlite $(PYTEST) -m 'not browser and not spark and not slow' $(PYTEST_ARGS)

# Screenshots are for people to look at, not for the tests: only this target takes them.
screenshots: install-dev compile assets chromium
	$(call run_pytest,env VINCULO_SCREENSHOTS=1 $(PYTEST) -m browser $(PYTEST_ARGS))

# The noninterference machine at length: 2,000 steps per backend (100 sequences of 20), under
# an hour on two cores. Not part of CI; run it before a release and after touching access.
soak: install-dev compile assets
	$(call run_pytest,env VINCULO_SOAK=1 $(PYTEST) tests/leaks/test_sequences.py -k nothing_hidden $(PYTEST_ARGS))

# The newest versions pyproject.toml's ranges allow, in a virtualenv of its own (no lock):
# tells whether the next `make lock` will hold. Not part of CI: what the registries serve on
# a given day must not decide what lands.
NEWEST := .venv-newest
test-newest: $(UV) assets java
	rm -rf $(NEWEST)
	@$(STEP) "making $(NEWEST)" "Check that '$(PYTHON) -m venv' works." $(UV) venv --quiet $(NEWEST)
	@$(STEP) "installing the newest allowed versions" "$(NO_NETWORK_HINT)" \
		env VIRTUAL_ENV=$(NEWEST) $(UV) pip install --quiet --upgrade -e '.[dev]'
	@$(NEWEST)/bin/python -c 'import pandas, numpy, duckdb, splink, igraph; print("newest:", "pandas", pandas.__version__, "numpy", numpy.__version__, "duckdb", duckdb.__version__, "splink", splink.__version__, "igraph", igraph.__version__)'
	$(call run_pytest,$(NEWEST)/bin/python -m pytest $(PYTEST_OPTS) tests/resolve tests/network $(PYTEST_ARGS))

check: install-dev
	@$(STEP) "the format check" "Run make fmt." $(BIN)/ruff format --check $(LINT_PATHS)
	@$(STEP) "the lint" "Run make fmt, then fix what it leaves." $(BIN)/ruff check $(LINT_PATHS)
	@$(STEP) "the type check" "Fix the errors mypy names above." $(BIN)/mypy
	$(MAKE) --no-print-directory test

fmt: install-dev
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# Refresh the lock, then refuse it if a test-only package holds a runtime one back: the
# runtime packages must resolve to the same versions with and without the dev extra. uv's own
# pin is rewritten with fresh hashes for the version named in scripts/uv-requirements.txt
# (edit that line to move uv).
UV_VERSION = $(shell sed -n 's/^uv==\([^ ;]*\).*/\1/p' scripts/uv-requirements.txt)
lock: $(UV)
	@$(STEP) "refreshing uv.lock" "$(NO_NETWORK_HINT)" $(UV) lock --upgrade
	@$(STEP) "checking that test packages hold no runtime package back" \
		"A dev package caps a runtime one: move it to a benchmark environment or ship its data." \
		scripts/check-lock.sh $(UV)
	@{ sed -n '1,2p' scripts/uv-requirements.txt; echo "uv==$(UV_VERSION)" \
		| $(UV) pip compile - --quiet --generate-hashes --universal --no-header; } > $(UV_VENV)/uv.txt
	@mv $(UV_VENV)/uv.txt scripts/uv-requirements.txt

# Every locked runtime wheel and Vínculo's own (front-end included) in one directory that
# installs with `pip install --no-index` on a machine without network (docs/operations.md).
# A wheel built here from a locked source archive is kept in WHEEL_CACHE and used again while
# the lock, the Python and the system ICU stay the same (scripts/wheel-cache.py checks them and
# the wheel's own hash); WHEEL_CACHE= turns that off. It lives in the user's cache, as pip's
# does, so a new clone of the same machine does not compile PyICU again.
WHEELHOUSE ?= wheelhouse
WHEEL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vinculo/wheels
wheelhouse: $(UV) assets
	rm -rf $(WHEELHOUSE) && mkdir -p $(WHEELHOUSE)
	$(UV) export --frozen --quiet --no-dev --no-emit-project --format requirements-txt \
		-o $(WHEELHOUSE)/requirements.txt
	$(PYTHON) scripts/wheel-cache.py take $(WHEELHOUSE) "$(WHEEL_CACHE)" "$(VENV)" "$$($(UV) cache dir)"
	@# pip wheel: the locked wheels as they are, and a wheel built here for a package that
	@# publishes only its source (PyICU), so the closed machine needs no compiler.
	@$(STEP) "gathering the locked wheels" "$(NO_NETWORK_HINT)" \
		$(PYTHON) -m pip wheel --disable-pip-version-check -q --no-deps \
			--require-hashes -r $(WHEELHOUSE)/fetch.txt -w $(WHEELHOUSE)
	rm $(WHEELHOUSE)/fetch.txt
	$(PYTHON) scripts/wheel-cache.py keep $(WHEELHOUSE) "$(WHEEL_CACHE)"
	$(PYTHON) scripts/wheelhouse-hashes.py $(WHEELHOUSE)
	@$(STEP) "building Vínculo's wheel" "See the error above." \
		$(UV) build --quiet --wheel --out-dir $(WHEELHOUSE)
	@cp scripts/install-offline.sh $(WHEELHOUSE)/install.sh
	@echo "$(WHEELHOUSE)/: $$(ls $(WHEELHOUSE)/*.whl | wc -l) wheels, $$(du -sh $(WHEELHOUSE) | cut -f1). Copy it across, then: sh $(WHEELHOUSE)/install.sh DIR"

# Every bench/*.py (not _helpers.py) with the venv's Python; fails if any one fails.
bench: install-dev assets
	@failed=""; found=0; \
	for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		case "$$(basename "$$script")" in _*) continue ;; esac; \
		found=1; echo "== $$script"; \
		$(PY) "$$script" || failed="$$failed $$script"; \
	done; \
	if [ "$$found" -eq 0 ]; then echo "No bench/*.py scripts yet."; fi; \
	if [ -n "$$failed" ]; then echo "Failed:$$failed" >&2; exit 1; fi

# The benchmark environment: the locked runtime and Vínculo itself, plus what only the
# benchmarks need (bench/requirements.txt, hashed, within the lock's versions): pseudopeople
# for bench/er_cli.py stays out of uv.lock and the dev extra.
BENCH_VENV := var/bench-venv
bench-env: $(UV)
	rm -rf $(BENCH_VENV)
	@$(STEP) "making $(BENCH_VENV)" "Check that '$(PYTHON) -m venv' works." $(UV) venv --quiet $(BENCH_VENV)
	@$(STEP) "installing the locked runtime packages into $(BENCH_VENV)" "$(NO_NETWORK_HINT)" \
		env UV_PROJECT_ENVIRONMENT=$(BENCH_VENV) $(UV) sync --frozen --quiet
	@$(STEP) "installing bench/requirements.txt" "$(NO_NETWORK_HINT)" \
		env VIRTUAL_ENV=$(BENCH_VENV) $(UV) pip install --quiet --require-hashes -r bench/requirements.txt
	@echo "$(BENCH_VENV) is ready: $(BENCH_VENV)/bin/python bench/er_cli.py"
