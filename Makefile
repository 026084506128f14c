# Vårdförmedlingstjänsten – the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev browser softhsm lint typecheck format bench bench-pkcs11 load-test worker beat clean screenshots

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q ".[dev]"
	touch $@

install: $(VENV)/.installed

# The load test's extra (locust from PyPI) on top of dev; rebuilt whenever pyproject.toml or the dev install is.
$(VENV)/.installed-load: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q ".[dev,load]"
	touch $@

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

# Debian's softhsm2: the PKCS#11 token the tests keep the regions' keys in (NYCKELTJANST=pkcs11). Not for make run.
softhsm:
	@command -v softhsm2-util >/dev/null 2>&1 || { \
	  echo "Installerar Debians softhsm2 för nyckeltesterna…"; \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >/dev/null; fi; }

run: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install browser softhsm node_modules/.installed
	$(PY) scripts/check_services.py
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(MAKE) --no-print-directory typecheck

# mypy with django-stubs over every project package ([tool.mypy] in pyproject.toml; tests and scripts excluded).
# The incremental cache in .mypy_cache makes a re-run take seconds.
typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks against PostgreSQL (DATABASE_URL, default vf_bench; seeded with seed_scale when empty) →
# bench/RESULTS.md; exit code 1 when a scenario fails or misses its target. Not part of CI.
# Quick run: make bench BENCH_ARGS="--scale 0.1". The worklist and case page also run with the region keys in
# SoftHSM tokens (issue 16 point 7, database <name>_pkcs11); alone: make bench-pkcs11 (PKCS11_ARGS="--scale 1").
bench: install softhsm
	$(PY) bench/run_all.py $(BENCH_ARGS)

bench-pkcs11: install softhsm
	$(PY) bench/identitet_pkcs11.py $(PKCS11_ARGS)

# Locust, 50 different signed-in navigators/coordinators against gunicorn (2 workers per core), PostgreSQL and
# Redis on loopback for 60 s, then /healthz for the ratio → bench/load/RESULTS.md; exit code 1 on any error.
# Database as for bench (seeded when empty). Quick run: make load-test LOAD_ARGS="--scale 0.1 --duration 20s".
# The realistic profile (users of every role with think time, ramped until p95 > 300 ms: the users served):
# make load-test LOAD_ARGS="--profil realistisk" (bench/load/run_realistisk.py; smoke: add --scale 0.1 --start 10
# --steg 10 --max 20 --steg-tid 20s --uppvarmning 5s).
load-test: $(VENV)/.installed-load
	$(PY) bench/load/run.py $(LOAD_ARGS)

# A screenshot of every main page per demo identity at 1366 and 390 px → screenshots/ (not committed), for review.
screenshots: install browser
	$(PY) scripts/screenshots.py $(SCREENSHOT_ARGS)

worker: install
	$(VENV)/bin/celery -A vardformedling worker -l info

beat: install
	$(VENV)/bin/celery -A vardformedling beat -l info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
