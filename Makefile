# Tsuyama Portal: the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint bench system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

## Install, then run the app with its embedded backend and demo data (ARGS="--mode kiosk" ...)
run: $(STAMP)
	$(PY) -m app $(ARGS)

system-deps:
	./scripts/install-system-deps.sh

## Install everything the tests need (Python packages, Chromium, fonts), check the import
## contracts and types (docs/adr/0024-boundaries-checked-by-tools.md) and run the whole suite
test: $(STAMP) system-deps
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m tests.bench startup

clean:
	rm -rf $(VENV) test-artifacts
