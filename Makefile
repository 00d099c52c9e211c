# Two commands matter: `make run` (extract data/raw into data/processed) and `make test`.
# Python 3.11 or newer: python3.11 when it is on PATH, else python3 (checked before use).
PYTHON ?= $(shell command -v python3.11 || command -v python3 || echo python3.11)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INPUT ?= data/raw
OUT ?= data/processed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 180

.PHONY: run test lint setup clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "make: $(PYTHON) is missing or older than Python 3.11; install Python 3.11 or run: make PYTHON=/path/to/python3.11" >&2; \
	  exit 2; }
	@test -x $(BIN)/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); } || { rm -rf $(VENV); \
	  echo "make: $(PYTHON) -m venv failed; install Python's venv module (Debian/Ubuntu: apt-get install python3.11-venv)" >&2; \
	  exit 2; }
	@echo "installing the project and its dependencies into $(VENV) (once; a minute or two)"
	@# -qq: errors only; pip's and setuptools' warnings are nothing a user of `make run` can act on.
	$(BIN)/pip install --quiet --quiet --upgrade pip
	$(BIN)/pip install --quiet --quiet -e '.[test,ocr]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/ogi extract $(INPUT) --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check flows extractors schemas tests benchmarks

clean:
	rm -rf $(VENV) .prefect .pytest_cache
