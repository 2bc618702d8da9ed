# The two commands: `make demo` (the demo city on http://127.0.0.1:8000) and `make test`.
# Both create .venv and install the pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean vendor

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Townhall needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/townhall demo

test: $(STAMP)
	$(BIN)/python scripts/run_tests.py

# Refresh townhall/portal/static/vendor/ from the npm pins in package-lock.json. Needs npm;
# the vendored copies are committed, so `make demo` and `make test` do not.
vendor: $(STAMP)
	npm ci --ignore-scripts --no-audit --no-fund
	$(BIN)/python scripts/vendor_assets.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
