# Two commands: `make run` serves the mock, `make test` runs the suite. Both build .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test check bench clean system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/mockserver serve --host $(HOST) --port $(PORT)

# One worker per core, a test file per worker: the corpus fuzzing waits on its server most of
# the time, so it runs beside the rest of the suite instead of after it.
test: $(VENV)/.installed .venv-agno/.installed system-packages
	$(BIN)/python -m pytest -n auto --dist loadfile

# The real Agno AgentOS for the differential test, in its own environment (its FastAPI stack
# is not ours to pin).
.venv-agno/.installed: tests/vendors/agno-requirements.txt
	$(PYTHON) -m venv .venv-agno
	.venv-agno/bin/python -m pip install --quiet -r tests/vendors/agno-requirements.txt
	touch $@

# The suite starts a real redis-server (the shared state of several mock processes); Debian's
# package is installed when it is missing (as root, or through sudo).
system-packages:
	@command -v redis-server >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends redis-server >/dev/null 2>&1 || \
	  { $$SUDO apt-get update >/dev/null && $$SUDO apt-get install -y --no-install-recommends redis-server >/dev/null; }; }
	@command -v redis-server >/dev/null || { echo "make: redis-server is required by the tests (Debian package redis-server)"; exit 1; }

check: $(VENV)/.installed
	$(BIN)/mockserver check

bench: $(VENV)/.installed
	PATH="$(BIN):$$PATH" $(BIN)/python bench/run

clean:
	rm -rf $(VENV) .venv-agno build *.egg-info .pytest_cache .hypothesis
