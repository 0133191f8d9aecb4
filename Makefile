# Dosing Diary: `make run` (SQLite, demo data, API + scheduler) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test test-anydate test-postgres lint bench attack

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

# The SQLite suite with the machine's clock moved to awkward instants (a leap day's last half hour,
# a US spring-forward night, New Year's Eve): no test may depend on the real date (see
# tests/conftest.py), and these runs keep it so. The clock is moved with datefudge (Debian package
# `datefudge`, LD_PRELOAD): it moves the wall clock and lets it run, and leaves the monotonic clock,
# sleeps and timed waits alone. libfaketime 0.9.10 (Debian 12) cannot: with
# FAKETIME_DONT_FAKE_MONOTONIC=1 every time.sleep() fails with EINVAL, without it timed waits hang.
ANYDATE_INSTANTS ?= 2028-02-29T23:30:00 2027-03-14T06:45:00 2026-12-31T23:50:00
test-anydate: install
	@command -v datefudge >/dev/null || { echo "datefudge is missing: apt-get install -y datefudge"; exit 1; }
	@for instant in $(ANYDATE_INSTANTS); do \
	  echo "== make test with the machine clock at $$instant UTC"; \
	  TZ=UTC datefudge "$$(echo $$instant | tr T ' ')" $(BIN)/pytest -q -p no:cacheprovider || exit 1; \
	done

test-postgres: install
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q

lint: install
	$(BIN)/ruff check backend tests bench migrations
	$(BIN)/mypy

# The out-of-process attack run (issue 12): quick mode for CI; ATTACK_ARGS= for the full run.
ATTACK_ARGS ?= --quick
attack: install
	$(BIN)/python bench/attack.py $(ATTACK_ARGS)

bench: install
	$(BIN)/python bench/diary_load.py
	$(BIN)/python bench/scheduler_scale.py
	$(BIN)/python bench/tick_replay.py
