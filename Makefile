# Entente: `make run` serves the demo, `make test` runs the suite. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: export DEBUG ?= true
run: export DASHBOARD_PUBLIC ?= true
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py loaddemo --users
	@echo "Entente: http://127.0.0.1:8000/  (workbench: /admin/, logins above)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(PY) -m pytest -n auto

# The same suite on this machine's PostgreSQL (TEST_DATABASE_URL); skipped with a clear
# reason when the server is not there, and a failure under CI=true.
test-postgres: $(STAMP)
	$(PY) -m tests.postgres -n auto

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
