# `make demo` and `make test` work on a fresh machine: the virtual environment is
# created and the project installed with its extras on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check radps_seq cascades tests benchmarks

# The suite runs with bytecode caching on, as users run: an environment that sets
# PYTHONDONTWRITEBYTECODE would hide stale-.pyc bugs.
test: lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

demo: $(STAMP)
	bash scripts/demo.sh

clean:
	rm -rf $(VENV) build *.egg-info
