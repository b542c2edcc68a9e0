# Vínculo — one entry point for set-up, the demo, tests and checks.
#
#   make demo    install everything and start the demo at http://127.0.0.1:8000
#   make test    install what the tests need (PostgreSQL, Chromium) and run every test
#   make check   ruff format --check, ruff, mypy, then make test
#   make fmt     ruff format and ruff check --fix
#   make bench   run every bench/*.py
#   make serve   start the server with the settings in the environment (VINCULO_*)
#
# Variables: PYTHON (default python3), PYTEST_ARGS (passed to pytest),
# VINCULO_TEST_POSTGRES_URL (set it to skip scripts/ensure-postgres.sh and use that database).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
PYTEST_ARGS ?=

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_INSTALL := $(VENV)/.vinculo-installed
STAMP_DEV := $(VENV)/.vinculo-installed-dev
STAMP_NPM := node_modules/.vinculo-npm-ci
STATIC := src/vinculo/web/static
ASSETS := $(STATIC)/css/pico.min.css $(STATIC)/css/app.css $(STATIC)/js/app.js $(STATIC)/css/graph.css $(STATIC)/js/graph.js
LINT_PATHS := $(wildcard src tests bench)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: help demo test check fmt bench serve install install-dev assets chromium java postgres

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

# --- Python -------------------------------------------------------------------------------

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Vínculo needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { \
		echo "python3 -m venv failed; installing Debian's python3-venv and trying again." >&2; \
		rm -rf $(VENV); \
		$(APT_GET) update -q && $(APT_GET) install -y -q python3-venv; \
		$(PYTHON) -m venv $(VENV); }

$(STAMP_INSTALL): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@ $(STAMP_INSTALL)

install: $(STAMP_INSTALL)
install-dev: $(STAMP_DEV)

# --- Front-end assets (built from npm packages; nothing from a CDN) -------------------------

$(STAMP_NPM): package-lock.json package.json
	@command -v npm >/dev/null || { \
		echo "npm not found; installing Debian's nodejs and npm." >&2; \
		$(APT_GET) update -q && $(APT_GET) install -y -q nodejs npm; }
	npm ci --no-audit --no-fund
	touch $@

$(ASSETS) &: $(STAMP_NPM) frontend/build.mjs frontend/app.css frontend/app.js frontend/graph.css frontend/graph.js
	npm run --silent build

assets: $(ASSETS)

# --- What the tests need from the machine ---------------------------------------------------

chromium:
	@if [ -x /usr/bin/chromium ]; then \
		echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null || echo present)"; \
	else \
		echo "/usr/bin/chromium missing; installing Debian's chromium." >&2; \
		$(APT_GET) update -q && $(APT_GET) install -y chromium; \
	fi

# Spark (the identity-resolution backend for large deployments) runs on Java 17 or newer.
java:
	@if command -v java >/dev/null; then \
		echo "java: $$(java -version 2>&1 | head -1)"; \
	else \
		echo "java missing; installing Debian's default-jre-headless (for Spark's local mode)." >&2; \
		$(APT_GET) update -q && $(APT_GET) install -y -q default-jre-headless; \
	fi

postgres:
	@scripts/ensure-postgres.sh

# --- Entry points ---------------------------------------------------------------------------

demo: $(STAMP_INSTALL) $(ASSETS)
	$(BIN)/vinculo demo

serve: $(STAMP_INSTALL) $(ASSETS)
	$(BIN)/vinculo serve

# pytest exits 5 when it collects no test; that is reported, not treated as a failure.
test: $(STAMP_DEV) $(ASSETS) chromium java
	@url="$${VINCULO_TEST_POSTGRES_URL:-}"; \
	if [ -z "$$url" ]; then url="$$(scripts/ensure-postgres.sh)"; fi; \
	export VINCULO_TEST_POSTGRES_URL="$$url"; \
	echo "VINCULO_TEST_POSTGRES_URL=$$VINCULO_TEST_POSTGRES_URL"; \
	status=0; $(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ "$$status" -eq 5 ]; then echo "pytest collected no tests." >&2; status=0; fi; \
	exit "$$status"

check: $(STAMP_DEV)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy
	$(MAKE) --no-print-directory test

fmt: $(STAMP_DEV)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# Every bench/*.py (not _helpers.py) with the venv's Python; fails if any one fails.
bench: $(STAMP_DEV) $(ASSETS)
	@failed=""; found=0; \
	for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		case "$$(basename "$$script")" in _*) continue ;; esac; \
		found=1; echo "== $$script"; \
		$(PY) "$$script" || failed="$$failed $$script"; \
	done; \
	if [ "$$found" -eq 0 ]; then echo "No bench/*.py scripts yet."; fi; \
	if [ -n "$$failed" ]; then echo "Failed:$$failed" >&2; exit 1; fi
