# Two commands for a fresh machine (Python 3.11, pip and make):
#   make run    install, build the index if needed, start the app
#   make test   install, then run every test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1

.PHONY: install browser services index run test check evaluate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU build from this machine's disk first, so nothing pulls a CUDA torch.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The default embedding model is the bundled all-MiniLM-L6-v2 fine-tuned on
# the labelled questions in learn/sen_training.jsonl (learn/tune.py): fitted
# once, about 3 minutes on 2 cores, and kept in .cache/models under a name that
# changes with its training pairs. When it is there this takes a moment.
install: $(STAMP)
	$(PY) -m learn.tune

# The browser test drives Debian's Chromium with Playwright (never
# `playwright install`) and checks the page with axe-core from npm.
CHROMIUM := /usr/bin/chromium
AXE_VERSION := 4.14.1
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is missing: run 'sudo apt-get install -y chromium', then 'make test' again." >&2; exit 1; fi

$(AXE):
	npm install --no-save --silent --prefix $(VENV)/axe axe-core@$(AXE_VERSION)

browser: $(CHROMIUM) $(AXE)

# Real servers the tests start on loopback, from Debian's packages as Chromium
# is: PostgreSQL for the shared feedback store (tests/test_feedback_store.py)
# and nginx in front of two app servers (tests/test_deploy.py, docs/DEPLOY.md).
POSTGRES := /usr/lib/postgresql
NGINX := /usr/sbin/nginx

$(POSTGRES) $(NGINX):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql nginx-light >/dev/null; \
	else echo "PostgreSQL or nginx is missing: run 'sudo apt-get install -y postgresql nginx-light', then 'make test' again." >&2; exit 1; fi

services: $(POSTGRES) $(NGINX)

index: install
	$(PY) -m ingest

run: index
	$(VENV)/bin/streamlit run app.py

# Every test, on every core: one test file per worker at a time (--dist
# loadfile), so a file's server or index is started once and shared by its
# tests. Any test also runs alone: pytest tests/test_x.py::test_y.
TEST_WORKERS ?= auto
test: install browser services
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Quick rounds while working: every test that loads no model and starts no
# browser (tests using the real index or engine are marked `model` by
# tests/conftest.py), in well under a minute. `make test` still runs them all.
check: install
	$(PY) -m pytest -q -m "not model and not browser"

evaluate: index
	$(PY) -m learn.evaluate --gold ../shared/eval/dev.jsonl

# Speed, memory and scale beside a naive baseline (docs/PERFORMANCE.md); about
# 17 minutes on 2 cores, and it needs Chromium for the app's memory.
bench: install browser
	$(PY) -m bench

clean:
	rm -rf $(VENV) .cache index/manifest.json index/builds
