# tlwidgets: `make lab` opens the course, `make test` runs every check. `make help` lists all.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
LAB_ARGS ?=
BENCH ?=
BUILD_DATA ?= $(VENV)/bin/python -m tlwidgets.data build

# pip runs again only when pyproject.toml is newer than this stamp, so a set-up venv is reused.
STAMP := $(VENV)/.tlwidgets-installed
# jupyter refuses to start as root (CI, containers) unless told it is fine.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv lab test bench clean-cache

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo '  variables: PYTHON=$(PYTHON) VENV=$(VENV) LAB_ARGS="..." BENCH=bench_<name>'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The lab settings override keeps JupyterLab from fetching news or update notices: offline.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

$(STAMP): pyproject.toml jupyter/overrides.json | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,nlp]'
	install -D -m 644 jupyter/overrides.json $(LAB_SETTINGS)
	touch $@

venv: $(STAMP) ## Create .venv and install the course into it (only what changed)

lab: venv ## Set up, build the datasets, open JupyterLab on notebooks/00_start_here.ipynb
	$(BUILD_DATA)
	cd notebooks && exec $(abspath $(VENV))/bin/jupyter lab $(ALLOW_ROOT) \
	  --LabApp.extension_manager=readonly $(LAB_ARGS) 00_start_here.ipynb

test: venv ## Set up, build the datasets, lint, run every test (notebooks in smoke mode)
	$(BUILD_DATA)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest tests/

bench: venv ## Run the benchmarks (all, or BENCH=bench_fit) and rewrite BENCHMARKS.md
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,nlp,bench]'
	$(VENV)/bin/python bench/run_all.py $(BENCH)

clean-cache: ## Delete the generated dataset cache (datasets/cache)
	rm -rf datasets/cache
