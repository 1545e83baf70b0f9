# tlwidgets: `make lab` opens the course, `make test` runs every check. `make help` lists all.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
LAB_ARGS ?=
LESSON ?=
APP_ARGS ?=
BENCH ?=
BUILD_DATA ?= $(VENV)/bin/python -m tlwidgets.data build
# The room cache `make cache` writes and `make lab` unpacks (checked first) when it is there;
# a CACHE_ARCHIVE given on the command line or in the environment must be there.
CACHE_ARCHIVE ?= tlwidgets-cache.tar.gz
UNPACK_CACHE = $(if $(filter file,$(origin CACHE_ARCHIVE)),[ ! -f '$(CACHE_ARCHIVE)' ] ||) \
	$(VENV)/bin/python -m tlwidgets.data unpack '$(CACHE_ARCHIVE)'

# pip runs again only when pyproject.toml is newer than this stamp, so a set-up venv is reused.
STAMP := $(VENV)/.tlwidgets-installed
# jupyter refuses to start as root (CI, containers) unless told it is fine.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv lab test bench clean-cache cache student app site

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo '  variables: PYTHON=$(PYTHON) VENV=$(VENV) LAB_ARGS="..." BENCH=bench_<name> LESSON=01 APP_ARGS="..."'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The lab settings override keeps JupyterLab from fetching news or update notices: offline.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

$(STAMP): pyproject.toml jupyter/overrides.json | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,nlp,app,hub]'
	install -D -m 644 jupyter/overrides.json $(LAB_SETTINGS)
	touch $@

venv: $(STAMP) ## Create .venv and install the course into it (only what changed)

lab: venv ## Set up, build the datasets, open JupyterLab on notebooks/00_start_here.ipynb
	$(UNPACK_CACHE)
	$(BUILD_DATA)
	cd notebooks && exec $(abspath $(VENV))/bin/jupyter lab $(ALLOW_ROOT) \
	  --LabApp.extension_manager=readonly $(LAB_ARGS) 00_start_here.ipynb

# JupyterHub's proxy for the class test (tests/hub/), pinned by package-lock.json; without npm
# the test skips and says why.
HUB_PROXY := classroom/jupyterhub/node_modules/.bin/configurable-http-proxy
$(HUB_PROXY): classroom/jupyterhub/package-lock.json
	npm ci --prefix classroom/jupyterhub --no-audit --no-fund
	touch $@

test: venv $(if $(shell command -v npm),$(HUB_PROXY)) ## Set up, build the datasets, lint, run every test (notebooks in smoke mode)
	$(BUILD_DATA)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest tests/

bench: venv ## Run the benchmarks (all, or BENCH=bench_fit) and rewrite BENCHMARKS.md
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,nlp,bench]'
	$(VENV)/bin/python bench/run_all.py $(BENCH)

clean-cache: ## Delete the generated dataset cache (datasets/cache)
	rm -rf datasets/cache

# `make cache` once on the instructor's machine; copy the archive next to every laptop's
# Makefile (or pass CACHE_ARCHIVE=path) and `make lab` installs it instead of building.
cache: venv ## Build datasets + lesson 05 embeddings into one archive for a room (CACHE_ARCHIVE)
	$(BUILD_DATA)
	$(VENV)/bin/python -m tlwidgets.analysis.lesson_embeddings
	$(VENV)/bin/python -m tlwidgets.data pack '$(CACHE_ARCHIVE)'

student: venv ## Write the student editions of the notebooks (solutions left out) to student/
	$(VENV)/bin/python -m tlwidgets.classroom.student --source notebooks --out student

# `make site`: every lesson executed in full mode (as long as running them all: 22 min for
# 7.6 MB on 2 cores, 2026-12-07) and written as static HTML to site/ (index.html first), widgets
# in their final state; it loads nothing online, so site/ can be copied to any laptop and read
# offline.
site: venv ## Execute every lesson and write the course as a static HTML site to site/
	$(BUILD_DATA)
	$(VENV)/bin/python -m tlwidgets.classroom.site --source notebooks --out site

# `make app LESSON=01`: that lesson's main widget alone on a Voila page (code cells hidden), for
# projector demos, offline: jupyter/voila/templates/tlwidgets-app is Voila's lab template without
# its CDN links. A browser tab opens unless APP_ARGS="--no-browser". LESSON is checked when the
# goal is parsed, so a bad one fails before any set-up.
APP_NOTEBOOK = $(wildcard apps/$(LESSON)_*.ipynb)
APP_LESSONS = $(sort $(foreach nb,$(wildcard apps/*_*.ipynb),$(firstword $(subst _, ,$(notdir $(nb))))))
ifneq ($(filter app,$(MAKECMDGOALS)),)
ifneq ($(words $(APP_NOTEBOOK)),1)
$(error LESSON="$(LESSON)" names no app in apps/: use make app LESSON=<one of $(APP_LESSONS)>)
endif
endif

app: venv ## Set up, build the datasets, show one lesson's widget as a Voila page (LESSON=01)
	$(BUILD_DATA)
	JUPYTER_PATH=$(abspath jupyter)$${JUPYTER_PATH:+:$$JUPYTER_PATH} exec $(VENV)/bin/voila \
	  --template=tlwidgets-app --Voila.ip=127.0.0.1 $(APP_ARGS) $(APP_NOTEBOOK)

# `make hub` (as root, on the class's server): the datasets and student editions, then
# JupyterHub with classroom/jupyterhub/jupyterhub_config.py; its database and cookie secret go
# to classroom/jupyterhub/state/. docs/jupyterhub.md: accounts, limits, sizing, TLJH and Z2JH.
.PHONY: hub
hub: venv $(HUB_PROXY) ## JupyterHub for a class on this machine (docs/jupyterhub.md)
	$(BUILD_DATA)
	$(VENV)/bin/python -m tlwidgets.classroom.student --source notebooks --out student
	mkdir -p classroom/jupyterhub/state
	cd classroom/jupyterhub/state && exec $(abspath $(VENV))/bin/jupyterhub \
	  -f ../jupyterhub_config.py
