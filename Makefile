# iofs — two commands to start: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := .make
VENDOR := src/iofs/vendor
ASSETS := node_modules/htmx.org/dist/htmx.min.js \
          node_modules/d3-array/dist/d3-array.min.js \
          node_modules/d3-geo/dist/d3-geo.min.js \
          node_modules/topojson-client/dist/topojson-client.min.js \
          node_modules/world-atlas/countries-50m.json

.PHONY: install run test coverage test-sqlite lint format fuzz clean help

help:
	@echo "make run    install, migrate, load reference data, serve on http://127.0.0.1:8000"
	@echo "make test   install, then the whole test suite (SQLite; PostgreSQL too when"
	@echo "            IOFS_TEST_DATABASE_URL is set)"
	@echo "make coverage  the same suite under coverage.py, then the line coverage of src/iofs"
	@echo "make lint   ruff (check + format), mypy, import contracts (import-linter)"
	@echo "make format ruff --fix and ruff format"
	@echo "make fuzz   longer randomised fuzzing: every API operation, every importer, hostile"
	@echo "            uploads (FUZZ_EXAMPLES per case, default 100)"

install: $(STAMPS)/python $(STAMPS)/assets

$(STAMPS):
	@mkdir -p $(STAMPS)

$(STAMPS)/python: pyproject.toml | $(STAMPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
	  (echo "error: could not create $(VENV); on Debian: apt-get install python3-venv" && exit 1)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(STAMPS)/assets: package.json package-lock.json | $(STAMPS)
	@command -v npm >/dev/null || (echo "error: npm is needed for the front-end assets; on Debian: apt-get install npm" && exit 1)
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(ASSETS) $(VENDOR)/
	@touch $@

run: install
	$(BIN)/iofs db upgrade
	$(BIN)/iofs members load
	$(BIN)/iofs serve

# Both cores (pytest-xdist; worksteal: an idle worker takes tests queued on the other, so the
# long browser crawls do not leave one core idle at the end). Coverage is its own target: the
# tracer made the suite about 45 % slower (tests/programmes: 186 s bare, 268 s traced).
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

coverage: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --cov=iofs --cov-report= $(PYTEST_ARGS)
	@echo "coverage: $$($(BIN)/coverage report --format=total) % of the lines of src/iofs"

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

# The fuzz and hostile-input tests with a larger, randomised budget (make test runs them with a
# small one: IOFS_FUZZ_EXAMPLES=8 per case, in CI too).
FUZZ_EXAMPLES ?= 100
FUZZ_TESTS := tests/test_fuzz_api.py tests/test_importer_fuzz.py tests/test_hostile_requests.py \
              tests/test_spreadsheets.py tests/test_wide_files.py \
              $(sort $(wildcard tests/*/test_hardening.py))

fuzz: install
	IOFS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) IOFS_FUZZ_RANDOM=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) -q \
	  -p no:cacheprovider $(FUZZ_TESTS)

clean:
	rm -rf $(VENV) $(STAMPS) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
