# Entente: `make run` serves the demo, `make test` runs the suite. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The checks the suite runs on the pages (axe-core, the Nu HTML Checker), pinned in
# package-lock.json; install scripts off (vnu-jar's would fetch a Java: the machine's is used).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE_STAMP)

# The demo: SQLite, and Celery on its embedded file broker (no Redis): one worker with the
# beat inside it, next to the web server. Ctrl-C stops all three.
run: export DEBUG ?= true
run: export DASHBOARD_PUBLIC ?= true
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py loaddemo --users
	$(PY) manage.py recompute
	$(PY) manage.py ingest "Demo feed" --file fixtures/demo_feed.xml
	@echo "Entente: http://127.0.0.1:8000/  (triage: /triage/, workbench: /admin/, logins above)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A config worker --beat --concurrency 1 --loglevel INFO & \
	$(PY) manage.py runserver --noreload 127.0.0.1:8000

REPORTS := var/test-results

test: test-sqlite test-postgres

test-sqlite: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -n auto --junitxml=$(REPORTS)/sqlite.xml

# The same suite on this machine's PostgreSQL (TEST_DATABASE_URL); skipped with a clear
# reason when the server is not there, and a failure under CI=true.
test-postgres: $(STAMP) $(NODE_STAMP)
	$(PY) -m tests.postgres -n auto --junitxml=$(REPORTS)/postgres.xml

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench
	$(PY) -m bench load

# The README's pictures (docs/screens/, docs/*.png), taken from the demo in headless Chromium.
screenshots: $(STAMP)
	UPDATE_SCREENSHOT=1 $(PY) -m pytest tests/browser \
	  -k "readme_screenshots or overview_draws or track_record or comparison"

clean:
	rm -rf $(VENV) staticfiles var .pytest_cache node_modules
