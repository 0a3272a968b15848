# OpenIOP: `make run` serves the demo, `make test` runs every check. Nothing else to install but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint check-migrations check-deploy unit browser demo clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The demo runs the production stack (gunicorn, whitenoise, DEBUG off) on loopback over plain HTTP, so
# cookies are not marked Secure and MFA enrolment is optional for the demo logins.
DEMO_ENV := SECURE_COOKIES=0 OPENIOP_REQUIRE_STAFF_MFA=0 SECURE_HSTS_SECONDS=0

run: $(VENV)/.installed
	mkdir -p var
	$(DEMO_ENV) $(MANAGE) migrate --no-input -v0
	$(DEMO_ENV) $(MANAGE) createcachetable
	$(DEMO_ENV) $(MANAGE) collectstatic --no-input -v0
	$(DEMO_ENV) $(MANAGE) load_demo
	@echo "OpenIOP demo: http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@# The reminders: the django-tasks worker sends them, the loop finds the due ones every minute (both to the console).
	$(DEMO_ENV) $(MANAGE) db_worker & worker=$$!; \
	$(DEMO_ENV) $(MANAGE) reminders_loop & loop=$$!; \
	trap 'kill $$worker $$loop 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - --log-level warning

# Production checks run against production settings: DEBUG off, a real key, HTTPS everywhere.
CHECK_ENV := DEBUG=0 SECURE_SSL_REDIRECT=1 SECURE_COOKIES=1 ALLOWED_HOSTS=iop.example.org \
	SECRET_KEY=check-deploy-$$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')

test: $(VENV)/.installed lint check-migrations check-deploy unit browser

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-migrations: $(VENV)/.installed
	$(MANAGE) makemigrations --check --dry-run

check-deploy: $(VENV)/.installed
	$(CHECK_ENV) $(MANAGE) check --deploy --fail-level WARNING

# The unit suite runs in one process per core (pytest-xdist; TEST_WORKERS=0 runs it in this process). Each
# worker has its own test database and Redis index (config/test_settings.py); a test module stays on one worker.
TEST_WORKERS ?= auto
unit: $(VENV)/.installed
	$(BIN)/pytest -m "not browser" -q -n $(TEST_WORKERS) --dist loadscope

# Browser tests drive the system Chromium. Without it they are skipped, except under CI, where a missing
# browser fails the run (see openiop/browser_tests/conftest.py).
browser: $(VENV)/.installed
	$(BIN)/pytest -m browser -q -rs

clean:
	rm -rf $(VENV) var
