# Two commands: `make run` serves the mock, `make test` runs the suite. Both build .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test test-lowest lint check bench clean constraints system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The exact versions of constraints.txt: a run today installs what yesterday's did.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,dev]'
	touch $@

# Edits to the documents are served at once (--watch).
run: $(VENV)/.installed
	$(BIN)/mockserver serve --host $(HOST) --port $(PORT) --watch

# One worker per core, a test file per worker: the corpus fuzzing waits on its server most of
# the time, so it runs beside the rest of the suite instead of after it.
test: lint .venv-agno/.installed system-packages
	$(BIN)/python -m pytest -n auto --dist loadfile

# ruff (rules in pyproject.toml) and mypy --strict on the package.
lint: $(VENV)/.installed
	$(BIN)/ruff check mockserver tests
	$(BIN)/ruff format --check mockserver tests
	$(BIN)/mypy

# The same suite on the lowest version of every runtime dependency pyproject.toml allows.
LOWEST := .venv-lowest
test-lowest: $(LOWEST)/.installed .venv-agno/.installed system-packages
	$(LOWEST)/bin/python -m pytest -n auto --dist loadfile

$(LOWEST)/.installed: pyproject.toml constraints-lowest.txt
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --upgrade pip
	$(LOWEST)/bin/python -m pip install --quiet -c constraints-lowest.txt -e '.[test]'
	touch $@

# Rewrite constraints.txt with the newest versions pyproject.toml allows.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[test,dev]'
	{ echo "# Exact versions CI installs (make test): the newest allowed when this file was written."; \
	  echo "# Regenerate: make constraints (a fresh virtualenv, pip install -e '.[test,dev]', pip freeze)."; \
	  .venv-constraints/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-constraints

# The real Agno AgentOS for the differential test, in its own environment (its FastAPI stack
# is not ours to pin).
.venv-agno/.installed: tests/vendors/agno-requirements.txt
	$(PYTHON) -m venv .venv-agno
	.venv-agno/bin/python -m pip install --quiet -r tests/vendors/agno-requirements.txt
	touch $@

# The suite starts a real redis-server (the shared state of several mock processes) and drives
# a real chromium (the browser tests); Debian's packages are installed when missing (as root, or
# through sudo).
SYSTEM_PACKAGES := redis-server chromium

system-packages:
	@missing=""; for tool in $(SYSTEM_PACKAGES); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends $$missing >/dev/null 2>&1 || \
	  { $$SUDO apt-get update >/dev/null && $$SUDO apt-get install -y --no-install-recommends $$missing >/dev/null; }; \
	fi
	@for tool in $(SYSTEM_PACKAGES); do command -v $$tool >/dev/null || { echo "make: $$tool is required by the tests (Debian package $$tool)"; exit 1; }; done

check: $(VENV)/.installed
	$(BIN)/mockserver check

bench: $(VENV)/.installed
	PATH="$(BIN):$$PATH" $(BIN)/python bench/run

clean:
	rm -rf $(VENV) $(LOWEST) .venv-agno build *.egg-info .pytest_cache .hypothesis
