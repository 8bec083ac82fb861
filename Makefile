# One task runner for people and CI. Every target installs what it needs first, so
# `make demo` and `make test` work on a fresh machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean services

$(STAMP): pyproject.toml constraints.txt scripts/system-deps.sh
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	scripts/system-deps.sh
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,video]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/rescue demo

services:
	@scripts/services.sh

test: install services
	$(BIN)/pytest -n 2 --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install services
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,video,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-case demo-forum
