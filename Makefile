PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need Python 3.11 as '$(PYTHON)' (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(BIN)/labledger serve --bind 127.0.0.1:8000 --demo

# The linters run first: CI runs `make test`, so it runs them too. The suite
# runs in two processes, a test module in one of them whole (its servers and
# browser are module-scoped); `pytest` alone runs it in one.
test: lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# wrk (Debian's package) drives the HTTP benchmark: installed here when
# missing and we are root, else bench_http.py says it skipped and why.
# SQLite at a million events, PostgreSQL at a quarter of a million (8 minutes
# on the 2-core machine of the README's "Benchmarks", 15 on one a third as
# fast); BENCH_ARGS="--postgres-events 1000000" for both at a million.
BENCH_ARGS ?=
bench: $(STAMP)
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y -q wrk >/dev/null
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3*
