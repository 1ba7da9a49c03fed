# Lokalkapital. The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
# Two test processes. With PostgreSQL + Redis the integration tests (real Celery workers sharing one
# broker) then run on their own in one process; pytest's exit 5 (none selected) is not a failure there.
PYTEST_ARGS ?=
# Which tests the PostgreSQL pass of `make test` runs besides the integration tests (CI leaves out the browser tests
# there: they ran on the default database in the pass before, and what they add is the browser's, not the database's).
PG_MARKS ?= not integration

.PHONY: run test lint typecheck check-migrations deploy-check lock system-deps ci clean schema schema-check security bandit pip-audit fuzz bench-api messages test-scoping

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3

$(STAMP_RUN): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP_RUN) $@

## run: the platform with demo data on SQLite and the filesystem broker: web + worker + beat
run: $(STAMP_RUN)
	$(PY) scripts/run_demo.py

## test: the whole test suite (browser tests need Chromium: `make system-deps` installs it as root)
test: $(STAMP_DEV)
	-@bash scripts/system-deps.sh --if-root
ifeq ($(DATABASE_URL),)
	DJANGO_ENV=test $(PY) -m pytest -n 2 $(PYTEST_ARGS)
else
	DJANGO_ENV=test $(PY) -m pytest -n 2 -m "$(PG_MARKS)" $(PYTEST_ARGS)
	DJANGO_ENV=test $(PY) -m pytest -m integration $(PYTEST_ARGS) || [ $$? -eq 5 ]
endif

## test-scoping: the page and API suites (and the community tests) with the scoping recorder on (tests/scoping.py): a
## read of a community-owned table without a community or person condition, while a treasurer, organiser or fund
## manager is served, fails; the known gaps (tests/scoping.py, KNOWN_GAPS) are counted and listed at the end
SCOPING_TESTS := tests/test_scoping_recorder.py tests/communities tests/web tests/api tests/treasury/test_exceptions_pages.py
test-scoping: $(STAMP_DEV)
	DJANGO_ENV=test $(PY) -m pytest -n 2 -q -p no:randomly --scope-recorder -m "not browser and not slow" $(SCOPING_TESTS) $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## typecheck: mypy with django-stubs and djangorestframework-stubs over the directories that are clean so far
TYPECHECK_PATHS := accounts communities config invest people pools treasury web workers operations demo bench/totals.py bench/reports.py
typecheck: $(STAMP_DEV)
	DJANGO_ENV=test $(VENV)/bin/mypy $(TYPECHECK_PATHS)

check-migrations: $(STAMP_DEV)
	DJANGO_ENV=test $(PY) manage.py makemigrations --check --dry-run

deploy-check: $(STAMP_RUN)
	DJANGO_ENV=production SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=lokalkapital.example DATABASE_URL=sqlite:///:memory: \
	$(PY) manage.py check --deploy --fail-level WARNING

system-deps:
	bash scripts/system-deps.sh

## lock: re-resolve the pinned set after changing requirements*.in
lock: | $(PY)
	$(PY) -m pip install --quiet pip-tools==7.5.2
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-header requirements.in -o requirements.txt
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-header requirements-dev.in -o requirements-dev.txt

ci:
	bash .ci/run

clean:
	rm -rf var test-artifacts

## schema: regenerate the committed OpenAPI schema (openapi.yaml) after changing the API
schema: $(STAMP_DEV)
	DJANGO_ENV=test $(PY) manage.py spectacular --validate --fail-on-warn --lang en --file openapi.yaml

## schema-check: the committed openapi.yaml matches the code, and the schema has no warnings
schema-check: $(STAMP_DEV)
	@mkdir -p var
	DJANGO_ENV=test $(PY) manage.py spectacular --validate --fail-on-warn --lang en --file var/openapi.generated.yaml
	@diff -u openapi.yaml var/openapi.generated.yaml || { echo "openapi.yaml is out of date: run make schema and commit it"; exit 1; }

## security: bandit (no high findings) and pip-audit (no known vulnerabilities in the locked set)
security: bandit pip-audit

bandit: $(STAMP_DEV)
	$(VENV)/bin/bandit -q -c pyproject.toml -r accounts api config invest people pools treasury web workers operations demo -lll

# --strict: a package the vulnerability service cannot look up fails the run (else "no known
# vulnerabilities" would be printed when nothing was checked, e.g. with no route to pypi.org).
pip-audit: $(STAMP_DEV)
	@$(VENV)/bin/pip-audit -r requirements.txt --no-deps --disable-pip --strict --progress-spinner off --timeout 20 \
	  || { echo "pip-audit FAILED: a known vulnerability above, or pypi.org's vulnerability data could not be reached for a package"; exit 1; }

## fuzz: schemathesis against the live schema on a seeded database (a live server on 127.0.0.1), once each
## as a saver, a project owner, a treasurer and an organiser; part of `make test` too
fuzz: $(STAMP_DEV)
	DJANGO_ENV=test $(PY) -m pytest tests/api/test_schema_fuzz.py -q -p no:randomly -m slow

## bench-api: API latency and throughput against bare Django views (PostgreSQL lk_api_bench, gunicorn)
bench-api: $(STAMP_DEV)
	$(PY) bench/api.py

## messages: refresh the Swedish catalogue from the code (locale/sv/LC_MESSAGES/django.po) and compile django.mo.
## Needs GNU gettext (xgettext, msgmerge; msgfmt to compile). Translate every new or fuzzy entry, then commit both files.
messages: $(STAMP_DEV)
	@command -v xgettext >/dev/null && command -v msgmerge >/dev/null \
	  || { echo "make messages needs GNU gettext: apt-get install gettext"; exit 1; }
	DJANGO_ENV=test $(PY) manage.py makemessages -l sv --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=test-artifacts
	@if command -v msgfmt >/dev/null; then \
	  msgfmt --check --statistics -o locale/sv/LC_MESSAGES/django.mo locale/sv/LC_MESSAGES/django.po; \
	else \
	  echo "msgfmt not found: django.mo was not recompiled"; \
	fi
