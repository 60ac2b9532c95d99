# `make demo` and `make test` work on a fresh machine: the virtual environment is
# created and the project installed with its extras on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-deps lint install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check radps_seq cascades tests benchmarks

# System packages the service tests use: a PostgreSQL server (started by the tests in a
# temporary folder) and Debian's chromium (driven by Playwright). Installed once, as root.
test-deps:
	@if command -v chromium >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  postgresql chromium >/dev/null; fi

# The suite runs with bytecode caching on, as users run: an environment that sets
# PYTHONDONTWRITEBYTECODE would hide stale-.pyc bugs.
test: lint test-deps
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

demo: $(STAMP)
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) build *.egg-info
