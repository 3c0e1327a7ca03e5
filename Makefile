# The two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BASE   := $(VENV)/.installed-base
DEV    := $(VENV)/.installed-dev
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BASE): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(BASE)

## run: install, migrate the embedded SQLite database, seed the demo campus, serve on :$(PORT)
run: $(BASE)
	$(BIN)/tiffin migrate
	$(BIN)/tiffin seed --demo --if-empty
	$(BIN)/tiffin serve --host $(HOST) --port $(PORT) --demo-day

## test: install the dev extras; ruff, mypy, and the whole pytest suite (SQLite + PostgreSQL)
test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

## bench: the benchmarks under bench/, tables written to bench/results/
bench: $(DEV)
	$(BIN)/python bench/dispatch_scale.py
	$(BIN)/tiffin bench dispatch
	$(BIN)/python bench/dispatch_gap.py
	$(BIN)/python bench/api_orders.py
	$(BIN)/python bench/notify_latency.py
	$(BIN)/python bench/overload.py
	$(BIN)/tiffin simulate campus --scenario storm-lunch --json > bench/results/care_storm_lunch.json

lint: $(DEV)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) tiffin.db tiffin.db-wal tiffin.db-shm .pytest_cache .mypy_cache .ruff_cache
