# Cadran — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: demo test install lint format check clean ci browser-deps

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependency files change.
$(STAMP): $(PY) pyproject.toml requirements/constraints.txt
	$(PY) -m pip install --quiet --upgrade "pip>=23.2"
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The browser tests' accessibility audit (axe-core, pinned in package-lock.json). Without
# npm they are skipped, with the reason; `.ci/run` makes them compulsory.
NPM_STAMP := node_modules/.installed
$(NPM_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $(NPM_STAMP); \
	else \
		echo "npm absent : les tests dans le navigateur seront sautés (apt-get install npm)."; \
	fi

browser-deps: $(NPM_STAMP)

demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py rundemo --port $(PORT)

test: $(STAMP) $(NPM_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything the CI runs: both databases, the browser, the linters, the deploy check.
ci:
	bash .ci/run

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

check: lint test

clean:
	rm -rf $(VENV) node_modules var/test-*.sqlite3
