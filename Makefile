# The two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BASE   := $(VENV)/.installed-base
DEV    := $(VENV)/.installed-dev
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test bench lint client clean

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

## test: install the dev extras; ruff, mypy, the import contracts and the whole pytest suite (SQLite + PostgreSQL)
test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

## bench: the benchmarks under bench/, tables written to bench/results/
bench: $(DEV)
	$(BIN)/python bench/dispatch_scale.py --city-day 100000
	$(BIN)/tiffin bench dispatch
	$(BIN)/python bench/dispatch_gap.py
	$(BIN)/python bench/api_orders.py
	$(BIN)/python bench/notify_latency.py
	$(BIN)/python bench/risk.py
	$(BIN)/tiffin simulate campus --scenario fraud-ring --seed 1 --json > bench/results/risk_fraud_ring.json
	$(BIN)/python bench/telemetry.py
	$(BIN)/python bench/overload.py
	$(BIN)/tiffin simulate campus --scenario storm-lunch --json > bench/results/care_storm_lunch.json
	$(BIN)/python bench/sentiment.py

## client: the OpenAPI document in build/openapi.json and a Python client generated from it in build/tiffin_client (not committed)
client: $(DEV)
	$(BIN)/tiffin openapi --output build/openapi.json
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate --path build/openapi.json \
		--output-path build/tiffin_client --meta none --overwrite

lint: $(DEV)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy && $(BIN)/lint-imports

clean:
	rm -rf $(VENV) build tiffin.db tiffin.db-wal tiffin.db-shm .pytest_cache .mypy_cache .ruff_cache
