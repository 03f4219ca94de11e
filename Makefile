# tcplab — the two commands a newcomer needs are `make lab` and `make test`.
# Everything else (uv, the virtual environment, Graphviz) is installed on demand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
TOOLS  := .tools
# Use uv from PATH when there is one; otherwise bootstrap it into a private venv
# (Debian's system Python is "externally managed", so no global pip install).
UV     := $(or $(shell command -v uv 2>/dev/null),$(TOOLS)/bin/uv)
RUN    := $(UV) run --locked --no-sync

# Never let uv download a Python: use the machine's python3 (>= 3.11).
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# Quiet notebooks and tests. Nothing exported here may change how a kernel displays: no
# MPLBACKEND (tests pick their backend inside the test process, tests/conftest.py).
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export JUPYTER_PLATFORM_DIRS := 1

# make lab PORT=8899 LAB_ARGS="--no-browser"  (LAB_ARGS: any extra `jupyter lab` options)
PORT     ?= 8888
LAB_ARGS ?=

.PHONY: help lab test lint typecheck pytest bench exercises site site-instructor site-clean env tools clean

help:
	@echo "make lab        start JupyterLab on the course (PORT=8888, LAB_ARGS=extra options)"
	@echo "make test       lint, type-check and run every test (incl. notebooks)"
	@echo "make bench      run the benchmarks, print a table, write bench-results.json"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make site       build the student site (no solutions) into docs/_build/html"
	@echo "make site-instructor  the same plus solutions and grading, into docs/_build/instructor"

$(TOOLS)/bin/uv:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "tcplab needs Python >= 3.11; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; exit 1; }
	@$(PYTHON) -m venv $(TOOLS) 2>/dev/null || { \
	  echo "tcplab: python3 cannot create a venv; installing python3-venv ..."; \
	  (command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null) || \
	  { echo "tcplab: install your distribution's python3-venv package, then run make again."; exit 1; }; \
	  $(PYTHON) -m venv $(TOOLS); }
	@$(TOOLS)/bin/pip install -q --disable-pip-version-check uv

# The environment: re-synced whenever the lock or the project changes.
.venv/.synced: pyproject.toml uv.lock | $(UV)
	@$(UV) sync --locked --quiet
	@touch $@

env: .venv/.synced

tools:
	@scripts/ensure-tools.sh dot

# The same launcher the browser test starts (tests/test_browser.py).
lab: env tools
	@scripts/ensure-tools.sh cjk-font
	PORT=$(PORT) scripts/lab.sh $(LAB_ARGS)

lint: env
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: env
	$(RUN) mypy tcplab

pytest: env
	@scripts/ensure-tools.sh dot tshark chromium cjk-font npm ip || exit 1
	$(RUN) pytest -n 2

test: lint typecheck pytest

bench: env tools
	$(RUN) python -m bench

exercises: env
	$(RUN) python scripts/make_exercises.py

# Two sites from one source: the students' (no solutions, no grading material) and the
# instructors' (everything), in separate folders. The vendor step runs first so that,
# offline, the build stops within a minute with one line naming what to fetch once.
site: env tools
	@scripts/ensure-tools.sh npm
	@$(RUN) python docs/vendor/stage.py >/dev/null
	$(RUN) sphinx-build -W --keep-going -b html docs docs/_build/html

site-instructor: env tools
	@scripts/ensure-tools.sh npm
	@$(RUN) python docs/vendor/stage.py >/dev/null
	$(RUN) sphinx-build -W --keep-going -t instructor -b html docs docs/_build/instructor

site-clean:
	rm -rf docs/_build

clean:
	rm -rf .venv $(TOOLS) docs/_build .pytest_cache .mypy_cache .ruff_cache
