# Two entry points: `make run` (demo on embedded defaults) and `make test` (PostgreSQL + Redis).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= --reuse-db
# Test processes (pytest-xdist), each with its own test database; tests/conftest.py shares the work.
PYTEST_WORKERS ?= 2

.PHONY: install run test worker lint format migrate seed schema clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --port $(PORT)

# The dev server, plus the periodic tasks (card payment expiry, ledger check) in-process while no
# broker is configured; Ctrl-C stops both.
run: seed
	$(BIN)/python manage.py serve $(HOST):$(PORT)

test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Celery worker with the beat scheduler embedded; needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0).
worker: install
	$(BIN)/celery -A config worker --beat --loglevel=INFO

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file var/openapi.yml

clean:
	rm -rf var/portail.sqlite3 var/media var/private var/static
