# The front door: `make run` and `make test` do all set-up on a fresh machine.
# Python 3.11+ is the only prerequisite; PostgreSQL is embedded unless DATABASE_URL is set.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Stamp file: reinstall only when the requirements change.
INSTALLED := $(VENV)/.installed
PIP_VERSION := 26.3

.PHONY: help install lighthouse bench loadtest backup restore run serve test test-browser lint fmt migrate demo stop-db db-status check-deploy clean

help:
	@echo "make run        set up everything and serve http://127.0.0.1:8000 (development)"
	@echo "make test       run the whole test suite against PostgreSQL"
	@echo "make test-browser  only the browser tests (needs /usr/bin/chromium)"
	@echo "make lint       ruff, makemigrations --check, bandit, pip-audit (when online)"
	@echo "make fmt        format and autofix with ruff"
	@echo "make serve      production mode locally: gunicorn, DEBUG off, WhiteNoise"
	@echo "make lighthouse Lighthouse scores of the home and article pages (npm, Chromium)"
	@echo "make bench      load-test the production set-up with wrk, time a WordPress import"
	@echo "make loadtest   32 readers and 8 commenters for 60 s through the nginx front"
	@echo "make backup     database and media into one archive in BACKUP_DIR (backups/)"
	@echo "make restore FILE=backups/....tar.gz  into an empty database (FORCE=1 replaces)"
	@echo "make stop-db    stop the embedded PostgreSQL"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check "pip==$(PIP_VERSION)"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	DEBUG=1 $(MANAGE) migrate --noinput

demo: migrate
	DEBUG=1 $(MANAGE) load_demo_content

# Development server. When it exits (Ctrl-C), the embedded database is stopped too
# (unless DATABASE_URL points elsewhere).
run: demo
	@DEBUG=1 $(MANAGE) create_dev_superuser
	@echo "Serving on http://127.0.0.1:8000 (admin: http://127.0.0.1:8000/admin/). Ctrl-C stops."
	@trap '[ -n "$$DATABASE_URL" ] || $(PY) -m recovery_site.embedded_db stop' EXIT; \
		trap 'exit 130' INT TERM; \
		DEBUG=1 $(MANAGE) runserver 127.0.0.1:8000

# Production settings on this machine, over plain http: DEBUG off, gunicorn,
# hashed and compressed static files served by WhiteNoise, and the background
# task worker (moderator emails). A real deployment sets SECRET_KEY,
# ALLOWED_HOSTS and DATABASE_URL itself (see README).
serve: migrate
	@[ -n "$$SECRET_KEY$$DJANGO_SECRET_KEY" ] || [ -f .local-secret-key ] || \
		$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > .local-secret-key
	SECRET_KEY="$${SECRET_KEY:-$$(cat .local-secret-key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" HTTPS_ONLY="$${HTTPS_ONLY:-0}" \
	SERVE_MEDIA="$${SERVE_MEDIA:-1}" \
		sh -c '$(MANAGE) collectstatic --noinput --verbosity 0 || exit 1; \
		$(MANAGE) db_worker --no-reload & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(BIN)/gunicorn recovery_site.wsgi --config recovery_site/gunicorn.conf.py'

# The test suite, on every core (pytest-xdist; TEST_WORKERS=0 runs it in one process).
# If it had to start the embedded database, it stops it afterwards.
TEST_WORKERS ?= auto
test: install
	@was_running=1; [ -n "$$DATABASE_URL" ] || $(PY) -m recovery_site.embedded_db status >/dev/null || was_running=0; \
		$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
		[ -n "$$DATABASE_URL" ] || [ $$was_running = 1 ] || $(PY) -m recovery_site.embedded_db stop >/dev/null; \
		exit $$status

# Only the browser tests (Playwright + Debian's Chromium), failing if Chromium is missing.
test-browser: install
	REQUIRE_BROWSER=1 $(BIN)/pytest -n $(TEST_WORKERS) tests/e2e $(PYTEST_ARGS)

# Lighthouse from npm on Debian's Chromium, offline, against production settings:
# prints the four category scores for the home and article pages, mobile and desktop.
# (npm install, not npm ci: one of Lighthouse's dependencies asks for
# third-party-web@"latest", which npm ci always reports as out of sync.)
node_modules/.bin/lighthouse: package.json package-lock.json
	npm install --no-audit --no-fund
	@touch $@

lighthouse: demo node_modules/.bin/lighthouse
	$(PY) scripts/lighthouse.py

# Load test of the production configuration on 127.0.0.1 (a few minutes; not run by
# CI): its own database (recovery_bench), Redis, gunicorn and nginx servers, measured
# with wrk, then a whole WordPress import in a database of its own; prints the tables
# and writes them to docs/benchmarks.md. See scripts/bench/. It says itself which
# tools it lacks (BENCH_ARGS="--only wordpress" needs no wrk).
bench: install
	$(PY) -m scripts.bench $(BENCH_ARGS)

# Backups: see README "Backups". The manage.py commands read SECRET_KEY, DATABASE_URL,
# MEDIA_ROOT and BACKUP_DIR from the environment (or .env) like the site does.
backup: install
	$(MANAGE) backup

restore: install
	@[ -n "$(FILE)" ] || { echo "Usage: make restore FILE=backups/recovery-site-....tar.gz [FORCE=1]"; exit 2; }
	$(MANAGE) restore "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

# 32 readers and 8 commenters for 60 s through the nginx front (production settings,
# loopback only, its own database recovery_bench_loadtest); fails on a server error
# or a comment not stored exactly as answered. See docs/benchmarks.md.
loadtest: install
	@for tool in wrk redis-server; do command -v $$tool >/dev/null || \
		{ echo "make loadtest needs $$tool: apt-get install -y $$tool"; exit 1; }; done
	$(PY) -m scripts.bench --loadtest $(BENCH_ARGS)

# bandit's findings fail lint (each accepted one is marked `# nosec BXXX # why` where it
# is); its warnings about lines with several checks for one nosec are dropped. The
# dependency audit needs PyPI and is skipped, with a line saying so, without it.
BANDIT_PATHS := articles comments core dashboard pages recovery_site scripts wordpress
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run
	@echo "bandit -r $(BANDIT_PATHS) -c pyproject.toml"
	@log=$$(mktemp); $(BIN)/bandit -q -r $(BANDIT_PATHS) -c pyproject.toml 2>$$log; \
		status=$$?; grep -v "nosec encountered" $$log >&2; rm -f $$log; \
		[ $$status = 0 ] && echo "bandit: no findings"; exit $$status
	$(PY) -m scripts.audit_dependencies requirements-dev.txt

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=example.org SITE_URL=https://example.org $(MANAGE) check --deploy --fail-level WARNING

stop-db: $(PY)
	@$(PY) -m recovery_site.embedded_db stop

db-status: $(PY)
	@$(PY) -m recovery_site.embedded_db status

clean: stop-db
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
