# Cadran — the two commands: `make demo` and `make test`.
# Each first checks what the machine itself must have (scripts/ensure-system-deps): as
# root it installs what is missing, otherwise it stops with the exact command to run.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
# Browser tests are part of the suite: `make test` installs Chromium and axe-core first, so
# a missing browser is an error, never a silent skip (tests/browser/conftest.py).
export CADRAN_REQUIRE_BROWSER ?= 1

.PHONY: demo test install lint format check clean ci system-deps-demo system-deps-test

system-deps-demo:
	@PYTHON=$(PYTHON) scripts/ensure-system-deps demo

system-deps-test:
	@PYTHON=$(PYTHON) scripts/ensure-system-deps test

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependency files change.
$(STAMP): $(PY) pyproject.toml requirements/constraints.txt
	$(PY) -m pip install --quiet --upgrade "pip>=23.2"
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The links of the demo's e-mails and SMS follow the port served (CADRAN_SITE_URL wins).
DEMO_SITE_URL = $${CADRAN_SITE_URL:-http://127.0.0.1:$(PORT)}

demo: system-deps-demo $(STAMP)
	$(PY) manage.py migrate --noinput
	CADRAN_SITE_URL=$(DEMO_SITE_URL) $(PY) manage.py seed_demo
	CADRAN_SITE_URL=$(DEMO_SITE_URL) $(PY) manage.py rundemo --port $(PORT)

test: system-deps-test $(STAMP)
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
