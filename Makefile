# Two commands for a fresh machine (Python 3.11, pip and make):
#   make run    install, build the index if needed, start the app
#   make test   install, then run every test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1

.PHONY: install index run test evaluate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU build from this machine's disk first, so nothing pulls a CUDA torch.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(PY) -m ingest

run: index
	$(VENV)/bin/streamlit run app.py

test: install
	$(PY) -m pytest -q

evaluate: index
	$(PY) -m qa.evaluate --gold ../shared/eval/dev.jsonl

clean:
	rm -rf $(VENV) index/manifest.json index/builds
