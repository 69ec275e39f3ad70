# Everyday commands. `make run` and `make test` are all a new machine needs (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-dates lint typecheck check-migrations bench audit clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Highland needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	@touch $@

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	@touch $@ $(RUN_STAMP)

# Python's compiled modules of the source tree, written even where PYTHONDONTWRITEBYTECODE is
# set (Python still reads them): without them every `highland` process compiles ≈ 300 modules
# again (≈ 1 s of its start). Up-to-date files are only looked at (≈ 0.1 s).
COMPILE = $(BIN)/python -m compileall -q src

# One process: the demo is loaded only into an empty registry, then the platform serves.
run: $(RUN_STAMP)
	@$(COMPILE)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/highland serve --demo-if-empty

# The suite in TEST_WORKERS processes (pytest-xdist; each on databases, ports and folders of
# its own; the browser tests together in one of them). TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: $(TEST_STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy src
	@$(COMPILE)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

# The whole suite with the process clock at the turn of a year, 10:00 Beijing time on each day
# of TEST_DATES, under Debian's faketime (apt-get install faketime): tests must not depend on
# today. Not part of CI, which runs the suite at the real date. PYTEST_ARGS narrows a run.
TEST_DATES ?= 2026-12-28 2027-01-04
PYTEST_ARGS ?=
test-dates: $(TEST_STAMP)
	@$(COMPILE)
	@command -v faketime >/dev/null || { echo "make test-dates needs faketime (apt-get install faketime)"; exit 1; }
	@failed=""; for day in $(TEST_DATES); do \
	  echo "=== the suite with the clock at $$day 10:00 Beijing time (faketime) ==="; \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -m "$$day 10:00:00 +0800" \
	    $(BIN)/pytest $(PYTEST_ARGS) || failed="$$failed $$day"; \
	done; \
	if [ -n "$$failed" ]; then echo "!!! the suite failed with the clock at:$$failed"; exit 1; fi; \
	echo "=== the suite passed with the clock at: $(TEST_DATES) ==="

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)

typecheck: $(TEST_STAMP)
	$(BIN)/mypy src

# Known vulnerabilities in the pinned set (pip-audit, in a venv of its own; .ci/audit.py).
AUDIT_VENV := .venv-audit
$(AUDIT_VENV)/.installed: constraints.txt
	$(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install -q -c constraints.txt pip-audit
	@touch $@

audit: $(AUDIT_VENV)/.installed
	$(AUDIT_VENV)/bin/python .ci/audit.py

bench: $(TEST_STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(AUDIT_VENV) var highland.db highland.db-wal highland.db-shm
