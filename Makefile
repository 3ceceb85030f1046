# IceSurf API: `make run` serves the app locally, `make test` runs the test suite.
# Both set everything up on a fresh machine (Python 3.11, Node.js 20, make): virtualenv, pip, npm.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_PY  := $(VENV)/.installed
STAMP_NPM := node_modules/.installed
STAMP_IAC := .venv-iac/.installed

.PHONY: setup browser run test bench soak clean help

help:
	@echo "make run    - Azurite + default models + local Functions host on http://localhost:7071/api"
	@echo "make test   - the whole test suite (starts its own Azurite and hosts on free ports)"
	@echo "make bench  - the benchmarks in bench/ (ratios against baselines measured in the same run)"
	@echo "make soak   - the bounded load run (60 s, 32 clients, loopback only)"

setup: $(STAMP_PY) $(STAMP_NPM) $(STAMP_IAC) browser

# Debian's chromium for the browser test of the page (tests/ui); a no-op once installed.
browser:
	bash scripts/install-browser.sh

$(STAMP_PY): requirements.txt requirements-dev.txt devserver/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# IaC linters (checkov, kubernetes-validate, hadolint) in their own venv: checkov's pins clash with the app's.
$(STAMP_IAC): requirements-iac.txt
	test -x .venv-iac/bin/python || $(PYTHON) -m venv .venv-iac
	.venv-iac/bin/python -m pip install --quiet --upgrade pip
	.venv-iac/bin/python -m pip install --quiet -r requirements-iac.txt
	touch $@

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(BIN)/python -m tools.run_local

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

soak: setup
	$(BIN)/python -m bench.soak

clean:
	rm -rf .azurite .cache build artifacts .pytest_cache
