# Two commands: `make run` (set up everything and serve on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The public address (webhook URLs, the widget snippet, the demo widget's allowed origins, the links load_demo
# prints) follows the host and port served; behind a proxy pass it: make run SITE_URL=https://bots.example.com
SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
export SITE_URL

.PHONY: run test install frontend frontend-test migrate demo serve lint bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

frontend:
	@if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund && npm run build; fi

# Vitest: the editor's state logic (graph <-> scenario JSON, undo/redo, autosave, copy/paste ids, ports against
# the schema, UI strings); then ESLint with the React hooks rules as errors.
frontend-test: frontend
	cd frontend && npm test && npm run lint

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# daphne serves HTTP + websockets; one task worker per queue (settings.TASK_QUEUES), so a slow HTTP node never
# delays a timer or a delivery: live = deliveries and timers, io = HTTP nodes, bulk = broadcasts and clean-ups.
# Each worker keeps a heartbeat and re-queues what a dead worker left running (no cron job needed).
run: install frontend demo
	$(PY) manage.py collectstatic --noinput >/dev/null
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C stops the server and the task workers)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py db_worker --queue-name live --interval 0.5 & \
	$(PY) manage.py db_worker --queue-name io & \
	$(PY) manage.py db_worker --queue-name bulk & \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) channels_app.asgi:application

test: install frontend frontend-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Needs DATABASE_URL (PostgreSQL) and REDIS_URL; prints JSON + a table and writes bench-results.json.
bench: install
	$(PY) -m tests.benchmarks.run

clean:
	rm -rf $(VENV) frontend/dist frontend/node_modules staticfiles db.sqlite3*
