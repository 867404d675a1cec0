# Two commands for a fresh machine: `make chat` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install chat test lint bench browser clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,bench]'
	@touch $(STAMP)

install: $(STAMP)

chat: install
	$(BIN)/rag chat

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo ">> installing Debian chromium for the browser tests"; \
	  $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q chromium >/dev/null; } || \
	  echo "!! could not install chromium: browser tests will be SKIPPED"; }

test: install browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/rag eval --out benchmarks/results/dev_eval.json
	$(BIN)/python -m benchmarks.citation_check
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) .rag test-artifacts
