# Dosing Diary: `make run` (SQLite, demo data, API + scheduler) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test test-postgres lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/flask --app backend db upgrade
	$(BIN)/flask --app backend seed-demo
	$(BIN)/python -m backend.devserver

test: install
	$(BIN)/pytest -q

test-postgres: install
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q

lint: install
	$(BIN)/ruff check backend tests bench migrations

bench: install
	$(BIN)/python bench/diary_load.py
	$(BIN)/python bench/scheduler_scale.py
	$(BIN)/python bench/tick_replay.py
