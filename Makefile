# Two commands: `make run` serves the mock, `make test` runs the suite. Both build .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test check bench clean

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
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n auto --dist loadfile

check: $(VENV)/.installed
	$(BIN)/mockserver check

bench: $(VENV)/.installed
	PATH="$(BIN):$$PATH" $(BIN)/python bench/run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
