# Vårdförmedlingstjänsten – the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev browser lint format bench load-test worker beat clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q ".[dev]"
	touch $@

install: $(VENV)/.installed

# axe-core for the accessibility checks in the browser tests (npm registry; nothing else is downloaded).
node_modules/.installed: package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

# Debian's chromium for the browser tests (never `playwright install`: no downloads at run time).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installerar Debians chromium för webbläsartesterna…"; \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

run: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install browser node_modules/.installed
	$(PY) scripts/check_services.py
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks against PostgreSQL (seeds vf_bench with seed_scale when empty) → bench/RESULTS.md. Not part of CI.
bench: install
	$(PY) bench/run_all.py $(BENCH_ARGS)

# 50 simulated navigators against gunicorn on loopback for 60 s → bench/load/RESULTS.md. Not part of CI.
load-test: install
	$(PY) bench/load/run.py

worker: install
	$(VENV)/bin/celery -A vardformedling worker -l info

beat: install
	$(VENV)/bin/celery -A vardformedling beat -l info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
